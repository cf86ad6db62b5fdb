"""How much of a generator's FID is its class histogram alone.

Scores a generator as `evaluate.py` does (2,000 samples against real set A,
the same seeds), then takes real images from outside A, redrawn so that each
class has the generator's share (by the shipped classifier), and scores
them against A too. Those are real digits: what they miss of the floor is
the cost of the class shares alone; the rest of the generator's FID is
the images themselves. A benchmark: it prints, it asserts nothing.

    python benchmarks/class_shares.py saved_models/began/1 --dataset mnist
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from keras_gan import datasets, metrics, samplers  # noqa: E402


def redraw(labels, counts, seed):
    """Indices of `counts[k]` images labelled k, for every class k (with
    replacement only where a class has fewer than `counts[k]`), or None if
    a class the counts ask for has no image."""
    rng = np.random.default_rng(seed)
    picks = []
    for k, count in enumerate(counts):
        pool = np.flatnonzero(labels == k)
        if count and not len(pool):
            return None
        picks.append(rng.choice(pool, count, replace=count > len(pool)))
    return np.concatenate(picks)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("generator", help="SavedModel dir or checkpoint.keras")
    parser.add_argument("--dataset", default="mnist",
                        choices=("mnist", "fashion_mnist"))
    parser.add_argument("--num-samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    n = args.num_samples
    if n <= 128:
        parser.error(f"--num-samples must be at least 129 for a 128x128 "
                     f"feature covariance (got {n})")
    try:
        sampler = samplers.load_sampler(args.generator)
    except ValueError as error:  # EvaluationError: no such path, not a GAN
        parser.exit(2, f"class_shares.py: error: "
                       f"{str(error).splitlines()[0]}\n")
    if (sampler.kind, sampler.sample_shape) != ("images", (28, 28, 1)) \
            or sampler.conditional:
        parser.exit(2, f"class_shares.py: error: expected an unconditional "
                       f"generator of 28x28x1 images; {args.generator} "
                       f"makes {sampler.kind} of shape "
                       f"{sampler.sample_shape}\n")
    real, _ = datasets.load_images(args.dataset, data_dir=args.data_dir)
    if len(real) < 2 * n:
        parser.exit(2, f"class_shares.py: error: expected at least {2 * n} "
                       f"real images, found {len(real)}\n")
    fake = sampler.sample(n, args.seed)
    # The draw of metrics.score_images under evaluate.py's seed + 1.
    order = np.random.default_rng(args.seed + 1).permutation(len(real))
    real_a, rest = real[order[:n]], real[order[n:]]

    def features(images):
        return metrics.classifier_outputs(images, args.dataset, 500)

    a_features, _ = features(real_a)
    stats_a = metrics.feature_statistics(a_features)

    def fid(f):
        return metrics.frechet_distance(*metrics.feature_statistics(f),
                                        *stats_a)

    fake_features, fake_probs = features(fake)
    rest_features, rest_probs = features(rest)
    counts = np.bincount(fake_probs.argmax(1), minlength=10)
    picks = redraw(rest_probs.argmax(1), counts, args.seed)
    if picks is None:
        parser.exit(2, "class_shares.py: error: the generator makes a class "
                       "that no real image outside set A has\n")
    floor = fid(rest_features[:n])   # = score_images' floor (set B)
    rows = [("real set B (the floor)", floor),
            ("real, redrawn with the generator's class shares",
             fid(rest_features[picks])),
            ("the generator", fid(fake_features))]
    print(f"class shares of {args.generator} ({args.dataset}, {n} samples, "
          f"seed {args.seed}): "
          + " ".join(f"{share:.3f}" for share in counts / n)
          + f"  (KL to uniform {metrics.kl_to_uniform(counts):.3f})")
    print(f"| {'images scored against real set A':50} | {'FID':>7} | "
          f"{'/ floor':>7} |")
    print(f"| {'-' * 50} | {'-' * 7} | {'-' * 7} |")
    for name, value in rows:
        print(f"| {name:50} | {value:7.2f} | {value / floor:6.1f}x |")
    shares, total = rows[1][1] - floor, rows[2][1] - floor
    if total > 0:
        print(f"the class shares alone account for {shares / total:.0%} of "
              "the generator's FID above the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
