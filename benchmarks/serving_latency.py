#!/usr/bin/env python
"""Latency of an exported generator through the loaded SavedModel (CPU).

Exports the seed MLP generator and the DCGAN generator (latent 100, 28x28x1,
untrained weights: latency does not depend on weight values) with
`keras_gan.export.export_generator`, loads each export afresh with
`tf.saved_model.load` -- the object TF Serving would run, minus its RPC layer
-- and times `serving_default` (z -> images) and `sample` (seeds -> images, z)
for 1 and 64 samples: median and 90th percentile over repeated calls, after
warm-up calls. Also prints each SavedModel's size on disk.

    nice python benchmarks/serving_latency.py [--repeats 200]

This is a benchmark, not a test: it prints a table and asserts nothing.
"""

import argparse
import os
import pathlib
import platform
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan import export, networks  # noqa: E402

LATENT = 100


def dir_size(path):
    return sum(p.stat().st_size for p in pathlib.Path(path).rglob("*")
               if p.is_file())


def time_calls(fn, repeats, warmup=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return np.median(times) * 1e3, np.percentile(times, 90) * 1e3


def measure(path, repeats):
    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures["serving_default"]
    sample = loaded.signatures["sample"]
    rows = []
    for batch in (1, 64):
        z = tf.constant(np.random.default_rng(0).normal(
            size=(batch, LATENT)).astype("float32"))
        seeds = tf.range(batch, dtype=tf.int64)
        reps = repeats if batch == 1 else max(repeats // 4, 20)
        for name, call in (
                ("serving_default", lambda: [v.numpy() for v in
                                             serve(z=z).values()]),
                ("sample", lambda: [v.numpy() for v in
                                    sample(seed=seeds).values()])):
            median, p90 = time_calls(call, reps)
            rows.append((name, batch, median, p90, reps))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200,
                        help="timed calls for 1 sample (64 samples: /4)")
    args = parser.parse_args()
    generators = {
        "seed MLP (100-100-784)": networks.build_mlp_generator(LATENT),
        "DCGAN (F=64)": networks.build_dcgan_generator(LATENT),
    }
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, TF {tf.__version__}, "
          f"load average before: {os.getloadavg()[0]:.1f}")
    print("| generator | params | SavedModel size | signature | samples "
          "| median ms | p90 ms |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for label, generator in generators.items():
            path = export.export_generator(generator, tmp, "bench")
            size = dir_size(path) / 2**20
            for name, batch, median, p90, _ in measure(path, args.repeats):
                print(f"| {label} | {generator.count_params():,} | "
                      f"{size:.2f} MiB | `{name}` | {batch} | {median:.2f} | "
                      f"{p90:.2f} |", flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
