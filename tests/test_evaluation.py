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


# ---- classifier metrics -----------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_digits():
    from keras_gan import classifiers
    with np.load(classifiers.DATA_DIR / "mnist_sample.npz") as data:
        return data["x"], data["y"].astype(np.int64)


def test_shipped_mnist_classifier_reproduces_its_recorded_test_accuracy(
        mnist_digits):
    from keras_gan import classifiers
    info = classifiers.info("mnist")
    x, y = mnist_digits
    # The held-out split of scripts/train_classifiers.py.
    test = np.random.default_rng(info["seed"]).permutation(len(x))[
        :info["num_test"]]
    _, probs = evaluation.classifier_outputs(x[test], "mnist")
    np.testing.assert_allclose(np.mean(probs.argmax(1) == y[test]),
                               info["test_accuracy"], atol=1e-3)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-6)
    held_x, held_y = classifiers.mnist_held_out()
    np.testing.assert_array_equal(held_x, x[test])
    np.testing.assert_array_equal(held_y, y[test])


def test_classifier_fid_real_vs_real_small_real_vs_noise_large(mnist_digits):
    x, _ = mnist_digits
    order = np.random.default_rng(0).permutation(len(x))
    real_a, real_b = x[order[:300]], x[order[300:600]]
    noise = np.random.default_rng(1).uniform(
        size=(300, 28, 28, 1)).astype(np.float32)
    features_a, _ = evaluation.classifier_outputs(real_a, "mnist")
    features_b, _ = evaluation.classifier_outputs(real_b, "mnist")
    features_n, probs_n = evaluation.classifier_outputs(noise, "mnist")
    real_vs_real = evaluation.fid_from_features(features_a, features_b)
    real_vs_noise = evaluation.fid_from_features(features_a, features_n)
    # Measured: 7.4 and 292.5 (300 samples each).
    assert 2.0 < real_vs_real < 15.0
    assert 150.0 < real_vs_noise < 1000.0
    # Noise images all look alike to the classifier: IS close to 1.
    assert 1.0 <= evaluation.inception_score(probs_n)[0] < 1.2


def test_score_images_reports_floor_and_ratio(mnist_digits):
    x, y = mnist_digits
    x = x[np.random.default_rng(5).permutation(len(x))]  # stored by label
    result = evaluation.score_images(x[:150], x[150:1000], "mnist",
                                     num_samples=150, seed=3)
    np.testing.assert_allclose(result["fid_ratio"],
                               result["fid"] / result["fid_floor"])
    assert result["num_samples"] == 150
    # Generated = real digits: FID is of the order of the floor.
    assert 0.3 < result["fid_ratio"] < 3.0
    assert 0.5 < result["precision"] <= 1.0 and 0.5 < result["recall"] <= 1.0
    # A "generator" that only draws zeros (mode collapse) is far above it,
    # and its IS is that of one class.
    zeros = mnist_digits[0][mnist_digits[1] == 0][:150]
    collapsed = evaluation.score_images(zeros, x[150:1000], "mnist",
                                        num_samples=150, seed=3)
    assert 5.0 < collapsed["fid_ratio"] < 100.0
    assert 1.0 <= collapsed["is_mean"] < 1.5
    assert 0.0 <= collapsed["recall"] < 0.3
    with pytest.raises(evaluation.EvaluationError, match="at least 129"):
        evaluation.score_images(x[:100], x[100:400], "mnist")
    with pytest.raises(evaluation.EvaluationError, match="disjoint"):
        evaluation.score_images(x[:200], x[200:500], "mnist")


def test_inception_score_known_values_and_bounds():
    one_hot = np.eye(10)[np.arange(1000) % 10]
    np.testing.assert_allclose(evaluation.inception_score(one_hot),
                               (10.0, 0.0), atol=1e-9)
    constant = np.full((1000, 10), 0.1)
    np.testing.assert_allclose(evaluation.inception_score(constant),
                               (1.0, 0.0), atol=1e-12)
    # Two equiprobable confident classes: IS = 2.
    two = np.eye(10)[np.arange(1000) % 2]
    np.testing.assert_allclose(evaluation.inception_score(two, splits=1)[0],
                               2.0, rtol=1e-12)
    random = np.random.default_rng(0).dirichlet(np.full(10, 0.3), 500)
    score = evaluation.inception_score(random)[0]
    assert 1.0 <= score <= 10.0


def test_precision_recall_identical_and_disjoint_sets():
    points = np.random.default_rng(0).normal(size=(200, 4))
    np.testing.assert_allclose(
        evaluation.precision_recall(points, points), (1.0, 1.0))
    np.testing.assert_allclose(
        evaluation.precision_recall(points, points + 100.0), (0.0, 0.0))


def _triples(d0, d1, d2):
    return 100 * np.asarray(d0) + 10 * np.asarray(d1) + np.asarray(d2)


def test_stacked_mnist_scores_one_channel_stuck():
    # Channel 0 always draws a 3; channels 1 and 2 cover their 100 pairs
    # evenly: all of the KL (log 10) is channel 0's, none is dependence.
    pairs = np.arange(100)
    labels = _triples(np.full(300, 3), np.tile(pairs // 10, 3),
                      np.tile(pairs % 10, 3))
    result = evaluation.stacked_mnist_scores(labels)
    assert result["modes"] == 100 and result["num_samples"] == 300
    np.testing.assert_allclose(result["reverse_kl"], math.log(10), rtol=1e-12)
    np.testing.assert_allclose(result["channel_kl"], [math.log(10), 0, 0],
                               atol=1e-12)
    np.testing.assert_allclose(result["dependence_kl"], 0.0, atol=1e-12)


def test_stacked_mnist_scores_balanced_channels_fully_dependent():
    # The same digit in all three channels: every channel is uniform, so the
    # whole KL (log 100: 10 of 1,000 modes, evenly) is dependence.
    digits = np.repeat(np.arange(10), 7)
    result = evaluation.stacked_mnist_scores(_triples(digits, digits, digits))
    assert result["modes"] == 10 and result["total_modes"] == 1000
    np.testing.assert_allclose(result["channel_kl"], [0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(result["reverse_kl"], math.log(100),
                               rtol=1e-12)
    np.testing.assert_allclose(result["dependence_kl"], math.log(100),
                               rtol=1e-12)


def test_stacked_mnist_scores_split_the_kl_exactly():
    rng = np.random.default_rng(5)
    d = rng.choice(10, size=(4000, 3), p=np.linspace(1, 2, 10) / 15)
    d[:500, 2] = d[:500, 0]  # some dependence between channels 0 and 2
    result = evaluation.stacked_mnist_scores(_triples(*d.T))
    joint = np.bincount(_triples(*d.T), minlength=1000) / 4000
    marginals = [np.bincount(d[:, c], minlength=10) / 4000 for c in range(3)]
    product = np.einsum("i,j,k->ijk", *marginals).ravel()
    hit = joint > 0
    expected_dependence = np.sum(joint[hit] * np.log(joint[hit] /
                                                     product[hit]))
    expected_channels = [np.sum(m * np.log(10 * m)) for m in marginals]
    np.testing.assert_allclose(result["dependence_kl"], expected_dependence,
                               rtol=1e-9)
    np.testing.assert_allclose(result["channel_kl"], expected_channels,
                               rtol=1e-9)
    np.testing.assert_allclose(
        result["reverse_kl"],
        evaluation.kl_to_uniform(np.bincount(_triples(*d.T), minlength=1000)),
        rtol=1e-12)
    with pytest.raises(ValueError, match="0..999"):
        evaluation.stacked_mnist_scores([5, 1000])
    with pytest.raises(ValueError, match="at least one"):
        evaluation.stacked_mnist_scores([])


def test_stacked_mnist_labels_and_coverage(mnist_digits):
    from keras_gan import classifiers, datasets
    x, _ = mnist_digits
    x3, labels = datasets.stacked_mnist(*classifiers.mnist_held_out(), 600,
                                        seed=0)
    predicted = evaluation.stacked_mnist_labels(x3)
    # 98.5% per channel, so about 0.985^3 = 95.6% of the triples.
    assert 0.92 < np.mean(predicted == labels) <= 1.0
    result = evaluation.stacked_mnist_coverage(x3)
    true_modes = len(np.unique(labels))
    assert result["total_modes"] == 1000 and result["num_samples"] == 600
    assert abs(result["modes"] - true_modes) <= 0.05 * true_modes
    with pytest.raises(evaluation.EvaluationError, match=r"28, 28, 3"):
        evaluation.stacked_mnist_labels(x[:4])


def test_stacked_mnist_unsure_share_per_channel():
    from keras_gan import classifiers
    x, y = classifiers.mnist_held_out()
    _, probs = evaluation.classifier_outputs(x, "mnist")
    real = np.mean(probs.max(axis=1) < 0.99)
    assert 0.05 < real < 0.3
    # Channel 0: the held-out digits; channel 1: the same digits in another
    # order (the same share); channel 2: blends of two digits of different
    # classes, which the classifier should rarely be sure of.
    order = np.random.default_rng(0).permutation(len(x))
    other = np.array([np.flatnonzero(y != y[i])[0] for i in range(len(x))])
    blend = ((x.astype(np.float32) + x[other]) / 2).astype(np.uint8)
    x3 = np.concatenate([x, x[order], blend], axis=-1)
    result = evaluation.stacked_mnist_coverage(x3)
    assert result["real_unsure"] == pytest.approx(real, abs=1e-12)
    assert result["channel_unsure"][0] == pytest.approx(real, abs=1e-12)
    assert result["channel_unsure"][1] == pytest.approx(real, abs=1e-12)
    assert result["channel_unsure"][2] > 2 * real
    assert evaluation.unsure_share(blend) == pytest.approx(
        result["channel_unsure"][2], abs=1e-12)


# ---- training callbacks -------------------------------------------------------------

def test_callbacks_log_metrics_into_csv(tmp_path, mnist_digits):
    import csv

    import keras

    from keras_gan import GAN, datasets, networks
    x, _ = mnist_digits
    x = x[np.random.default_rng(5).permutation(len(x))]  # stored by label
    images = datasets.to_unit_float(x[:256])
    gan = GAN(networks.build_mlp_generator(4, (28, 28, 1), (16,)),
              networks.build_mlp_discriminator((28, 28, 1), (16,)),
              latent_dim=4, seed=0)
    gan.compile(jit_compile=False)  # XLA compilation costs more than it saves
    fid = evaluation.FIDCallback(x[:300], "mnist", every=3, num_samples=150)
    log = tmp_path / "log.csv"
    gan.fit(images, batch_size=64, epochs=4, verbose=0,
            callbacks=[fid, keras.callbacks.CSVLogger(str(log))])
    rows = list(csv.DictReader(log.open()))
    assert [row["epoch"] for row in rows] == ["0", "1", "2", "3"]
    # Logged at the first epoch, at every 3rd and at the last.
    assert rows[1]["fid"] == "NA"
    assert float(rows[0]["fid"]) > 0 and float(rows[2]["fid"]) > 0
    final = float(rows[3]["fid"])
    fake = evaluation.sampler_from_model(gan).sample(150, seed=0)
    expected = evaluation.fid_from_features(
        evaluation.classifier_outputs(fake, "mnist")[0],
        evaluation.classifier_outputs(
            x[:300][np.random.default_rng(0).permutation(300)[:150]],
            "mnist")[0])
    np.testing.assert_allclose(final, expected, rtol=1e-4)
    assert final > 50.0  # three epochs of a width-16 MLP: far from digits


def test_mode_coverage_callback_matches_direct_measurement():
    import keras

    from keras_gan import GAN, datasets, networks
    gan = GAN(networks.build_mlp_generator(2, (2,), (16,), None),
              networks.build_mlp_discriminator((2,), (16,)),
              latent_dim=2, seed=0)
    gan.compile(jit_compile=False)
    callback = evaluation.ModeCoverageCallback(
        datasets.TOY_CENTRES["grid"], datasets.TOY_STD["grid"],
        num_samples=500)
    history = gan.fit(datasets.sample_toy("grid", 256, seed=0),
                      batch_size=32, epochs=1, verbose=0,
                      callbacks=[callback])
    samples = evaluation.sampler_from_model(gan).sample(500, seed=0)
    direct = evaluation.mode_coverage(samples, datasets.TOY_CENTRES["grid"],
                                      datasets.TOY_STD["grid"])
    assert history.history["modes"] == [float(direct["modes"])]
    np.testing.assert_allclose(history.history["high_quality"],
                               [direct["high_quality"]])
    assert isinstance(callback, keras.callbacks.Callback)
