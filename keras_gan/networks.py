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


def _dcgan_init(kernel_initializer):
    # DCGAN, section 4: "All weights were initialized from a zero-centered
    # Normal distribution with standard deviation 0.02."
    if kernel_initializer is None:
        return keras.initializers.RandomNormal(0.0, 0.02)
    return keras.initializers.get(kernel_initializer)


def build_dcgan_generator(latent_dim=100, output_shape=(28, 28, 1),
                          base_filters=64, name="generator",
                          kernel_initializer=None, dense_units=None):
    """DCGAN generator (Radford et al. 2016) sized for 28x28 images.

    ``z -> [Dense(U) -> BN -> ReLU] -> Dense(7*7*2F) -> BN -> ReLU ->
    ConvT(F, 5, /2) -> BN -> ReLU -> ConvT(C, 5, /2) -> tanh``, then
    rescaled from [-1, 1] to [0, 1] so it matches the data convention of
    the package. Weights start from the
    paper's N(0, 0.02).

    Args:
        latent_dim: Size of z.
        output_shape: `(H, W, C)` with H and W divisible by 4.
        base_filters: F, the width of the last hidden feature map.
        name: Model name.
        kernel_initializer: Kernel initializer of every weight layer
            (default: DCGAN's N(0, 0.02)).
        dense_units: U, a fully connected hidden layer before the
            projection, as in the InfoGAN generator (Chen et al. 2016,
            appendix C.1); `None` (default) for none.

    Returns:
        A functional `keras.Model` mapping `(B, latent_dim)` to
        `(B, H, W, C)` float32 in [0, 1].
    """
    latent_dim = check_int("latent_dim", latent_dim, 1)
    base_filters = check_int("base_filters", base_filters, 1)
    if dense_units is not None:
        dense_units = check_int("dense_units", dense_units, 1)
    output_shape = _check_shape("output_shape", output_shape)
    if len(output_shape) != 3 or output_shape[0] % 4 or output_shape[1] % 4:
        raise ValueError(
            "Expected `output_shape` (H, W, C) with H and W divisible by 4. "
            f"Received: output_shape={output_shape}"
        )
    height, width, channels = output_shape
    init = _dcgan_init(kernel_initializer)
    z = keras.Input((latent_dim,), name="z")
    x = z
    if dense_units is not None:
        x = layers.Dense(dense_units, use_bias=False, kernel_initializer=init,
                         name="dense_0")(x)
        x = layers.BatchNormalization(name="bn_dense_0")(x)
        x = layers.ReLU()(x)
    x = layers.Dense(height // 4 * width // 4 * 2 * base_filters,
                     use_bias=False, kernel_initializer=init,
                     name="project")(x)
    x = layers.BatchNormalization(name="bn_0")(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((height // 4, width // 4, 2 * base_filters))(x)
    x = layers.Conv2DTranspose(base_filters, 5, strides=2, padding="same",
                               use_bias=False, kernel_initializer=init,
                               name="deconv_1")(x)
    x = layers.BatchNormalization(name="bn_1")(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 5, strides=2, padding="same",
                               kernel_initializer=init,
                               name="deconv_2")(x)  # (B, H, W, C)
    x = layers.Activation("tanh", dtype="float32")(x)
    x = layers.Rescaling(0.5, offset=0.5, dtype="float32", name="output")(x)
    return keras.Model(z, x, name=name)


def _discriminator_norm(x, norm, index):
    """`norm` ("batch", "layer" over all but the batch axis, or None) of a
    discriminator's layer `index` (layers `bn_<index>` / `ln_<index>`)."""
    if norm == "batch":
        return layers.BatchNormalization(name=f"bn_{index}")(x)
    if norm == "layer":
        return layers.LayerNormalization(axis=list(range(1, len(x.shape))),
                                         name=f"ln_{index}")(x)
    return x


def build_dcgan_discriminator(input_shape=(28, 28, 1), base_filters=64,
                              norm=None, name="discriminator",
                              kernel_initializer=None, dense_units=None):
    """DCGAN discriminator / critic: strided convolutions and LeakyReLU(0.2).

    ``x -> Conv(F, 5, /2) -> LReLU -> Conv(2F, 5, /2) -> [norm] -> LReLU ->
    Flatten -> [Dense(U) -> [norm] -> LReLU] -> Dense(1)``.

    Args:
        input_shape: `(H, W, C)`.
        base_filters: F.
        norm: `None`, `"layer"` or `"batch"` after the second convolution.
            The WGAN-GP critic must not use `"batch"` (the penalty is per
            sample); `WGANGP` refuses such a critic.
        name: Model name.
        kernel_initializer: Kernel initializer of every weight layer
            (default: DCGAN's N(0, 0.02)).
        dense_units: U, a fully connected hidden layer (with `norm`)
            between the convolutions and the logit, as in the InfoGAN
            discriminator (Chen et al. 2016, appendix C.1) that Lucic et al.
            2018 use for every loss on MNIST; `None` (default) for none.
            It matters under weight clipping: a clipped logit layer's
            weights settle at +-c, so without U the critic is a fixed-sign
            sum of local convolution features.

    Returns:
        A functional `keras.Model` mapping images to float32 logits `(B, 1)`.
    """
    input_shape = _check_shape("input_shape", input_shape)
    base_filters = check_int("base_filters", base_filters, 1)
    if dense_units is not None:
        dense_units = check_int("dense_units", dense_units, 1)
    check_choice("norm", norm, {None, "layer", "batch"})
    if len(input_shape) != 3:
        raise ValueError(
            "Expected `input_shape` (H, W, C). "
            f"Received: input_shape={input_shape}"
        )
    init = _dcgan_init(kernel_initializer)
    x_in = keras.Input(input_shape, name="x")
    x = layers.Conv2D(base_filters, 5, strides=2, padding="same",
                      kernel_initializer=init, name="conv_1")(x_in)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(2 * base_filters, 5, strides=2, padding="same",
                      kernel_initializer=init, name="conv_2")(x)
    x = _discriminator_norm(x, norm, 2)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    if dense_units is not None:
        x = layers.Dense(dense_units, kernel_initializer=init,
                         name="dense_3")(x)
        x = _discriminator_norm(x, norm, 3)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.Dense(1, dtype="float32", kernel_initializer=init,
                          name="logits")(x)
    return keras.Model(x_in, logits, name=name)


# ---- conditional networks (Conditional GAN) ---------------------------------
#
# Every conditional network takes two inputs, named "z" (or "x") and "label":
# the label is one int per sample, shape (B,), in [0, num_classes), turned
# into a one-hot vector inside the network. A label outside the classes gives
# an all-zero one-hot vector (TensorFlow's one_hot), so callers validate
# labels before they get here (`keras_gan.models.ConditionalGAN`, the export).


def _label_input(num_classes):
    label = keras.Input((), dtype="int32", name="label")
    one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot",
                                      name="label_one_hot")(label)
    return label, one_hot


def _label_planes(one_hot, num_classes, height, width, name):
    """The one-hot label as `num_classes` constant planes `(B, H, W, K)`."""
    planes = layers.Reshape((1, 1, num_classes), name=f"{name}_reshape")(
        one_hot)
    return layers.UpSampling2D((height, width), name=name)(planes)


def _dense_unit(x, units, activation, pieces, dropout, name):
    """Dense -> activation (or maxout with `pieces`) -> optional dropout."""
    if pieces:
        # Maxout (Goodfellow et al. 2013): the max over `pieces` linear
        # pieces per unit, written with built-in layers only.
        x = layers.Dense(units * pieces, name=f"{name}_dense")(x)
        x = layers.Reshape((pieces, units), name=f"{name}_pieces")(x)
        x = layers.GlobalMaxPooling1D(name=f"{name}_maxout")(x)
    else:
        x = layers.Dense(units, name=f"{name}_dense")(x)
        x = _activation(activation, f"{name}_act")(x)
    if dropout:
        x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    return x


def _check_branches(branch_units):
    if branch_units is None:
        return None
    branch_units = tuple(branch_units) if isinstance(
        branch_units, (list, tuple)) else branch_units
    if (not isinstance(branch_units, tuple) or len(branch_units) != 2
            or not all(isinstance(u, int) and not isinstance(u, bool)
                       and u > 0 for u in branch_units)):
        raise ValueError(
            "Expected `branch_units` to be None or two positive ints (the "
            "data branch's and the label branch's widths). Received: "
            f"branch_units={branch_units!r}")
    return branch_units


def _check_dropout(dropout):
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
            or not 0.0 <= dropout < 1.0:
        raise ValueError(f"Expected `dropout` in [0, 1). Received: "
                         f"dropout={dropout!r}")
    return float(dropout)


def build_conditional_mlp_generator(latent_dim=100, num_classes=10,
                                    output_shape=(28, 28, 1),
                                    hidden=(1200,), branch_units=(200, 1000),
                                    output_activation="sigmoid",
                                    activation="relu", dropout=0.5,
                                    name="generator"):
    """The Conditional GAN paper's MNIST generator (and simpler variants).

    The defaults are Mirza & Osindero 2014, section 4.1: z (100) and the
    one-hot label each go through their own ReLU layer (200 and 1000 units),
    the two are joined in a ReLU layer of 1200 units, and a sigmoid layer
    gives the 784 pixels; dropout 0.5. With ``branch_units=None`` the
    one-hot label is simply concatenated to z, then `hidden` follows (what
    `--arch mlp` / `seed-mlp` use for `--model cgan`).

    Args:
        latent_dim: Size of z.
        num_classes: K, the number of labels.
        output_shape: Shape of one sample.
        hidden: Widths of the joint hidden layers.
        branch_units: `(z units, label units)` of the separate first
            layers, or None to concatenate z and the one-hot label directly.
        output_activation: `"sigmoid"` for images in [0, 1], None for
            unbounded outputs.
        activation: `"relu"` or `"leaky_relu"` (slope 0.2).
        dropout: Dropout rate after every hidden layer (training only).
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `[z (B, latent_dim) float32,
        label (B,) int32]` to `(B, *output_shape)` float32.
    """
    latent_dim = check_int("latent_dim", latent_dim, 1)
    num_classes = check_int("num_classes", num_classes, 2)
    output_shape = _check_shape("output_shape", output_shape)
    hidden = _check_hidden(hidden)
    branch_units = _check_branches(branch_units)
    check_choice("activation", activation, {"relu", "leaky_relu"})
    dropout = _check_dropout(dropout)
    z = keras.Input((latent_dim,), name="z")
    label, one_hot = _label_input(num_classes)
    if branch_units:
        x = layers.Concatenate(name="join")([
            _dense_unit(z, branch_units[0], activation, None, dropout,
                        "z_branch"),
            _dense_unit(one_hot, branch_units[1], activation, None, dropout,
                        "label_branch")])
    else:
        x = layers.Concatenate(name="join")([z, one_hot])
    for i, width in enumerate(hidden):
        x = _dense_unit(x, width, activation, None, dropout, f"hidden_{i}")
    x = layers.Dense(math.prod(output_shape), name="dense_out")(x)
    x = layers.Activation(output_activation or "linear", dtype="float32",
                          name="output")(x)
    if output_shape != (math.prod(output_shape),):
        x = layers.Reshape(output_shape, name="reshape")(x)
    return keras.Model([z, label], x, name=name)


def build_conditional_mlp_discriminator(input_shape=(28, 28, 1),
                                        num_classes=10, hidden=(240,),
                                        branch_units=(240, 50),
                                        pieces=(5, 5, 4), activation="relu",
                                        dropout=0.5, name="discriminator"):
    """The Conditional GAN paper's MNIST discriminator (and variants).

    The defaults are Mirza & Osindero 2014, section 4.1: the image goes to a
    maxout layer of 240 units with 5 pieces, the one-hot label to a maxout
    layer of 50 units with 5 pieces, both join in a maxout layer of 240
    units with 4 pieces, then one logit; dropout 0.5. With
    ``branch_units=None`` and ``pieces=None`` the one-hot label is simply
    concatenated to the flattened image, then `hidden` layers with
    `activation` follow.

    Args:
        input_shape: Shape of one sample.
        num_classes: K, the number of labels.
        hidden: Widths of the joint hidden layers.
        branch_units: `(image units, label units)` of the separate first
            layers, or None to concatenate directly.
        pieces: Maxout pieces per layer: `(image branch, label branch,
            *hidden)` with branches, `hidden`'s length without; None for
            `activation` instead of maxout.
        activation: `"relu"` or `"leaky_relu"` when `pieces` is None.
        dropout: Dropout rate after every hidden layer (training only).
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `[x (B, *input_shape) float32,
        label (B,) int32]` to float32 logits `(B, 1)`.
    """
    input_shape = _check_shape("input_shape", input_shape)
    num_classes = check_int("num_classes", num_classes, 2)
    hidden = _check_hidden(hidden)
    branch_units = _check_branches(branch_units)
    check_choice("activation", activation, {"relu", "leaky_relu"})
    dropout = _check_dropout(dropout)
    layer_count = len(hidden) + (2 if branch_units else 0)
    if pieces is not None:
        pieces = tuple(pieces) if isinstance(pieces, (list, tuple)) \
            else pieces
        if (not isinstance(pieces, tuple) or len(pieces) != layer_count
                or not all(isinstance(p, int) and not isinstance(p, bool)
                           and p >= 2 for p in pieces)):
            raise ValueError(
                f"Expected `pieces` to be None or {layer_count} ints >= 2 "
                "(one per layer: the two branches, if any, then `hidden`). "
                f"Received: pieces={pieces!r}")
    pieces = pieces or (None,) * layer_count
    x_in = keras.Input(input_shape, name="x")
    label, one_hot = _label_input(num_classes)
    x = layers.Flatten(name="flatten")(x_in) if len(input_shape) > 1 else x_in
    if branch_units:
        x = layers.Concatenate(name="join")([
            _dense_unit(x, branch_units[0], activation, pieces[0], dropout,
                        "x_branch"),
            _dense_unit(one_hot, branch_units[1], activation, pieces[1],
                        dropout, "label_branch")])
        pieces = pieces[2:]
    else:
        x = layers.Concatenate(name="join")([x, one_hot])
    for i, (width, piece) in enumerate(zip(hidden, pieces)):
        x = _dense_unit(x, width, activation, piece, dropout, f"hidden_{i}")
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model([x_in, label], logits, name=name)


def build_conditional_dcgan_generator(latent_dim=100, num_classes=10,
                                      output_shape=(28, 28, 1),
                                      base_filters=64, name="generator"):
    """Conditional DCGAN generator: the label joins every layer's input.

    `build_dcgan_generator` with the one-hot label concatenated to z and,
    as K constant feature planes, to the input of each transposed
    convolution, as in the DCGAN authors' conditional MNIST code
    (Newmu/dcgan_code, mnist/train_cond_dcgan.py, `gen`)::

        [z, y] -> Dense(7*7*2F) -> BN -> ReLU -> [., y planes] ->
        ConvT(F, 5, /2) -> BN -> ReLU -> [., y planes] -> ConvT(C, 5, /2)
        -> tanh -> rescaled to [0, 1]

    Args:
        latent_dim: Size of z.
        num_classes: K, the number of labels.
        output_shape: `(H, W, C)` with H and W divisible by 4.
        base_filters: F.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `[z (B, latent_dim) float32,
        label (B,) int32]` to `(B, H, W, C)` float32 in [0, 1].
    """
    latent_dim = check_int("latent_dim", latent_dim, 1)
    num_classes = check_int("num_classes", num_classes, 2)
    base_filters = check_int("base_filters", base_filters, 1)
    output_shape = _check_shape("output_shape", output_shape)
    if len(output_shape) != 3 or output_shape[0] % 4 or output_shape[1] % 4:
        raise ValueError(
            "Expected `output_shape` (H, W, C) with H and W divisible by 4. "
            f"Received: output_shape={output_shape}")
    height, width, channels = output_shape
    z = keras.Input((latent_dim,), name="z")
    label, one_hot = _label_input(num_classes)
    x = layers.Concatenate(name="join")([z, one_hot])
    x = layers.Dense(height // 4 * width // 4 * 2 * base_filters,
                     use_bias=False, name="project")(x)
    x = layers.BatchNormalization(name="bn_0")(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((height // 4, width // 4, 2 * base_filters))(x)
    x = layers.Concatenate(name="join_1")([x, _label_planes(
        one_hot, num_classes, height // 4, width // 4, "label_planes_1")])
    x = layers.Conv2DTranspose(base_filters, 5, strides=2, padding="same",
                               use_bias=False, name="deconv_1")(x)
    x = layers.BatchNormalization(name="bn_1")(x)
    x = layers.ReLU()(x)
    x = layers.Concatenate(name="join_2")([x, _label_planes(
        one_hot, num_classes, height // 2, width // 2, "label_planes_2")])
    x = layers.Conv2DTranspose(channels, 5, strides=2, padding="same",
                               name="deconv_2")(x)  # (B, H, W, C)
    x = layers.Activation("tanh", dtype="float32")(x)
    x = layers.Rescaling(0.5, offset=0.5, dtype="float32", name="output")(x)
    return keras.Model([z, label], x, name=name)


def build_conditional_dcgan_discriminator(input_shape=(28, 28, 1),
                                          num_classes=10, base_filters=64,
                                          norm=None, name="discriminator"):
    """Conditional DCGAN discriminator: the label joins every layer's input.

    `build_dcgan_discriminator` with the one-hot label as K constant extra
    channels of the image and of the first feature map, and concatenated to
    the flattened features before the logit, as in the DCGAN authors'
    conditional MNIST code (Newmu/dcgan_code, mnist/train_cond_dcgan.py,
    `discrim`)::

        [x, y planes] -> Conv(F, 5, /2) -> LReLU -> [., y planes] ->
        Conv(2F, 5, /2) -> [norm] -> LReLU -> Flatten -> [., y] -> Dense(1)

    Args:
        input_shape: `(H, W, C)` with H and W divisible by 2.
        num_classes: K, the number of labels.
        base_filters: F.
        norm: `None`, `"layer"` or `"batch"` after the second convolution.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `[x (B, H, W, C) float32,
        label (B,) int32]` to float32 logits `(B, 1)`.
    """
    input_shape = _check_shape("input_shape", input_shape)
    num_classes = check_int("num_classes", num_classes, 2)
    base_filters = check_int("base_filters", base_filters, 1)
    check_choice("norm", norm, {None, "layer", "batch"})
    if len(input_shape) != 3 or input_shape[0] % 2 or input_shape[1] % 2:
        raise ValueError(
            "Expected `input_shape` (H, W, C) with H and W divisible by 2. "
            f"Received: input_shape={input_shape}")
    height, width, _ = input_shape
    x_in = keras.Input(input_shape, name="x")
    label, one_hot = _label_input(num_classes)
    x = layers.Concatenate(name="join_0")([x_in, _label_planes(
        one_hot, num_classes, height, width, "label_planes_0")])
    x = layers.Conv2D(base_filters, 5, strides=2, padding="same",
                      name="conv_1")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Concatenate(name="join_1")([x, _label_planes(
        one_hot, num_classes, height // 2, width // 2, "label_planes_1")])
    x = layers.Conv2D(2 * base_filters, 5, strides=2, padding="same",
                      name="conv_2")(x)
    x = _discriminator_norm(x, norm, 2)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Concatenate(name="join_2")([x, one_hot])
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model([x_in, label], logits, name=name)


def build_began_discriminator(input_shape=(28, 28, 1), base_filters=16,
                              code_dim=64, name="discriminator"):
    """BEGAN's autoencoder discriminator (Berthelot et al. 2017, Fig. 1).

    Sized for 28x28 images on a CPU: two stride-2 3x3 convolutions instead of
    the paper's 64x64 stack, ELU activations, filters growing linearly
    (n, 2n, 3n) in the encoder, a linear embedding of `code_dim` (the paper's
    N_h; 64 as in github.com/carpedm20/BEGAN-tensorflow, `config.py`
    `--z_num`), and a decoder of 3x3 convolutions with nearest-neighbour
    upsampling::

        x -> Conv(n) -> Conv(2n, /2) -> Conv(2n) -> Conv(3n, /2) -> Conv(3n)
          -> Dense(code_dim) -> Dense(H/4 * W/4 * n) -> Conv(n) -> Up(2)
          -> Conv(n) -> Up(2) -> Conv(n) -> Conv(C)   (linear output)

    Args:
        input_shape: `(H, W, C)` with H and W divisible by 4.
        base_filters: n.
        code_dim: Size of the embedding h.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping images `(B, H, W, C)` to their
        float32 reconstructions of the same shape (`keras_gan.models.BEGAN`
        turns it into the per-sample L1 reconstruction error).
    """
    input_shape = _check_shape("input_shape", input_shape)
    base_filters = check_int("base_filters", base_filters, 1)
    code_dim = check_int("code_dim", code_dim, 1)
    if len(input_shape) != 3 or input_shape[0] % 4 or input_shape[1] % 4:
        raise ValueError(
            "Expected `input_shape` (H, W, C) with H and W divisible by 4. "
            f"Received: input_shape={input_shape}")
    height, width, channels = input_shape
    n = base_filters

    def conv(x, filters, label, strides=1):
        x = layers.Conv2D(filters, 3, strides=strides, padding="same",
                          name=label)(x)
        return layers.ELU(name=f"{label}_elu")(x)

    x_in = keras.Input(input_shape, name="x")
    x = conv(x_in, n, "enc_1")
    x = conv(x, 2 * n, "enc_2", strides=2)        # (B, H/2, W/2, 2n)
    x = conv(x, 2 * n, "enc_3")
    x = conv(x, 3 * n, "enc_4", strides=2)        # (B, H/4, W/4, 3n)
    x = conv(x, 3 * n, "enc_5")
    x = layers.Flatten(name="flatten")(x)
    h = layers.Dense(code_dim, name="code")(x)    # the embedding, linear
    x = layers.Dense(height // 4 * width // 4 * n, name="dec_project")(h)
    x = layers.Reshape((height // 4, width // 4, n), name="dec_reshape")(x)
    x = conv(x, n, "dec_1")
    x = layers.UpSampling2D(2, interpolation="nearest", name="up_1")(x)
    x = conv(x, n, "dec_2")
    x = layers.UpSampling2D(2, interpolation="nearest", name="up_2")(x)
    x = conv(x, n, "dec_3")                       # (B, H, W, n)
    out = layers.Conv2D(channels, 3, padding="same", dtype="float32",
                        name="reconstruction")(x)
    return keras.Model(x_in, out, name=name)


def build_curriculum_critics(input_shape=(28, 28, 1), base_filters=32,
                             num_critics=3, name="critic"):
    """Critics of growing strength for `keras_gan.models.WGANC`.

    Critic i (0-based) is the DCGAN critic (`build_dcgan_discriminator`,
    no normalisation) looking at the image average-pooled by
    ``2 ** (num_critics - 1 - i)``: for 28x28 and three critics, 7x7, 14x14
    and the full 28x28. A critic of a pooled image is also a function of the
    full image, so the later critics can express everything the earlier ones
    can and more (the growing strength the curriculum moves along). The last
    critic is exactly `build_dcgan_discriminator(input_shape, base_filters)`,
    the WGAN-GP preset's critic.

    Args:
        input_shape: `(H, W, C)` with H and W at least
            ``2 ** (num_critics - 1)``.
        base_filters: F of every critic.
        num_critics: How many critics (>= 1).
        name: Name prefix; critic i is named ``f"{name}_{i}"``.

    Returns:
        A list of `num_critics` functional `keras.Model`s, each mapping
        images `(B, H, W, C)` to float32 scores `(B, 1)`, weakest first.
    """
    input_shape = _check_shape("input_shape", input_shape)
    base_filters = check_int("base_filters", base_filters, 1)
    num_critics = check_int("num_critics", num_critics, 1)
    factor = 2 ** (num_critics - 1)
    if len(input_shape) != 3 or min(input_shape[:2]) < factor:
        raise ValueError(
            f"Expected `input_shape` (H, W, C) with H and W >= {factor} for "
            f"{num_critics} critics (the weakest sees the image pooled by "
            f"{factor}). Received: input_shape={input_shape}")
    critics = []
    for i in range(num_critics):
        pool = 2 ** (num_critics - 1 - i)
        if pool == 1:
            critics.append(build_dcgan_discriminator(
                input_shape, base_filters, name=f"{name}_{i}"))
            continue
        pooled = (input_shape[0] // pool, input_shape[1] // pool,
                  input_shape[2])
        body = build_dcgan_discriminator(pooled, base_filters,
                                         name=f"{name}_{i}_body")
        x_in = keras.Input(input_shape, name="x")
        x = layers.AveragePooling2D(pool, name=f"{name}_{i}_pool")(x_in)
        critics.append(keras.Model(x_in, body(x), name=f"{name}_{i}"))
    return critics


# ---- image-to-image networks (CycleGAN) -------------------------------------
#
# Both take and give images in [0, 1] (the package's convention) and work
# inside on [-1, 1], the range of the CycleGAN authors' data and tanh output
# (junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py). Instance
# normalisation without scale and offset is `GroupNormalization(groups=-1,
# center=False, scale=False)`: each channel of each image normalised over
# its pixels, as the authors' `InstanceNorm2d(affine=False)`.


@keras.saving.register_keras_serializable(package="keras_gan")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring the image (no edge repeated).

    The CycleGAN ResNet generator pads with reflections before its 7x7 and
    3x3 convolutions, so the borders carry image content instead of zeros
    (whose value is mid-grey in [-1, 1] and would draw frames). TensorFlow's
    op is the standard `MirrorPad` (servable).

    Args:
        padding: Pixels added on each side of height and width (>= 1).
        **kwargs: Passed to `keras.layers.Layer`.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = check_int("padding", padding, 1)

    def call(self, inputs):
        p = self.padding
        return keras.ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]],
                             mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = 2 * self.padding
        return (batch, None if height is None else height + grow,
                None if width is None else width + grow, channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def _instance_norm(name):
    return layers.GroupNormalization(groups=-1, center=False, scale=False,
                                     epsilon=1e-5, name=name)


def _check_translation_shape(name, shape, factor):
    shape = _check_shape(name, shape)
    if len(shape) != 3 or shape[0] % factor or shape[1] % factor:
        raise ValueError(
            f"Expected `{name}` (H, W, C) with H and W divisible by "
            f"{factor}. Received: {name}={shape}")
    return shape


def build_resnet_generator(image_shape=(32, 32, 1), base_filters=16,
                           res_blocks=3, output_channels=None,
                           name="generator_ab", kernel_initializer=None):
    """The CycleGAN ResNet generator (Zhu et al. 2017, appendix 7.2), small.

    ``c7s1-F, d2F, d4F, R4F x res_blocks, u2F, uF, c7s1-C``: a 7x7
    convolution, two stride-2 3x3 convolutions down, residual blocks of two
    3x3 convolutions, two stride-2 3x3 transposed convolutions up and a 7x7
    convolution to C channels with tanh; instance norm and ReLU after every
    convolution but the last; reflection padding as in the authors' code
    (junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py,
    `ResnetGenerator`, `ResnetBlock`). The paper uses F = 64 and 6 or 9
    blocks on 128 or 256 px photos; 32 px digits need far less.

    Args:
        image_shape: `(H, W, C)` of the input, H and W divisible by 4.
        base_filters: F (>= 1).
        res_blocks: Residual blocks at 1/4 resolution (>= 0).
        output_channels: C of the output (default: the input's C).
        name: Model name.
        kernel_initializer: Default: the authors' N(0, 0.02).

    Returns:
        A functional `keras.Model` mapping `(B, H, W, C)` images in [0, 1]
        to `(B, H, W, C_out)` float32 images in [0, 1].
    """
    height, width, channels = _check_translation_shape("image_shape",
                                                       image_shape, 4)
    base_filters = check_int("base_filters", base_filters, 1)
    res_blocks = check_int("res_blocks", res_blocks, 0)
    out_channels = check_int("output_channels", output_channels
                             if output_channels is not None else channels, 1)
    init = _dcgan_init(kernel_initializer)

    def conv(x, filters, kernel, stride, label, transpose=False):
        make = layers.Conv2DTranspose if transpose else layers.Conv2D
        # Bias-free: the instance norm that follows removes any bias.
        return make(filters, kernel, strides=stride,
                    padding="same" if stride > 1 else "valid",
                    use_bias=False, kernel_initializer=init,
                    name=label)(x)

    images = keras.Input(image_shape, name="images")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(images)
    x = ReflectionPadding2D(3, name="pad_in")(x)
    x = conv(x, base_filters, 7, 1, "conv_in")               # (B, H, W, F)
    x = layers.ReLU()(_instance_norm("in_in")(x))
    for i, mult in enumerate((2, 4), start=1):               # H/2, then H/4
        x = conv(x, mult * base_filters, 3, 2, f"down_{i}")
        x = layers.ReLU()(_instance_norm(f"in_down_{i}")(x))
    for i in range(1, res_blocks + 1):                  # (B, H/4, W/4, 4F)
        y = ReflectionPadding2D(1, name=f"res_{i}_pad_1")(x)
        y = conv(y, 4 * base_filters, 3, 1, f"res_{i}_conv_1")
        y = layers.ReLU()(_instance_norm(f"res_{i}_in_1")(y))
        y = ReflectionPadding2D(1, name=f"res_{i}_pad_2")(y)
        y = conv(y, 4 * base_filters, 3, 1, f"res_{i}_conv_2")
        y = _instance_norm(f"res_{i}_in_2")(y)
        x = layers.Add(name=f"res_{i}")([x, y])
    for i, mult in enumerate((2, 1), start=1):               # H/2, then H
        x = conv(x, mult * base_filters, 3, 2, f"up_{i}", transpose=True)
        x = layers.ReLU()(_instance_norm(f"in_up_{i}")(x))
    x = ReflectionPadding2D(3, name="pad_out")(x)
    x = layers.Conv2D(out_channels, 7, kernel_initializer=init,
                      name="conv_out")(x)                    # (B, H, W, C)
    x = layers.Activation("tanh", dtype="float32")(x)
    x = layers.Rescaling(0.5, offset=0.5, dtype="float32", name="output")(x)
    return keras.Model(images, x, name=name)


def build_patchgan_discriminator(image_shape=(32, 32, 1), base_filters=16,
                                 downsamplings=1, name="discriminator_b",
                                 kernel_initializer=None):
    """PatchGAN discriminator (Isola et al. 2017; CycleGAN appendix 7.2).

    ``C F /2 (no norm) -> [C 2^k F /2] x (downsamplings - 1) -> C /1 ->
    Conv 1``, 4x4 convolutions, instance norm and LeakyReLU(0.2): it scores
    every overlapping patch of the image as real or fake and returns the
    map of raw scores (least-squares targets, no sigmoid), as the authors'
    `NLayerDiscriminator` (models/networks.py; their 70x70 PatchGAN is
    `downsamplings=3` on 256 px images). One downsampling gives 16 x 16 px
    patches, half of a 32 px image.

    Args:
        image_shape: `(H, W, C)`, H and W divisible by 2^downsamplings.
        base_filters: F (>= 1).
        downsamplings: Stride-2 convolutions (>= 1).
        name: Model name.
        kernel_initializer: Default: the authors' N(0, 0.02).

    Returns:
        A functional `keras.Model` mapping `(B, H, W, C)` images in [0, 1]
        to float32 patch scores `(B, H / 2^d, W / 2^d, 1)`.
    """
    downsamplings = check_int("downsamplings", downsamplings, 1)
    image_shape = _check_translation_shape("image_shape", image_shape,
                                           2 ** downsamplings)
    base_filters = check_int("base_filters", base_filters, 1)
    init = _dcgan_init(kernel_initializer)
    images = keras.Input(image_shape, name="images")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(images)
    x = layers.Conv2D(base_filters, 4, strides=2, padding="same",
                      kernel_initializer=init, name="conv_1")(x)
    x = layers.LeakyReLU(0.2)(x)
    filters = base_filters
    for i in range(2, downsamplings + 1):
        filters = base_filters * min(2 ** (i - 1), 8)
        x = layers.Conv2D(filters, 4, strides=2, padding="same",
                          use_bias=False, kernel_initializer=init,
                          name=f"conv_{i}")(x)
        x = layers.LeakyReLU(0.2)(_instance_norm(f"in_{i}")(x))
    x = layers.Conv2D(min(2 * filters, 8 * base_filters), 4, padding="same",
                      use_bias=False, kernel_initializer=init,
                      name="conv_s1")(x)
    x = layers.LeakyReLU(0.2)(_instance_norm("in_s1")(x))
    scores = layers.Conv2D(1, 4, padding="same", dtype="float32",
                           kernel_initializer=init, name="scores")(x)
    return keras.Model(images, scores, name=name)
