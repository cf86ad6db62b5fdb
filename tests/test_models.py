"""GAN / WGAN / WGAN-GP: update schedule, clipping invariant, modes, saving.

Tiny nets (width 16, batch 8) that still run real D and G updates.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN, WGAN, WGANGP, WeightClipping, networks

LATENT = 4


def tiny_nets(seed=0, data_dim=2):
    keras.utils.set_random_seed(seed)
    g = networks.build_mlp_generator(LATENT, (data_dim,), (16,), None)
    d = networks.build_mlp_discriminator((data_dim,), (16,))
    return g, d


def data(n=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def weights(model):
    return [v.numpy().copy() for v in model.trainable_variables]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("cls, n_critic", [(GAN, 1), (GAN, 2), (WGAN, 5),
                                           (WGANGP, 3)])
def test_update_counts_and_frozen_generator(cls, n_critic):
    model = cls(*tiny_nets(), LATENT, n_critic=n_critic, seed=0)
    model.compile(jit_compile=False)
    batches = data(8 * 11).reshape(11, 8, 2)
    g_before = weights(model.generator)
    for step, batch in enumerate(batches, start=1):
        d_before = weights(model.discriminator)
        model.train_on_batch(batch)
        assert not same(d_before, weights(model.discriminator))
        g_after = weights(model.generator)
        g_updated = step % n_critic == 0
        assert same(g_before, g_after) != g_updated, step
        g_before = g_after
    assert int(model.d_optimizer.iterations) == 11
    assert int(model.g_optimizer.iterations) == 11 // n_critic
    # g_loss averages the epoch's generator updates only.
    model.fit(batches.reshape(-1, 2), batch_size=8, epochs=1, verbose=0)
    # (fit continues the schedule: critic updates 12..22 of the model)
    assert int(model._trackers["g_loss"].count) == 22 // n_critic - 11 // n_critic


def test_generator_step_leaves_discriminator_unchanged():
    model = GAN(*tiny_nets(), LATENT, seed=0)
    model.compile()
    d_before, g_before = (weights(model.discriminator),
                          weights(model.generator))
    model._train_generator(8)
    assert same(d_before, weights(model.discriminator))
    assert not same(g_before, weights(model.generator))


def test_metric_names_match_trackers():
    x = data()
    expected = {GAN: ["d_fake", "d_loss", "d_real", "g_loss"],
                WGAN: ["d_loss", "g_loss", "w_estimate"],
                WGANGP: ["d_loss", "g_loss", "gp", "w_estimate"]}
    for cls, names in expected.items():
        model = cls(*tiny_nets(), LATENT)
        model.compile()
        history = model.fit(x, batch_size=8, epochs=1, verbose=0)
        assert sorted(history.history) == names
        assert sorted(m.name for m in model.metrics) == names


class MaxWeightRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.max_abs = []

    def on_train_batch_end(self, batch, logs=None):
        self.max_abs.append(max(
            float(np.abs(v.numpy()).max())
            for v in self.model.discriminator.trainable_variables))


@pytest.mark.parametrize("steps_per_execution, jit", [(1, False), (1, True),
                                                      (4, True)])
def test_weight_clipping_invariant(steps_per_execution, jit):
    c = 0.01
    model = WGAN(*tiny_nets(), LATENT, n_critic=2, seed=0)
    model.compile(keras.optimizers.SGD(0.5), keras.optimizers.SGD(0.1),
                  jit_compile=jit, steps_per_execution=steps_per_execution)
    recorder = MaxWeightRecorder()
    model.fit(data(96), batch_size=8, epochs=1, verbose=0,
              callbacks=[WeightClipping(c), recorder])
    assert int(model.d_optimizer.iterations) == 12
    assert len(recorder.max_abs) == 12 // steps_per_execution
    # A big SGD step pushes weights far outside [-c, c] unless clipped after
    # each update; the invariant is checked after every observable step.
    np.testing.assert_allclose(recorder.max_abs, c, rtol=1e-6)
    # The constraint is detached after fit(): a plain step is unclipped.
    assert all(v.constraint is None
               for v in model.discriminator.trainable_variables)
    model.fit(data(8), batch_size=8, epochs=1, verbose=0)
    assert max(float(np.abs(v.numpy()).max())
               for v in model.discriminator.trainable_variables) > 1.05 * c


def test_weight_clipping_inside_multi_step_execution():
    # With steps_per_execution=5 the callback never runs between critic
    # updates; the in-step constraint must still clip every one of them.
    # n_critic=5 and one execution: the generator update at step 5 sees the
    # critic clipped after steps 1-4, which we check through its loss:
    # |f(x)| <= |W3| |W2| |W1| |x| + biases, tiny when every weight <= c.
    c = 0.01
    model = WGAN(*tiny_nets(), LATENT, n_critic=5, seed=0)
    model.compile(keras.optimizers.SGD(10.0), keras.optimizers.SGD(0.1),
                  jit_compile=True, steps_per_execution=5)
    history = model.fit(data(40), batch_size=8, epochs=1, verbose=0,
                        callbacks=[WeightClipping(c)])
    assert abs(history.history["g_loss"][0]) < 16 * c ** 3 * 10 + 17 * c
    assert max(float(np.abs(v.numpy()).max())
               for v in model.discriminator.trainable_variables) <= c


def run_mode(mode, cls=WGANGP):
    g, d = tiny_nets(seed=7)
    model = cls(g, d, LATENT, n_critic=2, seed=11)
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3),
                  **mode)
    history = model.fit(data(64, seed=5), batch_size=8, epochs=2,
                        shuffle=False, verbose=0)
    return history.history, weights(model.generator)


@pytest.mark.parametrize("cls", [GAN, WGANGP])
def test_eager_graph_xla_agree(cls, assert_modes_agree):
    results = [run_mode(mode, cls) for mode in (
        dict(run_eagerly=True), dict(jit_compile=False),
        dict(jit_compile=True))]
    assert_modes_agree(results)


def test_keras_round_trip_restores_weights_optimizers_and_resumes(tmp_path):
    model = WGANGP(*tiny_nets(), LATENT, n_critic=3, gp_weight=5.0, seed=2)
    model.compile(jit_compile=False)
    model.fit(data(56), batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, WGANGP)
    assert (loaded.n_critic, loaded.gp_weight, loaded.latent_dim) == (3, 5.0,
                                                                     LATENT)
    assert int(loaded.d_optimizer.iterations) == 7
    assert int(loaded.g_optimizer.iterations) == 2
    for a, b in ((model.d_optimizer, loaded.d_optimizer),
                 (model.g_optimizer, loaded.g_optimizer)):
        assert type(a) is type(b)
        np.testing.assert_allclose(float(a.learning_rate),
                                   float(b.learning_rate))
        for x, y in zip(a.variables, b.variables):
            np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert same(weights(model), weights(loaded))
    # Resuming continues exactly where the original goes (the noise seed
    # generator's state is saved too).
    more = data(24, seed=9)
    model.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_wgan_gp_learns_a_gaussian_mixture():
    rng = np.random.default_rng(0)
    centres = np.array([[3.0, 3.0], [5.0, 1.0]], "float32")
    x = (centres[rng.integers(0, 2, 4096)]
         + 0.3 * rng.normal(size=(4096, 2))).astype("float32")
    g, d = tiny_nets(seed=3)
    g = networks.build_mlp_generator(LATENT, (2,), (64, 64), None)
    d = networks.build_mlp_discriminator((2,), (64, 64))
    model = WGANGP(g, d, LATENT, seed=0)
    model.compile(keras.optimizers.Adam(2e-3, 0.5, 0.9),
                  keras.optimizers.Adam(2e-3, 0.5, 0.9))
    z = rng.normal(size=(2000, LATENT)).astype("float32")

    def gap():
        samples = model.generator.predict(z, verbose=0)
        return (np.linalg.norm(samples.mean(0) - x.mean(0)),
                np.abs(samples.std(0) - x.std(0)).sum())

    mean_gap0, std_gap0 = gap()
    model.fit(x, batch_size=64, epochs=6, verbose=0)  # 384 critic steps
    mean_gap1, std_gap1 = gap()
    assert mean_gap0 > 3.0  # starts near the origin, far from the data
    assert mean_gap1 < 0.25 * mean_gap0
    assert std_gap1 < 0.5 * std_gap0


@pytest.mark.parametrize("make, match", [
    (lambda g, d: GAN(g, d, LATENT, n_critic=0), "n_critic"),
    (lambda g, d: GAN(g, d, 0), "latent_dim"),
    (lambda g, d: GAN(g, d, LATENT, loss="hinge"), "loss"),
    (lambda g, d: GAN(g, d, "4"), "latent_dim"),
    (lambda g, d: WGAN(g, d, LATENT, n_critic=2.5), "n_critic"),
    (lambda g, d: WGANGP(g, d, LATENT, gp_weight=-1.0), "gp_weight"),
    (lambda g, d: GAN(g, d, LATENT + 1), "latent_dim"),
    (lambda g, d: GAN(g, tiny_nets(data_dim=3)[1], LATENT),
     "discriminator's input shape"),
    (lambda g, d: GAN("generator", d, LATENT), "generator"),
    (lambda g, d: WeightClipping(0.0), "clip_value"),
    (lambda g, d: WeightClipping(-1), "clip_value"),
])
def test_bad_arguments_raise_at_construction(make, match):
    with pytest.raises(ValueError, match=match):
        make(*tiny_nets())


def test_wgan_gp_refuses_batch_norm_critic():
    g = networks.build_dcgan_generator(LATENT, base_filters=4)
    d = networks.build_dcgan_discriminator(base_filters=4, norm="batch")
    with pytest.raises(ValueError, match="batch normalization"):
        WGANGP(g, d, LATENT)
    WGANGP(g, networks.build_dcgan_discriminator(base_filters=4,
                                                 norm="layer"), LATENT)


def test_compile_rejects_shared_optimizer_and_foreign_kwargs():
    model = GAN(*tiny_nets(), LATENT)
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="distinct"):
        model.compile(opt, opt)
    with pytest.raises(ValueError, match="loss"):
        model.compile(loss="mse")


def test_paper_default_optimizers():
    for cls, kind, lr in ((GAN, keras.optimizers.Adam, 2e-4),
                          (WGAN, keras.optimizers.RMSprop, 5e-5),
                          (WGANGP, keras.optimizers.Adam, 1e-4)):
        model = cls(*tiny_nets(), LATENT)
        model.compile()
        for opt in (model.d_optimizer, model.g_optimizer):
            assert type(opt) is kind
            np.testing.assert_allclose(float(opt.learning_rate), lr)
        # Keras' "auto": XLA only where a GPU is visible.
        assert model.jit_compile == bool(
            tf.config.list_physical_devices("GPU"))
    assert float(model.d_optimizer.beta_2) == pytest.approx(0.9)


def test_dcgan_nets_train_one_step():
    g = networks.build_dcgan_generator(LATENT, base_filters=4)
    d = networks.build_dcgan_discriminator(base_filters=4)
    model = GAN(g, d, LATENT, seed=0)
    model.compile()
    x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1))
    history = model.fit(x.astype("float32"), batch_size=8, epochs=1,
                        verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    assert tf.reduce_all(tf.math.is_finite(model.generator(
        tf.zeros((2, LATENT)))))


def test_one_device_mirrored_strategy_with_n_critic():
    # A strategy with a single replica still turns variable writes into
    # merge_calls, which must not sit inside the generator's per-step cond.
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        model = WGAN(*tiny_nets(), LATENT, n_critic=3, seed=0)
        model.compile()
    assert model.jit_compile is False  # Keras' "auto" under tf.distribute
    model.fit(data(48), batch_size=8, epochs=1, verbose=0,
              callbacks=[WeightClipping(0.01)])
    assert int(model.d_optimizer.iterations.numpy()) == 6
    assert int(model.g_optimizer.iterations.numpy()) == 2
    assert max(float(np.abs(v.numpy()).max())
               for v in model.discriminator.trainable_variables) <= 0.01


def test_uint8_images_are_scaled_to_the_unit_interval():
    images = np.random.default_rng(0).integers(0, 256, (8, 2), np.uint8)
    results = []
    for batch in (images, images.astype("float32") / 255.0):
        model = GAN(*tiny_nets(), LATENT, seed=0)
        model.compile(jit_compile=False)
        model.train_on_batch(batch)
        results.append(weights(model))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_wgan_fit_without_clipping_warns():
    model = WGAN(*tiny_nets(), LATENT, seed=0)
    model.compile()
    with pytest.warns(UserWarning, match="without keras_gan.callbacks."
                      "WeightClipping"):
        model.fit(data(16), batch_size=8, epochs=1, verbose=0)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(data(16), batch_size=8, epochs=1, verbose=0,
                  callbacks=[WeightClipping(0.01)])
        gp = WGANGP(*tiny_nets(), LATENT, seed=0)
        gp.compile()
        gp.fit(data(16), batch_size=8, epochs=1, verbose=0)


def test_train_steps_counts_every_step_once_also_in_subclasses():
    class Wrapped(GAN):
        def train_step(self, data):   # replaces the step, calls the parent
            return super().train_step(data)

    for cls in (GAN, Wrapped):
        model = cls(*tiny_nets(), LATENT, seed=0)
        model.compile(jit_compile=False, steps_per_execution=2)
        model.fit(data(48), batch_size=8, epochs=1, verbose=0)
        assert int(model.train_steps) == 6 == int(model.d_optimizer.iterations)
