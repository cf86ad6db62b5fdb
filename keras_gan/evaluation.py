"""Sample-quality metrics that work offline.

GAN losses do not track sample quality, so this module gives numbers that do:

* `frechet_distance`: the Frechet distance between two Gaussians, the core of
  FID (Heusel et al. 2017).
* `mode_coverage`: the 2-D mixture protocol of VEEGAN (Srivastava et al.
  2017) and PacGAN (Lin et al. 2018): modes captured, fraction of
  high-quality samples, reverse KL of the mode histogram to uniform.
* `kl_to_uniform`: the KL divergence of a histogram to the uniform one, used
  by the mode-coverage and Stacked MNIST scores.
* `score_images`: classifier FID next to its real-vs-real floor, classifier
  Inception Score, precision/recall (Kynkaanniemi et al. 2019).
* `class_accuracy`: for a conditional generator, how often the shipped
  classifier labels its images as the requested class, overall and per
  class.
* `stacked_mnist_coverage`: modes hit and KL on Stacked MNIST.
* `translation_scores` / `evaluate_translator`: a CycleGAN's held-out
  class agreement after translation and its cycle reconstruction error
  (`Translator`, `TranslationMonitor`).
* `load_sampler` / `evaluate_sampler`: what `evaluate.py` runs on a SavedModel
  export or a run dir; `FIDCallback` / `ModeCoverageCallback` log the same
  numbers during `fit()`.

ImageNet Inception weights cannot be downloaded here (and a domain classifier
is the better feature extractor for 28x28 digits anyway), so FID and IS are
computed on the features of a small CNN the project trains itself
(`scripts/train_classifiers.py`) and ships in `keras_gan/data/`.
"""

import json
import pathlib

import keras
import numpy as np
import tensorflow as tf

from keras_gan import classifiers, datasets
from keras_gan._checks import check_float, check_int

# Samples per 2-D mode-coverage evaluation in VEEGAN / PacGAN.
TOY_EVAL_SAMPLES = 2500


def _as_matrix(name, value, size=None):
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0 and size == 1:
        array = array.reshape(1, 1)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(
            f"Expected `{name}` to be a square matrix. Received: shape "
            f"{array.shape}")
    if size is not None and array.shape[0] != size:
        raise ValueError(
            f"Expected `{name}` of shape ({size}, {size}) to match the mean. "
            f"Received: shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Expected `{name}` to be finite. Received NaN/inf.")
    # Covariances are symmetric; rounding can make them slightly not so.
    return 0.5 * (array + array.T)


def _psd_sqrt(matrix):
    """Symmetric square root of a symmetric positive semi-definite matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    # Round-off makes the eigenvalues of a singular covariance slightly
    # negative; they are zero.
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    return (eigenvectors * roots) @ eigenvectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Frechet (2-Wasserstein) distance between two Gaussians.

    ``d^2 = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))``
    (Dowson & Landau 1982), the quantity behind FID (Heusel et al. 2017).

    How the matrix square root is taken: ``S1 S2`` is not symmetric, and a
    general-purpose ``sqrtm`` of it can return small imaginary parts or fail
    when a covariance is (nearly) singular, which is why the reference FID
    code adds a small ridge and drops imaginary residue. Here the trace is
    computed from a symmetric matrix instead: ``(S1 S2)^(1/2)`` is similar
    to ``(A S2 A)^(1/2)`` with ``A = S1^(1/2)``, so
    ``tr((S1 S2)^(1/2)) = sum_i sqrt(lambda_i(A S2 A))``. Both steps are
    symmetric eigen-decompositions whose eigenvalues are real; round-off
    negatives (singular covariances, fewer samples than features) are
    clipped to zero. The result is real by construction, needs no ridge,
    and agrees with ``scipy.linalg.sqrtm`` wherever that is well defined.

    Args:
        mu1: Mean of the first Gaussian, shape `(d,)`.
        sigma1: Covariance of the first Gaussian, shape `(d, d)`.
        mu2: Mean of the second Gaussian, shape `(d,)`.
        sigma2: Covariance of the second Gaussian, shape `(d, d)`.

    Returns:
        The squared Frechet distance as a Python float (>= 0; this is what
        is reported as "FID").

    Raises:
        ValueError: if the shapes disagree or an input is not finite.

    Example:
    >>> frechet_distance([0., 0.], [[1., 0.], [0., 4.]],
    ...                  [1., 0.], [[1., 0.], [0., 1.]])
    2.0
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    if mu1.ndim != 1 or mu1.shape != mu2.shape:
        raise ValueError(
            "Expected `mu1` and `mu2` to be vectors of the same length. "
            f"Received: shapes {mu1.shape} and {mu2.shape}")
    if not (np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu2))):
        raise ValueError("Expected finite means. Received NaN/inf.")
    size = mu1.shape[0]
    sigma1 = _as_matrix("sigma1", sigma1, size)
    sigma2 = _as_matrix("sigma2", sigma2, size)
    root1 = _psd_sqrt(sigma1)
    middle = root1 @ sigma2 @ root1
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(0.5 * (middle + middle.T)),
                            0.0, None)).sum()
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * cross
    # Exact arithmetic gives >= 0; round-off can give -1e-12.
    return float(max(value, 0.0))


def kl_to_uniform(counts):
    """KL divergence ``KL(p || u)`` of a histogram to the uniform histogram.

    ``p = counts / sum(counts)`` over K bins and ``u = 1/K``:
    ``KL(p || u) = sum_k p_k log(K p_k)`` in nats, with the usual convention
    ``0 log 0 = 0`` for empty bins (a missed mode adds nothing by itself, but
    raises the mass, hence the log-ratio, of the bins that were hit). It lies
    in ``[0, log K]``: 0 when every bin has the same count, ``log K`` when all
    mass is in one bin. This is the "reverse KL" of VEEGAN/PacGAN: generated
    distribution first, target (uniform over modes) second.

    Args:
        counts: Non-negative counts per bin, shape `(K,)`.

    Returns:
        The KL divergence as a float, or NaN if all counts are zero (there is
        no distribution to compare).

    Raises:
        ValueError: if `counts` is not a non-empty vector of non-negative
            numbers.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0) or not \
            np.all(np.isfinite(counts)):
        raise ValueError(
            "Expected `counts` to be a non-empty vector of non-negative "
            f"numbers. Received: {counts!r}")
    total = counts.sum()
    if total == 0:
        return float("nan")
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(p * counts.size)))


def mode_coverage(samples, centres, std, threshold=3.0):
    """Mode coverage of 2-D samples from a Gaussian mixture (VEEGAN/PacGAN).

    The protocol of Srivastava et al. 2017 (VEEGAN, section 5) as used by
    Lin et al. 2018 (PacGAN, Table 1): a sample is *high quality* if it lies
    within `threshold` (3) standard deviations of its nearest centre; a mode
    is *captured* if it is the nearest centre of at least one high-quality
    sample; the *reverse KL* is ``KL(p_hq || uniform)`` (`kl_to_uniform`)
    where ``p_hq`` is the histogram of high-quality samples over the K
    centres. The papers draw 2,500 samples (`TOY_EVAL_SAMPLES`).

    Args:
        samples: Generated points, shape `(N, D)`.
        centres: Mixture centres, shape `(K, D)`.
        std: Standard deviation of each (isotropic) mixture component.
        threshold: The high-quality radius in units of `std`.

    Returns:
        A dict with
        `modes` (int, captured modes), `total_modes` (K),
        `high_quality` (float, fraction of samples that are high quality),
        `reverse_kl` (float, NaN if no sample is high quality),
        `counts` (list of K ints, high-quality samples per centre) and
        `num_samples` (N).

    Raises:
        ValueError: on mismatched shapes, non-finite samples, or a
            non-positive `std` / `threshold`.

    Example:
    >>> centres = np.array([[1.0, 0.0], [-1.0, 0.0]])
    >>> mode_coverage(centres[[0, 0, 1]], centres, std=0.1)["modes"]
    2
    """
    samples = np.asarray(samples, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    std = check_float("std", std, greater_than=0.0)
    threshold = check_float("threshold", threshold, greater_than=0.0)
    if centres.ndim != 2 or centres.shape[0] < 1:
        raise ValueError(
            "Expected `centres` of shape (K, D) with K >= 1. Received: shape "
            f"{centres.shape}")
    if samples.ndim != 2 or samples.shape[1] != centres.shape[1] or \
            samples.shape[0] < 1:
        raise ValueError(
            f"Expected `samples` of shape (N, {centres.shape[1]}) with "
            f"N >= 1, like the centres. Received: shape {samples.shape}")
    if not np.all(np.isfinite(samples)):
        raise ValueError("Expected finite `samples`. Received NaN/inf.")
    distances = np.linalg.norm(samples[:, None, :] - centres[None], axis=-1)
    nearest = np.argmin(distances, axis=1)  # (N,)
    high_quality = distances[np.arange(len(samples)), nearest] <= \
        threshold * std
    counts = np.bincount(nearest[high_quality], minlength=len(centres))
    return {
        "modes": int(np.count_nonzero(counts)),
        "total_modes": int(len(centres)),
        "high_quality": float(np.mean(high_quality)),
        "reverse_kl": kl_to_uniform(counts),
        "counts": counts.tolist(),
        "num_samples": int(len(samples)),
    }


# ---- classifier features: FID, IS, precision / recall -------------------------

class EvaluationError(ValueError):
    """Bad input to an evaluation (the CLI turns it into exit status 2)."""


def _unit_images(name, images, channels=1):
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1:] != (28, 28, channels):
        raise EvaluationError(
            f"Expected `{name}` of shape (N, 28, 28, {channels}). Received: "
            f"shape {images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)):
        raise EvaluationError(f"Expected finite `{name}`. Received NaN/inf.")
    return images


def classifier_outputs(images, dataset, batch_size=500):
    """Features and class probabilities of the shipped classifier.

    Args:
        images: `(N, 28, 28, 1)` uint8 (0..255) or float in [0, 1].
        dataset: `"mnist"` or `"fashion_mnist"` (which classifier).
        batch_size: Inference batch size.

    Returns:
        `(features, probs)`: float64 `(N, 128)` penultimate activations and
        float64 `(N, 10)` softmax probabilities.
    """
    images = _unit_images("images", images)
    model = classifiers.load_classifier(dataset)
    features, probs = [], []
    for start in range(0, len(images), batch_size):
        f, logits = model(images[start:start + batch_size], training=False)
        features.append(np.asarray(f, np.float64))
        logits = np.asarray(logits, np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        probs.append(p / p.sum(axis=1, keepdims=True))
    return np.concatenate(features), np.concatenate(probs)


def feature_statistics(features):
    """Mean and covariance of features, refusing too few samples.

    Args:
        features: `(N, d)` array.

    Returns:
        `(mu (d,), sigma (d, d))`, the unbiased sample covariance.

    Raises:
        EvaluationError: if `N <= d`: the covariance would be rank deficient
            and the Frechet distance dominated by that, not by the samples.
    """
    features = np.asarray(features, np.float64)
    if features.ndim != 2:
        raise EvaluationError(
            f"Expected features of shape (N, d). Received: {features.shape}")
    n, d = features.shape
    if n <= d:
        raise EvaluationError(
            f"Too few samples for a {d}x{d} feature covariance: expected at "
            f"least {d + 1} samples. Received: {n}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def fid_from_features(features1, features2):
    """Frechet distance between the Gaussians fitted to two feature sets."""
    return frechet_distance(*feature_statistics(features1),
                            *feature_statistics(features2))


def inception_score(probs, splits=10):
    """Inception Score ``exp(E_x KL(p(y|x) || p(y)))`` (Salimans et al. 2016).

    As in the original protocol the samples are cut into `splits` equal
    parts, p(y) is the mean prediction within a part, and the mean and
    standard deviation of the per-part scores are reported. With K classes
    the score lies in [1, K].

    Args:
        probs: Class probabilities, shape `(N, K)`, rows summing to 1.
        splits: Number of parts (each must hold at least one sample).

    Returns:
        `(mean, std)` over the parts, as floats.
    """
    probs = np.asarray(probs, np.float64)
    splits = check_int("splits", splits, 1)
    if probs.ndim != 2 or len(probs) < splits:
        raise EvaluationError(
            f"Expected probabilities of shape (N, K) with N >= splits="
            f"{splits}. Received: shape {probs.shape}")
    scores = []
    for part in np.array_split(probs, splits):
        marginal = part.mean(axis=0, keepdims=True)
        # 0 log 0 = 0: zero-probability classes contribute nothing.
        ratio = np.where(part > 0, part / np.where(marginal > 0, marginal, 1),
                         1.0)
        kl = np.sum(part * np.log(ratio), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _kth_neighbour_radius(features, k, chunk=1024):
    radii = np.empty(len(features))
    for start in range(0, len(features), chunk):
        d = _distances(features[start:start + chunk], features)
        # Column 0 of the sorted row is the point itself (distance 0).
        radii[start:start + chunk] = np.partition(d, k, axis=1)[:, k]
    return radii


def _distances(a, b):
    squared = (np.sum(a * a, 1)[:, None] + np.sum(b * b, 1)[None]
               - 2.0 * a @ b.T)
    return np.sqrt(np.clip(squared, 0.0, None))


def _inside_manifold(queries, support, radii, chunk=1024):
    inside = np.empty(len(queries), bool)
    for start in range(0, len(queries), chunk):
        d = _distances(queries[start:start + chunk], support)
        inside[start:start + chunk] = np.any(d <= radii[None], axis=1)
    return inside


def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019).

    Each set's manifold is the union of balls around its points with radius
    the distance to the point's k-th nearest neighbour in the same set.
    Precision: fraction of fake points inside the real manifold; recall:
    fraction of real points inside the fake manifold.

    Args:
        real_features: `(N, d)` features of real samples.
        fake_features: `(M, d)` features of generated samples.
        k: Neighbourhood size (paper: 3).

    Returns:
        `(precision, recall)` as floats in [0, 1].
    """
    k = check_int("k", k, 1)
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1] \
            or min(len(real), len(fake)) <= k:
        raise EvaluationError(
            f"Expected two feature sets (N, d) with the same d and more than "
            f"k={k} rows. Received: {real.shape} and {fake.shape}")
    precision = _inside_manifold(fake, real, _kth_neighbour_radius(real, k))
    recall = _inside_manifold(real, fake, _kth_neighbour_radius(fake, k))
    return float(precision.mean()), float(recall.mean())


def score_images(fake_images, real_images, dataset, num_samples=None,
                 seed=0, splits=10, batch_size=500):
    """Classifier FID (with its real-vs-real floor), IS and precision/recall.

    Draws two disjoint sets of `num_samples` real images, A and B. FID is
    FID(fake, A); the floor is FID(B, A): same classifier, same sample sizes,
    so it is the value a perfect generator would get up to noise.

    Args:
        fake_images: `(N, 28, 28, 1)` generated images in [0, 1].
        real_images: `(M, 28, 28, 1)` real images, M >= 2 * num_samples.
        dataset: Which shipped classifier, `"mnist"` or `"fashion_mnist"`.
        num_samples: Images per set (default: all of `fake_images`).
        seed: Seed of the real-image draws.
        splits: IS splits.
        batch_size: Classifier batch size.

    Returns:
        A dict: `fid`, `fid_floor` (real vs real), `fid_ratio` (fid /
        floor), `is_mean`, `is_std`, `is_real_mean` (IS of real set A),
        `precision`, `recall`, `classes` (classes the classifier assigns to
        the generated images) and `class_kl` (KL of that class histogram to
        uniform, `kl_to_uniform`), `num_samples`,
        `classifier_test_accuracy`.

    Raises:
        EvaluationError: on bad shapes, too few samples, or too few real
            images for two disjoint sets.
    """
    fake_images = _unit_images("fake_images", fake_images)
    real_images = np.asarray(real_images)
    _unit_images("real_images", real_images[:1])
    n = len(fake_images) if num_samples is None else check_int(
        "num_samples", num_samples, 1)
    if len(fake_images) < n:
        raise EvaluationError(
            f"Expected at least num_samples={n} generated images. Received: "
            f"{len(fake_images)}")
    if len(real_images) < 2 * n:
        raise EvaluationError(
            f"Expected at least {2 * n} real images for two disjoint sets of "
            f"{n} (FID and its real-vs-real floor). Received: "
            f"{len(real_images)}")
    order = np.random.default_rng(seed).permutation(len(real_images))
    real_a = real_images[order[:n]]
    real_b = real_images[order[n:2 * n]]
    fake_f, fake_p = classifier_outputs(fake_images[:n], dataset, batch_size)
    a_f, a_p = classifier_outputs(real_a, dataset, batch_size)
    b_f, _ = classifier_outputs(real_b, dataset, batch_size)
    stats_a = feature_statistics(a_f)
    fid = frechet_distance(*feature_statistics(fake_f), *stats_a)
    floor = frechet_distance(*feature_statistics(b_f), *stats_a)
    is_mean, is_std = inception_score(fake_p, splits)
    precision, recall = precision_recall(a_f, fake_f)
    classes = np.bincount(np.argmax(fake_p, axis=1), minlength=10)
    return {
        "classes": int(np.count_nonzero(classes)),
        "class_kl": kl_to_uniform(classes),
        "fid": fid,
        "fid_floor": floor,
        "fid_ratio": fid / floor if floor > 0 else float("inf"),
        "is_mean": is_mean,
        "is_std": is_std,
        "is_real_mean": inception_score(a_p, splits)[0],
        "precision": precision,
        "recall": recall,
        "num_samples": n,
        "classifier_test_accuracy": classifiers.info(dataset)[
            "test_accuracy"],
    }


def _label_agreement(predicted, labels, num_classes):
    predicted = np.asarray(predicted)
    labels = np.asarray(labels)
    per_class = []
    for k in range(num_classes):
        rows = labels == k
        per_class.append(float(np.mean(predicted[rows] == k))
                         if rows.any() else float("nan"))
    present = [a for a in per_class if a == a]
    return {"class_accuracy": float(np.mean(predicted == labels)),
            "per_class_accuracy": per_class,
            "min_class_accuracy": float(min(present)),
            "requested_per_class": np.bincount(
                labels, minlength=num_classes).tolist()}


def class_accuracy(images, labels, dataset, batch_size=500):
    """How often the shipped classifier sees the requested class.

    The score of a conditional generator: image i was asked to be of class
    `labels[i]`; the accuracy is the fraction of images the data set's
    shipped classifier (`classifiers.load_classifier`) assigns to exactly
    that class, overall and per requested class. It is bounded by the
    classifier's own test accuracy (`classifiers.info(dataset)`).

    Args:
        images: `(N, 28, 28, 1)` generated images in [0, 1].
        labels: `(N,)` requested classes in 0..9.
        dataset: `"mnist"` or `"fashion_mnist"` (which classifier).
        batch_size: Classifier batch size.

    Returns:
        A dict: `class_accuracy` (float), `per_class_accuracy` (10 floats,
        NaN for a class not requested), `min_class_accuracy` (the lowest
        over the requested classes), `requested_per_class` (10 counts).

    Raises:
        EvaluationError: on mismatched shapes or labels outside 0..9.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(images) or not len(labels) \
            or not np.issubdtype(labels.dtype, np.integer) \
            or labels.min() < 0 or labels.max() > 9:
        raise EvaluationError(
            f"Expected one label in 0..9 per image ({len(images)}). "
            f"Received: labels {labels.dtype} {labels.shape}")
    _, probs = classifier_outputs(images, dataset, batch_size)
    return _label_agreement(probs.argmax(axis=1), labels, 10)


# ---- Stacked MNIST --------------------------------------------------------------

STACKED_MNIST_SAMPLES = 26000


def stacked_mnist_labels(images, batch_size=2000):
    """Labels Stacked MNIST images ``100 d0 + 10 d1 + d2`` channel by channel.

    Each channel is classified by the shipped MNIST classifier, so the
    labels carry its error rate (see `classifiers.info("mnist")`).

    Args:
        images: `(N, 28, 28, 3)` uint8 or float in [0, 1].

    Returns:
        int64 `(N,)` labels in 0..999.
    """
    images = _unit_images("images", images, channels=3)
    digits = []
    for channel in range(3):
        _, probs = classifier_outputs(images[..., channel:channel + 1],
                                      "mnist", batch_size)
        digits.append(np.argmax(probs, axis=1))
    return 100 * digits[0] + 10 * digits[1] + digits[2]


def stacked_mnist_coverage(images):
    """Modes hit and KL to uniform for Stacked MNIST (VEEGAN / PacGAN).

    The papers score 26,000 samples (`STACKED_MNIST_SAMPLES`); a mode is hit
    if at least one sample is labelled with it, and the KL is
    `kl_to_uniform` of the 1,000-bin label histogram.

    Args:
        images: Generated `(N, 28, 28, 3)` images.

    Returns:
        A dict with `modes`, `total_modes` (1000), `reverse_kl`,
        `num_samples`.
    """
    labels = stacked_mnist_labels(images)
    counts = np.bincount(labels, minlength=1000)
    return {"modes": int(np.count_nonzero(counts)), "total_modes": 1000,
            "reverse_kl": kl_to_uniform(counts),
            "num_samples": int(len(labels))}


# ---- generators to score: SavedModel exports and run dirs --------------------

class Sampler:
    """A generator seen as a black box: z (N, latent_dim) -> samples.

    A conditional generator (`num_classes` set) maps z and one class label
    per row to samples: `sampler(z, labels)`.

    Attributes:
        latent_dim: Size of z.
        kind: `"images"` (output `(N, H, W, C)` in [0, 1]) or `"samples"`
            (output `(N, D)` points).
        sample_shape: Shape of one output, e.g. `(28, 28, 1)` or `(2,)`.
        source: Where it was loaded from (for reports).
        dataset: The data set the run was trained on, if recorded.
        num_classes: K for a conditional generator, None otherwise.
    """

    def __init__(self, fn, latent_dim, kind, sample_shape, source,
                 dataset=None, num_classes=None):
        self._fn = fn
        self.latent_dim = latent_dim
        self.kind = kind
        self.sample_shape = tuple(sample_shape)
        self.source = str(source)
        self.dataset = dataset
        self.num_classes = num_classes

    @property
    def conditional(self):
        """Whether the generator takes class labels."""
        return self.num_classes is not None

    def _labels(self, labels, n):
        if not self.conditional:
            if labels is not None:
                raise EvaluationError(
                    f"Expected no labels for the unconditional generator "
                    f"from {self.source}. Received: labels")
            return None
        from keras_gan.models.conditional import check_labels

        if labels is None:
            raise EvaluationError(
                f"Expected labels for the conditional generator from "
                f"{self.source} ({self.num_classes} classes). Received: "
                f"none")
        try:
            labels = check_labels(labels, self.num_classes)
        except ValueError as error:
            raise EvaluationError(str(error)) from None
        if len(labels) != n:
            raise EvaluationError(
                f"Expected one label per sample ({n}). Received: "
                f"{len(labels)} labels")
        return labels

    def __call__(self, z, labels=None):
        z = np.asarray(z, np.float32)
        labels = self._labels(labels, len(z))
        if labels is None:
            return np.asarray(self._fn(z))
        return np.asarray(self._fn(z, labels))

    def sample(self, n, seed=0, batch_size=1000, labels=None):
        """`n` outputs for z ~ N(0, I) drawn with numpy from `seed`.

        A conditional generator draws class `labels[i]` in row i; by
        default the classes in turn, ``0, 1, ..., K-1, 0, ...``
        (`models.conditional.balanced_labels`).
        """
        n = check_int("n", n, 1)
        if self.conditional and labels is None:
            from keras_gan.models.conditional import balanced_labels

            labels = balanced_labels(n, self.num_classes)
        labels = self._labels(labels, n)
        z = np.random.default_rng(seed).standard_normal(
            (n, self.latent_dim)).astype(np.float32)
        if labels is None:
            return np.concatenate([self(z[i:i + batch_size])
                                   for i in range(0, n, batch_size)])
        return np.concatenate([self(z[i:i + batch_size],
                                    labels[i:i + batch_size])
                               for i in range(0, n, batch_size)])


def _keras_sampler(generator, latent_dim, source, dataset=None,
                   num_classes=None):
    shape = tuple(generator.output_shape[1:])
    kind = "images" if len(shape) == 3 else "samples"
    if num_classes is not None:
        return Sampler(
            lambda z, labels: generator(
                [tf.constant(z), tf.constant(labels)], training=False),
            latent_dim, kind, shape, source, dataset, num_classes)
    return Sampler(lambda z: generator(z, training=False), latent_dim, kind,
                   shape, source, dataset)


def sampler_from_model(model, source="model", average=True):
    """A `Sampler` over a keras_gan model's (or a bare) generator.

    For a keras_gan model this is its `sampling_generator`: the weight
    average when the model keeps one (`ema_decay`), else the generator;
    with `average=False` always the trained generator itself.
    """
    generator = (getattr(model, "sampling_generator", None) if average
                 else None) or getattr(model, "generator", model)
    num_classes = getattr(model, "num_classes", None)  # ConditionalGAN
    latent_dim = getattr(model, "latent_dim", None) or int(
        (generator.input_shape[0] if num_classes else
         generator.input_shape)[-1])
    return _keras_sampler(generator, latent_dim, source,
                          num_classes=num_classes)


def _saved_model_sampler(path):
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as error:  # noqa: BLE001 - TF raises many types
        raise EvaluationError(
            f"Expected a readable SavedModel at {path}. Received: "
            f"{type(error).__name__}: {str(error).splitlines()[0]}") from None
    signature = getattr(loaded, "signatures", {}).get("serving_default")
    if signature is None:
        raise EvaluationError(
            f"Expected a `serving_default` signature in the SavedModel at "
            f"{path}. Received signatures: "
            f"{sorted(getattr(loaded, 'signatures', {}))}")
    _, inputs = signature.structured_input_signature
    outputs = signature.structured_outputs
    z_spec = inputs.get("z")
    label_spec = inputs.get("label")  # a conditional export
    out_key = next((k for k in ("images", "samples") if k in outputs), None)
    if z_spec is None or z_spec.shape.rank != 2 or z_spec.shape[1] is None \
            or out_key is None or z_spec.dtype != tf.float32 or (
                label_spec is not None and (label_spec.shape.rank != 1
                                            or not label_spec.dtype.is_integer)
            ) or set(inputs) - {"z", "label"}:
        raise EvaluationError(
            f"Expected `serving_default` to map {{'z': float32 [None, "
            f"latent_dim]}} (and, if conditional, 'label': int [None]) to "
            f"{{'images' | 'samples': ...}}. Received: "
            f"inputs {dict(inputs)}, outputs {sorted(outputs)}")
    latent_dim = int(z_spec.shape[1])
    # keras_gan.export records the training data set (and a conditional
    # generator's number of classes) next to the graph.
    recorded = {}
    metadata = pathlib.Path(path) / "assets.extra" / "keras_gan.json"
    if metadata.is_file():
        try:
            recorded = json.loads(metadata.read_text())
        except ValueError:
            recorded = {}
    recorded = recorded if isinstance(recorded, dict) else {}
    dataset = recorded.get("dataset")
    num_classes = None
    if label_spec is not None:
        num_classes = recorded.get("num_classes")
        if isinstance(num_classes, bool) or not isinstance(
                num_classes, int) or num_classes < 2:
            raise EvaluationError(
                f"Expected the number of classes of the conditional "
                f"SavedModel at {path} in {metadata} (num_classes, written "
                f"by keras_gan.export). Received: {num_classes!r}")

    def run(z, labels=None):
        if labels is None:
            return signature(z=tf.constant(z))[out_key].numpy()
        return signature(z=tf.constant(z), label=tf.constant(
            labels, label_spec.dtype))[out_key].numpy()

    sample_shape = outputs[out_key].shape[1:]
    if not sample_shape.is_fully_defined():
        probe = np.zeros((1, latent_dim), np.float32)
        sample_shape = run(probe, None if num_classes is None
                           else np.zeros(1, np.int64)).shape[1:]
    kind = "images" if len(sample_shape) == 3 else "samples"
    # Keep `loaded` alive: the signature's variables belong to it.
    run.loaded = loaded
    return Sampler(run, latent_dim, kind, tuple(sample_shape), path, dataset,
                   num_classes)


def _newest_version(path):
    versions = [p for p in path.iterdir() if p.is_dir() and p.name.isdigit()
                and (p / "saved_model.pb").exists()]
    return max(versions, key=lambda p: int(p.name)) if versions else None


def load_sampler(path, average=True):
    """Loads what `evaluate.py` scores.

    Accepts a SavedModel version directory (`saved_models/<name>/<version>`,
    scored only through its `serving_default` signature), a model directory
    holding numbered versions (the newest is used), a `.keras` checkpoint, or
    a training run directory (its checkpoint and settings found as
    `keras_gan.runs` finds them, the same rule as `export.py`). Exports
    written by `keras_gan.export` name it in `assets.extra/keras_gan.json`.

    Args:
        path: A path as above.
        average: For a checkpoint or run dir of a model that keeps a weight
            average of its generator: score the average (True, what the
            export holds) or the trained generator itself (False). A
            SavedModel is scored as exported.

    Returns:
        A `Sampler`.

    Raises:
        EvaluationError: if nothing scoreable is found or the SavedModel
            lacks the expected signature.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise EvaluationError(f"Expected an existing path. Received: {path}")
    if path.is_dir() and _newest_version(path) is not None \
            and not (path / "saved_model.pb").exists():
        path = _newest_version(path)
    if path.is_dir() and (path / "saved_model.pb").exists():
        if is_translation_export(path):  # a CycleGAN: a `Translator`
            return _saved_model_translator(path)
        return _saved_model_sampler(path)
    from keras_gan import runs

    dataset = data = None
    if path.is_dir():
        # A run dir: the same checkpoint and settings that `export.py`
        # takes from it (`keras_gan.runs`).
        settings = runs.read_settings(path)
        dataset = settings.get("dataset")
        # A CycleGAN run on the user's own two domains.
        pair = tuple(settings.get(key) for key in ("data", "data_b"))
        data = pair if all(pair) else None
    try:
        checkpoint = runs.find_checkpoint(path)
    except runs.RunDirError as error:
        raise EvaluationError(
            f"Expected a SavedModel (saved_model.pb), a folder of numbered "
            f"SavedModel versions or a run dir with a .keras checkpoint. "
            f"Received: {error}") from None
    if checkpoint.suffix != ".keras":
        raise EvaluationError(
            f"Expected a SavedModel directory, a run dir or a .keras file. "
            f"Received: {path}")
    try:
        model = runs.load_checkpoint(checkpoint, compile=False)
    except runs.RunDirError as error:
        raise EvaluationError(f"Expected a loadable keras_gan checkpoint. "
                              f"Received: {error}") from None
    if hasattr(model, "generator_ab"):  # a CycleGAN
        return translator_from_model(model, checkpoint, dataset, data)
    sampler = sampler_from_model(model, checkpoint, average=average)
    sampler.dataset = dataset
    return sampler


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
    * `"stacked_mnist"`: `modes` (of 1,000 digit triples) and `class_kl`.
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
            labels = stacked_mnist_labels(samples)
            counts = np.bincount(labels, minlength=1000)
            return {"modes": float(np.count_nonzero(counts)),
                    "class_kl": kl_to_uniform(counts)}
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


# ---- image-to-image translation (CycleGAN) -------------------------------------------

#: Held-out images per domain that `evaluate_translator` scores by default.
TRANSLATION_EVAL_SAMPLES = 1000
#: The CycleGAN data sets and the classifier of each domain (None: none).
TRANSLATION_CLASSIFIERS = {"mnist2inverted": ("mnist", "mnist"),
                           "mnist2fashion": ("mnist", "fashion_mnist")}


class Translator:
    """A trained CycleGAN seen as two black boxes: A -> B and B -> A.

    Attributes:
        image_shape: `(H, W, C)` of both domains.
        source: Where it was loaded from (for reports).
        dataset: The data set the run was trained on, if recorded.
        data: `(path_a, path_b)` of a run on the user's own domains, if
            recorded, else None.
    """

    def __init__(self, a_to_b, b_to_a, image_shape, source, dataset=None,
                 data=None):
        self._fns = {"a_to_b": a_to_b, "b_to_a": b_to_a}
        self.image_shape = tuple(image_shape)
        self.source = str(source)
        self.dataset = dataset
        self.data = data

    def translate(self, images, direction, batch_size=500):
        """Translated images, float32 `(N, H, W, C)` in [0, 1]."""
        images = _translation_inputs(images, self.image_shape)
        fn = self._fns[direction]
        return np.concatenate([np.asarray(fn(images[i:i + batch_size]),
                                          np.float32)
                               for i in range(0, len(images), batch_size)])


def _translation_inputs(images, shape):
    images = np.asarray(images)
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(shape) \
            or not len(images):
        raise EvaluationError(
            f"Expected images of shape (N, {', '.join(map(str, shape))}) "
            f"with N >= 1. Received: shape {images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32)


def translator_from_model(model, source="model", dataset=None, data=None):
    """A `Translator` over a `keras_gan.models.CycleGAN`'s generators."""
    return Translator(
        lambda x: model.generator_ab(tf.constant(x), training=False),
        lambda x: model.generator_ba(tf.constant(x), training=False),
        model.shape_a, source, dataset, data)


def is_translation_export(path):
    """Whether the SavedModel at `path` has `a_to_b` and `b_to_a`."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    try:
        proto.ParseFromString(
            (pathlib.Path(path) / "saved_model.pb").read_bytes())
    except (OSError, ValueError):
        return False
    return any({"a_to_b", "b_to_a"} <= set(graph.signature_def)
               for graph in proto.meta_graphs)


def _saved_model_translator(path):
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as error:  # noqa: BLE001 - TF raises many types
        raise EvaluationError(
            f"Expected a readable SavedModel at {path}. Received: "
            f"{type(error).__name__}: {str(error).splitlines()[0]}") from None
    fns, shape = {}, None
    for direction in ("a_to_b", "b_to_a"):
        signature = loaded.signatures[direction]
        _, inputs = signature.structured_input_signature
        spec = inputs.get("images")
        if spec is None or spec.shape.rank != 4 or \
                "images" not in signature.structured_outputs:
            raise EvaluationError(
                f"Expected `{direction}` to map {{'images': float32 [None, "
                f"H, W, C]}} to {{'images': ...}}. Received: inputs "
                f"{dict(inputs)}, outputs "
                f"{sorted(signature.structured_outputs)}")
        shape = tuple(spec.shape[1:])
        fns[direction] = (lambda sig: lambda x: sig(
            images=tf.constant(x))["images"].numpy())(signature)
    recorded = {}
    metadata = pathlib.Path(path) / "assets.extra" / "keras_gan.json"
    if metadata.is_file():
        try:
            recorded = json.loads(metadata.read_text())
        except ValueError:
            recorded = {}
    recorded = recorded if isinstance(recorded, dict) else {}
    translator = Translator(fns["a_to_b"], fns["b_to_a"], shape, path,
                            recorded.get("dataset"))
    data = recorded.get("data"), recorded.get("data_b")
    translator.data = data if all(data) else None
    translator.loaded = loaded  # keeps the signatures' variables alive
    return translator


def _classify(images, dataset):
    """Shipped-classifier labels of 32 px images (the 2 px pad cropped)."""
    height, width = images.shape[1:3]
    top, left = (height - 28) // 2, (width - 28) // 2
    _, probs = classifier_outputs(images[:, top:top + 28, left:left + 28],
                                  dataset)
    return probs.argmax(axis=1)


def translation_scores(translator, held_out, dataset, num_samples=None):
    """Scores a translator on held-out images of both domains.

    Always: `cycle_error_a` = mean |a - G_BA(G_AB(a))| and `cycle_error_b`
    on [0, 1] pixels, and `cycle_error`, their mean.

    `mnist2inverted`: `accuracy_ab`, how often the shipped MNIST classifier
    gives the A digit's label to its translation G_AB(a) once inverted back
    (1 - x: the classifier was trained on white-on-black digits), and
    `accuracy_ba`, the same for G_BA(b), already in the classifier's domain
    and classified as it is; `accuracy_min` the lower of the two;
    `inversion_error_ab` = mean |G_AB(a) - (1 - a)| and `inversion_error_ba`,
    the distance to the true translation (known here: B is A inverted).

    With a classifier for a domain (`mnist` for A, `fashion_mnist` for B of
    `mnist2fashion`): `cycle_accuracy_a` (`_b`), how often the
    reconstruction keeps the label.

    Args:
        translator: A `Translator` (or anything with `translate(images,
            direction)`).
        held_out: `datasets.translation_domains(dataset)` (test_a, test_b,
            labels_a, labels_b), or a dict with `test_a` and `test_b` only
            (user data: no labels).
        dataset: One of `TRANSLATION_CLASSIFIERS`, or None for user data.
        num_samples: Use the first `num_samples` images of each domain.

    Returns:
        A dict of floats.
    """
    n = num_samples or len(held_out["test_a"])
    a, b = (_as_float(held_out["test_a"][:n]),
            _as_float(held_out["test_b"][:n]))
    fake_b = translator.translate(a, "a_to_b")
    rec_a = translator.translate(fake_b, "b_to_a")
    fake_a = translator.translate(b, "b_to_a")
    rec_b = translator.translate(fake_a, "a_to_b")
    result = {"num_samples": int(min(len(a), len(b))),
              "cycle_error_a": float(np.mean(np.abs(a - rec_a))),
              "cycle_error_b": float(np.mean(np.abs(b - rec_b)))}
    result["cycle_error"] = 0.5 * (result["cycle_error_a"]
                                   + result["cycle_error_b"])
    if dataset not in TRANSLATION_CLASSIFIERS:
        return result
    labels_a, labels_b = held_out["labels_a"][:n], held_out["labels_b"][:n]
    classifier_a, classifier_b = TRANSLATION_CLASSIFIERS[dataset]
    if dataset == "mnist2inverted":
        result["accuracy_ab"] = float(np.mean(
            _classify(1.0 - fake_b, "mnist") == labels_a))
        result["accuracy_ba"] = float(np.mean(
            _classify(fake_a, "mnist") == labels_b))
        result["accuracy_min"] = min(result["accuracy_ab"],
                                     result["accuracy_ba"])
        result["inversion_error_ab"] = float(np.mean(np.abs(fake_b
                                                            - (1.0 - a))))
        result["inversion_error_ba"] = float(np.mean(np.abs(fake_a
                                                            - (1.0 - b))))
        # The inverted domain is classified after inverting it back.
        rec_b = 1.0 - rec_b
    result["cycle_accuracy_a"] = float(np.mean(
        _classify(rec_a, classifier_a) == labels_a))
    result["cycle_accuracy_b"] = float(np.mean(
        _classify(rec_b, classifier_b) == labels_b))
    return result


def _as_float(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32)


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
