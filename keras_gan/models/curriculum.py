"""Curriculum GAN (WGAN-C): WGAN-GP against a critic that grows stronger.

Sharma, Barratt, Ermon and Pande 2018, "Improved Training with Curriculum
GANs" (arXiv:1807.09295). Instead of one critic f, the critic is a convex
combination of a predefined set of critics,

    f_lambda(x) = sum_i lambda_i f_i(x),  lambda_i >= 0,  sum_i lambda_i = 1,

and lambda moves during training so that the combination becomes stronger
(section 3 of the paper; its algorithm is WGAN-GP's Algorithm 1 with lambda
chosen at every iteration, the penalty weight written beta). Everything else
is WGAN-GP: the Wasserstein losses and the gradient penalty, both on
f_lambda.

Source note: this implementation was written from the paper's abstract and
introduction and from a detailed summary of its method section and of its
algorithm box (PaperWeekly / TwistedW, "Curriculum GANs (WGAN-C)", 2018),
not from the full text; "section 3" here means the paper's method
section, whose number we could not check. No official code was found.

Choices made here, where the summary leaves them open (the paper's own
settings for images could not be checked; see `WGANC`):

1. the critics: the DCGAN critic at growing input resolutions
   (`networks.build_curriculum_critics`);
2. the schedule: lambda travels along the vertices e_1 -> e_2 -> ... -> e_d
   of the simplex at constant speed over `curriculum_steps` critic updates,
   then stays at e_d (`curriculum_weights`);
3. the penalty is taken on the combination f_lambda, the critic that enters
   the losses.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gan._checks import check_int
from keras_gan.models.base import _PACKAGE, _static_shape
from keras_gan.models.wgan import WGANGP


def curriculum_weights(step, num_critics, curriculum_steps):
    """The combination weights lambda(t) of WGAN-C's schedule.

    With progress ``s = clip(step / curriculum_steps, 0, 1) * (d - 1)``,
    ``lambda_i = max(0, 1 - |s - i|)`` (i = 0 .. d-1): lambda moves at
    constant speed along the simplex's vertices e_0 -> e_1 -> ... -> e_{d-1},
    mixing only neighbouring critics, and stays at e_{d-1} (the strongest
    critic alone) from `curriculum_steps` on. Every tail sum
    ``sum_{j >= i} lambda_j`` grows with the step: weight only ever moves
    towards stronger critics. With one critic, lambda = (1,) always.

    Args:
        step: Critic updates made so far (int or scalar tensor).
        num_critics: d >= 1.
        curriculum_steps: Critic updates the journey from the weakest to the
            strongest critic takes (>= 1).

    Returns:
        float32 tensor `(num_critics,)` on the simplex.
    """
    num_critics = check_int("num_critics", num_critics, 1)
    curriculum_steps = check_int("curriculum_steps", curriculum_steps, 1)
    progress = tf.clip_by_value(
        tf.cast(step, tf.float32) / float(curriculum_steps), 0.0, 1.0)
    position = progress * float(num_critics - 1)
    index = tf.range(num_critics, dtype=tf.float32)
    return tf.maximum(0.0, 1.0 - tf.abs(position - index))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ConvexCombination(keras.layers.Layer):
    """``[f_1(x), ..., f_d(x)] -> sum_i lambda_i f_i(x)``, lambda a weight.

    lambda is a non-trainable variable set by `WGANC` before every critic
    update (it starts at e_1); it is saved with the model.

    Args:
        num_critics: d.
        **kwargs: Passed to `keras.layers.Layer`.
    """

    def __init__(self, num_critics, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.num_critics = check_int("num_critics", num_critics, 1)
        initial = np.zeros(self.num_critics, "float32")
        initial[0] = 1.0
        self.lambdas = self.add_weight(
            shape=(self.num_critics,), name="lambdas", trainable=False,
            initializer=keras.initializers.Constant(initial),
            aggregation="only_first_replica")

    def call(self, scores):
        stacked = tf.concat(
            [tf.cast(s, tf.float32) for s in scores], axis=-1)  # (B, d)
        return tf.reduce_sum(stacked * tf.convert_to_tensor(self.lambdas),
                             axis=-1, keepdims=True)            # (B, 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {**super().get_config(), "num_critics": self.num_critics}


def _check_critics(critics):
    if isinstance(critics, keras.Model) or not isinstance(
            critics, (list, tuple)) or not critics:
        raise ValueError(
            "Expected `critics` to be a non-empty list of keras.Model "
            "critics, weakest first. Received: "
            f"{type(critics).__name__}")
    shapes = []
    for i, critic in enumerate(critics):
        if not isinstance(critic, keras.Model):
            raise ValueError(
                f"Expected every critic to be a built keras.Model. Received: "
                f"critics[{i}] of type {type(critic).__name__}")
        try:
            x_shape = _static_shape("critic", critic.input_shape)
            out = _static_shape("critic", critic.output_shape)
        except (AttributeError, ValueError) as error:
            raise ValueError(
                f"Expected every critic to be a built keras.Model with known "
                f"input and output shapes. Received: critics[{i}] "
                f"({error})") from None
        if out[1:] != (1,):
            raise ValueError(
                f"Expected every critic to output one score per sample, "
                f"shape (None, 1). Received: critics[{i}] output {out}")
        shapes.append(x_shape[1:])
    names = [critic.name for critic in critics]
    if len(set(names)) != len(names):
        raise ValueError(
            "Expected critics with distinct names (they become layers of one "
            f"model; pass name=... when building them). Received: {names}")
    if len(set(shapes)) != 1:
        raise ValueError(
            "Expected all critics to take the same input shape (each pools "
            f"the image itself if it wants). Received: {shapes}")
    return list(critics), shapes[0]


def combine_critics(critics, name="curriculum_critic"):
    """The functional critic ``x -> sum_i lambda_i f_i(x)`` of `critics`.

    Args:
        critics: Non-empty list of `keras.Model`s mapping the same input to
            `(B, 1)`, weakest first.
        name: Model name.

    Returns:
        A `keras.Model` `(B, ...) -> (B, 1)` whose `ConvexCombination`
        layer (named "lambdas") holds lambda.
    """
    critics, sample_shape = _check_critics(critics)
    x = keras.Input(sample_shape, name="x")
    combined = ConvexCombination(len(critics), name="lambdas")(
        [critic(x) for critic in critics])
    return keras.Model(x, combined, name=name)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WGANC(WGANGP):
    """Curriculum GAN on WGAN-GP, "WGAN-C" (Sharma et al. 2018).

    The critic is ``f_lambda = sum_i lambda_i f_i`` over `critics` (weakest
    first), trained with WGAN-GP's losses and gradient penalty on f_lambda;
    the generator minimises ``-mean f_lambda(G(z))``. Before every critic
    update lambda is set to ``curriculum_weights(t, d, curriculum_steps)``,
    t the critic updates made so far, and the generator update that may
    follow uses the same lambda. A critic whose weight is 0 gets no
    gradient, so each critic starts learning when the curriculum reaches it.

    What the paper fixes (section 3, as we read it; see the module's source
    note): a critic that is a convex combination of predefined critics,
    weights moving so that the combination gets stronger, WGAN-GP
    underneath. What our source leaves open, and the choice made here:

    * which critics: `networks.build_curriculum_critics`, the WGAN-GP
      preset's DCGAN critic looking at the image average-pooled to 1/4,
      1/2 and full resolution (coarse shape first, details last); any list
      of critics can be passed;
    * how lambda moves: linearly through e_1, e_2, ..., e_d over
      `curriculum_steps` critic updates, then the strongest critic alone
      (so the end of a long run is plain WGAN-GP with the full critic);
    * where the penalty goes: on f_lambda, the critic the losses use.

    With one critic lambda = (1,) throughout and the model computes exactly
    what `WGANGP` computes (a test checks this bitwise).

    Args:
        generator: `keras.Model` mapping `(B, latent_dim)` to samples.
        critics: List of `keras.Model` critics, weakest first, all mapping
            the same input to raw scores `(B, 1)` (no batch norm).
        latent_dim: Size of z.
        curriculum_steps: Critic updates over which lambda travels from the
            weakest to the strongest critic (default 10,000; `keras_gan.
            training` uses half of the run).
        n_critic, gp_weight, seed, **kwargs: as for `WGANGP` (paper:
            n_critic = 5, gp weight beta = lambda = 10).

    Raises:
        ValueError: on a bad argument.

    Metrics: `d_loss`, `g_loss`, `w_estimate`, `gp`, and `level` = sum_i
    i lambda_i, the curriculum's position (0 = weakest critic alone,
    d - 1 = strongest alone), averaged over the epoch.

    Example:
    >>> from keras_gan import networks
    >>> gan = WGANC(networks.build_dcgan_generator(64, (28, 28, 1), 32),
    ...             networks.build_curriculum_critics((28, 28, 1), 32, 3),
    ...             latent_dim=64, curriculum_steps=9000, seed=0)
    >>> gan.compile()      # WGAN-GP's Adam(1e-4, 0.5, 0.9)
    >>> [float(w) for w in gan.curriculum_weights(4500)]
    [0.0, 1.0, 0.0]
    """

    def __init__(self, generator, critics, latent_dim, curriculum_steps=10_000,
                 n_critic=5, gp_weight=10.0, seed=None, **kwargs):
        critics, _ = _check_critics(critics)
        curriculum_steps = check_int("curriculum_steps", curriculum_steps, 1)
        super().__init__(generator, combine_critics(critics), latent_dim,
                         n_critic=n_critic, gp_weight=gp_weight, seed=seed,
                         **kwargs)
        self.critics = critics
        self.curriculum_steps = curriculum_steps
        self.combination = self.discriminator.get_layer("lambdas")

    @property
    def num_critics(self):
        return len(self.critics)

    def curriculum_weights(self, step):
        """lambda after `step` critic updates (see `curriculum_weights`)."""
        return curriculum_weights(step, self.num_critics,
                                  self.curriculum_steps)

    def _metric_names(self):
        return (*super()._metric_names(), "level")

    def _own_config(self):
        return {**super()._own_config(),
                "curriculum_steps": self.curriculum_steps}

    def get_config(self):
        config = super().get_config()
        del config["discriminator"]  # rebuilt from the critics
        config["critics"] = [keras.saving.serialize_keras_object(critic)
                             for critic in self.critics]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(
            config["generator"])
        config["critics"] = [keras.saving.deserialize_keras_object(critic)
                             for critic in config["critics"]]
        return cls(**config)

    def _train_discriminator(self, real):
        # lambda of this critic update (and of the generator update after
        # it): t = the critic updates made before it.
        self.combination.lambdas.assign(self.curriculum_weights(
            tf.convert_to_tensor(self.d_optimizer.iterations)))
        super()._train_discriminator(real)

    def _discriminator_objective(self, real, fake, real_out, fake_out):
        loss, extra = super()._discriminator_objective(real, fake, real_out,
                                                       fake_out)
        lambdas = tf.convert_to_tensor(self.combination.lambdas)
        extra["level"] = tf.reduce_sum(
            lambdas * tf.range(self.num_critics, dtype=tf.float32))
        return loss, extra
