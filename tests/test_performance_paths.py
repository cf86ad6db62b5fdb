"""XLA, mixed precision, steps_per_execution, tracing and tf.distribute paths.

Tiny nets (width 16, batch 8). The mirrored test needs two logical CPU
devices, which must be configured before TensorFlow initialises its devices;
the other tests of this pytest process have long done that, so it runs a
small script in a fresh interpreter.
"""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN, WGAN, WGANGP, WeightClipping, losses, networks
from keras_gan.models.base import auto_jit_compile
from keras_gan.presets import auto_steps_per_execution

LATENT = 4


def tiny_nets(seed=7):
    keras.utils.set_random_seed(seed)
    return (networks.build_mlp_generator(LATENT, (2,), (16,), None),
            networks.build_mlp_discriminator((2,), (16,)))


def data(n=64, seed=5):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def weights(model):
    return [v.numpy().copy() for v in model.trainable_variables]


def assert_same_run(a, b, rtol=1e-4, atol=1e-5):
    (history_a, weights_a), (history_b, weights_b) = a, b
    assert sorted(history_a) == sorted(history_b)
    for name in history_a:
        np.testing.assert_allclose(history_a[name], history_b[name],
                                   rtol=rtol, atol=atol, err_msg=name)
    assert len(weights_a) == len(weights_b)
    for x, y in zip(weights_a, weights_b):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


@pytest.fixture
def policy():
    """Sets a global dtype policy for one test and restores float32."""
    def set_policy(name):
        keras.mixed_precision.set_global_policy(name)
    yield set_policy
    keras.mixed_precision.set_global_policy("float32")


# ---- XLA -------------------------------------------------------------------

def run_wgan_clipped(**compile_kwargs):
    model = WGAN(*tiny_nets(), LATENT, n_critic=2, seed=3)
    model.compile(keras.optimizers.RMSprop(5e-3), keras.optimizers.RMSprop(5e-3),
                  **compile_kwargs)
    history = model.fit(data(), batch_size=8, epochs=2, shuffle=False,
                        verbose=0, callbacks=[WeightClipping(0.05)])
    return history.history, weights(model)


def test_xla_matches_graph_for_wgan_with_clipping():
    assert_same_run(run_wgan_clipped(jit_compile=False),
                    run_wgan_clipped(jit_compile=True))


def test_xla_matches_graph_for_dcgan_nets_with_batch_norm():
    # Batch norm in both nets (train-mode statistics, moving averages).
    x = np.random.default_rng(0).uniform(size=(32, 28, 28, 1))

    def run(jit):
        keras.utils.set_random_seed(1)
        g = networks.build_dcgan_generator(LATENT, base_filters=4)
        d = networks.build_dcgan_discriminator(base_filters=4, norm="batch")
        model = GAN(g, d, LATENT, n_critic=2, seed=0)
        model.compile(jit_compile=jit)
        history = model.fit(x.astype("float32"), batch_size=8, epochs=1,
                            shuffle=False, verbose=0)
        return history.history, [v.numpy() for v in model.variables]

    # atol: a bias right before batch norm has a zero gradient up to
    # rounding, which Adam turns into steps of +-lr in either mode.
    assert_same_run(run(False), run(True), rtol=1e-3, atol=1e-3)


# ---- steps_per_execution and tracing -----------------------------------------

@pytest.mark.parametrize("cls", [GAN, WGANGP])
def test_steps_per_execution_does_not_change_the_math(cls):
    def run(spe):
        model = cls(*tiny_nets(), LATENT, n_critic=3, seed=11)
        model.compile(keras.optimizers.Adam(1e-3),
                      keras.optimizers.Adam(1e-3), steps_per_execution=spe)
        history = model.fit(data(), batch_size=8, epochs=2, shuffle=False,
                            verbose=0)
        assert int(model.d_optimizer.iterations) == 16
        assert int(model.g_optimizer.iterations) == 16 // 3
        return history.history, weights(model)

    assert_same_run(run(1), run(4))


@pytest.mark.parametrize("steps,replicas,expected", [
    (1000, 1, 10), (12, 1, 6), (7, 1, 7), (11, 1, 1), (None, 1, 1),
    (1000, 2, 1)])
def test_auto_steps_per_execution_divides_the_epoch(steps, replicas,
                                                    expected):
    assert auto_steps_per_execution(steps, replicas) == expected


def test_auto_steps_per_execution_is_resolved_per_fit_and_keeps_the_math():
    def run(spe, **fit_kwargs):
        model = WGANGP(*tiny_nets(), LATENT, n_critic=3, seed=11)
        model.compile(keras.optimizers.Adam(1e-3),
                      keras.optimizers.Adam(1e-3),
                      **({} if spe is None else dict(steps_per_execution=spe)))
        repeated = tf.data.Dataset.from_tensor_slices(data()).batch(8).repeat()
        history = model.fit(repeated, steps_per_epoch=12, epochs=2,
                            verbose=0)
        chosen = model.steps_per_execution
        # No step more than asked: Keras runs whole executions.
        assert int(model.d_optimizer.iterations) == 24
        return (history.history, weights(model)), chosen, model

    (fixed, one, _) = run(1)
    (auto, chosen, model) = run(None)  # the default is "auto"
    assert (one, chosen) == (1, 6)
    assert_same_run(fixed, auto, rtol=0, atol=0)
    assert model.get_compile_config()["steps_per_execution"] == "auto"
    # Arrays: the batches per epoch (64 / 8 = 8); 11 steps: 1.
    model.fit(data(), batch_size=8, epochs=1, verbose=0)
    assert model.steps_per_execution == 8
    model.fit(data(88), batch_size=8, epochs=1, verbose=0)
    assert model.steps_per_execution == 1


@pytest.mark.parametrize("nets,expected", [
    ("seed_mlp", False), ("wide_mlp", True), ("dcgan", False)])
def test_auto_jit_compile_follows_the_cpu_rule(nets, expected):
    # The rule's three measured cases (CPU-only machine, no op determinism).
    image = (28, 28, 1)
    keras.utils.set_random_seed(0)
    if nets == "dcgan":
        g = networks.build_dcgan_generator(100, image, 8)
        d = networks.build_dcgan_discriminator(image, 8, norm=None)
    else:
        widths = (100, 100) if nets == "seed_mlp" else (256, 512, 1024)
        g = networks.build_mlp_generator(100, image, widths)
        d = networks.build_mlp_discriminator(image, widths[::-1])
    assert auto_jit_compile(g, d) is expected
    model = WGANGP(g, d, 100)
    model.compile()
    assert model.jit_compile is expected
    explicit = WGANGP(g, d, 100)
    explicit.compile(jit_compile=not expected)  # the override wins
    assert explicit.jit_compile is (not expected)


@pytest.mark.parametrize("value", [0, -2, 2.5, True, "fast"])
def test_bad_steps_per_execution_is_refused(value):
    model = GAN(*tiny_nets(), LATENT)
    with pytest.raises(ValueError, match="steps_per_execution"):
        model.compile(steps_per_execution=value)


@pytest.mark.parametrize("compile_kwargs", [
    dict(jit_compile=True), dict(jit_compile=False, steps_per_execution=3)])
def test_no_retracing_after_the_first_step(compile_kwargs):
    model = WGANGP(*tiny_nets(), LATENT, n_critic=2, seed=0)
    model.compile(**compile_kwargs)
    traces = []
    train_step = model.train_step

    def counting_train_step(batch):
        traces.append(1)  # Python runs only while tracing
        return train_step(batch)

    model.train_step = counting_train_step
    model.fit(data(48), batch_size=8, epochs=2, verbose=0)
    model.fit(data(48), batch_size=8, epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 18
    assert len(traces) == 1


# ---- mixed precision ---------------------------------------------------------

def test_bfloat16_trains_finite_with_float32_critic_outputs(policy):
    reference = run_wgangp_policy("float32")
    policy("mixed_bfloat16")
    (history, _), model = run_wgangp_policy("mixed_bfloat16", keep=True)
    hidden = model.discriminator.get_layer("dense_0")
    assert (hidden.compute_dtype, hidden.variable_dtype) == ("bfloat16",
                                                            "float32")
    # Both optimizers plain (no loss scaling needed for bfloat16).
    assert type(model.d_optimizer) is type(model.g_optimizer) is (
        keras.optimizers.Adam)
    assert int(model.d_optimizer.iterations) == 16
    assert int(model.g_optimizer.iterations) == 8
    x = data(8)
    critic = model.discriminator
    assert critic(x).dtype == tf.float32
    assert losses.gradient_penalty(critic, x, x[::-1]).dtype == tf.float32
    assert all(np.isfinite(v).all() for v in history.values())
    # Same training as float32 up to bfloat16's ~3 significant digits.
    for name in reference[0]:
        np.testing.assert_allclose(history[name], reference[0][name],
                                   rtol=0.05, atol=0.05, err_msg=name)


def run_wgangp_policy(name, keep=False):
    model = WGANGP(*tiny_nets(), LATENT, n_critic=2, seed=4)
    model.compile(keras.optimizers.Adam(1e-3, 0.5, 0.9),
                  keras.optimizers.Adam(1e-3, 0.5, 0.9))
    history = model.fit(data(), batch_size=8, epochs=2, shuffle=False,
                        verbose=0)
    result = (history.history, weights(model))
    return (result, model) if keep else result


def test_float16_wraps_both_optimizers_and_keeps_the_schedule(policy):
    policy("mixed_float16")
    model = WGANGP(*tiny_nets(), LATENT, n_critic=2, seed=0)
    model.compile()
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        assert type(optimizer.inner_optimizer) is keras.optimizers.Adam
    assert model.d_optimizer is not model.g_optimizer
    # An already wrapped optimizer is not wrapped twice.
    wrapped = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam())
    model.compile(wrapped, keras.optimizers.SGD())
    assert model.d_optimizer is wrapped
    assert type(model.g_optimizer.inner_optimizer) is keras.optimizers.SGD

    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    history = model.fit(data(64), batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert model.discriminator(data(8)).dtype == tf.float32
    # A step with overflowing float16 gradients is skipped and halves the
    # scale (initial 2**15; it only grows after 2000 good steps); the
    # generator follows every n_critic-th *applied* critic update.
    steps = 8
    d_applied = int(model.d_optimizer.iterations)
    d_skipped = steps - d_applied
    np.testing.assert_allclose(float(model.d_optimizer.dynamic_scale),
                               2.0 ** (15 - d_skipped))
    g_skipped = 15 - int(np.log2(float(model.g_optimizer.dynamic_scale)))
    assert int(model.g_optimizer.iterations) + g_skipped == d_applied // 2


# ---- tf.distribute -------------------------------------------------------------

MIRRORED_SCRIPT = textwrap.dedent("""
    import json, os, sys
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import numpy as np
    from keras_gan import GAN, WGAN, WGANGP, WeightClipping, networks

    def run(strategy, name):
        cls, callbacks = {"wgangp": (WGANGP, []), "gan": (GAN, []),
                          "wgan": (WGAN, [WeightClipping(0.05)])}[name]
        with strategy.scope():
            keras.utils.set_random_seed(7)
            g = networks.build_mlp_generator(4, (2,), (16,), None)
            d = networks.build_mlp_discriminator((2,), (16,))
            model = cls(g, d, 4, n_critic=2, seed=11)
            model.compile(keras.optimizers.Adam(1e-3),
                          keras.optimizers.Adam(1e-3))
        x = np.random.default_rng(5).normal(size=(64, 2)).astype("float32")
        history = model.fit(x, batch_size=16, epochs=2, shuffle=False,
                            verbose=0, callbacks=callbacks)
        return dict(
            replicas=strategy.num_replicas_in_sync,
            jit_compile=model.jit_compile,
            history=history.history,
            weights=[v.numpy().tolist() for v in model.trainable_variables],
            iterations=[int(np.asarray(o.iterations.value))
                        for o in (model.d_optimizer, model.g_optimizer)])

    def recalibrated(strategy):
        # The average's batch-norm statistics, recomputed after training
        # (as train.py does at each epoch's end, outside the replicas).
        with strategy.scope():
            keras.utils.set_random_seed(7)
            z = keras.Input((4,))
            h = keras.layers.BatchNormalization()(keras.layers.Dense(8)(z))
            g = keras.Model(z, keras.layers.Dense(2)(h))
            d = networks.build_mlp_discriminator((2,), (16,))
            model = GAN(g, d, 4, seed=11, ema_decay=0.9)
            model.compile(keras.optimizers.Adam(1e-3),
                          keras.optimizers.Adam(1e-3))
        x = np.random.default_rng(5).normal(size=(64, 2)).astype("float32")
        model.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
        assert model.recalibrate_average(batches=3, batch_size=16) == 1
        # By hand: the moments of the average's first Dense layer's output
        # over the same three noise batches.
        noise = np.concatenate([model.recalibration_inputs(i, 16).numpy()
                                for i in range(3)]).astype("float64")
        kernel, bias = (v.numpy() for v in model.generator_ema.layers[1]
                        .weights)
        h = noise @ kernel + bias
        norm = model.generator_ema.layers[2]
        return [[norm.moving_mean.numpy().tolist(), h.mean(0).tolist()],
                [norm.moving_variance.numpy().tolist(), h.var(0).tolist()]]

    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    results = {name: [run(tf.distribute.get_strategy(), name),
                      run(mirrored, name)] for name in sys.argv[1:]}
    results["recalibrated"] = [recalibrated(tf.distribute.get_strategy()),
                               recalibrated(mirrored)]
    with mirrored.scope():
        g = networks.build_mlp_generator(4, (2,), (16,), None)
        d = networks.build_mlp_discriminator((2,), (16,))
        try:
            WGANGP(g, d, 4, n_critic=2).compile(steps_per_execution=2)
            results["refused"] = None
        except ValueError as error:
            results["refused"] = str(error)
    print(json.dumps(results))
""")


def test_mirrored_two_replicas_match_single_device():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               KERAS_BACKEND="tensorflow")
    names = ["wgangp", "gan", "wgan"]
    process = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT, *names], env=env,
        capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-3000:]
    results = json.loads(process.stdout.strip().splitlines()[-1])
    # A conditional update cannot run inside Keras' multi-step loop under
    # a multi-replica strategy: compile() says so instead of failing later.
    assert results.pop("refused") == (
        "Expected steps_per_execution=1 under a multi-replica strategy (2 "
        "replicas) with n_critic=2: the conditional update cannot run inside "
        "a multi-step execution there. Received: steps_per_execution=2")
    # Under both strategies the average's statistics are its own moments.
    for moments in results.pop("recalibrated"):
        for got, want in moments:   # moving mean, moving variance
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert sorted(results) == sorted(names)
    for name, (single, mirrored) in results.items():
        assert (single["replicas"], mirrored["replicas"]) == (1, 2)
        # Keras' "auto": no XLA on a CPU-only machine nor under a strategy.
        assert (single["jit_compile"], mirrored["jit_compile"]) == (False,
                                                                   False)
        # Same global batch of 16: the same updates, 8 critic and 4
        # generator, on both.
        assert single["iterations"] == mirrored["iterations"] == [8, 4]
        assert_same_run(
            (single["history"], [np.array(w) for w in single["weights"]]),
            (mirrored["history"], [np.array(w) for w in mirrored["weights"]]),
            rtol=1e-5, atol=1e-6)
