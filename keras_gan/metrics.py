"""Sample-quality metrics that work offline (the numbers, no I/O).

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
* `stacked_mnist_coverage`: modes hit and KL on Stacked MNIST
  (`stacked_mnist_scores`: the KL split into channels and dependence).
* `translation_scores`: a CycleGAN's held-out class agreement after
  translation and its cycle reconstruction error.

ImageNet Inception weights cannot be downloaded here (and a domain classifier
is the better feature extractor for 28x28 digits anyway), so FID and IS are
computed on the features of a small CNN the project trains itself
(`scripts/train_classifiers.py`) and ships in `keras_gan/data/`.

What is scored (exports, checkpoints) is `keras_gan.samplers`; the callbacks
that log these numbers during `fit()` are `keras_gan.monitors`; the one call
per data set that `evaluate.py` makes is `keras_gan.evaluation`.
"""

import functools

import numpy as np

from keras_gan import classifiers
from keras_gan._checks import check_float, check_int

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
    return _stacked_mnist_outputs(images, batch_size)[0]


def _stacked_mnist_outputs(images, batch_size):
    """Labels and the classifier's top probability `(N, 3)` per channel."""
    images = _unit_images("images", images, channels=3)
    digits, confidence = [], []
    for channel in range(3):
        _, probs = classifier_outputs(images[..., channel:channel + 1],
                                      "mnist", batch_size)
        digits.append(np.argmax(probs, axis=1))
        confidence.append(probs.max(axis=1))
    return (100 * digits[0] + 10 * digits[1] + digits[2],
            np.stack(confidence, axis=1))


#: A digit whose top class probability is below this counts as unsure.
UNSURE_BELOW = 0.99


def unsure_share(images, batch_size=2000):
    """Share of digits the shipped MNIST classifier labels with p < 0.99.

    A measure of digit quality, one digit at a time: the classifier is
    unsure of 14 % of the real digits it never saw
    (`classifiers.mnist_held_out`), and of more when digits are malformed.
    Its unsure labels are not spread evenly over the classes, so unsure
    digits also shift the class shares that the Stacked MNIST KL measures.

    Args:
        images: `(N, 28, 28, 1)` uint8 or float in [0, 1].

    Returns:
        A float in [0, 1].
    """
    _, probs = classifier_outputs(images, "mnist", batch_size)
    return float(np.mean(probs.max(axis=1) < UNSURE_BELOW))


def stacked_mnist_coverage(images):
    """Modes hit and KL to uniform for Stacked MNIST (VEEGAN / PacGAN).

    The papers score 26,000 samples (`STACKED_MNIST_SAMPLES`); a mode is hit
    if at least one sample is labelled with it, and the KL is
    `kl_to_uniform` of the 1,000-bin label histogram.

    Args:
        images: Generated `(N, 28, 28, 3)` images.

    Returns:
        `stacked_mnist_scores` of the labels: `modes`, `total_modes`
        (1000), `reverse_kl`, `channel_kl`, `dependence_kl`, `num_samples`;
        and `channel_unsure`, the share of each channel's digits labelled
        with p < `UNSURE_BELOW` (as `unsure_share`), beside `real_unsure`,
        the same share of the held-out real digits.
    """
    labels, confidence = _stacked_mnist_outputs(images, 2000)
    result = stacked_mnist_scores(labels)
    unsure = confidence < UNSURE_BELOW
    result["channel_unsure"] = [float(unsure[:, c].mean()) for c in range(3)]
    result["real_unsure"] = real_unsure_share()
    return result


@functools.lru_cache(maxsize=None)
def real_unsure_share():
    """`unsure_share` of the 1,000 real digits the classifier never saw
    (`classifiers.mnist_held_out`): what a perfect generator's digits score
    (0.143 with the shipped classifier). Computed once per process."""
    return unsure_share(classifiers.mnist_held_out()[0])


def stacked_mnist_scores(labels):
    """Modes hit and the KL to uniform of Stacked MNIST labels, split up.

    The uniform target over the 1,000 triples is the product of three
    uniform digits, so the KL splits exactly into one term per channel and
    one for the channels' dependence:

        KL(p || u) = sum_c KL(p_c || u_10) + KL(p || p_0 p_1 p_2),

    where `p_c` is channel c's digit histogram. The first terms say which
    channel draws which digits too often; the last (the total correlation)
    says whether the channels' digits are drawn together. Both parts are
    in-sample, as `reverse_kl`, so they add up to it exactly, and carry its
    small-sample bias: with independent channels the dependence term still
    averages about (999 - 27) / (2 N) (0.019 at N = 26,000, most of what
    real Stacked MNIST scores), a channel's term about 9 / (2 N).

    Args:
        labels: Integer labels `100 d0 + 10 d1 + d2` in 0..999, at least one.

    Returns:
        A dict with `modes`, `total_modes` (1000), `reverse_kl`,
        `channel_kl` (three floats, channels 0-2), `dependence_kl` and
        `num_samples`.

    Raises:
        ValueError: if `labels` is empty or not integers in 0..999.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"Expected at least one label (a vector). Received "
                         f"shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or \
            labels.max() > 999:
        raise ValueError(f"Expected integer labels in 0..999. Received "
                         f"{labels.dtype} in [{labels.min()}, "
                         f"{labels.max()}]")
    counts = np.bincount(labels, minlength=1000).astype(np.float64)
    joint = counts.reshape(10, 10, 10) / counts.sum()
    marginals = [joint.sum(axis=tuple(a for a in range(3) if a != c))
                 for c in range(3)]
    product = np.einsum("i,j,k->ijk", *marginals)
    hit = joint > 0
    dependence = float(np.sum(joint[hit] * np.log(joint[hit] / product[hit])))
    return {"modes": int(np.count_nonzero(counts)), "total_modes": 1000,
            "reverse_kl": kl_to_uniform(counts),
            "channel_kl": [kl_to_uniform(m) for m in marginals],
            "dependence_kl": dependence, "num_samples": int(labels.size)}


# ---- image-to-image translation (CycleGAN) -------------------------------------------

#: Held-out images per domain that `evaluate_translator` scores by default.
TRANSLATION_EVAL_SAMPLES = 1000
#: The CycleGAN data sets and the classifier of each domain (None: none).
TRANSLATION_CLASSIFIERS = {"mnist2inverted": ("mnist", "mnist"),
                           "mnist2fashion": ("mnist", "fashion_mnist")}


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
