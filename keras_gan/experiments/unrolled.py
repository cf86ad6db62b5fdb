"""Experiment: mode collapse on the ring, and the unrolled GAN that cures it.

Seed article 004 (after Metz et al. 2017, Fig. 1): on a ring of 8 Gaussians
a plain GAN's generator sits on one mode, the discriminator learns to reject
it, and the generator jumps to another mode, round and round; an unrolled GAN
(`keras_gan.UnrolledGAN`) spreads over all 8.

Settings: those of the official demo (poolio/unrolled_gan, "Unrolled GAN
demo.ipynb"): both networks two tanh hidden layers of 128 (orthogonal
initialisation, gain 1.4), z of 256 from N(0, I), batch 512, D Adam(1e-4),
G Adam(1e-3), beta_1 0.5, epsilon 1e-8, 25,000 steps, ring of radius 1 with
std 0.01. The demo's ``linspace(0, 2 pi, 8)`` repeats a centre (0 and
2 pi), so it has 7 distinct modes; here the ring has 8 distinct centres
(`keras_gan.datasets.TOY_CENTRES["ring"]`). The demo's generator minimises
``-loss`` of the discriminator, i.e. the value function f itself (the
"minimax" loss), with and without the unroll; so does this experiment
(``unroll_steps=0`` is exactly `keras_gan.GAN` with ``loss="minimax"``).

Measured along the way: every `snapshot_every` steps, 2,500 samples from a
fixed noise batch, scored with `keras_gan.evaluation.mode_coverage` (the
VEEGAN/PacGAN protocol: high quality = within 3 std of the nearest centre;
a mode is captured by at least one high-quality sample), and the
per-mode histogram of the high-quality samples. The figure's heat map shows,
over time, the share of samples *near* each mode (`near_shares`: nearest
to it and within half the spacing of neighbouring centres, 0.38); unlike the
3-std high-quality count it also shows a generator that sits on a mode
without having sharpened onto it yet, so the rotation between modes is
visible from the start.
"""

import math
import time

import numpy as np

from keras_gan.experiments import _common

#: The official demo's settings (see the module docstring).
DEMO = dict(steps=25_000, batch_size=512, latent_dim=256, hidden=128,
            d_lr=1e-4, g_lr=1e-3, beta_1=0.5, epsilon=1e-8)
#: Where the demo's plain GAN does not collapse (it spreads along the ring),
#: a setting where it does: a weaker discriminator (one hidden ReLU layer of
#: 128 on inputs scaled by 1/4), a ReLU generator (two hidden layers of 128),
#: orthogonal initialisation with gain 0.8, both Adam(1e-4, beta_1 0.5); z,
#: batch and the minimax loss as in the demo. Found by a search on
#: 2026-11-24 (the 2-D networks Metz et al. 2017 describe in their appendix,
#: as we recall them; the text was not at hand offline to check). Here the
#: plain GAN sits near one mode and moves to another every few hundred
#: steps (1 mode at the end in 5 of 5 seeds; up to 98% of the samples near
#: one mode in the one-seed search), seed 004's picture.
COLLAPSE = dict(steps=10_000, batch_size=512, latent_dim=256, hidden=128,
                d_lr=1e-4, g_lr=1e-4, beta_1=0.5, epsilon=1e-8)
SETTINGS = {"demo": DEMO, "collapse": COLLAPSE}


def _setting(name):
    """`SETTINGS[name]`, or a ValueError naming the known settings."""
    if name not in SETTINGS:
        raise ValueError(f"Expected `setting` in {sorted(SETTINGS)}. "
                         f"Received: setting={name!r}")
    return SETTINGS[name]


#: Look-ahead steps compared: the plain GAN, the demo's 5, the paper's 10.
UNROLL_STEPS = (0, 5, 10)
SEEDS = (0, 1, 2, 3, 4)
NUM_EVAL = 2500
#: Columns of the figure: the demo's visualisation every 5,000 steps.
PANEL_STEPS = (0, 5000, 10000, 15000, 20000, 25000)


def label(unroll_steps):
    """The row label of a method."""
    return ("GAN (no unrolling)" if unroll_steps == 0
            else f"unrolled GAN, K = {unroll_steps}")


def build_networks(latent_dim=256, hidden=128, layers=2, setting="demo"):
    """The generator and discriminator of a setting (`SETTINGS`).

    ``"demo"``: the demo's tanh MLPs (`layers` hidden layers each),
    orthogonal init with gain 1.4. ``"collapse"``: `COLLAPSE`'s ReLU
    generator (`layers` hidden layers) and one-hidden-layer ReLU
    discriminator on inputs scaled by 1/4, orthogonal init with gain 0.8.

    Returns:
        `(generator, discriminator)`: ``z (latent_dim) -> 2`` points and
        ``2 -> 1`` logits.
    """
    import keras

    _setting(setting)
    demo = setting == "demo"

    def mlp(inputs, outputs, name, depth, scale=None):
        init = keras.initializers.Orthogonal(gain=1.4 if demo else 0.8)
        x_in = keras.Input((inputs,))
        x = x_in if scale is None else keras.layers.Rescaling(
            scale, name="scale")(x_in)
        for i in range(depth):
            x = keras.layers.Dense(hidden, activation="tanh" if demo
                                   else "relu", kernel_initializer=init,
                                   name=f"dense_{i}")(x)
        out = keras.layers.Dense(outputs, kernel_initializer=init,
                                 name="out")(x)
        return keras.Model(x_in, out, name=name)

    generator = mlp(latent_dim, 2, "generator", layers)
    if demo:
        return generator, mlp(2, 1, "discriminator", layers)
    return generator, mlp(2, 1, "discriminator", 1, scale=0.25)


def train(unroll_steps, seed=0, steps=None, snapshot_every=500,
          batch_size=None, latent_dim=None, hidden=None, d_lr=None,
          g_lr=None, loss="minimax", num_eval=NUM_EVAL, jit=False,
          setting="demo"):
    """Trains one model on the ring and records samples along the way.

    Args:
        unroll_steps: K (0 = the plain GAN).
        seed: Seeds the weights, the noise stream, the data and the
            evaluation noise.
        steps: Train steps (each one D update and one G update).
        snapshot_every: Steps between recorded snapshots (must divide
            `steps`); a snapshot is also taken before training.
        batch_size, latent_dim, hidden, d_lr, g_lr: Default: the
            setting's (`DEMO` or `COLLAPSE`).
        loss: The generator loss of `keras_gan.UnrolledGAN`.
        num_eval: Samples per snapshot (2,500 in the PacGAN protocol).
        jit: XLA-compile the train step.
        setting: `"demo"` (the official demo's nets and rates) or
            `"collapse"` (`COLLAPSE`: where the plain GAN collapses).

    Returns:
        Dict: `steps` (list of ints), `samples` (float32 array
        `(snapshots, num_eval, 2)`), `modes`, `high_quality`,
        `reverse_kl` (one per snapshot), `counts` (int array
        `(snapshots, 8)`: high-quality samples per centre), `seconds` and
        `cpu_seconds` of training, and the settings.
    """
    import keras

    from keras_gan import UnrolledGAN, datasets
    from keras_gan._checks import check_int
    from keras_gan.evaluation import mode_coverage

    chosen = _setting(setting)
    steps = chosen["steps"] if steps is None else steps
    batch_size = batch_size or chosen["batch_size"]
    latent_dim = latent_dim or chosen["latent_dim"]
    hidden = hidden or chosen["hidden"]
    d_lr, g_lr = d_lr or chosen["d_lr"], g_lr or chosen["g_lr"]
    steps = check_int("steps", steps, 1)
    snapshot_every = check_int("snapshot_every", snapshot_every, 1)
    if steps % snapshot_every:
        raise ValueError(
            f"Expected `snapshot_every` to divide steps={steps}. Received: "
            f"snapshot_every={snapshot_every}")
    keras.utils.set_random_seed(seed)
    generator, discriminator = build_networks(latent_dim, hidden,
                                              setting=setting)
    model = UnrolledGAN(generator, discriminator, latent_dim,
                        unroll_steps=unroll_steps, loss=loss, seed=seed)
    model.compile(
        keras.optimizers.Adam(d_lr, beta_1=chosen["beta_1"],
                              epsilon=chosen["epsilon"]),
        keras.optimizers.Adam(g_lr, beta_1=chosen["beta_1"],
                              epsilon=chosen["epsilon"]),
        jit_compile=jit, steps_per_execution=math.gcd(snapshot_every, 50))
    real = datasets.sample_toy("ring", max(200 * batch_size, 10_000),
                               seed=seed)
    stream = datasets.make_dataset(real, batch_size, seed=seed)
    z = np.random.default_rng([seed, 4]).standard_normal(
        (num_eval, latent_dim)).astype("float32")
    recorded = [(0, model.generator.predict(z, verbose=0))]

    def record(epoch, logs):
        recorded.append(((epoch + 1) * snapshot_every,
                         model.generator.predict(z, verbose=0)))

    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(stream, steps_per_epoch=snapshot_every,
              epochs=steps // snapshot_every, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=record)])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    centres, std = datasets.TOY_CENTRES["ring"], datasets.TOY_STD["ring"]
    scores = [mode_coverage(samples, centres, std) for _, samples in recorded]
    return {
        "unroll_steps": unroll_steps, "seed": seed, "loss": loss,
        "setting": setting,
        "batch_size": batch_size, "latent_dim": latent_dim,
        "hidden": hidden, "d_lr": d_lr, "g_lr": g_lr,
        "steps": [step for step, _ in recorded],
        "samples": np.stack([s for _, s in recorded]).astype("float32"),
        "modes": [s["modes"] for s in scores],
        "high_quality": [s["high_quality"] for s in scores],
        "reverse_kl": [s["reverse_kl"] for s in scores],
        "counts": np.array([s["counts"] for s in scores]),
        "seconds": wall, "cpu_seconds": cpu,
        "d_steps": int(model.d_optimizer.iterations),
    }


def near_shares(samples, centres):
    """Share of samples near each centre: the figure's mode histogram.

    A sample is near centre m when m is its nearest centre and it lies
    closer than half the smallest distance between two centres (on the
    ring 2 sin(pi / 8) / 2 = 0.383): the discs do not overlap, and a
    sample in the middle of the ring or far outside it counts for no mode.

    Args:
        samples: `(N, 2)` points, or `(T, N, 2)` for T snapshots.
        centres: `(M, 2)` centres.

    Returns:
        Float array `(M,)` (or `(T, M)`): fractions of the N samples; each
        row sums to at most 1.
    """
    samples = np.asarray(samples, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    radius = np.min(gaps[~np.eye(len(centres), dtype=bool)]) / 2
    distances = np.linalg.norm(samples[..., None, :] - centres, axis=-1)
    nearest = np.argmin(distances, axis=-1)
    near = np.min(distances, axis=-1) < radius
    one_hot = (nearest[..., None] == np.arange(len(centres))) & near[..., None]
    return one_hot.mean(axis=-2)


def final_scores(result):
    """The last snapshot's `(modes, high_quality, reverse_kl)`."""
    return (result["modes"][-1], result["high_quality"][-1],
            result["reverse_kl"][-1])


def plot(results, path, panel_steps=PANEL_STEPS, real=None,
         title=None):
    """Snapshots and the mode histogram over time, one row per method.

    Args:
        results: List of `train()` results (one per row; typically one seed
            of each K).
        path: Output PNG path.
        panel_steps: Steps shown as scatter panels (each must be a
            snapshot of every result).
        real: Optional `(N, 2)` real samples, drawn in every panel in grey.
        title: The figure's title (default: names the demo's settings).

    Returns:
        `path`.
    """
    from keras_gan import datasets

    centres = datasets.TOY_CENTRES["ring"]
    columns = len(panel_steps)
    fig, axes = _common.new_figure(
        len(results), columns + 1, figsize=(2.15 * columns + 5.0,
                                            2.45 * len(results)),
        squeeze=False, gridspec_kw={"width_ratios": [1] * columns + [2.6]})
    for row, res in enumerate(results):
        for col, step in enumerate(panel_steps):
            if step not in res["steps"]:
                raise ValueError(
                    f"Expected every panel step among the snapshots. "
                    f"Received: {step} not in {res['steps'][:3]}...")
            i = res["steps"].index(step)
            samples = res["samples"][i]
            ax = axes[row, col]
            if real is not None:
                ax.scatter(real[:, 0], real[:, 1], s=1, color="0.75",
                           rasterized=True)
            ax.scatter(samples[:, 0], samples[:, 1], s=1.5, alpha=0.4,
                       color="tab:blue", rasterized=True)
            ax.scatter(centres[:, 0], centres[:, 1], s=12, marker="x",
                       color="tab:red", lw=0.8)
            # Axes cover the ring and every sample (none is cut off).
            reach = max(1.5, float(np.max(np.abs(samples))) * 1.05)
            ax.set_xlim(-reach, reach)
            ax.set_ylim(-reach, reach)
            ax.set_aspect("equal")
            ax.tick_params(labelsize=5)
            ax.set_title(f"step {step}: {res['modes'][i]}/8 modes\n"
                         f"{100 * res['high_quality'][i]:.1f}% high quality",
                         fontsize=7)
            if col == 0:
                ax.set_ylabel(f"{label(res['unroll_steps'])}\nseed "
                              f"{res['seed']}", fontsize=8)
        ax = axes[row, columns]
        share = near_shares(res["samples"], centres).T  # (8, T)
        steps = np.asarray(res["steps"])
        half = (steps[1] - steps[0]) / 2 if len(steps) > 1 else 0.5
        image = ax.imshow(share, aspect="auto", origin="lower",
                          cmap="viridis", vmin=0.0, vmax=1.0,
                          interpolation="nearest",
                          extent=(steps[0] - half, steps[-1] + half,
                                  -0.5, 7.5))
        ax.set_yticks(range(8))
        ax.tick_params(labelsize=6)
        ax.set_ylabel("mode (angle / 45°)", fontsize=7)
        ax.set_title("share of samples near each mode (within 0.38) "
                     "over training", fontsize=7)
        if row == len(results) - 1:
            ax.set_xlabel("train step", fontsize=7)
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02).ax.tick_params(
            labelsize=5)
    fig.suptitle(title or "Ring of 8 Gaussians (radius 1, std 0.01), the "
                 "official unrolled-GAN demo's settings; 2,500 samples per "
                 "panel; high quality = within 3 std of a centre",
                 fontsize=9)
    fig.tight_layout()
    return _common.save_figure(fig, path, dpi=110)


def summarize(results):
    """Per K: every seed's final scores and the means (JSON-ready)."""
    table = {}
    for res in results:
        modes, hq, kl = final_scores(res)
        table.setdefault(res["unroll_steps"], []).append({
            "seed": res["seed"], "modes": modes, "high_quality": hq,
            "reverse_kl": kl, "cpu_seconds": round(res["cpu_seconds"], 1),
            "wall_seconds": round(res["seconds"], 1),
            "modes_over_training": res["modes"]})
    summary = {}
    for k, rows in sorted(table.items()):
        summary[f"K={k}"] = {
            "seeds": rows,
            "mean_modes": float(np.mean([r["modes"] for r in rows])),
            "all_modes_in": sum(r["modes"] == 8 for r in rows),
            "mean_high_quality": float(np.mean([r["high_quality"]
                                                for r in rows]))}
    return summary


def run(out_dir="docs", unroll_steps=UNROLL_STEPS, seeds=SEEDS,
        steps=None, setting="demo"):
    """Trains every (K, seed), writes the figure, returns the table.

    The figure (`exp_unrolled.png`; `exp_unrolled_collapse.png` for the
    `"collapse"` setting) shows the first seed of each K. At the demo's
    25,000 steps this is long on a CPU (K = 10 costs about 30 plain-GAN
    steps per step; README gives the measured times).
    """
    import os

    from keras_gan import datasets

    # XLA for the unrolled models: the same CPU time, half the wall time
    # here (many small fused ops); graph mode for the plain GAN.
    steps = _setting(setting)["steps"] if steps is None else steps
    every = math.gcd(steps, 500)
    results = [train(k, seed, steps=steps, snapshot_every=every, jit=k > 0,
                     setting=setting)
               for k in unroll_steps for seed in seeds]
    shown = [next(r for r in results if r["unroll_steps"] == k)
             for k in unroll_steps]
    demo = setting == "demo"
    panels = ([s for s in PANEL_STEPS if s <= steps] or [0, steps]) if demo \
        else list(dict.fromkeys(round(steps * i / 5 / every) * every
                                for i in range(6)))
    name = "exp_unrolled.png" if demo else "exp_unrolled_collapse.png"
    title = None if demo else (
        "Ring of 8 Gaussians (radius 1, std 0.01) where the plain GAN "
        "collapses: ReLU nets, a one-layer discriminator, both Adam 1e-4; "
        "2,500 samples per panel; high quality = within 3 std of a centre")
    path = plot(shown, os.path.join(out_dir, name), panel_steps=panels,
                real=datasets.sample_toy("ring", 500, seed=99), title=title)
    return {"figure": path, **summarize(results)}
