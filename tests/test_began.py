"""BEGAN: losses by hand, the k_t controller over real steps, saving, input.

Tiny nets (an 8-16-8 MLP autoencoder on 2-D points, batch 8) that still run
real D and G updates.
"""

import keras
import numpy as np
import pytest

from keras_gan import BEGAN, datasets, losses, networks, training

LATENT = 4


def autoencoder(dim=2, seed=None):
    if seed is not None:
        keras.utils.set_random_seed(seed)
    x = keras.Input((dim,))
    h = keras.layers.Dense(16, activation="elu")(x)
    h = keras.layers.Dense(3)(h)
    h = keras.layers.Dense(16, activation="elu")(h)
    return keras.Model(x, keras.layers.Dense(dim)(h), name="autoencoder")


def tiny_nets(seed=0):
    keras.utils.set_random_seed(seed)
    return (networks.build_mlp_generator(LATENT, (2,), (16,), None),
            autoencoder())


def data(n=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def weights(model):
    return [v.numpy().copy() for v in model.weights]


# ---- the pure functions -----------------------------------------------------

def test_reconstruction_error_is_the_per_sample_mean_absolute_error():
    x = np.arange(12, dtype="float32").reshape(2, 3, 2, 1) / 10
    r = np.flip(x, axis=2)
    expected = np.abs(x - r).reshape(2, -1).mean(axis=1, keepdims=True)
    out = losses.reconstruction_error(x, r)
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    # By hand: |0.0-0.1|, |0.1-0.0|, ... = 0.1 everywhere.
    np.testing.assert_allclose(out, [[0.1], [0.1]], rtol=1e-6)


def test_began_losses_measure_and_k_step_by_hand():
    real, fake = [[0.2], [0.4]], [[0.1], [0.5], [0.3]]     # means 0.3, 0.3
    np.testing.assert_allclose(
        losses.began_discriminator_loss(real, fake, 0.5), 0.3 - 0.5 * 0.3,
        rtol=1e-6)
    np.testing.assert_allclose(losses.began_generator_loss(fake), 0.3,
                               rtol=1e-6)
    # M_global = L(x) + |gamma L(x) - L(G)| = 0.3 + |0.15 - 0.3| = 0.45.
    np.testing.assert_allclose(
        losses.began_convergence_measure(0.3, 0.3, 0.5), 0.45, rtol=1e-6)
    # k + lambda_k (gamma L(x) - L(G)) = 0.2 + 0.001 * (0.15 - 0.3).
    np.testing.assert_allclose(
        losses.began_k_update(0.2, 0.3, 0.3, 0.5, 0.001), 0.19985, rtol=1e-6)


@pytest.mark.parametrize("k, real, fake, expected", [
    (0.0005, 0.1, 0.9, 0.0),     # 0.0005 + 0.001 * (0.05 - 0.9) < 0
    (0.9999, 0.9, 0.0, 1.0),     # 0.9999 + 0.001 * 0.45 > 1
    (0.5, 0.2, 0.1, 0.5),        # balance 0: k stays
])
def test_k_update_clips_to_the_unit_interval(k, real, fake, expected):
    np.testing.assert_allclose(
        losses.began_k_update(k, real, fake, 0.5, 0.001), expected,
        rtol=1e-6, atol=0)


# ---- the model --------------------------------------------------------------

def test_discriminator_scores_are_reconstruction_errors():
    generator, ae = tiny_nets()
    model = BEGAN(generator, ae, LATENT, seed=0)
    x = data(5)
    expected = np.abs(x - ae(x).numpy()).mean(axis=1, keepdims=True)
    np.testing.assert_allclose(model.discriminator(x), expected, rtol=1e-6)
    assert model.autoencoder is ae
    assert model.discriminator.output_shape == (None, 1)


def run_steps(model, steps, seed=0):
    """Trains step by step; returns each step's logs and k before it."""
    history = []
    for batch in data(8 * steps, seed).reshape(steps, 8, 2):
        k_before = float(model.k.numpy())
        logs = model.train_on_batch(batch, return_dict=True)
        history.append((k_before, logs, float(model.k.numpy())))
    return history


def test_k_follows_the_controller_by_hand():
    gamma, lambda_k = 0.7, 0.05    # a large gain so k moves visibly
    model = BEGAN(*tiny_nets(), LATENT, gamma=gamma, lambda_k=lambda_k,
                  k_initial=0.3, seed=0)
    model.compile(jit_compile=False)
    history = run_steps(model, 6)
    assert history[0][0] == pytest.approx(0.3, abs=1e-7)
    for k_before, logs, k_after in history:
        l_real, l_fake, l_g = logs["l_real"], logs["l_fake"], logs["g_loss"]
        # L_D = L(x) - k_t L(G(z_D)) with k_t before the step.
        np.testing.assert_allclose(logs["d_loss"], l_real - k_before * l_fake,
                                   rtol=1e-5)
        # k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1).
        expected = np.clip(k_before + lambda_k * (gamma * l_real - l_g), 0, 1)
        np.testing.assert_allclose(k_after, expected, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(logs["k"], k_after, rtol=1e-6)
        np.testing.assert_allclose(
            logs["m_global"], l_real + abs(gamma * l_real - l_g), rtol=1e-5)
    assert len({round(k, 6) for _, _, k in history}) == 6  # it moved


def test_k_is_clipped_inside_training():
    # gain 100: every unclipped step would leave [0, 1].
    model = BEGAN(*tiny_nets(seed=1), LATENT, gamma=1.0, lambda_k=100.0,
                  seed=1)
    model.compile(jit_compile=False)
    clipped = 0
    for k_before, logs, k_after in run_steps(model, 5):
        raw = k_before + 100.0 * (logs["l_real"] - logs["g_loss"])
        assert k_after == float(np.clip(raw, 0.0, 1.0))
        clipped += not 0.0 <= raw <= 1.0
    assert clipped == 5


@pytest.mark.parametrize("n_critic", [1, 3])
def test_update_schedule_and_controller_steps(n_critic):
    model = BEGAN(*tiny_nets(), LATENT, n_critic=n_critic, lambda_k=0.05,
                  k_initial=0.5, seed=0)
    model.compile(jit_compile=False)
    k_values = [float(model.k.numpy())]
    g_before = weights(model.generator)
    for step, batch in enumerate(data(8 * 6).reshape(6, 8, 2), start=1):
        ae_before = weights(model.autoencoder)
        model.train_on_batch(batch)
        assert any(not np.array_equal(a, b) for a, b in
                   zip(ae_before, weights(model.autoencoder)))
        g_after = weights(model.generator)
        g_moved = any(not np.array_equal(a, b)
                      for a, b in zip(g_before, g_after))
        k_values.append(float(model.k.numpy()))
        # The generator and the controller step together.
        assert g_moved == (step % n_critic == 0), step
        assert (k_values[-1] != k_values[-2]) == g_moved, step
        g_before = g_after
    assert int(model.g_optimizer.iterations) == 6 // n_critic


def test_keras_round_trip_and_bitwise_resume(tmp_path):
    model = BEGAN(*tiny_nets(), LATENT, gamma=0.4, lambda_k=0.01,
                  k_initial=0.5, seed=5)
    model.compile(jit_compile=False)
    model.fit(data(48), batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "began.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, BEGAN)
    assert (loaded.gamma, loaded.lambda_k, loaded.k_initial) == (0.4, 0.01,
                                                                0.5)
    # The controller's state is saved: k is no longer its initial value.
    assert float(loaded.k.numpy()) == float(model.k.numpy()) != 0.5
    assert loaded.discriminator.output_shape == (None, 1)
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_array_equal(a, b)
    more = data(24, seed=9)
    model.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_array_equal(a, b)
    assert float(loaded.k.numpy()) == float(model.k.numpy())


def test_conv_autoencoder_trains_on_images():
    keras.utils.set_random_seed(0)
    model = BEGAN(networks.build_dcgan_generator(LATENT, (28, 28, 1), 4),
                  networks.build_began_discriminator((28, 28, 1), 4, 8),
                  LATENT, seed=0)
    model.compile(jit_compile=False)
    x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1))
    history = model.fit(x.astype("float32"), batch_size=8, epochs=1,
                        verbose=0).history
    assert sorted(history) == ["d_loss", "g_loss", "k", "l_fake", "l_real",
                               "m_global"]
    ae = networks.build_began_discriminator((28, 28, 1), 16)
    assert ae.output_shape == (None, 28, 28, 1)
    assert ae.get_layer("code").output.shape == (None, 64)


@pytest.mark.parametrize("kwargs, match", [
    (dict(gamma=0.0), r"`gamma` in \(0, 1\]"),
    (dict(gamma=1.5), r"`gamma` in \(0, 1\]"),
    (dict(gamma=-0.2), r"`gamma` in \(0, 1\]"),
    (dict(gamma=float("nan")), "`gamma` to be a number"),
    (dict(lambda_k=-0.001), "lambda_k"),
    (dict(k_initial=1.5), r"`k_initial` in \[0, 1\]"),
    (dict(loss="minimax"), "autoencoder"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BEGAN(*tiny_nets(), LATENT, **kwargs)


def test_a_discriminator_that_is_no_autoencoder_is_refused():
    generator = networks.build_mlp_generator(LATENT, (2,), (16,), None)
    critic = networks.build_mlp_discriminator((2,), (16,))
    with pytest.raises(ValueError, match="autoencoder whose output shape "
                                         "equals its input shape"):
        BEGAN(generator, critic, LATENT)
    with pytest.raises(ValueError, match="keras.Model"):
        BEGAN(generator, lambda x: x, LATENT)


def test_cli_gamma(tmp_path, capsys):
    c = training.resolve(training.TrainConfig(model="began", gamma=0.3))
    assert (c.gamma, c.arch, c.n_critic) == (0.3, "dcgan", 1)
    model = training.build_model(c, (28, 28, 1))
    assert isinstance(model, BEGAN) and model.gamma == 0.3
    # The preset's gain (0.02, tuned: the paper's 0.001 let the generator
    # collapse); a flag overrides it.
    assert model.lambda_k == 0.02 and c.lambda_k == 0.02
    assert training.resolve(training.TrainConfig(
        model="began")).gamma == 1.0
    c = training.resolve(training.TrainConfig(model="began", lambda_k=0.001))
    assert training.build_model(c, (28, 28, 1)).lambda_k == 0.001
    run_dir = tmp_path / "run"
    for gamma in ("0", "1.01", "-1", "nan"):
        assert training.main(["--model", "began", f"--gamma={gamma}",
                              "--run-dir", str(run_dir)]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "expected --gamma in (0, 1]" in err, err
    assert training.main(["--model", "wgan", "--gamma", "0.5"]) == 2
    assert "--gamma applies to --model began" in capsys.readouterr().err
    assert training.main(["--model", "began", "--arch", "mlp"]) == 2
    assert "expected --arch dcgan" in capsys.readouterr().err
    assert not run_dir.exists()


def test_dense_units_reach_the_generator_only(capsys):
    # The preset's generator has the GAN family's fully connected layer; the
    # autoencoder keeps its own layout whatever the flag says.
    assert training.resolve(training.TrainConfig(
        model="began")).dense_units == 512
    c = training.resolve(training.TrainConfig(
        model="began", dense_units=8, base_filters=4, latent_dim=4))
    generator, autoencoder = training.build_networks(c, (28, 28, 1))
    assert generator.get_layer("dense_0").units == 8
    assert [layer.units for layer in autoencoder.layers
            if isinstance(layer, keras.layers.Dense)] == [64, 7 * 7 * 16]
    c = training.resolve(training.TrainConfig(model="began", dense_units=0))
    generator, _ = training.build_networks(c, (28, 28, 1))
    assert c.dense_units is None and not any(
        isinstance(layer, keras.layers.Dense) for layer in generator.layers
        if layer.name != "project")
    # The other models with nets of their own still refuse the flag.
    assert training.main(["--model", "wgan-c", "--dense-units", "8"]) == 2
    assert "--model wgan-c has its own" in capsys.readouterr().err


def test_an_interrupted_run_resumes_bitwise(tmp_path):
    x, y = datasets.load_npz(datasets.MNIST_SAMPLE)
    np.savez(tmp_path / "digits.npz", x=x[::50], y=y[::50])

    def run(name, epochs, resume=False):
        return training.run(training.TrainConfig(
            model="began", data=str(tmp_path / "digits.npz"), epochs=epochs,
            steps_per_epoch=3, batch_size=8, latent_dim=4, base_filters=4,
            gamma=0.6, run_dir=str(tmp_path / name), export=False,
            monitor_samples=0, verbose=0, resume=resume, seed=3))

    run("straight", 2)
    run("resumed", 1)
    assert run("resumed", 2, resume=True).initial_epoch == 1
    straight, resumed = (keras.saving.load_model(tmp_path / name /
                                                 "checkpoint.keras")
                         for name in ("straight", "resumed"))
    assert resumed.gamma == 0.6 and int(resumed.d_optimizer.iterations) == 6
    for a, b in zip(weights(straight), weights(resumed)):
        np.testing.assert_array_equal(a, b)


def test_eager_graph_and_xla_agree(assert_modes_agree):
    results = []
    for mode in (dict(run_eagerly=True), dict(jit_compile=False),
                 dict(jit_compile=True)):
        model = BEGAN(*tiny_nets(), LATENT, n_critic=2, lambda_k=0.05,
                      k_initial=0.5, seed=0)
        model.compile(**mode)
        history = model.fit(data(48), batch_size=8, epochs=1, verbose=0,
                            shuffle=False).history
        results.append((weights(model), history))
    assert_modes_agree([(h, w) for w, h in results], history_atol=1e-6)


def test_training_exports_the_generator(exported_run_matches_checkpoint):
    exported_run_matches_checkpoint("began", steps_per_epoch=2)


def test_runs_recorded_before_lambda_k_resume(tmp_path):
    import json

    x, _ = datasets.load_npz(datasets.MNIST_SAMPLE)
    np.savez(tmp_path / "d.npz", x=x[:32])
    settings = dict(model="began", data=str(tmp_path / "d.npz"),
                    steps_per_epoch=2, batch_size=8, latent_dim=8,
                    base_filters=2, run_dir=str(tmp_path / "run"),
                    export=False, verbose=0, monitor_samples=0)
    # Runs before the flag existed trained with the paper's gain.
    training.run(training.TrainConfig(epochs=1, lambda_k=0.001, **settings))
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    del record["config"]["lambda_k"]   # as written before the flag existed
    (tmp_path / "run" / "config.json").write_text(json.dumps(record))
    again = training.run(training.TrainConfig(epochs=2, resume=True,
                                              lambda_k=0.001, **settings))
    assert again.initial_epoch == 1
    # A different gain is a different run.
    with pytest.raises(training.ConfigError, match="lambda_k"):
        training.run(training.TrainConfig(epochs=3, resume=True,
                                          lambda_k=0.01, **settings))
