"""`CycleGAN`: unpaired image-to-image translation (Zhu et al. 2017).

Two domains A and B, two generators ``G_AB: A -> B`` and ``G_BA: B -> A``,
two discriminators (`discriminator_a` tells real A images from ``G_BA(b)``,
`discriminator_b` real B images from ``G_AB(a)``). The objective
(Zhu et al. 2017, eq. 3, with the least-squares adversarial terms of
section 4 and the identity term of section 5.2)::

    L_G = E[(D_B(G_AB(a)) - 1)^2] + E[(D_A(G_BA(b)) - 1)^2]
          + lambda (E|G_BA(G_AB(a)) - a| + E|G_AB(G_BA(b)) - b|)
          + identity_weight * lambda (E|G_AB(b) - b| + E|G_BA(a) - a|)
    L_D_B = 1/2 E[(D_B(b) - 1)^2] + 1/2 E[D_B(fake_b)^2]   (and D_A alike)

The L1 terms are taken in the authors' [-1, 1] pixel range (twice the [0, 1]
distance; their data loader normalises to [-1, 1]), so lambda = 10 weighs
cycle consistency against the adversarial terms exactly as in their code
(junyanz/pytorch-CycleGAN-and-pix2pix, models/cycle_gan_model.py:
`lambda_A = lambda_B = 10`, `lambda_identity = 0.5`, `GANLoss('lsgan')` =
MSE to 1 for the generators, ``0.5 * (MSE(real, 1) + MSE(fake, 0))`` for the
discriminators). The logged `cycle_error_*` and `identity_error_*` are the
plain mean absolute errors on [0, 1] pixels.

One `train_step` follows the authors' `optimize_parameters`: both
generators take one joint Adam step on a fresh (a, b) pair of batches, then
both discriminators take one joint step on the real batches and on the fakes
of that same forward pass, each fake first passed through the discriminator's
history buffer (`image_pool_query`, the authors' util/image_pool.py): the
first 50 fakes are stored and returned as they are; after that each fake is,
with probability 1/2, swapped for a random stored one (which it replaces in
the buffer), else returned as it is. The random draws come from a
`keras_gan.rng` counter stream whose state, like both buffers, is a model
variable: saved in `.keras` checkpoints, so a resumed run continues bitwise.

Losses live here (not in `keras_gan.losses`) because the adversarial
generator term differs from LSGAN's by the authors' factor: they regress
D(G(x)) onto 1 with a plain MSE, LSGAN's `lsgan_generator_loss` halves it.

Example:
>>> import numpy as np
>>> from keras_gan import networks
>>> from keras_gan.models import CycleGAN
>>> shape = (8, 8, 1)
>>> model = CycleGAN(networks.build_resnet_generator(shape, 2, 1),
...                  networks.build_resnet_generator(shape, 2, 1,
...                                                  name="generator_ba"),
...                  networks.build_patchgan_discriminator(
...                      shape, 2, name="discriminator_a"),
...                  networks.build_patchgan_discriminator(shape, 2),
...                  pool_size=4, seed=0)
>>> model.compile()
>>> a = np.random.rand(16, 8, 8, 1).astype("float32")
>>> history = model.fit(a, 1.0 - a, batch_size=4, epochs=1, verbose=0)
>>> sorted(history.history)[:3]
['cycle_error_a', 'cycle_error_b', 'd_a_loss']
"""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_gan import losses, rng
from keras_gan._checks import check_float, check_int
from keras_gan.models.base import _PACKAGE, _after, _static_shape

#: Fakes kept per discriminator (the authors' `--pool_size 50`).
POOL_SIZE = 50
#: Chance that a fake, once the buffer is full, is swapped for a stored one
#: (util/image_pool.py: ``if random.uniform(0, 1) > 0.5``).
SWAP_PROBABILITY = 0.5


# ---- losses (pure functions) ------------------------------------------------

def adversarial_generator_loss(fake_scores):
    """``mean (D(G(x)) - 1)^2``: the generator's least-squares term.

    The authors' `GANLoss('lsgan')` with target 1 (an `nn.MSELoss`, mean
    over every patch score of every image). Note: twice LSGAN's
    `losses.lsgan_generator_loss(c=1)`, which carries a factor 1/2.

    Args:
        fake_scores: Raw discriminator scores of translated images, any
            shape (PatchGAN maps `(B, h, w, 1)`).

    Returns:
        Scalar float32 tensor.
    """
    return tf.reduce_mean(tf.square(tf.cast(fake_scores, tf.float32) - 1.0))


def adversarial_discriminator_loss(real_scores, fake_scores):
    """``1/2 mean (D(real) - 1)^2 + 1/2 mean D(fake)^2`` (authors' code).

    `backward_D_basic` in models/cycle_gan_model.py; the same as LSGAN's
    `losses.lsgan_discriminator_loss` with codes a = 0, b = 1.
    """
    return losses.lsgan_discriminator_loss(real_scores, fake_scores, a=0.0,
                                           b=1.0)


def cycle_consistency_loss(images, reconstructions):
    """``mean |x - x_rec|`` in [-1, 1] pixels: 2 x the [0, 1] distance.

    Used for the cycle terms and the identity terms (`nn.L1Loss` in the
    authors' code, on images normalised to [-1, 1]).

    Args:
        images: `(B, H, W, C)` in [0, 1].
        reconstructions: Same shape, in [0, 1].

    Returns:
        Scalar float32 tensor.
    """
    return 2.0 * mean_absolute_error(images, reconstructions)


def mean_absolute_error(images, others):
    """``mean |x - y|`` over all pixels (the reported [0, 1] error)."""
    return tf.reduce_mean(tf.abs(tf.cast(images, tf.float32)
                                 - tf.cast(others, tf.float32)))


# ---- the history buffer -----------------------------------------------------

def image_pool_query(images, pool, count, draws):
    """One query of a fake-image history buffer (util/image_pool.py).

    Image i of the batch, in order:

    * buffer not full (``count < N``): stored at slot ``count`` (count + 1),
      returned as it is;
    * buffer full: if ``draws[i, 0] < SWAP_PROBABILITY`` the stored image at
      slot ``min(floor(draws[i, 1] * N), N - 1)`` is returned and image i
      takes its slot; else image i is returned and the buffer is unchanged.

    Images are handled one after another, so a later image of the batch can
    return one stored by an earlier one, as in the authors' loop.

    Args:
        images: `(B, H, W, C)` new fakes.
        pool: `(N, H, W, C)` the buffer's contents, N >= 1.
        count: int32 scalar, slots filled so far (0..N).
        draws: `(B, 2)` float32 uniforms in [0, 1).

    Returns:
        `(returned (B, H, W, C), new pool, new count)`.
    """
    size = tf.shape(pool)[0]
    batch = tf.shape(images)[0]
    images = tf.cast(images, pool.dtype)
    count = tf.cast(count, tf.int32)

    def one(i, pool, count, out):
        image = images[i]

        def insert():
            return (tf.tensor_scatter_nd_update(pool, [[count]], image[None]),
                    count + 1, image)

        def maybe_swap():
            slot = tf.minimum(
                tf.cast(draws[i, 1] * tf.cast(size, tf.float32), tf.int32),
                size - 1)

            def swap():
                return (tf.tensor_scatter_nd_update(pool, [[slot]],
                                                    image[None]),
                        pool[slot])

            new_pool, chosen = tf.cond(draws[i, 0] < SWAP_PROBABILITY, swap,
                                       lambda: (pool, image))
            return new_pool, count, chosen

        pool, count, chosen = tf.cond(count < size, insert, maybe_swap)
        return i + 1, pool, count, out.write(i, chosen)

    out = tf.TensorArray(pool.dtype, size=batch, element_shape=pool.shape[1:])
    _, pool, count, out = tf.while_loop(
        lambda i, *_: i < batch, one, (tf.constant(0), pool, count, out))
    returned = tf.reshape(out.stack(), tf.shape(images))
    return returned, pool, count


# ---- the learning-rate schedule ---------------------------------------------

@keras.saving.register_keras_serializable(package=_PACKAGE)
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The CycleGAN schedule: constant, then linearly to 0.

    ``lr(t) = initial`` for ``t < decay_start``, then
    ``initial * max(0, 1 - (t - decay_start) / decay_steps)``. The paper
    (section 4, appendix 7.1) keeps 2e-4 for 100 epochs and decays it to 0
    over the next 100; here per step: `decay_start` = half of the run.

    Args:
        initial_learning_rate: The constant rate (> 0).
        decay_start: Step at which the decay begins (>= 0).
        decay_steps: Steps over which it reaches 0 (>= 1).
    """

    def __init__(self, initial_learning_rate, decay_start, decay_steps):
        self.initial_learning_rate = check_float(
            "initial_learning_rate", initial_learning_rate, greater_than=0.0)
        self.decay_start = check_int("decay_start", decay_start, 0)
        self.decay_steps = check_int("decay_steps", decay_steps, 1)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        done = tf.maximum(step - float(self.decay_start), 0.0)
        return self.initial_learning_rate * tf.maximum(
            0.0, 1.0 - done / float(self.decay_steps))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_start": self.decay_start,
                "decay_steps": self.decay_steps}


def default_optimizers(learning_rate=2e-4, total_steps=None):
    """The paper's Adam(2e-4, beta_1=0.5) pair (generators, discriminators).

    With `total_steps`, each rate is constant for the first half and decays
    linearly to 0 at the last step (`ConstantThenLinearDecay`).
    """
    made = []
    for _ in range(2):
        rate = learning_rate
        if total_steps is not None:
            total_steps = check_int("total_steps", total_steps, 1)
            start = total_steps // 2
            rate = ConstantThenLinearDecay(learning_rate, start,
                                           max(total_steps - start, 1))
        made.append(keras.optimizers.Adam(rate, beta_1=0.5, beta_2=0.999))
    return tuple(made)


# ---- the model --------------------------------------------------------------

def _image_net_shapes(name, net):
    if not isinstance(net, keras.Model):
        raise ValueError(
            f"Expected `{name}` to be a built keras.Model. Received: {name} "
            f"of type {type(net).__name__}")
    try:
        shapes = net.input_shape, net.output_shape
    except (AttributeError, ValueError) as error:
        raise ValueError(
            f"Expected `{name}` to be a built keras.Model with known input "
            f"and output shapes. Received: {net.name} ({error})") from None
    return (_static_shape(name, shapes[0])[1:],
            _static_shape(name, shapes[1])[1:])


def check_translation_networks(generator_ab, generator_ba, discriminator_a,
                               discriminator_b):
    """Validates the four networks; returns (shape of A, shape of B).

    Raises:
        ValueError: naming what was expected and what was received.
    """
    ab_in, ab_out = _image_net_shapes("generator_ab", generator_ab)
    ba_in, ba_out = _image_net_shapes("generator_ba", generator_ba)
    da_in, _ = _image_net_shapes("discriminator_a", discriminator_a)
    db_in, _ = _image_net_shapes("discriminator_b", discriminator_b)
    for label, shape in (("generator_ab input", ab_in),
                         ("generator_ab output", ab_out)):
        if len(shape) != 3 or None in shape:
            raise ValueError(
                f"Expected images of a fixed shape (H, W, C). Received: "
                f"{label} shape {shape}")
    shape_a, shape_b = ab_in, ab_out
    for label, shape, want in (
            ("generator_ba input", ba_in, shape_b),
            ("generator_ba output", ba_out, shape_a),
            ("discriminator_a input", da_in, shape_a),
            ("discriminator_b input", db_in, shape_b)):
        if tuple(shape) != tuple(want):
            raise ValueError(
                f"Expected the {label} shape to be {want} (domain "
                f"{'A' if want == shape_a else 'B'} = generator_ab's "
                f"{'input' if want == shape_a else 'output'}). Received: "
                f"{shape}")
    return tuple(shape_a), tuple(shape_b)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CycleGAN(keras.Model):
    """CycleGAN (Zhu et al. 2017): two generators, two discriminators.

    Train it on `(a, b)` pairs of batches drawn independently from the two
    domains (unpaired): `fit(x_a, x_b, ...)` with equally long arrays, or a
    `tf.data.Dataset` of `(a_batch, b_batch)` (what `keras_gan.training`
    builds from two separately shuffled streams). Images are float32 in
    [0, 1] (uint8 0..255 is scaled).

    Args:
        generator_ab: `keras.Model` A images -> B images (e.g.
            `networks.build_resnet_generator`).
        generator_ba: `keras.Model` B images -> A images.
        discriminator_a: `keras.Model` A images -> raw scores (any shape per
            image, e.g. a PatchGAN map); real A vs ``G_BA(b)``.
        discriminator_b: `keras.Model` B images -> raw scores; real B vs
            ``G_AB(a)``.
        cycle_weight: lambda of the cycle terms (10, the paper's).
        identity_weight: Weight of the identity terms as a fraction of
            lambda (the authors' `--lambda_identity`, 0.5 = the paper's
            section 5.2 setting; 0 turns them off). Needs A and B of one
            shape.
        pool_size: Fakes kept per discriminator (50; 0 = no buffer, each
            discriminator sees the newest fakes only).
        seed: Seed of the buffers' random draws (None: random).
        **kwargs: Passed to `keras.Model` (e.g. `name`).

    Raises:
        ValueError: on a bad argument or mismatched networks.

    Metrics: `g_loss` (the generators' total objective), `d_loss` (sum of
    both discriminators' losses), `d_a_loss`, `d_b_loss`, `adv_ab`,
    `adv_ba` (adversarial terms of G_AB and G_BA), `cycle_error_a` =
    mean |a - G_BA(G_AB(a))| and `cycle_error_b` on [0, 1] pixels, and with
    identity terms `identity_error_a` = mean |G_BA(a) - a|,
    `identity_error_b` = mean |G_AB(b) - b|.

    Translating: `model.translate(images, "a_to_b")` (or `"b_to_a"`);
    `model(images)` is G_AB.
    """

    DIRECTIONS = ("a_to_b", "b_to_a")

    def __init__(self, generator_ab, generator_ba, discriminator_a,
                 discriminator_b, cycle_weight=10.0, identity_weight=0.5,
                 pool_size=POOL_SIZE, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.shape_a, self.shape_b = check_translation_networks(
            generator_ab, generator_ba, discriminator_a, discriminator_b)
        self.cycle_weight = check_float("cycle_weight", cycle_weight,
                                        at_least=0.0)
        self.identity_weight = check_float("identity_weight", identity_weight,
                                           at_least=0.0)
        if self.identity_weight > 0 and self.shape_a != self.shape_b:
            raise ValueError(
                "Expected domains A and B of one shape for the identity "
                f"terms (G_AB(b) ~ b). Received: A {self.shape_a}, B "
                f"{self.shape_b} with identity_weight={self.identity_weight}"
                " (pass identity_weight=0)")
        self.pool_size = check_int("pool_size", pool_size, 0)
        if seed is not None:
            seed = check_int("seed", seed, 0)
        self.seed = seed
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.pool_state = rng.make_state(seed, name="pool_seed")
        if self.pool_size:
            # The buffers are model state: saved with the weights, so a
            # resumed run draws from the same history.
            self.pool_a = keras.Variable(
                np.zeros((self.pool_size, *self.shape_a), np.float32),
                trainable=False, name="fake_a_pool")
            self.pool_b = keras.Variable(
                np.zeros((self.pool_size, *self.shape_b), np.float32),
                trainable=False, name="fake_b_pool")
            self.pool_a_count = keras.Variable(0, dtype="int32",
                                               trainable=False,
                                               name="fake_a_pool_count")
            self.pool_b_count = keras.Variable(0, dtype="int32",
                                               trainable=False,
                                               name="fake_b_pool_count")
        # Steps taken (the run's epoch and data position on resume), as
        # `GAN.train_steps`; here every step applies both updates.
        self.train_steps = keras.Variable(0, dtype="int64", trainable=False,
                                          name="train_steps")
        self.g_optimizer = None
        self.d_optimizer = None
        self._trackers = {name: keras.metrics.Mean(name=name)
                          for name in self._metric_names()}
        self.built = True

    # ---- configuration -------------------------------------------------

    @property
    def identity(self):
        """Whether the identity terms are on (identity_weight > 0)."""
        return self.identity_weight > 0

    def _metric_names(self):
        names = ["cycle_error_a", "cycle_error_b", "d_a_loss", "d_b_loss",
                 "d_loss", "g_loss", "adv_ab", "adv_ba"]
        if self.identity:
            names += ["identity_error_a", "identity_error_b"]
        return tuple(names)

    @property
    def metrics(self):
        return list(self._trackers.values())

    @property
    def generator_variables(self):
        return (self.generator_ab.trainable_variables
                + self.generator_ba.trainable_variables)

    @property
    def discriminator_variables(self):
        return (self.discriminator_a.trainable_variables
                + self.discriminator_b.trainable_variables)

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Sets the two optimizers; other kwargs go to `keras.Model.compile`.

        Args:
            g_optimizer: One optimizer for both generators (the authors'
                `optimizer_G` over both parameter sets). Default:
                Adam(2e-4, beta_1=0.5).
            d_optimizer: One optimizer for both discriminators; a distinct
                object.
            **kwargs: `jit_compile`, `steps_per_execution`, `run_eagerly`.
                `optimizer`, `loss` and `metrics` are refused.

        Raises:
            ValueError: refused kwargs, or one object for both optimizers.
        """
        for refused in ("optimizer", "loss", "metrics", "loss_weights",
                        "weighted_metrics"):
            if refused in kwargs:
                raise ValueError(
                    "`CycleGAN.compile` takes `g_optimizer` and "
                    "`d_optimizer`; it owns its losses and metrics. "
                    f"Received: {refused}={kwargs[refused]!r}")
        defaults = default_optimizers()
        g_optimizer = keras.optimizers.get(g_optimizer) or defaults[0]
        d_optimizer = keras.optimizers.get(d_optimizer) or defaults[1]
        if g_optimizer is d_optimizer:
            raise ValueError(
                "Expected two distinct optimizer objects for `g_optimizer` "
                "and `d_optimizer` (each keeps its own state). Received the "
                "same object twice.")
        kwargs.setdefault("jit_compile", "auto")
        super().compile(optimizer=None, auto_scale_loss=False, **kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self._compile_kwargs = {
            key: kwargs[key]
            for key in ("jit_compile", "steps_per_execution", "run_eagerly")
            if key in kwargs}
        # Optimizer state now: no variables created inside the traced step,
        # and `.keras` loading finds every slot.
        self.g_optimizer.build(self.generator_variables)
        self.d_optimizer.build(self.discriminator_variables)

    def get_compile_config(self):
        if self.d_optimizer is None:
            return {}
        return {
            "g_optimizer": keras.saving.serialize_keras_object(
                self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(
                self.d_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        g_optimizer = keras.saving.deserialize_keras_object(
            config.pop("g_optimizer"))
        d_optimizer = keras.saving.deserialize_keras_object(
            config.pop("d_optimizer"))
        self.compile(g_optimizer, d_optimizer, **config)

    _NETS = ("generator_ab", "generator_ba", "discriminator_a",
             "discriminator_b")

    def get_config(self):
        return {
            "name": self.name,
            **{key: keras.saving.serialize_keras_object(getattr(self, key))
               for key in self._NETS},
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls._NETS:
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    # ---- translating -----------------------------------------------------

    def call(self, images, training=False):
        """Translates A images to B (G_AB)."""
        return self.generator_ab(images, training=training)

    def generator(self, direction):
        """The generator of `direction`: "a_to_b" or "b_to_a"."""
        if direction not in self.DIRECTIONS:
            raise ValueError(
                f"Expected direction in {self.DIRECTIONS}. Received: "
                f"direction={direction!r}")
        return self.generator_ab if direction == "a_to_b" \
            else self.generator_ba

    def translate(self, images, direction="a_to_b", batch_size=500):
        """Translated images as a float32 NumPy array (inference mode).

        Args:
            images: `(N, H, W, C)` uint8 or float in [0, 1].
            direction: "a_to_b" or "b_to_a".
            batch_size: Images per forward pass.
        """
        net = self.generator(direction)
        images = np.asarray(images)
        if images.dtype == np.uint8:
            images = images.astype(np.float32) / np.float32(255.0)
        images = images.astype(np.float32)
        return np.concatenate([
            np.asarray(net(images[i:i + batch_size], training=False))
            for i in range(0, len(images), batch_size)]) if len(images) \
            else np.zeros((0,) + tuple(net.output_shape[1:]), np.float32)

    # ---- training --------------------------------------------------------

    @staticmethod
    def _unit(images):
        # Bytes (0..255) become [0, 1], the range the generators draw.
        if images.dtype == tf.uint8:
            return tf.cast(images, tf.float32) / 255.0
        return tf.cast(images, tf.float32)

    def _split(self, data):
        if not (isinstance(data, (tuple, list)) and len(data) >= 2
                and data[1] is not None):
            raise ValueError(
                "Expected (a_images, b_images) batches for a CycleGAN, e.g. "
                "fit(x_a, x_b) or a dataset of (a, b) pairs. Received: one "
                "domain only")
        return self._unit(data[0]), self._unit(data[1])

    def _query(self, which, fakes):
        """Passes fakes through buffer `which` ("a" or "b")."""
        if not self.pool_size:
            return fakes
        pool = getattr(self, f"pool_{which}")
        count = getattr(self, f"pool_{which}_count")
        draws = rng.uniform(tf.stack([tf.shape(fakes)[0], 2]),
                            self.pool_state)
        returned, new_pool, new_count = image_pool_query(
            fakes, tf.convert_to_tensor(pool.value),
            tf.convert_to_tensor(count.value), draws)
        pool.assign(new_pool)
        count.assign(new_count)
        return returned

    def train_step(self, data):
        if self.d_optimizer is None:
            raise ValueError("Call `CycleGAN.compile()` before training.")
        real_a, real_b = self._split(data)
        self.train_steps.assign_add(1)
        g_vars = self.generator_variables
        with tf.GradientTape() as tape:
            fake_b = self.generator_ab(real_a, training=True)
            rec_a = self.generator_ba(fake_b, training=True)
            fake_a = self.generator_ba(real_b, training=True)
            rec_b = self.generator_ab(fake_a, training=True)
            adv_ab = adversarial_generator_loss(
                self.discriminator_b(fake_b, training=True))
            adv_ba = adversarial_generator_loss(
                self.discriminator_a(fake_a, training=True))
            g_loss = adv_ab + adv_ba + self.cycle_weight * (
                cycle_consistency_loss(real_a, rec_a)
                + cycle_consistency_loss(real_b, rec_b))
            if self.identity:
                same_b = self.generator_ab(real_b, training=True)
                same_a = self.generator_ba(real_a, training=True)
                g_loss += self.identity_weight * self.cycle_weight * (
                    cycle_consistency_loss(real_b, same_b)
                    + cycle_consistency_loss(real_a, same_a))
        g_grads = tape.gradient(g_loss, g_vars)
        with _after(g_loss):
            self.g_optimizer.apply(g_grads, g_vars)

        # The discriminators see this forward pass's fakes (made before the
        # generator step, as in the authors' code), through the buffers.
        pooled_b = self._query("b", tf.stop_gradient(fake_b))
        pooled_a = self._query("a", tf.stop_gradient(fake_a))
        d_vars = self.discriminator_variables
        with tf.GradientTape() as tape:
            d_a_loss = adversarial_discriminator_loss(
                self.discriminator_a(real_a, training=True),
                self.discriminator_a(pooled_a, training=True))
            d_b_loss = adversarial_discriminator_loss(
                self.discriminator_b(real_b, training=True),
                self.discriminator_b(pooled_b, training=True))
            d_loss = d_a_loss + d_b_loss
        d_grads = tape.gradient(d_loss, d_vars)
        with _after(d_loss):
            self.d_optimizer.apply(d_grads, d_vars)

        values = {
            "cycle_error_a": mean_absolute_error(real_a, rec_a),
            "cycle_error_b": mean_absolute_error(real_b, rec_b),
            "d_a_loss": d_a_loss, "d_b_loss": d_b_loss, "d_loss": d_loss,
            "g_loss": g_loss, "adv_ab": adv_ab, "adv_ba": adv_ba,
        }
        if self.identity:
            values["identity_error_a"] = mean_absolute_error(real_a, same_a)
            values["identity_error_b"] = mean_absolute_error(real_b, same_b)
        for name, value in values.items():
            self._trackers[name].update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        raise NotImplementedError(
            "CycleGAN has no validation loss that tracks quality; use "
            "keras_gan.evaluation.evaluate_translator instead of evaluate().")


# ---- the per-epoch picture --------------------------------------------------

class TranslationGrid(keras.callbacks.Callback):
    """After every epoch: input / translation / reconstruction, both ways.

    Six rows of `columns` images: fixed A images, ``G_AB(a)``,
    ``G_BA(G_AB(a))``, then fixed B images, ``G_BA(b)``, ``G_AB(G_BA(b))``.
    Written to ``<folder>/epoch_0001.png``, ... (and `write` for the final
    picture); optionally also as a TensorBoard image summary.

    Args:
        images_a: `(columns, H, W, C)` A images in [0, 1] (or uint8).
        images_b: `(columns, H, W, C)` B images.
        folder: Folder of the per-epoch PNGs.
        log_dir: Optional TensorBoard log dir.
    """

    def __init__(self, images_a, images_b, folder, log_dir=None):
        super().__init__()
        self.images_a = _as_unit(images_a)
        self.images_b = _as_unit(images_b)
        if len(self.images_a) != len(self.images_b):
            raise ValueError(
                f"Expected as many A as B images. Received: "
                f"{len(self.images_a)} and {len(self.images_b)}")
        self.folder = folder
        self.log_dir = log_dir
        self._writer = None

    def rows(self):
        """The six rows as one `(6 * columns, H, W, C)` float32 array."""
        fake_b = self.model.translate(self.images_a, "a_to_b")
        rec_a = self.model.translate(fake_b, "b_to_a")
        fake_a = self.model.translate(self.images_b, "b_to_a")
        rec_b = self.model.translate(fake_a, "a_to_b")
        return np.concatenate([self.images_a, fake_b, rec_a,
                               self.images_b, fake_a, rec_b])

    def write(self, path):
        """Writes the grid for the current weights to `path`."""
        from keras_gan import plotting

        plotting.save_image_grid(self.rows(), path,
                                 columns=len(self.images_a))
        return path

    def on_epoch_end(self, epoch, logs=None):
        path = os.path.join(self.folder, f"epoch_{epoch + 1:04d}.png")
        self.write(path)
        if self.log_dir is not None:
            from keras_gan.callbacks import write_image_summary

            if self._writer is None:
                self._writer = tf.summary.create_file_writer(
                    os.path.join(self.log_dir, "samples"))
            png = tf.io.read_file(path)
            height, width = tf.unstack(tf.shape(tf.io.decode_png(png))[:2])
            write_image_summary(self._writer, "translations", png, width,
                                height, epoch + 1)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _as_unit(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32)
