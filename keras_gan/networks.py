"""Generator and discriminator networks.

Data convention, shared with `keras_gan.datasets` and `keras_gan.export`:
images are float32 in [0, 1] (every image generator ends in a [0, 1] output),
2-D toy samples are unbounded (linear output). Discriminators return one
float32 logit/score per sample, shape `(B, 1)`, whatever the dtype policy, so
losses and the gradient penalty run in float32 under mixed precision.
"""

import math

import keras
from keras import layers

from keras_gan._checks import check_choice, check_int

#: Hidden widths of the seed code's MLPs ([noise_dim,100] x [100,100] x ...).
SEED_HIDDEN = (100, 100)


def _check_shape(name, shape):
    shape = tuple(shape) if isinstance(shape, (list, tuple)) else shape
    if (not isinstance(shape, tuple) or not shape
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0
                       for d in shape)):
        raise ValueError(
            f"Expected `{name}` to be a non-empty tuple of positive ints. "
            f"Received: {name}={shape!r}"
        )
    return shape


def _check_hidden(hidden):
    hidden = tuple(hidden) if isinstance(hidden, (list, tuple)) else hidden
    if (not isinstance(hidden, tuple) or not hidden
            or not all(isinstance(h, int) and not isinstance(h, bool) and h > 0
                       for h in hidden)):
        raise ValueError(
            "Expected `hidden` to be a non-empty sequence of positive ints. "
            f"Received: hidden={hidden!r}"
        )
    return hidden


def _activation(activation, name):
    if activation == "leaky_relu":
        # DCGAN's slope (Radford et al. 2016); Keras' default is 0.3.
        return layers.LeakyReLU(0.2, name=name)
    return layers.Activation(activation, name=name)


def build_mlp_generator(latent_dim=100, output_shape=(28, 28, 1),
                        hidden=SEED_HIDDEN, output_activation="sigmoid",
                        name="generator", activation="relu"):
    """The seed code's MLP generator, rewritten for Keras 3 (and wider MLPs).

    ``latent_dim -> 100 -> 100 -> prod(output_shape)`` with ReLU hidden layers
    and a sigmoid output (pixels in [0, 1]), reshaped to `output_shape`.
    Weights use Glorot-uniform initialisation (the TF1 code's Xavier init).

    Args:
        latent_dim: Size of the noise vector z.
        output_shape: Shape of one sample, e.g. `(28, 28, 1)` or `(2,)`.
        hidden: Hidden layer widths.
        output_activation: `"sigmoid"` for images in [0, 1], `None` for
            unbounded outputs (2-D toy data).
        name: Model name.
        activation: Hidden activation, `"relu"` (the seed code's) or
            `"leaky_relu"` (slope 0.2).

    Returns:
        A functional `keras.Model` mapping `(B, latent_dim)` to
        `(B, *output_shape)` float32.
    """
    latent_dim = check_int("latent_dim", latent_dim, 1)
    output_shape = _check_shape("output_shape", output_shape)
    hidden = _check_hidden(hidden)
    check_choice("activation", activation, {"relu", "leaky_relu"})
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i, width in enumerate(hidden):
        x = layers.Dense(width, name=f"dense_{i}")(x)
        x = _activation(activation, f"act_{i}")(x)
    x = layers.Dense(math.prod(output_shape), name="dense_out")(x)
    # float32 output layer: samples stay float32 under mixed precision.
    x = layers.Activation(output_activation or "linear", dtype="float32",
                          name="output")(x)
    if output_shape != (math.prod(output_shape),):
        x = layers.Reshape(output_shape, name="reshape")(x)
    return keras.Model(z, x, name=name)


def build_mlp_discriminator(input_shape=(28, 28, 1), hidden=SEED_HIDDEN,
                            name="discriminator", activation="relu"):
    """The seed code's MLP discriminator: ``784 -> 100 -> 100 -> 1`` logits.

    Args:
        input_shape: Shape of one sample.
        hidden: Hidden layer widths.
        name: Model name.
        activation: Hidden activation, `"relu"` (the seed code's) or
            `"leaky_relu"` (slope 0.2).

    Returns:
        A functional `keras.Model` mapping `(B, *input_shape)` to float32
        logits `(B, 1)` (no sigmoid; the losses work on logits).
    """
    input_shape = _check_shape("input_shape", input_shape)
    hidden = _check_hidden(hidden)
    check_choice("activation", activation, {"relu", "leaky_relu"})
    x_in = keras.Input(input_shape, name="x")
    x = layers.Flatten(name="flatten")(x_in) if len(input_shape) > 1 else x_in
    for i, width in enumerate(hidden):
        x = layers.Dense(width, name=f"dense_{i}")(x)
        x = _activation(activation, f"act_{i}")(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(x_in, logits, name=name)


def build_dcgan_generator(latent_dim=100, output_shape=(28, 28, 1),
                          base_filters=64, name="generator"):
    """DCGAN generator (Radford et al. 2016) sized for 28x28 images.

    ``z -> Dense(7*7*2F) -> BN -> ReLU -> ConvT(F, 5, /2) -> BN -> ReLU ->
    ConvT(C, 5, /2) -> tanh``, then rescaled from [-1, 1] to [0, 1] so it
    matches the data convention of the package.

    Args:
        latent_dim: Size of z.
        output_shape: `(H, W, C)` with H and W divisible by 4.
        base_filters: F, the width of the last hidden feature map.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(B, latent_dim)` to
        `(B, H, W, C)` float32 in [0, 1].
    """
    latent_dim = check_int("latent_dim", latent_dim, 1)
    base_filters = check_int("base_filters", base_filters, 1)
    output_shape = _check_shape("output_shape", output_shape)
    if len(output_shape) != 3 or output_shape[0] % 4 or output_shape[1] % 4:
        raise ValueError(
            "Expected `output_shape` (H, W, C) with H and W divisible by 4. "
            f"Received: output_shape={output_shape}"
        )
    height, width, channels = output_shape
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(height // 4 * width // 4 * 2 * base_filters,
                     use_bias=False, name="project")(z)
    x = layers.BatchNormalization(name="bn_0")(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((height // 4, width // 4, 2 * base_filters))(x)
    x = layers.Conv2DTranspose(base_filters, 5, strides=2, padding="same",
                               use_bias=False, name="deconv_1")(x)
    x = layers.BatchNormalization(name="bn_1")(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 5, strides=2, padding="same",
                               name="deconv_2")(x)  # (B, H, W, C)
    x = layers.Activation("tanh", dtype="float32")(x)
    x = layers.Rescaling(0.5, offset=0.5, dtype="float32", name="output")(x)
    return keras.Model(z, x, name=name)


def build_dcgan_discriminator(input_shape=(28, 28, 1), base_filters=64,
                              norm=None, name="discriminator"):
    """DCGAN discriminator / critic: strided convolutions and LeakyReLU(0.2).

    ``x -> Conv(F, 5, /2) -> LReLU -> Conv(2F, 5, /2) -> [norm] -> LReLU ->
    Flatten -> Dense(1)``.

    Args:
        input_shape: `(H, W, C)`.
        base_filters: F.
        norm: `None`, `"layer"` or `"batch"` after the second convolution.
            The WGAN-GP critic must not use `"batch"` (the penalty is per
            sample); `WGANGP` refuses such a critic.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping images to float32 logits `(B, 1)`.
    """
    input_shape = _check_shape("input_shape", input_shape)
    base_filters = check_int("base_filters", base_filters, 1)
    check_choice("norm", norm, {None, "layer", "batch"})
    if len(input_shape) != 3:
        raise ValueError(
            "Expected `input_shape` (H, W, C). "
            f"Received: input_shape={input_shape}"
        )
    x_in = keras.Input(input_shape, name="x")
    x = layers.Conv2D(base_filters, 5, strides=2, padding="same",
                      name="conv_1")(x_in)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(2 * base_filters, 5, strides=2, padding="same",
                      name="conv_2")(x)
    if norm == "batch":
        x = layers.BatchNormalization(name="bn_2")(x)
    elif norm == "layer":
        x = layers.LayerNormalization(axis=[1, 2, 3], name="ln_2")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(x_in, logits, name=name)
