"""CLI: ``python -m keras_gan.experiments NAME [--out DIR]``; NAME may be `all`.

Runs the experiment(s), writes ``DIR/exp_<name>.png`` and prints the measured
numbers as JSON (one object per experiment).
"""

import argparse
import importlib
import json
import sys
import time

from keras_gan.experiments import EXPERIMENTS


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    return value


def main(argv=None):
    """Parses `argv`, runs the chosen experiment(s); returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.experiments",
        description="Reproduce the seed articles' claims as figures.")
    parser.add_argument("experiment", choices=[*EXPERIMENTS, "all"])
    parser.add_argument("--out", default="docs",
                        help="folder for the PNGs (default: docs)")
    args = parser.parse_args(argv)
    names = list(EXPERIMENTS) if args.experiment == "all" else [args.experiment]
    for name in names:
        module = importlib.import_module(
            f"keras_gan.experiments.{EXPERIMENTS[name]}")
        start = time.perf_counter()
        summary = module.run(args.out)
        summary["wall_seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps({name: _jsonable(summary)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
