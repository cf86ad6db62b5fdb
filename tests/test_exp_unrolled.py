"""The unrolled-GAN experiment: the figure's numbers recomputed from a short
run, the plot, the seed table, and the argument checks (small sizes)."""

import pathlib

import keras
import numpy as np
import pytest

from keras_gan import datasets
from keras_gan.evaluation import mode_coverage
from keras_gan.experiments import EXPERIMENTS, unrolled

SMALL = dict(steps=20, snapshot_every=10, batch_size=32, latent_dim=4,
             hidden=8, num_eval=300)


@pytest.fixture(scope="module")
def short_run():
    return unrolled.train(2, seed=3, **SMALL)


def test_short_run_records_what_the_figure_shows(short_run):
    res = short_run
    assert res["steps"] == [0, 10, 20]
    assert res["d_steps"] == 20
    assert res["samples"].shape == (3, 300, 2)
    # Every number the figure prints, recomputed from the recorded samples.
    centres, std = datasets.TOY_CENTRES["ring"], datasets.TOY_STD["ring"]
    for i, samples in enumerate(res["samples"]):
        cov = mode_coverage(samples, centres, std)
        assert res["modes"][i] == cov["modes"]
        assert res["high_quality"][i] == cov["high_quality"]
        np.testing.assert_array_equal(res["counts"][i], cov["counts"])
        if np.isnan(cov["reverse_kl"]):
            assert np.isnan(res["reverse_kl"][i])
        else:
            assert res["reverse_kl"][i] == cov["reverse_kl"]
    assert unrolled.final_scores(res) == (res["modes"][2],
                                          res["high_quality"][2],
                                          res["reverse_kl"][2])
    # Snapshot 0 is the untrained generator on the fixed evaluation noise.
    keras.utils.set_random_seed(3)
    generator, _ = unrolled.build_networks(SMALL["latent_dim"],
                                           SMALL["hidden"])
    z = np.random.default_rng([3, 4]).standard_normal(
        (300, SMALL["latent_dim"])).astype("float32")
    np.testing.assert_allclose(res["samples"][0],
                               generator.predict(z, verbose=0), rtol=1e-6,
                               atol=1e-7)
    # Training moved the generator.
    assert np.max(np.abs(res["samples"][2] - res["samples"][0])) > 1e-3


def test_same_seed_same_run(short_run):
    again = unrolled.train(2, seed=3, **SMALL)
    np.testing.assert_array_equal(again["samples"], short_run["samples"])


def _fake_result(k, seed, counts, num_eval=40):
    centres = datasets.TOY_CENTRES["ring"]
    samples = []
    for row in counts:
        modes = np.repeat(np.arange(8), row)
        far = np.full((num_eval - len(modes), 2), 3.0)  # off every mode
        samples.append(np.concatenate([centres[modes], far]))
    covs = [mode_coverage(s, centres, 0.01) for s in samples]
    return {"unroll_steps": k, "seed": seed, "steps": [0, 5000],
            "samples": np.array(samples, np.float32),
            "modes": [c["modes"] for c in covs],
            "high_quality": [c["high_quality"] for c in covs],
            "reverse_kl": [c["reverse_kl"] for c in covs],
            "counts": np.array([c["counts"] for c in covs]),
            "seconds": 1.0, "cpu_seconds": 2.0}


def test_summary_table_and_plot(tmp_path):
    collapsed = [[0] * 8, [40, 0, 0, 0, 0, 0, 0, 0]]
    spread = [[0] * 8, [5] * 8]
    half = [[0] * 8, [10, 10, 10, 10, 0, 0, 0, 0]]
    results = [_fake_result(0, 0, collapsed), _fake_result(0, 1, half),
               _fake_result(10, 0, spread), _fake_result(10, 1, spread)]
    summary = unrolled.summarize(results)
    assert summary["K=0"]["mean_modes"] == 2.5
    assert summary["K=0"]["all_modes_in"] == 0
    assert summary["K=10"]["mean_modes"] == 8.0
    assert summary["K=10"]["all_modes_in"] == 2
    assert summary["K=0"]["mean_high_quality"] == 1.0
    assert [r["modes"] for r in summary["K=0"]["seeds"]] == [1, 4]
    assert summary["K=0"]["seeds"][1]["modes_over_training"] == [0, 4]
    path = unrolled.plot([results[0], results[2]], tmp_path / "u.png",
                         panel_steps=(0, 5000),
                         real=datasets.sample_toy("ring", 50, seed=1))
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 500
    with pytest.raises(ValueError, match="panel step"):
        unrolled.plot([results[0]], tmp_path / "v.png", panel_steps=(0, 7))


def test_near_shares_is_the_figures_mode_histogram():
    centres = datasets.TOY_CENTRES["ring"]
    radius = np.sin(np.pi / 8)  # half the spacing of neighbouring centres
    outward = centres[0] / np.linalg.norm(centres[0])
    points = np.array([centres[0], centres[0] + 0.99 * radius * outward,
                       centres[0] + 1.01 * radius * outward,  # too far
                       [0.0, 0.0],  # the middle of the ring: no mode
                       centres[3] - 0.2 * centres[3]])
    expected = np.zeros(8)
    expected[[0, 3]] = [2 / 5, 1 / 5]
    np.testing.assert_allclose(unrolled.near_shares(points, centres),
                               expected, rtol=0, atol=1e-12)
    # Per snapshot for a (T, N, 2) stack.
    all_at_5 = np.repeat(centres[5:6], len(points), axis=0)
    stacked = unrolled.near_shares(np.stack([points, all_at_5]), centres)
    np.testing.assert_allclose(stacked, [expected, np.eye(8)[5]], rtol=0,
                               atol=1e-12)


def test_registered_and_argument_checks():
    assert EXPERIMENTS["unrolled"] == "unrolled"
    assert unrolled.DEMO == dict(steps=25_000, batch_size=512, latent_dim=256,
                                 hidden=128, d_lr=1e-4, g_lr=1e-3, beta_1=0.5,
                                 epsilon=1e-8)
    with pytest.raises(ValueError, match="snapshot_every` to divide"):
        unrolled.train(0, steps=25, snapshot_every=10)
    with pytest.raises(ValueError, match="unroll_steps"):
        unrolled.train(-1, steps=10, snapshot_every=10)


def test_collapse_setting_networks_and_run(tmp_path):
    from keras_gan.experiments import unrolled_collapse

    assert EXPERIMENTS["unrolled-collapse"] == "unrolled_collapse"
    assert unrolled.COLLAPSE == dict(steps=10_000, batch_size=512,
                                     latent_dim=256, hidden=128, d_lr=1e-4,
                                     g_lr=1e-4, beta_1=0.5, epsilon=1e-8)
    g, d = unrolled.build_networks(4, 8, setting="collapse")
    assert [l.name for l in d.layers[1:]] == ["scale", "dense_0", "out"]
    assert d.get_layer("scale").scale == 0.25
    assert [l.activation.__name__ for l in g.layers[1:3]] == ["relu", "relu"]
    # A weaker discriminator: one hidden layer against the generator's two.
    assert len(g.layers) == 4 and len(d.layers) == 4
    summary = unrolled_collapse.run(str(tmp_path), unroll_steps=(0, 1),
                                    seeds=(0,), steps=20)
    assert pathlib.Path(summary["figure"]).name == "exp_unrolled_collapse.png"
    assert set(summary) == {"figure", "K=0", "K=1"}
    with pytest.raises(ValueError, match="setting"):
        unrolled.train(0, steps=10, snapshot_every=10, setting="other")
