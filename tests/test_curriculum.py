"""WGAN-C: the schedule of the combination weights, the combined critic, the
reduction to WGAN-GP with one critic, saving and bad input.

Tiny nets (width 16, batch 8) that still run real critic and G updates.
"""

import keras
import numpy as np
import pytest

from keras_gan import WGANC, WGANGP, datasets, networks, training
from keras_gan.models.curriculum import combine_critics, curriculum_weights

LATENT = 4


def generator(seed=0):
    keras.utils.set_random_seed(seed)
    return networks.build_mlp_generator(LATENT, (2,), (16,), None)


def critics(n, seed=0):
    keras.utils.set_random_seed(seed)
    return [networks.build_mlp_discriminator((2,), (16,) * (i + 1),
                                             name=f"critic_{i}")
            for i in range(n)]


def data(n=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def weights(model):
    return [v.numpy().copy() for v in model.weights]


def schedule_by_hand(step, d, steps):
    """lambda_i = max(0, 1 - |s - i|), s = clip(step / steps, 0, 1) (d - 1)."""
    s = min(max(step / steps, 0.0), 1.0) * (d - 1)
    return np.maximum(0.0, 1.0 - np.abs(s - np.arange(d)))


# ---- the schedule -----------------------------------------------------------

def test_weights_follow_the_schedule_by_hand():
    table = {0: [1, 0, 0], 2500: [0.5, 0.5, 0], 5000: [0, 1, 0],
             6000: [0, 0.8, 0.2], 7500: [0, 0.5, 0.5], 10000: [0, 0, 1],
             25000: [0, 0, 1]}
    for step, expected in table.items():
        np.testing.assert_allclose(curriculum_weights(step, 3, 10000),
                                   expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("d, steps", [(1, 10), (2, 7), (3, 100), (5, 999)])
def test_weights_stay_on_the_simplex_and_only_get_harder(d, steps):
    previous_tails = np.zeros(d)
    for step in range(0, 2 * steps, max(1, steps // 37)):
        lam = curriculum_weights(step, d, steps).numpy()
        np.testing.assert_allclose(lam, schedule_by_hand(step, d, steps),
                                   rtol=1e-6, atol=1e-6)
        assert lam.min() >= 0.0
        np.testing.assert_allclose(lam.sum(), 1.0, rtol=1e-6)
        assert np.count_nonzero(lam) <= 2           # neighbours only
        tails = np.cumsum(lam[::-1])[::-1]          # sum_{j >= i} lambda_j
        assert np.all(tails >= previous_tails - 1e-6)
        previous_tails = tails


def test_one_critic_always_has_weight_one():
    for step in (0, 1, 5, 10**6):
        np.testing.assert_array_equal(curriculum_weights(step, 1, 10), [1.0])


def test_combined_critic_is_the_weighted_sum():
    cs = critics(3)
    combined = combine_critics(cs)
    lam = np.array([0.2, 0.5, 0.3], "float32")
    combined.get_layer("lambdas").lambdas.assign(lam)
    x = data(6)
    expected = sum(w * c(x).numpy() for w, c in zip(lam, cs))
    np.testing.assert_allclose(combined(x), expected, rtol=1e-5, atol=1e-6)
    assert combined.output_shape == (None, 1)


# ---- the model --------------------------------------------------------------

def test_training_sets_the_weights_of_each_critic_step():
    steps, d = 6, 3
    model = WGANC(generator(), critics(d), LATENT, curriculum_steps=steps,
                  n_critic=2, seed=0)
    model.compile(jit_compile=False)
    assert model.num_critics == d
    for t, batch in enumerate(data(8 * 9).reshape(9, 8, 2)):
        logs = model.train_on_batch(batch, return_dict=True)
        lam = schedule_by_hand(t, d, steps)   # t critic updates before it
        np.testing.assert_allclose(model.combination.lambdas.numpy(), lam,
                                   rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(logs["level"], lam @ np.arange(d),
                                   rtol=1e-6, atol=1e-7)


def test_a_critic_without_weight_gets_no_update():
    # lambda_2 stays 0 while t <= curriculum_steps / 2.
    model = WGANC(generator(), critics(3), LATENT, curriculum_steps=1000,
                  seed=0)
    model.compile(jit_compile=False)
    before = [weights(c) for c in model.critics]
    model.fit(data(40), batch_size=8, epochs=1, verbose=0)
    after = [weights(c) for c in model.critics]
    moved = [any(not np.array_equal(a, b) for a, b in zip(x, y))
             for x, y in zip(before, after)]
    assert moved == [True, True, False]


def test_one_critic_reduces_to_wgan_gp_bitwise():
    x = data(8 * 12)
    runs = {}
    for name in ("wgan-c", "wgan-gp"):
        g, (c,) = generator(seed=4), critics(1, seed=5)
        if name == "wgan-c":
            model = WGANC(g, [c], LATENT, curriculum_steps=3, n_critic=3,
                          gp_weight=5.0, seed=7)
        else:
            model = WGANGP(g, c, LATENT, n_critic=3, gp_weight=5.0,
                           seed=7)
        model.compile(jit_compile=False)
        history = model.fit(x, batch_size=8, epochs=2, verbose=0,
                            shuffle=False).history
        runs[name] = (weights(model.generator), weights(c), history)
    (g1, c1, h1), (g2, c2, h2) = runs["wgan-c"], runs["wgan-gp"]
    for a, b in zip(g1 + c1, g2 + c2):
        np.testing.assert_array_equal(a, b)
    for key in h2:
        np.testing.assert_array_equal(h1[key], h2[key])
    assert h1["level"] == [0.0, 0.0]


def test_keras_round_trip_and_bitwise_resume(tmp_path):
    _round_trip_and_resume(tmp_path)


def _round_trip_and_resume(tmp_path):
    model = WGANC(generator(), critics(3), LATENT, curriculum_steps=10,
                  n_critic=2, gp_weight=5.0, seed=2)
    model.compile(jit_compile=False)
    model.fit(data(56), batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "wganc.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, WGANC)
    assert (loaded.num_critics, loaded.curriculum_steps, loaded.n_critic,
            loaded.gp_weight) == (3, 10, 2, 5.0)
    assert int(loaded.d_optimizer.iterations) == 7
    np.testing.assert_array_equal(loaded.combination.lambdas.numpy(),
                                  model.combination.lambdas.numpy())
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_array_equal(a, b)
    more = data(48, seed=9)
    model.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_array_equal(a, b)


def test_curriculum_critics_for_images():
    cs = networks.build_curriculum_critics((28, 28, 1), 4, 3)
    assert [c.output_shape for c in cs] == [(None, 1)] * 3
    pooled = [c.get_layer(f"critic_{i}_body").input_shape
              for i, c in enumerate(cs[:2])]
    assert pooled == [(None, 7, 7, 1), (None, 14, 14, 1)]
    # The strongest critic is the DCGAN critic of the WGAN-GP preset.
    full = networks.build_dcgan_discriminator((28, 28, 1), 4)
    assert [w.shape for w in cs[2].weights] == [w.shape for w in full.weights]
    keras.utils.set_random_seed(0)
    model = WGANC(networks.build_dcgan_generator(LATENT, (28, 28, 1), 4), cs,
                  LATENT, curriculum_steps=4, seed=0)
    model.compile(jit_compile=False)
    x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1))
    history = model.fit(x.astype("float32"), batch_size=8, epochs=1,
                        verbose=0).history
    assert sorted(history) == ["d_loss", "g_loss", "gp", "level",
                               "w_estimate"]


@pytest.mark.parametrize("make, match", [
    (lambda: [], "non-empty list"),
    (lambda: critics(1)[0], "non-empty list"),
    (lambda: [critics(1)[0], "critic"], r"critics\[1\] of type str"),
    (lambda: [networks.build_mlp_discriminator((2,), (8,), name="a"),
              networks.build_mlp_discriminator((3,), (8,), name="b")],
     "same input shape"),
    (lambda: [networks.build_mlp_generator(2, (2,), (8,), None)],
     r"one score per sample"),
    (lambda: [networks.build_mlp_discriminator((2,), (8,)),
              networks.build_mlp_discriminator((2,), (16,))],
     r"distinct names .* \['discriminator', 'discriminator'\]"),
])
def test_bad_critics(make, match):
    with pytest.raises(ValueError, match=match):
        WGANC(generator(), make(), LATENT)


def test_bad_arguments():
    with pytest.raises(ValueError, match="curriculum_steps"):
        WGANC(generator(), critics(2), LATENT, curriculum_steps=0)
    with pytest.raises(ValueError, match="num_critics"):
        networks.build_curriculum_critics((28, 28, 1), 4, 0)
    with pytest.raises(ValueError, match=r"H and W >= 32"):
        networks.build_curriculum_critics((28, 28, 1), 4, 6)


def test_cli_flags(capsys):
    c = training.resolve(training.TrainConfig(model="wgan-c", epochs=4,
                                              steps_per_epoch=100))
    assert (c.critics, c.curriculum_steps, c.gp_weight, c.n_critic,
            c.arch) == (3, 200, 10.0, 5, "dcgan")
    c = training.resolve(training.TrainConfig(
        model="wgan-c", critics=2, curriculum_steps=50, gp_weight=2.0))
    model = training.build_model(c, (28, 28, 1))
    assert isinstance(model, WGANC)
    assert (model.num_critics, model.curriculum_steps, model.gp_weight) == (
        2, 50, 2.0)
    for argv, message in (
            (["--model", "wgan-gp", "--critics", "2"],
             "--critics applies to --model wgan-c only"),
            (["--model", "wgan-c", "--critics", "0"],
             "expected --critics to be an integer >= 1"),
            (["--model", "wgan-c", "--curriculum-steps", "0"],
             "expected --curriculum-steps to be an integer >= 1")):
        assert training.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and message in err, err


# Bitwise: a resume that restores the wrong state (data position, noise
# stream, lambda, optimizers) ends elsewhere. (Until the update-order fix,
# `keras_gan.models.base._after`, about 1 run in 15 ended 2e-4 away.)
def test_an_interrupted_run_resumes_bitwise(tmp_path):
    x, y = datasets.load_npz(datasets.MNIST_SAMPLE)
    np.savez(tmp_path / "digits.npz", x=x[::50], y=y[::50])

    def run(name, epochs, resume=False, curriculum_steps=4):
        return training.run(training.TrainConfig(
            model="wgan-c", data=str(tmp_path / "digits.npz"), epochs=epochs,
            steps_per_epoch=4, batch_size=8, latent_dim=4, base_filters=4,
            n_critic=2, curriculum_steps=curriculum_steps,
            run_dir=str(tmp_path / name), export=False, monitor_samples=0,
            verbose=0, resume=resume, seed=3))

    run("straight", 2)
    run("resumed", 1)
    # The curriculum's length is part of the run: it cannot change.
    with pytest.raises(training.ConfigError,
                       match=r"curriculum_steps: 4 -> 8"):
        run("resumed", 2, resume=True, curriculum_steps=8)
    assert run("resumed", 2, resume=True).initial_epoch == 1
    a, b = (keras.saving.load_model(tmp_path / name / "checkpoint.keras")
            for name in ("straight", "resumed"))
    np.testing.assert_array_equal(b.combination.lambdas.numpy(),
                                  [0.0, 0.0, 1.0])
    assert [v.path for v, w in zip(a.weights, b.weights)
            if not np.array_equal(v.numpy(), w.numpy())] == []


def test_eager_graph_and_xla_agree(assert_modes_agree):
    results = []
    for mode in (dict(run_eagerly=True), dict(jit_compile=False),
                 dict(jit_compile=True)):
        model = WGANC(generator(), critics(3), LATENT, curriculum_steps=4,
                      n_critic=2, seed=0)
        model.compile(**mode)
        history = model.fit(data(48), batch_size=8, epochs=1, verbose=0,
                            shuffle=False).history
        results.append((weights(model), history))
    assert_modes_agree([(h, w) for w, h in results], history_atol=1e-6)


def test_training_exports_the_generator(exported_run_matches_checkpoint):
    exported_run_matches_checkpoint("wgan-c", steps_per_epoch=4, n_critic=2)
