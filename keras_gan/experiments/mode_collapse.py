"""Experiment 4: mode collapse on the ring of 8 Gaussians.

The original GAN (minimax and non-saturating generator losses) and WGAN-GP
are trained with the library's models on the 8-Gaussian ring
(`keras_gan.datasets.sample_toy("ring", ...)`: centres
``(cos 2 pi i / 8, sin 2 pi i / 8)``, std 0.01), from the same seed, with the
same networks (the seed MLPs widened for 2-D: latent 8, hidden (128, 128),
linear output), the same batch size and the same number of *generator*
updates (WGAN-GP therefore makes `n_critic` = 5 times as many critic updates,
as in its paper). Samples from a fixed noise batch are recorded at a few
points of training, and the final generator is scored with
`keras_gan.evaluation.mode_coverage` (the VEEGAN/PacGAN protocol: 2,500
samples; high quality = within 3 std of the nearest centre; modes = centres
nearest to at least one high-quality sample; reverse KL of the high-quality
histogram to uniform).
"""

import time

import numpy as np

from keras_gan.experiments import _common

METHODS = ("minimax", "non_saturating", "wgan_gp")
LABELS = {"minimax": "GAN, minimax G loss",
          "non_saturating": "GAN, non-saturating G loss",
          "wgan_gp": "WGAN-GP (λ = 10, n_critic = 5)"}


def build_model(method, latent_dim=8, hidden=(128, 128), learning_rate=1e-3,
                seed=0):
    """The library's model for `method`, on fresh seed MLPs sized for 2-D.

    Args:
        method: `"minimax"`, `"non_saturating"` or `"wgan_gp"`.
        latent_dim: Size of z.
        hidden: Hidden widths of both networks.
        learning_rate: Adam learning rate of both networks.
        seed: Seeds the weights (`keras.utils.set_random_seed`) and noise.

    Returns:
        A `keras_gan.GAN` or `keras_gan.WGANGP`, compiled with Adam
        (GAN: beta_1 = 0.5; WGAN-GP: beta_1 = 0.5, beta_2 = 0.9), the same
        learning rate for every method.
    """
    import keras

    from keras_gan import GAN, WGANGP, networks
    from keras_gan._checks import check_choice

    check_choice("method", method, set(METHODS))
    keras.utils.set_random_seed(seed)
    generator = networks.build_mlp_generator(
        latent_dim, (2,), hidden, output_activation=None)
    discriminator = networks.build_mlp_discriminator((2,), hidden)
    if method == "wgan_gp":
        model = WGANGP(generator, discriminator, latent_dim, n_critic=5,
                       gp_weight=10.0, seed=seed)
        make = lambda: keras.optimizers.Adam(learning_rate, 0.5, 0.9)  # noqa: E731
    else:
        model = GAN(generator, discriminator, latent_dim, loss=method,
                    seed=seed)
        make = lambda: keras.optimizers.Adam(learning_rate, 0.5)  # noqa: E731
    model.compile(d_optimizer=make(), g_optimizer=make())
    return model


def train(method, generator_steps=2000, snapshots=(0, 500, 1000, 2000),
          batch_size=256, num_eval=2500, latent_dim=8, hidden=(128, 128),
          learning_rate=1e-3, seed=0):
    """Trains one method on the ring, recording samples along the way.

    Args:
        method: One of `METHODS`.
        generator_steps: Generator updates (the shared budget).
        snapshots: Generator-update counts at which samples are recorded
            (sorted, each <= `generator_steps`; 0 = before training).
        batch_size: Real samples per discriminator/critic update.
        num_eval: Samples per snapshot (2,500 in the PacGAN protocol).
        latent_dim: Size of z.
        hidden: Hidden widths of both networks.
        learning_rate: Adam learning rate of both networks.
        seed: Seeds weights, noise, the data and the evaluation noise.

    Returns:
        Dict: `snapshots` (list of `(generator_steps, samples (num_eval, 2))`),
        `coverage` (`mode_coverage` of the last snapshot), `seconds`
        (training wall time), `d_steps` (discriminator/critic updates).
    """
    from keras_gan import datasets
    from keras_gan._checks import check_int
    from keras_gan.evaluation import mode_coverage

    generator_steps = check_int("generator_steps", generator_steps, 1)
    snapshots = sorted(int(s) for s in snapshots)
    if not snapshots or snapshots[0] < 0 or snapshots[-1] > generator_steps:
        raise ValueError(
            f"Expected snapshot steps in [0, {generator_steps}]. "
            f"Received: snapshots={snapshots}")
    model = build_model(method, latent_dim, hidden, learning_rate, seed)
    per_g = getattr(model, "n_critic", 1)
    real = datasets.sample_toy("ring", 100_000, seed=seed)
    stream = datasets.make_dataset(real, batch_size, seed=seed)
    z = np.random.default_rng(seed + 12345).standard_normal(
        (num_eval, latent_dim)).astype("float32")
    recorded, done, seconds = [], 0, 0.0
    for target in snapshots:
        if target > done:
            start = time.perf_counter()
            # One fit() per segment: its iterator continues the same stream.
            model.fit(stream, steps_per_epoch=(target - done) * per_g,
                      epochs=1, shuffle=False, verbose=0)
            seconds += time.perf_counter() - start
            done = target
        recorded.append((done, model.generator.predict(z, verbose=0)))
    centres = datasets.TOY_CENTRES["ring"]
    std = datasets.TOY_STD["ring"]
    return {"snapshots": recorded,
            "coverage": mode_coverage(recorded[-1][1], centres, std),
            "seconds": seconds, "d_steps": done * per_g}


def plot(results, path, real=None):
    """One row per method, one column per snapshot; last column: the data.

    Each panel's title gives the modes captured and the high-quality
    fraction of that snapshot (`keras_gan.evaluation.mode_coverage`).

    Args:
        results: Dict `{method: train() result}`.
        path: Output PNG path.
        real: Optional `(N, 2)` real samples for the reference column.

    Returns:
        `path`.
    """
    from keras_gan import datasets
    from keras_gan.evaluation import mode_coverage

    centres = datasets.TOY_CENTRES["ring"]
    methods = list(results)
    columns = max(len(r["snapshots"]) for r in results.values())
    fig, axes = _common.new_figure(
        len(methods), columns + (real is not None),
        figsize=(2.3 * (columns + (real is not None)), 2.75 * len(methods)),
        squeeze=False)
    for row, method in enumerate(methods):
        res = results[method]
        for col, (step, samples) in enumerate(res["snapshots"]):
            ax = axes[row, col]
            ax.scatter(samples[:, 0], samples[:, 1], s=1.5, alpha=0.35,
                       color="tab:blue", rasterized=True)
            ax.scatter(centres[:, 0], centres[:, 1], s=14, marker="x",
                       color="tab:red", lw=1)
            cov = mode_coverage(samples, centres, datasets.TOY_STD["ring"])
            ax.set_title(f"G step {step}: {cov['modes']}/8 modes\n"
                         f"{100 * cov['high_quality']:.1f}% high quality",
                         fontsize=8,
                         fontweight="bold" if col == columns - 1 else None)
            if col == 0:
                ax.set_ylabel(LABELS.get(method, method), fontsize=8)
        if real is not None:
            ax = axes[row, columns]
            ax.scatter(real[:, 0], real[:, 1], s=1.5, alpha=0.35,
                       color="tab:green", rasterized=True)
            ax.set_title("real data", fontsize=8)
    for ax in axes.ravel():
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.6, 1.6)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
    fig.suptitle("Ring of 8 Gaussians (std 0.01): 2,500 samples over "
                 "training; same seed, networks and generator budget; "
                 "red × = centres, high quality = within 3 std",
                 fontsize=10)
    fig.tight_layout()
    return _common.save_figure(fig, path, dpi=110)


def run(out_dir="docs", generator_steps=4000,
        snapshots=(0, 250, 500, 1000, 2000, 4000), batch_size=256, seed=0,
        methods=METHODS):
    """Trains every method, writes `exp_mode_collapse.png`, returns the scores."""
    import os

    from keras_gan import datasets

    results = {m: train(m, generator_steps, snapshots, batch_size, seed=seed)
               for m in methods}
    path = plot(results, os.path.join(out_dir, "exp_mode_collapse.png"),
                real=datasets.sample_toy("ring", 2500, seed=seed + 1))
    summary = {"figure": path}
    for method, res in results.items():
        cov = res["coverage"]
        summary[method] = {
            "modes": cov["modes"], "high_quality": cov["high_quality"],
            "reverse_kl": cov["reverse_kl"], "counts": cov["counts"],
            "generator_steps": generator_steps, "d_steps": res["d_steps"],
            "train_seconds": round(res["seconds"], 1),
            # Modes captured at every snapshot: does the GAN hop between modes?
            "modes_over_training": [
                (step, _modes(samples)) for step, samples in res["snapshots"]],
        }
    return summary


def _modes(samples):
    from keras_gan import datasets
    from keras_gan.evaluation import mode_coverage

    cov = mode_coverage(samples, datasets.TOY_CENTRES["ring"],
                        datasets.TOY_STD["ring"])
    return [cov["modes"], round(cov["high_quality"], 4)]
