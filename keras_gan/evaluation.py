"""Sample-quality metrics that work offline.

GAN losses do not track sample quality, so this module gives numbers that do:

* `frechet_distance`: the Frechet distance between two Gaussians, the core of
  FID (Heusel et al. 2017).
* `mode_coverage`: the 2-D mixture protocol of VEEGAN (Srivastava et al.
  2017) and PacGAN (Lin et al. 2018): modes captured, fraction of
  high-quality samples, reverse KL of the mode histogram to uniform.
* `kl_to_uniform`: the KL divergence of a histogram to the uniform one, used
  by the mode-coverage and Stacked MNIST scores.

ImageNet Inception weights cannot be downloaded here (and a domain classifier
is the better feature extractor for 28x28 digits anyway), so FID and IS are
computed on the features of a small CNN the project trains itself
(`scripts/train_classifiers.py`) and ships in `keras_gan/data/`.
"""

import numpy as np

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
