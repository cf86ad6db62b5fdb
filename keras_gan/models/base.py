"""`GAN`: the original GAN, and the machinery every keras_gan model shares.

The update schedule (the contract in docs/design.md): one `train_step` is one
discriminator/critic update on its own fresh real batch; the generator is
updated right after every `n_critic`-th discriminator update. While one
network is updated the other's weights are held fixed (it only passes
gradients). `fit()` is the training loop, so callbacks, `steps_per_execution`,
`jit_compile`, distribution strategies and `.keras` checkpoints all work.

Example:
>>> import numpy as np, keras
>>> from keras_gan import networks, models
>>> gan = models.WGANGP(networks.build_mlp_generator(8, (2,), (16,), None),
...                     networks.build_mlp_discriminator((2,), (16,)),
...                     latent_dim=8, seed=0)
>>> gan.compile()        # the paper's Adam(1e-4, 0.5, 0.9)
>>> history = gan.fit(np.random.randn(256, 2).astype("float32"),
...                   batch_size=32, epochs=1, verbose=0)
>>> sorted(history.history)
['d_loss', 'g_loss', 'gp', 'w_estimate']
"""

import functools
import inspect
import math
import threading

import keras
import tensorflow as tf

from keras_gan import losses, presets, rng
from keras_gan._checks import check_choice, check_float, check_int

_PACKAGE = "keras_gan"


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _all_layers(layer)


def _after(loss):
    """Orders what runs inside after every forward read behind `loss`.

    Automatic control dependencies order a weight's reads in the forward
    pass before the optimizer writes it, but Grappler's dependency optimizer
    may drop that edge when it sees another path through the optimizer's
    IdentityN over all gradients, which it then bypasses: a read whose value
    only the loss needs (the last layer of a Wasserstein critic: its own
    gradient does not read it) could then run after the update. Traced on
    WGAN-C, whose runs differed about 1 in 15; a data edge from the loss
    cannot be dropped. (`tests/test_update_order.py` checks the optimized
    graph.)
    """
    return tf.control_dependencies([loss])


def _static_shape(name, shape):
    # Keras reports shapes as tuples (or lists of tuples for multi-io models).
    if isinstance(shape, list):
        if len(shape) != 1:
            raise ValueError(
                f"Expected the {name} to have exactly one input and one "
                f"output. Received shapes: {shape}")
        shape = shape[0]
    return tuple(shape)


def _check_networks(generator, discriminator, latent_dim):
    for name, net in (("generator", generator),
                      ("discriminator", discriminator)):
        if not isinstance(net, keras.Model):
            raise ValueError(
                f"Expected `{name}` to be a built keras.Model. "
                f"Received: {name} of type {type(net).__name__}")
        try:
            net.input_shape, net.output_shape
        except (AttributeError, ValueError) as error:
            raise ValueError(
                f"Expected `{name}` to be a built keras.Model with known "
                f"input and output shapes (e.g. a functional model). "
                f"Received: {net.name} ({error})") from None
    g_in = _static_shape("generator", generator.input_shape)
    g_out = _static_shape("generator", generator.output_shape)
    d_in = _static_shape("discriminator", discriminator.input_shape)
    d_out = _static_shape("discriminator", discriminator.output_shape)
    if g_in[1:] != (latent_dim,):
        raise ValueError(
            f"Expected `generator` to take inputs of shape (None, "
            f"{latent_dim}) to match latent_dim={latent_dim}. "
            f"Received: generator input shape {g_in}")
    if g_out[1:] != d_in[1:]:
        raise ValueError(
            "Expected the generator's output shape to equal the "
            f"discriminator's input shape. Received: generator output "
            f"{g_out}, discriminator input {d_in}")
    if d_out[1:] not in ((1,), ()):
        raise ValueError(
            "Expected `discriminator` to output one score per sample, shape "
            f"(None, 1) or (None,). Received: {d_out}")


def _averaged_copy(generator):
    """A second, non-trainable instance of `generator` with equal weights."""
    config = keras.saving.serialize_keras_object(generator)
    config["config"]["name"] = f"{generator.name}_ema"
    copy = keras.saving.deserialize_keras_object(config)
    copy.set_weights(generator.get_weights())
    copy.trainable = False
    return copy


#: Noise batches `recalibrate_batchnorm` draws per layer by default (64 x 256
#: = 16,384 samples).
RECALIBRATION_BATCHES = 64
RECALIBRATION_BATCH_SIZE = 256


def recalibrate_batchnorm(network, make_inputs,
                          batches=RECALIBRATION_BATCHES,
                          batch_size=RECALIBRATION_BATCH_SIZE):
    """Sets every batch-norm layer's moving statistics to its input's own.

    Walks the network's top-level `BatchNormalization` layers in order; for
    each, runs the network up to that layer's input in inference mode (the
    layers before it already use their new statistics) over `batches`
    batches from `make_inputs`, and assigns the exact mean and (biased)
    variance of those inputs over all of them to `moving_mean` and
    `moving_variance`. The result is what the layer sees at inference, which
    is what its statistics are for. Averaged weights have the same need
    elsewhere: SWA (Izmailov et al. 2018) recomputes the batch-norm
    statistics of its averaged weights with one more pass over the data, and
    BigGAN (Brock et al. 2019) samples with "standing statistics" computed
    from the generator's own outputs.

    Args:
        network: A functional `keras.Model` (its batch-norm layers must be
            top-level layers).
        make_inputs: `make_inputs(i, batch_size)` -> the network's inputs for
            batch i (deterministic, so the result is reproducible).
        batches: Batches per layer.
        batch_size: Samples per batch.

    Returns:
        The number of layers recalibrated (0: the network has none).

    Raises:
        ValueError: if a batch-norm layer sits inside a nested model.
    """
    norms = [layer for layer in network.layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    nested = [layer.name for layer in network._flatten_layers(
                  include_self=False)
              if isinstance(layer, keras.layers.BatchNormalization)
              and layer not in norms]
    if nested:
        raise ValueError(
            f"Expected batch-norm layers at the top level of "
            f"`{network.name}`. Received: nested batch-norm layers {nested}")
    for layer in norms:
        probe = keras.Model(network.input, layer.input)
        rank = len(layer.input.shape)
        reduce = [k for k in range(rank) if k != layer.axis % rank]
        count, total, squares = 0, 0.0, 0.0
        for i in range(batches):
            x = tf.cast(probe(make_inputs(i, batch_size), training=False),
                        tf.float64)
            count += math.prod(x.shape[k] for k in reduce)
            total += tf.reduce_sum(x, reduce)
            squares += tf.reduce_sum(tf.square(x), reduce)
        mean = total / count
        variance = tf.maximum(squares / count - tf.square(mean), 0.0)
        layer.moving_mean.assign(tf.cast(mean, layer.moving_mean.dtype))
        layer.moving_variance.assign(
            tf.cast(variance, layer.moving_variance.dtype))
    return len(norms)


_COUNTING = threading.local()


def _steps_in_an_epoch(x, batch_size, steps_per_epoch):
    """Train steps per epoch of a `fit()` call, or None when unknown."""
    if steps_per_epoch is not None:
        return steps_per_epoch
    if isinstance(x, tf.data.Dataset):
        cardinality = int(x.cardinality())
        return cardinality if cardinality > 0 else None
    if isinstance(x, dict):  # a dict of arrays: one length
        x = next(iter(x.values()), None)
    if isinstance(x, (tuple, list)) and x and hasattr(x[0], "shape"):
        x = x[0]
    if hasattr(x, "shape") and len(getattr(x, "shape", ())) > 0:
        return math.ceil(int(x.shape[0]) / (batch_size or 32))
    return None  # generators, PyDatasets, iterators: let Keras run one


_FIT_SIGNATURE = inspect.signature(keras.Model.fit)


def auto_jit_compile(generator, discriminator):
    """What `jit_compile="auto"` means for these two nets.

    `keras_gan.presets.xla_pays` of the device and the nets (XLA on GPUs;
    on CPU-only machines for dense nets of 1M+ weights only), and never
    under op determinism or with a layer that cannot be compiled (Keras
    drops XLA then).
    """
    from tensorflow.python.framework.config import is_op_determinism_enabled

    if is_op_determinism_enabled():
        return False
    layers = [layer for net in (generator, discriminator)
              for layer in _all_layers(net)]
    if not all(getattr(layer, "supports_jit", True) for layer in layers):
        return False
    convolutional = (keras.layers.Conv1D, keras.layers.Conv2D,
                     keras.layers.Conv3D, keras.layers.Conv1DTranspose,
                     keras.layers.Conv2DTranspose,
                     keras.layers.Conv3DTranspose,
                     keras.layers.DepthwiseConv2D,
                     keras.layers.SeparableConv2D)
    return presets.xla_pays(
        on_gpu=any(device.device_type != "CPU"
                   for device in tf.config.list_physical_devices()),
        convolutional=any(isinstance(layer, convolutional)
                          for layer in layers),
        weights=generator.count_params() + discriminator.count_params())


def _for_multi_worker(logs):
    """A train step's logs in the shape Keras can reduce across workers.

    Under a multi-worker strategy Keras 3 reduces each log with
    `strategy.reduce("MEAN", value, axis=0)`, which fails on the scalars
    every model returns ("Invalid reduction dimension 0 for input with 0
    dimensions", tensorflow/tensorflow#72388). As shape (1,) each log
    reduces to the same scalar (the mean over workers of values that the
    metrics already synchronised). Elsewhere the logs pass unchanged.
    """
    strategy = tf.distribute.get_strategy()
    in_multi_worker = getattr(strategy.extended, "_in_multi_worker_mode",
                              None)
    if not (isinstance(logs, dict) and in_multi_worker is not None
            and in_multi_worker()):
        return logs
    return {name: tf.reshape(value, [1]) if value.shape.rank == 0 else value
            for name, value in logs.items()}


def _counted(train_step):
    """Wraps a `train_step` so that it adds 1 to `self.train_steps` first.

    Applied to `GAN.train_step` and, by `GAN.__init_subclass__`, to every
    subclass's own `train_step`, so a model that replaces the step still
    counts it. A step that calls its parent's (wrapped) step counts once.
    """
    @functools.wraps(train_step)
    def step(self, data):
        # Per thread: MirroredStrategy traces each replica's step in a thread
        # of its own, and every replica must make the same synchronised
        # writes (a flag on the model would let one replica skip the count).
        counting = _COUNTING.__dict__.setdefault("models", set())
        if id(self) in counting:
            return train_step(self, data)
        counting.add(id(self))
        try:
            self.train_steps.assign_add(1)
            return _for_multi_worker(train_step(self, data))
        finally:
            counting.discard(id(self))

    step.counted = True
    return step


@keras.saving.register_keras_serializable(package=_PACKAGE)
class GAN(keras.Model):
    """The original GAN (Goodfellow et al. 2014), minimax or non-saturating.

    Args:
        generator: `keras.Model` mapping `(B, latent_dim)` to samples.
        discriminator: `keras.Model` mapping samples to logits `(B, 1)`.
        latent_dim: Size of the noise z ~ N(0, I).
        loss: `"non_saturating"` (G minimises -log D(G(z)); the default, as
            used in practice) or `"minimax"` (G minimises log(1 - D(G(z))),
            the value function as written).
        n_critic: Discriminator updates per generator update (the paper's
            k; 1 by default).
        seed: Optional int seed for the noise (reproducible runs).
        ema_decay: Optional decay in (0, 1) of an exponential moving average
            of the generator's weights, kept in `generator_ema` (see
            `update_generator_ema`); None (default) keeps none.
        **kwargs: Passed to `keras.Model` (e.g. `name`).

    Raises:
        ValueError: on a bad argument, naming it with what was expected and
            what was received.

    Metrics: `d_loss`, `g_loss` (mean over the epoch's generator updates
    only), `d_real` = mean D(x) and `d_fake` = mean D(G(z)) as probabilities.

    Generator averaging: with `ema_decay`, `generator_ema` is a second copy
    of the generator whose weights follow the trained ones after every
    generator update. `sampling_generator` is the network to draw samples
    from: `generator_ema` when averaging is on, `generator` otherwise.
    """

    LOSSES = ("non_saturating", "minimax")
    _generator_losses = {
        "non_saturating": losses.non_saturating_generator_loss,
        "minimax": losses.minimax_generator_loss,
    }

    def __init__(self, generator, discriminator, latent_dim,
                 loss="non_saturating", n_critic=1, seed=None,
                 ema_decay=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_int("latent_dim", latent_dim, 1)
        self.n_critic = check_int("n_critic", n_critic, 1)
        self.loss_name = check_choice("loss", loss, set(self.LOSSES))
        if seed is not None:
            seed = check_int("seed", seed, 0)
        if ema_decay is not None:
            ema_decay = check_float("ema_decay", ema_decay, greater_than=0.0,
                                    less_than=1.0)
        self._check_networks(generator, discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.seed = seed
        self.ema_decay = ema_decay
        self.generator_ema = (None if ema_decay is None
                              else _averaged_copy(generator))
        self.noise_state = rng.make_state(seed)
        # Train steps taken (one per `train_step`), saved with the model.
        # It differs from `d_optimizer.iterations` (updates applied) when a
        # float16 loss-scaled step overflows and is skipped; epochs and the
        # data position are counted in steps taken.
        self.train_steps = keras.Variable(
            0, dtype="int64", trainable=False,
            aggregation="only_first_replica", name="train_steps")
        self.d_optimizer = None
        self.g_optimizer = None
        self._trackers = {name: keras.metrics.Mean(name=name)
                          for name in self._metric_names()}
        self.built = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("train_step")
        if own is not None and not getattr(own, "counted", False):
            cls.train_step = _counted(own)

    # ---- configuration -------------------------------------------------

    def _check_networks(self, generator, discriminator):
        """Raises ValueError unless the two networks fit this model."""
        _check_networks(generator, discriminator, self.latent_dim)

    def _metric_names(self):
        return ("d_loss", "g_loss", "d_real", "d_fake")

    @classmethod
    def default_optimizers(cls):
        """The paper defaults: Adam(2e-4, beta_1=0.5) for both (DCGAN)."""
        return (keras.optimizers.Adam(2e-4, beta_1=0.5),
                keras.optimizers.Adam(2e-4, beta_1=0.5))

    @property
    def metrics(self):
        return list(self._trackers.values())

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets the two optimizers; other kwargs go to `keras.Model.compile`.

        Args:
            d_optimizer: Discriminator/critic optimizer (instance, name or
                config). Defaults to the paper's (see `default_optimizers`).
            g_optimizer: Generator optimizer; must not be the same object.
            **kwargs: `jit_compile` (default "auto": `auto_jit_compile`, XLA on
                GPUs and for wide dense nets on CPUs; with XLA and
                `n_critic > 1` the critic and the
                generator updates run as two XLA programs, see
                `_separate_xla`), `steps_per_execution` (default "auto":
                `fit()` runs as many train steps per compiled call as
                `auto_steps_per_execution` picks for the epoch; an int fixes
                it), `run_eagerly`. `optimizer`, `loss` and `metrics` are refused:
                this model owns its losses and metrics.

        Under the `mixed_float16` policy both optimizers are wrapped in
        `keras.optimizers.LossScaleOptimizer` (Keras only wraps
        `self.optimizer`, which a GAN does not use).

        Raises:
            ValueError: on `optimizer`/`loss`/`metrics` kwargs, one object
                passed for both optimizers, or `steps_per_execution > 1`
                under a multi-replica strategy together with `n_critic > 1`
                or float16 loss scaling (conditional updates, which
                TensorFlow cannot synchronise inside Keras' multi-step loop).
        """
        for refused in ("optimizer", "loss", "metrics", "loss_weights",
                        "weighted_metrics"):
            if refused in kwargs:
                raise ValueError(
                    f"`{type(self).__name__}.compile` takes `d_optimizer` and "
                    f"`g_optimizer`; it owns its losses and metrics. "
                    f"Received: {refused}={kwargs[refused]!r}")
        defaults = self.default_optimizers()
        d_optimizer = keras.optimizers.get(d_optimizer) or defaults[0]
        g_optimizer = keras.optimizers.get(g_optimizer) or defaults[1]
        if d_optimizer is g_optimizer:
            raise ValueError(
                "Expected two distinct optimizer objects for `d_optimizer` "
                "and `g_optimizer` (each keeps its own state). Received the "
                "same object twice.")
        if keras.mixed_precision.dtype_policy().name == "mixed_float16":
            d_optimizer, g_optimizer = (
                opt if isinstance(opt, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(opt)
                for opt in (d_optimizer, g_optimizer))
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        # jit_compile "auto": `auto_jit_compile` (XLA on GPUs, and on CPUs
        # for wide dense nets only); under tf.distribute or eager runs,
        # Keras' rule.
        kwargs.setdefault("jit_compile", "auto")
        if (kwargs["jit_compile"] == "auto" and replicas == 1
                and not tf.distribute.has_strategy()
                and not kwargs.get("run_eagerly")):
            kwargs["jit_compile"] = auto_jit_compile(self.generator,
                                                     self.discriminator)
        steps_per_execution = kwargs.setdefault("steps_per_execution", "auto")
        if steps_per_execution != "auto" and not (
                isinstance(steps_per_execution, int)
                and not isinstance(steps_per_execution, bool)
                and steps_per_execution >= 1):
            raise ValueError(
                "Expected `steps_per_execution` to be \"auto\" or a positive "
                f"int. Received: steps_per_execution={steps_per_execution!r}")
        if steps_per_execution == "auto":
            steps_per_execution = 1  # resolved by fit() (see `fit`)
        conditional = [reason for reason, present in (
            (f"n_critic={self.n_critic}", self.n_critic > 1),
            ("mixed_float16 loss scaling", isinstance(
                d_optimizer, keras.optimizers.LossScaleOptimizer)))
            if present]
        if replicas > 1 and steps_per_execution != 1 and conditional:
            # Both make an optimizer update conditional; TF/Keras cannot run
            # that synchronisation inside Keras' multi-step loop (Keras'
            # own LossScaleOptimizer fails there too: "You must feed a value
            # for placeholder tensor").
            raise ValueError(
                "Expected steps_per_execution=1 under a multi-replica "
                f"strategy ({replicas} replicas) with "
                f"{' and '.join(conditional)}: the conditional update cannot "
                "run inside a multi-step execution there. Received: "
                f"steps_per_execution={steps_per_execution}")
        super().compile(optimizer=None, auto_scale_loss=False,
                        **{**kwargs,
                           "steps_per_execution": steps_per_execution})
        self._auto_steps = kwargs["steps_per_execution"] == "auto"
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Not tracked by Keras: a cache of tf.functions, no state.
        self.__dict__["_xla_parts"] = {}
        self._compile_kwargs = {
            key: kwargs[key]
            for key in ("jit_compile", "steps_per_execution", "run_eagerly")
            if key in kwargs}
        # Build optimizer state now: no variable creation inside the traced
        # step, hence no retracing, and `.keras` loading finds every slot.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def get_compile_config(self):
        if self.d_optimizer is None:
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(
                self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(
                self.g_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        d_optimizer = keras.saving.deserialize_keras_object(
            config.pop("d_optimizer"))
        g_optimizer = keras.saving.deserialize_keras_object(
            config.pop("g_optimizer"))
        self.compile(d_optimizer, g_optimizer, **config)

    def fit(self, *args, **kwargs):
        """`keras.Model.fit`, with `steps_per_execution="auto"` resolved.

        Under "auto" (the `compile()` default) each call picks
        `auto_steps_per_execution` of its epoch length (`steps_per_epoch`,
        or the batches in the data when known): the same updates, in fewer
        compiled calls. Callbacks' `on_train_batch_*` then run once per
        call, as with any `steps_per_execution` in Keras.
        """
        if getattr(self, "_auto_steps", False):
            bound = _FIT_SIGNATURE.bind(self, *args, **kwargs).arguments
            with self.distribute_strategy.scope():
                # Any explicit strategy (even of one replica) keeps 1.
                explicit = tf.distribute.has_strategy()
            steps = 1 if explicit or self.run_eagerly else (
                presets.auto_steps_per_execution(_steps_in_an_epoch(
                    bound.get("x"), bound.get("batch_size"),
                    bound.get("steps_per_epoch"))))
            if steps != self.steps_per_execution:
                self.steps_per_execution = steps
                self.train_function = None  # traced for the old count
        return super().fit(*args, **kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(
                self.discriminator),
            "latent_dim": self.latent_dim,
            "n_critic": self.n_critic,
            "seed": self.seed,
            "ema_decay": self.ema_decay,
            **self._own_config(),
        }

    def _own_config(self):
        return {"loss": self.loss_name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    # ---- forward ---------------------------------------------------------

    def call(self, z, training=False):
        """Generates samples from noise `z` of shape `(B, latent_dim)`."""
        return self.generator(z, training=training)

    @property
    def sampling_generator(self):
        """The network to draw samples from (and to export).

        `generator_ema` when generator averaging is on, else `generator`.
        """
        return self.generator if self.generator_ema is None \
            else self.generator_ema

    def update_generator_ema(self):
        """One step of the generator's weight average (after a G update).

        ``avg <- d * avg + (1 - d) * w`` for every trainable weight, with
        ``d = min(ema_decay, (1 + t) / (10 + t))`` and t the generator
        updates so far: the warm-up of TensorFlow's
        `tf.train.ExponentialMovingAverage(num_updates=t)`, so early averages
        do not drag the initial weights along for thousands of steps.
        Non-trainable state (batch-norm statistics) is copied as it is.
        A no-op without `ema_decay`.
        """
        if self.generator_ema is None:
            return
        t = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(tf.constant(self.ema_decay, tf.float32),
                           (1.0 + t) / (10.0 + t))
        for average, weight in zip(self.generator_ema.weights,
                                   self.generator.weights):
            value = tf.cast(weight.value, average.dtype)
            if weight.trainable:
                value = decay * average.value + (1.0 - decay) * value
            average.assign(value)

    def recalibrate_average(self, batches=RECALIBRATION_BATCHES,
                            batch_size=RECALIBRATION_BATCH_SIZE, seed=0):
        """Recomputes `generator_ema`'s batch-norm statistics for its weights.

        `update_generator_ema` copies the trained generator's moving
        statistics into the average, but they belong to other weights: the
        average's layers see inputs of a different mean and scale, and its
        samples suffer (measured on the CLI's MNIST and Fashion-MNIST runs:
        see README, "Generator averaging"). This sets them to the average's
        own (`recalibrate_batchnorm`) from fixed noise (`recalibration_inputs`
        with `seed`), touching nothing else: the training noise, the trained
        generator and training itself are unchanged, and the same weights
        always get the same statistics. `train.py` calls it at every epoch's
        end, before the epoch's samples, scores and checkpoint, and before
        the export; in a loop of your own, call it before sampling.

        Returns:
            The number of layers recalibrated (0 without averaging or
            without batch norm).
        """
        if self.generator_ema is None:
            return 0
        return recalibrate_batchnorm(
            self.generator_ema,
            functools.partial(self.recalibration_inputs, seed=seed),
            batches=batches, batch_size=batch_size)

    def recalibration_inputs(self, index, batch_size, seed=0):
        """Generator inputs of `recalibrate_average`'s batch `index`: z ~
        N(0, I) from a stateless draw keyed by `(seed, index)`."""
        return tf.random.stateless_normal((batch_size, self.latent_dim),
                                          seed=[seed, index])

    def sample_noise(self, batch_size):
        """Draws z ~ N(0, I) of shape `(batch_size, latent_dim)`."""
        return rng.normal((batch_size, self.latent_dim), self.noise_state)

    # ---- training ----------------------------------------------------------

    def _discriminator_objective(self, real, fake, real_out, fake_out):
        """Returns (loss, {metric name: value}) for one discriminator step."""
        loss = losses.gan_discriminator_loss(real_out, fake_out)
        return loss, {"d_real": tf.reduce_mean(tf.sigmoid(real_out)),
                      "d_fake": tf.reduce_mean(tf.sigmoid(fake_out))}

    def _generator_objective(self, fake_out):
        return self._generator_losses[self.loss_name](fake_out)

    @staticmethod
    def _for_replicas(loss):
        # Gradients are summed across replicas; dividing the local mean by
        # the replica count makes the result the mean over the GLOBAL batch.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return loss / replicas if replicas > 1 else loss

    def _scaled(self, optimizer, loss):
        # Must run inside the tape: an op the tape did not record (the
        # replica division, the float16 loss scale) cuts the gradient path
        # and leaves every gradient None.
        return optimizer.scale_loss(self._for_replicas(loss))

    def _apply(self, optimizer, tape, scaled_loss, variables):
        grads = tape.gradient(scaled_loss, variables)
        with _after(scaled_loss):
            optimizer.apply(grads, variables)

    def _train_discriminator(self, real):
        batch_size = tf.shape(real)[0]
        # The generator only supplies samples here: no tape sees it.
        fake = self.generator(self.sample_noise(batch_size), training=True)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_out = self.discriminator(real, training=True)
            fake_out = self.discriminator(fake, training=True)
            loss, extra = self._discriminator_objective(
                real, fake, real_out, fake_out)
            scaled = self._scaled(self.d_optimizer, loss)
        self._apply(self.d_optimizer, tape, scaled, variables)
        self._trackers["d_loss"].update_state(loss)
        for name, value in extra.items():
            self._trackers[name].update_state(value)

    def _train_generator(self, batch_size):
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.generator(self.sample_noise(batch_size), training=True)
            fake_out = self.discriminator(fake, training=True)
            loss = self._generator_objective(fake_out)
            scaled = self._scaled(self.g_optimizer, loss)
        self._apply(self.g_optimizer, tape, scaled, variables)
        self.update_generator_ema()
        # Logged only here, so critic-only steps never log a fake zero.
        self._trackers["g_loss"].update_state(loss)
        return loss

    def _separate_xla(self):
        """Whether the two updates are compiled as separate XLA programs.

        With `n_critic > 1` under XLA the generator update is conditional.
        Compiled into one XLA program with the critic update, XLA:CPU runs
        it inside an HLO conditional, measured far slower than as a program
        of its own (DCGAN WGAN-GP: 1.2 vs 1.9 steps/s, while the critic
        update alone ran at the same speed). So then the train step is a
        graph that calls two XLA programs and takes the branch in between.
        """
        return (self.n_critic > 1 and self.d_optimizer is not None
                and bool(self.jit_compile) and not self.run_eagerly
                and not tf.distribute.has_strategy())

    def make_train_function(self, force=False):
        if self.train_function is None or force:
            # A rebuilt train function (e.g. WeightClipping attaching or
            # removing constraints) must retrace its compiled parts too.
            self.__dict__["_xla_parts"] = {}
        if not self._separate_xla():
            return super().make_train_function(force)
        # Keras reads `jit_compile` here to compile the whole step; the
        # parts are compiled instead (see `_separate_xla`).
        jit_compile, self._jit_compile = self._jit_compile, False
        try:
            return super().make_train_function(force)
        finally:
            self._jit_compile = jit_compile

    def _xla(self, name, method):
        # One tf.function per compile(), so each part is traced once.
        if name not in self._xla_parts:
            self._xla_parts[name] = tf.function(method, jit_compile=True)
        return self._xla_parts[name]

    def _train_generator_if(self, due, batch_size):
        """Runs `_train_generator(batch_size)` when the bool tensor `due`."""
        context = tf.distribute.get_replica_context()
        # Any explicit strategy (even with one replica: MirroredStrategy on a
        # one-device machine) turns variable writes into merge_calls, which
        # cannot sit inside a per-replica cond: only the default strategy
        # may take the plain cond.
        if context is None or not tf.distribute.has_strategy():
            train_generator = (
                self._xla("generator", self._train_generator)
                if self._separate_xla() else self._train_generator)
            tf.cond(due, lambda: train_generator(batch_size),
                    lambda: tf.constant(0.0))
            return

        # An optimizer update synchronises the replicas (gradient all-reduce,
        # `merge_call`), and TensorFlow refuses synchronisation inside a cond
        # branch run by each replica. So the decision is taken once, in
        # cross-replica context, and the branch runs the generator step on
        # every replica with `strategy.run` (`due` is the same on all of
        # them: it comes from the mirrored iteration counter).
        def cross_replica(strategy, due, batch_size):
            def update():
                strategy.run(self._train_generator, args=(batch_size,))
                return tf.constant(True)

            due = strategy.experimental_local_results(due)[0]
            return tf.cond(due, update, lambda: tf.constant(False))

        context.merge_call(cross_replica, args=(due, batch_size))

    def train_step(self, data):
        if self.d_optimizer is None:
            raise ValueError(
                f"Call `{type(self).__name__}.compile()` before training.")
        real = data[0] if isinstance(data, (tuple, list)) else data
        if real.dtype == tf.uint8:
            # Images stored as bytes (0..255): the generators draw [0, 1].
            real = tf.cast(real, tf.float32) / 255.0
        else:
            real = tf.cast(real, tf.float32)
        # Read before the update (a copy, ordered by automatic control
        # dependencies): a LossScaleOptimizer skips a step with non-finite
        # gradients without counting it.
        before = tf.convert_to_tensor(self.d_optimizer.iterations) * 1
        if self._separate_xla():
            self._xla("discriminator", self._train_discriminator)(real)
        else:
            self._train_discriminator(real)
        batch_size = tf.shape(real)[0]
        if self.n_critic == 1 and self._every_step():
            self._train_generator(batch_size)
        else:
            # Iterations already counts the update just made; a skipped
            # (float16 overflow) critic step is not an update.
            after = tf.convert_to_tensor(self.d_optimizer.iterations)
            due = tf.logical_and(tf.not_equal(after, before),
                                 self._generator_due(after))
            self._train_generator_if(due, batch_size)
            self._after_schedule(due, after)
        return {m.name: m.result() for m in self.metrics}

    def _every_step(self):
        """True when the generator follows every critic update."""
        return True

    def _generator_due(self, critic_updates):
        """Whether G updates after critic update `critic_updates` (1-based).

        G follows every `n_critic`-th critic update, as in Algorithm 1 of
        WGAN. Subclasses with another schedule override this (and
        `_every_step`, `_after_schedule`).
        """
        return tf.equal(critic_updates % self.n_critic, 0)

    def _after_schedule(self, due, critic_updates):
        """Called after the conditional G update (bookkeeping hook)."""

    train_step = _counted(train_step)

    def test_step(self, data):
        raise NotImplementedError(
            "GANs have no validation loss that tracks quality; use "
            "keras_gan.evaluation (FID, mode coverage) instead of evaluate().")
