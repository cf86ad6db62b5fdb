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

MODELS = ("gan", "gan-minimax", "wgan", "wgan-gp", "dcgan", "cgan",
          "lsgan", "began", "wgan-c", "unrolled-gan", "cyclegan")
#: Models that train on (image, label) pairs and generate a requested
#: class (Conditional GAN); they need labelled data.
CONDITIONAL_MODELS = ("cgan",)
DATASETS = ("mnist", "fashion_mnist", "ring", "grid", "stacked_mnist",
            "mnist2inverted", "mnist2fashion")
#: Image-to-image models: they train on two unpaired domains of images
#: (a translation data set, or --data A --data-b B) and translate images.
TRANSLATION_MODELS = ("cyclegan",)
#: Two unpaired domains each (`keras_gan.datasets.translation_domains`).
TRANSLATION_DATASETS = ("mnist2inverted", "mnist2fashion")
#: LSGAN's (a, b, c) codings by name (`keras_gan.models.LSGAN.CODINGS`).
LSGAN_CODINGS = ("zero-one", "pearson")
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
    # Unrolled GAN: Metz et al. 2017, the generator against D after
    # `unroll_steps` of D's own Adam steps (the official demo,
    # poolio/unrolled_gan: Adam beta_1 0.5, 5 unrolling steps).
    "unrolled-gan": dict(optimizer="adam", beta_1=0.5, beta_2=0.999,
                         n_critic=1, unroll_steps=5),
    # Conditional GAN: Mirza & Osindero 2014 trained with SGD + momentum;
    # here with the DCGAN authors' Adam(2e-4, 0.5), as their conditional
    # MNIST code does (Newmu/dcgan_code, mnist/train_cond_dcgan.py).
    "cgan": dict(optimizer="adam", beta_1=0.5, beta_2=0.999, n_critic=1),
    # LSGAN: Mao et al. 2017; the authors' code codes (a, b, c) = (0, 1, 1)
    # with Adam(2e-4, 0.5) on DCGAN nets (xudonmao/LSGAN,
    # stability_comparison/BN_G_ls_adam/train.py); --lsgan-coding pearson
    # is the paper's (-1, 1, 0).
    "lsgan": dict(optimizer="adam", beta_1=0.5, beta_2=0.999, n_critic=1,
                  lsgan_coding="zero-one"),
    # BEGAN: Berthelot et al. 2017, section 3.4 (lambda_k = 0.001, k_0 = 0)
    # and 4.1 (Adam, lr 1e-4); gamma 0.5 and the betas as in the common
    # reimplementation (carpedm20/BEGAN-tensorflow, config.py).
    "began": dict(optimizer="adam", beta_1=0.5, beta_2=0.999, n_critic=1,
                  gamma=0.5, lambda_k=0.001),
    # WGAN-C: Sharma et al. 2018, WGAN-GP's algorithm and settings with a
    # convex combination of critics (3: the image at 1/4, 1/2 and full
    # resolution, keras_gan.models.curriculum).
    "wgan-c": dict(optimizer="adam", beta_1=0.5, beta_2=0.9, n_critic=5,
                   gp_weight=10.0, critics=3),
    # CycleGAN: Zhu et al. 2017, section 4 and appendix 7.1 (least-squares
    # losses, lambda = 10, Adam(2e-4, 0.5), a buffer of 50 fakes, the rate
    # constant for the first half and linearly to 0 over the second); the
    # identity weight 0.5 lambda of section 5.2 is the authors' code's
    # default (junyanz/pytorch-CycleGAN-and-pix2pix, cycle_gan_model.py).
    "cyclegan": dict(optimizer="adam", beta_1=0.5, beta_2=0.999,
                     n_critic=1, cycle_weight=10.0, identity_weight=0.5,
                     pool_size=50),
}

#: The papers' learning rates (the presets may choose others; --help shows
#: both).
PAPER_LR = {"gan": 2e-4, "gan-minimax": 2e-4, "dcgan": 2e-4, "wgan": 5e-5,
            "wgan-gp": 1e-4, "cgan": 2e-4, "lsgan": 2e-4, "began": 1e-4,
            "wgan-c": 1e-4, "unrolled-gan": 1e-4, "cyclegan": 2e-4}


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
        jit: XLA-compile the train step; None: `xla_pays` decides.
        measured: What the preset gave when it was chosen (README).
        dense_units: DCGAN nets: a fully connected hidden layer of this
            many units in both nets, after z in the generator and before
            the discriminator's logit (InfoGAN's MNIST nets), or None.
        recalibrate: With a generator average: recompute its batch-norm
            statistics for its own weights at each epoch's end
            (`GAN.recalibrate_average`); False keeps the trained
            generator's copied statistics.
        tuned: Numeric hyperparameters of the algorithm that this preset
            sets differently from the paper, e.g. `{"clip_value": 0.05}`
            or `{"gp_weight": 0.1}`, each chosen by measurement; never the
            optimizer family or the update schedule.
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
    jit: bool = None
    measured: str = ""
    tuned: dict = None
    dense_units: int = None
    recalibrate: bool = True


SEED_MLP = dict(arch="seed-mlp", latent_dim=100, hidden=(100, 100),
                base_filters=None)
#: Sizes of a family when a run picks one that is not its preset's.
WIDE_MLP = (256, 512, 1024)
DCGAN_FILTERS = 32
EMA_DECAY = 0.999
#: Normalisation in the DCGAN discriminator per model: batch norm as in DCGAN
#: (and in the official WGAN code's critic), which measured 1.3x lower FID
#: than none at equal steps here; none for the WGAN-GP critic (the penalty
#: is per sample; Gulrajani et al. 2017, section 4).
DCGAN_CRITIC_NORM = {"gan": "batch", "gan-minimax": "batch",
                     "dcgan": "batch", "wgan": "batch", "wgan-gp": None,
                     "cgan": None, "lsgan": None, "wgan-c": None,
                     "unrolled-gan": None}
#: BEGAN's autoencoder discriminator (`networks.build_began_discriminator`):
#: width n and embedding size N_h; the generator keeps the preset's DCGAN
#: width. n = 16 measured 0.64x the DCGAN GAN's steps/s here, n = 32 0.26x.
BEGAN_AUTOENCODER = dict(base_filters=16, code_dim=64)


def _image(arch, *, lr, g_lr=None, epochs, batch_size=64, ema_decay=0.999,
           jit=None, lr_decay="none", base_filters=32,
           hidden=(256, 512, 1024), latent_dim=100, measured="",
           steps_per_epoch=1000, tuned=None, dense_units=None,
           recalibrate=True):
    return Preset(arch=arch, latent_dim=latent_dim,
                  hidden=None if arch == "dcgan" else hidden,
                  base_filters=base_filters if arch == "dcgan" else None,
                  lr=lr, g_lr=g_lr or lr, lr_decay=lr_decay,
                  batch_size=batch_size, epochs=epochs,
                  steps_per_epoch=steps_per_epoch, ema_decay=ema_decay,
                  jit=jit, measured=measured, tuned=tuned,
                  dense_units=dense_units if arch == "dcgan" else None,
                  recalibrate=recalibrate)


def _toy(*, lr, epochs, g_lr=None, batch_size=256, hidden=(128, 128, 128),
         latent_dim=2, ema_decay=None, lr_decay="linear", jit=None,
         measured="", tuned=None):
    return Preset(arch="mlp", latent_dim=latent_dim, hidden=hidden,
                  base_filters=None, lr=lr, g_lr=g_lr or lr, lr_decay=lr_decay,
                  batch_size=batch_size, epochs=epochs, steps_per_epoch=1000,
                  ema_decay=ema_decay, jit=jit, measured=measured,
                  tuned=tuned)


PRESETS = {}
for _data in ("mnist", "fashion_mnist", "stacked_mnist"):
    # The GAN family on images: DCGAN nets (F = 32, 5x5 kernels, batch
    # norm in both nets) beat the wide MLPs by 6x in FID at equal time
    # (the MLP GANs collapsed or stalled at 24-40x the floor), and Adam at
    # 5e-4 beat DCGAN's 2e-4 by 1.6x at 12,000 steps (1e-3: no better;
    # linear decay, two time-scale rates and batch 128: worse at equal
    # time). The original GAN's MLPs stay one flag away (--arch mlp).
    # A fully connected hidden layer in both nets (InfoGAN's MNIST nets,
    # the architecture Lucic et al. 2018 train every loss with): with 1,024
    # units in D the monitor's FID after 6,000 steps was 4.8 against 8.0
    # without (6.5 after 20,000); 512 units in both cost 1.56x per step,
    # so 13 epochs fit the time of the old 20. Stacked MNIST (a 20-minute
    # budget): 24 epochs with the layer gave reverse KL 0.059 in 15.4 min,
    # 20 without it 0.135 in 8.2 min (1000/1000 modes both).
    # The generator average with its own batch-norm statistics
    # (`recalibrate`): Fashion-MNIST GAN 2.31x the floor against the raw
    # generator's 3.26x (the same run, 2026-11-24); with the trained
    # generator's copied statistics the average had scored worse than the
    # raw generator there (3.58x).
    # Stacked MNIST is the exception: reverse KL 0.070 with recomputed
    # statistics against 0.059 with the copied ones (the same run).
    # Stacked MNIST's 0.059 is the lucky end: on one thread (other rounding)
    # seed 0 ended at 0.13 (the average at 0.9995 or 0.9998), seed 1 at
    # 0.118, and Adam 2e-4 at 0.094 (2026-11-24). Scored after every epoch
    # (one thread, 26,000 samples) seed 0 was lowest after epoch 14 (0.074)
    # and rose after as D pulled ahead; PacGAN's packing, one-sided label
    # smoothing and an R1 penalty all did worse at equal epochs, and a
    # minibatch standard-deviation channel in D changed nothing (README).
    _gan = dict(lr=5e-4, epochs=13 if _data != "stacked_mnist" else 24,
                dense_units=512, recalibrate=_data != "stacked_mnist",
                measured="MNIST, CLI default 2026-11-23: FID 1.5x the floor, "
                         "10 classes, class KL 0.007, 7.7 min (without the "
                         "dense layer, 20 epochs: 3.4x in 8.6 min)")
    PRESETS["gan", _data] = _image("dcgan", **_gan)
    PRESETS["gan-minimax", _data] = _image(
        "dcgan", **{**_gan, "measured": "MNIST, CLI default 2026-11-23: FID "
                                        "2.4x the floor, 10 classes, 8.3 min "
                                        "(without the dense layer: 3.7x)"})
    PRESETS["dcgan", _data] = _image("dcgan", **_gan)
    # WGAN: the DCGAN critic with batch norm (as in the official WGAN
    # code), RMSProp. Measured at 30,000 critic steps: the paper's
    # (5e-5, c = 0.01) 71x the floor, (2e-4, 0.01) 39x, (5e-4, 0.01) 33x,
    # (5e-4, 0.05) 21x, (5e-4, 0.1) 22x, (1e-3, 0.05) 17.7x (18.4x already
    # at 10,000 and 20,000); the critic warm-up and a critic without batch
    # norm did not help. So a faster rate and a looser clip, the algorithm
    # unchanged. What limited it was the critic: its logit layer's clipped
    # weights settle at +-c, so it could only add up local features with
    # fixed signs. A fully connected hidden layer (InfoGAN's nets) fixed
    # that: the monitor's FID after 6,000 critic steps went from 24.0 to
    # 10.3 (512 units in D), 11.4 (1,024), and to 5.0 with 1,024 more in the
    # generator (c = 0.01 stayed at 342; c = 0.1 as 0.05; RMSProp 5e-4
    # slower, 2e-3 faster: 8.5 against 10.3 with D's layer only).
    # Fashion-MNIST: RMSProp 4e-3 for 22 epochs. The monitor's FID fell
    # faster with each doubling of the rate: after 8,000 critic steps 4.1
    # (1e-3), 3.4 (2e-3), 3.3 (4e-3); after 22,000 2.39 (2e-3) and 2.11
    # (4e-3). Scored (2026-11-24): 1e-3 for 20 epochs 4.4x the floor, 2e-3
    # for 22 epochs 3.5x (24: 3.3x), 4e-3 for 22 epochs 2.7x in 8.3 min.
    # A linearly decaying rate was slower at every epoch (4.2 against 2.7
    # at 19,000 steps at 1e-3).
    _fashion = _data == "fashion_mnist"
    PRESETS["wgan", _data] = _image(
        "dcgan", lr=4e-3 if _fashion else 1e-3, epochs=22 if _fashion else 20,
        tuned={"clip_value": 0.05},
        dense_units=None if _data == "stacked_mnist" else 512,
        measured="Fashion-MNIST, 2026-11-24: FID 2.7x the floor, 10 "
                 "classes, class KL 0.017, 8.3 min (RMSProp 2e-3: 3.5x; "
                 "1e-3, 20 epochs: 4.4x)" if _fashion else
                 "MNIST, CLI default 2026-11-24: FID 1.6x the floor, 10 "
                 "classes, class KL 0.006, 8.0 min (copied batch-norm "
                 "statistics in the average: 2.4x; without the dense "
                 "layer: 17.4x)")
    # WGAN-GP: the paper's Adam(beta 0.5, 0.9) and lambda 10 on the DCGAN
    # critic without normalisation, at 5e-4 instead of the paper's 1e-4
    # (which suits its 200,000 generator steps): at 15,000 critic steps
    # 1e-4 gave 16.8x the floor; 5e-4 for 24,000 steps gave 3.2x (the MLP
    # critics of the first wave: 50x).
    # At 5e-4 without the dense layer the average lost on Fashion-MNIST:
    # the same run's raw generator scored 7.8x the floor against the
    # average's 10.9x (its 4,800 generator updates are too few for a 0.999
    # average to forget the early weights), and 8.3x with the average's own
    # batch-norm statistics (2026-11-24); on MNIST these nets scored 3.20x
    # with, 3.22x without.
    # Fashion-MNIST: the dense layer of the other DCGAN presets in both
    # nets (no normalisation in the critic's) halved the monitor's FID at
    # 6,000 critic steps (6.1 against 12.4) and costs 1.3x per step, so 18
    # epochs instead of 24: 5.1x the floor in 9.7 min (without it: 7.8x).
    # Then Adam 1e-3 with the average (its own batch-norm statistics):
    # 2.6x the floor after 18 epochs, the same run's raw generator 3.4x
    # (2026-11-24); at 1e-3 the raw generator's monitor FID jumps between
    # epochs (3.4, 4.5, 3.7), which the average smooths out. 16 epochs keep
    # the run inside 10 minutes (18 took 10.3; the monitor's FID 2.03
    # after 16, 2.00 after 18). The preset: 2.8x in 8.7 min, raw 3.6x.
    PRESETS["wgan-gp", _data] = _image(
        "dcgan", lr=1e-3 if _fashion else 5e-4, epochs=16 if _fashion else 24,
        dense_units=512 if _fashion else None,
        measured="Fashion-MNIST, CLI default 2026-11-24: FID 2.8x the "
                 "floor, 10 classes, class KL 0.012, 8.7 min (Adam 5e-4 "
                 "without the average, 18 epochs: 5.1x; without the dense "
                 "layer, 24 epochs: 7.8x); the DCGAN nets on MNIST: 3.2x")
    # LSGAN: the GAN family's dense layer, with the rate decaying linearly
    # to 0 over 12 epochs. With the layer at a constant 2e-4 the monitor's
    # FID reached 5.3 at epoch 6, then rose to 11.7 by epoch 12; with the
    # decay it holds 5.4-5.7 from epoch 6 on (2026-11-24). Without the layer
    # (24 epochs): 3.3x the floor. Its average keeps the copied batch-norm
    # statistics: recomputed ones scored 3.2x against 2.8x on the same run.
    PRESETS["lsgan", _data] = _image(
        "dcgan", lr=2e-4, epochs=12, lr_decay="linear", dense_units=512,
        recalibrate=False,
        measured="MNIST, CLI default 2026-11-24: FID 2.8x the floor, 10 "
                 "classes, class KL 0.018, 8.0 min (without the dense "
                 "layer: 3.3x)")
    # BEGAN: with the paper's gamma 0.5 (and 0.7, and gamma 1 at
    # lambda_k 0.001) the generator collapsed onto thin 1s, which already
    # meet the equilibrium L(G(z)) = gamma L(x) at gamma 0.5 (the L1 error
    # follows the ink). gamma 1 (a public PyTorch BEGAN's MNIST value,
    # znxlwm/pytorch-generative-model-collections) with a 20x gain
    # (lambda_k 0.02) did not collapse: 10 classes, the monitor's FID 375
    # after one epoch and 73 after nine, M_global 0.113 -> 0.038, k_t 0.40
    # (2026-11-24, one thread). Nine epochs took 53-72 s each on 2 threads.
    # A faster Adam helps little: the monitor's FID after nine epochs was
    # 72.9 at 5e-4 and 61.8 at 1e-3 (class KL 0.48 and 0.42; one thread,
    # 2026-11-24); the samples are sharp but thin strokes, mostly 1s, 7s
    # and 9s, the L1 error's preference for little ink.
    # What helped was the generator: the GAN family's fully connected layer
    # of 512 (InfoGAN's generator) with Adam 1e-3 took the monitor's FID to
    # 120, 74, 49, 38, 30, 25, 22 after epochs 1-7 and class KL from 0.66 to
    # 0.15 (one thread, 2026-11-24 13:28 UTC); at 2e-3 it collapsed in
    # epoch 2. 10 epochs instead of 9 for the layer's small extra cost.
    # That scored 14.2x the floor, 58% of its excess the class shares alone
    # (benchmarks/class_shares.py: real digits redrawn with its shares,
    # 1s 20%, 2s and 8s 3%, score 8.7x). Then the autoencoder's rate: a
    # slower one balanced the classes and sharpened the digits at every
    # epoch. The monitor's FID after 7-10 epochs, the generator at 1e-3
    # (one thread, 2026-11-24 14:24-15:55 UTC): autoencoder at 2e-3 45
    # after 5 (stopped), 1e-3 22, 5e-4 17, 2.5e-4 10, 1e-4 (the paper's
    # rate) 10.5 after 7 with class KL 0.05. A linear decay, a code of 32
    # or 128, L2 reconstruction error and 1,024 units in the generator did
    # no better (docs/models.md, benchmarks/results/began_screens_*.csv).
    # The average's decay does not matter here: 0.99 scored 3.41x against
    # 0.999's 3.42x on the same trajectory (2026-11-24 20:31 UTC); a
    # one-thread run (other rounding) ended at 2.97x with it, raw 3.97x.
    # With the autoencoder at 1e-4 the generator can go faster (both nets
    # at 2e-3 collapsed in epoch 2): at 2e-3 a one-thread run scored
    # 2.32x (raw 2.97x) and the two-thread run 2.85x (raw 2.82x), against
    # 2.97x and 3.42x for 1e-3 (2026-11-24 20:41-21:27 UTC).
    PRESETS["began", _data] = _image(
        "dcgan", lr=1e-4, g_lr=2e-3, epochs=10, dense_units=512,
        tuned={"gamma": 1.0, "lambda_k": 0.02},
        measured="MNIST, CLI default 2026-11-24 21:45 UTC: FID 2.85x the "
                 "floor (raw generator 2.82x), 10 classes, class KL 0.020, "
                 "15.5 min on a machine running about 1.8x slower "
                 "than for the other presets (generator at 1e-3: 3.4x; both "
                 "nets at 1e-3: 14.2x; without the dense layer at 1e-4: "
                 "50.6x; the paper's gamma 0.5, lambda_k 0.001 collapsed "
                 "onto 1s)")
    # WGAN-C: WGAN-GP's algorithm, so WGAN-GP's measured rate (5e-4; the
    # 1e-4 preset was not measured for WGAN-C itself).
    PRESETS["wgan-c", _data] = _image(
        "dcgan", lr=5e-4, epochs=14,
        measured="MNIST, 2026-11-23: FID 7.5x the floor, 10 classes, "
                 "class KL 0.025, 8.5 min")
# WGAN-GP on MNIST: the wide MLPs (256-512-1024, leaky ReLU; XLA by the
# jit rule, 2x the DCGAN critic's steps/s here) at the same Adam 5e-4 beat
# the DCGAN nets in FID at less time: 24 epochs 2.5x the floor in 4.5 min,
# 48 epochs 1.7x in 9.0 min (DCGAN: 3.2x in 8.6 min). On Fashion-MNIST the
# same MLPs gave 24.5x against DCGAN's 10.9x, so Fashion keeps DCGAN.
PRESETS["wgan-gp", "mnist"] = _image(
    "mlp", lr=5e-4, epochs=48,
    measured="MNIST, CLI default 2026-11-23: FID 1.7x the floor, 10 classes, "
             "class KL 0.004, 9.3 min")
for _data in ("mnist", "fashion_mnist"):  # labelled data sets only
    PRESETS["cgan", _data] = _image(
        "dcgan", lr=2e-4, epochs=12,
        measured="MNIST, 12,000 steps: 98.0% of digits the requested class "
                 "(lowest class 95.0%), FID 1.7x the floor")
#: What each toy preset gave through the CLI (benchmarks/quality.py, seed 0,
#: 2,500 samples, 2026-11-23, idle machine).
_TOY_MEASURED = {
    ("gan", "ring"): "8/8 modes, 93.7% high quality, reverse KL 0.0015, 85 s",
    ("gan-minimax", "ring"): "8/8 modes, 82.0% high quality, reverse KL "
                             "0.0019, 26 s",
    ("wgan", "ring"): "7/8 modes, 0.4% high quality, reverse KL 0.19, 25 s",
    ("wgan-gp", "ring"): "8/8 modes, 98.3% high quality, reverse KL 0.0024, "
                         "68 s (2026-11-24)",
    ("unrolled-gan", "ring"): "8/8 modes, 78.2% high quality, reverse KL "
                              "0.0016, 149 s",
    ("gan", "grid"): "14/25 modes, 38.8% high quality, reverse KL 1.21, "
                     "87 s",
    ("gan-minimax", "grid"): "14/25 modes, 4.8% high quality, reverse KL "
                             "0.79, 32 s",
    ("wgan", "grid"): "20/25 modes, 1.4% high quality, reverse KL 0.35, 24 s",
    ("wgan-gp", "grid"): "25/25 modes, 96.2% high quality, reverse KL "
                         "0.0046, 237 s (2026-11-24)",
    ("unrolled-gan", "grid"): "17/25 modes, 5.2% high quality, reverse KL "
                              "0.80, 129 s",
}
for _data in TOY_DATASETS:
    # Three hidden layers of 128 with a linear output and z of 2 (the 2-D
    # points are unbounded); longer runs and generator averaging lifted the
    # GAN on the ring from 87.2% to 93.7% high quality (12,000 -> 40,000
    # steps with EMA 0.999). WGAN-GP: the WGAN-GP authors' toy penalty
    # weight 0.1 (their gan_toy.py) with averaging: 27.6% -> 81.6% on the
    # ring against lambda 10 at 30,000 steps.
    PRESETS["gan", _data] = _toy(lr=2e-4, epochs=40, ema_decay=EMA_DECAY,
                                 measured=_TOY_MEASURED["gan", _data])
    PRESETS["gan-minimax", _data] = _toy(
        lr=2e-4, epochs=12, measured=_TOY_MEASURED["gan-minimax", _data])
    PRESETS["wgan", _data] = _toy(lr=5e-4, epochs=12,
                                  measured=_TOY_MEASURED["wgan", _data])
    # WGAN-GP concentrates with depth and a faster rate: eight hidden
    # layers of 64 and Adam 4e-3 (decaying linearly to 0). At 10,000 critic
    # steps on the ring: 3 x 128 at 5e-4 64.1% high quality, at 4e-3 81.1%,
    # 8 x 64 at 4e-3 94.4% (the same CPU time as 3 x 128), 8 x 128 95.8%
    # (2.4x the time), 3 x 256 65.6%; lambda 0.01-1, batch 64-1024, z of 1
    # or 8 and XLA did not help (2026-11-24, one thread each). The lost
    # mass sits on the bridges between neighbouring modes, which a deeper
    # leaky-ReLU net makes steeper. The grid needs longer: 87.1% after 40,000
    # steps, 96.2% after 150,000 (334 CPU s).
    PRESETS["wgan-gp", _data] = _toy(
        lr=4e-3, epochs=40 if _data == "ring" else 150, hidden=(64,) * 8,
        ema_decay=EMA_DECAY, tuned={"gp_weight": 0.1},
        measured=_TOY_MEASURED["wgan-gp", _data])
    PRESETS["unrolled-gan", _data] = _toy(
        lr=2e-4, epochs=12, measured=_TOY_MEASURED["unrolled-gan", _data])


@dataclasses.dataclass(frozen=True)
class TranslationPreset:
    """The practitioner's settings of an image-to-image model on a data set.

    Attributes:
        base_filters: F of the ResNet generators and PatchGAN
            discriminators (`networks.build_resnet_generator`,
            `networks.build_patchgan_discriminator`).
        res_blocks: Residual blocks of each generator.
        downsamplings: Stride-2 convolutions of each discriminator.
        lr: Adam rate of both generators and both discriminators.
        lr_decay: "linear" (constant for the first half, then to 0) or
            "none".
        identity_weight: Identity terms' weight as a fraction of lambda.
        batch_size: Images per domain per step.
        epochs: Epochs of `steps_per_epoch` steps.
        steps_per_epoch: Train steps (one generator and one discriminator
            update each) per epoch.
        jit: XLA-compile the train step; None: `xla_pays` decides.
        measured: What the preset gave when it was chosen (README).
        tuned: Numeric hyperparameters of the algorithm that this preset
            sets differently from the paper, e.g. `{"clip_value": 0.05}`
            or `{"gp_weight": 0.1}`, each chosen by measurement; never the
            optimizer family or the update schedule.
    """

    base_filters: int
    res_blocks: int
    downsamplings: int
    lr: float
    lr_decay: str
    identity_weight: float
    batch_size: int
    epochs: int
    steps_per_epoch: int
    jit: bool = False
    measured: str = ""


#: Per (model, translation data set); a user's --data/--data-b pair takes
#: the preset of --dataset if that is a translation data set, else
#: mnist2inverted's.
TRANSLATION_PRESETS = {
    ("cyclegan", _data): TranslationPreset(
        base_filters=16, res_blocks=3, downsamplings=1, lr=2e-4,
        lr_decay="linear", identity_weight=0.5, batch_size=16, epochs=6,
        steps_per_epoch=500,
        measured="mnist2inverted, CLI default 2026-11-23: held-out digits "
                 "keep their class 96.8% A->B, 96.5% B->A, cycle error "
                 "0.013, 5.9 min" if _data == "mnist2inverted" else "")
    for _data in TRANSLATION_DATASETS
}


#: On CPU, XLA pays for dense-only nets from this many weights (generator
#: and discriminator together) and not for convolutional ones. Measured
#: (benchmarks/throughput.py, WGAN-GP batch 64, 2-core AVX-512 EPYC,
#: 2026-11-23, fit() forced XLA vs forced graph): the 256-512-1024 MLPs
#: (3.0M weights) 1.13x at batch 64 and 1.02x at 256, the seed's 100-100
#: MLPs (0.2M) 0.94-0.96x, DCGAN (F = 32 and 64) 0.57-0.94x.
CPU_XLA_MIN_DENSE_WEIGHTS = 1_000_000


def xla_pays(on_gpu, convolutional, weights):
    """The `jit_compile="auto"` rule: whether to XLA-compile the train step.

    Args:
        on_gpu: Whether a GPU (any non-CPU device) is present: XLA then.
        convolutional: Whether either net has convolutions.
        weights: Weights of generator and discriminator together.

    On a CPU-only machine: XLA only for dense nets of at least
    `CPU_XLA_MIN_DENSE_WEIGHTS` weights, where it measured faster. A
    function of the nets and the device, never of a timing, so a run and
    its resume take the same path.
    """
    if on_gpu:
        return True
    return not convolutional and weights >= CPU_XLA_MIN_DENSE_WEIGHTS


def mlp_weights(latent_dim, hidden, sample_shape):
    """Weights (kernels and biases) of an MLP generator with widths
    `hidden` and the discriminator that mirrors it, as `networks` builds."""
    pixels = 1
    for size in sample_shape:
        pixels *= size
    total = 0
    for widths in ((latent_dim, *hidden, pixels),
                   (pixels, *hidden[::-1], 1)):
        total += sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    return total


#: The most train steps per compiled call that "auto" picks.
MAX_AUTO_STEPS = 10


def auto_steps_per_execution(steps_per_epoch, replicas=1):
    """The train steps per compiled call that `steps_per_execution="auto"`
    picks: the largest divisor of `steps_per_epoch` up to `MAX_AUTO_STEPS`.

    A divisor, because Keras runs whole executions: with a count that does
    not divide the epoch, `fit(steps_per_epoch=...)` would run extra steps.
    1 when the epoch's length is unknown (None) or under several replicas
    (conditional updates cannot run inside a multi-step execution there;
    `GAN.fit` keeps 1 under any explicit strategy).
    Running several steps per call saves the per-step Python and dispatch
    cost of `fit()`: measured here 1.45x the steps/s of one step per call
    on the seed MLP and 1.15x on the 256-512-1024 MLP (README,
    Performance); the numbers are
    the same whatever the value (tests/test_performance_paths.py).
    """
    if not steps_per_epoch or replicas > 1:
        return 1
    return max(k for k in range(1, MAX_AUTO_STEPS + 1)
               if steps_per_epoch % k == 0)



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
    if (model, dataset) in TRANSLATION_PRESETS:
        return {**dataclasses.asdict(TRANSLATION_PRESETS[model, dataset]),
                **ALGORITHMS[model]}
    preset = dataclasses.asdict(PRESETS[model, dataset])
    tuned = preset.pop("tuned") or {}
    unknown = set(tuned) - {"clip_value", "gp_weight", "gamma", "lambda_k"}
    if unknown:
        raise ValueError(f"Expected tuned settings among clip_value, "
                         f"gp_weight, gamma, lambda_k. Received: "
                         f"{sorted(unknown)}")
    return {**preset, **ALGORITHMS[model], **tuned}
