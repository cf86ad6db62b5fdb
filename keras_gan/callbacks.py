"""Training callbacks."""

import keras

from keras_gan._checks import check_float


@keras.saving.register_keras_serializable(package="keras_gan")
class ClipConstraint(keras.constraints.Constraint):
    """Clips a weight to ``[-clip_value, clip_value]`` element-wise."""

    def __init__(self, clip_value):
        self.clip_value = check_float("clip_value", clip_value,
                                      greater_than=0.0)

    def __call__(self, w):
        return keras.ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}


class WeightClipping(keras.callbacks.Callback):
    """Keeps every trainable critic weight in ``[-clip_value, clip_value]``.

    WGAN's Lipschitz constraint (Arjovsky et al. 2017, Algorithm 1, line 7:
    ``w <- clip(w, -c, c)`` after every critic update).

    Invariant: after EVERY critic update, every trainable weight of
    `model.discriminator` lies in ``[-c, c]`` -- including inside a compiled
    multi-step execution (`steps_per_execution > 1`) and under XLA. A hook at
    `on_train_batch_end` would only see every `steps_per_execution`-th update,
    so instead, for the duration of `fit()`, this callback attaches a
    `ClipConstraint` to each critic variable; Keras optimizers apply variable
    constraints right after each gradient update, inside the compiled step.
    The weights are also clipped once when training begins, so the invariant
    holds before the first update too. Constraints are removed when `fit()`
    ends. Non-trainable state (batch-norm statistics) is not a parameter and
    is left alone.

    Args:
        clip_value: c > 0 (paper: 0.01).

    Raises:
        ValueError: if `clip_value <= 0`, or at `fit()` if the model has no
            `discriminator` or a critic variable already has a different
            constraint.

    Example:
    ```python
    wgan = keras_gan.WGAN(generator, critic, latent_dim=100)
    wgan.compile()  # RMSProp(5e-5)
    wgan.fit(x, batch_size=64, callbacks=[WeightClipping(0.01)])
    ```
    """

    def __init__(self, clip_value=0.01):
        super().__init__()
        self.constraint = ClipConstraint(clip_value)
        self.clip_value = self.constraint.clip_value
        self._attached = []

    def _critic_variables(self):
        critic = getattr(self.model, "discriminator", None)
        if not isinstance(critic, keras.Model):
            raise ValueError(
                "Expected a model with a `discriminator` (a keras_gan GAN). "
                f"Received: {type(self.model).__name__}")
        return critic.trainable_variables

    def on_train_begin(self, logs=None):
        variables = self._critic_variables()
        for variable in variables:
            if variable.constraint not in (None, self.constraint):
                raise ValueError(
                    f"Expected critic variable {variable.path} without a "
                    "constraint, to attach weight clipping. Received: "
                    f"constraint={variable.constraint!r}")
        changed = any(v.constraint is not self.constraint for v in variables)
        for variable in variables:
            variable.constraint = self.constraint
            variable.assign(self.constraint(variable))
        self._attached = variables
        if changed:
            # Constraints are read when the step is traced: rebuild it.
            self.model.make_train_function(force=True)

    def on_train_end(self, logs=None):
        for variable in self._attached:
            variable.constraint = None
        self._attached = []
        # The traced step clips; drop it so a later fit() without this
        # callback traces a step that does not.
        self.model.train_function = None

