"""Experiment 2: Jensen-Shannon vs Wasserstein-1 between shifted Gaussians.

For p = N(0, s^2) and q = N(d, s^2):

* ``JSD(p || q)`` grows with d but saturates at ``log 2 = 0.693`` once the
  supports barely overlap, so its gradient with respect to d vanishes: a
  discriminator-based (JS) loss tells a far-away generator nothing about which
  way to move (Arjovsky et al. 2017, Example 1).
* ``W1(p, q) = d`` for every d: the earth mover's distance keeps growing
  linearly, with slope 1.

Both are computed numerically (trapezoidal quadrature on a fine grid; W1 as
``integral |F_p - F_q| dx``, the 1-D formula). The library's WGAN-GP critic
(`keras_gan.WGANGP`'s `train_step`: `losses.wasserstein_discriminator_loss`
+ `gp_weight * losses.gradient_penalty`) is trained on the same pairs, and its
estimate ``E_p f - E_q f`` is compared with W1.

A measured caveat: with the gradient penalty as a soft constraint, the
optimal critic is *steeper* than 1-Lipschitz where the two CDFs differ a lot
relative to the density of the interpolates: for well-separated Gaussians the
critic is roughly linear on ``[0, d]`` and maximising
``s d - lambda (s - 1)^2`` gives slope ``s = 1 + d / (2 lambda)``, hence a raw
estimate near ``d (1 + d / (2 lambda))``. Dividing the raw estimate by the
critic's measured Lipschitz constant (max |f'| where the CDFs differ) gives a
lower bound on W1 that is close to d.
"""

import math

import numpy as np

from keras_gan.experiments import _common

#: Mean separations of the curves and of the critic points.
DISTANCES = np.linspace(0.0, 30.0, 121)
CRITIC_DISTANCES = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0)


def _grid(p, q, num, width=12.0):
    lo = min(p[0] - width * p[1], q[0] - width * q[1])
    hi = max(p[0] + width * p[1], q[0] + width * q[1])
    return np.linspace(lo, hi, num)


def js_divergence(p, q, num=200001):
    """``JSD(p || q)`` in nats between two 1-D Gaussians, by quadrature.

    ``JSD = 1/2 KL(p || m) + 1/2 KL(q || m)`` with ``m = (p + q) / 2``,
    integrated with the trapezoidal rule on `num` points over +-12 std of both
    densities; log-densities are combined with `logaddexp`, so disjoint
    supports give exactly ``log 2`` (not NaN).

    Args:
        p: `(mean, std)` of the first Gaussian.
        q: `(mean, std)` of the second Gaussian.
        num: Grid points.

    Returns:
        float in [0, log 2].
    """
    p = _common.check_gaussian("p", p)
    q = _common.check_gaussian("q", q)
    x = _grid(p, q, num)
    log_p = _common.gaussian_logpdf(x, *p)
    log_q = _common.gaussian_logpdf(x, *q)
    log_m = np.logaddexp(log_p, log_q) - math.log(2.0)
    integrand = 0.5 * (np.exp(log_p) * (log_p - log_m)
                       + np.exp(log_q) * (log_q - log_m))
    return float(np.trapezoid(integrand, x))


def wasserstein1(p, q, num=200001):
    """``W1(p, q) = integral |F_p(x) - F_q(x)| dx`` for 1-D Gaussians, by quadrature.

    Args:
        p: `(mean, std)` of the first Gaussian.
        q: `(mean, std)` of the second Gaussian.
        num: Grid points.

    Returns:
        float; equals ``|mean_p - mean_q|`` when the stds are equal.
    """
    p = _common.check_gaussian("p", p)
    q = _common.check_gaussian("q", q)
    x = _grid(p, q, num)
    gap = np.abs(_common.gaussian_cdf(x, *p) - _common.gaussian_cdf(x, *q))
    return float(np.trapezoid(gap, x))


def curves(distances=DISTANCES, std=1.0, num=200001):
    """JSD and W1 for p = N(0, std^2), q = N(d, std^2), d in `distances`.

    Returns:
        Dict of float64 arrays `d`, `jsd`, `w1`, and their finite-difference
        slopes `jsd_slope`, `w1_slope` (with respect to d).
    """
    d = np.asarray(distances, np.float64)
    jsd = np.array([js_divergence((0.0, std), (di, std), num) for di in d])
    w1 = np.array([wasserstein1((0.0, std), (di, std), num) for di in d])
    return {"d": d, "jsd": jsd, "w1": w1,
            "jsd_slope": np.gradient(jsd, d), "w1_slope": np.gradient(w1, d)}


def train_critic(d, std=1.0, steps=2000, batch_size=256, hidden=(64, 64),
                 gp_weight=10.0, learning_rate=1e-3, seed=0):
    """Trains the library's WGAN-GP critic between N(0, std^2) and N(d, std^2).

    `keras_gan.WGANGP.fit` runs its own `train_step` against a weightless
    generator whose samples are N(d, std^2), on fresh real batches.

    Args:
        d: Mean of p_g (p_data has mean 0).
        std: Common standard deviation.
        steps: Critic updates.
        batch_size: Real and fake samples per update.
        hidden: Hidden widths of `networks.build_mlp_discriminator`.
        gp_weight: The penalty weight lambda.
        learning_rate: Adam learning rate (beta_1=0.5, beta_2=0.9).
        seed: Seeds weights, noise and data.

    Returns:
        The trained critic (`keras.Model`, 1-D input, score output).
    """
    import keras

    from keras_gan import WGANGP, networks
    from keras_gan._checks import check_int

    steps = check_int("steps", steps, 1)
    keras.utils.set_random_seed(seed)
    critic = networks.build_mlp_discriminator((1,), hidden, name="critic")
    model = WGANGP(_common.fixed_gaussian_generator(d, std), critic,
                   latent_dim=1, n_critic=1, gp_weight=gp_weight, seed=seed)
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, 0.5, 0.9),
        g_optimizer=keras.optimizers.Adam(learning_rate, 0.5, 0.9),
        jit_compile=False)
    model.fit(_common.gaussian_batches(0.0, std, batch_size, seed + 1),
              steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return critic


def critic_estimate(critic, d, std=1.0, num=20001):
    """The critic's W1 estimate between N(0, std^2) and N(d, std^2).

    Args:
        critic: 1-D input, score output.
        d: Mean of the second Gaussian.
        std: Common standard deviation.
        num: Grid points for the quadrature.

    Returns:
        Dict: `raw` = ``E_p f - E_q f`` (quadrature of ``f (p - q)``),
        `lipschitz` = max |f'| (autodiff) where the two CDFs differ by at
        least 0.1% of their largest gap, the only place the slope enters the
        estimate, since ``E_p f - E_q f = integral f' (F_q - F_p) dx``;
        `normalised` = ``raw / lipschitz``, then (up to the neglected
        tails) a lower bound on W1.
    """
    p, q = (0.0, std), (float(d), std)
    x = _grid(p, q, num, width=6.0)
    f = _common.logits_on(critic, x)
    raw = float(np.trapezoid(
        f * (_common.gaussian_pdf(x, *p) - _common.gaussian_pdf(x, *q)), x))
    # Only where the CDFs differ does f' enter E_p f - E_q f (it equals
    # integral f' (F_q - F_p) dx); far in the tails, where no sample or
    # interpolate lands, the critic's slope is unconstrained and irrelevant.
    gap = np.abs(_common.gaussian_cdf(x, *p) - _common.gaussian_cdf(x, *q))
    support = (gap >= 1e-3 * gap.max() if gap.max() > 0
               else np.ones_like(gap, bool))
    lipschitz = float(np.max(np.abs(_input_gradient(critic, x[support]))))
    return {"raw": raw, "lipschitz": lipschitz,
            "normalised": raw / lipschitz}


def _input_gradient(critic, x):
    import tensorflow as tf

    x = tf.constant(np.asarray(x, np.float32).reshape(-1, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = critic(x, training=False)
    return tape.gradient(scores, x).numpy().reshape(-1)


def critic_points(distances=CRITIC_DISTANCES, steps=2000, gp_weight=10.0,
                  seed=0):
    """Trains one critic per distance.

    Returns:
        Dict of arrays `d`, `raw`, `lipschitz`, `normalised` (see
        `critic_estimate`) and the float `gp_weight`.
    """
    rows = [critic_estimate(train_critic(d, steps=steps, gp_weight=gp_weight,
                                         seed=seed), d)
            for d in distances]
    out = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    out["d"] = np.asarray(distances, np.float64)
    out["gp_weight"] = gp_weight
    return out


def plot(curve, critic, path):
    """Two panels: JSD (and its slope) vs d; W1, and the critic's estimates, vs d.

    Args:
        curve: `curves()` result.
        critic: `critic_points()` result, or None to omit the critic.
        path: Output PNG path.

    Returns:
        `path`.
    """
    fig, (left, right) = _common.new_figure(1, 2, figsize=(11, 4.2))
    d = curve["d"]
    left.plot(d, curve["jsd"], color="tab:blue", lw=2, label="JSD(p ‖ q)")
    left.axhline(_common.LOG2, color="gray", ls=":", lw=1,
                 label="log 2 = 0.693")
    left.plot(d, curve["jsd_slope"], color="tab:blue", ls="--", lw=1.2,
              label="dJSD/dd (vanishes)")
    left.set_xlabel("distance d between the means")
    left.set_ylabel("nats")
    left.set_title("Jensen–Shannon saturates at log 2", fontsize=10)
    left.legend(fontsize=8, loc="center right")
    right.plot(d, curve["w1"], color="tab:green", lw=2,
               label="W1(p, q) (quadrature) = d")
    if critic is not None:
        lam = critic["gp_weight"]
        right.plot(critic["d"], critic["normalised"], "o", color="tab:purple",
                   label="WGAN-GP critic: (E_p f − E_q f) / Lip(f)")
        right.plot(critic["d"], critic["raw"], "s", mfc="none",
                   color="tab:orange", label="WGAN-GP critic: E_p f − E_q f")
        fine = np.linspace(0, d.max(), 200)
        right.plot(fine, fine * (1 + fine / (2 * lam)), ":", color="tab:orange",
                   lw=1, label=f"d (1 + d / 2λ), λ = {lam:g}: optimum of a "
                               "linear critic under the GP")
        right.set_ylim(-1, 1.08 * max(d.max(), critic["raw"].max()))
    right.set_xlabel("distance d between the means")
    right.set_ylabel("W1 estimate")
    right.set_title("Wasserstein-1 grows linearly", fontsize=10)
    right.legend(fontsize=8, loc="upper left")
    fig.suptitle("p = N(0, 1) vs q = N(d, 1): JS divergence vs Wasserstein-1",
                 fontsize=11)
    fig.tight_layout()
    return _common.save_figure(fig, path)


def run(out_dir="docs", critic_steps=2000, seed=0):
    """Computes the curves and critic points, writes `exp_js_vs_w.png`."""
    import os

    curve = curves()
    critic = critic_points(steps=critic_steps, seed=seed)
    path = plot(curve, critic, os.path.join(out_dir, "exp_js_vs_w.png"))
    at = {float(k): i for i, k in enumerate(curve["d"])}
    shown = (1.0, 2.0, 5.0, 10.0, 30.0)
    return {
        "figure": path,
        "jsd_at_d": {k: float(curve["jsd"][at[k]]) for k in shown},
        "w1_at_d": {k: float(curve["w1"][at[k]]) for k in shown},
        "critic": {float(k): {"raw": float(r), "lipschitz": float(lip),
                              "normalised": float(n)}
                   for k, r, lip, n in zip(critic["d"], critic["raw"],
                                           critic["lipschitz"],
                                           critic["normalised"])},
    }
