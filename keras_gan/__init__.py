"""keras-gan: the classic GANs (GAN, WGAN, WGAN-GP, DCGAN) for TensorFlow 2 / Keras 3."""

import os

# Keras 3 must run on TensorFlow: train_step uses tf.GradientTape.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_gan._startup import import_tensorflow  # noqa: E402

import_tensorflow()

from keras_gan import losses, networks  # noqa: E402
from keras_gan.callbacks import WeightClipping  # noqa: E402
from keras_gan.models import (  # noqa: E402
    BEGAN, GAN, LSGAN, WGAN, WGANC, WGANGP, ConditionalGAN, CycleGAN,
    UnrolledGAN)

__version__ = "0.1.0"

__all__ = ["BEGAN", "ConditionalGAN", "CycleGAN", "GAN", "LSGAN",
           "UnrolledGAN", "WGAN",
           "WGANC", "WGANGP", "WeightClipping", "losses", "networks"]
