"""keras-gan: the classic GANs (GAN, WGAN, WGAN-GP, DCGAN) for TensorFlow 2 / Keras 3."""

import os

# Keras 3 must run on TensorFlow: train_step uses tf.GradientTape.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_gan import losses, networks  # noqa: E402
from keras_gan.callbacks import WeightClipping  # noqa: E402
from keras_gan.models import GAN, WGAN, WGANGP  # noqa: E402

__version__ = "0.1.0"

__all__ = ["GAN", "WGAN", "WGANGP", "WeightClipping", "losses", "networks"]
