"""UnrolledGAN: the gradient through the unroll, Keras' own optimizer
arithmetic, K = 0 as GAN, graph / XLA, saving, refusals.

Tiny nets (width 4-16, batch 8) that still run real D and G updates.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN, UnrolledGAN, losses, networks

LATENT = 4


def tiny_nets(seed=0):
    keras.utils.set_random_seed(seed)
    g = networks.build_mlp_generator(LATENT, (2,), (16,), None)
    d = networks.build_mlp_discriminator((2,), (16,))
    return g, d


def tanh_net(inputs, hidden, outputs, name):
    """The official demo's smooth tanh MLP, tiny (finite differences)."""
    x_in = keras.Input((inputs,))
    x = keras.layers.Dense(hidden, activation="tanh")(x_in)
    return keras.Model(x_in, keras.layers.Dense(outputs)(x), name=name)


def data(n=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def weights(model):
    return [v.numpy().copy() for v in model.trainable_variables]


def values(variables):
    return [np.array(v) for v in variables]


def warmed_model(unroll_steps, loss="minimax", d_optimizer=None):
    """Tanh nets, D's optimizer state warmed by a few real steps."""
    keras.utils.set_random_seed(3)
    model = UnrolledGAN(tanh_net(2, 4, 2, "g"), tanh_net(2, 4, 1, "d"), 2,
                        unroll_steps=unroll_steps, loss=loss, seed=1)
    model.compile(d_optimizer or keras.optimizers.Adam(0.05, beta_1=0.5),
                  keras.optimizers.Adam(1e-3), run_eagerly=True)
    model.fit(data(32), batch_size=8, epochs=1, verbose=0)
    rng = np.random.default_rng(0)
    real = tf.constant(rng.normal(size=(8, 2)), tf.float32)
    z = tf.constant(rng.normal(size=(8, 2)), tf.float32)
    return model, real, z


def first_order_gradient(model, real, z):
    """The generator gradient with the unrolled D held fixed (no Eq. 12
    second term): what a stop-gradient unroll would give."""
    g, d = model.generator, model.discriminator
    unrolled, others = model.unrolled_discriminator(real, g(z))
    with tf.GradientTape() as tape:
        fake_out, _ = d.stateless_call(unrolled, others, g(z))
        if model.loss_name == "minimax":
            real_out, _ = d.stateless_call(unrolled, others, real)
            loss = -losses.gan_discriminator_loss(real_out, fake_out)
        else:
            loss = losses.non_saturating_generator_loss(fake_out)
    return np.concatenate([x.numpy().ravel() for x in tape.gradient(
        loss, g.trainable_variables)])


@pytest.mark.parametrize("unroll_steps", [1, 2])
@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
def test_generator_gradient_matches_central_differences(unroll_steps, loss):
    model, real, z = warmed_model(unroll_steps, loss)
    variables = model.generator.trainable_variables
    with tf.GradientTape() as tape:
        value = model.unrolled_generator_loss(real, z)
    analytic = np.concatenate([x.numpy().ravel()
                               for x in tape.gradient(value, variables)])
    h, numeric = 1e-2, []
    for variable in variables:
        base = variable.numpy()
        for index in np.ndindex(base.shape):
            ends = []
            for sign in (1.0, -1.0):
                moved = base.copy()
                moved[index] += sign * h
                variable.assign(moved)
                ends.append(float(model.unrolled_generator_loss(real, z)))
            variable.assign(base)
            numeric.append((ends[0] - ends[1]) / (2 * h))
    numeric = np.array(numeric)
    assert analytic.shape == (22,)  # 2*4 + 4 + 4*2 + 2
    # float32 central differences agree to ~1e-5 here.
    np.testing.assert_allclose(analytic, numeric, rtol=0, atol=1e-4)
    # The second-order term is far above that tolerance: a first-order
    # (stop-gradient) unroll fails the same comparison.
    assert np.max(np.abs(first_order_gradient(model, real, z) - numeric)) \
        > 1e-2


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adam(0.05, beta_1=0.5),
    lambda: keras.optimizers.SGD(0.1),
    lambda: keras.optimizers.SGD(0.1, momentum=0.9),
    lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
])
def test_unroll_equals_keras_optimizer_steps_and_touches_nothing(make):
    model, real, z = warmed_model(3, d_optimizer=make())
    d, optimizer = model.discriminator, model.d_optimizer
    fake = model.generator(z)
    before = values(d.variables), values(optimizer.variables)
    unrolled, _ = model.unrolled_discriminator(real, fake)
    # Pure: neither D nor its optimizer moved.
    for a, b in zip(before[0] + before[1],
                    values(d.variables) + values(optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    # The same three steps taken by Keras itself, from the same state.
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = losses.gan_discriminator_loss(d(real), d(fake))
        optimizer.apply(tape.gradient(loss, d.trainable_variables),
                        d.trainable_variables)
    assert int(optimizer.iterations) == 4 + 3
    for ours, keras_own in zip(unrolled, d.trainable_variables):
        np.testing.assert_allclose(ours.numpy(), keras_own.numpy(),
                                   rtol=1e-6, atol=1e-7)
    # and far from where it started (the unroll moved D).
    assert max(np.max(np.abs(a - b.numpy())) for a, b in
               zip(before[0], unrolled)) > 1e-2


@pytest.mark.parametrize("loss, n_critic", [("minimax", 1),
                                            ("non_saturating", 2)])
def test_zero_unroll_steps_equals_gan_bitwise(loss, n_critic):
    runs = []
    for cls, extra in ((GAN, {}), (UnrolledGAN, {"unroll_steps": 0})):
        model = cls(*tiny_nets(seed=5), LATENT, loss=loss, n_critic=n_critic,
                    seed=9, **extra)
        model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5),
                      keras.optimizers.Adam(2e-3, beta_1=0.5),
                      jit_compile=False)
        history = model.fit(data(48, seed=2), batch_size=8, epochs=2,
                            shuffle=False, verbose=0).history
        runs.append((history, weights(model)))
    (h_gan, w_gan), (h_unrolled, w_unrolled) = runs
    assert h_gan == h_unrolled
    assert len(w_gan) == len(w_unrolled) == 8
    for a, b in zip(w_gan, w_unrolled):
        np.testing.assert_array_equal(a, b)


def test_discriminator_takes_only_its_ordinary_step():
    # One train step: D's update is GAN's (the unrolled copy is thrown
    # away), while G's differs (it played against the unrolled D).
    models = []
    for cls, extra in ((GAN, {}), (UnrolledGAN, {"unroll_steps": 3})):
        model = cls(*tiny_nets(seed=4), LATENT, loss="minimax", seed=6,
                    **extra)
        model.compile(keras.optimizers.Adam(1e-2, beta_1=0.5),
                      keras.optimizers.Adam(1e-2, beta_1=0.5),
                      jit_compile=False)
        model.fit(data(8), batch_size=8, epochs=1, verbose=0)
        models.append(model)
    gan, unrolled = models
    for a, b in zip(values(gan.discriminator.variables) +
                    values(gan.d_optimizer.variables),
                    values(unrolled.discriminator.variables) +
                    values(unrolled.d_optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    assert int(unrolled.d_optimizer.iterations) == 1
    assert int(unrolled.g_optimizer.iterations) == 1
    assert max(np.max(np.abs(a - b)) for a, b in zip(
        weights(gan.generator), weights(unrolled.generator))) > 1e-6


def run_mode(mode, n_critic=1):
    model = UnrolledGAN(*tiny_nets(seed=7), LATENT, unroll_steps=2,
                        n_critic=n_critic, seed=11)
    model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5),
                  keras.optimizers.Adam(1e-3, beta_1=0.5), **mode)
    history = model.fit(data(64, seed=5), batch_size=8, epochs=2,
                        shuffle=False, verbose=0)
    return history.history, weights(model.generator), model


EAGER, GRAPH, XLA = (dict(run_eagerly=True), dict(jit_compile=False),
                     dict(jit_compile=True))


@pytest.mark.parametrize("n_critic, modes", [
    (1, (EAGER, GRAPH, XLA)),
    # n_critic 2 under XLA: D and the unrolled G step as two XLA programs.
    (2, (EAGER, XLA)),
])
def test_eager_graph_xla_agree(n_critic, modes, assert_modes_agree):
    results = [run_mode(mode, n_critic) for mode in modes]
    assert int(results[0][2].g_optimizer.iterations) == 16 // n_critic
    assert_modes_agree([(h, w) for h, w, _ in results])


def test_keras_round_trip_and_resume(tmp_path):
    model = UnrolledGAN(*tiny_nets(), LATENT, unroll_steps=3,
                        loss="non_saturating", seed=2, ema_decay=0.9)
    model.compile(jit_compile=False)
    model.fit(data(40), batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "unrolled.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, UnrolledGAN)
    assert (loaded.unroll_steps, loaded.loss_name, loaded.latent_dim,
            loaded.ema_decay) == (3, "non_saturating", LATENT, 0.9)
    assert loaded.get_config()["unroll_steps"] == 3
    for a, b in ((model.d_optimizer, loaded.d_optimizer),
                 (model.g_optimizer, loaded.g_optimizer)):
        assert type(b) is keras.optimizers.Adam and b.epsilon == 1e-8
        for x, y in zip(a.variables, b.variables):
            np.testing.assert_array_equal(x.numpy(), y.numpy())
    more = data(24, seed=9)
    model.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_paper_default_optimizers():
    d_opt, g_opt = UnrolledGAN.default_optimizers()
    assert (float(d_opt.learning_rate), float(g_opt.learning_rate)) == (
        pytest.approx(1e-4), pytest.approx(1e-3))
    assert (d_opt.beta_1, d_opt.beta_2, d_opt.epsilon) == (0.5, 0.999, 1e-8)
    assert (g_opt.beta_1, g_opt.epsilon) == (0.5, 1e-8)


@pytest.mark.parametrize("kwargs, match", [
    (dict(unroll_steps=-1), "unroll_steps` >= 0"),
    (dict(unroll_steps=2.5), "unroll_steps` to be an integer"),
    (dict(unroll_steps=True), "unroll_steps` to be an integer"),
    (dict(loss="hinge"), "loss"),
])
def test_bad_arguments_raise_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UnrolledGAN(*tiny_nets(), LATENT, **kwargs)


def test_batch_norm_discriminator_is_refused():
    g = networks.build_dcgan_generator(LATENT, (8, 8, 1), 4)
    d = networks.build_dcgan_discriminator((8, 8, 1), 4, norm="batch")
    with pytest.raises(ValueError, match=r"without batch normalization.*"
                                         r"BatchNormalization layers \['bn_2"):
        UnrolledGAN(g, d, LATENT)


@pytest.mark.parametrize("d_optimizer, match", [
    (lambda: keras.optimizers.RMSprop(1e-3), "Adam or SGD.*RMSprop"),
    (lambda: keras.optimizers.AdamW(1e-3), "Adam or SGD.*AdamW"),
    (lambda: keras.optimizers.Adam(1e-3, amsgrad=True), "amsgrad=True"),
    (lambda: keras.optimizers.Adam(1e-3, clipnorm=1.0), "clipnorm=1.0"),
    (lambda: keras.optimizers.SGD(1e-3, weight_decay=0.1),
     "weight_decay=0.1"),
])
def test_optimizers_the_unroll_cannot_reproduce_are_refused(d_optimizer,
                                                            match):
    model = UnrolledGAN(*tiny_nets(), LATENT, unroll_steps=1)
    with pytest.raises(ValueError, match=match):
        model.compile(d_optimizer(), keras.optimizers.Adam(1e-3))
    # Without an unroll it is GAN, which takes any optimizer.
    plain = UnrolledGAN(*tiny_nets(), LATENT, unroll_steps=0)
    plain.compile(d_optimizer(), keras.optimizers.Adam(1e-3))


# ---- command line -----------------------------------------------------------

def _cli(argv, capsys):
    from keras_gan import training

    code = training.main(argv, prog="train.py")
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize("argv, message", [
    (["--model", "unrolled-gan", "--dataset", "ring", "--unroll-steps", "-1"],
     "expected --unroll-steps to be an integer >= 0, received -1"),
    (["--model", "gan", "--dataset", "ring", "--unroll-steps", "3"],
     "--unroll-steps applies to --model unrolled-gan only, received it with "
     "--model gan"),
    (["--model", "unrolled-gan", "--dataset", "mnist"],
     "--model unrolled-gan has presets for the 2-D data sets ring, grid "
     "only, received --dataset mnist"),
])
def test_cli_bad_input_is_one_line_exit_2(argv, message, capsys, tmp_path):
    code, err = _cli(argv + ["--run-dir", str(tmp_path / "r")], capsys)
    assert (code, err) == (2, f"train.py: error: {message}")
    assert not (tmp_path / "r").exists()


def test_cli_refuses_a_batch_norm_discriminator(capsys, tmp_path,
                                                monkeypatch):
    from keras_gan import presets

    # Were there a DCGAN preset with a batch-norm discriminator for it.
    monkeypatch.setitem(presets.PRESETS, ("unrolled-gan", "mnist"),
                        presets._image("dcgan", lr=1e-4, epochs=1))
    monkeypatch.setitem(presets.DCGAN_CRITIC_NORM, "unrolled-gan", "batch")
    code, err = _cli(["--model", "unrolled-gan", "--dataset", "mnist",
                      "--run-dir", str(tmp_path / "r")], capsys)
    assert code == 2 and "\n" not in err
    assert err.startswith("train.py: error: --model unrolled-gan needs a "
                          "discriminator without batch normalization")


def test_cli_trains_saves_and_resumes_the_unroll(capsys, tmp_path):
    from keras_gan.models import UnrolledGAN as Loaded

    run_dir = str(tmp_path / "u")
    argv = ["--model", "unrolled-gan", "--dataset", "ring", "--epochs", "1",
            "--steps-per-epoch", "4", "--hidden", "8", "--unroll-steps", "2",
            "--monitor-samples", "0", "--no-export", "--verbose", "0",
            "--run-dir", run_dir]
    assert _cli(argv, capsys)[0] == 0
    model = keras.saving.load_model(f"{run_dir}/checkpoint.keras")
    assert type(model) is Loaded
    assert (model.unroll_steps, model.loss_name) == (2, "minimax")
    assert (int(model.d_optimizer.iterations),
            int(model.g_optimizer.iterations)) == (4, 4)
    changed = argv[:-1] + [run_dir, "--resume"]
    changed[changed.index("--unroll-steps") + 1] = "3"
    code, err = _cli(changed, capsys)
    assert code == 2 and "unroll_steps: 2 -> 3" in err
