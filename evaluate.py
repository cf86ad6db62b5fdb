"""Scores a trained generator: classifier FID/IS, mode coverage, Stacked MNIST.

    python evaluate.py saved_models/mnist_gan/1 --dataset mnist
    python evaluate.py runs/ring_wgangp --dataset ring --out ring.json

PATH is a SavedModel export (scored as a black box through its
`serving_default` signature), a folder of numbered exports (the newest is
used), a `.keras` checkpoint or a training run dir. Prints a table and
writes the numbers as JSON. Bad input exits with status 2 and one line.
A conditional generator (an export with a `label` input, or a
ConditionalGAN checkpoint) is asked for each class in turn and also scored
by how often the classifier sees the requested class, overall and per class.
A CycleGAN (an export with `a_to_b` and `b_to_a` signatures, or its run dir)
is scored on held-out images of `mnist2inverted` / `mnist2fashion`: class
kept by translations, cycle reconstruction error (or, with `--data A --data-b
B`, the cycle error on the user's own two domains).
"""

import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def format_translation_table(result):
    """The table for an `evaluation.evaluate_translator` result."""
    rows = [("data set", str(result["dataset"] or " | ".join(
                result.get("data", [])))),
            ("images per domain", str(result["num_samples"])),
            ("cycle error A->B->A", f"{result['cycle_error_a']:.4f}"),
            ("cycle error B->A->B", f"{result['cycle_error_b']:.4f}"),
            ("  mean ([0, 1] pixels)", f"{result['cycle_error']:.4f}")]
    if "accuracy_ab" in result:
        rows += [
            ("class kept A->B", f"{100 * result['accuracy_ab']:.1f}%  "
             "(translation inverted back, MNIST classifier)"),
            ("class kept B->A", f"{100 * result['accuracy_ba']:.1f}%  "
             "(MNIST classifier)"),
            ("error vs true inversion",
             f"A->B {result['inversion_error_ab']:.4f}, "
             f"B->A {result['inversion_error_ba']:.4f}")]
    if "cycle_accuracy_a" in result:
        rows.append(("class kept by the cycle",
                     f"A {100 * result['cycle_accuracy_a']:.1f}%, "
                     f"B {100 * result['cycle_accuracy_b']:.1f}%"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def format_table(result):
    """The human-readable table for an `evaluate_sampler` result."""
    if result.get("kind") == "translation":
        return format_translation_table(result)
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
        if "class_accuracy" in result:  # a conditional generator
            per_class = " ".join(
                f"{k}:{100 * a:.0f}"
                for k, a in enumerate(result["per_class_accuracy"]))
            rows += [
                ("requested class hit",
                 f"{100 * result['class_accuracy']:.1f}%  (lowest class "
                 f"{100 * result['min_class_accuracy']:.1f}%)"),
                ("  per class (%)", per_class),
            ]
    else:
        rows.append(("modes captured",
                     f"{result['modes']} / {result['total_modes']}"))
        if "high_quality" in result:
            rows.append(("high quality (3 std)",
                         f"{100 * result['high_quality']:.1f}%"))
        rows.append(("reverse KL to uniform", f"{result['reverse_kl']:.4f}"))
        if "channel_kl" in result:  # Stacked MNIST: where the KL comes from
            rows.append(("  channels 0 / 1 / 2", " / ".join(
                f"{kl:.4f}" for kl in result["channel_kl"])))
            rows.append(("  dependence", f"{result['dependence_kl']:.4f}"))
            rows.append(("unsure digits (p < 0.99)", " / ".join(
                f"{100 * u:.1f}%" for u in result["channel_unsure"])
                + f"  (held-out real digits: "
                  f"{100 * result['real_unsure']:.1f}%)"))
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
    parser.add_argument("--no-average", action="store_true",
                        help="for a checkpoint or run dir: score the trained "
                             "generator, not its weight average")
    parser.add_argument("--data", type=pathlib.Path, metavar="A",
                        help="CycleGAN only: domain A (.npz or image folder)"
                             " of the user's own pair; with --data-b")
    parser.add_argument("--data-b", type=pathlib.Path, metavar="B",
                        help="CycleGAN only: domain B of the pair")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", help="folder of idx files for the "
                                           "real images")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("evaluation.json"),
                        help="where to write the JSON (default: "
                             "./evaluation.json)")
    args = parser.parse_args(argv)
    try:
        sampler = evaluation.load_sampler(args.path,
                                          average=not args.no_average)
        user_pair = args.data is not None or args.data_b is not None
        if user_pair and not isinstance(sampler, evaluation.Translator):
            raise evaluation.EvaluationError(
                "Expected a CycleGAN for --data/--data-b (two domains). "
                f"Received: a generator from {sampler.source}")
        if user_pair and (args.data is None or args.data_b is None):
            raise evaluation.EvaluationError(
                "Expected both --data A and --data-b B. Received: one")
        if user_pair:
            sampler.data = (args.data, args.data_b)
            sampler.dataset = None
        dataset = args.dataset or sampler.dataset
        if dataset is None and getattr(sampler, "data", None) is None:
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
