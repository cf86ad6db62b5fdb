"""The GAN models: `keras.Model` subclasses with their own `train_step`.

One module per family; import them from here::

    from keras_gan.models import GAN, WGAN, WGANGP

* `base`: `GAN`, the original GAN (minimax and non-saturating) and the
  machinery every model shares (two optimizers, the D-then-G schedule,
  metrics, generator weight averaging, `.keras` saving).
* `wgan`: `WGAN` (weight clipping) and `WGANGP` (gradient penalty).
* `conditional`: `ConditionalGAN` (generator and discriminator both see the
  class label, Mirza & Osindero 2014).
* `unrolled`: `UnrolledGAN` (the generator against a discriminator unrolled
  K optimizer steps ahead, Metz et al. 2017).
* `lsgan`: `LSGAN` (least-squares losses with the a-b-c coding, Mao et al.
  2017).
* `began`: `BEGAN` (autoencoder discriminator and the k_t controller,
  Berthelot et al. 2017).
* `cyclegan`: `CycleGAN` (unpaired image-to-image translation: two
  generators, two discriminators, cycle consistency, Zhu et al. 2017).
* `curriculum`: `WGANC` (WGAN-GP against a convex combination of critics
  that grows stronger, Sharma et al. 2018).
"""

from keras_gan.models.base import GAN
from keras_gan.models.began import BEGAN
from keras_gan.models.conditional import ConditionalGAN
from keras_gan.models.curriculum import WGANC
from keras_gan.models.cyclegan import CycleGAN
from keras_gan.models.lsgan import LSGAN
from keras_gan.models.unrolled import UnrolledGAN
from keras_gan.models.wgan import WGAN, WGANGP

__all__ = ["BEGAN", "ConditionalGAN", "CycleGAN", "GAN", "LSGAN",
           "UnrolledGAN", "WGAN",
           "WGANC", "WGANGP"]
