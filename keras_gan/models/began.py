"""BEGAN: an autoencoder discriminator held at an equilibrium by a controller.

Berthelot, Schumm and Metz 2017, "BEGAN: Boundary Equilibrium Generative
Adversarial Networks" (arXiv:1703.10717).
"""

import keras
import tensorflow as tf

from keras_gan import losses
from keras_gan._checks import check_float
from keras_gan.models.base import GAN, _PACKAGE, _static_shape


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ReconstructionError(keras.layers.Layer):
    """Layer form of `losses.reconstruction_error`: `[x, D(x)] -> (B, 1)`."""

    def call(self, inputs):
        images, reconstructions = inputs
        return losses.reconstruction_error(images, reconstructions)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


def _check_autoencoder(autoencoder):
    if not isinstance(autoencoder, keras.Model):
        raise ValueError(
            "Expected `discriminator` to be a built keras.Model (BEGAN's "
            "autoencoder). Received: discriminator of type "
            f"{type(autoencoder).__name__}")
    try:
        shapes = (_static_shape("discriminator", autoencoder.input_shape),
                  _static_shape("discriminator", autoencoder.output_shape))
    except (AttributeError, ValueError) as error:
        raise ValueError(
            "Expected `discriminator` to be a built keras.Model with known "
            f"input and output shapes. Received: {autoencoder.name} "
            f"({error})") from None
    if shapes[0][1:] != shapes[1][1:]:
        raise ValueError(
            "Expected BEGAN's `discriminator` to be an autoencoder whose "
            "output shape equals its input shape. Received: input "
            f"{shapes[0]}, output {shapes[1]}")
    return shapes[0][1:]


def _energy_model(autoencoder, sample_shape):
    """`x -> L(x) = mean |x - D(x)|`, shape (B, 1): BEGAN's score."""
    x = keras.Input(sample_shape, name="x")
    # float32 whatever the dtype policy: the score enters the losses.
    error = ReconstructionError(name="reconstruction_error", dtype="float32")(
        [x, autoencoder(x)])
    return keras.Model(x, error, name=f"{autoencoder.name}_energy")


@keras.saving.register_keras_serializable(package=_PACKAGE)
class BEGAN(GAN):
    """Boundary Equilibrium GAN (Berthelot et al. 2017).

    The discriminator D is an autoencoder; its score of a sample v is the
    per-sample L1 reconstruction error ``L(v) = mean |v - D(v)|``
    (`losses.reconstruction_error`, eta = 1 of section 3.1). With a
    proportional controller k_t (section 3.4, Eq. 4):

    * discriminator: ``L_D = L(x) - k_t L(G(z_D))``
    * generator: ``L_G = L(G(z_G))``
    * controller: ``k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))),
      0, 1)``, k_0 = 0

    which holds the equilibrium ``E[L(G(z))] = gamma E[L(x)]``: gamma, the
    diversity ratio, trades sample diversity (high gamma) for quality (low
    gamma). The convergence measure ``M_global = L(x) + |gamma L(x) -
    L(G(z_G))|`` (section 3.4.1, Eq. 5) is logged as `m_global`; it falls as
    the samples improve.

    The schedule is the base class's: one discriminator update on a fresh
    real batch (L(x) and L(G(z_D))), then one generator update on fresh noise
    (L(G(z_G))), then the controller step with that L(x) and that
    L(G(z_G)). The paper updates both networks at the same time from one
    forward pass (so does github.com/carpedm20/BEGAN-tensorflow,
    `trainer.py`, with ``z_D = z_G``); here the generator already sees the
    updated discriminator, as in every keras_gan model.

    Not implemented: the paper's learning-rate halving "when the measure of
    convergence stalls" (section 4.1); the runs here use a constant or
    linearly decaying rate (`keras_gan.training`, `--lr-decay`).

    Args:
        generator: `keras.Model` mapping `(B, latent_dim)` to samples.
        discriminator: The autoencoder, a `keras.Model` whose output shape
            equals its input shape (e.g.
            `networks.build_began_discriminator`). The model keeps it as
            `autoencoder`; `discriminator` is then the network `x -> L(x)`
            of shape `(B, 1)` that the shared training code calls.
        latent_dim: Size of z ~ N(0, I) (the paper draws z uniformly in
            [-1, 1]; keras_gan's export and evaluation draw N(0, I)).
        gamma: The diversity ratio, in (0, 1] (default 0.5, the value of
            the paper's figures and of carpedm20's `config.py`).
        lambda_k: The controller's gain (paper: 0.001).
        k_initial: k_0 in [0, 1] (paper: 0).
        n_critic, seed, ema_decay, **kwargs: as for `GAN`.

    Raises:
        ValueError: on a bad argument (gamma outside (0, 1], a discriminator
            that is not an autoencoder, ...).

    Metrics: `d_loss`, `g_loss` (= L(G(z_G))), `l_real` (L(x)), `l_fake`
    (L(G(z_D))), `k` (k after each controller step) and `m_global`.
    The controller state `k` is a variable saved with the model.
    """

    def __init__(self, generator, discriminator, latent_dim, gamma=0.5,
                 lambda_k=0.001, k_initial=0.0, n_critic=1, seed=None,
                 **kwargs):
        gamma = check_float("gamma", gamma)
        if not 0.0 < gamma <= 1.0:
            raise ValueError(
                f"Expected `gamma` in (0, 1]. Received: gamma={gamma}")
        lambda_k = check_float("lambda_k", lambda_k, at_least=0.0)
        k_initial = check_float("k_initial", k_initial, at_least=0.0)
        if k_initial > 1.0:
            raise ValueError(
                f"Expected `k_initial` in [0, 1]. Received: "
                f"k_initial={k_initial}")
        if "loss" in kwargs:
            raise ValueError(
                "BEGAN's losses are the autoencoder ones; `loss` selects the "
                f"original GAN's variants. Received: loss={kwargs['loss']!r}")
        sample_shape = _check_autoencoder(discriminator)
        # The base class (shape checks, train step, gradient paths) sees a
        # discriminator with one score per sample: the reconstruction error.
        super().__init__(generator, _energy_model(discriminator, sample_shape),
                         latent_dim, n_critic=n_critic, seed=seed, **kwargs)
        self.autoencoder = discriminator
        self.gamma = gamma
        self.lambda_k = lambda_k
        self.k_initial = k_initial
        self.k = keras.Variable(k_initial, dtype="float32", trainable=False,
                                aggregation="only_first_replica", name="k")
        # L(x) of the latest discriminator step, for the controller step
        # after the generator update (saved: with n_critic > 1 a checkpoint
        # may fall between the two).
        self.real_error = keras.Variable(
            0.0, dtype="float32", trainable=False,
            aggregation="only_first_replica", name="real_error")

    def _metric_names(self):
        return ("d_loss", "g_loss", "l_real", "l_fake", "k", "m_global")

    def _own_config(self):
        return {"gamma": self.gamma, "lambda_k": self.lambda_k,
                "k_initial": self.k_initial}

    def get_config(self):
        config = super().get_config()
        # The constructor takes the autoencoder and wraps it again.
        config["discriminator"] = keras.saving.serialize_keras_object(
            self.autoencoder)
        return config

    @classmethod
    def default_optimizers(cls):
        """Adam(1e-4, beta_1=0.5, beta_2=0.999) for both.

        The paper's initial rate (section 4.1: "in [5e-5, 1e-4]"; it gives no
        betas); the betas of github.com/carpedm20/BEGAN-tensorflow
        (`config.py`: `--beta1 0.5 --beta2 0.999`).
        """
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.999),
                keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.999))

    def _discriminator_objective(self, real, fake, real_out, fake_out):
        real_error = tf.reduce_mean(real_out)
        loss = losses.began_discriminator_loss(real_out, fake_out,
                                               tf.convert_to_tensor(self.k))
        # The controller step after the generator update needs this L(x).
        self.real_error.assign(tf.stop_gradient(real_error))
        return loss, {"l_real": real_error,
                      "l_fake": tf.reduce_mean(fake_out)}

    def _generator_objective(self, fake_out):
        return losses.began_generator_loss(fake_out)

    def _train_generator(self, batch_size):
        fake_error = super()._train_generator(batch_size)  # L(G(z_G))
        real_error = tf.convert_to_tensor(self.real_error)
        k = losses.began_k_update(tf.convert_to_tensor(self.k), real_error,
                                  fake_error, self.gamma, self.lambda_k)
        self.k.assign(k)
        self._trackers["k"].update_state(k)
        self._trackers["m_global"].update_state(
            losses.began_convergence_measure(real_error, fake_error,
                                             self.gamma))
        return fake_error
