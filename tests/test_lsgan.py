"""LSGAN: losses against NumPy for both codings, schedule, saving, bad input.

Tiny nets (width 16, batch 8) that still run real D and G updates.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import LSGAN, losses, networks, training

LATENT = 4
REAL = np.array([1.5, 0.2, -0.7, 1.0], "float32")
FAKE = np.array([-1.2, 0.0, 0.4], "float32")


def tiny_nets(seed=0):
    keras.utils.set_random_seed(seed)
    return (networks.build_mlp_generator(LATENT, (2,), (16,), None),
            networks.build_mlp_discriminator((2,), (16,)))


def data(n=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def weights(model):
    return [v.numpy().copy() for v in model.weights]


def d_loss_by_hand(real, fake, a, b):
    real, fake = np.float64(real), np.float64(fake)
    return 0.5 * np.mean((real - b) ** 2) + 0.5 * np.mean((fake - a) ** 2)


@pytest.mark.parametrize("a, b, c", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)])
def test_losses_match_numpy_for_both_codings(a, b, c):
    np.testing.assert_allclose(
        losses.lsgan_discriminator_loss(REAL, FAKE, a, b),
        d_loss_by_hand(REAL, FAKE, a, b), rtol=1e-6)
    np.testing.assert_allclose(
        losses.lsgan_generator_loss(FAKE, c),
        0.5 * np.mean((np.float64(FAKE) - c) ** 2), rtol=1e-6)


def test_losses_by_hand_on_small_numbers():
    # zero-one coding: 1/2 mean((1-1)^2, (3-1)^2) + 1/2 mean((0-0)^2, (2-0)^2)
    # = 1/2 * 2 + 1/2 * 2 = 2; generator 1/2 mean((0-1)^2, (2-1)^2) = 0.5.
    np.testing.assert_allclose(losses.lsgan_discriminator_loss(
        [[1.0], [3.0]], [[0.0], [2.0]]), 2.0, rtol=1e-7)
    np.testing.assert_allclose(losses.lsgan_generator_loss([0.0, 2.0]), 0.5,
                               rtol=1e-7)
    # Pearson coding (-1, 1, 0): 1/2 mean(0, 4) + 1/2 mean(1, 9) = 1 + 2.5.
    np.testing.assert_allclose(losses.lsgan_discriminator_loss(
        [1.0, 3.0], [0.0, 2.0], a=-1.0, b=1.0), 3.5, rtol=1e-7)
    np.testing.assert_allclose(losses.lsgan_generator_loss([0.0, 2.0], c=0.0),
                               1.0, rtol=1e-7)
    # At the codes the discriminator's loss is zero.
    np.testing.assert_allclose(losses.lsgan_discriminator_loss(
        tf.ones((4, 1)), -tf.ones((4, 1)), a=-1.0), 0.0, atol=0)


@pytest.mark.parametrize("coding, codes", [("zero-one", (0.0, 1.0, 1.0)),
                                           ("pearson", (-1.0, 1.0, 0.0))])
def test_model_objectives_use_the_coding(coding, codes):
    model = LSGAN(*tiny_nets(), LATENT, coding=coding, seed=0)
    assert (model.a, model.b, model.c) == codes
    real, fake = REAL.reshape(-1, 1), FAKE.reshape(-1, 1)
    loss, extra = model._discriminator_objective(None, None, real, fake)
    np.testing.assert_allclose(loss, d_loss_by_hand(REAL, FAKE, *codes[:2]),
                               rtol=1e-6)
    np.testing.assert_allclose(extra["d_real"], REAL.mean(), rtol=1e-6)
    np.testing.assert_allclose(extra["d_fake"], FAKE.mean(), rtol=1e-6)
    np.testing.assert_allclose(
        model._generator_objective(fake),
        0.5 * np.mean((np.float64(FAKE) - codes[2]) ** 2), rtol=1e-6)


def test_explicit_codes_override_the_coding():
    model = LSGAN(*tiny_nets(), LATENT, coding="pearson", c=0.5, seed=0)
    assert (model.a, model.b, model.c) == (-1.0, 1.0, 0.5)


def test_logged_losses_are_the_least_squares_losses():
    model = LSGAN(*tiny_nets(), LATENT, coding="pearson", seed=0)
    model.compile(jit_compile=False)
    x = data(8)
    # The D step's outputs are those of the discriminator before its update
    # on this batch, with the generator's samples of the model's noise.
    noise_state = model.noise_state.numpy().copy()
    real_out = model.discriminator(x).numpy()
    fake_out = model.discriminator(model.generator(
        model.sample_noise(8))).numpy()
    model.noise_state.assign(noise_state)
    logs = model.train_on_batch(x, return_dict=True)
    np.testing.assert_allclose(logs["d_loss"],
                               d_loss_by_hand(real_out, fake_out, -1.0, 1.0),
                               rtol=1e-5)
    np.testing.assert_allclose(logs["d_real"], real_out.mean(), rtol=1e-5)


@pytest.mark.parametrize("n_critic", [1, 2])
def test_update_schedule(n_critic):
    model = LSGAN(*tiny_nets(), LATENT, n_critic=n_critic, seed=0)
    model.compile(jit_compile=False)
    g_before = weights(model.generator)
    for step, batch in enumerate(data(8 * 6).reshape(6, 8, 2), start=1):
        d_before = weights(model.discriminator)
        model.train_on_batch(batch)
        assert any(not np.array_equal(a, b) for a, b in
                   zip(d_before, weights(model.discriminator)))
        g_after = weights(model.generator)
        changed = any(not np.array_equal(a, b)
                      for a, b in zip(g_before, g_after))
        assert changed == (step % n_critic == 0), step
        g_before = g_after
    assert int(model.d_optimizer.iterations) == 6
    assert int(model.g_optimizer.iterations) == 6 // n_critic


def test_keras_round_trip_and_bitwise_resume(tmp_path):
    model = LSGAN(*tiny_nets(), LATENT, coding="pearson", seed=3,
                  ema_decay=0.9)
    model.compile(jit_compile=False)
    model.fit(data(40), batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "lsgan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, LSGAN)
    assert (loaded.coding, loaded.a, loaded.b, loaded.c, loaded.ema_decay) == (
        "pearson", -1.0, 1.0, 0.0, 0.9)
    assert int(loaded.d_optimizer.iterations) == 5
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_array_equal(a, b)
    more = data(24, seed=9)
    model.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(more, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(weights(model), weights(loaded)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, match", [
    (dict(coding="least-squares"), "coding"),
    (dict(coding="zero-one", a=1.0), "a != b"),
    (dict(coding="pearson", b=-1.0), "a != b"),
    (dict(c="one"), "`c` to be a number"),
    (dict(a=float("nan")), "`a` to be a number"),
    (dict(loss="minimax"), "least-squares"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LSGAN(*tiny_nets(), LATENT, **kwargs)


def test_cli_flags(capsys):
    c = training.resolve(training.TrainConfig(model="lsgan"))
    assert (c.lsgan_coding, c.arch, c.n_critic) == ("zero-one", "dcgan", 1)
    c = training.resolve(training.TrainConfig(model="lsgan",
                                              lsgan_coding="pearson"))
    assert c.lsgan_coding == "pearson"
    model = training.build_model(c, (28, 28, 1))
    assert isinstance(model, LSGAN) and (model.a, model.c) == (-1.0, 0.0)
    assert training.main(["--model", "gan", "--lsgan-coding", "pearson"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--lsgan-coding applies to --model " \
        "lsgan only" in err


def test_training_exports_the_generator(exported_run_matches_checkpoint):
    exported_run_matches_checkpoint("lsgan", steps_per_epoch=2)
