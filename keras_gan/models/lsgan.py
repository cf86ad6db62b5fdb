"""LSGAN: least-squares losses on the discriminator's raw output.

Mao et al. 2017, "Least Squares Generative Adversarial Networks"
(arXiv:1611.04076). The schedule is the base class's: one discriminator
update on a fresh real batch, then one generator update.
"""

import keras
import tensorflow as tf

from keras_gan import losses
from keras_gan._checks import check_choice, check_float
from keras_gan.models.base import GAN, _PACKAGE


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LSGAN(GAN):
    """Least Squares GAN (Mao et al. 2017) with the a-b-c coding.

    The discriminator's raw output (no sigmoid) is regressed onto codes:

    * discriminator: ``1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]``
    * generator: ``1/2 E[(D(G(z)) - c)^2]``

    (`losses.lsgan_discriminator_loss`, `losses.lsgan_generator_loss`).

    Codings (`CODINGS`): ``"zero-one"`` = (a, b, c) = (0, 1, 1), the
    authors' code (github.com/xudonmao/LSGAN, `vgg.py`, `loss_l2`) and the
    default; ``"pearson"`` = (-1, 1, 0), the paper's section 3.2.2, where
    ``b - c = 1`` and ``b - a = 2`` make the generator minimise the Pearson
    chi-squared divergence between p_data + p_g and 2 p_g.

    Args:
        generator, discriminator, latent_dim, n_critic, seed, ema_decay,
            **kwargs: as for `GAN`. The discriminator returns raw scores
            `(B, 1)`.
        coding: ``"zero-one"`` (default) or ``"pearson"``; sets a, b, c
            unless they are given.
        a: Code of generated samples for the discriminator (overrides
            `coding`).
        b: Code of real samples (overrides `coding`).
        c: Code the generator wants D to output on its samples (overrides
            `coding`).

    Raises:
        ValueError: on a bad argument, or ``a == b`` (the discriminator would
            have nothing to tell apart).

    Metrics: `d_loss`, `g_loss`, `d_real` = mean D(x) and `d_fake` =
    mean D(G(z)), raw outputs (at the optimum D(x) = (b p_d + a p_g) /
    (p_d + p_g), section 3.2.1).

    Example:
    >>> from keras_gan import networks
    >>> gan = LSGAN(networks.build_dcgan_generator(64, (28, 28, 1), 32),
    ...             networks.build_dcgan_discriminator((28, 28, 1), 32),
    ...             latent_dim=64, coding="pearson", seed=0)
    >>> gan.compile()       # Adam(2e-4, beta_1=0.5), the authors' code
    >>> (gan.a, gan.b, gan.c)
    (-1.0, 1.0, 0.0)
    """

    CODINGS = {"zero-one": (0.0, 1.0, 1.0), "pearson": (-1.0, 1.0, 0.0)}

    def __init__(self, generator, discriminator, latent_dim, coding="zero-one",
                 a=None, b=None, c=None, n_critic=1, seed=None, **kwargs):
        check_choice("coding", coding, set(self.CODINGS))
        codes = dict(zip("abc", self.CODINGS[coding]))
        for key, value in (("a", a), ("b", b), ("c", c)):
            if value is not None:
                codes[key] = check_float(key, value)
        if codes["a"] == codes["b"]:
            raise ValueError(
                "Expected different codes for generated and real samples "
                f"(a != b). Received: a={codes['a']}, b={codes['b']}")
        if "loss" in kwargs:
            raise ValueError(
                "LSGAN's losses are the least-squares ones; `loss` selects "
                "the original GAN's variants. Received: "
                f"loss={kwargs['loss']!r}")
        super().__init__(generator, discriminator, latent_dim,
                         n_critic=n_critic, seed=seed, **kwargs)
        self.coding = coding
        self.a, self.b, self.c = codes["a"], codes["b"], codes["c"]

    def _own_config(self):
        return {"coding": self.coding, "a": self.a, "b": self.b, "c": self.c}

    @classmethod
    def default_optimizers(cls):
        """Adam(2e-4, beta_1=0.5) for both, the authors' DCGAN-net setting.

        github.com/xudonmao/LSGAN, `stability_comparison/BN_G_ls_adam/
        train.py` (`learning_rate` 0.0002, `beta1` 0.5); their 112x112 LSUN
        script `train_lsun.py` uses 0.001 for its larger nets.
        """
        return (keras.optimizers.Adam(2e-4, beta_1=0.5),
                keras.optimizers.Adam(2e-4, beta_1=0.5))

    def _discriminator_objective(self, real, fake, real_out, fake_out):
        loss = losses.lsgan_discriminator_loss(real_out, fake_out, self.a,
                                               self.b)
        return loss, {"d_real": tf.reduce_mean(tf.cast(real_out, tf.float32)),
                      "d_fake": tf.reduce_mean(tf.cast(fake_out, tf.float32))}

    def _generator_objective(self, fake_out):
        return losses.lsgan_generator_loss(fake_out, self.c)
