"""QualityMonitor on its own: set_model, then on_epoch_end (no fit())."""

import numpy as np
import pytest

from keras_gan import classifiers, datasets, evaluation, metrics, monitors


class FixedGenerator:
    """Stands in for a GAN: `sampling_generator(z)` returns fixed rows.

    Successive calls continue where the last one stopped (cycling), so a
    monitor that draws its samples in several batches sees every row;
    setting `rows` starts again from the first.
    """

    def __init__(self, rows):
        self.rows = rows

    @property
    def rows(self):
        return self._rows

    @rows.setter
    def rows(self, rows):
        self._rows = np.asarray(rows, np.float32)
        self._next = 0

    @property
    def sampling_generator(self):
        return self

    def __call__(self, z, training=False):
        index = (self._next + np.arange(len(z))) % len(self.rows)
        self._next += len(z)
        return self.rows[index]


def monitor_for(dataset, rows, real=None, num_samples=400):
    warnings = []
    monitor = evaluation.QualityMonitor(dataset, latent_dim=3, real=real,
                                        num_samples=num_samples, seed=0,
                                        warn=warnings.append)
    monitor.set_model(FixedGenerator(rows))
    return monitor, warnings


def test_toy_all_modes_then_collapse_warns_once():
    centres = datasets.TOY_CENTRES["ring"]
    monitor, warnings = monitor_for("ring", centres)
    logs = {}
    monitor.on_epoch_end(0, logs)
    assert logs == {"modes": 8.0, "high_quality": 1.0, "reverse_kl": 0.0}
    assert warnings == [] and monitor.collapsed is None
    monitor.model.rows = centres[:1]
    monitor.on_epoch_end(1, logs)
    assert logs["modes"] == 1.0
    np.testing.assert_allclose(logs["reverse_kl"], np.log(8))
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: the generator looks collapsed "
                                  "at epoch 2: its 400 fixed-noise samples "
                                  "cover 1 of 8 modes")
    monitor.on_epoch_end(2, logs)
    assert len(warnings) == 1


def test_toy_samples_off_the_modes_warn():
    monitor, warnings = monitor_for("grid", [[10.0, 10.0], [-9.0, 3.0]])
    monitor.on_epoch_end(0, {})
    assert monitor.last["high_quality"] == 0.0
    assert "none of its 400 fixed-noise samples lies within 3 std" in \
        warnings[0]


def test_mnist_classes_fid_and_collapse():
    x, y = datasets.load_images("mnist")
    rows = np.random.default_rng(0).permutation(len(x))[:3000]
    x, y = datasets.to_unit_float(x[rows]), y[rows]
    varied = x[2000:2400]                      # real digits, every class
    monitor, warnings = monitor_for("mnist", varied, real=x[:2000],
                                    num_samples=400)
    logs = {}
    monitor.on_epoch_end(0, logs)
    assert sorted(logs) == ["class_kl", "classes", "fid", "fid_floor"]
    assert logs["classes"] == 10.0 and logs["class_kl"] < 0.05
    # Real digits score about the floor.
    assert logs["fid"] < 3 * logs["fid_floor"]
    assert warnings == []
    ones = x[2000:][y[2000:] == 1][:50]
    monitor.model.rows = ones                   # collapsed on one digit
    monitor.on_epoch_end(1, logs)
    assert logs["classes"] <= 2 and logs["fid"] > 20 * logs["fid_floor"]
    assert "fall in" in warnings[0] and "of 10 classes" in warnings[0]


def test_stacked_mnist_modes_kl_unsure_and_collapse():
    x, y = classifiers.mnist_held_out()       # digits the classifier never saw
    stacked, _ = datasets.stacked_mnist(x, y, 2000, seed=0)
    stacked = datasets.to_unit_float(stacked)
    monitor, warnings = monitor_for("stacked_mnist", stacked,
                                    num_samples=2000)
    logs = {}
    monitor.on_epoch_end(0, logs)
    assert sorted(logs) == ["class_kl", "modes", "unsure"]
    labels = metrics.stacked_mnist_labels(stacked)
    counts = np.bincount(labels, minlength=1000)
    assert logs["modes"] == np.count_nonzero(counts)
    assert logs["class_kl"] == pytest.approx(metrics.kl_to_uniform(counts))
    # `unsure` is the mean over the channels of each one's unsure share.
    shares = [metrics.unsure_share(stacked[..., c:c + 1]) for c in range(3)]
    assert logs["unsure"] == pytest.approx(np.mean(shares), abs=1e-12)
    assert 0.05 < logs["unsure"] < 0.3 and warnings == []
    # Two real triples blended: malformed digits, far more of them unsure.
    monitor.model.rows = 0.5 * (stacked + stacked[::-1])
    monitor.on_epoch_end(1, logs)
    assert logs["unsure"] > 2 * np.mean(shares)
    collapsed, warnings = monitor_for("stacked_mnist", stacked[:3],
                                      num_samples=2000)   # three triples
    collapsed.on_epoch_end(0, logs)
    assert logs["modes"] <= 3
    assert "fall in" in warnings[0] and "of 1000 digit triples" in warnings[0]


def test_stacked_mnist_summary_line():
    from keras_gan import training

    assert metrics.real_unsure_share() == pytest.approx(0.143)
    assert training.quality_text(
        {"modes": 998.0, "class_kl": 0.0594, "unsure": 0.4512}) == (
        "final samples: 998/1000 modes, KL 0.059, 45% of digits unsure "
        "(real digits: 14%); ")
    assert training.quality_text({"modes": 998.0, "class_kl": 0.0594}) == \
        "final samples: 998/1000 modes, KL 0.059; "


def test_spread_for_other_data():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(900, 5)).astype(np.float32)
    monitor, warnings = monitor_for(None, real[:400], real=real)
    monitor.on_epoch_end(0, {})
    np.testing.assert_allclose(monitor.last["spread"], 1.0, atol=0.05)
    assert warnings == []
    monitor.model.rows = real[:2] * 0.1
    monitor.on_epoch_end(1, {})
    assert monitor.last["spread"] < 0.2 and len(warnings) == 1


def test_too_few_real_images_for_fid():
    x, _ = datasets.load_images("mnist")
    with pytest.raises(evaluation.EvaluationError, match="real images"):
        evaluation.QualityMonitor("mnist", 3, real=x[:500], num_samples=400)


def test_spread_in_closed_form():
    points = np.array([[0.0, 0.0], [3.0, 4.0]])
    # Two points: the one pairwise distance, 5.
    np.testing.assert_allclose(monitors._spread(points), 5.0)
