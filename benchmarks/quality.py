"""Sample-quality benchmark: trains GAN / WGAN / WGAN-GP and scores them.

Each configuration trains in-process with `fit()` on the settings below,
scores the generator with `keras_gan.evaluation`, and appends one JSON
record (settings, metrics, wall and CPU seconds) to `--out`. `--table`
prints README's results table from that file, with the published numbers
beside ours. It is a benchmark, not a test: it prints, it asserts nothing.

    python benchmarks/quality.py --list
    nice python benchmarks/quality.py --run ring-wgangp     # one at a time
    python benchmarks/quality.py --table

CPU time is `time.process_time()` of the process (all TF threads); wall and
CPU are both recorded because the machine may be shared.
"""

import argparse
import json
import os
import pathlib
import platform
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan import GAN, WGAN, WGANGP, WeightClipping, datasets, networks  # noqa: E402,E501
from keras_gan import evaluation  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "results" / "quality.json"

# Published numbers (2,500 samples, 3-std rule; Stacked MNIST 26,000).
ANCHORS = {
    "ring": [("PacGAN4 (Lin et al. 2018)", 7.8, 95.9, 0.07),
             ("VEEGAN (Srivastava et al. 2017)", 8, 52.9, None),
             ("WGAN-GP (GDPP paper)", 6.8, 59.6, None)],
    "grid": [("PacGAN4 (Lin et al. 2018)", 24.8, 93.6, 0.04),
             ("VEEGAN (Srivastava et al. 2017)", 24.6, 40.0, None),
             ("WGAN-GP (GDPP paper)", 24.2, 28.7, None)],
    "stacked_mnist": [("PacDCGAN2 (Lin et al. 2018)", 1000, None, 0.06),
                      ("WGAN-GP (GDPP paper)", 995, None, 0.148),
                      ("DCGAN (various)", "99-427", None, None)],
}


def _toy(model_name, toy, steps, hidden=(128, 128, 128), latent_dim=2,
         batch_size=256, lr=None, decay=True):
    return {"data": toy, "model": model_name, "steps": steps,
            "hidden": list(hidden), "latent_dim": latent_dim,
            "batch_size": batch_size, "lr": lr, "decay": decay,
            "steps_per_execution": 100}


def _image(model_name, data, steps, base_filters=16, latent_dim=64,
           batch_size=64, lr=None):
    return {"data": data, "model": model_name, "steps": steps,
            "base_filters": base_filters, "latent_dim": latent_dim,
            "batch_size": batch_size, "lr": lr, "decay": False,
            "steps_per_execution": 10}


CONFIGS = {}
for _toy_name in ("ring", "grid"):
    CONFIGS[f"{_toy_name}-gan"] = _toy("gan", _toy_name, 12000, lr=2e-4)
    CONFIGS[f"{_toy_name}-wgan"] = _toy("wgan", _toy_name, 12000, lr=5e-4)
    CONFIGS[f"{_toy_name}-wgangp"] = _toy("wgangp", _toy_name, 30000,
                                          lr=5e-4)
# A second try at the WGAN-GP toys: 4x larger batches (the minibatch
# Wasserstein estimate is noisier than the 3-std radius at batch 256) and a
# smaller learning rate.
for _toy_name in ("ring", "grid"):
    CONFIGS[f"{_toy_name}-wgangp-b1024"] = _toy(
        "wgangp", _toy_name, 16000, batch_size=1024, lr=2e-4)
# The grid needs longer training than 12,000 steps.
CONFIGS["grid-gan-long"] = _toy("gan", "grid", 40000, lr=2e-4)
CONFIGS["grid-wgangp-long"] = _toy("wgangp", "grid", 60000, lr=2e-4)
for _data in ("mnist", "fashion_mnist"):
    CONFIGS[f"{_data}-gan"] = _image("gan", _data, 4000)
    CONFIGS[f"{_data}-wgangp"] = _image("wgangp", _data, 5000)
CONFIGS["mnist-gan-long"] = _image("gan", "mnist", 10000)
CONFIGS["fashion_mnist-gan-long"] = _image("gan", "fashion_mnist", 10000)
CONFIGS["stacked_mnist-gan"] = _image("gan", "stacked_mnist", 4000)
CONFIGS["stacked_mnist-wgangp"] = _image("wgangp", "stacked_mnist", 5000)


def _optimizers(config):
    """Paper optimizers; for the toys a linear decay to 0 over the run."""
    model, lr, steps = config["model"], config["lr"], config["steps"]
    g_steps = steps // (1 if model == "gan" else 5)

    def rate(base, n):
        if not config["decay"]:
            return base
        return keras.optimizers.schedules.PolynomialDecay(base, n, 0.0)

    if model == "gan":
        lr = lr or 2e-4
        return (keras.optimizers.Adam(rate(lr, steps), beta_1=0.5),
                keras.optimizers.Adam(rate(lr, g_steps), beta_1=0.5))
    if model == "wgan":
        lr = lr or 5e-5
        return (keras.optimizers.RMSprop(rate(lr, steps)),
                keras.optimizers.RMSprop(rate(lr, g_steps)))
    lr = lr or 1e-4
    return (keras.optimizers.Adam(rate(lr, steps), beta_1=0.5, beta_2=0.9),
            keras.optimizers.Adam(rate(lr, g_steps), beta_1=0.5, beta_2=0.9))


def _build(config, sample_shape):
    latent_dim = config["latent_dim"]
    if len(sample_shape) == 1:
        generator = networks.build_mlp_generator(
            latent_dim, sample_shape, tuple(config["hidden"]), None)
        critic = networks.build_mlp_discriminator(sample_shape,
                                                  tuple(config["hidden"]))
    else:
        generator = networks.build_dcgan_generator(
            latent_dim, sample_shape, config["base_filters"])
        norm = {"gan": "batch", "wgan": None, "wgangp": "layer"}[
            config["model"]]
        critic = networks.build_dcgan_discriminator(
            sample_shape, config["base_filters"], norm=norm)
    cls = {"gan": GAN, "wgan": WGAN, "wgangp": WGANGP}[config["model"]]
    return cls(generator, critic, latent_dim=latent_dim, seed=0)


def _training_data(config):
    data = config["data"]
    if data in datasets.TOY_DATASETS:
        # A whole number of batches, so every fit() step sees a full batch.
        n = config["batch_size"] * 800
        return datasets.sample_toy(data, n, seed=1), None
    x, y = datasets.load_images("mnist" if data == "stacked_mnist" else data)
    if data == "stacked_mnist":
        x, _ = datasets.stacked_mnist(x, y, 60000, seed=1)
    return x, x  # uint8; make_dataset converts batch by batch


def run(name, steps=None):
    config = dict(CONFIGS[name])
    if steps:
        config["steps"] = steps
    keras.utils.set_random_seed(0)
    x_train, raw = _training_data(config)
    gan = _build(config, tuple(x_train.shape[1:]))
    d_optimizer, g_optimizer = _optimizers(config)
    # Many steps per compiled call: the toy nets are too small to hide the
    # per-call overhead of fit().
    gan.compile(d_optimizer, g_optimizer,
                steps_per_execution=config.get("steps_per_execution", 1))
    image = raw is not None
    steps_per_epoch = 500 if image else len(x_train) // config["batch_size"]
    epochs = max(1, round(config["steps"] / steps_per_epoch))
    if image:
        x_train = datasets.make_dataset(x_train, config["batch_size"], seed=1)
    else:
        x_train = x_train[:steps_per_epoch * config["batch_size"]]
    callbacks = [WeightClipping(0.01)] if config["model"] == "wgan" else []
    started = time.time()
    callbacks.append(keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: print(
            f"{name} epoch {epoch + 1}/{epochs} "
            f"{(time.time() - started) / 60:.1f} min "
            + " ".join(f"{k}={v:.4f}" for k, v in logs.items()),
            file=sys.stderr, flush=True)))
    wall, cpu = time.time(), time.process_time()
    gan.fit(x_train, batch_size=None if image else config["batch_size"],
            epochs=epochs, steps_per_epoch=steps_per_epoch if image else None,
            callbacks=callbacks, verbose=0)
    wall, cpu = time.time() - wall, time.process_time() - cpu
    sampler = evaluation.sampler_from_model(gan)
    data = config["data"]
    if data in datasets.TOY_DATASETS:
        samples = sampler.sample(evaluation.TOY_EVAL_SAMPLES, seed=123)
        metrics = evaluation.mode_coverage(
            samples, datasets.TOY_CENTRES[data], datasets.TOY_STD[data])
        # Diagnostic: how far samples sit from their nearest centre.
        nearest = np.min(np.linalg.norm(
            samples[:, None] - datasets.TOY_CENTRES[data][None], axis=2), 1)
        metrics["distance_quantiles_in_std"] = [
            round(float(q), 2) for q in np.quantile(
                nearest / datasets.TOY_STD[data], [0.25, 0.5, 0.75, 0.9])]
    elif data == "stacked_mnist":
        metrics = evaluation.stacked_mnist_coverage(
            sampler.sample(evaluation.STACKED_MNIST_SAMPLES, seed=123))
        metrics.pop("counts", None)
    else:
        n = min(2000, len(raw) // 2)
        metrics = evaluation.score_images(sampler.sample(n, seed=123), raw,
                                          data, num_samples=n, seed=7)
    record = {"name": name, "config": config,
              "trained_steps": epochs * steps_per_epoch,
              "train_wall_minutes": round(wall / 60, 2),
              "train_cpu_minutes": round(cpu / 60, 2),
              "metrics": metrics, "date": time.strftime("%Y-%m-%d %H:%M"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                         "shared with other jobs"}
    print(json.dumps(record), flush=True)
    return record


def _fmt(value, spec):
    if value is None:
        return "—"
    return format(value, spec) if isinstance(value, float) else str(value)


def _label(record):
    config = record["config"]
    label = {"gan": "GAN", "wgan": "WGAN", "wgangp": "WGAN-GP"}[
        config["model"]]
    lr = config.get("lr") or {"gan": 2e-4, "wgan": 5e-5, "wgangp": 1e-4}[
        config["model"]]
    decay = " decaying to 0" if config.get("decay") else ""
    return f"{label}, batch {config['batch_size']}, lr {lr:g}{decay}"


def table(records):
    """Markdown tables (toys, images, Stacked MNIST) from the records."""
    latest = {r["name"]: r for r in records}
    lines = ["| data | model | modes | high quality | reverse KL | "
             "CPU min (wall) | steps |", "| --- | --- | --- | --- | --- | "
             "--- | --- |"]
    for toy in ("ring", "grid"):
        for name in CONFIGS:
            r = latest.get(name)
            if not name.startswith(f"{toy}-") or not r:
                continue
            m = r["metrics"]
            lines.append(
                f"| {toy} | {_label(r)} (ours) | "
                f"{m['modes']}/{m['total_modes']} | "
                f"{100 * m['high_quality']:.1f}% | "
                f"{_fmt(m['reverse_kl'], '.3f')} | "
                f"{r['train_cpu_minutes']:.1f} "
                f"({r['train_wall_minutes']:.1f}) | "
                f"{r['trained_steps']} |")
        for paper, modes, hq, kl in ANCHORS[toy]:
            lines.append(f"| {toy} | {paper} | {modes} | "
                         f"{_fmt(hq, '')}{'%' if hq else ''} | "
                         f"{_fmt(kl, '')} | | |")
    lines += ["", "| data | model | FID (real-vs-real floor) | FID / floor | "
              "IS (real) | precision / recall | CPU min (wall) | steps |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for data in ("mnist", "fashion_mnist"):
        for name in CONFIGS:
            r = latest.get(name)
            if name.split("-")[0] == data and r:
                m = r["metrics"]
                lines.append(
                    f"| {data} | {_label(r)} | "
                    f"{m['fid']:.2f} ({m['fid_floor']:.2f}) | "
                    f"{m['fid_ratio']:.1f} | {m['is_mean']:.2f} "
                    f"({m['is_real_mean']:.2f}) | {m['precision']:.2f} / "
                    f"{m['recall']:.2f} | {r['train_cpu_minutes']:.1f} "
                    f"({r['train_wall_minutes']:.1f}) | "
                    f"{r['trained_steps']} |")
    lines += ["", "| data | model | modes (of 1000) | KL to uniform | "
              "CPU min (wall) | steps |", "| --- | --- | --- | --- | --- | "
              "--- |"]
    for model in ("gan", "wgangp"):
        r = latest.get(f"stacked_mnist-{model}")
        if r:
            m = r["metrics"]
            lines.append(
                f"| stacked_mnist | {_label(r)} (ours) | {m['modes']} | "
                f"{m['reverse_kl']:.3f} | "
                f"{r['train_cpu_minutes']:.1f} "
                f"({r['train_wall_minutes']:.1f}) | {r['trained_steps']} |")
    for paper, modes, _, kl in ANCHORS["stacked_mnist"]:
        lines.append(f"| stacked_mnist | {paper} | {modes} | "
                     f"{_fmt(kl, '')} | | |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="*", default=[],
                        choices=sorted(CONFIGS), metavar="CONFIG")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--steps", type=int,
                        help="override the configured number of steps")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args(argv)
    if args.list:
        for name, config in CONFIGS.items():
            print(name, json.dumps(config))
    for name in args.run:
        record = run(name, args.steps)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as f:
            f.write(json.dumps(record) + "\n")
    if args.table:
        if not args.out.exists():
            sys.exit(f"No results yet in {args.out}; run some configs first.")
        records = [json.loads(line) for line in args.out.read_text()
                   .splitlines() if line.strip()]
        print(table(records))


if __name__ == "__main__":
    main()
