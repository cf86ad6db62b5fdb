"""Experiment 1: the optimal discriminator (Goodfellow et al. 2014, Prop. 1).

For a fixed generator, the discriminator that maximises
``V(D) = E_pdata log D(x) + E_pg log(1 - D(x))`` is
``D*(x) = p_data(x) / (p_data(x) + p_g(x))``, and plugging it in gives the
generator's criterion ``C(G) = -log 4 + 2 JSD(p_data || p_g)``, whose minimum
``-log 4`` is reached iff ``p_g = p_data`` (then ``D* = 1/2`` everywhere).

Here the library's MLP discriminator is trained by the library's `GAN`
`train_step` (BCE on logits, `losses.gan_discriminator_loss`) against a
weightless generator whose samples are exactly N(mean_g, std_g^2), on fresh
samples every step, and compared with `D*` computed in closed form.
"""

import math

import numpy as np

from keras_gan.experiments import _common

#: The figure's densities: p_data = N(0, 1), p_g = N(1.5, 0.5^2).
DATA = (0.0, 1.0)
FAKE = (1.5, 0.5)


def optimal_discriminator(x, data=DATA, fake=FAKE):
    """``D*(x) = p_data / (p_data + p_g)`` for two 1-D Gaussians, computed stably.

    Args:
        x: Points (any shape).
        data: `(mean, std)` of p_data.
        fake: `(mean, std)` of p_g.

    Returns:
        float64 array like `x`, in [0, 1].
    """
    data = _common.check_gaussian("data", data)
    fake = _common.check_gaussian("fake", fake)
    return _common.sigmoid(_common.gaussian_logpdf(x, *data)
                           - _common.gaussian_logpdf(x, *fake))


def train_discriminator(data=DATA, fake=FAKE, steps=3000, batch_size=512,
                        hidden=(32, 32), learning_rate=2e-3, seed=0):
    """Trains the library's discriminator with the library's `GAN` against fixed p_g.

    `keras_gan.GAN(..., loss="non_saturating")` runs its usual `train_step`
    (one BCE discriminator update on a fresh real batch, then a generator
    update that changes nothing, since the generator has no weights).
    Adam's learning rate decays to 0 on a cosine schedule so the final
    discriminator is not dominated by the noise of the last minibatches.

    Args:
        data: `(mean, std)` of p_data (real samples).
        fake: `(mean, std)` of p_g (the fixed generator).
        steps: Discriminator updates.
        batch_size: Real and fake samples per update.
        hidden: Hidden widths of `networks.build_mlp_discriminator`.
        learning_rate: Initial Adam learning rate.
        seed: Seeds weights (via `keras.utils.set_random_seed`), noise, data.

    Returns:
        The trained discriminator (`keras.Model`, 1-D input, logit output).
    """
    import keras

    from keras_gan import GAN, networks
    from keras_gan._checks import check_int

    steps = check_int("steps", steps, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    data = _common.check_gaussian("data", data)
    fake = _common.check_gaussian("fake", fake)
    keras.utils.set_random_seed(seed)
    discriminator = networks.build_mlp_discriminator((1,), hidden)
    gan = GAN(_common.fixed_gaussian_generator(*fake), discriminator,
              latent_dim=1, seed=seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    gan.compile(d_optimizer=keras.optimizers.Adam(schedule, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(learning_rate),
                jit_compile=False)
    gan.fit(_common.gaussian_batches(*data, batch_size, seed + 1),
            steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return discriminator


def grid_for(data=DATA, fake=FAKE, num=4001, width=6.0):
    """A fine grid covering both densities (mean +- width * std)."""
    lo = min(data[0] - width * data[1], fake[0] - width * fake[1])
    hi = max(data[0] + width * data[1], fake[0] + width * fake[1])
    return np.linspace(lo, hi, num)


def generator_criterion(logits, x, data=DATA, fake=FAKE):
    """``C = E_pdata log D + E_pg log(1 - D)`` by trapezoidal quadrature.

    Args:
        logits: D's logits at the grid points `x` (float64 array).
        x: A fine, uniform grid covering both densities.
        data: `(mean, std)` of p_data.
        fake: `(mean, std)` of p_g.

    Returns:
        The value as a float (``-log 4`` for ``D = 1/2`` and ``p_g = p_data``).
    """
    # log D = -softplus(-l), log(1 - D) = -softplus(l): stable on logits.
    p = _common.gaussian_pdf(x, *data)
    q = _common.gaussian_pdf(x, *fake)
    integrand = -p * _common.softplus(-logits) - q * _common.softplus(logits)
    return float(np.trapezoid(integrand, x))


def evaluate(discriminator, data=DATA, fake=FAKE, threshold=0.02):
    """Compares a trained discriminator with D* and C(G) with its theory.

    Args:
        discriminator: 1-D input, logit output.
        data, fake: `(mean, std)` pairs.
        threshold: The error is measured where ``p_data + p_g >= threshold``
            (elsewhere no sample ever lands and D is unconstrained).

    Returns:
        Dict with `x`, `d_learned`, `d_star`, `mask` (arrays on the grid),
        `threshold`,
        `max_abs_error` (on the mask), `c_learned` (C with the learned D),
        `c_star` (C with D*, by quadrature), `c_theory` (``-log 4 + 2 JSD``).
    """
    from keras_gan.experiments import js_vs_w

    x = grid_for(data, fake)
    logits = _common.logits_on(discriminator, x)
    d_learned = _common.sigmoid(logits)
    d_star = optimal_discriminator(x, data, fake)
    density = _common.gaussian_pdf(x, *data) + _common.gaussian_pdf(x, *fake)
    mask = density >= threshold
    star_logits = (_common.gaussian_logpdf(x, *data)
                   - _common.gaussian_logpdf(x, *fake))
    jsd = js_vs_w.js_divergence(data, fake)
    return {
        "x": x, "d_learned": d_learned, "d_star": d_star, "mask": mask,
        "threshold": threshold,
        "max_abs_error": float(np.max(np.abs(d_learned - d_star)[mask])),
        "c_learned": generator_criterion(logits, x, data, fake),
        "c_star": generator_criterion(star_logits, x, data, fake),
        "c_theory": -_common.LOG4 + 2.0 * jsd,
    }


def plot(different, equal, path, data=DATA, fake=FAKE):
    """Draws the two panels (p_g != p_data, p_g = p_data) into a PNG.

    Args:
        different: `evaluate` result for p_g != p_data.
        equal: `evaluate` result for p_g = p_data.
        path: Output PNG path.
        data, fake: The pairs used for `different` (for the labels).

    Returns:
        `path`.
    """
    fig, axes = _common.new_figure(1, 2, figsize=(11, 4.4))
    panels = ((axes[0], different, data, fake), (axes[1], equal, data, data))
    for ax, res, (dm, ds), (gm, gs) in panels:
        x = res["x"]
        dens = ax.twinx()
        dens.fill_between(x, _common.gaussian_pdf(x, dm, ds), color="tab:blue",
                          alpha=0.12, label=f"p_data = N({dm:g}, {ds:g}²)")
        dens.fill_between(x, _common.gaussian_pdf(x, gm, gs), color="tab:red",
                          alpha=0.12, label=f"p_g = N({gm:g}, {gs:g}²)")
        dens.set_ylabel("density")
        dens.set_ylim(bottom=0)
        ax.plot(x, res["d_star"], "k-", lw=2.5,
                label="D*(x) = p_data / (p_data + p_g)")
        ax.plot(x, res["d_learned"], "--", color="tab:orange", lw=2,
                label="learned D(x): GAN train_step, BCE")
        lo, hi = x[res["mask"]][[0, -1]]
        for edge in (lo, hi):
            ax.axvline(edge, color="gray", lw=0.8, ls=":")
        ax.plot([], [], ":", color="gray", lw=0.8,
                label="error measured between: p_data + p_g ≥ "
                      f"{res['threshold']:g}")
        ax.set_xlim(lo - 0.5, hi + 0.5)
        ax.set_ylim(-0.02, 1.02)
        ax.set_zorder(dens.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.set_xlabel("x")
        ax.set_ylabel("D(x)")
        handles, labels = ax.get_legend_handles_labels()
        more, more_labels = dens.get_legend_handles_labels()
        ax.legend(handles + more, labels + more_labels, fontsize=7.5,
                  loc="center left" if ax is axes[0] else "lower center")
    axes[0].set_title(
        f"p_g ≠ p_data: max |D − D*| = {different['max_abs_error']:.3f}\n"
        f"C(G) with learned D {different['c_learned']:.4f}; "
        f"−log 4 + 2 JSD = {different['c_theory']:.4f}", fontsize=10)
    worst_half = float(np.max(np.abs(equal["d_learned"] - 0.5)[equal["mask"]]))
    axes[1].set_title(
        f"p_g = p_data: D* = 1/2, max |D − 1/2| = {worst_half:.3f}\n"
        f"C(G) with learned D {equal['c_learned']:.4f}; "
        f"−log 4 = {-math.log(4.0):.4f}", fontsize=10)
    fig.suptitle("Optimal discriminator: the library's D trained with BCE "
                 "vs D* (Goodfellow et al. 2014)", fontsize=11)
    fig.tight_layout()
    return _common.save_figure(fig, path)


def run(out_dir="docs", steps=3000, batch_size=512, seed=0):
    """Trains both cases, writes `exp_optimal_d.png`, returns the numbers."""
    import os

    different = evaluate(train_discriminator(DATA, FAKE, steps, batch_size,
                                             seed=seed), DATA, FAKE)
    equal = evaluate(train_discriminator(DATA, DATA, steps, batch_size,
                                         seed=seed), DATA, DATA)
    path = plot(different, equal, os.path.join(out_dir, "exp_optimal_d.png"))
    return {
        "figure": path,
        "max_abs_error_different": different["max_abs_error"],
        "c_learned_different": different["c_learned"],
        "c_theory_different": different["c_theory"],
        "max_abs_error_equal": equal["max_abs_error"],
        "max_abs_d_minus_half_equal": float(np.max(np.abs(
            equal["d_learned"] - 0.5)[equal["mask"]])),
        "c_learned_equal": equal["c_learned"],
        "minus_log4": -math.log(4.0),
    }
