"""Defaults per (model, data set): the settings a run uses unless told otherwise.

Two layers, kept apart on purpose:

* `ALGORITHMS`: what makes each model the paper's method and never changes
  with the data -- its losses (in `keras_gan.models`), the optimizer family
  (WGAN: RMSProp, no momentum; the others Adam), `n_critic`, the clipping
  value and the penalty weight.
* `PRESETS`: everything the papers leave to the practitioner -- networks,
  widths, latent size, learning rates and their schedule, batch size, run
  length, generator weight averaging, XLA -- chosen per (model, data set) by
  measurement: the settings that gave the best samples within 10 minutes of
  wall time on this project's 2-core CPU (README "Results" gives the
  numbers, `benchmarks/quality.py` the command that re-measures them).

`resolve_preset(model, dataset)` merges the two. This module imports nothing
heavy, so the command line can validate flags without loading TensorFlow.
"""

import dataclasses

MODELS = ("gan", "gan-minimax", "wgan", "wgan-gp", "dcgan")
DATASETS = ("mnist", "fashion_mnist", "ring", "grid", "stacked_mnist")
TOY_DATASETS = ("ring", "grid")

#: Network families (`--arch`). `seed-mlp` is the seed code's MLP pair
#: (ReLU, 100-100, z of 100) exactly as the source article builds it.
ARCHS = ("seed-mlp", "mlp", "dcgan")

#: The papers' algorithm settings per model. GAN: Goodfellow et al. 2014
#: with DCGAN's Adam(2e-4, 0.5) (Radford et al. 2016); WGAN: Arjovsky et
#: al. 2017, Algorithm 1 (RMSProp, c = 0.01, n_critic = 5); WGAN-GP:
#: Gulrajani et al. 2017, Algorithm 1 (lambda = 10, n_critic = 5, Adam with
#: the released code's beta_1 = 0.5, beta_2 = 0.9).
ALGORITHMS = {
    "gan": dict(optimizer="adam", beta_1=0.5, beta_2=0.999, n_critic=1),
    "gan-minimax": dict(optimizer="adam", beta_1=0.5, beta_2=0.999,
                        n_critic=1),
    "dcgan": dict(optimizer="adam", beta_1=0.5, beta_2=0.999, n_critic=1),
    "wgan": dict(optimizer="rmsprop", n_critic=5, clip_value=0.01),
    "wgan-gp": dict(optimizer="adam", beta_1=0.5, beta_2=0.9, n_critic=5,
                    gp_weight=10.0),
}

#: The papers' learning rates (the presets may choose others; --help shows
#: both).
PAPER_LR = {"gan": 2e-4, "gan-minimax": 2e-4, "dcgan": 2e-4, "wgan": 5e-5,
            "wgan-gp": 1e-4}


@dataclasses.dataclass(frozen=True)
class Preset:
    """The practitioner's settings of one (model, data set).

    Attributes:
        arch: Network family, one of `ARCHS`.
        latent_dim: Size of z.
        hidden: MLP generator widths (the discriminator mirrors them), or
            None for `dcgan`.
        base_filters: DCGAN width F, or None for MLPs.
        lr: Discriminator/critic learning rate.
        g_lr: Generator learning rate (two time-scale rule when it differs).
        lr_decay: `"none"` or `"linear"` (to 0 at the last step, as the
            WGAN-GP authors' CIFAR-10 code does).
        batch_size: Examples per critic step.
        epochs: Epochs of `steps_per_epoch` critic steps.
        steps_per_epoch: Critic steps per epoch.
        ema_decay: Generator weight averaging decay, or None for off.
        jit: XLA-compile the train step.
        measured: What the preset gave when it was chosen (README).
    """

    arch: str
    latent_dim: int
    hidden: tuple
    base_filters: int
    lr: float
    g_lr: float
    lr_decay: str
    batch_size: int
    epochs: int
    steps_per_epoch: int
    ema_decay: float
    jit: bool
    measured: str = ""


SEED_MLP = dict(arch="seed-mlp", latent_dim=100, hidden=(100, 100),
                base_filters=None)
#: Sizes of a family when a run picks one that is not its preset's.
WIDE_MLP = (256, 512, 1024)
DCGAN_FILTERS = 32
EMA_DECAY = 0.999
#: Normalisation in the DCGAN discriminator per model: none for the WGAN-GP
#: critic (the penalty is per sample; Gulrajani et al. 2017, section 4).
DCGAN_CRITIC_NORM = {"gan": None, "gan-minimax": None, "dcgan": None,
                     "wgan": None, "wgan-gp": None}


def _image(arch, *, lr, g_lr=None, epochs, batch_size=64, ema_decay=0.999,
           jit=False, lr_decay="none", base_filters=32,
           hidden=(256, 512, 1024), latent_dim=100, measured="",
           steps_per_epoch=1000):
    return Preset(arch=arch, latent_dim=latent_dim,
                  hidden=None if arch == "dcgan" else hidden,
                  base_filters=base_filters if arch == "dcgan" else None,
                  lr=lr, g_lr=g_lr or lr, lr_decay=lr_decay,
                  batch_size=batch_size, epochs=epochs,
                  steps_per_epoch=steps_per_epoch, ema_decay=ema_decay,
                  jit=jit, measured=measured)


def _toy(*, lr, epochs, batch_size=256, hidden=(128, 128, 128),
         latent_dim=2, ema_decay=None, lr_decay="linear", measured=""):
    return Preset(arch="mlp", latent_dim=latent_dim, hidden=hidden,
                  base_filters=None, lr=lr, g_lr=lr, lr_decay=lr_decay,
                  batch_size=batch_size, epochs=epochs, steps_per_epoch=1000,
                  ema_decay=ema_decay, jit=False, measured=measured)


PRESETS = {}
for _data in ("mnist", "fashion_mnist", "stacked_mnist"):
    PRESETS["gan", _data] = _image("mlp", lr=2e-4, epochs=40, jit=True)
    PRESETS["gan-minimax", _data] = _image("mlp", lr=2e-4, epochs=40,
                                           jit=True)
    PRESETS["dcgan", _data] = _image("dcgan", lr=2e-4, epochs=24)
    PRESETS["wgan", _data] = _image("dcgan", lr=5e-5, epochs=33)
    PRESETS["wgan-gp", _data] = _image("dcgan", lr=1e-4, epochs=18)
for _data in TOY_DATASETS:
    PRESETS["gan", _data] = _toy(lr=2e-4, epochs=12)
    PRESETS["gan-minimax", _data] = _toy(lr=2e-4, epochs=12)
    PRESETS["wgan", _data] = _toy(lr=5e-4, epochs=12)
    PRESETS["wgan-gp", _data] = _toy(lr=5e-4, epochs=30)


def resolve_preset(model, dataset):
    """The algorithm settings and the preset of (model, dataset), merged.

    Args:
        model: One of `MODELS`.
        dataset: One of `DATASETS`.

    Returns:
        A dict of every setting (`ALGORITHMS[model]` and the preset's
        fields).

    Raises:
        KeyError: for a pair without a preset (`dcgan` on 2-D points).
    """
    return {**dataclasses.asdict(PRESETS[model, dataset]),
            **ALGORITHMS[model]}
