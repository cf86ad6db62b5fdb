"""Training callbacks."""

import math
import os
import time

import keras

from keras_gan._atomic import atomic_write, atomic_write_text
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



# ---- run outputs: checkpoints, pictures, fault guard ------------------------

def _finite_logs(logs):
    """Returns the names of non-finite values in `logs` (empty if all good)."""
    bad = []
    for name, value in (logs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(number):
            bad.append(f"{name}={number}")
    return bad


class NonFiniteGuard(keras.callbacks.Callback):
    """Stops training at the first NaN/Inf metric and remembers where.

    Checked after every executed batch, or after every compiled call of
    `steps_per_execution` steps (the metrics are running means, so a single
    non-finite loss makes the epoch's value non-finite too).
    `AtomicCheckpoint` consults `failure` and does not overwrite the last good
    checkpoint with a broken model.

    Attributes:
        failure: None, or a one-line description (epoch, step, values).
    """

    def __init__(self):
        super().__init__()
        self.failure = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.failure is not None:
            return
        bad = _finite_logs(logs)
        if bad:
            step = int(keras.ops.convert_to_numpy(
                self.model.d_optimizer.iterations))
            # With several steps per compiled call the logs come once per
            # call: the failure lies somewhere in that call's steps.
            per_call = getattr(self.model, "steps_per_execution", 1) or 1
            where = (f"critic step {step}" if per_call == 1 or batch is None
                     else f"critic steps {max(1, step - per_call + 1)}-{step}")
            self.failure = (f"non-finite loss at epoch {self._epoch + 1}, "
                            f"{where}: {', '.join(bad)}")
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.on_train_batch_end(None, logs)


class AtomicCheckpoint(keras.callbacks.Callback):
    """Saves the whole model as `.keras` after every good epoch, atomically.

    The model is written to a hidden temporary `.keras` file in the same
    folder, flushed to disk and renamed over `path` (`os.replace`), so `path`
    always holds a complete checkpoint: the old one or the new one. The
    checkpoint carries both networks, both optimizers (whose `iterations`
    count the completed steps) and the noise stream, so a run restored from it
    continues exactly.

    Args:
        path: Destination ending in `.keras`.
        guard: Optional `NonFiniteGuard`; no save after it tripped.
        steps_per_epoch: If given, an epoch that ended early (training
            stopped inside it, e.g. by `GracefulStop`) is not saved: the
            checkpoint stays at the last whole epoch, where a resumed run
            starts.
    """

    def __init__(self, path, guard=None, steps_per_epoch=None):
        super().__init__()
        self.path = str(path)
        if not self.path.endswith(".keras"):
            raise ValueError(f"Expected a checkpoint path ending in .keras. "
                             f"Received: {self.path}")
        self.guard = guard
        self.steps_per_epoch = steps_per_epoch
        self.saved_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        if self.guard is not None and self.guard.failure is not None:
            return
        if _finite_logs(logs):
            return
        steps = getattr(self.model, "train_steps", None)
        if self.steps_per_epoch and steps is not None and int(
                keras.ops.convert_to_numpy(steps)) % self.steps_per_epoch:
            return
        atomic_write(self.path, self.model.save)
        self.saved_epoch = epoch + 1


class SampleGrid(keras.callbacks.Callback):
    """Draws samples from FIXED noise after every epoch (comparable epochs).

    For images: a grid PNG per epoch (``<folder>/epoch_0001.png``, ...). For
    2-D data: a scatter of generated vs real points per epoch. Optionally the
    same picture goes to TensorBoard as an image summary (`log_dir`).

    Args:
        noise: Fixed `(N, latent_dim)` float32 noise.
        folder: Folder of the per-epoch PNGs.
        real_points: For 2-D data, `(M, 2)` real points to draw with the fake
            ones; None for images.
        centres: Optional `(K, 2)` mixture centres for the scatter.
        log_dir: Optional TensorBoard log dir for image summaries.
    """

    def __init__(self, noise, folder, real_points=None, centres=None,
                 log_dir=None):
        super().__init__()
        self.noise = noise
        self.folder = folder
        self.real_points = real_points
        self.centres = centres
        self.log_dir = log_dir
        self._writer = None

    def generate(self):
        """Generator outputs for the fixed noise, as a float32 NumPy array."""
        import numpy as np

        # Noise may be one array or a dict of inputs (a conditional
        # generator's z and labels): one batch of all rows either way.
        rows = len(next(iter(self.noise.values()))) if isinstance(
            self.noise, dict) else len(self.noise)
        out = self.model.sampling_generator.predict(self.noise, verbose=0,
                                                    batch_size=rows)
        return np.asarray(out, np.float32)

    def write(self, path, title):
        """Writes the picture for the current weights to `path`."""
        from keras_gan import plotting

        samples = self.generate()
        if self.real_points is not None:
            plotting.save_scatter(self.real_points, samples, path, title,
                                  centres=self.centres)
        else:
            plotting.save_image_grid(samples, path)
        return samples

    def on_epoch_end(self, epoch, logs=None):
        path = os.path.join(self.folder, f"epoch_{epoch + 1:04d}.png")
        samples = self.write(path, f"epoch {epoch + 1}")
        if self.log_dir is not None:
            self._summary(samples, path, epoch + 1)

    def _summary(self, samples, path, step):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(
                os.path.join(self.log_dir, "samples"))
        png = tf.io.read_file(path)
        height, width = tf.unstack(tf.shape(tf.io.decode_png(png))[:2])
        write_image_summary(self._writer, "samples", png, width, height, step)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _plugin_metadata(plugin_name):
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=plugin_name))


def write_scalar_summary(writer, name, value, step):
    """Writes a TensorBoard scalar with TF core ops only.

    `tf.summary.scalar` needs the separate `tensorboard` package; the event
    record written here (float32 tensor, plugin "scalars") is what it would
    write, so TensorBoard shows it the same way.
    """
    import tensorflow as tf

    with writer.as_default():
        tf.summary.write(name, tf.constant(float(value), tf.float32),
                         step=step, metadata=_plugin_metadata("scalars"))
    writer.flush()


def write_image_summary(writer, name, png, width, height, step):
    """Writes one PNG as a TensorBoard image summary (plugin "images").

    The tensor is ``[width, height, png bytes]`` as strings, the layout of
    `tf.summary.image`, which itself needs the `tensorboard` package.
    """
    import tensorflow as tf

    tensor = tf.stack([tf.strings.as_string(width),
                       tf.strings.as_string(height), png])
    with writer.as_default():
        tf.summary.write(name, tensor, step=step,
                         metadata=_plugin_metadata("images"))
    writer.flush()


class ScalarLogger(keras.callbacks.Callback):
    """Epoch metrics as TensorBoard scalars in ``<log_dir>/train``.

    Args:
        log_dir: TensorBoard log folder.
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = log_dir
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(
                os.path.join(self.log_dir, "train"))
        for name, value in (logs or {}).items():
            write_scalar_summary(self._writer, f"epoch_{name}", value,
                                 epoch + 1)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class CSVLog(keras.callbacks.Callback):
    """One row of metrics per epoch in a CSV file, rewritten atomically.

    Like `keras.callbacks.CSVLogger` (columns ``epoch`` then the metrics in
    sorted order, epochs counted from 0), but the whole file is written to a
    temporary name and renamed after every epoch, so a killed run never leaves
    a torn line, and no empty ``val_*`` columns (a GAN has no validation
    loss).

    Args:
        path: The CSV file.
        rows: Rows of earlier epochs to keep (for a resumed run), each a dict
            with ``epoch`` and the metrics.
    """

    def __init__(self, path, rows=None):
        super().__init__()
        self.path = path
        self.rows = [dict(row) for row in (rows or [])]

    def on_epoch_end(self, epoch, logs=None):
        import csv
        import io

        self.rows.append({"epoch": epoch,
                          **{k: float(v) for k, v in (logs or {}).items()}})
        names = sorted({k for row in self.rows for k in row} - {"epoch"})
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["epoch", *names])
        for row in self.rows:
            writer.writerow([row["epoch"], *(repr(row[k]) if k in row else ""
                                             for k in names)])
        text = out.getvalue()
        atomic_write_text(self.path, text)


class LossCurves(keras.callbacks.Callback):
    """Re-plots every metric against the epoch after each epoch (one PNG).

    Args:
        path: Output `.png` path.
        history: `{metric: [values of earlier epochs]}` (for a resumed run).
        title: Figure title.
    """

    def __init__(self, path, history=None, title=None):
        super().__init__()
        self.path = path
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.title = title

    def on_epoch_end(self, epoch, logs=None):
        from keras_gan import plotting

        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        plotting.save_loss_curves(self.history, self.path, self.title)


class AverageRecalibration(keras.callbacks.Callback):
    """Recomputes the generator average's batch-norm statistics each epoch.

    Calls the model's `recalibrate_average()` at every epoch's end (a no-op
    for a model without a generator average). Put it before every callback
    that samples, scores or saves the epoch's generator, so they see the
    average with statistics of its own weights. Training is unaffected: only
    the average's batch-norm statistics change, from fixed noise.
    """

    def on_epoch_end(self, epoch, logs=None):
        self.model.recalibrate_average()


class WallClock(keras.callbacks.Callback):
    """Logs `seconds`: wall time since the run began, across resumes.

    Put it first among the callbacks that read the logs, so `log.csv` pairs
    every epoch's scores with the time it took to reach them (the
    time-to-quality curve).

    Args:
        offset: Seconds already spent before this `fit()` (a resumed run
            continues its clock from the last logged epoch).
        start: Time the run began (`time.time()`); default: train begin.
    """

    def __init__(self, offset=0.0, start=None):
        super().__init__()
        self.offset = float(offset)
        self.start = start

    def on_train_begin(self, logs=None):
        if self.start is None:
            self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["seconds"] = self.offset + time.time() - self.start


class GracefulStop(keras.callbacks.Callback):
    """Turns SIGTERM (and SIGINT) into a clean stop after the current step.

    During `fit()` the signal handler only asks Keras to stop
    (`model.stop_training`), so the running step (or `steps_per_execution`
    block) finishes and no file is left half-written; with
    `AtomicCheckpoint(steps_per_epoch=...)` the checkpoint stays at the last
    whole epoch, where `--resume` continues exactly. The previous handlers
    come back when training ends. Only installed from the main thread
    (Python's rule for signal handlers).

    Attributes:
        signal_name: None, or the name of the signal that stopped training.
    """

    def __init__(self, signals=("SIGTERM", "SIGINT")):
        super().__init__()
        self.signals = signals
        self.signal_name = None
        self._previous = {}

    def _handle(self, number, frame):
        import signal

        self.signal_name = signal.Signals(number).name
        if self.model is not None:
            self.model.stop_training = True

    def on_train_begin(self, logs=None):
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return
        for name in self.signals:
            number = getattr(signal, name)
            self._previous[number] = signal.signal(number, self._handle)

    def on_train_end(self, logs=None):
        import signal

        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}
