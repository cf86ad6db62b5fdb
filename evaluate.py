"""Scores a trained generator: classifier FID/IS, mode coverage, Stacked MNIST.

    python evaluate.py saved_models/mnist_gan/1 --dataset mnist
    python evaluate.py runs/ring_wgangp --dataset ring --out ring.json

PATH is a SavedModel export (scored as a black box through its
`serving_default` signature), a folder of numbered exports (the newest is
used), a `.keras` checkpoint or a training run dir. Prints a table and
writes the numbers as JSON. Bad input exits with status 2 and one line.
"""

import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def format_table(result):
    """The human-readable table for an `evaluate_sampler` result."""
    rows = [("data set", result["dataset"]),
            ("samples", str(result["num_samples"]))]
    if "fid" in result:
        rows += [
            ("FID (classifier)", f"{result['fid']:.3f}"),
            ("  real-vs-real floor", f"{result['fid_floor']:.3f}  "
             f"(FID / floor = {result['fid_ratio']:.2f})"),
            ("IS (classifier)", f"{result['is_mean']:.3f} +- "
             f"{result['is_std']:.3f}"),
            ("  IS of real images", f"{result['is_real_mean']:.3f}"),
            ("precision / recall", f"{result['precision']:.3f} / "
             f"{result['recall']:.3f}"),
            ("classes / KL to uniform", f"{result['classes']} / 10, "
             f"{result['class_kl']:.4f}"),
            ("classifier test acc.",
             f"{result['classifier_test_accuracy']:.4f}"),
        ]
    else:
        rows.append(("modes captured",
                     f"{result['modes']} / {result['total_modes']}"))
        if "high_quality" in result:
            rows.append(("high quality (3 std)",
                         f"{100 * result['high_quality']:.1f}%"))
        rows.append(("reverse KL to uniform", f"{result['reverse_kl']:.4f}"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv=None):
    from keras_gan import evaluation

    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=pathlib.Path,
                        help="SavedModel export, folder of versions, "
                             ".keras checkpoint or run dir")
    parser.add_argument("--dataset", choices=evaluation.EVAL_DATASETS,
                        help="what to score against (default: the run's "
                             "config.json, if any)")
    parser.add_argument("--num-samples", type=int,
                        help="generated samples (default: 2000 images, "
                             "2500 toy points, 26000 Stacked MNIST)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", help="folder of idx files for the "
                                           "real images")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("evaluation.json"),
                        help="where to write the JSON (default: "
                             "./evaluation.json)")
    args = parser.parse_args(argv)
    try:
        sampler = evaluation.load_sampler(args.path)
        dataset = args.dataset or sampler.dataset
        if dataset is None:
            raise evaluation.EvaluationError(
                "Expected --dataset (the path records none). Received: "
                "no --dataset")
        result = evaluation.evaluate_sampler(
            sampler, dataset, args.num_samples, args.seed, args.data_dir)
    except ValueError as error:  # EvaluationError and argument errors
        print(f"evaluate.py: error: {str(error).splitlines()[0]}",
              file=sys.stderr)
        return 2
    print(format_table(result))
    # Strict JSON: an undefined KL (no high-quality sample) becomes null.
    clean = {key: None if isinstance(value, float) and value != value
             else value for key, value in result.items()}
    args.out.write_text(json.dumps(clean, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
