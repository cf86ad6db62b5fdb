"""The GAN models: `keras.Model` subclasses with their own `train_step`.

One module per family; import them from here::

    from keras_gan.models import GAN, WGAN, WGANGP

* `base`: `GAN`, the original GAN (minimax and non-saturating) and the
  machinery every model shares (two optimizers, the D-then-G schedule,
  metrics, generator weight averaging, `.keras` saving).
* `wgan`: `WGAN` (weight clipping) and `WGANGP` (gradient penalty).
* `unrolled`: `UnrolledGAN` (the generator against a discriminator unrolled
  K optimizer steps ahead, Metz et al. 2017).
"""

from keras_gan.models.base import GAN
from keras_gan.models.unrolled import UnrolledGAN
from keras_gan.models.wgan import WGAN, WGANGP

__all__ = ["GAN", "UnrolledGAN", "WGAN", "WGANGP"]
