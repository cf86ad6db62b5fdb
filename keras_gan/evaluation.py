"""Evaluation: one call per data set, and the quality API in one place.

`evaluate_sampler` and `evaluate_translator` are what `evaluate.py` runs on a
SavedModel export, a checkpoint or a run dir. The parts live in three
modules, re-exported here so `keras_gan.evaluation.X` keeps working:

* `keras_gan.metrics`: the numbers (FID and its floor, IS, precision and
  recall, mode coverage, class accuracy, Stacked MNIST, translation scores);
* `keras_gan.samplers`: what is scored (`Sampler`, `Translator`,
  `load_sampler`);
* `keras_gan.monitors`: the callbacks that log the numbers during `fit()`.
"""

from keras_gan import datasets
from keras_gan._checks import check_int
from keras_gan.metrics import (
    STACKED_MNIST_SAMPLES, TOY_EVAL_SAMPLES, TRANSLATION_CLASSIFIERS,
    TRANSLATION_EVAL_SAMPLES, EvaluationError, class_accuracy,
    classifier_outputs, feature_statistics, fid_from_features,
    frechet_distance, inception_score, kl_to_uniform, mode_coverage,
    precision_recall, real_unsure_share, score_images,
    stacked_mnist_coverage, stacked_mnist_labels, stacked_mnist_scores,
    translation_scores, unsure_share)
from keras_gan.monitors import (
    FIDCallback, ModeCoverageCallback, QualityMonitor, TranslationMonitor)
from keras_gan.samplers import (
    Sampler, Translator, is_translation_export, load_sampler,
    sampler_from_model, translator_from_model)

#: Re-exported parts and the module's own API.
__all__ = ['DEFAULT_IMAGE_SAMPLES', 'EVAL_DATASETS', 'EvaluationError',
           'FIDCallback', 'ModeCoverageCallback', 'QualityMonitor',
           'STACKED_MNIST_SAMPLES', 'Sampler', 'TOY_EVAL_SAMPLES',
           'TRANSLATION_CLASSIFIERS', 'TRANSLATION_EVAL_SAMPLES',
           'TranslationMonitor', 'Translator', 'class_accuracy',
           'classifier_outputs', 'evaluate_sampler', 'evaluate_translator',
           'feature_statistics', 'fid_from_features', 'frechet_distance',
           'inception_score', 'is_translation_export', 'kl_to_uniform',
           'load_sampler', 'mode_coverage', 'precision_recall',
           'real_unsure_share', 'sampler_from_model', 'score_images',
           'stacked_mnist_coverage', 'stacked_mnist_labels',
           'stacked_mnist_scores',
           'translation_scores',
           'translator_from_model', 'unsure_share']

# ---- one call for the CLI ------------------------------------------------------------

EVAL_DATASETS = ("mnist", "fashion_mnist", "stacked_mnist", "ring", "grid",
                 "mnist2inverted", "mnist2fashion")
_EXPECTED = {"mnist": ("images", (28, 28, 1)),
             "fashion_mnist": ("images", (28, 28, 1)),
             "stacked_mnist": ("images", (28, 28, 3)),
             "ring": ("samples", (2,)), "grid": ("samples", (2,))}
DEFAULT_IMAGE_SAMPLES = 2000


def evaluate_sampler(sampler, dataset, num_samples=None, seed=0,
                     data_dir=None):
    """Scores a generator on a data set with the metric that fits it.

    * `mnist`, `fashion_mnist`: `score_images` (classifier FID with its
      real-vs-real floor, IS, precision/recall); `num_samples` defaults to
      2,000 generated images against two disjoint sets of 2,000 real ones.
    * `ring`, `grid`: `mode_coverage` on 2,500 samples (default).
    * `stacked_mnist`: `stacked_mnist_coverage` on 26,000 samples (default).

    A conditional generator (`sampler.conditional`, e.g. an export of
    `ConditionalGAN`) is asked for the classes in turn (`num_samples / 10`
    of each) and additionally scored by `class_accuracy`: overall and
    per-class agreement of the shipped classifier with the requested class.

    Args:
        sampler: A `Sampler` (see `load_sampler`, `sampler_from_model`).
        dataset: One of `EVAL_DATASETS`.
        num_samples: Generated samples; see above for defaults.
        seed: Seed of the noise (and of the real-image draws).
        data_dir: Folder of idx files for the real images (optional).

    Returns:
        A JSON-ready dict: `dataset`, `source`, `num_samples`, `seed` and the
        metrics.

    Raises:
        EvaluationError: if the data set does not match the generator's
            output, or on too few samples.
    """
    if isinstance(sampler, Translator):
        return evaluate_translator(sampler, dataset or sampler.dataset,
                                   num_samples, data=sampler.data)
    if dataset in TRANSLATION_CLASSIFIERS:
        raise EvaluationError(
            f"Expected a CycleGAN export or run for dataset={dataset!r} (a "
            f"translation data set). Received: a generator from "
            f"{sampler.source}")
    if dataset not in _EXPECTED:
        raise EvaluationError(
            f"Expected a data set in {list(EVAL_DATASETS)}. Received: "
            f"{dataset!r}")
    kind, shape = _EXPECTED[dataset]
    if (sampler.kind, sampler.sample_shape) != (kind, shape):
        raise EvaluationError(
            f"Expected a generator of {kind} of shape {shape} for "
            f"dataset={dataset!r}. Received: {sampler.kind} of shape "
            f"{sampler.sample_shape} from {sampler.source}")
    if num_samples is not None:
        num_samples = check_int("num_samples", num_samples, 1)
    if sampler.conditional and (dataset not in ("mnist", "fashion_mnist")
                                or sampler.num_classes != 10):
        raise EvaluationError(
            f"Expected a conditional generator of the 10 classes of mnist "
            f"or fashion_mnist (scored by that data set's classifier). "
            f"Received: {sampler.num_classes} classes, dataset={dataset!r}")
    result = {"dataset": dataset, "source": sampler.source, "seed": seed}
    if dataset in ("ring", "grid"):
        n = num_samples or TOY_EVAL_SAMPLES
        result.update(mode_coverage(sampler.sample(n, seed),
                                    datasets.TOY_CENTRES[dataset],
                                    datasets.TOY_STD[dataset]))
        result["std"] = datasets.TOY_STD[dataset]
    elif dataset == "stacked_mnist":
        n = num_samples or STACKED_MNIST_SAMPLES
        result.update(stacked_mnist_coverage(sampler.sample(n, seed)))
    else:
        n = num_samples or DEFAULT_IMAGE_SAMPLES
        if n <= 128:
            raise EvaluationError(
                f"Too few samples for a 128x128 feature covariance: expected "
                f"num_samples >= 129. Received: {n}")
        real, _ = datasets.load_images(dataset, data_dir=data_dir)
        if len(real) < 2 * n:
            raise EvaluationError(
                f"Expected at least {2 * n} real {dataset} images for FID "
                f"and its real-vs-real floor with num_samples={n}. "
                f"Received: {len(real)} (lower --num-samples)")
        labels = None
        if sampler.conditional:
            from keras_gan.models.conditional import balanced_labels

            labels = balanced_labels(n, sampler.num_classes)
        fake = sampler.sample(n, seed, labels=labels)
        result.update(score_images(fake, real, dataset, num_samples=n,
                                   seed=seed + 1))
        if labels is not None:
            result.update(class_accuracy(fake, labels, dataset))
    return result


def evaluate_translator(translator, dataset=None, num_samples=None,
                        data=None):
    """What `evaluate.py` reports for a CycleGAN export or run.

    Args:
        translator: A `Translator`.
        dataset: `"mnist2inverted"` or `"mnist2fashion"` (their held-out
            images, see `datasets.translation_domains`), or None with `data`.
        num_samples: Held-out images per domain (default: all 1,000).
        data: `(path_a, path_b)` of the user's domains (`.npz` or image
            folders): only the cycle errors, on those images (which a run
            trained on: not held out).

    Returns:
        A JSON-ready dict (`kind` = "translation").

    Raises:
        EvaluationError: an unknown data set, images of another shape than
            the translator's, or unreadable user data.
    """
    if num_samples is not None:
        num_samples = check_int("num_samples", num_samples, 1)
    if dataset in TRANSLATION_CLASSIFIERS:
        held_out = datasets.translation_domains(dataset)
    elif data is not None:
        try:
            x_a, x_b = datasets.load_translation_pair(*data)
        except ValueError as error:
            raise EvaluationError(str(error)) from None
        held_out = {"test_a": x_a, "test_b": x_b}
        dataset = None
    else:
        raise EvaluationError(
            f"Expected --dataset {' or '.join(TRANSLATION_CLASSIFIERS)} (or "
            f"--data A --data-b B) for a CycleGAN. Received: "
            f"dataset={dataset!r}")
    for key in ("test_a", "test_b"):
        if tuple(held_out[key].shape[1:]) != translator.image_shape:
            raise EvaluationError(
                f"Expected images of the translator's shape "
                f"{translator.image_shape}. Received: "
                f"{tuple(held_out[key].shape[1:])} for domain "
                f"{key[-1].upper()}")
    result = {"kind": "translation", "dataset": dataset,
              "source": translator.source}
    if data is not None and dataset is None:
        result["data"] = [str(p) for p in data]
    result.update(translation_scores(translator, held_out, dataset,
                                     num_samples))
    return result
