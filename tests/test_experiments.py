"""The seed articles' claims, each asserted numerically on small sizes."""

import json
import math

import numpy as np
import pytest

from keras_gan.experiments import js_vs_w, optimal_d, vanishing_gradients, xy_game
from keras_gan.experiments import _common

LOG2 = math.log(2.0)
LOG4 = math.log(4.0)


def _assert_png(path):
    import matplotlib.image

    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


# ---- 1. optimal discriminator ---------------------------------------------

def test_learned_discriminator_matches_optimal_discriminator():
    disc = optimal_d.train_discriminator(steps=2500, batch_size=512, seed=0)
    res = optimal_d.evaluate(disc, threshold=0.05)
    mask = res["mask"]
    # Where p_data + p_g >= 0.05: [-2.04, 2.72]. It covers D* falling
    # through 1/2 (x = 0.79), its minimum (x = 2) and the rise after it.
    np.testing.assert_allclose(res["x"][mask][[0, -1]], [-2.037, 2.721],
                               atol=2e-3)
    np.testing.assert_allclose(res["d_learned"][mask], res["d_star"][mask],
                               atol=0.05)
    # C(G) with the learned D approaches -log 4 + 2 JSD from below.
    np.testing.assert_allclose(res["c_learned"], res["c_theory"], atol=0.02)


def test_equal_densities_give_one_half_and_minus_log_4():
    disc = optimal_d.train_discriminator(optimal_d.DATA, optimal_d.DATA,
                                         steps=600, batch_size=512, seed=1)
    res = optimal_d.evaluate(disc, optimal_d.DATA, optimal_d.DATA)
    np.testing.assert_allclose(res["d_star"], 0.5, atol=1e-12)
    np.testing.assert_allclose(res["d_learned"][res["mask"]], 0.5, atol=0.05)
    np.testing.assert_allclose(res["c_learned"], -LOG4, atol=0.01)
    np.testing.assert_allclose(res["c_star"], -LOG4, atol=1e-6)
    np.testing.assert_allclose(res["c_theory"], -LOG4, atol=1e-9)


def test_criterion_with_optimal_d_is_minus_log4_plus_two_jsd():
    # Two independent quadratures: C(G) with D* and JSD from its definition.
    for fake in ((1.0, 1.0), (1.5, 0.5), (4.0, 2.0)):
        x = optimal_d.grid_for(optimal_d.DATA, fake, num=40001)
        star_logits = (_common.gaussian_logpdf(x, *optimal_d.DATA)
                       - _common.gaussian_logpdf(x, *fake))
        c_star = optimal_d.generator_criterion(star_logits, x,
                                               optimal_d.DATA, fake)
        jsd = js_vs_w.js_divergence(optimal_d.DATA, fake)
        np.testing.assert_allclose(c_star, -LOG4 + 2 * jsd, atol=1e-6)
    # A constant D = 1/2 (zero logits) gives exactly -log 4 for any p_g.
    x = optimal_d.grid_for()
    np.testing.assert_allclose(
        optimal_d.generator_criterion(np.zeros_like(x), x), -LOG4, atol=1e-6)


def test_optimal_discriminator_closed_form_points():
    # Equal variances: D* = sigmoid(log p - log q) = sigmoid(-1.5 x + 1.125).
    x = np.array([-1.0, 0.0, 0.75, 2.0])
    expected = 1 / (1 + np.exp(-(-1.5 * x + 1.125)))
    np.testing.assert_allclose(
        optimal_d.optimal_discriminator(x, (0.0, 1.0), (1.5, 1.0)), expected,
        rtol=1e-12)
    with pytest.raises(ValueError, match="std > 0"):
        optimal_d.optimal_discriminator(x, (0.0, 0.0), (1.0, 1.0))


# ---- 2. JS vs Wasserstein ---------------------------------------------------

def test_jsd_saturates_at_log2_and_w1_equals_d():
    for d in (20.0, 30.0):
        np.testing.assert_allclose(
            js_vs_w.js_divergence((0.0, 1.0), (d, 1.0)), LOG2, atol=1e-3)
    np.testing.assert_allclose(js_vs_w.js_divergence((0.0, 1.0), (0.0, 1.0)),
                               0.0, atol=1e-12)
    for d in (0.5, 1.0, 5.0, 12.0, 30.0):
        np.testing.assert_allclose(
            js_vs_w.wasserstein1((0.0, 1.0), (d, 1.0)), d, rtol=0.02)
    # Unequal variances: W1 between N(0, 1) and N(0, 4) is
    # (2 - 1) * E|Z| = sqrt(2 / pi), the 1-D quantile formula.
    np.testing.assert_allclose(js_vs_w.wasserstein1((0.0, 1.0), (0.0, 2.0)),
                               math.sqrt(2 / math.pi), rtol=1e-4)


def test_jsd_gradient_vanishes_while_w1_gradient_stays_one():
    curve = js_vs_w.curves(np.linspace(0.0, 30.0, 31), num=40001)
    assert np.all(np.diff(curve["jsd"]) >= -1e-12)
    np.testing.assert_allclose(curve["jsd"][-1], LOG2, atol=1e-3)
    # Past d = 10 the JSD is flat; W1's slope is 1 everywhere.
    np.testing.assert_allclose(curve["jsd_slope"][curve["d"] >= 10], 0.0,
                               atol=1e-5)
    np.testing.assert_allclose(curve["w1_slope"], 1.0, rtol=1e-3)


# ---- 3. the x * y game ------------------------------------------------------

def test_simultaneous_updates_spiral_out_at_the_closed_form_rate():
    radii = {}
    for lr in (0.1, 0.3):
        r = xy_game.radius(xy_game.simulate(lr, 200, mode="simultaneous"))
        assert np.all(np.diff(r) > 0)  # strictly increasing
        np.testing.assert_allclose(r[1:] / r[:-1], math.sqrt(1 + lr * lr),
                                   rtol=1e-12)
        radii[lr] = r[-1]
    np.testing.assert_allclose(radii[0.3] / radii[0.1],
                               ((1 + 0.09) / (1 + 0.01)) ** 100, rtol=1e-9)


def test_alternating_updates_orbit():
    lr = 0.3
    path = xy_game.simulate(lr, 5000, start=(1.0, 1.0), mode="alternating")
    x, y = path.T
    # Conserved quantity of the alternating map: bounded, never converging.
    np.testing.assert_allclose(x * x + y * y + lr * x * y, 2.0 + lr,
                               rtol=1e-9)
    r = xy_game.radius(path)
    assert 1.0 < r.min() and r.max() < 2.0
    with pytest.raises(ValueError, match="mode"):
        xy_game.simulate(lr, 3, mode="both")


def test_xy_cli_writes_figure_and_numbers(tmp_path, capsys):
    from keras_gan.experiments.__main__ import main

    assert main(["xy-game", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    summary = out["xy-game"]
    _assert_png(tmp_path / "exp_xy_game.png")
    growth = summary["simultaneous_lr0.2"]["radius_end"] / \
        summary["simultaneous_lr0.2"]["radius_start"]
    np.testing.assert_allclose(growth, summary["theory_growth_lr0.2"],
                               rtol=1e-9)
    assert summary["alternating_lr0.2"]["radius_max"] < 2.0


# ---- 5. vanishing gradients ------------------------------------------------

def test_minimax_gradient_vanishes_when_discriminator_wins():
    res = vanishing_gradients.measure(segments=(0, 600), hidden=(16, 16),
                                      learning_rate=3e-3, num_eval=256,
                                      seed=0)
    # Untrained D: D(G(z)) near 1/2, both losses give similar gradients.
    np.testing.assert_allclose(res["d_fake"][0], 0.5, atol=0.1)
    np.testing.assert_allclose(res["ratio"][0], 1.0, atol=0.3)
    assert res["d_fake"][-1] < 0.01
    assert res["ratio"][-1] >= 10.0
    assert res["d_steps"].tolist() == [0, 600]
    # Only D was trained: the generator's weights are as initialised.
    for before, after in zip(res["generator_weights_before"],
                             res["generator_weights_after"]):
        np.testing.assert_array_equal(before, after)


def test_single_sample_gradient_ratio_is_exactly_one_minus_d_over_d():
    import keras

    from keras_gan import networks

    keras.utils.set_random_seed(3)
    generator = networks.build_mlp_generator(4, (1,), (8,), None)
    discriminator = networks.build_mlp_discriminator((1,), (8,))
    z = np.random.default_rng(0).standard_normal((1, 4)).astype("float32")
    row = vanishing_gradients.generator_gradient_norms(generator,
                                                       discriminator, z)
    d = row["d_fake"]
    np.testing.assert_allclose(row["non_saturating"] / row["minimax"],
                               (1 - d) / d, rtol=1e-4)


# ---- figures -----------------------------------------------------------------

def test_plot_functions_write_pngs(tmp_path):
    paths = {(mode, lr): xy_game.simulate(lr, 10, mode=mode)
             for lr in (0.1, 0.2) for mode in ("simultaneous", "alternating")}
    _assert_png(xy_game.plot(paths, tmp_path / "xy.png"))
    curve = js_vs_w.curves(np.linspace(0, 4, 5), num=2001)
    critic = {"d": np.array([1.0, 2.0]), "raw": np.array([1.05, 2.2]),
              "lipschitz": np.array([1.05, 1.1]),
              "normalised": np.array([1.0, 2.0]), "gp_weight": 10.0}
    _assert_png(js_vs_w.plot(curve, critic, tmp_path / "js.png"))
    grads = {"d_steps": np.array([0.0, 1.0, 2.0]),
             "d_fake": np.array([0.5, 0.1, 0.001]),
             "minimax": np.array([1.0, 0.2, 0.002]),
             "non_saturating": np.array([1.0, 1.5, 2.0])}
    grads["ratio"] = grads["non_saturating"] / grads["minimax"]
    _assert_png(vanishing_gradients.plot(grads, tmp_path / "vg.png"))
    x = optimal_d.grid_for(num=201)
    fake_eval = {"x": x, "d_star": optimal_d.optimal_discriminator(x),
                 "d_learned": optimal_d.optimal_discriminator(x) + 0.01,
                 "mask": np.abs(x) < 2, "threshold": 0.05,
                 "max_abs_error": 0.01, "c_learned": -0.7, "c_theory": -0.68}
    _assert_png(optimal_d.plot(fake_eval, fake_eval, tmp_path / "od.png"))


def test_critic_estimate_of_a_known_linear_critic():
    import keras

    # f(x) = -2 x + 1: raw estimate 2 d, Lipschitz constant 2, bound d.
    critic = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    critic.layers[0].set_weights([np.array([[-2.0]], "float32"),
                                  np.array([1.0], "float32")])
    est = js_vs_w.critic_estimate(critic, 5.0)
    np.testing.assert_allclose(
        [est["raw"], est["lipschitz"], est["normalised"]], [10.0, 2.0, 5.0],
        rtol=1e-4)


def test_mode_collapse_plot_and_argument_checks(tmp_path):
    from keras_gan import datasets
    from keras_gan.evaluation import mode_coverage
    from keras_gan.experiments import mode_collapse

    centres = datasets.TOY_CENTRES["ring"]
    rng = np.random.default_rng(0)
    collapsed = centres[[0] * 50] + 0.01 * rng.standard_normal((50, 2))
    spread = datasets.sample_toy("ring", 50, seed=1)
    results = {name: {"snapshots": [(0, 0.1 * rng.standard_normal((50, 2))),
                                    (10, samples)],
                      "coverage": mode_coverage(samples, centres, 0.01)}
               for name, samples in (("minimax", collapsed),
                                     ("wgan_gp", spread))}
    assert results["minimax"]["coverage"]["modes"] == 1
    _assert_png(mode_collapse.plot(results, tmp_path / "mc.png",
                                   real=spread))
    with pytest.raises(ValueError, match=r"snapshot steps in \[0, 5\]"):
        mode_collapse.train("minimax", 5, snapshots=(0, 10))
    with pytest.raises(ValueError, match="method"):
        mode_collapse.build_model("lsgan")
