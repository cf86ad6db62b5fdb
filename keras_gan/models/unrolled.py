"""`UnrolledGAN`: the generator plays against a discriminator K steps ahead.

Metz, Poole, Pfau and Sohl-Dickstein 2017, "Unrolled Generative Adversarial
Networks" (ICLR; arXiv:1611.02163). With the GAN value function

    f(theta_G, theta_D) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

the discriminator's own update stays the ordinary one (one optimizer step on
its loss ``-f``). The generator instead minimises the surrogate

    f_K(theta_G, theta_D) = f(theta_G, theta_D^K(theta_G, theta_D))
    theta_D^0 = theta_D
    theta_D^{k+1} = theta_D^k + eta^k * df(theta_G, theta_D^k)/dtheta_D^k

(the paper's Eqs. 7-10): the loss against the discriminator after K of its
optimizer steps on the same minibatch, with the gradient taken THROUGH those
steps (Eq. 12):

    df_K/dtheta_G = df/dtheta_G
                    + df/dtheta_D^K * dtheta_D^K/dtheta_G.

The second term, which needs second derivatives, is what lets the generator
see how the discriminator would react to a move and keeps it from piling all
its mass onto the mode the current discriminator likes best. The unrolled
copy of the discriminator is thrown away after the generator's update.

How: the discriminator's forward pass is called with substituted weights
(`keras.Model.stateless_call`), its K updates are an optimizer written on
tensors, and the generator's tape records the inner tapes' gradient
computations, so `tape.gradient` differentiates through them.
"""

import keras
import tensorflow as tf

from keras_gan import losses
from keras_gan._checks import check_int
from keras_gan.models.base import GAN, _PACKAGE, _all_layers

#: The optimizer settings the functional unroll does not reproduce.
_UNSUPPORTED = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm",
                "gradient_accumulation_steps", "loss_scale_factor")


def _sqrt(v):
    """`tf.sqrt` whose derivative at exactly 0 is 0 instead of inf.

    Adam's ``sqrt(v)`` has an infinite derivative where ``v = 0`` (a weight
    whose gradient has always been exactly zero, e.g. a dead ReLU unit), and
    ``0 * inf`` would turn the generator's whole gradient into NaN. The value
    is unchanged (``sqrt(0) = 0``), so the unrolled steps still equal Keras'
    own updates.
    """
    positive = v > 0
    safe = tf.where(positive, v, tf.ones_like(v))
    return tf.where(positive, tf.sqrt(safe), tf.zeros_like(v))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class UnrolledGAN(GAN):
    """Unrolled GAN (Metz et al. 2017): G's loss against D after K steps.

    One `train_step`: the discriminator takes its ordinary optimizer step on
    a fresh real batch; then (every `n_critic`-th step) the generator draws
    fresh noise, the discriminator's next `unroll_steps` optimizer updates on
    that real batch and those samples are computed as a differentiable
    function of the generator's weights (Adam exactly as Keras does it,
    starting from the real optimizer's current moments and step count, as
    the official code unrolls its Keras Adam), and the generator descends its
    loss against that unrolled discriminator, gradient through the unroll.
    The discriminator's variables and optimizer state are left as they were.

    With ``unroll_steps=0`` a `train_step` is exactly `GAN`'s (same ops, same
    noise), so the weights equal those of `GAN` with the same arguments bit
    for bit.

    Args:
        generator, discriminator, latent_dim, n_critic, seed, ema_decay,
            **kwargs: as for `GAN`. The discriminator must not use batch
            normalization (its batch statistics cannot be carried through a
            functional unroll); such a discriminator is refused.
        unroll_steps: K >= 0, the discriminator updates to look ahead (the
            official demo's default: 5; the paper shows 0, 1, 5 and 10 on the
            ring).
        loss: ``"minimax"`` (default): the generator minimises the value
            function itself at the unrolled discriminator, ``E log D_K(x) +
            E log(1 - D_K(G(z)))`` -- the paper's f_K and the official demo's
            objective; its first term reaches the generator only through
            theta_D^K. ``"non_saturating"``: ``-E log D_K(G(z))``, the
            non-saturating generator loss at the unrolled discriminator.

    Optimizers: `compile()` defaults to the official demo's, D
    Adam(1e-4, beta_1=0.5, epsilon=1e-8) and G Adam(1e-3, beta_1=0.5,
    epsilon=1e-8). With ``unroll_steps > 0`` the discriminator's optimizer
    must be a plain `keras.optimizers.Adam` (no amsgrad) or `SGD` (with or
    without momentum), without weight decay, clipping, gradient
    accumulation, EMA or loss scaling: those are the updates the unroll
    reproduces. A learning-rate schedule is read once per generator step
    (its value at the current step is used for all K unrolled steps).
    Multi-replica strategies are refused (the unroll would see only the
    local batch), as is `n_critic > 1` under an explicit strategy.

    Metrics: as `GAN`'s; `g_loss` is the unrolled generator loss.

    Example:
    >>> import numpy as np
    >>> from keras_gan import networks, models
    >>> gan = models.UnrolledGAN(
    ...     networks.build_mlp_generator(4, (2,), (16,), None),
    ...     networks.build_mlp_discriminator((2,), (16,)),
    ...     latent_dim=4, unroll_steps=3, seed=0)
    >>> gan.compile()
    >>> history = gan.fit(np.random.randn(64, 2).astype("float32"),
    ...                   batch_size=16, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    def __init__(self, generator, discriminator, latent_dim, unroll_steps=5,
                 loss="minimax", n_critic=1, seed=None, ema_decay=None,
                 **kwargs):
        unroll_steps = check_int("unroll_steps", unroll_steps, 0)
        bn = [layer.name for layer in _all_layers(discriminator)
              if isinstance(layer, keras.layers.BatchNormalization)]
        if bn:
            raise ValueError(
                "Expected a discriminator without batch normalization for "
                "UnrolledGAN (batch statistics cannot be carried through the "
                "functional unroll; use layer norm or none). Received: "
                f"discriminator with BatchNormalization layers {bn}")
        super().__init__(generator, discriminator, latent_dim, loss=loss,
                         n_critic=n_critic, seed=seed, ema_decay=ema_decay,
                         **kwargs)
        self.unroll_steps = unroll_steps

    # ---- configuration -------------------------------------------------

    def _own_config(self):
        return {"loss": self.loss_name, "unroll_steps": self.unroll_steps}

    @classmethod
    def default_optimizers(cls):
        """The official demo's: D Adam(1e-4), G Adam(1e-3); beta_1 0.5.

        poolio/unrolled_gan, "Unrolled GAN demo.ipynb" (params:
        disc_learning_rate 1e-4, gen_learning_rate 1e-3, beta1 0.5,
        epsilon 1e-8).
        """
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, epsilon=1e-8),
                keras.optimizers.Adam(1e-3, beta_1=0.5, epsilon=1e-8))

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """As `GAN.compile`; also checks that the unroll can reproduce D's
        optimizer.

        Raises:
            ValueError: as `GAN.compile`; and with ``unroll_steps > 0``: a
                discriminator optimizer other than plain Adam / SGD (or with
                a setting listed in the class docstring), float16 loss
                scaling, several replicas, or `n_critic > 1` under an
                explicit strategy.
        """
        super().compile(d_optimizer, g_optimizer, **kwargs)
        if self.unroll_steps:
            self._check_unrollable()

    def _check_unrollable(self):
        optimizer = self.d_optimizer
        name = type(optimizer).__name__
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            raise ValueError(
                "Expected no float16 loss scaling for UnrolledGAN with "
                "unroll_steps > 0 (the unroll does not reproduce skipped "
                "steps). Received: dtype policy "
                f"{keras.mixed_precision.dtype_policy().name}")
        if type(optimizer) not in (keras.optimizers.Adam,
                                   keras.optimizers.SGD):
            raise ValueError(
                "Expected `d_optimizer` to be keras.optimizers.Adam or SGD "
                "(the updates UnrolledGAN unrolls). Received: "
                f"d_optimizer of type {name}")
        used = [f"{key}={getattr(optimizer, key)!r}" for key in _UNSUPPORTED
                if getattr(optimizer, key, None)]
        if getattr(optimizer, "amsgrad", False):
            used.append("amsgrad=True")
        if optimizer.use_ema:
            used.append("use_ema=True")
        if used:
            raise ValueError(
                f"Expected a plain {name} `d_optimizer` for UnrolledGAN (the "
                "unroll reproduces its update without these settings). "
                f"Received: {', '.join(used)}")
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            raise ValueError(
                "Expected one replica for UnrolledGAN with unroll_steps > 0 "
                "(each replica would unroll on its local batch only). "
                f"Received: {replicas} replicas")
        if self.n_critic > 1 and tf.distribute.has_strategy():
            raise ValueError(
                "Expected n_critic=1 for UnrolledGAN under a tf.distribute "
                f"strategy. Received: n_critic={self.n_critic}")

    # ---- the unroll ------------------------------------------------------

    def _optimizer_state(self):
        """The D optimizer's slots per trainable variable, as tensors."""
        optimizer = self.d_optimizer
        state = []
        for variable in self.discriminator.trainable_variables:
            i = optimizer._get_variable_index(variable)
            if isinstance(optimizer, keras.optimizers.Adam):
                state.append((tf.convert_to_tensor(optimizer._momentums[i]),
                              tf.convert_to_tensor(optimizer._velocities[i])))
            elif optimizer.momentum:
                state.append((tf.convert_to_tensor(optimizer.momentums[i]),))
            else:
                state.append(())
        return state

    def _optimizer_step(self, weights, grads, state, step, learning_rate):
        """One update of D's optimizer on tensors: Keras' own arithmetic.

        Args:
            weights, grads: Lists of tensors, one per trainable variable.
            state: `_optimizer_state()`-shaped slots.
            step: The optimizer's `iterations` before this update (int).
            learning_rate: The current learning rate (scalar tensor).

        Returns:
            `(new weights, new state)`.
        """
        optimizer = self.d_optimizer
        new_weights, new_state = [], []
        for w, g, slots in zip(weights, grads, state):
            lr = tf.cast(learning_rate, w.dtype)
            g = tf.cast(g, w.dtype)
            if isinstance(optimizer, keras.optimizers.Adam):
                # keras/src/optimizers/adam.py, update_step.
                m, v = slots
                local_step = tf.cast(step + 1, w.dtype)
                beta_1_power = tf.pow(tf.cast(optimizer.beta_1, w.dtype),
                                      local_step)
                beta_2_power = tf.pow(tf.cast(optimizer.beta_2, w.dtype),
                                      local_step)
                alpha = lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
                m = m + (g - m) * (1 - optimizer.beta_1)
                v = v + (tf.square(g) - v) * (1 - optimizer.beta_2)
                w = w - (m * alpha) / (_sqrt(v) + optimizer.epsilon)
                slots = (m, v)
            elif slots:
                # keras/src/optimizers/sgd.py, update_step with momentum.
                (m,) = slots
                momentum = tf.cast(optimizer.momentum, w.dtype)
                m = m * momentum - g * lr
                w = w + (m * momentum - g * lr if optimizer.nesterov else m)
                slots = (m,)
            else:
                w = w - g * lr
            new_weights.append(w)
            new_state.append(slots)
        return new_weights, new_state

    def _scores(self, weights, others, real, fake):
        """D's outputs on real and fake with substituted weights.

        One call on the concatenated batch (half the ops of two calls; the
        discriminator treats samples independently, no batch norm).
        """
        out, others = self.discriminator.stateless_call(
            weights, others, tf.concat([real, fake], axis=0), training=True)
        n = tf.shape(real)[0]
        return out[:n], out[n:], others

    def unrolled_discriminator(self, real, fake):
        """D's weights after `unroll_steps` optimizer steps on (real, fake).

        A pure function of tensors: the variables and optimizer state are
        not touched. Called under a `tf.GradientTape`, the result is
        differentiable with respect to whatever `fake` depends on (the
        inner gradients are recorded by the outer tape).

        Args:
            real: Real samples `(B, ...)`.
            fake: Generated samples `(B, ...)`.

        Returns:
            `(trainable, non_trainable)`: lists of tensors in the order of
            `discriminator.trainable_variables` / `.non_trainable_variables`,
            ready for `discriminator.stateless_call`.
        """
        d = self.discriminator
        weights = [tf.convert_to_tensor(v) for v in d.trainable_variables]
        others = [tf.convert_to_tensor(v) for v in d.non_trainable_variables]
        state = self._optimizer_state()
        step = tf.convert_to_tensor(self.d_optimizer.iterations)
        learning_rate = tf.convert_to_tensor(self.d_optimizer.learning_rate)
        for k in range(self.unroll_steps):
            with tf.GradientTape() as tape:
                tape.watch(weights)
                real_out, fake_out, others = self._scores(weights, others,
                                                          real, fake)
                loss, _ = self._discriminator_objective(real, fake, real_out,
                                                        fake_out)
            grads = tape.gradient(loss, weights)
            weights, state = self._optimizer_step(weights, grads, state,
                                                  step + k, learning_rate)
        return weights, others

    def unrolled_generator_loss(self, real, z):
        """The generator's loss against the unrolled discriminator.

        Differentiable with respect to the generator's weights through the
        K unrolled steps (call it under a `tf.GradientTape`).

        Args:
            real: The real batch the discriminator unrolls on, `(B, ...)`.
            z: Noise `(B, latent_dim)`.

        Returns:
            Scalar float32 loss: ``f(theta_G, theta_D^K)`` for `"minimax"`,
            ``-E log D_K(G(z))`` for `"non_saturating"`.
        """
        fake = self.generator(z, training=True)
        weights, others = self.unrolled_discriminator(real, fake)
        if self.loss_name == "minimax":
            real_out, fake_out, _ = self._scores(weights, others, real, fake)
            # The value function f; its real term reaches theta_G only
            # through theta_D^K.
            return -losses.gan_discriminator_loss(real_out, fake_out)
        fake_out, _ = self.discriminator.stateless_call(weights, others, fake,
                                                        training=True)
        return self._generator_objective(fake_out)

    # ---- training ----------------------------------------------------------

    def _train_unrolled_generator(self, real):
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            z = self.sample_noise(tf.shape(real)[0])
            loss = self.unrolled_generator_loss(real, z)
            scaled = self._scaled(self.g_optimizer, loss)
        self._apply(self.g_optimizer, tape, scaled, variables)
        self.update_generator_ema()
        self._trackers["g_loss"].update_state(loss)
        return loss

    def train_step(self, data):
        if self.unroll_steps == 0:
            return super().train_step(data)
        if self.d_optimizer is None:
            raise ValueError(
                f"Call `{type(self).__name__}.compile()` before training.")
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = tf.cast(real, tf.float32)
        separate = self._separate_xla()
        if separate:
            self._xla("discriminator", self._train_discriminator)(real)
        else:
            self._train_discriminator(real)
        train_generator = (
            self._xla("unrolled_generator", self._train_unrolled_generator)
            if separate else self._train_unrolled_generator)
        if self.n_critic == 1:
            train_generator(real)
        else:
            # As GAN: G after every n_critic-th D update (no loss scaling
            # here, so every D step counts).
            due = tf.equal(self.d_optimizer.iterations % self.n_critic, 0)
            tf.cond(due, lambda: train_generator(real),
                    lambda: tf.constant(0.0))
        return {m.name: m.result() for m in self.metrics}
