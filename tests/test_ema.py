"""Generator weight averaging (`ema_decay`): closed form, schedule, saving."""

import keras
import numpy as np
import pytest

from keras_gan import GAN, WGAN, WGANGP, networks

LATENT = 4


def nets(seed=0, batch_norm=False):
    keras.utils.set_random_seed(seed)
    g = networks.build_mlp_generator(LATENT, (2,), (8,), None)
    if batch_norm:
        z = keras.Input((LATENT,))
        h = keras.layers.BatchNormalization()(keras.layers.Dense(8)(z))
        g = keras.Model(z, keras.layers.Dense(2)(h), name="generator")
    d = networks.build_mlp_discriminator((2,), (8,))
    return g, d


def batches(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 8, 2)).astype(
        "float32")


def averaged(model):
    """The average's counterparts of the generator's trainable weights."""
    return [a.numpy() for a, w in zip(model.generator_ema.weights,
                                      model.generator.weights) if w.trainable]


def expected_average(snapshots, decay):
    """The average by hand: snapshots[t] = weights after G update t + 1."""
    average = [w.copy() for w in snapshots[0][0]]   # initial weights
    for t, weights in enumerate(snapshots[1:], start=1):
        d = min(decay, (1.0 + t) / (10.0 + t))
        average = [d * a + (1.0 - d) * w for a, w in zip(average, weights)]
    return average


@pytest.mark.parametrize("cls, n_critic", [(GAN, 1), (WGAN, 3),
                                           (WGANGP, 2)])
def test_average_in_closed_form(cls, n_critic):
    decay = 0.5   # below the warm-up's (1 + t) / (10 + t) only from t = 8
    model = cls(*nets(), LATENT, n_critic=n_critic, seed=0, ema_decay=decay)
    model.compile(jit_compile=False)
    initial = [w.numpy().copy() for w in model.generator.trainable_weights]
    np.testing.assert_array_equal(
        initial[0], averaged(model)[0])
    snapshots = [(initial,)]
    for batch in batches(12 * n_critic):
        before = int(model.g_optimizer.iterations)
        model.train_on_batch(batch)
        if int(model.g_optimizer.iterations) != before:
            snapshots.append(
                [w.numpy().copy() for w in model.generator.trainable_weights])
    assert len(snapshots) == 13
    want = expected_average(snapshots, decay)
    got = averaged(model)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    # Twelve updates in, the warm-up has handed over to the fixed decay, and
    # the average lags the trained weights.
    assert not np.allclose(got[0], snapshots[-1][0])


def test_sampling_generator_and_batch_norm_statistics():
    plain = GAN(*nets(), LATENT, seed=0)
    assert plain.generator_ema is None
    assert plain.sampling_generator is plain.generator
    model = GAN(*nets(batch_norm=True), LATENT, seed=0, ema_decay=0.9)
    model.compile(jit_compile=False)
    assert model.sampling_generator is model.generator_ema
    assert model.generator_ema.name == "generator_ema"
    assert not model.generator_ema.trainable
    model.fit(batches(5).reshape(-1, 2), batch_size=8, epochs=1, verbose=0)
    # Batch-norm statistics are copied, not averaged.
    copied = [(a, w) for a, w in zip(model.generator_ema.weights,
                                     model.generator.weights)
              if not w.trainable]
    assert len(copied) == 2   # moving mean and variance
    for average, weight in copied:
        np.testing.assert_array_equal(average.numpy(), weight.numpy())
    # The average is not trained by the optimizer.
    assert all(v is not w for v in model.generator_ema.weights
               for w in model.g_optimizer.variables)


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5, 1.5, "0.9", True])
def test_bad_decay(decay):
    with pytest.raises(ValueError, match="ema_decay"):
        GAN(*nets(), LATENT, ema_decay=decay)


def test_keras_round_trip_resumes_bitwise(tmp_path):
    x = batches(16).reshape(-1, 2)
    model = WGANGP(*nets(), LATENT, n_critic=2, seed=3, ema_decay=0.99)
    model.compile(jit_compile=False)
    model.fit(x[:64], batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.ema_decay == 0.99
    for a, b in zip(loaded.generator_ema.weights, model.generator_ema.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for m in (model, loaded):
        m.fit(x[64:], batch_size=8, epochs=1, verbose=0)
    for a, b in zip(loaded.generator_ema.weights, model.generator_ema.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_evaluation_scores_the_average_or_the_generator(tmp_path):
    from keras_gan import evaluation

    model = GAN(*nets(), LATENT, seed=0, ema_decay=0.5)
    model.compile(jit_compile=False)
    model.fit(batches(12).reshape(-1, 2), batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")
    averaged_out = evaluation.load_sampler(tmp_path / "m.keras")(z)
    trained_out = evaluation.load_sampler(tmp_path / "m.keras",
                                          average=False)(z)
    np.testing.assert_allclose(averaged_out,
                               model.generator_ema(z).numpy(), atol=1e-6)
    np.testing.assert_allclose(trained_out, model.generator(z).numpy(),
                               atol=1e-6)
    assert not np.allclose(averaged_out, trained_out)


# ---- batch-norm statistics of the average ---------------------------------

def two_norm_generator(seed=0):
    keras.utils.set_random_seed(seed)
    z = keras.Input((LATENT,))
    h = keras.layers.Dense(6, name="d0")(z)
    h = keras.layers.BatchNormalization(name="bn_a")(h)
    h = keras.layers.Dense(5, name="d1")(keras.layers.ReLU()(h))
    h = keras.layers.BatchNormalization(name="bn_b")(h)
    return keras.Model(z, keras.layers.Dense(2, name="out")(h),
                       name="generator")


def assert_statistics(norm, inputs, rtol):
    """`norm`'s moving statistics are the exact moments of `inputs`."""
    np.testing.assert_allclose(norm.moving_mean.numpy(), inputs.mean(0),
                               rtol=rtol, atol=rtol / 10)
    np.testing.assert_allclose(norm.moving_variance.numpy(), inputs.var(0),
                               rtol=rtol, atol=rtol / 10)


def test_recalibration_in_closed_form():
    from keras_gan.models.base import recalibrate_batchnorm

    g = two_norm_generator()
    rng = np.random.default_rng(3)
    noise = [rng.normal(size=(7, LATENT)).astype("float32") for _ in range(3)]
    assert recalibrate_batchnorm(g, lambda i, n: noise[i], batches=3,
                                 batch_size=7) == 2
    z = np.concatenate(noise).astype("float64")
    w0, b0 = (v.numpy() for v in g.get_layer("d0").weights)
    a = z @ w0 + b0
    bn_a = g.get_layer("bn_a")
    assert_statistics(bn_a, a, 1e-5)
    # The second layer's input comes through the first at inference, with
    # the first's new statistics.
    gamma, beta = bn_a.gamma.numpy(), bn_a.beta.numpy()
    h = np.maximum(gamma * (a - a.mean(0)) / np.sqrt(a.var(0) + bn_a.epsilon)
                   + beta, 0.0)
    w1, b1 = (v.numpy() for v in g.get_layer("d1").weights)
    b = h @ w1 + b1
    assert_statistics(g.get_layer("bn_b"), b, 1e-4)


def test_recalibration_refuses_nested_batch_norm():
    from keras_gan.models.base import recalibrate_batchnorm

    inner = two_norm_generator()
    z = keras.Input((LATENT,))
    outer = keras.Model(z, inner(z), name="outer")
    with pytest.raises(ValueError, match="nested batch-norm layers"):
        recalibrate_batchnorm(outer, lambda i, n: np.zeros((n, LATENT)))


def test_recalibrate_average_changes_only_the_average_statistics():
    d = networks.build_mlp_discriminator((2,), (8,))
    model = GAN(two_norm_generator(), d, LATENT, seed=0, ema_decay=0.9)
    model.compile(jit_compile=False)
    model.fit(batches(6).reshape(-1, 2), batch_size=8, epochs=1, verbose=0)
    everything = (model.generator.weights + model.discriminator.weights
                  + model.generator_ema.weights + [model.noise_state])
    before = [v.numpy().copy() for v in everything]
    assert model.recalibrate_average(batches=4, batch_size=32) == 2
    after = [v.numpy().copy() for v in everything]
    changed = [id(v) for v, x, y in zip(everything, before, after)
               if not np.array_equal(x, y)]
    norms = [model.generator_ema.get_layer(f"bn_{k}") for k in "ab"]
    assert sorted(changed) == sorted(
        id(v) for n in norms for v in (n.moving_mean, n.moving_variance))
    # Fixed noise: the same weights get the same statistics again.
    model.recalibrate_average(batches=4, batch_size=32)
    for v, x in zip(everything, after):
        np.testing.assert_array_equal(v.numpy(), x)
    # Without an average there is nothing to do.
    plain = GAN(two_norm_generator(), d, LATENT, seed=0)
    assert plain.recalibrate_average() == 0


def test_conditional_recalibration_sees_every_class():
    from keras_gan import ConditionalGAN

    g = networks.build_conditional_dcgan_generator(
        LATENT, 3, (8, 8, 1), base_filters=4)
    d = networks.build_conditional_dcgan_discriminator(
        (8, 8, 1), 3, base_filters=4)
    model = ConditionalGAN(g, d, LATENT, 3, seed=0, ema_decay=0.9)
    z, labels = model.recalibration_inputs(1, 6)
    assert z.shape == (6, LATENT)
    np.testing.assert_array_equal(labels.numpy(), [0, 1, 2, 0, 1, 2])
    assert model.recalibrate_average(batches=2, batch_size=6) == 2


def test_cli_runs_keep_the_average_recalibrated(tmp_path):
    from keras_gan import runs, training

    x, _ = __import__("keras_gan").datasets.load_npz(
        __import__("keras_gan").datasets.MNIST_SAMPLE)
    np.savez(tmp_path / "d.npz", x=x[:64])
    config = training.TrainConfig(
        model="gan", data=str(tmp_path / "d.npz"), epochs=1,
        steps_per_epoch=3, batch_size=8, latent_dim=8, ema_decay=0.9,
        base_filters=4, dense_units=0, run_dir=str(tmp_path / "run"),
        export=False, verbose=0, monitor_samples=100)
    training.run(config)
    model = runs.load_checkpoint(tmp_path / "run" / "checkpoint.keras",
                                 compile=False)
    saved = {v.path: v.numpy().copy() for v in model.generator_ema.weights}
    trained = {v.path: v.numpy() for v in model.generator.weights}
    assert model.recalibrate_average() == 2
    moving = [p for p in saved if "moving" in p]
    assert len(moving) == 4
    for v in model.generator_ema.weights:   # already its own statistics
        np.testing.assert_allclose(v.numpy(), saved[v.path], rtol=1e-6,
                                   atol=1e-7)
    # ... which are not the trained generator's.
    assert not all(np.allclose(saved[p], trained[p.replace("_ema", "")])
                   for p in moving)
