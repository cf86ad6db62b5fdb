"""Losses on fixed vectors against numbers computed by hand (NumPy formulas)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import losses


def softplus(x):
    return np.log1p(np.exp(np.asarray(x, np.float64)))


def test_gan_discriminator_loss_matches_bce():
    real, fake = [0.0, 2.0, -1.0], [0.0, -3.0]
    # -mean log sigmoid(real) - mean log(1 - sigmoid(fake))
    expected = (softplus(-np.array(real)).mean()
                + softplus(np.array(fake)).mean())
    np.testing.assert_allclose(
        losses.gan_discriminator_loss(tf.constant(real), tf.constant(fake)),
        expected, rtol=1e-6)


def test_gan_discriminator_loss_at_half_is_2_log_2():
    zeros = tf.zeros((4, 1))
    np.testing.assert_allclose(losses.gan_discriminator_loss(zeros, zeros),
                               2 * math.log(2), rtol=1e-6)


def test_minimax_generator_loss():
    fake = [-1.0, 0.0, 3.0]
    d = 1 / (1 + np.exp(-np.array(fake)))
    np.testing.assert_allclose(
        losses.minimax_generator_loss(tf.constant(fake)),
        np.mean(np.log(1 - d)), rtol=1e-6)


def test_non_saturating_generator_loss():
    fake = [-1.0, 0.0, 3.0]
    d = 1 / (1 + np.exp(-np.array(fake)))
    np.testing.assert_allclose(
        losses.non_saturating_generator_loss(tf.constant(fake)),
        -np.mean(np.log(d)), rtol=1e-6)


def test_wasserstein_losses():
    real, fake = tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 2.0])
    np.testing.assert_allclose(
        losses.wasserstein_discriminator_loss(real, fake), 1.5 - 2.0)
    np.testing.assert_allclose(losses.wasserstein_generator_loss(fake), -1.5)


def test_losses_compute_in_float32_for_half_inputs():
    out = losses.gan_discriminator_loss(tf.zeros(3, tf.float16),
                                        tf.zeros(3, tf.bfloat16))
    assert out.dtype == tf.float32


@pytest.mark.parametrize("shape", [(6, 2), (6, 2, 2, 1)])
def test_gradient_penalty_linear_critic_closed_form(shape):
    # f(x) = w.x has input gradient w everywhere: penalty = (||w|| - 1)^2.
    rng = np.random.default_rng(0)
    w = rng.normal(size=shape[1:]).astype("float32")
    axes = tuple(range(1, len(shape)))

    def critic(x):
        return tf.reduce_sum(x * w, axis=axes)

    real = rng.normal(size=shape).astype("float32")
    fake = rng.normal(size=shape).astype("float32")
    expected = (np.linalg.norm(w) - 1.0) ** 2
    np.testing.assert_allclose(
        losses.gradient_penalty(critic, real, fake, seed=3), expected,
        rtol=1e-5)


def test_gradient_penalty_trains_the_critic_second_order():
    # Dense critic f(x) = k.x + b: d/dk (||k|| - 1)^2 = 2 (||k|| - 1) k/||k||.
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    kernel = np.array([[2.0], [-1.0], [2.0]], "float32")  # ||k|| = 3
    critic.layers[0].kernel.assign(kernel)
    real, fake = tf.ones((5, 3)), tf.zeros((5, 3))
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, real, fake, seed=1)
    grad = tape.gradient(penalty, critic.layers[0].kernel)
    np.testing.assert_allclose(penalty, 4.0, rtol=1e-6)
    np.testing.assert_allclose(grad, 2 * (3 - 1) * kernel / 3, rtol=1e-5)


def test_gradient_penalty_zero_gradient_is_one_and_finite():
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    critic.layers[0].kernel.assign(tf.zeros((2, 1)))
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, tf.ones((4, 2)),
                                          tf.zeros((4, 2)))
    grad = tape.gradient(penalty, critic.layers[0].kernel)
    np.testing.assert_allclose(penalty, 1.0)
    np.testing.assert_array_equal(np.isfinite(grad), True)


def test_gradient_penalty_uses_one_eps_per_sample():
    # f(x) = sum(x^2)/2 has gradient x; with real = 1 and fake = 0 the
    # interpolate is eps itself, so the penalty reveals eps exactly.
    def critic(x):
        return 0.5 * tf.reduce_sum(tf.square(x), axis=1)

    eps = tf.constant([0.0, 0.5, 1.0])
    penalty = losses.gradient_penalty(critic, tf.ones((3, 4)),
                                      tf.zeros((3, 4)), epsilon=eps)
    norms = np.array([0.0, 0.5, 1.0]) * 2.0  # ||eps * 1_4|| = 2 eps
    np.testing.assert_allclose(penalty, np.mean((norms - 1) ** 2), rtol=1e-6)


def test_gradient_penalty_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        losses.gradient_penalty(lambda x: x, tf.ones((2, 3)), tf.ones((2, 4)))


def test_gradient_penalty_loss_scale_keeps_float16_gradients():
    # A float16 critic x -> 1e4 x -> 1e4 . -> 1e-4 . -> 1e-4 . has input
    # gradient 1, but its backward pass reaches 1e-8 on the way, below
    # float16's smallest subnormal (6e-8): unscaled it underflows to 0 and
    # the penalty reads (0 - 1)^2 = 1; scaled by a loss scale it stays
    # exact and the penalty is 0.
    import keras

    critic = keras.Sequential(
        [keras.Input((1,))]
        + [keras.layers.Dense(1, use_bias=False, dtype="mixed_float16",
                              kernel_initializer=keras.initializers.Constant(w))
           for w in (1e4, 1e4, 1e-4, 1e-4)])
    real = tf.fill((4, 1), 2e-4)
    fake = tf.fill((4, 1), 1e-4)
    eps = tf.fill((4,), 0.5)
    unscaled = losses.gradient_penalty(critic, real, fake, epsilon=eps)
    scaled = losses.gradient_penalty(critic, real, fake, epsilon=eps,
                                     loss_scale=tf.constant(32768.0))
    assert float(unscaled) == pytest.approx(1.0)
    assert float(scaled) < 1e-3
    # In float32 the scale changes nothing.
    linear = lambda x: tf.reduce_sum(x * [3.0, 4.0], axis=1)
    assert float(losses.gradient_penalty(
        linear, tf.ones((8, 2)), tf.zeros((8, 2)),
        loss_scale=tf.constant(1024.0))) == pytest.approx(16.0)
