"""One training run: config -> data -> nets -> model -> fit -> export.

`run(TrainConfig(...))` is what `python train.py`, `python -m keras_gan` and
the `keras-gan-train` console script call. Everything a run writes goes to its
run dir::

    runs/wgan-mnist/
      config.json          the resolved configuration (paper defaults in)
      checkpoint.keras     whole model after the last completed epoch
      log.csv              one row of metrics per epoch (rewritten atomically)
      loss_curves.png      every metric against the epoch
      samples/epoch_0001.png ...   samples from FIXED noise after every epoch
      final_grid.png       samples of the final generator (final_scatter.png
                           for 2-D data: generated vs real points)
      tensorboard/         scalars (train/) and sample images (samples/)

Resume: `kill -9` at any moment, then the same command with `--resume`: the
model (both networks, both optimizers, noise stream) comes back from
`checkpoint.keras`, the completed epochs are `model.train_steps //
steps_per_epoch` (stored inside that one atomically written file, so they can
never disagree), and the data stream restarts at exactly that step (its order
is a pure function of the seed, see `datasets.make_dataset`). TF op
determinism is on for runs without XLA (the default; Keras refuses to
combine the two), so an interrupted-and-resumed run ends with the same
weights as an uninterrupted one (the SIGKILL test checks it). With --jit,
XLA's compiled CPU code also gave bitwise-equal resumed and uninterrupted
runs here (checked by hand, not by a test); on GPUs it may not.

Example:
>>> from keras_gan.training import TrainConfig, run
>>> result = run(TrainConfig(model="wgan-gp", dataset="ring", epochs=2,
...                          steps_per_epoch=50, hidden=(16,), export=False,
...                          run_dir="/tmp/ring-run", verbose=0))
>>> result.epochs
2
"""

import argparse
import dataclasses
import json
import math
import numbers
import pathlib
import sys
import time

import numpy as np

from keras_gan import presets, runs
from keras_gan.presets import ARCHS, DATASETS, MODELS
from keras_gan.runs import CHECKPOINT, CONFIG, LOG, read_log  # noqa: F401

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("default", "mirrored", "multiworker")
LR_DECAYS = ("none", "linear")

TOY_POINTS = 100_000
STACKED_MNIST_SIZE = 50_000
GRID_SAMPLES = 64
SCATTER_POINTS = 2000

#: Generator samples the QualityMonitor scores after every epoch.
MONITOR_SAMPLES = 1000
STACKED_MONITOR_FACTOR = 5

#: Models whose DCGAN-family nets come from their own builders
#: (`build_networks`), so --dense-units does not reach them. BEGAN is not
#: one: its generator is the plain DCGAN generator (the layer goes there)
#: and its autoencoder keeps its own layout.
OWN_DCGAN_NETS = presets.CONDITIONAL_MODELS + ("wgan-c",)

# Settings that must not change between an interrupted run and its resume.
_RESUME_KEYS = ("model", "arch", "dataset", "data", "data_dir",
                "steps_per_epoch", "batch_size", "latent_dim", "hidden",
                "base_filters", "dense_units", "lr", "g_lr", "lr_decay",
                "n_critic",
                "clip_value", "gp_weight", "ema", "ema_decay", "seed", "jit",
                "steps_per_execution", "precision", "strategy",
                "lsgan_coding", "gamma", "lambda_k", "curriculum_steps",
                "critics",
                "unroll_steps", "data_b", "cycle_weight", "identity_weight",
                "res_blocks")


class ConfigError(ValueError):
    """Bad user input (flags, data files, run dir); nothing was created."""


class RunError(RuntimeError):
    """A run that started could not finish (exit code 1)."""


class TrainingDiverged(RunError):
    """A loss became NaN/Inf; training stopped, the last checkpoint is kept."""


class Stopped(RuntimeError):
    """A signal stopped training cleanly; the run can be resumed (exit 0)."""


def _load_checkpoint(checkpoint):
    """Loads a run's `.keras` checkpoint; ConfigError if it is unreadable."""
    try:
        return runs.load_checkpoint(checkpoint)
    except runs.RunDirError as error:
        raise ConfigError(f"cannot resume: {error}; the file is kept"
                          ) from None


class ExportFailed(RunError):
    """Training finished but the SavedModel export could not be written."""


class WriteFailed(RunError):
    """A file of the run could not be written (full disk, permissions).

    Every file is written atomically, so the checkpoint still holds the last
    completed epoch and `--resume` continues from it.
    """


class ClusterFailed(RunError):
    """Another worker of a multi-worker run stopped or became unreachable."""


def _cluster_failed(error, run_dir, task):
    """The one-line `ClusterFailed` for a collective op that failed."""
    import re

    text = re.sub(r"\{\{.*?\}\}\s*", "", str(error.message))
    first = " ".join(text.split())
    checkpoint = pathlib.Path(run_dir) / CHECKPOINT
    kept = (f"{checkpoint} keeps the last completed epoch; restart every "
            f"worker with the same command and --resume"
            if checkpoint.exists() else "no epoch was completed; restart "
            "every worker")
    return ClusterFailed(f"training stopped on {task}: another worker of "
                         f"the cluster stopped or cannot be reached "
                         f"({type(error).__name__}: {first[:200]}); {kept}")


def _write_failed(error, run_dir):
    """The one-line `WriteFailed` for an `OSError` raised during a run."""
    checkpoint = pathlib.Path(run_dir) / CHECKPOINT
    what = error.filename or "a file of the run"
    reason = error.strerror or str(error)
    kept = (f"{checkpoint} keeps the last completed epoch; free space (or "
            f"fix the permissions) and run the same command with --resume"
            if checkpoint.exists() else "no epoch was completed")
    return WriteFailed(f"training stopped: cannot write {what} ({reason}); "
                       f"{kept}")


@dataclasses.dataclass
class TrainConfig:
    """Everything a run needs; None means "the preset of (model, dataset)".

    Defaults come from `keras_gan.presets`: the model's algorithm settings
    (`presets.ALGORITHMS`) and the measured preset of the pair.

    Attributes:
        model: One of `MODELS` ("dcgan" = DCGAN nets + non-saturating loss).
        arch: Network family, one of `ARCHS`: "seed-mlp" (the seed code's
            100-100 ReLU MLPs with z of 100), "mlp" (wider LeakyReLU MLPs)
            or "dcgan" (convolutional; images only).
        dataset: One of `DATASETS`.
        data: Path of a user `.npz` (key `x`, NHWC) instead of a named set.
        data_dir: Folder of idx `.gz` files for mnist / fashion_mnist /
            stacked_mnist.
        epochs: Number of epochs (default: per model).
        steps_per_epoch: Critic/discriminator steps per epoch.
        batch_size: Global batch size (default: per model).
        latent_dim: Size of z.
        hidden: MLP generator widths (the discriminator mirrors them).
        base_filters: DCGAN width F.
        dense_units: DCGAN nets: units of a fully connected hidden layer
            in both nets, after z in the generator and before the logit in
            the discriminator (InfoGAN's MNIST nets), or None/0 for none.
        lr: Discriminator/critic learning rate (and the generator's unless
            `g_lr` is given).
        g_lr: Generator learning rate.
        lr_decay: "none" or "linear" (to 0 at the last step).
        n_critic: Critic updates per generator update (default: per model).
        clip_value: WGAN weight clipping c (wgan only).
        gp_weight: WGAN-GP lambda (wgan-gp and wgan-c).
        lsgan_coding: LSGAN's codes (a, b, c): "zero-one" (0, 1, 1), the
            authors' code, or "pearson" (-1, 1, 0) (lsgan only).
        gamma: BEGAN's diversity ratio, in (0, 1] (began only).
        lambda_k: BEGAN's controller gain, > 0 (began only).
        curriculum_steps: WGAN-C's critic updates from the weakest critic
            to the strongest (default: half of the run; wgan-c only).
        critics: WGAN-C's number of critics (wgan-c only).
        unroll_steps: UnrolledGAN's K, the discriminator optimizer steps the
            generator looks ahead (unrolled-gan only; 0 = gan-minimax).
        data_b: CycleGAN only: domain B of the user's own pair (`.npz` or a
            folder of images; `data` is domain A).
        cycle_weight: CycleGAN's lambda (cyclegan only).
        identity_weight: CycleGAN's identity weight as a fraction of lambda
            (cyclegan only; 0 = off).
        res_blocks: Residual blocks of each CycleGAN generator.
        ema: Keep an exponential moving average of the generator's weights
            and sample, score and export it.
        ema_decay: Its decay, in (0, 1).
        recalibrate: With `ema`: recompute the average's batch-norm
            statistics for its own weights at each epoch's end (default:
            the preset's).
        seed: Seed of weights, noise and data order.
        run_dir: Output folder (default `runs/<model>-<dataset>`).
        export_dir: Base folder of SavedModel exports.
        export_name: Export model name (default: the model name).
        export: Export the generator after training.
        resume: Continue the run in `run_dir` from its checkpoint.
        jit: XLA-compile the train step (default: `presets.xla_pays` of
            the nets and the devices: XLA on GPUs, and on CPUs for dense
            nets of 1M+ weights, where it measured faster here).
        steps_per_execution: Train steps per compiled call (default: the
            largest divisor of `steps_per_epoch` up to 10; 1 under a
            distribution strategy).
        precision: Keras dtype policy.
        strategy: "default", "mirrored" or "multiworker" (tf.distribute).
        monitor_samples: Fixed-noise samples scored after every epoch
            (`evaluation.QualityMonitor`: FID and classes, modes, or
            spread, with a warning on collapse); 0 turns it off.
        verbose: Keras progress output (0 silent, 1 bar, 2 line per epoch).
    """

    model: str = "wgan"
    arch: str = None
    dataset: str = "mnist"
    data: str = None
    data_dir: str = None
    epochs: int = None
    steps_per_epoch: int = None
    batch_size: int = None
    latent_dim: int = None
    hidden: tuple = None
    base_filters: int = None
    dense_units: int = None
    lr: float = None
    g_lr: float = None
    lr_decay: str = None
    n_critic: int = None
    clip_value: float = None
    gp_weight: float = None
    lsgan_coding: str = None
    gamma: float = None
    lambda_k: float = None
    curriculum_steps: int = None
    critics: int = None
    unroll_steps: int = None
    data_b: str = None
    cycle_weight: float = None
    identity_weight: float = None
    res_blocks: int = None
    ema: bool = None
    ema_decay: float = None
    recalibrate: bool = None
    seed: int = 0
    run_dir: str = None
    export_dir: str = "saved_models"
    export_name: str = None
    export: bool = True
    resume: bool = False
    jit: bool = None
    steps_per_execution: int = None
    precision: str = "float32"
    strategy: str = "default"
    monitor_samples: int = MONITOR_SAMPLES
    verbose: int = 1


@dataclasses.dataclass
class RunResult:
    """What a run did: where things are and how long it took."""

    run_dir: pathlib.Path
    epochs: int
    initial_epoch: int
    steps: int
    generator_steps: int
    seconds: float
    export_path: pathlib.Path = None
    history: dict = dataclasses.field(default_factory=dict)
    n_examples: int = 0
    data_source: str = ""
    final_picture: pathlib.Path = None
    steps_taken: int = 0
    quality: dict = dataclasses.field(default_factory=dict)
    warning: str = None


# ---- validation (before anything is created) --------------------------------

def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive_int(name, value, minimum=1):
    if not _is_int(value) or value < minimum:
        raise ConfigError(f"expected --{name} to be an integer >= {minimum}, "
                          f"received {value!r}")
    return int(value)


def _positive_float(name, value, allow_zero=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"expected --{name} to be a finite number {bound}, "
                          f"received {value!r}")
    return float(value)


def _choice(name, value, choices):
    if value not in choices:
        raise ConfigError(f"expected --{name} to be one of "
                          f"{', '.join(choices)}, received {value!r}")
    return value


def _widths_of(name, value):
    if isinstance(value, (str, bytes)) or not isinstance(
            value, (list, tuple)) or not value:
        raise ConfigError(f"expected --{name} to be widths like 256,512, "
                          f"received {value!r}")
    return tuple(_positive_int(name, h) for h in value)


def _networks(c, p):
    """Fills in the network settings of `c` from the preset `p`."""
    c.arch = _choice("arch", c.arch or p["arch"], ARCHS)
    toy = c.dataset in presets.TOY_DATASETS
    if toy and c.arch == "dcgan":
        raise ConfigError(f"expected --arch mlp or seed-mlp for the 2-D "
                          f"data set {c.dataset}, received --arch dcgan")
    # Sizes belong to a family: a preset's widths only carry over when the
    # run keeps the preset's family.
    own = c.arch == p["arch"]
    if c.arch == "seed-mlp":
        latent, hidden = presets.SEED_MLP["latent_dim"], \
            presets.SEED_MLP["hidden"]
    else:
        latent = p["latent_dim"] if own else presets.SEED_MLP["latent_dim"]
        hidden = p["hidden"] if own and p["hidden"] else presets.WIDE_MLP
    c.latent_dim = _positive_int(
        "latent-dim", latent if c.latent_dim is None else c.latent_dim)
    if c.arch == "dcgan":
        if c.hidden is not None:
            raise ConfigError("--hidden sets MLP widths; it does not apply "
                              "to --arch dcgan (use --base-filters)")
        c.base_filters = _positive_int(
            "base-filters", c.base_filters if c.base_filters is not None
            else (p["base_filters"] if own else presets.DCGAN_FILTERS))
        units = c.dense_units if c.dense_units is not None \
            else (p["dense_units"] if own else None)
        c.dense_units = (_positive_int("dense-units", units, minimum=0)
                         if units is not None else None) or None
        if c.dense_units and c.model in OWN_DCGAN_NETS:
            raise ConfigError(f"--dense-units applies to the plain DCGAN "
                              f"nets; --model {c.model} has its own "
                              f"(received --dense-units {c.dense_units})")
    else:
        for flag, value in (("base-filters", c.base_filters),
                            ("dense-units", c.dense_units)):
            if value is not None:
                raise ConfigError(f"--{flag} sets the DCGAN nets; it does "
                                  f"not apply to --arch {c.arch} (use "
                                  f"--hidden)")
        c.hidden = _widths_of("hidden", hidden if c.hidden is None
                              else c.hidden)


def resolve(config):
    """Validates `config` and fills in the preset of (model, dataset).

    Args:
        config: A `TrainConfig`.

    Returns:
        A new `TrainConfig` with no None left among the model settings.

    Raises:
        ConfigError: on any bad value, with a one-line message.
    """
    c = dataclasses.replace(config)
    _choice("model", c.model, MODELS)
    _choice("dataset", c.dataset, DATASETS)
    _choice("precision", c.precision, PRECISIONS)
    _choice("strategy", c.strategy, STRATEGIES)
    if _is_translation(c):  # CycleGAN: its own path, at the end of the file
        return _resolve_translation(c)
    if c.model in presets.CONDITIONAL_MODELS and (
            c.model, c.dataset) not in presets.PRESETS:
        raise ConfigError(f"--model {c.model} needs class labels: expected "
                          f"--dataset mnist or fashion_mnist (or --data with "
                          f"labels y), received --dataset {c.dataset}")
    if c.model == "unrolled-gan" and (c.model, c.dataset) not in \
            presets.PRESETS:
        raise ConfigError(f"--model unrolled-gan has presets for the 2-D data "
                          f"sets {', '.join(presets.TOY_DATASETS)} only, "
                          f"received --dataset {c.dataset}")
    if (c.model, c.dataset) not in presets.PRESETS:
        raise ConfigError(f"--model {c.model} has convolutional networks for "
                          f"images; it does not apply to the 2-D data set "
                          f"{c.dataset} (use --model gan)")
    p = presets.resolve_preset(c.model, c.dataset)
    _networks(c, p)
    c.epochs = _positive_int("epochs", p["epochs"] if c.epochs is None
                             else c.epochs)
    c.steps_per_epoch = _positive_int(
        "steps-per-epoch", p["steps_per_epoch"]
        if c.steps_per_epoch is None else c.steps_per_epoch)
    c.batch_size = _positive_int("batch-size", p["batch_size"]
                                 if c.batch_size is None else c.batch_size)
    given_lr = c.lr is not None
    c.lr = _positive_float("lr", p["lr"] if c.lr is None else c.lr)
    c.g_lr = _positive_float("g-lr", c.g_lr if c.g_lr is not None else (
        c.lr if given_lr else p["g_lr"]))
    c.lr_decay = _choice("lr-decay", c.lr_decay or p["lr_decay"], LR_DECAYS)
    c.n_critic = _positive_int("n-critic", p["n_critic"]
                               if c.n_critic is None else c.n_critic)
    if c.clip_value is not None and c.model != "wgan":
        raise ConfigError(f"--clip-value applies to --model wgan only, "
                          f"received it with --model {c.model}")
    if c.gp_weight is not None and c.model not in ("wgan-gp", "wgan-c"):
        raise ConfigError(f"--gp-weight applies to --model wgan-gp and "
                          f"wgan-c only, received it with --model {c.model}")
    if c.model == "wgan":
        c.clip_value = _positive_float(
            "clip-value", p["clip_value"] if c.clip_value is None
            else c.clip_value)
    if c.model in ("wgan-gp", "wgan-c"):
        c.gp_weight = _positive_float(
            "gp-weight", p["gp_weight"] if c.gp_weight is None
            else c.gp_weight, allow_zero=True)
    _lsgan_began_wganc_flags(c, p)
    _unroll_flags(c, p)
    if c.ema is None:
        c.ema = c.ema_decay is not None or p["ema_decay"] is not None
    if c.ema:
        decay = (c.ema_decay if c.ema_decay is not None
                 else p["ema_decay"] or presets.EMA_DECAY)
        if not (isinstance(decay, numbers.Real) and not isinstance(decay, bool)
                and 0.0 < decay < 1.0):
            raise ConfigError(f"expected --ema-decay in (0, 1), received "
                              f"{decay!r}")
        c.ema_decay = float(decay)
    elif c.ema_decay is not None:
        raise ConfigError("expected --ema-decay without --no-ema, received "
                          "both")
    if c.recalibrate is None:
        c.recalibrate = bool(c.ema) and p.get("recalibrate", True)
    elif c.recalibrate and not c.ema:
        raise ConfigError("--recalibrate applies to the generator average, "
                          "received it without one (--no-ema or a preset "
                          "without it: add --ema)")
    if c.jit is None and (p["jit"] is not None or c.strategy != "default"):
        # The preset's choice, never under a distribution strategy (Keras'
        # own rule for several replicas). A preset without one leaves it to
        # `presets.xla_pays`, decided when TensorFlow can see the devices
        # (`run`).
        c.jit = bool(p["jit"]) and c.strategy == "default"
    if not _is_int(c.seed) or not 0 <= c.seed < 2**31:
        raise ConfigError(f"expected --seed to be an integer in [0, 2**31), "
                          f"received {c.seed!r}")
    if c.steps_per_execution is None:
        # Under tf.distribute, conditional updates (n_critic > 1, float16
        # loss scaling) cannot run inside a multi-step execution.
        c.steps_per_execution = 1 if c.strategy != "default" else (
            presets.auto_steps_per_execution(c.steps_per_epoch))
    c.steps_per_execution = _positive_int("steps-per-execution",
                                          c.steps_per_execution)
    if c.steps_per_epoch % c.steps_per_execution:
        raise ConfigError(f"expected --steps-per-execution to divide "
                          f"--steps-per-epoch {c.steps_per_epoch}, received "
                          f"{c.steps_per_execution}")
    if not _is_int(c.monitor_samples) or c.monitor_samples < 0 or \
            0 < c.monitor_samples < 2:
        raise ConfigError(f"expected --monitor-samples to be 0 or an integer "
                          f">= 2, received {c.monitor_samples!r}")
    if c.verbose not in (0, 1, 2):
        raise ConfigError(f"expected verbose in 0, 1, 2, received "
                          f"{c.verbose!r}")
    if c.data is not None and c.data_dir is not None:
        raise ConfigError("expected at most one of --data and --data-dir, "
                          "received both")
    toy = c.dataset in presets.TOY_DATASETS
    if toy and (c.data is not None or c.data_dir is not None):
        raise ConfigError(f"--data/--data-dir give images; they do not apply "
                          f"to --dataset {c.dataset}")
    c.run_dir = str(c.run_dir or pathlib.Path("runs") / _run_name(c))
    c.export_name = c.export_name or c.model
    # The rule of keras_gan.export.check_name, checked here without importing
    # TensorFlow (validation must be quick and create nothing).
    name = c.export_name
    if c.export and (not name or name in (".", "..") or name.startswith(".")
                     or any(sep in name for sep in ("/", "\\", "\0"))):
        raise ConfigError(f"expected --export-name to be a plain folder name "
                          f"(no path separators, not starting with '.'), "
                          f"received {name!r}")
    return c


def _lsgan_began_wganc_flags(c, p):
    """Checks and fills the flags of lsgan, began and wgan-c."""
    for flag, value, model in (("lsgan-coding", c.lsgan_coding, "lsgan"),
                               ("gamma", c.gamma, "began"),
                               ("lambda-k", c.lambda_k, "began"),
                               ("curriculum-steps", c.curriculum_steps,
                                "wgan-c"),
                               ("critics", c.critics, "wgan-c")):
        if value is not None and c.model != model:
            raise ConfigError(f"--{flag} applies to --model {model} only, "
                              f"received it with --model {c.model}")
    if c.model in ("began", "wgan-c") and c.arch != "dcgan":
        raise ConfigError(f"--model {c.model} has convolutional networks "
                          f"only: expected --arch dcgan, received --arch "
                          f"{c.arch}")
    if c.model == "lsgan":
        c.lsgan_coding = _choice("lsgan-coding",
                                 c.lsgan_coding or p["lsgan_coding"],
                                 presets.LSGAN_CODINGS)
    if c.model == "began":
        gamma = p["gamma"] if c.gamma is None else c.gamma
        if not (isinstance(gamma, numbers.Real) and not isinstance(gamma, bool)
                and 0.0 < gamma <= 1.0):
            raise ConfigError(f"expected --gamma in (0, 1], received "
                              f"{gamma!r}")
        c.gamma = float(gamma)
        c.lambda_k = _positive_float("lambda-k", p["lambda_k"]
                                     if c.lambda_k is None else c.lambda_k)
    if c.model == "wgan-c":
        c.critics = _positive_int("critics", p["critics"] if c.critics is None
                                  else c.critics)
        c.curriculum_steps = _positive_int(
            "curriculum-steps", max(1, c.epochs * c.steps_per_epoch // 2)
            if c.curriculum_steps is None else c.curriculum_steps)


def _unroll_flags(c, p):
    """Checks and fills --unroll-steps (unrolled-gan only)."""
    if c.unroll_steps is not None and c.model != "unrolled-gan":
        raise ConfigError(f"--unroll-steps applies to --model unrolled-gan "
                          f"only, received it with --model {c.model}")
    if c.model != "unrolled-gan":
        return
    c.unroll_steps = _positive_int(
        "unroll-steps", p["unroll_steps"] if c.unroll_steps is None
        else c.unroll_steps, minimum=0)
    if c.arch == "dcgan" and presets.DCGAN_CRITIC_NORM[c.model] == "batch":
        raise ConfigError("--model unrolled-gan needs a discriminator "
                          "without batch normalization (its statistics "
                          "cannot be carried through the unroll), received "
                          "a batch-norm DCGAN discriminator")


def _run_name(c):
    source = pathlib.Path(c.data).stem if c.data else c.dataset
    return f"{c.model}-{source}"


def multiworker_role(strategy, environ=None):
    """Whether this process writes the run, from `TF_CONFIG`.

    Under `--strategy multiworker` every worker runs the same command; the
    chief (task type "chief", or worker 0 of a cluster without one, as in
    `tf.distribute`) writes the run dir and the export, the others train
    alongside it and write nowhere the user sees.

    Returns:
        `(is_chief, task)`: task is e.g. "worker 1" (None without a
        cluster).

    Raises:
        ConfigError: `multiworker` without a readable `TF_CONFIG`.
    """
    import os

    if strategy != "multiworker":
        return True, None
    text = (os.environ if environ is None else environ).get("TF_CONFIG")
    if not text:
        raise ConfigError("--strategy multiworker reads the cluster from the "
                          "TF_CONFIG environment variable, which is not set "
                          "(README, Several machines)")
    try:
        spec = json.loads(text)
        cluster, kind = spec["cluster"], spec["task"]["type"]
        index = int(spec["task"]["index"])
        if not isinstance(cluster, dict) or kind not in cluster:
            raise ValueError(f"task type {kind!r} is not in the cluster")
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"unreadable TF_CONFIG ({error})") from None
    chief = kind == "chief" or (kind == "worker" and index == 0
                                and "chief" not in cluster)
    return chief, f"{kind} {index}"


def _train_worker(c, data, task):
    """A non-chief worker's run: the same training, written to a scratch dir.

    It takes part in every collective step (the updates, the per-epoch
    samples and scores), so it runs the chief's callbacks too, but into a
    temporary folder that is deleted at the end (the pattern of the Keras
    multi-worker guide). On `--resume` it starts from the chief's
    checkpoint in `--run-dir` (a folder the workers share).
    """
    import shutil
    import tempfile

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="keras-gan-worker-"))
    try:
        own = scratch / "run"
        own.mkdir()
        for name in (CHECKPOINT, LOG):
            source = pathlib.Path(c.run_dir) / name
            if c.resume and source.exists():
                shutil.copyfile(source, own / name)
        result = _train(dataclasses.replace(
            c, run_dir=str(own), export_dir=str(scratch / "export"),
            verbose=0), data)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if c.verbose:
        print(f"done: {task} trained epochs {result.initial_epoch + 1}-"
              f"{result.epochs} with the cluster; the chief writes "
              f"{c.run_dir} and the export", flush=True)
    return dataclasses.replace(result, run_dir=pathlib.Path(c.run_dir),
                               export_path=None, final_picture=None)


def _check_paths(c):
    if not multiworker_role(c.strategy)[0]:
        return  # a worker writes nowhere the user sees (`_train_worker`)
    run_dir = pathlib.Path(c.run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"expected --run-dir to be a folder, received the "
                          f"file {run_dir}")
    for parent in run_dir.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"expected --run-dir inside a folder, "
                                  f"received {run_dir} under the file "
                                  f"{parent}")
            break
    if c.export:
        export_dir = pathlib.Path(c.export_dir)
        if export_dir.exists() and not export_dir.is_dir():
            raise ConfigError(f"expected --export-dir to be a folder, "
                              f"received the file {export_dir}")
    checkpoint = run_dir / CHECKPOINT
    if not c.resume and runs.holds_run(run_dir):
        raise ConfigError(f"{run_dir} already holds a run; pass --resume to "
                          f"continue it, or choose another --run-dir")
    try:
        if c.resume and checkpoint.exists():
            runs.check_checkpoint(checkpoint)
        old = runs.read_record(run_dir, strict=True).get("config") \
            if c.resume else None
    except runs.RunDirError as error:
        raise ConfigError(f"cannot resume: {error}; the file is kept"
                          ) from None
    if old is not None:
        if c.jit is None and isinstance(old.get("jit"), bool):
            # "auto" resumes on the path the run took (also on a machine
            # whose devices would decide otherwise).
            c.jit = old["jit"]
        if "dense_units" not in old:
            # Recorded before the option existed: its nets have no such
            # layer, whatever today's preset says.
            c.dense_units = None
        if "lambda_k" not in old:
            # Recorded before --lambda-k: BEGAN ran with the paper's gain.
            old = {**old, "lambda_k": presets.ALGORITHMS["began"]["lambda_k"]
                   if old.get("model") == "began" else None}
        new = _jsonable(dataclasses.asdict(c))
        changed = [f"{k}: {old.get(k)!r} -> {new[k]!r}" for k in _RESUME_KEYS
                   if old.get(k) != new[k]]
        if changed:
            raise ConfigError(f"cannot resume {run_dir} with different "
                              f"settings ({'; '.join(changed)})")
        if old.get("lr_decay") == "linear" and old.get("epochs") != c.epochs:
            raise ConfigError(f"cannot change --epochs of {run_dir}: its "
                              f"learning rates decay linearly to 0 at epoch "
                              f"{old.get('epochs')}")


def _jsonable(value):
    return json.loads(json.dumps(value))


# ---- data -------------------------------------------------------------------

@dataclasses.dataclass
class _Data:
    x: np.ndarray           # uint8 images, float32 images or float32 points
    shape: tuple            # one sample
    source: str
    centres: np.ndarray = None
    y: np.ndarray = None    # int labels, one per example (None: unlabelled)
    num_classes: int = None  # set by _check_data for conditional models


def load_data(c):
    """Loads the training data of a resolved config (raises ConfigError)."""
    from keras_gan import datasets

    if c.model in presets.TRANSLATION_MODELS:
        return _load_translation_data(c)
    if c.dataset in ("ring", "grid"):
        x = datasets.sample_toy(c.dataset, TOY_POINTS, seed=c.seed)
        return _Data(x, (2,), f"{c.dataset}: {TOY_POINTS:,} points",
                     datasets.TOY_CENTRES[c.dataset])
    name = "mnist" if c.dataset == "stacked_mnist" else c.dataset
    try:
        x, y = datasets.load_images(name, data_dir=c.data_dir,
                                    data_path=c.data)
        source = (c.data or c.data_dir or
                  ("bundled MNIST sample" if name == "mnist" and len(x) == 5000
                   else name))
        if c.dataset == "stacked_mnist":
            x, _ = datasets.stacked_mnist(x, y, STACKED_MNIST_SIZE, c.seed)
            source, y = f"stacked {source}", None
    except ValueError as error:
        raise ConfigError(str(error).replace("\n", " ")) from None
    return _Data(x, tuple(x.shape[1:]), f"{source}: {len(x):,} images",
                 y=y)


def _check_data(c, data):
    if c.model in presets.TRANSLATION_MODELS:
        return _check_translation_data(c, data)
    if c.batch_size > len(data.x):
        raise ConfigError(f"expected --batch-size <= the number of examples "
                          f"({len(data.x)}), received {c.batch_size}")
    if c.arch == "dcgan" and (len(data.shape) != 3 or data.shape[0] % 4
                              or data.shape[1] % 4):
        raise ConfigError(f"expected images with height and width divisible "
                          f"by 4 for --arch dcgan, received {data.shape}")
    if c.model in presets.CONDITIONAL_MODELS:
        data.num_classes = _check_labels(c, data)
    if c.model == "wgan-c" and min(data.shape[:2]) < 2 ** (c.critics - 1):
        raise ConfigError(f"expected images of at least {2 ** (c.critics - 1)}"
                          f" px for --critics {c.critics} (the weakest critic "
                          f"sees them pooled by that factor), received "
                          f"{data.shape}")


#: The named data sets' number of classes.
NAMED_CLASSES = 10


def _check_labels(c, data):
    """The number of classes of a conditional run's labels (or raises)."""
    source = c.data or c.data_dir or c.dataset
    if data.y is None:
        raise ConfigError(f"--model {c.model} needs class labels: expected "
                          f"an .npz with key y (one int label per image), "
                          f"received {source} without labels")
    y = data.y
    if y.min() < 0 or (not c.data and y.max() >= NAMED_CLASSES):
        bad = int(y.min() if y.min() < 0 else y.max())
        top = f"0..{NAMED_CLASSES - 1}" if not c.data else ">= 0"
        raise ConfigError(f"expected class labels {top}, received the label "
                          f"{bad} in {source}")
    num_classes = NAMED_CLASSES if not c.data else int(y.max()) + 1
    missing = np.setdiff1d(np.arange(num_classes), y)
    if num_classes < 2 or (c.data and missing.size):
        raise ConfigError(f"expected labels 0..K-1 with every class present "
                          f"and K >= 2, received {source} with labels "
                          f"0..{num_classes - 1} and no images of "
                          f"{missing[:5].tolist() or 'another class'}")
    return num_classes


# ---- model ------------------------------------------------------------------

def _optimizers(c):
    """The two optimizers: the model's family, the run's rates and schedule.

    `--lr-decay linear` takes each rate to 0 at the run's last update of
    that network (the WGAN-GP authors' CIFAR-10 schedule).
    """
    import keras

    algorithm = presets.ALGORITHMS[c.model]
    d_updates = c.epochs * c.steps_per_epoch
    made = []
    for rate, updates in ((c.lr, d_updates),
                          (c.g_lr, max(d_updates // c.n_critic, 1))):
        if c.lr_decay == "linear":
            rate = keras.optimizers.schedules.PolynomialDecay(
                rate, decay_steps=updates, end_learning_rate=0.0, power=1.0)
        if algorithm["optimizer"] == "rmsprop":
            made.append(keras.optimizers.RMSprop(rate))
        else:
            made.append(keras.optimizers.Adam(
                rate, beta_1=algorithm["beta_1"], beta_2=algorithm["beta_2"]))
    return made


def build_networks(c, sample_shape, num_classes=None):
    """The generator and discriminator of a resolved config.

    Conditional models (`presets.CONDITIONAL_MODELS`) get the conditional
    networks of the same family for `num_classes` labels.
    """
    from keras_gan import networks

    image = len(sample_shape) == 3
    if c.model in presets.CONDITIONAL_MODELS:
        return _conditional_networks(c, sample_shape, num_classes)
    if c.model == "began":
        return (networks.build_dcgan_generator(c.latent_dim, sample_shape,
                                               c.base_filters,
                                               dense_units=c.dense_units),
                networks.build_began_discriminator(
                    sample_shape, **presets.BEGAN_AUTOENCODER))
    if c.model == "wgan-c":
        return (networks.build_dcgan_generator(c.latent_dim, sample_shape,
                                               c.base_filters),
                networks.build_curriculum_critics(sample_shape, c.base_filters,
                                                  c.critics))
    if c.arch == "dcgan":
        return (networks.build_dcgan_generator(
                    c.latent_dim, sample_shape, c.base_filters,
                    dense_units=c.dense_units),
                networks.build_dcgan_discriminator(
                    sample_shape, c.base_filters,
                    norm=presets.DCGAN_CRITIC_NORM[c.model],
                    dense_units=c.dense_units))
    activation = "relu" if c.arch == "seed-mlp" else "leaky_relu"
    return (networks.build_mlp_generator(
                c.latent_dim, sample_shape, c.hidden,
                "sigmoid" if image else None, activation=activation),
            networks.build_mlp_discriminator(
                sample_shape, c.hidden[::-1], activation=activation))


def _conditional_networks(c, sample_shape, num_classes):
    """Conditional networks: `dcgan` with the label at every layer; the MLPs
    with the one-hot label joined to z and to the image (no dropout, like
    the unconditional MLPs; the paper's branch-and-maxout MLP is
    `networks.build_conditional_mlp_*` with its defaults)."""
    from keras_gan import networks

    if c.arch == "dcgan":
        return (networks.build_conditional_dcgan_generator(
                    c.latent_dim, num_classes, sample_shape, c.base_filters),
                networks.build_conditional_dcgan_discriminator(
                    sample_shape, num_classes, c.base_filters,
                    norm=presets.DCGAN_CRITIC_NORM[c.model]))
    activation = "relu" if c.arch == "seed-mlp" else "leaky_relu"
    return (networks.build_conditional_mlp_generator(
                c.latent_dim, num_classes, sample_shape, c.hidden,
                branch_units=None, activation=activation, dropout=0.0),
            networks.build_conditional_mlp_discriminator(
                sample_shape, num_classes, c.hidden[::-1], branch_units=None,
                pieces=None, activation=activation, dropout=0.0))


def build_model(c, sample_shape, num_classes=None):
    """Builds and compiles the GAN of a resolved config (inside any scope).

    `num_classes` is the number of labels of a conditional model.
    """
    import keras

    from keras_gan import models

    keras.utils.set_random_seed(c.seed)
    generator, discriminator = build_networks(c, sample_shape, num_classes)
    common = dict(n_critic=c.n_critic, seed=c.seed,
                  ema_decay=c.ema_decay if c.ema else None)
    if c.model == "cgan":
        model = models.ConditionalGAN(generator, discriminator, c.latent_dim,
                                      num_classes, **common)
    elif c.model in ("gan", "gan-minimax", "dcgan"):
        model = models.GAN(generator, discriminator, c.latent_dim,
                           loss="minimax" if c.model == "gan-minimax"
                           else "non_saturating", **common)
    elif c.model == "lsgan":
        model = models.LSGAN(generator, discriminator, c.latent_dim,
                             coding=c.lsgan_coding, **common)
    elif c.model == "began":
        model = models.BEGAN(generator, discriminator, c.latent_dim,
                             gamma=c.gamma,
                             lambda_k=c.lambda_k,
                             **common)
    elif c.model == "wgan-c":
        model = models.WGANC(generator, discriminator, c.latent_dim,
                             curriculum_steps=c.curriculum_steps,
                             gp_weight=c.gp_weight, **common)
    elif c.model == "unrolled-gan":
        model = models.UnrolledGAN(generator, discriminator, c.latent_dim,
                                   unroll_steps=c.unroll_steps, **common)
    elif c.model == "wgan":
        model = models.WGAN(generator, discriminator, c.latent_dim, **common)
    else:
        model = models.WGANGP(generator, discriminator, c.latent_dim,
                              gp_weight=c.gp_weight, **common)
    # Under a tf.distribute strategy XLA is left to Keras' own choice (off
    # with several replicas, as Keras and TF recommend for CPU/GPU mirrored).
    model.compile(*_optimizers(c),
                  jit_compile=c.jit if c.strategy == "default" else "auto",
                  steps_per_execution=c.steps_per_execution)
    return model


def _strategy(name):
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


# ---- files ------------------------------------------------------------------

# ---- the run ----------------------------------------------------------------

def prepare(config):
    """Validates everything a run needs, creating nothing.

    Returns:
        `(resolved config, data)`.

    Raises:
        ConfigError: bad flags, unreadable or malformed data, bad run dir.
    """
    c = resolve(config)
    _check_paths(c)
    data = load_data(c)
    _check_data(c, data)
    return c, data


def run(config):
    """Trains one GAN as configured and writes the run's outputs.

    Args:
        config: `TrainConfig`.

    Returns:
        `RunResult`.

    Raises:
        ConfigError: bad input (raised before anything is created).
        TrainingDiverged: a loss became NaN/Inf (the checkpoint of the last
            good epoch is kept).
        ExportFailed: the export could not be written (the run dir is
            complete; `python export.py RUN_DIR` retries from it).
        WriteFailed: a file of the run dir could not be written (full
            disk, permissions); the checkpoint keeps the last completed
            epoch.
    """
    c, data = prepare(config)
    import keras
    from tensorflow.python.framework import config as tf_config

    if c.jit is None:
        c.jit = _auto_jit(c, data.shape)

    previous_policy = keras.mixed_precision.dtype_policy()
    previous_determinism = tf_config.is_op_determinism_enabled()
    try:
        # Same seed, same run: also across kill -9 and --resume. Keras
        # silently drops XLA under op determinism, so only without --jit.
        if not c.jit:
            tf_config.enable_op_determinism()
        keras.mixed_precision.set_global_policy(c.precision)
        import tensorflow as tf

        chief, task = multiworker_role(c.strategy)
        try:
            if not chief:
                return _train_worker(c, data, task)
            return _train(c, data)
        except OSError as error:  # a full disk, a folder made read-only
            raise _write_failed(error, c.run_dir) from None
        except tf.errors.OpError as error:
            if task is None:
                raise
            # A peer died or became unreachable: every collective fails.
            raise _cluster_failed(error, c.run_dir, task) from None
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
        if not previous_determinism:
            tf_config.disable_op_determinism()


def _auto_jit(c, sample_shape):
    """`presets.xla_pays` for this run's nets and this machine's devices
    (what `GAN.compile(jit_compile="auto")` decides from built nets)."""
    import tensorflow as tf

    on_gpu = any(device.device_type != "CPU"
                 for device in tf.config.list_physical_devices())
    dense = (c.arch in ("mlp", "seed-mlp")
             and c.model not in ("began", "wgan-c"))
    return presets.xla_pays(
        on_gpu=on_gpu, convolutional=not dense,
        weights=presets.mlp_weights(c.latent_dim, c.hidden, sample_shape)
        if dense else 0)


def _count(variable):
    """An int from a counter variable, also a distributed (mirrored) one."""
    import keras

    return int(keras.ops.convert_to_numpy(variable))


def _train(c, data):
    if c.model in presets.TRANSLATION_MODELS:
        return _train_translation(c, data)
    from keras_gan import callbacks as cbs
    from keras_gan import datasets, plotting

    start = time.time()
    run_dir = pathlib.Path(c.run_dir)
    samples_dir, tb_dir = run_dir / runs.SAMPLES, run_dir / runs.TENSORBOARD
    samples_dir.mkdir(parents=True, exist_ok=True)
    runs.remove_temporaries(run_dir)  # from a killed write
    checkpoint = run_dir / CHECKPOINT
    resuming = c.resume and checkpoint.exists()
    runs.write_record(
        run_dir, _jsonable(dataclasses.asdict(c)), data=data.source,
        sample_shape=list(data.shape),
        preset=_jsonable(presets.resolve_preset(c.model, c.dataset)))

    strategy = _strategy(c.strategy)
    with strategy.scope():
        if resuming:
            model = _load_checkpoint(checkpoint)
        else:
            model = build_model(c, data.shape, data.num_classes)
    # Steps taken, not updates applied: under float16 loss scaling a step
    # whose gradients overflow is skipped, yet it consumed its batch.
    done_steps = _count(model.train_steps)
    initial_epoch, extra = divmod(done_steps, c.steps_per_epoch)
    if extra:
        raise ConfigError(f"cannot resume: {checkpoint} holds {done_steps} "
                          f"steps, not a multiple of --steps-per-epoch "
                          f"{c.steps_per_epoch}")
    rows = read_log(run_dir / LOG, initial_epoch)
    history = {}
    for row in rows:
        for name, value in row.items():
            if name != "epoch":
                history.setdefault(name, []).append(value)
    if c.verbose and resuming:
        print(f"resuming {run_dir} at epoch {initial_epoch + 1} "
              f"(step {done_steps})", flush=True)

    conditional = c.model in presets.CONDITIONAL_MODELS
    dataset = datasets.make_dataset(
        data.x, c.batch_size, seed=c.seed,
        start_step=initial_epoch * c.steps_per_epoch,
        y=data.y if conditional else None)
    image = len(data.shape) == 3
    noise = np.random.default_rng([c.seed, 1]).standard_normal(
        (GRID_SAMPLES if image else SCATTER_POINTS, c.latent_dim)
    ).astype(np.float32)
    if conditional:
        noise = _class_grid_inputs(noise, data.num_classes)
    real_points = None if image else data.x[:SCATTER_POINTS]
    guard = cbs.NonFiniteGuard()
    monitor = _quality_monitor(c, data)
    clock = cbs.WallClock(rows[-1].get("seconds", 0.0) if rows else 0.0,
                          start=start)
    saver = cbs.AtomicCheckpoint(checkpoint, guard, c.steps_per_epoch)
    stopper = cbs.GracefulStop()
    grid = cbs.SampleGrid(noise, str(samples_dir), real_points, data.centres,
                          log_dir=str(tb_dir))
    callbacks = [guard, stopper]
    if c.model == "wgan":
        callbacks.append(cbs.WeightClipping(c.clip_value))
    if c.recalibrate:
        # Before anything samples, scores or saves the epoch's average.
        callbacks.append(cbs.AverageRecalibration())
    # The clock and the monitor write into the epoch's logs, so they come
    # before everything that records them. The checkpoint comes last: once
    # it names epoch k, every output of epoch k is on disk; a kill before it
    # re-runs the epoch and rewrites them.
    callbacks += [clock] + ([monitor] if monitor else []) + [
        cbs.CSVLog(str(run_dir / LOG), rows),
        grid,
        cbs.LossCurves(str(run_dir / "loss_curves.png"), dict(history),
                       title=f"{c.model} on {c.dataset}"),
        cbs.ScalarLogger(str(tb_dir)),
        saver,
    ]
    fit = model.fit(dataset, epochs=c.epochs,
                    steps_per_epoch=c.steps_per_epoch,
                    initial_epoch=initial_epoch, callbacks=callbacks,
                    verbose=c.verbose, shuffle=False)
    _after_fit(fit, history, stopper, guard, saver, initial_epoch,
               checkpoint, c.epochs)

    final = run_dir / ("final_grid.png" if image else "final_scatter.png")
    grid.write(final, "final")
    if not history and not (run_dir / "loss_curves.png").exists():
        plotting.save_loss_curves({}, run_dir / "loss_curves.png")
    export_path = None
    if c.export:
        from keras_gan.export import ExportError, export_generator

        try:
            export_path = export_generator(
                model.sampling_generator, c.export_dir, c.export_name,
                latent_dim=c.latent_dim, num_classes=data.num_classes,
                metadata={"run_dir": str(run_dir), "model": c.model,
                          "dataset": c.dataset, "epochs": c.epochs})
        except ExportError as error:
            raise ExportFailed(
                f"training finished ({run_dir} is complete) but the export "
                f"failed: {' '.join(str(error).split())}; retry with: python "
                f"export.py {run_dir}") from None
    steps = _count(model.d_optimizer.iterations)
    result = RunResult(run_dir=run_dir, epochs=c.epochs,
                       initial_epoch=initial_epoch, steps=steps,
                       generator_steps=_count(model.g_optimizer.iterations),
                       seconds=time.time() - start, export_path=export_path,
                       steps_taken=_count(model.train_steps),
                       history=history, n_examples=len(data.x),
                       data_source=data.source, final_picture=final,
                       quality=dict(monitor.last) if monitor else {},
                       warning=_final_warning(monitor))
    if c.verbose:
        print(summary_line(result), flush=True)
        if result.warning:
            print(result.warning, file=sys.stderr, flush=True)
    return result


#: Images per row (`plotting.save_image_grid`'s columns) and rows (classes)
#: of a conditional model's sample grid.
GRID_COLUMNS = 8
GRID_CLASSES = 20


def _class_grid_inputs(noise, num_classes):
    """SampleGrid inputs with one row per class (the first `GRID_CLASSES`).

    Column j uses the same z in every row, so a column shows one style
    drawn as each class.
    """
    rows = min(num_classes, GRID_CLASSES)
    z = np.tile(noise[:GRID_COLUMNS], (rows, 1))
    labels = np.repeat(np.arange(rows, dtype=np.int32), GRID_COLUMNS)
    return {"z": z, "label": labels}


def _quality_monitor(c, data):
    """The QualityMonitor of a run (None with --monitor-samples 0)."""
    from keras_gan import evaluation

    n = c.monitor_samples
    if not n:
        return None
    # Named data sets get their own scores; a user's --data gets the
    # spread, as no classifier knows its classes.
    name = None if c.data else c.dataset
    if name in ("mnist", "fashion_mnist"):
        n = min(n, len(data.x) // 2)
        if n <= 128:   # too few real images for FID's covariance
            name, n = None, c.monitor_samples
    if name == "stacked_mnist":
        # 1,000 modes: 1,000 samples would hit only ~630 of them even from
        # a perfect generator; 5x as many keep the histogram's own noise
        # (KL ~ 0.1) well below the collapse threshold.
        n = STACKED_MONITOR_FACTOR * n
    # With a progress bar on the line, the warning starts a line of its own.
    lead = "\n" if c.verbose == 1 else ""
    warn = (lambda line: print(lead + line, file=sys.stderr, flush=True)) \
        if c.verbose else (lambda line: None)
    labels = None
    if c.model in presets.CONDITIONAL_MODELS:
        from keras_gan.models.conditional import balanced_labels

        labels = balanced_labels(n, data.num_classes)
    return evaluation.QualityMonitor(name, c.latent_dim, real=data.x,
                                     num_samples=n, seed=c.seed, warn=warn,
                                     labels=labels)


def _final_warning(monitor):
    """The end-of-run warning if the final samples still look collapsed."""
    if monitor is None or not monitor.last:
        return None
    reason = monitor.diagnosis(monitor.last)
    return f"warning: the final generator looks collapsed: {reason}; look " \
        f"at the samples" if reason else None


def _skipped_text(result):
    skipped = result.steps_taken - result.steps
    return (f"; {skipped} more step{'s' * (skipped != 1)} skipped by float16 "
            f"loss scaling" if skipped > 0 else "")


def summary_line(result):
    """The closing one-line summary of a run."""
    minutes, seconds = divmod(result.seconds, 60)
    export = (f"; generator exported to {result.export_path}"
              if result.export_path else "; no export")
    return (f"done: epochs {result.initial_epoch + 1}-{result.epochs} of "
            f"{result.epochs} ({result.steps} critic and "
            f"{result.generator_steps} generator steps in total"
            f"{_skipped_text(result)}) in "
            f"{int(minutes)}m{seconds:04.1f}s; data {result.data_source}; "
            f"{quality_text(result.quality)}"
            f"wrote {result.final_picture.name}, samples/, loss_curves.png, "
            f"{LOG}, tensorboard/, {CHECKPOINT}, {CONFIG} in "
            f"{result.run_dir}{export}")


def quality_text(quality):
    """The QualityMonitor's last scores as a phrase ending in '; '."""
    q = quality or {}
    if "class_accuracy" in q:  # a conditional model
        return (f"final samples: {100 * q['class_accuracy']:.1f}% of the "
                f"requested class (lowest class "
                f"{100 * q['min_class_accuracy']:.1f}%), FID {q['fid']:.2f} "
                f"({q['fid'] / q['fid_floor']:.1f}x the real-vs-real "
                f"{q['fid_floor']:.2f}); ")
    if "fid" in q:
        return (f"final samples: FID {q['fid']:.2f} ({q['fid'] / q['fid_floor']:.1f}"
                f"x the real-vs-real {q['fid_floor']:.2f}), "
                f"{q['classes']:.0f}/10 classes, class KL {q['class_kl']:.3f}; ")
    if "high_quality" in q:
        return (f"final samples: {q['modes']:.0f} modes, "
                f"{100 * q['high_quality']:.1f}% high quality, reverse KL "
                f"{q['reverse_kl']:.3f}; ")
    if "modes" in q:
        unsure = ""
        if "unsure" in q:
            from keras_gan import metrics

            unsure = (f", {100 * q['unsure']:.0f}% of digits unsure (real "
                      f"digits: {100 * metrics.real_unsure_share():.0f}%)")
        return (f"final samples: {q['modes']:.0f}/1000 modes, KL "
                f"{q['class_kl']:.3f}{unsure}; ")
    if "spread" in q:
        return f"final samples: spread {q['spread']:.2f} of the data's; "
    return ""


# ---- command line -----------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block) and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _widths(text):
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive widths like 100,100, "
            f"received {text!r}")
    return widths


def _after_fit(fit, history, stopper, guard, saver, initial_epoch,
               checkpoint, epochs):
    """Adds `fit`'s history to `history`; raises `Stopped` after a signal or
    `TrainingDiverged` after a non-finite loss, naming the checkpoint's
    last whole epoch."""
    for name, values in fit.history.items():
        history.setdefault(name, []).extend(values)
    last = saver.saved_epoch or initial_epoch
    if stopper.signal_name is not None and guard.failure is None:
        raise Stopped(
            f"stopped by {stopper.signal_name}; {checkpoint} holds epoch "
            f"{last} of {epochs}; continue with the same command and "
            f"--resume")
    if guard.failure is not None:
        saved = (f"{checkpoint} (epoch {last})" if checkpoint.exists()
                 else "none (no epoch completed)")
        raise TrainingDiverged(
            f"training stopped: {guard.failure}; last good checkpoint: "
            f"{saved}")


def _defaults_table():
    lines = ["presets per model and data set (a flag given on the command "
             "line wins; README Results has what each measured):",
             f"  {'model':<12}{'dataset':<15}{'arch':<9}{'z':>4}  "
             f"{'widths':<15}{'lr (G)':<15}{'batch':>5}  {'steps':<10}"
             f"{'EMA':<7}XLA"]
    for (model, data), p in presets.PRESETS.items():
        widths = (",".join(map(str, p.hidden)) if p.hidden
                  else f"F={p.base_filters}"
                  + (f" fc{p.dense_units}" if p.dense_units else ""))
        rate = f"{p.lr:g}" + (f" ({p.g_lr:g})" if p.g_lr != p.lr else "") \
            + (" lin" if p.lr_decay == "linear" else "")
        lines.append(
            f"  {model:<12}{data:<15}{p.arch:<9}{p.latent_dim:>4}  "
            f"{widths:<15}{rate:<15}{p.batch_size:>5}  "
            f"{p.epochs}x{p.steps_per_epoch:<7}"
            f"{p.ema_decay or 'off'!s:<7}"
            f"{'auto' if p.jit is None else 'on' if p.jit else 'off'}"
            + "".join(f"  {key.replace('_', '-')} {value:g} (paper "
                      f"{presets.ALGORITHMS[model][key]:g})"
                      for key, value in sorted((p.tuned or {}).items())))
    for (model, data), t in presets.TRANSLATION_PRESETS.items():
        lines.append(
            f"  {model:<12}{data:<15}resnet, F={t.base_filters}, "
            f"{t.res_blocks} blocks, PatchGAN; lr {t.lr:g}"
            f"{' lin 2nd half' if t.lr_decay == 'linear' else ''}, batch "
            f"{t.batch_size}, {t.epochs}x{t.steps_per_epoch}, identity "
            f"{t.identity_weight:g}")
    lines.append("algorithms (fixed per model): gan, gan-minimax, dcgan, "
                 "cgan Adam(0.5, 0.999), n-critic 1; wgan RMSProp, "
                 "n-critic 5, clip 0.01 unless the preset says; wgan-gp Adam(0.5, 0.9), n-critic 5, "
                 "gp-weight 10; lsgan Adam(0.5, 0.999), codes (0, 1, 1); "
                 "began Adam(0.5, 0.999), gamma 0.5, lambda-k 0.001 unless the preset says; wgan-c "
                 "as wgan-gp, 3 critics; unrolled-gan Adam(0.5, 0.999), "
                 "unroll-steps 5; cyclegan Adam(0.5, 0.999), lambda 10, "
                 "50-fake buffers")
    return "\n".join(lines)


def build_parser(prog=None):
    """The `train.py` argument parser."""
    p = _Parser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a GAN (GAN, GAN-minimax, WGAN, WGAN-GP, DCGAN) "
                    "and write samples, curves, logs, a checkpoint and a "
                    "SavedModel export. Unset flags take the measured preset "
                    "of the model and data set (table below).",
        epilog=_defaults_table())
    p.add_argument("--model", default="wgan", choices=MODELS,
                   help="objective (default: wgan); dcgan = DCGAN nets with "
                        "the non-saturating GAN loss; cgan = conditional GAN "
                        "(draws a requested class; needs labels); cyclegan = "
                        "unpaired image-to-image translation (--dataset "
                        "mnist2inverted|mnist2fashion, or --data A --data-b "
                        "B)")
    p.add_argument("--arch", choices=ARCHS,
                   help="network family (default: the preset's); seed-mlp "
                        "is the seed code's 100-100 ReLU MLP with z of 100")
    p.add_argument("--dataset", default="mnist", choices=DATASETS,
                   help="training data (default: mnist; offline it uses the "
                        "bundled 5,000-digit sample); with --data it picks "
                        "the preset")
    p.add_argument("--data", metavar="PATH",
                   help="user .npz with key x: NHWC uint8 or float in [0, 1] "
                        "(and key y: int labels 0..K-1, for --model cgan)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder with train-images-idx3-ubyte.gz and "
                        "train-labels-idx1-ubyte.gz")
    p.add_argument("--epochs", type=int, help="epochs (default: preset)")
    p.add_argument("--steps-per-epoch", type=int,
                   help="critic/discriminator steps per epoch (default: "
                        "preset, 1000)")
    p.add_argument("--batch-size", type=int,
                   help="global batch size (default: preset)")
    p.add_argument("--latent-dim", type=int,
                   help="size of z (default: preset; 100 for seed-mlp)")
    p.add_argument("--hidden", type=_widths,
                   help="MLP generator widths, e.g. 256,512,1024; the "
                        "discriminator mirrors them (default: preset)")
    p.add_argument("--base-filters", type=int,
                   help="DCGAN width F (default: preset)")
    p.add_argument("--dense-units", type=int,
                   help="DCGAN nets: a fully connected hidden layer of this "
                        "many units in both nets (after z in the generator, "
                        "before the discriminator's logit), as in InfoGAN's "
                        "MNIST nets; began: in the generator only; 0 = none "
                        "(default: preset)")
    p.add_argument("--lr", type=float,
                   help="learning rate of the discriminator, and of the "
                        "generator unless --g-lr (default: preset)")
    p.add_argument("--g-lr", type=float,
                   help="generator learning rate (default: --lr, or the "
                        "preset's)")
    p.add_argument("--lr-decay", choices=LR_DECAYS,
                   help="learning-rate schedule: none, or linear to 0 at the "
                        "last step (default: preset)")
    p.add_argument("--n-critic", type=int,
                   help="critic updates per generator update (default: 5 for "
                        "wgan and wgan-gp, 1 otherwise)")
    p.add_argument("--clip-value", type=float,
                   help="WGAN weight clipping c (default 0.01; wgan only)")
    p.add_argument("--gp-weight", type=float,
                   help="WGAN-GP lambda (default 10; wgan-gp and wgan-c)")
    p.add_argument("--unroll-steps", type=int,
                   help="UnrolledGAN's look-ahead: discriminator optimizer "
                        "steps the generator's loss is taken through "
                        "(default 5; unrolled-gan only; 0 = gan-minimax)")
    p.add_argument("--lsgan-coding", choices=presets.LSGAN_CODINGS,
                   help="LSGAN codes (a, b, c): zero-one = (0, 1, 1), the "
                        "authors' code (default), pearson = (-1, 1, 0); "
                        "lsgan only")
    p.add_argument("--gamma", type=float,
                   help="BEGAN diversity ratio in (0, 1] (default: preset, "
                        "1; the BEGAN class's 0.5; began only)")
    p.add_argument("--lambda-k", type=float,
                   help="BEGAN controller gain lambda_k > 0 (default: "
                        "preset, 0.02; the paper's 0.001; began only)")
    p.add_argument("--curriculum-steps", type=int,
                   help="WGAN-C critic updates from the weakest critic to "
                        "the strongest (default: half of the run; wgan-c "
                        "only)")
    p.add_argument("--critics", type=int,
                   help="WGAN-C number of critics, the image at 1/2^k "
                        "resolution (default 3; wgan-c only)")
    p.add_argument("--data-b", metavar="PATH",
                   help="cyclegan only: domain B of your own pair, an .npz "
                        "(key x) or a folder of images; --data is domain A "
                        "(same image shape)")
    p.add_argument("--cycle-weight", type=float,
                   help="CycleGAN lambda, the cycle-consistency weight "
                        "(default 10; cyclegan only)")
    p.add_argument("--identity-weight", type=float,
                   help="CycleGAN identity weight as a fraction of lambda "
                        "(default: preset, 0.5; 0 = off; cyclegan only)")
    p.add_argument("--res-blocks", type=int,
                   help="residual blocks of each CycleGAN generator "
                        "(default: preset; cyclegan only)")
    p.add_argument("--ema-decay", type=float,
                   help="decay of the generator's weight average, in (0, 1); "
                        "samples, scores and the export use the average "
                        f"(default: preset, {presets.EMA_DECAY})")
    p.add_argument("--ema", action=argparse.BooleanOptionalAction,
                   help="keep the generator's weight average (default: "
                        "preset)")
    p.add_argument("--recalibrate", action=argparse.BooleanOptionalAction,
                   help="recompute the weight average's batch-norm "
                        "statistics for its own weights at each epoch's end "
                        "(default: preset; on except for lsgan and the GAN "
                        "family on stacked_mnist)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of weights, noise and data order (default 0)")
    p.add_argument("--run-dir", help="output folder (default "
                                     "runs/<model>-<dataset>)")
    p.add_argument("--export-dir", default="saved_models",
                   help="base folder of SavedModel exports (default "
                        "saved_models)")
    p.add_argument("--export-name",
                   help="export model name (default: the --model name)")
    p.add_argument("--no-export", dest="export", action="store_false",
                   help="do not export the generator after training")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --run-dir from its last "
                        "completed epoch (use the same flags)")
    p.add_argument("--jit", action=argparse.BooleanOptionalAction,
                   help="XLA-compile the train step (default: on GPUs, and "
                        "on CPUs for dense nets of 1M+ weights, where it "
                        "measured faster)")
    p.add_argument("--steps-per-execution", type=int,
                   help="train steps per compiled call (default: the largest "
                        "divisor of --steps-per-epoch up to 10; 1 with "
                        "--strategy mirrored/multiworker)")
    p.add_argument("--precision", default="float32", choices=PRECISIONS,
                   help="Keras dtype policy (default float32)")
    p.add_argument("--strategy", default="default", choices=STRATEGIES,
                   help="tf.distribute strategy (default: none)")
    p.add_argument("--monitor-samples", type=int, default=MONITOR_SAMPLES,
                   help="fixed-noise samples scored after every epoch (FID "
                        "and classes, modes or spread, and a warning on "
                        f"collapse; default {MONITOR_SAMPLES}, 0 off)")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                   help="0 silent, 1 progress bar (default), 2 one line per "
                        "epoch")
    return p


def main(argv=None, prog=None):
    """Command-line entry point; returns the process exit code.

    0: trained; 1: a loss became NaN/Inf (training stopped, last good
    checkpoint kept) or the export failed; 2: bad input (one-line message,
    nothing created).
    """
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        run(TrainConfig(**vars(args)))
    except ConfigError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except RunError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 1
    except Stopped as stop:
        print(f"{parser.prog}: {stop}", file=sys.stderr)
        return 0
    return 0


# ---- image-to-image translation (CycleGAN) ----------------------------------
#
# A path of its own: two unpaired domains in, two generators out, no noise.
# `resolve`, `load_data`, `_check_data` and `_train` hand a cyclegan config
# to the functions below; the run dir, checkpoint, resume and exit codes are
# the GANs'.

#: Flags of the noise GANs that a CycleGAN has no use for.
_NOT_FOR_TRANSLATION = (
    ("arch", "arch"), ("latent_dim", "latent-dim"), ("hidden", "hidden"),
    ("dense_units", "dense-units"),
    ("n_critic", "n-critic"), ("clip_value", "clip-value"),
    ("gp_weight", "gp-weight"), ("lsgan_coding", "lsgan-coding"),
    ("gamma", "gamma"), ("lambda_k", "lambda-k"),
    ("curriculum_steps", "curriculum-steps"),
    ("critics", "critics"), ("unroll_steps", "unroll-steps"),
    ("ema", "ema"), ("ema_decay", "ema-decay"),
    ("recalibrate", "recalibrate"), ("data_dir", "data-dir"))
#: Flags of the CycleGAN only.
_TRANSLATION_ONLY = (("data_b", "data-b"), ("cycle_weight", "cycle-weight"),
                     ("identity_weight", "identity-weight"),
                     ("res_blocks", "res-blocks"))
#: Images per domain in the per-epoch translation grid.
TRANSLATION_GRID_COLUMNS = 8
#: The preset a user's own --data/--data-b pair takes by default.
USER_PAIR_PRESET = "mnist2inverted"


def _is_translation(c):
    return (c.model in presets.TRANSLATION_MODELS
            or c.dataset in presets.TRANSLATION_DATASETS
            or any(getattr(c, key) is not None
                   for key, _ in _TRANSLATION_ONLY))


def _resolve_translation(c):
    """`resolve` for --model cyclegan (and refusals of its flags elsewhere)."""
    if c.model not in presets.TRANSLATION_MODELS:
        for key, flag in _TRANSLATION_ONLY:
            if getattr(c, key) is not None:
                raise ConfigError(f"--{flag} applies to --model cyclegan "
                                  f"only, received it with --model {c.model}")
        raise ConfigError(f"--dataset {c.dataset} holds two unpaired domains "
                          f"for --model cyclegan, received --model {c.model}")
    for key, flag in _NOT_FOR_TRANSLATION:
        if getattr(c, key) is not None:
            raise ConfigError(f"--{flag} does not apply to --model cyclegan "
                              f"(ResNet generators and PatchGAN "
                              f"discriminators: see --base-filters and "
                              f"--res-blocks)")
    if c.precision != "float32" or c.strategy != "default":
        raise ConfigError(f"--model cyclegan trains in float32 on one device:"
                          f" expected --precision float32 and --strategy "
                          f"default, received --precision {c.precision} "
                          f"--strategy {c.strategy}")
    if (c.data is None) != (c.data_b is None):
        given = "--data" if c.data is not None else "--data-b"
        raise ConfigError(f"expected --data A and --data-b B together for "
                          f"--model cyclegan (its two domains), received "
                          f"only {given}")
    if c.data is None and c.dataset not in presets.TRANSLATION_DATASETS:
        raise ConfigError(f"--model cyclegan needs two unpaired domains: "
                          f"expected --dataset "
                          f"{' or '.join(presets.TRANSLATION_DATASETS)}, or "
                          f"--data A --data-b B, received --dataset "
                          f"{c.dataset}")
    preset_of = c.dataset if c.dataset in presets.TRANSLATION_DATASETS \
        else USER_PAIR_PRESET
    if c.data is not None:
        c.dataset = None  # the user's domains: no held-out set, no labels
    p = presets.resolve_preset(c.model, preset_of)
    c.base_filters = _positive_int("base-filters", p["base_filters"]
                                   if c.base_filters is None
                                   else c.base_filters)
    c.res_blocks = _positive_int("res-blocks", p["res_blocks"]
                                 if c.res_blocks is None else c.res_blocks,
                                 minimum=0)
    c.epochs = _positive_int("epochs", p["epochs"] if c.epochs is None
                             else c.epochs)
    c.steps_per_epoch = _positive_int(
        "steps-per-epoch", p["steps_per_epoch"]
        if c.steps_per_epoch is None else c.steps_per_epoch)
    c.batch_size = _positive_int("batch-size", p["batch_size"]
                                 if c.batch_size is None else c.batch_size)
    c.lr = _positive_float("lr", p["lr"] if c.lr is None else c.lr)
    c.g_lr = _positive_float("g-lr", c.lr if c.g_lr is None else c.g_lr)
    c.lr_decay = _choice("lr-decay", c.lr_decay or p["lr_decay"], LR_DECAYS)
    c.cycle_weight = _positive_float(
        "cycle-weight", p["cycle_weight"] if c.cycle_weight is None
        else c.cycle_weight)
    c.identity_weight = _positive_float(
        "identity-weight", p["identity_weight"] if c.identity_weight is None
        else c.identity_weight, allow_zero=True)
    c.jit = bool(p["jit"]) if c.jit is None else bool(c.jit)
    if not _is_int(c.seed) or not 0 <= c.seed < 2**31 - 1:
        raise ConfigError(f"expected --seed to be an integer in "
                          f"[0, 2**31 - 1), received {c.seed!r}")
    if c.steps_per_execution is None:
        c.steps_per_execution = presets.auto_steps_per_execution(
            c.steps_per_epoch)
    c.steps_per_execution = _positive_int("steps-per-execution",
                                          c.steps_per_execution)
    if c.steps_per_epoch % c.steps_per_execution:
        raise ConfigError(f"expected --steps-per-execution to divide "
                          f"--steps-per-epoch {c.steps_per_epoch}, received "
                          f"{c.steps_per_execution}")
    if not _is_int(c.monitor_samples) or c.monitor_samples < 0:
        raise ConfigError(f"expected --monitor-samples to be an integer >= "
                          f"0, received {c.monitor_samples!r}")
    if c.verbose not in (0, 1, 2):
        raise ConfigError(f"expected verbose in 0, 1, 2, received "
                          f"{c.verbose!r}")
    source = (f"{pathlib.Path(c.data).stem}2{pathlib.Path(c.data_b).stem}"
              if c.data is not None else c.dataset)
    c.run_dir = str(c.run_dir or pathlib.Path("runs") / f"{c.model}-{source}")
    c.export_name = c.export_name or c.model
    name = c.export_name
    if c.export and (not name or name in (".", "..") or name.startswith(".")
                     or any(sep in name for sep in ("/", "\\", "\0"))):
        raise ConfigError(f"expected --export-name to be a plain folder name "
                          f"(no path separators, not starting with '.'), "
                          f"received {name!r}")
    return c


@dataclasses.dataclass
class _TranslationData:
    x_a: np.ndarray          # domain A training images, uint8 or float32
    x_b: np.ndarray          # domain B
    shape: tuple             # one image (H, W, C), both domains
    source: str
    held_out: dict           # test_a, test_b (+ labels_a, labels_b)
    domains: tuple = ("A", "B")


def _load_translation_data(c):
    from keras_gan import datasets

    try:
        if c.data is not None:
            x_a, x_b = datasets.load_translation_pair(c.data, c.data_b)
            grid = TRANSLATION_GRID_COLUMNS
            # No held-out images of the user's domains: the monitor and the
            # grid use the first training images (said in the README).
            held_out = {"test_a": x_a[:max(grid, c.monitor_samples)],
                        "test_b": x_b[:max(grid, c.monitor_samples)]}
            return _TranslationData(
                x_a, x_b, tuple(x_a.shape[1:]),
                f"{c.data}: {len(x_a):,} images | {c.data_b}: "
                f"{len(x_b):,} images", held_out,
                (pathlib.Path(c.data).stem, pathlib.Path(c.data_b).stem))
        domains = datasets.translation_domains(c.dataset)
    except ValueError as error:
        raise ConfigError(str(error).replace("\n", " ")) from None
    return _TranslationData(domains["train_a"], domains["train_b"],
                            tuple(domains["train_a"].shape[1:]),
                            domains["source"], domains, domains["domains"])


def _check_translation_data(c, data):
    smallest = min(len(data.x_a), len(data.x_b))
    if c.batch_size > smallest:
        raise ConfigError(f"expected --batch-size <= the images of the "
                          f"smaller domain ({smallest}), received "
                          f"{c.batch_size}")
    height, width = data.shape[:2]
    if height % 4 or width % 4 or min(height, width) < 8:
        raise ConfigError(f"expected images of at least 8 x 8 px with height "
                          f"and width divisible by 4 for --model cyclegan "
                          f"(pad them), received {data.shape}")


def _translation_optimizers(c):
    """Adam(lr, 0.5) for the generators and for the discriminators; with
    --lr-decay linear each rate is constant for the first half of the run
    and falls linearly to 0 at its last step (Zhu et al. 2017, sec. 4)."""
    import keras

    from keras_gan.models.cyclegan import ConstantThenLinearDecay

    algorithm = presets.ALGORITHMS[c.model]
    total = c.epochs * c.steps_per_epoch
    made = []
    for rate in (c.g_lr, c.lr):
        if c.lr_decay == "linear":
            start = total // 2
            rate = ConstantThenLinearDecay(rate, start, max(total - start, 1))
        made.append(keras.optimizers.Adam(rate, beta_1=algorithm["beta_1"],
                                          beta_2=algorithm["beta_2"]))
    return made


def build_translation_model(c, image_shape):
    """Builds and compiles the CycleGAN of a resolved config."""
    import keras

    from keras_gan import networks
    from keras_gan.models import CycleGAN

    keras.utils.set_random_seed(c.seed)
    p = presets.resolve_preset(c.model, c.dataset if c.dataset in
                               presets.TRANSLATION_DATASETS
                               else USER_PAIR_PRESET)
    generators = [networks.build_resnet_generator(
        image_shape, c.base_filters, c.res_blocks, name=f"generator_{ab}")
        for ab in ("ab", "ba")]
    discriminators = [networks.build_patchgan_discriminator(
        image_shape, c.base_filters, p["downsamplings"],
        name=f"discriminator_{x}") for x in ("a", "b")]
    model = CycleGAN(*generators, *discriminators,
                     cycle_weight=c.cycle_weight,
                     identity_weight=c.identity_weight,
                     pool_size=presets.ALGORITHMS[c.model]["pool_size"],
                     seed=c.seed)
    model.compile(*_translation_optimizers(c), jit_compile=c.jit,
                  steps_per_execution=c.steps_per_execution)
    return model


def _translation_stream(c, data, start_step):
    """(a, b) batches: each domain shuffled on its own (unpaired)."""
    import tensorflow as tf

    from keras_gan import datasets

    return tf.data.Dataset.zip((
        datasets.make_dataset(data.x_a, c.batch_size, seed=c.seed,
                              start_step=start_step),
        datasets.make_dataset(data.x_b, c.batch_size, seed=c.seed + 1,
                              start_step=start_step)))


def _train_translation(c, data):
    from keras_gan import callbacks as cbs
    from keras_gan import evaluation
    from keras_gan.models.cyclegan import TranslationGrid

    start = time.time()
    run_dir = pathlib.Path(c.run_dir)
    samples_dir, tb_dir = run_dir / runs.SAMPLES, run_dir / runs.TENSORBOARD
    samples_dir.mkdir(parents=True, exist_ok=True)
    runs.remove_temporaries(run_dir)  # from a killed write
    checkpoint = run_dir / CHECKPOINT
    resuming = c.resume and checkpoint.exists()
    runs.write_record(
        run_dir, _jsonable(dataclasses.asdict(c)), data=data.source,
        sample_shape=list(data.shape), domains=list(data.domains),
        preset=_jsonable(presets.resolve_preset(
            c.model, c.dataset or USER_PAIR_PRESET)))
    model = (_load_checkpoint(checkpoint) if resuming
             else build_translation_model(c, data.shape))
    done_steps = _count(model.train_steps)
    initial_epoch, extra = divmod(done_steps, c.steps_per_epoch)
    if extra:
        raise ConfigError(f"cannot resume: {checkpoint} holds {done_steps} "
                          f"steps, not a multiple of --steps-per-epoch "
                          f"{c.steps_per_epoch}")
    rows = read_log(run_dir / LOG, initial_epoch)
    history = {}
    for row in rows:
        for name, value in row.items():
            if name != "epoch":
                history.setdefault(name, []).append(value)
    if c.verbose and resuming:
        print(f"resuming {run_dir} at epoch {initial_epoch + 1} "
              f"(step {done_steps})", flush=True)

    columns = TRANSLATION_GRID_COLUMNS
    guard = cbs.NonFiniteGuard()
    monitor = None
    if c.monitor_samples:
        monitor = evaluation.TranslationMonitor(
            data.held_out, c.dataset, min(c.monitor_samples,
                                          len(data.held_out["test_a"]),
                                          len(data.held_out["test_b"])))
    clock = cbs.WallClock(rows[-1].get("seconds", 0.0) if rows else 0.0,
                          start=start)
    saver = cbs.AtomicCheckpoint(checkpoint, guard, c.steps_per_epoch)
    stopper = cbs.GracefulStop()
    grid = TranslationGrid(data.held_out["test_a"][:columns],
                           data.held_out["test_b"][:columns],
                           str(samples_dir), log_dir=str(tb_dir))
    callbacks = [guard, stopper, clock] + ([monitor] if monitor else []) + [
        cbs.CSVLog(str(run_dir / LOG), rows),
        grid,
        cbs.LossCurves(str(run_dir / "loss_curves.png"), dict(history),
                       title=f"{c.model} on "
                             f"{c.dataset or ' | '.join(data.domains)}"),
        cbs.ScalarLogger(str(tb_dir)),
        saver,
    ]
    fit = model.fit(_translation_stream(c, data,
                                        initial_epoch * c.steps_per_epoch),
                    epochs=c.epochs, steps_per_epoch=c.steps_per_epoch,
                    initial_epoch=initial_epoch, callbacks=callbacks,
                    verbose=c.verbose, shuffle=False)
    _after_fit(fit, history, stopper, guard, saver, initial_epoch,
               checkpoint, c.epochs)

    final = grid.write(run_dir / "final_grid.png")
    export_path = None
    if c.export:
        from keras_gan.export import ExportError, export_translator

        metadata = {"run_dir": str(run_dir), "model": c.model,
                    "dataset": c.dataset, "epochs": c.epochs,
                    "domains": {"a": data.domains[0], "b": data.domains[1]}}
        if c.data is not None:
            metadata.update(data=str(c.data), data_b=str(c.data_b))
        try:
            export_path = export_translator(
                model.generator_ab, model.generator_ba, c.export_dir,
                c.export_name, metadata=metadata)
        except ExportError as error:
            raise ExportFailed(
                f"training finished ({run_dir} is complete) but the export "
                f"failed: {' '.join(str(error).split())}; retry with: python "
                f"export.py {run_dir}") from None
    steps = _count(model.d_optimizer.iterations)
    result = RunResult(run_dir=run_dir, epochs=c.epochs,
                       initial_epoch=initial_epoch, steps=steps,
                       generator_steps=_count(model.g_optimizer.iterations),
                       steps_taken=_count(model.train_steps),
                       seconds=time.time() - start, export_path=export_path,
                       history=history,
                       n_examples=len(data.x_a) + len(data.x_b),
                       data_source=data.source, final_picture=final,
                       quality=dict(monitor.last) if monitor else {})
    if c.verbose:
        print(translation_summary_line(result), flush=True)
    return result


def translation_summary_line(result):
    """The closing one-line summary of a CycleGAN run."""
    minutes, seconds = divmod(result.seconds, 60)
    q = result.quality or {}
    scores = ""
    if "accuracy_ab" in q:
        scores = (f"held-out digits keep their class A->B "
                  f"{100 * q['accuracy_ab']:.1f}%, B->A "
                  f"{100 * q['accuracy_ba']:.1f}%; ")
    if "cycle_error" in q:
        scores += f"mean cycle error {q['cycle_error']:.4f}; "
    export = (f"; generators exported to {result.export_path}"
              if result.export_path else "; no export")
    return (f"done: epochs {result.initial_epoch + 1}-{result.epochs} of "
            f"{result.epochs} ({result.steps} steps, each one update of both "
            f"generators and both discriminators) in {int(minutes)}m"
            f"{seconds:04.1f}s; data {result.data_source}; {scores}wrote "
            f"{result.final_picture.name}, samples/, loss_curves.png, {LOG}, "
            f"tensorboard/, {CHECKPOINT}, {CONFIG} in {result.run_dir}"
            f"{export}")
