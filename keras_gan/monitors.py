"""Callbacks that score samples while `fit()` runs.

`FIDCallback`, `ModeCoverageCallback` and `QualityMonitor` (what the CLI
puts in every epoch's `log.csv`: FID, classes, modes or spread, and a
warning on collapse), and `TranslationMonitor` for a CycleGAN. The numbers
come from `keras_gan.metrics`, the samples from `keras_gan.samplers`.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gan import datasets
from keras_gan._checks import check_float, check_int
from keras_gan.metrics import (TOY_EVAL_SAMPLES, UNSURE_BELOW,
                               EvaluationError, _distances,
                               _label_agreement, _stacked_mnist_outputs,
                               classifier_outputs, feature_statistics,
                               frechet_distance, kl_to_uniform,
                               mode_coverage, translation_scores)
from keras_gan.samplers import sampler_from_model

# ---- training callbacks ------------------------------------------------------------

class _EveryK(keras.callbacks.Callback):
    """Runs `_measure` on the first epoch, every `every` epochs and the last.

    Logging on the first epoch matters: `CSVLogger` fixes its columns from
    the first epoch's logs (later epochs without the key get "NA").
    """

    def __init__(self, every):
        super().__init__()
        self.every = check_int("every", every, 1)

    def _due(self, epoch):
        last = self.params.get("epochs") if self.params else None
        return epoch == 0 or (epoch + 1) % self.every == 0 or \
            (last is not None and epoch + 1 == last)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self._due(epoch):
            logs.update(self._measure())


class FIDCallback(_EveryK):
    """Logs classifier FID into the epoch logs every `every` epochs.

    Put it BEFORE `CSVLogger` / `TensorBoard` in the callbacks list: they
    read the same logs dict afterwards, so `fid` lands in the CSV and in
    TensorBoard. The noise is fixed (seeded), so successive values differ
    only because the generator changed.

    Args:
        real_images: Real images `(M, 28, 28, 1)`, M >= `num_samples`.
        dataset: Which classifier, `"mnist"` or `"fashion_mnist"`.
        every: Epoch period (plus the first and the last epoch).
        num_samples: Generated and real images per FID (> 128).
        seed: Seed of the noise and of the real-image draw.

    Example:
    ```python
    fid = FIDCallback(x_train, "mnist", every=5, num_samples=1000)
    gan.fit(ds, epochs=50, callbacks=[fid, keras.callbacks.CSVLogger("log.csv")])
    ```
    """

    def __init__(self, real_images, dataset, every=1, num_samples=1000,
                 seed=0):
        super().__init__(every)
        self.dataset = dataset
        self.num_samples = check_int("num_samples", num_samples, 2)
        real_images = np.asarray(real_images)
        if len(real_images) < self.num_samples:
            raise EvaluationError(
                f"Expected at least num_samples={self.num_samples} real "
                f"images. Received: {len(real_images)}")
        rows = np.random.default_rng(seed).permutation(len(real_images))
        features, _ = classifier_outputs(
            real_images[rows[:self.num_samples]], dataset)
        self.real_statistics = feature_statistics(features)
        self.seed = seed

    def _measure(self):
        fake = sampler_from_model(self.model).sample(self.num_samples,
                                                     self.seed)
        features, _ = classifier_outputs(fake, self.dataset)
        return {"fid": frechet_distance(*feature_statistics(features),
                                        *self.real_statistics)}


class ModeCoverageCallback(_EveryK):
    """Logs `modes`, `high_quality` and `reverse_kl` on a 2-D toy.

    Args:
        centres: Mixture centres `(K, 2)`.
        std: Component standard deviation.
        every: Epoch period (plus the first and the last epoch).
        num_samples: Samples per measurement (2,500 in the papers).
        seed: Seed of the fixed noise.
    """

    def __init__(self, centres, std, every=1, num_samples=TOY_EVAL_SAMPLES,
                 seed=0):
        super().__init__(every)
        self.centres = np.asarray(centres, np.float64)
        self.std = check_float("std", std, greater_than=0.0)
        self.num_samples = check_int("num_samples", num_samples, 1)
        self.seed = seed

    def _measure(self):
        samples = sampler_from_model(self.model).sample(self.num_samples,
                                                        self.seed)
        result = mode_coverage(samples, self.centres, self.std)
        return {key: float(result[key])
                for key in ("modes", "high_quality", "reverse_kl")}


def _spread(points):
    """Mean Euclidean distance between the rows of `points` (N, D)."""
    points = np.asarray(points, np.float64).reshape(len(points), -1)
    total, pairs = 0.0, 0
    for start in range(0, len(points), 256):
        block = _distances(points[start:start + 256], points)
        total += float(block.sum())
        pairs += block.size
    return total / max(pairs - len(points), 1)


class QualityMonitor(keras.callbacks.Callback):
    """Scores fixed-noise samples after every epoch and warns on collapse.

    What a run's `log.csv` shows beside the losses, so that a collapsed or
    broken run says so while it happens (the seeds' mode collapse: a
    generator that draws one digit). The noise is fixed, so successive
    epochs differ only by the generator. What it logs depends on the data:

    * `"mnist"`, `"fashion_mnist"`: `fid` (classifier FID of `num_samples`
      samples against as many real images, `fid_floor` the same for two
      real sets), `classes` (how many of the 10 classes the shipped
      classifier assigns) and `class_kl` (KL of that class histogram to
      uniform, `kl_to_uniform`).
    * `"stacked_mnist"`: `modes` (of 1,000 digit triples), `class_kl` and
      `unsure`, the share of digits the classifier labels with p < 0.99,
      averaged over the three channels (`metrics.unsure_share`; 0.14 for
      real digits): the digit quality that drives the channels' KL terms.
    * `"ring"`, `"grid"`: `modes`, `high_quality` and `reverse_kl`
      (`mode_coverage`).
    * anything else (`None`): `spread`, the mean pairwise distance of the
      samples over that of as many real examples (about 1 when the
      generator is as varied as the data, near 0 when collapsed).

    A conditional generator (`labels` given) draws sample i of class
    `labels[i]`; on `"mnist"` and `"fashion_mnist"` it also logs
    `class_accuracy` and `min_class_accuracy` (`class_accuracy`: how often
    the shipped classifier agrees with the requested class).

    Collapse is flagged (`collapsed`, one `warn` call per run, at the first
    epoch it is seen) when fewer than half of the classes or modes hold an
    even share: the effective number ``K exp(-KL)`` is below ``K / 2``; on
    the toys also when no sample is near a mode; otherwise when `spread`
    is below 0.5. Blurry early samples can trip it in the first epoch of a
    run; it is a hint to look at the samples, not a verdict.

    Args:
        dataset: One of the names above, or None.
        latent_dim: Size of z.
        real: Real examples (images in [0, 1] or uint8, or points); needed
            for FID and `spread`.
        num_samples: Samples per epoch (> 128 for FID).
        seed: Seed of the fixed noise and of the real-image draw.
        warn: Callable taking the warning line (default: print to stderr).
        labels: For a conditional generator, the class of each sample,
            `(num_samples,)` ints (class-balanced ones score best; see
            `models.conditional.balanced_labels`); None otherwise.

    Attributes:
        last: The last epoch's scores (a dict), or {} before the first.
        collapsed: The warning line, or None.
    """

    def __init__(self, dataset, latent_dim, real=None, num_samples=1000,
                 seed=0, warn=None, labels=None):
        super().__init__()
        self.dataset = dataset
        self.num_samples = check_int("num_samples", num_samples, 2)
        self.noise = np.random.default_rng([seed, 2]).standard_normal(
            (self.num_samples, check_int("latent_dim", latent_dim, 1))
        ).astype(np.float32)
        self.labels = None
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (self.num_samples,) or not np.issubdtype(
                    labels.dtype, np.integer) or labels.min() < 0:
                raise EvaluationError(
                    f"Expected one class label >= 0 per sample, shape "
                    f"({self.num_samples},). Received: labels "
                    f"{labels.dtype} {labels.shape}")
            self.labels = labels.astype(np.int32)
        self.warn = warn or self._stderr
        self.last = {}
        self.collapsed = None
        self.fid_floor = None
        self._real_statistics = None
        self._real_spread = None
        if dataset in ("mnist", "fashion_mnist"):
            real = np.asarray(real)
            if len(real) < 2 * self.num_samples or self.num_samples <= 128:
                raise EvaluationError(
                    f"Expected at least {2 * self.num_samples} real images "
                    f"and num_samples > 128 for FID. Received: {len(real)} "
                    f"images, num_samples={self.num_samples}")
            rows = np.random.default_rng([seed, 3]).permutation(len(real))
            a, _ = classifier_outputs(real[rows[:self.num_samples]], dataset)
            b, _ = classifier_outputs(
                real[rows[self.num_samples:2 * self.num_samples]], dataset)
            self._real_statistics = feature_statistics(a)
            self.fid_floor = frechet_distance(*feature_statistics(b),
                                              *self._real_statistics)
        elif dataset not in ("stacked_mnist", "ring", "grid"):
            real = np.asarray(real, np.float32)
            if len(real) > 2 * self.num_samples:
                rows = np.random.default_rng([seed, 3]).choice(
                    len(real), self.num_samples, replace=False)
                real = real[rows]
            if real.dtype == np.uint8:
                real = real / 255.0
            self._real_spread = _spread(real)

    @staticmethod
    def _stderr(line):
        import sys

        print(line, file=sys.stderr, flush=True)

    def score(self, samples):
        """The scores of `samples` (see the class docstring) as a dict."""
        if self.dataset in ("ring", "grid"):
            result = mode_coverage(samples, datasets.TOY_CENTRES[self.dataset],
                                   datasets.TOY_STD[self.dataset])
            return {key: float(result[key])
                    for key in ("modes", "high_quality", "reverse_kl")}
        if self.dataset == "stacked_mnist":
            labels, confidence = _stacked_mnist_outputs(samples, 2000)
            counts = np.bincount(labels, minlength=1000)
            return {"modes": float(np.count_nonzero(counts)),
                    "class_kl": kl_to_uniform(counts),
                    "unsure": float(np.mean(confidence < UNSURE_BELOW))}
        if self.dataset in ("mnist", "fashion_mnist"):
            features, probs = classifier_outputs(samples, self.dataset)
            counts = np.bincount(probs.argmax(axis=1), minlength=10)
            scores = {"fid": frechet_distance(*feature_statistics(features),
                                              *self._real_statistics),
                      "fid_floor": self.fid_floor,
                      "classes": float(np.count_nonzero(counts)),
                      "class_kl": kl_to_uniform(counts)}
            if self.labels is not None:
                accuracy = _label_agreement(probs.argmax(axis=1),
                                            self.labels, 10)
                scores.update(
                    class_accuracy=accuracy["class_accuracy"],
                    min_class_accuracy=accuracy["min_class_accuracy"])
            return scores
        spread = _spread(samples)
        return {"spread": spread / self._real_spread
                if self._real_spread > 0 else float("nan")}

    def diagnosis(self, scores):
        """A one-line reason if `scores` look collapsed, else None."""
        n = f"{self.num_samples:,} fixed-noise samples"
        if self.dataset in ("ring", "grid"):
            total = len(datasets.TOY_CENTRES[self.dataset])
            if scores["high_quality"] == 0:
                return (f"none of its {n} lies within 3 std of any of the "
                        f"{total} modes")
            effective = total * np.exp(-scores["reverse_kl"])
            if scores["modes"] < total / 2 or effective < total / 2:
                return (f"its {n} cover {scores['modes']:.0f} of {total} "
                        f"modes (effective {effective:.1f}, reverse KL "
                        f"{scores['reverse_kl']:.2f})")
            return None
        if "class_kl" in scores:
            total = 1000 if self.dataset == "stacked_mnist" else 10
            present = scores.get("modes", scores.get("classes"))
            effective = total * np.exp(-scores["class_kl"])
            if effective < total / 2:
                what = "digit triples" if total == 1000 else "classes"
                return (f"its {n} fall in {present:.0f} of {total} {what} "
                        f"(effective {effective:.1f}, KL to uniform "
                        f"{scores['class_kl']:.2f})")
            return None
        if scores["spread"] < 0.5:
            return (f"its {n} are {scores['spread']:.2f} times as spread "
                    f"out as the data")
        return None

    def on_epoch_end(self, epoch, logs=None):
        generator = self.model.sampling_generator

        def inputs(i):
            z = self.noise[i:i + 500]
            if self.labels is None:
                return z
            return [tf.constant(z), tf.constant(self.labels[i:i + 500])]

        samples = np.concatenate([
            np.asarray(generator(inputs(i), training=False), np.float32)
            for i in range(0, self.num_samples, 500)])
        if not np.all(np.isfinite(samples)):
            self.last = {}
            return
        self.last = self.score(samples)
        if logs is not None:
            logs.update(self.last)
        reason = self.diagnosis(self.last)
        if reason and self.collapsed is None:
            self.collapsed = (f"warning: the generator looks collapsed at "
                              f"epoch {epoch + 1}: {reason}; look at the "
                              f"samples")
            self.warn(self.collapsed)


class TranslationMonitor(keras.callbacks.Callback):
    """Logs `translation_scores` of a CycleGAN after every epoch.

    Adds `cycle_error` (and on `mnist2inverted` `accuracy_ab`,
    `accuracy_ba`; with a classifier `cycle_accuracy_*`) to the epoch's
    logs, so `log.csv` shows quality against time.

    Args:
        held_out: A dict with `test_a`, `test_b` (and `labels_a`,
            `labels_b` for a named data set).
        dataset: A `TRANSLATION_CLASSIFIERS` name, or None.
        num_samples: Images per domain scored per epoch.

    Attributes:
        last: The last epoch's scores.
    """

    LOGGED = ("cycle_error", "accuracy_ab", "accuracy_ba",
              "cycle_accuracy_a", "cycle_accuracy_b")

    def __init__(self, held_out, dataset=None, num_samples=500):
        super().__init__()
        self.held_out = held_out
        self.dataset = dataset
        self.num_samples = check_int("num_samples", num_samples, 1)
        self.last = {}

    def on_epoch_end(self, epoch, logs=None):
        scores = translation_scores(self.model, self.held_out, self.dataset,
                                    self.num_samples)
        self.last = scores
        if logs is not None:
            logs.update({key: scores[key] for key in self.LOGGED
                         if key in scores})
