"""WGAN (weight clipping) and WGAN-GP (gradient penalty), built on `GAN`.

Both keep the base class's schedule: one critic update per `train_step`,
the generator after every `n_critic`-th one.
"""

import warnings

import keras
import tensorflow as tf

from keras_gan import losses, rng
from keras_gan._checks import check_float
from keras_gan.models.base import GAN, _PACKAGE, _all_layers


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WGAN(GAN):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017).

    Critic loss ``mean f(fake) - mean f(real)``, generator loss
    ``-mean f(fake)``, `n_critic` critic updates per generator update.
    Train it with `keras_gan.callbacks.WeightClipping(clip_value=0.01)` and
    RMSProp(5e-5) (the default from `compile()`), as in the paper.

    Args:
        generator, discriminator, latent_dim, seed, **kwargs: as for `GAN`.
            The discriminator (critic) outputs raw scores: no sigmoid.
        n_critic: Critic updates per generator update (paper: 5).
        critic_warmup: The official WGAN code's schedule (Arjovsky's
            `WassersteinGAN/main.py`: `Diters = 100` while the generator
            has made fewer than 25 updates and at every 500th of them):
            the generator then waits for 100 critic updates instead of
            `n_critic`, so the critic is near its optimum when G follows
            it. Off by default (the paper's Algorithm 1).

    Metrics: `d_loss`, `g_loss`, and `w_estimate` = mean f(real) - mean
    f(fake), the critic's estimate of the Wasserstein distance (up to the
    Lipschitz constant the clipping implies).
    """

    #: The official code's long critic phases: (critic updates, while the
    #: generator has made fewer than this many updates, and every k-th).
    WARMUP = (100, 25, 500)

    def __init__(self, generator, discriminator, latent_dim, n_critic=5,
                 seed=None, critic_warmup=False, **kwargs):
        super().__init__(generator, discriminator, latent_dim,
                         n_critic=n_critic, seed=seed, **kwargs)
        if not isinstance(critic_warmup, bool):
            raise ValueError(
                f"Expected `critic_warmup` to be a bool. Received: "
                f"critic_warmup={critic_warmup!r}")
        self.critic_warmup = critic_warmup
        self.last_generator_step = None
        if critic_warmup:
            # The critic update count at the last generator update: part of
            # the schedule's state, so it is saved with the model.
            self.last_generator_step = keras.Variable(
                0, dtype="int64", trainable=False,
                aggregation="only_first_replica", name="last_generator_step")

    #: Whether `fit()` needs the WeightClipping callback (not for WGAN-GP).
    _clipped = True

    def _metric_names(self):
        return ("d_loss", "g_loss", "w_estimate")

    def _own_config(self):
        return {"critic_warmup": self.critic_warmup}

    def fit(self, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`; warns when weight clipping is not among the
        callbacks (the critic is then unconstrained: not a WGAN)."""
        from keras_gan.callbacks import WeightClipping

        if self._clipped and not any(isinstance(callback, WeightClipping)
                                     for callback in callbacks or ()):
            warnings.warn(
                f"{type(self).__name__}.fit without keras_gan.callbacks."
                "WeightClipping: the critic's weights are unconstrained, so "
                "this is not a WGAN. Pass callbacks=[WeightClipping(0.01)].",
                stacklevel=2)
        return super().fit(*args, callbacks=callbacks, **kwargs)

    def _every_step(self):
        return not self.critic_warmup

    def _generator_due(self, critic_updates):
        if not self.critic_warmup:
            return super()._generator_due(critic_updates)
        long_phase, first, every = self.WARMUP
        g_updates = tf.convert_to_tensor(self.g_optimizer.iterations)
        burst = tf.logical_or(g_updates < first,
                              tf.equal(g_updates % every, 0))
        wanted = tf.where(burst, tf.constant(long_phase, tf.int64),
                          tf.constant(self.n_critic, tf.int64))
        since = critic_updates - tf.convert_to_tensor(
            self.last_generator_step)
        return since >= wanted

    def _after_schedule(self, due, critic_updates):
        if self.critic_warmup:
            self.last_generator_step.assign(tf.where(
                due, critic_updates,
                tf.convert_to_tensor(self.last_generator_step)))

    @classmethod
    def default_optimizers(cls):
        """The paper defaults: RMSProp(5e-5) for both (no momentum)."""
        return (keras.optimizers.RMSprop(5e-5),
                keras.optimizers.RMSprop(5e-5))

    def _discriminator_objective(self, real, fake, real_out, fake_out):
        loss = losses.wasserstein_discriminator_loss(real_out, fake_out)
        return loss, {"w_estimate": -loss}

    def _generator_objective(self, fake_out):
        return losses.wasserstein_generator_loss(fake_out)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WGANGP(WGAN):
    """WGAN with gradient penalty (Gulrajani et al. 2017).

    Critic loss ``mean f(fake) - mean f(real) + gp_weight * GP`` with the
    penalty from `keras_gan.losses.gradient_penalty`. The critic must not use
    batch normalization (the penalty is per sample); such a critic is refused.

    Args:
        generator, discriminator, latent_dim, n_critic, seed, **kwargs: as
            for `WGAN`.
        gp_weight: lambda (paper: 10).

    Metrics: `d_loss`, `g_loss`, `w_estimate`, `gp` (the unweighted penalty).
    """

    def __init__(self, generator, discriminator, latent_dim, n_critic=5,
                 gp_weight=10.0, seed=None, **kwargs):
        gp_weight = check_float("gp_weight", gp_weight, at_least=0.0)
        bn = [layer.name for layer in _all_layers(discriminator)
              if isinstance(layer, keras.layers.BatchNormalization)]
        if bn:
            raise ValueError(
                "Expected a critic without batch normalization for WGAN-GP "
                "(the gradient penalty is per sample; use layer norm or "
                f"none). Received: discriminator with BatchNormalization "
                f"layers {bn}")
        super().__init__(generator, discriminator, latent_dim,
                         n_critic=n_critic, seed=seed, **kwargs)
        self.gp_weight = gp_weight

    _clipped = False

    def _metric_names(self):
        return ("d_loss", "g_loss", "w_estimate", "gp")

    def _own_config(self):
        return {**super()._own_config(), "gp_weight": self.gp_weight}

    @classmethod
    def default_optimizers(cls):
        """The released code's Adam(1e-4, beta_1=0.5, beta_2=0.9) for both."""
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))

    def _discriminator_objective(self, real, fake, real_out, fake_out):
        w_loss = losses.wasserstein_discriminator_loss(real_out, fake_out)
        epsilon = rng.uniform(tf.shape(real)[:1], self.noise_state)
        # Under float16 the inner input gradient is loss-scaled like the
        # outer one (small critic gradients would underflow otherwise).
        scale = (tf.convert_to_tensor(self.d_optimizer.scale_loss(1.0))
                 if isinstance(self.d_optimizer,
                               keras.optimizers.LossScaleOptimizer)
                 else None)
        penalty = losses.gradient_penalty(self.discriminator, real, fake,
                                          epsilon=epsilon, loss_scale=scale)
        return (w_loss + self.gp_weight * penalty,
                {"w_estimate": -w_loss, "gp": penalty})
