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
                     training=True, loss_scale=None):
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
        loss_scale: Optional float32 scalar (a float16 run's dynamic loss
            scale): the inner gradient is taken of ``loss_scale * f`` and
            divided by it, so float16 critic gradients do not underflow;
            None takes it of f itself.

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
        if loss_scale is not None:
            loss_scale = _f32(loss_scale)
            scores = scores * loss_scale
    grads = _f32(inner_tape.gradient(scores, interpolates))
    if loss_scale is not None:
        grads = grads / loss_scale
    axes = tf.range(1, tf.rank(grads))
    norms = _safe_norm(tf.reduce_sum(tf.square(grads), axis=axes))
    return tf.reduce_mean(tf.square(norms - 1.0))


def _accepts_training(fn):
    import keras

    return isinstance(fn, keras.layers.Layer)


# ---- least squares (LSGAN) -------------------------------------------------

def lsgan_discriminator_loss(real_outputs, fake_outputs, a=0.0, b=1.0):
    """Discriminator loss of LSGAN (Mao et al. 2017, Eq. 2).

    ``1/2 mean (D(x) - b)^2 + 1/2 mean (D(G(z)) - a)^2`` on the
    discriminator's raw outputs (no sigmoid): real samples are pulled to the
    code b, generated ones to the code a.

    The authors' code (github.com/xudonmao/LSGAN, `vgg.py`, `loss_l2`) uses
    ``tf.nn.l2_loss``, a sum over the batch; this is the paper's expectation
    (the mean), so the value does not grow with the batch size.

    Args:
        real_outputs: D's raw outputs on real samples, `(B,)` or `(B, 1)`.
        fake_outputs: D's raw outputs on generated samples.
        a: Target code of generated samples (0 in the authors' code, -1 in
            the paper's Pearson chi-squared coding, section 3.2.2).
        b: Target code of real samples (1 in both codings).

    Returns:
        Scalar float32 tensor (>= 0; 0 when D outputs exactly b on real and
        a on generated samples).

    Example:
    >>> float(lsgan_discriminator_loss(tf.ones(4), tf.zeros(4)))
    0.0
    """
    real_outputs, fake_outputs = _f32(real_outputs), _f32(fake_outputs)
    return 0.5 * tf.reduce_mean(tf.square(real_outputs - b)) + \
        0.5 * tf.reduce_mean(tf.square(fake_outputs - a))


def lsgan_generator_loss(fake_outputs, c=1.0):
    """Generator loss of LSGAN (Mao et al. 2017, Eq. 2).

    ``1/2 mean (D(G(z)) - c)^2``: the generator pulls D's output on its
    samples to the code c it wants D to believe (1 in the authors' code, 0 in
    the Pearson chi-squared coding a = -1, b = 1, c = 0 of section 3.2.2).

    Args:
        fake_outputs: D's raw outputs on generated samples.
        c: The target code.

    Returns:
        Scalar float32 tensor (>= 0).
    """
    return 0.5 * tf.reduce_mean(tf.square(_f32(fake_outputs) - c))


# ---- boundary equilibrium (BEGAN) ------------------------------------------

def reconstruction_error(images, reconstructions):
    """BEGAN's per-sample autoencoder loss ``L(v) = mean |v - D(v)|``.

    The L1 norm (eta = 1 of Berthelot et al. 2017, section 3.1), averaged
    over the pixels so its scale does not depend on the image size (as in
    the widely used reimplementation github.com/carpedm20/BEGAN-tensorflow,
    `trainer.py`, ``reduce_mean(abs(AE_x - x))``).

    Args:
        images: Tensor `(B, ...)`.
        reconstructions: The autoencoder's output, same shape.

    Returns:
        Float32 tensor `(B, 1)`: one reconstruction error per sample.
    """
    diff = tf.abs(_f32(images) - _f32(reconstructions))
    axes = tf.range(1, tf.rank(diff))
    return tf.reshape(tf.reduce_mean(diff, axis=axes), (-1, 1))


def began_discriminator_loss(real_errors, fake_errors, k):
    """Discriminator loss of BEGAN (Berthelot et al. 2017, Eq. 4).

    ``L_D = L(x) - k_t L(G(z_D))``: the autoencoder learns to reconstruct
    real images and, weighted by the controller's k_t, to reconstruct
    generated images badly.

    Args:
        real_errors: Per-sample reconstruction errors L(x) (see
            `reconstruction_error`).
        fake_errors: Per-sample reconstruction errors L(G(z_D)).
        k: The controller's k_t in [0, 1] (scalar).

    Returns:
        Scalar float32 tensor.
    """
    return tf.reduce_mean(_f32(real_errors)) - \
        _f32(k) * tf.reduce_mean(_f32(fake_errors))


def began_generator_loss(fake_errors):
    """Generator loss of BEGAN (Berthelot et al. 2017, Eq. 4): ``L(G(z_G))``.

    Args:
        fake_errors: Per-sample reconstruction errors of generated samples.

    Returns:
        Scalar float32 tensor (>= 0).
    """
    return tf.reduce_mean(_f32(fake_errors))


def began_k_update(k, real_error, fake_error, gamma, lambda_k=0.001):
    """One step of BEGAN's proportional controller (Eq. 4), clipped to [0, 1].

    ``k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1)``: k
    grows while generated samples are reconstructed too well for the
    equilibrium ``E[L(G(z))] = gamma E[L(x)]`` and shrinks otherwise. The
    clipping to [0, 1] is the paper's ("k_t in [0, 1]", section 3.4).

    Args:
        k: k_t (scalar).
        real_error: Mean L(x) of the step.
        fake_error: Mean L(G(z_G)) of the step.
        gamma: The diversity ratio in (0, 1].
        lambda_k: The proportional gain (paper: 0.001).

    Returns:
        Scalar float32 tensor k_{t+1}.
    """
    balance = _f32(gamma) * _f32(real_error) - _f32(fake_error)
    return tf.clip_by_value(_f32(k) + _f32(lambda_k) * balance, 0.0, 1.0)


def began_convergence_measure(real_error, fake_error, gamma):
    """BEGAN's global convergence measure (Berthelot et al. 2017, Eq. 5).

    ``M_global = L(x) + |gamma L(x) - L(G(z_G))|``: low when the
    autoencoder reconstructs real images well and the equilibrium holds; it
    falls as the samples improve (the paper's Fig. 2).

    Args:
        real_error: Mean L(x).
        fake_error: Mean L(G(z_G)).
        gamma: The diversity ratio.

    Returns:
        Scalar float32 tensor.
    """
    real_error = _f32(real_error)
    return real_error + tf.abs(_f32(gamma) * real_error - _f32(fake_error))
