"""GAN and Wasserstein losses as small pure functions.

All functions take discriminator/critic outputs (logits for the GAN family, raw
scores for the Wasserstein family), compute in float32 whatever the inputs'
dtype (so mixed precision never degrades the loss), and return the mean over
the local batch. Scaling for multi-replica training is the model's job.

References:
    Goodfellow et al. 2014, "Generative Adversarial Nets" (arXiv:1406.2661).
    Arjovsky et al. 2017, "Wasserstein GAN" (arXiv:1701.07875).
    Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"
        (arXiv:1704.00028).
"""

import tensorflow as tf


def _f32(x):
    return tf.cast(x, tf.float32)


def gan_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the original GAN (Goodfellow et al. 2014).

    Binary cross-entropy with real samples labelled 1 and generated samples
    labelled 0, i.e. ``-mean log D(x) - mean log(1 - D(G(z)))`` computed stably
    on logits: ``mean softplus(-real_logits) + mean softplus(fake_logits)``.

    Args:
        real_logits: Tensor of D's logits on real samples, shape `(B,)` or
            `(B, 1)`.
        fake_logits: Tensor of D's logits on generated samples.

    Returns:
        Scalar float32 tensor. Equals ``2 log 2`` (about 1.386) when both logit
        tensors are zero, i.e. D outputs 1/2 everywhere.
    """
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
        tf.nn.softplus(fake_logits)
    )


def minimax_generator_loss(fake_logits):
    """Generator loss of the minimax game: ``mean log(1 - D(G(z)))``.

    The generator minimises it. Its gradient vanishes when D confidently
    rejects the samples (D(G(z)) -> 0), which is why the non-saturating form
    is used in practice (Goodfellow et al. 2014, section 3).
    ``log(1 - sigmoid(l)) = -softplus(l)``.

    Args:
        fake_logits: Tensor of D's logits on generated samples.

    Returns:
        Scalar float32 tensor (always <= 0).
    """
    return -tf.reduce_mean(tf.nn.softplus(_f32(fake_logits)))


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss: ``-mean log D(G(z))``.

    Same fixed point as the minimax loss, strong gradients when D wins
    (Goodfellow et al. 2014). ``-log sigmoid(l) = softplus(-l)``.

    Args:
        fake_logits: Tensor of D's logits on generated samples.

    Returns:
        Scalar float32 tensor (always >= 0).
    """
    return tf.reduce_mean(tf.nn.softplus(-_f32(fake_logits)))


def wasserstein_discriminator_loss(real_scores, fake_scores):
    """Critic loss of WGAN: ``mean f(fake) - mean f(real)`` (Arjovsky et al.).

    Minimising it maximises the critic's estimate of the Wasserstein-1
    distance, ``mean f(real) - mean f(fake)`` (Kantorovich-Rubinstein duality).

    Args:
        real_scores: Critic outputs on real samples (no sigmoid).
        fake_scores: Critic outputs on generated samples.

    Returns:
        Scalar float32 tensor.
    """
    return tf.reduce_mean(_f32(fake_scores)) - tf.reduce_mean(_f32(real_scores))


def wasserstein_generator_loss(fake_scores):
    """Generator loss of WGAN: ``-mean f(G(z))`` (Arjovsky et al. 2017).

    Args:
        fake_scores: Critic outputs on generated samples.

    Returns:
        Scalar float32 tensor.
    """
    return -tf.reduce_mean(_f32(fake_scores))


def _safe_norm(squared_norm):
    # sqrt has an infinite derivative at 0; the double `where` keeps both the
    # value exact (no epsilon inside the sqrt) and the gradient finite (0).
    positive = squared_norm > 0.0
    safe = tf.where(positive, squared_norm, tf.ones_like(squared_norm))
    return tf.where(positive, tf.sqrt(safe), tf.zeros_like(squared_norm))


def gradient_penalty(critic, real_images, fake_images, epsilon=None, seed=None,
                     training=True):
    """WGAN-GP penalty ``mean (||grad_x f(x_hat)||_2 - 1)^2`` (Gulrajani et al.).

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ U[0, 1]`` per
    sample. The input gradient is taken with an inner ``tf.GradientTape``; when
    this is called under an outer tape (as in ``WGANGP.train_step``), the outer
    tape records the second-order graph so the penalty trains the critic.
    The norm runs over all non-batch axes, and is exact yet has a finite
    gradient when the input gradient is zero.

    Args:
        critic: Callable mapping a batch `(B, ...)` to scores `(B, 1)` or
            `(B,)`. Must treat samples independently (no batch norm).
        real_images: Tensor `(B, ...)`.
        fake_images: Tensor of the same shape.
        epsilon: Optional tensor `(B,)` of interpolation weights; drawn from
            U[0, 1] when omitted.
        seed: Optional seed (int or `keras.random.SeedGenerator`) for `eps`.
        training: Passed to the critic.

    Returns:
        Scalar float32 tensor, without the weight `lambda`.

    Raises:
        ValueError: if `real_images` and `fake_images` have different static
            shapes.

    Example:
    >>> critic = lambda x: tf.reduce_sum(x * [3.0, 4.0], axis=1)
    >>> float(gradient_penalty(critic, tf.ones((8, 2)), tf.zeros((8, 2))))
    16.0
    """
    import keras

    real_images = _f32(real_images)
    fake_images = _f32(fake_images)
    if (real_images.shape.rank is not None and fake_images.shape.rank is not None
            and not real_images.shape.is_compatible_with(fake_images.shape)):
        raise ValueError(
            "Expected `real_images` and `fake_images` of the same shape. "
            f"Received: {real_images.shape} and {fake_images.shape}"
        )
    batch_size = tf.shape(real_images)[0]
    if epsilon is None:
        epsilon = keras.random.uniform((batch_size,), 0.0, 1.0, seed=seed)
    # (B,) -> (B, 1, ..., 1) so one eps mixes a whole sample.
    broadcast_shape = tf.concat(
        [[batch_size], tf.ones([tf.rank(real_images) - 1], tf.int32)], axis=0)
    epsilon = tf.reshape(_f32(epsilon), broadcast_shape)
    interpolates = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as inner_tape:
        inner_tape.watch(interpolates)
        scores = _f32(critic(interpolates, training=training)
                      if _accepts_training(critic) else critic(interpolates))
    grads = _f32(inner_tape.gradient(scores, interpolates))
    axes = tf.range(1, tf.rank(grads))
    norms = _safe_norm(tf.reduce_sum(tf.square(grads), axis=axes))
    return tf.reduce_mean(tf.square(norms - 1.0))


def _accepts_training(fn):
    import keras

    return isinstance(fn, keras.layers.Layer)
