"""`ConditionalGAN`: the Conditional GAN (Mirza & Osindero 2014).

Generator and discriminator both see the class label y:
``G(z, y)`` draws an image of class y, ``D(x, y)`` scores whether x is a real
image *of class y*. The value function is the GAN's with every term
conditioned on y (Mirza & Osindero 2014, eq. 2)::

    min_G max_D  E_{x,y ~ data}[log D(x, y)] + E_{z, y}[log(1 - D(G(z, y), y))]

Labels of the fakes: the labels of the real batch. Every discriminator step
pairs each real image with a fake of the same class, and every generator
step asks for the classes of that batch, so the fakes' label distribution is
the data's exactly (also on unbalanced user data, without knowing its class
frequencies), and the discriminator cannot tell real from fake by label
counts. This is what the DCGAN authors' conditional MNIST code
(Newmu/dcgan_code, mnist/train_cond_dcgan.py: `_train_d(imb, zmb, ymb)` with
the batch's `ymb`) and TF-GAN's conditional MNIST example
(tensorflow_gan/examples/mnist/train_lib.py: `generator_inputs=(noise,
one_hot_labels)` from the data batch) do. It needs no random draw either, so
eager, graph and XLA runs agree trivially. `fake_labels="uniform"` draws
them uniformly from the K classes instead (seeded, via `keras_gan.rng`).

Example:
>>> import numpy as np
>>> from keras_gan import networks, models
>>> gan = models.ConditionalGAN(
...     networks.build_conditional_mlp_generator(8, 3, (2,), (16,), None,
...                                              None, dropout=0.0),
...     networks.build_conditional_mlp_discriminator((2,), 3, (16,), None,
...                                                  None, dropout=0.0),
...     latent_dim=8, num_classes=3, seed=0)
>>> gan.compile()
>>> x = np.random.randn(96, 2).astype("float32")
>>> y = np.arange(96) % 3
>>> history = gan.fit(x, y, batch_size=32, epochs=1, verbose=0)
>>> sorted(history.history)
['d_fake', 'd_loss', 'd_real', 'g_loss']
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gan import rng
from keras_gan._checks import check_choice, check_float, check_int
from keras_gan.models.base import GAN, _PACKAGE, _averaged_copy


def _one_shape(name, shape):
    return tuple(shape[0] if isinstance(shape, list) and len(shape) == 1
                 else shape)


def _inputs_of(name, net, first):
    """The (data spec, label spec) of a two-input network, else raises."""
    if not isinstance(net, keras.Model):
        raise ValueError(
            f"Expected `{name}` to be a built keras.Model. "
            f"Received: {name} of type {type(net).__name__}")
    inputs = getattr(net, "inputs", None)
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
        raise ValueError(
            f"Expected `{name}` to take two inputs, [{first}, label] (see "
            f"keras_gan.networks.build_conditional_*). Received: {net.name} "
            f"with inputs {inputs!r}")
    data, label = inputs
    if tuple(label.shape) != (None,) or "int" not in str(label.dtype):
        raise ValueError(
            f"Expected the second input of `{name}` to be the label, an int "
            f"tensor of shape (None,). Received: {label.dtype} "
            f"{tuple(label.shape)}")
    return tuple(data.shape), tuple(net.output_shape)


def check_conditional_networks(generator, discriminator, latent_dim,
                               num_classes):
    """Validates a conditional generator/discriminator pair.

    Raises:
        ValueError: naming what was expected and what was received.
    """
    g_in, g_out = _inputs_of("generator", generator, "z")
    d_in, d_out = _inputs_of("discriminator", discriminator, "x")
    if g_in[1:] != (latent_dim,):
        raise ValueError(
            f"Expected `generator` to take z of shape (None, {latent_dim}) "
            f"to match latent_dim={latent_dim}. Received: {g_in}")
    if g_out[1:] != d_in[1:]:
        raise ValueError(
            "Expected the generator's output shape to equal the "
            f"discriminator's data input shape. Received: generator output "
            f"{g_out}, discriminator input {d_in}")
    if d_out[1:] not in ((1,), ()):
        raise ValueError(
            "Expected `discriminator` to output one score per sample, shape "
            f"(None, 1) or (None,). Received: {d_out}")
    for name, net in (("generator", generator),
                      ("discriminator", discriminator)):
        for layer in _layers(net):
            if isinstance(layer, keras.layers.CategoryEncoding) and \
                    layer.num_tokens != num_classes:
                raise ValueError(
                    f"Expected the one-hot layers of `{name}` to have "
                    f"num_classes={num_classes} tokens. Received: "
                    f"{layer.name} with num_tokens={layer.num_tokens}")


def _layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _layers(layer)


def balanced_labels(n, num_classes):
    """``[0, 1, ..., K-1, 0, 1, ...]``: n labels, classes as even as can be.

    Args:
        n: Number of labels (>= 1).
        num_classes: K (>= 2).

    Returns:
        int32 array of shape `(n,)`.
    """
    n = check_int("n", n, 1)
    num_classes = check_int("num_classes", num_classes, 2)
    return (np.arange(n) % num_classes).astype(np.int32)


def check_labels(labels, num_classes, name="labels"):
    """Labels as an int32 array, refusing any outside ``[0, num_classes)``.

    Args:
        labels: Array-like of integers, shape `(n,)`.
        num_classes: K.
        name: What to call them in the error.

    Returns:
        int32 array.

    Raises:
        ValueError: a non-integer, non-vector or out-of-range label.
    """
    array = np.asarray(labels)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer)
                               or array.size == 0):
        raise ValueError(
            f"Expected `{name}` to be a vector of integer class labels. "
            f"Received: {array.dtype} of shape {array.shape}")
    bad = array[(array < 0) | (array >= num_classes)]
    if bad.size:
        raise ValueError(
            f"Expected `{name}` in [0, {num_classes}) (the model's "
            f"{num_classes} classes). Received: {name} containing "
            f"{int(bad[0])}")
    return array.astype(np.int32)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ConditionalGAN(GAN):
    """Conditional GAN (Mirza & Osindero 2014): G and D both see the label.

    Train it on `(images, labels)` batches: `fit(x, y, ...)` or a
    `tf.data.Dataset` of `(x, y)` (`keras_gan.datasets.make_dataset(x, ...,
    y=y)`). One `train_step` is one discriminator update on its own fresh
    real batch and its labels, then (every `n_critic`-th step) one generator
    update for the same labels; the losses are `GAN`'s (non-saturating by
    default) on ``D(x, y)`` and ``D(G(z, y), y)``.

    Args:
        generator: `keras.Model` mapping `[z (B, latent_dim), label (B,)
            int]` to samples (`networks.build_conditional_*_generator`).
        discriminator: `keras.Model` mapping `[samples, label (B,) int]` to
            logits `(B, 1)`.
        latent_dim: Size of z ~ N(0, I).
        num_classes: K; labels are ints in [0, K).
        loss: `"non_saturating"` (default) or `"minimax"`, as for `GAN`.
        n_critic: Discriminator updates per generator update (1).
        fake_labels: `"batch"` (default: the fakes get the real batch's
            labels, see the module docstring) or `"uniform"` (drawn
            uniformly from the K classes with the model's seeded noise).
        seed: Optional int seed for the noise.
        ema_decay: Optional generator weight averaging, as for `GAN`.
        **kwargs: Passed to `keras.Model`.

    Raises:
        ValueError: on a bad argument or networks without the label input.
        tf.errors.InvalidArgumentError: while training, on a label outside
            [0, num_classes) (not checked under XLA, which has no asserts).

    Metrics: `d_loss`, `g_loss`, `d_real`, `d_fake`, as for `GAN`.

    Sampling: `model([z, labels])`, or `model.generate(labels, seed)`.
    """

    FAKE_LABELS = ("batch", "uniform")

    def __init__(self, generator, discriminator, latent_dim, num_classes,
                 loss="non_saturating", n_critic=1, fake_labels="batch",
                 seed=None, ema_decay=None, **kwargs):
        # Read by `_check_networks`, which GAN.__init__ calls.
        self.num_classes = check_int("num_classes", num_classes, 2)
        self.fake_labels = check_choice("fake_labels", fake_labels,
                                        set(self.FAKE_LABELS))
        super().__init__(generator, discriminator, latent_dim, loss=loss,
                         n_critic=n_critic, seed=seed, ema_decay=ema_decay,
                         **kwargs)

    def _check_networks(self, generator, discriminator):
        # Two-input networks: [z or x, label].
        check_conditional_networks(generator, discriminator, self.latent_dim,
                                   self.num_classes)

    def _own_config(self):
        return {"loss": self.loss_name, "num_classes": self.num_classes,
                "fake_labels": self.fake_labels}

    # ---- forward ---------------------------------------------------------

    def call(self, inputs, training=False):
        """Generates samples from `[z (B, latent_dim), labels (B,)]`."""
        z, labels = inputs
        return self.generator([z, labels], training=training)

    def generate(self, labels, seed=0):
        """Samples of the given classes from the sampling generator.

        Args:
            labels: Ints in [0, num_classes), one per sample.
            seed: Seed of z (numpy, `default_rng(seed)`).

        Returns:
            float32 NumPy array `(len(labels), ...)`.

        Raises:
            ValueError: on a label outside the classes.
        """
        labels = check_labels(labels, self.num_classes)
        z = np.random.default_rng(seed).standard_normal(
            (len(labels), self.latent_dim)).astype(np.float32)
        out = self.sampling_generator(
            [tf.constant(z), tf.constant(labels)], training=False)
        return np.asarray(out, np.float32)

    def recalibration_inputs(self, index, batch_size, seed=0):
        """`[z, labels]` for `recalibrate_average`: z as in `GAN`'s, labels
        cycling through the classes (every class equally often)."""
        z = super().recalibration_inputs(index, batch_size, seed=seed)
        labels = (tf.range(batch_size) + index * batch_size) % \
            self.num_classes
        return [z, tf.cast(labels, tf.int32)]

    # ---- training ----------------------------------------------------------

    def _split(self, data):
        if not (isinstance(data, (tuple, list)) and len(data) >= 2
                and data[1] is not None):
            raise ValueError(
                "Expected (images, labels) batches for a ConditionalGAN, "
                "e.g. fit(x, y) or datasets.make_dataset(x, ..., y=y). "
                "Received: unlabelled data")
        real = data[0]
        # As GAN.train_step: bytes (0..255) become [0, 1], what G draws.
        real = (tf.cast(real, tf.float32) / 255.0 if real.dtype == tf.uint8
                else tf.cast(real, tf.float32))
        labels = tf.cast(tf.reshape(data[1], [-1]), tf.int32)
        # A one-hot of a label outside [0, K) is all zeros: refuse it rather
        # than train on it (asserts are no-ops under XLA).
        checks = [
            tf.debugging.assert_non_negative(
                labels, message="Expected labels >= 0"),
            tf.debugging.assert_less(
                labels, tf.constant(self.num_classes, tf.int32),
                message=f"Expected labels < num_classes={self.num_classes}"),
        ]
        with tf.control_dependencies([c for c in checks if c is not None]):
            labels = tf.identity(labels)
        return real, labels

    def _fake_labels(self, labels):
        """The labels of one batch of fakes (see the module docstring)."""
        if self.fake_labels == "batch":
            return labels
        u = rng.uniform(tf.shape(labels), self.noise_state)
        return tf.minimum(tf.cast(u * self.num_classes, tf.int32),
                          self.num_classes - 1)

    def _train_discriminator(self, real, labels):
        batch_size = tf.shape(real)[0]
        fake_labels = self._fake_labels(labels)
        fake = self.generator([self.sample_noise(batch_size), fake_labels],
                              training=True)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_out = self.discriminator([real, labels], training=True)
            fake_out = self.discriminator([fake, fake_labels], training=True)
            loss, extra = self._discriminator_objective(
                real, fake, real_out, fake_out)
            scaled = self._scaled(self.d_optimizer, loss)
        self._apply(self.d_optimizer, tape, scaled, variables)
        self._trackers["d_loss"].update_state(loss)
        for name, value in extra.items():
            self._trackers[name].update_state(value)

    def _train_generator(self, labels):
        # The base class's schedule passes one argument to this method (its
        # batch size); here it is the batch's labels, which fix both the
        # batch size and the classes to draw.
        fake_labels = self._fake_labels(labels)
        batch_size = tf.shape(fake_labels)[0]
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.generator([self.sample_noise(batch_size),
                                   fake_labels], training=True)
            fake_out = self.discriminator([fake, fake_labels], training=True)
            loss = self._generator_objective(fake_out)
            scaled = self._scaled(self.g_optimizer, loss)
        self._apply(self.g_optimizer, tape, scaled, variables)
        self.update_generator_ema()
        self._trackers["g_loss"].update_state(loss)
        return loss

    def train_step(self, data):
        if self.d_optimizer is None:
            raise ValueError(
                f"Call `{type(self).__name__}.compile()` before training.")
        real, labels = self._split(data)
        # The schedule of GAN.train_step, with the labels passed along.
        before = tf.convert_to_tensor(self.d_optimizer.iterations) * 1
        if self._separate_xla():
            self._xla("discriminator", self._train_discriminator)(real,
                                                                  labels)
        else:
            self._train_discriminator(real, labels)
        if self.n_critic == 1 and self._every_step():
            self._train_generator(labels)
        else:
            after = tf.convert_to_tensor(self.d_optimizer.iterations)
            due = tf.logical_and(tf.not_equal(after, before),
                                 self._generator_due(after))
            self._train_generator_if(due, labels)
            self._after_schedule(due, after)
        return {m.name: m.result() for m in self.metrics}
