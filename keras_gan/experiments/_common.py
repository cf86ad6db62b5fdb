"""Helpers shared by the experiments: 1-D Gaussians, fixed generators, figures.

The experiments train the library's own networks with the library's own
models and losses. Two pieces of glue make that possible on known
distributions:

* `fixed_gaussian_generator` is a generator with no trainable weights that
  maps z ~ N(0, 1) to N(mean, std^2). Plugged into `keras_gan.GAN` or
  `keras_gan.WGANGP`, `fit()` then trains only the discriminator (critic)
  against a known p_g, through the library's own `train_step`.
* `gaussian_batches` is an endless `tf.data` stream of fresh real batches
  drawn from N(mean, std^2), so no real sample is ever reused.
"""

import math
import os

import numpy as np

LOG2 = math.log(2.0)
LOG4 = math.log(4.0)


def gaussian_logpdf(x, mean, std):
    """Log-density of N(mean, std^2) at `x` (NumPy, any shape)."""
    x = np.asarray(x, np.float64)
    return (-0.5 * ((x - mean) / std) ** 2 - math.log(std)
            - 0.5 * math.log(2.0 * math.pi))


def gaussian_pdf(x, mean, std):
    """Density of N(mean, std^2) at `x`."""
    return np.exp(gaussian_logpdf(x, mean, std))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gaussian_cdf(x, mean, std):
    """CDF of N(mean, std^2) at `x`, via `math.erf` (no SciPy needed)."""
    x = np.asarray(x, np.float64)
    return 0.5 * (1.0 + _erf((x - mean) / (std * math.sqrt(2.0))))


def softplus(x):
    """Numerically stable ``log(1 + exp(x))`` in NumPy."""
    x = np.asarray(x, np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    """Numerically stable logistic function in NumPy."""
    x = np.asarray(x, np.float64)
    return np.exp(-softplus(-x))


def check_gaussian(name, value):
    """Validates a `(mean, std)` pair and returns it as two floats."""
    try:
        mean, std = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"Expected `{name}` to be a (mean, std) pair of numbers. "
            f"Received: {name}={value!r}") from None
    if not std > 0.0 or not math.isfinite(mean) or not math.isfinite(std):
        raise ValueError(
            f"Expected `{name}` = (mean, std) with finite mean and std > 0. "
            f"Received: {name}={value!r}")
    return mean, std


def fixed_gaussian_generator(mean, std, name="fixed_generator"):
    """A weightless 'generator' z -> mean + std * z, i.e. p_g = N(mean, std^2).

    With `latent_dim=1` and the models' N(0, 1) noise, its samples follow
    exactly N(mean, std^2). It has no trainable variables, so the library's
    `GAN`/`WGANGP` `train_step` updates only the discriminator.

    Args:
        mean: Mean of p_g.
        std: Standard deviation of p_g (> 0).
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(B, 1)` to `(B, 1)`.
    """
    import keras

    mean, std = check_gaussian("p_g", (mean, std))
    z = keras.Input((1,), name="z")
    x = keras.layers.Rescaling(std, offset=mean, name="affine")(z)
    return keras.Model(z, x, name=name)


def gaussian_batches(mean, std, batch_size, seed):
    """Endless `tf.data.Dataset` of fresh `(batch_size, 1)` N(mean, std^2) batches.

    Every batch is drawn with its own stateless seed, so batches never repeat
    and a given `seed` always gives the same stream.
    """
    import tensorflow as tf

    mean, std = check_gaussian("p_data", (mean, std))

    def draw(step_seed):
        seed_pair = tf.stack([step_seed, tf.constant(seed, tf.int64)])
        z = tf.random.stateless_normal((batch_size, 1), seed=seed_pair)
        return mean + std * z

    return (tf.data.Dataset.random(seed=seed).map(draw)
            .prefetch(tf.data.AUTOTUNE))


def logits_on(discriminator, x, batch_size=8192):
    """The discriminator's logits (or critic scores) on 1-D points `x`, as float64."""
    x = np.asarray(x, np.float32).reshape(-1, 1)
    out = discriminator.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(out, np.float64).reshape(-1)


def new_figure(*args, **kwargs):
    """`plt.subplots` on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def save_figure(fig, path, dpi=130):
    """Saves `fig` as PNG at `path` (creating the folder) and closes it.

    Returns:
        `path` as a string.
    """
    import matplotlib.pyplot as plt

    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path
