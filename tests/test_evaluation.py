"""Tests for keras_gan.evaluation."""

import math

import numpy as np
import pytest
import scipy.linalg

from keras_gan import evaluation

RING = np.array([[2.0 * math.cos(2 * math.pi * k / 8),
                  2.0 * math.sin(2 * math.pi * k / 8)] for k in range(8)])


# ---- Frechet distance -------------------------------------------------------

def test_frechet_distance_diagonal_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    s1, s2 = rng.uniform(0.1, 3.0, 6), rng.uniform(0.1, 3.0, 6)
    expected = (np.sum((mu1 - mu2) ** 2)
                + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2))
    np.testing.assert_allclose(
        evaluation.frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2)),
        expected, rtol=1e-10)


def test_frechet_distance_matches_scipy_sqrtm_on_full_covariances():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 5, 5))
    s1, s2 = a @ a.T + 0.1 * np.eye(5), b @ b.T + 0.1 * np.eye(5)
    mu1, mu2 = rng.normal(size=(2, 5))
    reference = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                 - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2)).real)
    np.testing.assert_allclose(
        evaluation.frechet_distance(mu1, s1, mu2, s2), reference, rtol=1e-9)


def test_frechet_distance_singular_and_identical_inputs():
    # Rank-1 covariances (fewer samples than features): finite and exact.
    v = np.array([1.0, 2.0, 2.0])  # |v| = 3
    s1, s2 = np.outer(v, v), 4.0 * np.outer(v, v)
    # Both along v: W2^2 = (sqrt(9) - sqrt(36))^2 = 9.
    np.testing.assert_allclose(
        evaluation.frechet_distance(np.zeros(3), s1, np.zeros(3), s2), 9.0,
        rtol=1e-9)
    np.testing.assert_allclose(
        evaluation.frechet_distance(np.ones(3), s1, np.ones(3), s1), 0.0,
        atol=1e-9)


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same length"):
        evaluation.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2),
                                    np.eye(2))
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        evaluation.frechet_distance(np.zeros(3), np.eye(2), np.zeros(3),
                                    np.eye(3))


# ---- mode coverage ------------------------------------------------------------

def test_kl_to_uniform_known_values():
    np.testing.assert_allclose(evaluation.kl_to_uniform([5, 5, 5, 5]), 0.0,
                               atol=1e-12)
    np.testing.assert_allclose(evaluation.kl_to_uniform([7, 0, 0, 0]),
                               math.log(4), rtol=1e-12)
    # p = (1/2, 1/2, 0, 0): sum p log(4 p) = log 2.
    np.testing.assert_allclose(evaluation.kl_to_uniform([3, 3, 0, 0]),
                               math.log(2), rtol=1e-12)
    assert math.isnan(evaluation.kl_to_uniform([0, 0]))
    with pytest.raises(ValueError, match="non-negative"):
        evaluation.kl_to_uniform([1, -1])


def test_mode_coverage_all_modes_equal_counts():
    rng = np.random.default_rng(0)
    # 100 samples per mode, all within 2 std of their centre.
    offsets = rng.uniform(-1.0, 1.0, size=(800, 2)) * 0.02
    samples = np.repeat(RING, 100, axis=0) + offsets
    result = evaluation.mode_coverage(samples, RING, std=0.02)
    assert result["modes"] == 8 and result["total_modes"] == 8
    assert result["counts"] == [100] * 8 and result["num_samples"] == 800
    np.testing.assert_allclose(result["high_quality"], 1.0)
    np.testing.assert_allclose(result["reverse_kl"], 0.0, atol=1e-12)


def test_mode_coverage_one_mode():
    samples = np.tile(RING[3], (50, 1)) + 0.01
    result = evaluation.mode_coverage(samples, RING, std=0.02)
    assert result["modes"] == 1
    assert result["counts"] == [0, 0, 0, 50, 0, 0, 0, 0]
    np.testing.assert_allclose(result["high_quality"], 1.0)
    np.testing.assert_allclose(result["reverse_kl"], math.log(8), rtol=1e-12)


def test_mode_coverage_off_mode_noise_is_not_high_quality():
    # 30 points exactly on modes 0 and 1, 70 at the origin (2 from every
    # centre: far beyond 3 std), 20 just outside the 3-std radius of mode 2.
    samples = np.concatenate([
        np.repeat(RING[:2], 15, axis=0),
        np.zeros((70, 2)),
        RING[2] + np.array([0.0, 0.0601]) * np.ones((20, 1)),
    ])
    result = evaluation.mode_coverage(samples, RING, std=0.02)
    assert result["modes"] == 2
    assert result["counts"] == [15, 15, 0, 0, 0, 0, 0, 0]
    np.testing.assert_allclose(result["high_quality"], 30 / 120)
    np.testing.assert_allclose(result["reverse_kl"], math.log(4),
                               rtol=1e-12)
    none = evaluation.mode_coverage(np.zeros((5, 2)), RING, std=0.02)
    assert none["modes"] == 0 and math.isnan(none["reverse_kl"])


def test_mode_coverage_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"Expected `samples` of shape"):
        evaluation.mode_coverage(np.zeros((4, 3)), RING, std=0.02)
    with pytest.raises(ValueError, match="std"):
        evaluation.mode_coverage(np.zeros((4, 2)), RING, std=0.0)
