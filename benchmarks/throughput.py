"""Side-by-side training throughput of WGAN-GP on identical math.

One command, one run; the contenders are interleaved (A B C A B C ...) so a
shared, noisy machine slows them alike, and medians over the repeats are
reported with their ratios:

1. `keras_gan` `fit()` with `compile()`'s defaults (`jit_compile="auto"`:
   `keras_gan.models.base.xla_pays`; `steps_per_execution="auto"`), and
   the same with XLA forced on and forced off;
2. minimal hand-written loops: one `tf.function` per critic step (and one
   per generator step) called from Python, with and without
   `jit_compile`, the same Keras nets, optimizers, noise (`keras_gan.rng`)
   and losses: the framework's own ceiling for a plain loop;
3. a PyTorch eager loop of the same nets, if `torch` is importable
   (`pip install "torch==2.13.0"` for the CPU wheel; not a dependency), with
   its default thread count and with one thread (on an oversubscribed
   machine OpenMP's spinning threads can make the default far slower);
4. achieved GFLOP/s (matmul/convolution FLOPs of one critic step, counted
   analytically, see `step_flops`) against a large float32 GEMM measured in
   the same run (the machine's ceiling);
5. the peak resident memory of the process that ran a configuration's
   contenders (each configuration runs in a fresh process).

Configurations (WGAN-GP, n_critic=5, gp_weight=10, 28x28x1 data in memory),
each at batch 64 and 256: the seed MLP (100-100), a wider MLP
(256-512-1024), DCGAN with base_filters=64 (no normalisation in the critic)
and DCGAN with base_filters=32 (the CLI's image default).

Usage:
    nice python benchmarks/throughput.py              # about 25 minutes
    python benchmarks/throughput.py --configs seed_mlp --repeats 3

It prints critic steps/s, images/s (real images consumed), GFLOP/s and the
ratios. This is a measurement script, not a test.
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan import WGANGP, losses, networks, rng  # noqa: E402

LATENT = 100
IMAGE = (28, 28, 1)
N_CRITIC = 5
GP_WEIGHT = 10.0

CONFIGS = {
    # name: (kind, generator hidden / filters, critic hidden / filters)
    "seed_mlp": ("mlp", (100, 100), (100, 100)),
    "wide_mlp": ("mlp", (256, 512, 1024), (1024, 512, 256)),
    "dcgan": ("dcgan", 64, 64),
    "dcgan32": ("dcgan", 32, 32),
}
DEFAULT_CONFIGS = ["seed_mlp", "wide_mlp", "dcgan", "dcgan32"]
DEFAULT_BATCHES = [64, 256]


# ---- FLOPs -----------------------------------------------------------------

def layer_costs(kind, g_arch, d_arch):
    """Per-sample multiply-add FLOPs (2 per MAC) of each weight layer.

    Returns:
        (generator costs, critic costs), each a list in forward order.
    """
    pixels = math.prod(IMAGE)
    if kind == "mlp":
        g_widths = (LATENT, *g_arch, pixels)
        d_widths = (pixels, *d_arch, 1)
        g = [2 * a * b for a, b in zip(g_widths, g_widths[1:])]
        d = [2 * a * b for a, b in zip(d_widths, d_widths[1:])]
        return g, d
    f = g_arch
    h, w, c = IMAGE
    g = [2 * LATENT * (h // 4) * (w // 4) * 2 * f,
         # transposed conv: every input pixel scatters a k*k*cout patch
         2 * 25 * 2 * f * f * (h // 4) * (w // 4),
         2 * 25 * f * c * (h // 2) * (w // 2)]
    f = d_arch
    d = [2 * 25 * c * f * (h // 2) * (w // 2),
         2 * 25 * f * 2 * f * (h // 4) * (w // 4),
         2 * 2 * f * (h // 4) * (w // 4)]
    return g, d


def step_flops(kind, g_arch, d_arch, batch):
    """Matmul/convolution FLOPs of one critic step, generator amortised.

    With M_l the forward cost of critic layer l and S = sum(M), S' = the same
    without the first layer (no gradient w.r.t. the data is needed there):

    * critic step: G forward (fakes), critic forward on real and fake (2S),
      their backward (weights 2S, data 2S'), the penalty's forward on the
      interpolates (S) and its input gradient (S), and the outer backward
      through that double-backward graph (weights of both the forward and
      the transposed products 2S, data S + S'): 9S + 3S' + G.
    * generator step every `N_CRITIC` critic steps: G forward, critic forward
      and data backward (2S), G backward (weights G, data G').

    Bias adds, activations and optimizer updates (elementwise) are ignored.
    """
    g, d = layer_costs(kind, g_arch, d_arch)
    s, s1 = sum(d), sum(d[1:])
    g_all, g1 = sum(g), sum(g[1:])
    critic = 9 * s + 3 * s1 + g_all
    generator = 2 * s + 2 * g_all + g1
    return batch * (critic + generator / N_CRITIC)


# ---- networks ----------------------------------------------------------------

def keras_nets(kind, g_arch, d_arch, seed):
    keras.utils.set_random_seed(seed)
    if kind == "mlp":
        return (networks.build_mlp_generator(LATENT, IMAGE, g_arch),
                networks.build_mlp_discriminator(IMAGE, d_arch))
    return (networks.build_dcgan_generator(LATENT, IMAGE, g_arch),
            networks.build_dcgan_discriminator(IMAGE, d_arch, norm=None))


def adam():
    return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)


def dataset(x, batch):
    return (tf.data.Dataset.from_tensor_slices(x)
            .batch(batch, drop_remainder=True).cache().repeat()
            .prefetch(tf.data.AUTOTUNE))


# ---- contenders --------------------------------------------------------------
# Each contender is built once (compiled and warmed up) and then timed in
# blocks: `run(steps)` runs `steps` critic steps and returns the seconds of
# the last `steps - skip` of them.

class _Clock(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.stamps = []

    def on_train_batch_end(self, batch, logs=None):
        self.stamps.append(time.perf_counter())


class KerasFit:
    """`jit`: None for `compile()`'s default ("auto"), else forced."""

    def __init__(self, config, batch, x, jit=None):
        kind, g_arch, d_arch = CONFIGS[config]
        self.model = WGANGP(*keras_nets(kind, g_arch, d_arch, 0), LATENT,
                            n_critic=N_CRITIC, gp_weight=GP_WEIGHT, seed=0)
        self.model.compile(adam(), adam(),
                           **({} if jit is None else dict(jit_compile=jit)))
        self.data = dataset(x, batch)
        self.default = jit is None
        self.spe = "auto"

    @property
    def name(self):
        mode = "XLA" if self.model.jit_compile else "graph"
        return (f"keras_gan fit, {'default' if self.default else 'forced'}"
                f" ({mode}, spe {self.spe})")

    def run(self, steps):
        # "auto" runs 10 steps per call for an epoch that is a multiple
        # of 10; the first call includes starting the iterator: not timed.
        steps = max(20, math.ceil(steps / 10) * 10)
        clock = _Clock()
        self.model.fit(self.data, epochs=1, steps_per_epoch=steps, verbose=0,
                       callbacks=[clock])
        self.spe = self.model.steps_per_execution
        return steps - self.spe, clock.stamps[-1] - clock.stamps[0]


class HandWritten:
    """One call per critic step from Python (and per generator step)."""

    def __init__(self, config, batch, x, jit):
        self.name = f"hand-written tf.function ({'XLA' if jit else 'graph'})"
        kind, g_arch, d_arch = CONFIGS[config]
        g, d = keras_nets(kind, g_arch, d_arch, 0)
        d_opt, g_opt = adam(), adam()
        d_opt.build(d.trainable_variables)
        g_opt.build(g.trainable_variables)
        state = rng.make_state(0)

        @tf.function(jit_compile=jit)
        def critic_step(real):
            fake = g(rng.normal((batch, LATENT), state), training=True)
            with tf.GradientTape() as tape:
                real_out = d(real, training=True)
                fake_out = d(fake, training=True)
                w_loss = losses.wasserstein_discriminator_loss(real_out,
                                                               fake_out)
                eps = rng.uniform((batch,), state)
                gp = losses.gradient_penalty(d, real, fake, epsilon=eps)
                loss = w_loss + GP_WEIGHT * gp
            variables = d.trainable_variables
            d_opt.apply(tape.gradient(loss, variables), variables)
            return loss

        @tf.function(jit_compile=jit)
        def generator_step():
            with tf.GradientTape() as tape:
                fake = g(rng.normal((batch, LATENT), state), training=True)
                loss = losses.wasserstein_generator_loss(
                    d(fake, training=True))
            variables = g.trainable_variables
            g_opt.apply(tape.gradient(loss, variables), variables)
            return loss

        self.critic_step, self.generator_step = critic_step, generator_step
        self.iterator = iter(dataset(x, batch))
        self.count = 0

    def run(self, steps):
        start = None
        for i in range(steps):
            if i == 1:
                start = time.perf_counter()
            self.critic_step(next(self.iterator))
            self.count += 1
            if self.count % N_CRITIC == 0:
                self.generator_step()
        # Dispatch is asynchronous only inside a call; a returned tensor is
        # ready, so the clock is fair.
        return steps - 1, time.perf_counter() - start


class TorchEager:
    """`threads`: torch's intra-op threads (None: its default)."""

    def __init__(self, config, batch, x, threads=None):
        import torch
        from torch import nn

        self.torch = torch
        self.threads = threads or torch.get_num_threads()
        self.name = f"PyTorch eager, {self.threads} thread(s)"
        kind, g_arch, d_arch = CONFIGS[config]
        torch.manual_seed(0)
        pixels = math.prod(IMAGE)
        if kind == "mlp":
            def mlp(widths, last):
                layers = []
                for a, b in zip(widths, widths[1:]):
                    layers += [nn.Linear(a, b), nn.ReLU()]
                layers[-1] = last
                return nn.Sequential(*layers)
            self.g = mlp((LATENT, *g_arch, pixels), nn.Sigmoid())
            self.d = nn.Sequential(nn.Flatten(),
                                   mlp((pixels, *d_arch, 1), nn.Identity()))
        else:
            f, (h, w, c) = g_arch, IMAGE
            self.g = nn.Sequential(
                nn.Linear(LATENT, h // 4 * w // 4 * 2 * f, bias=False),
                nn.BatchNorm1d(h // 4 * w // 4 * 2 * f, eps=1e-3),
                nn.ReLU(), nn.Unflatten(1, (2 * f, h // 4, w // 4)),
                nn.ConvTranspose2d(2 * f, f, 5, 2, 2, output_padding=1,
                                   bias=False),
                nn.BatchNorm2d(f, eps=1e-3), nn.ReLU(),
                nn.ConvTranspose2d(f, c, 5, 2, 2, output_padding=1),
                nn.Tanh())
            f = d_arch
            self.d = nn.Sequential(
                nn.Conv2d(c, f, 5, 2, 2), nn.LeakyReLU(0.2),
                nn.Conv2d(f, 2 * f, 5, 2, 2), nn.LeakyReLU(0.2),
                nn.Flatten(), nn.Linear(2 * f * (h // 4) * (w // 4), 1))
        self.d_opt = torch.optim.Adam(self.d.parameters(), 1e-4, (0.5, 0.9))
        self.g_opt = torch.optim.Adam(self.g.parameters(), 1e-4, (0.5, 0.9))
        # NCHW for torch's convolutions; the MLP flattens either layout.
        x = np.moveaxis(x, -1, 1) if kind == "dcgan" else x
        n = len(x) // batch
        self.batches = torch.from_numpy(
            np.ascontiguousarray(x[:n * batch])).reshape(n, batch, *x.shape[1:])
        self.batch, self.count = batch, 0

    def _critic_step(self, real):
        torch = self.torch
        with torch.no_grad():
            fake = self.g(torch.randn(self.batch, LATENT))
        fake = fake.reshape(real.shape)
        loss = self.d(fake).mean() - self.d(real).mean()
        eps = torch.rand(self.batch, *([1] * (real.dim() - 1)))
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(self.d(x_hat).sum(), x_hat,
                                    create_graph=True)
        norms = grad.flatten(1).norm(dim=1)
        loss = loss + GP_WEIGHT * ((norms - 1) ** 2).mean()
        self.d_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.d_opt.step()

    def _generator_step(self):
        fake = self.g(self.torch.randn(self.batch, LATENT))
        fake = fake.reshape(self.batch, *self.batches.shape[2:])
        loss = -self.d(fake).mean()
        self.g_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.g_opt.step()

    def run(self, steps):
        self.torch.set_num_threads(self.threads)
        start = None
        for i in range(steps):
            if i == 1:
                start = time.perf_counter()
            self._critic_step(self.batches[self.count % len(self.batches)])
            self.count += 1
            if self.count % N_CRITIC == 0:
                self._generator_step()
        return steps - 1, time.perf_counter() - start


# ---- machine ceiling ---------------------------------------------------------

_MATMUL = tf.function(tf.linalg.matmul)


def gemm_gflops(n=2048, seconds=1.0):
    """float32 n x n GEMM GFLOP/s with TensorFlow (and torch if present)."""
    results = {}
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    matmul = _MATMUL
    matmul(a, b).numpy()
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        matmul(a, b).numpy()
        reps += 1
    results["tf"] = 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9
    try:
        import torch
    except ImportError:
        return results
    torch.set_num_threads(os.cpu_count())
    ta, tb = torch.randn(n, n), torch.randn(n, n)
    ta @ tb
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        ta @ tb
        reps += 1
    results["torch"] = 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9
    return results


def load():
    try:
        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


def machine():
    model = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    flags = open("/proc/cpuinfo").read() if os.path.exists(
        "/proc/cpuinfo") else ""
    isa = "AVX-512" if "avx512f" in flags else (
        "AVX2" if "avx2" in flags else "")
    return f"{model}, {os.cpu_count()} logical cores {isa}".strip()


# ---- driver ------------------------------------------------------------------

def peak_rss_mb():
    """This process's peak resident memory (VmHWM), MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(config, batch, repeats, block_seconds, use_torch):
    """Times every contender of one (config, batch); returns the rows."""
    kind, g_arch, d_arch = CONFIGS[config]
    x = np.random.default_rng(0).uniform(
        size=(64 * batch, *IMAGE)).astype("float32")
    flops = step_flops(kind, g_arch, d_arch, batch)
    contenders = [KerasFit(config, batch, x),
                  KerasFit(config, batch, x, jit=True),
                  KerasFit(config, batch, x, jit=False),
                  HandWritten(config, batch, x, jit=True),
                  HandWritten(config, batch, x, jit=False)]
    if use_torch:
        contenders += [TorchEager(config, batch, x),
                       TorchEager(config, batch, x, threads=1)]
    # Warm-up (tracing, XLA compilation) and calibration of the block.
    steps = {}
    for c in contenders:
        c.run(3)
        n, sec = c.run(20)
        steps[id(c)] = max(20, int(block_seconds * n / sec))
    rates = {id(c): [] for c in contenders}
    gemm = []
    for _ in range(repeats):
        for c in contenders:  # interleaved: A B C ... A B C ...
            n, sec = c.run(steps[id(c)])
            rates[id(c)].append(n / sec)
        gemm.append(max(gemm_gflops(seconds=0.5).values()))
    ceiling = statistics.median(gemm)
    median = {key: statistics.median(value) for key, value in rates.items()}
    hand = max(median[id(c)] for c in contenders
               if isinstance(c, HandWritten))
    torch_rate = max((median[id(c)] for c in contenders
                      if isinstance(c, TorchEager)), default=None)
    rows = []
    for c in contenders:
        rate = median[id(c)]
        rows.append(dict(
            config=config, batch=batch, contender=c.name, steps_per_s=rate,
            images_per_s=rate * batch, gflops=rate * flops / 1e9,
            gemm_fraction=rate * flops / 1e9 / ceiling, vs_hand=rate / hand,
            vs_torch=rate / torch_rate if torch_rate else None,
            all_steps_per_s=rates[id(c)], gemm_gflops=ceiling,
            step_gflop=flops / 1e9, load_end=load()[0]))
    return rows


def print_rows(rows, peak):
    first = rows[0]
    print(f"\n== {first['config']}: WGAN-GP, batch {first['batch']}, "
          f"n_critic {N_CRITIC}; {first['step_gflop']:.3f} GFLOP per critic "
          f"step; GEMM ceiling {first['gemm_gflops']:.1f} GFLOP/s; load "
          f"{first['load_end']:.2f}; peak RSS {peak:.0f} MB")
    print(f"{'contender':44s} {'steps/s':>9s} {'images/s':>9s} "
          f"{'GFLOP/s':>8s} {'%GEMM':>6s} {'x hand':>7s} {'x torch':>8s}"
          f"  (min..max steps/s)")
    for row in rows:
        vs_torch = (f"{row['vs_torch']:8.2f}" if row["vs_torch"]
                    else f"{'-':>8s}")
        print(f"{row['contender']:44s} {row['steps_per_s']:9.1f} "
              f"{row['images_per_s']:9.0f} {row['gflops']:8.1f} "
              f"{100 * row['gemm_fraction']:5.1f}% {row['vs_hand']:7.2f} "
              f"{vs_torch}  ({min(row['all_steps_per_s']):.1f}.."
              f"{max(row['all_steps_per_s']):.1f})")
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS,
                        choices=list(CONFIGS))
    parser.add_argument("--batches", nargs="+", type=int,
                        default=DEFAULT_BATCHES)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--block-seconds", type=float, default=2.0,
                        help="target duration of one timed block")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # CONFIG:BATCH
    args = parser.parse_args(argv)

    try:
        if args.no_torch:
            raise ImportError
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None

    if args.one:  # a child process: one configuration, rows as JSON
        config, batch = args.one.split(":")
        rows = measure(config, int(batch), args.repeats, args.block_seconds,
                       torch_version is not None)
        for row in rows:
            row["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(rows))
        return

    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {machine()}")
    print(f"python {platform.python_version()}, tensorflow {tf.__version__}, "
          f"keras {keras.__version__}, torch {torch_version}")
    print("command: " + " ".join([os.path.basename(sys.executable)]
                                  + sys.argv))
    print("load average at start: %.2f %.2f %.2f" % load())
    all_rows = []
    for config in args.configs:
        for batch in args.batches:
            # A fresh process per configuration: its peak memory is its own.
            command = [sys.executable, os.path.abspath(__file__),
                       "--one", f"{config}:{batch}",
                       "--repeats", str(args.repeats),
                       "--block-seconds", str(args.block_seconds)]
            if args.no_torch:
                command.append("--no-torch")
            out = subprocess.run(command, capture_output=True, text=True,
                                 check=True).stdout
            rows = json.loads(out.strip().splitlines()[-1])
            print_rows(rows, rows[0]["peak_rss_mb"])
            all_rows += rows
    print("\nload average at end: %.2f %.2f %.2f" % load())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(rows=all_rows, machine=machine(),
                           load_end=load()), f, indent=1)


if __name__ == "__main__":
    main()
