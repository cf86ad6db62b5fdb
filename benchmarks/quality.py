"""Sample quality of the defaults, measured the way a user runs them.

Each `--run MODEL:DATASET` starts `python train.py --model MODEL --dataset
DATASET` (plus `--extra` flags, if any) in a fresh run dir exactly as a user
would, times the whole command (wall clock, CPU of the process and its
threads, peak RSS), then scores the export with `python evaluate.py` and
appends one JSON record to `--out`. `--table` prints README's results
tables from those records; `--plot` draws the time-to-quality figure (FID
over its real-vs-real floor against wall-clock seconds, from each run's
`log.csv`, which the QualityMonitor fills after every epoch). It is a
benchmark, not a test: it prints, it asserts nothing.

    python benchmarks/quality.py --run wgan:mnist gan:mnist    # one at a time
    python benchmarks/quality.py --run gan:mnist --extra "--arch seed-mlp"
    python benchmarks/quality.py --table
    python benchmarks/quality.py --plot docs/time_to_quality.png

Time heavy runs one at a time on an otherwise idle machine: the record keeps
the load average before and after, so a shared run shows as such.
"""

import argparse
import json
import os
import pathlib
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "quality.json"
RUNS = ROOT / "benchmarks" / "results" / "runs"

# Published anchors (2,500 toy samples, 3-std rule; Stacked MNIST 26,000).
ANCHORS = {
    "ring": [("PacGAN4 (Lin et al. 2018)", "7.8", "95.9%", "0.07"),
             ("GAN (PacGAN Table 1)", "6.3", "98.2%", "0.45"),
             ("VEEGAN (Srivastava et al. 2017)", "8", "52.9%", "—")],
    "grid": [("PacGAN4 (Lin et al. 2018)", "24.8", "93.6%", "0.04"),
             ("VEEGAN (Srivastava et al. 2017)", "24.6", "40.0%", "—")],
    "stacked_mnist": [("PacDCGAN2 (Lin et al. 2018)", "1000", "0.06"),
                      ("WGAN-GP (GDPP paper)", "995", "0.148")],
}


def _cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _name(model, dataset, extra):
    tail = "".join(ch if ch.isalnum() else "_" for ch in extra).strip("_")
    return f"{model}-{dataset}" + (f"-{tail}" if tail else "")


def run(spec, extra="", seed=0, docs=None):
    """Trains and scores one default; returns the JSON record."""
    model, dataset = spec.split(":")
    name = _name(model, dataset, extra)
    run_dir = RUNS / name
    export_dir = RUNS / "exports"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    command = [sys.executable, "train.py", "--model", model, "--dataset",
               dataset, "--seed", str(seed), "--run-dir", str(run_dir),
               "--export-dir", str(export_dir), "--export-name", name,
               "--verbose", "2", *shlex.split(extra)]
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = os.getloadavg()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):"
                         f"\n{done.stderr[-3000:]}")
    versions = sorted((export_dir / name).iterdir(), key=lambda p: int(
        p.name) if p.name.isdigit() else -1)
    scores = run_dir / "evaluation.json"
    evaluate = [sys.executable, "evaluate.py", str(versions[-1]),
                "--dataset", dataset, "--out", str(scores)]
    scored = subprocess.run(evaluate, cwd=ROOT, capture_output=True,
                            text=True)
    if scored.returncode != 0:
        raise SystemExit(f"{' '.join(evaluate)} failed:\n"
                         f"{scored.stderr[-3000:]}")
    metrics = json.loads(scores.read_text())
    metrics.pop("counts", None)
    config = json.loads((run_dir / "config.json").read_text())["config"]
    trained = None
    if config.get("ema"):
        # The same run without the weight average: the trained generator
        # of the final checkpoint.
        raw = run_dir / "evaluation_no_average.json"
        scored = subprocess.run(
            [sys.executable, "evaluate.py", str(run_dir), "--dataset",
             dataset, "--no-average", "--out", str(raw)], cwd=ROOT,
            capture_output=True, text=True)
        if scored.returncode == 0:
            trained = json.loads(raw.read_text())
            trained.pop("counts", None)
    summary = [line for line in done.stdout.splitlines()
               if line.startswith("done:")]
    record = {
        "name": name, "model": model, "dataset": dataset, "extra": extra,
        "command": "python " + " ".join(shlex.quote(part)
                                         for part in command[1:]),
        "config": config, "metrics": metrics,
        "metrics_without_average": trained,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(after.ru_utime + after.ru_stime
                             - before.ru_utime - before.ru_stime, 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "warnings": [line for line in done.stderr.splitlines()
                     if line.startswith("warning:")],
        "summary": summary[-1] if summary else "",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, "
                   f"{platform.system()}",
    }
    if docs:
        picture = run_dir / ("final_scatter.png" if dataset in ("ring", "grid")
                             else "final_grid.png")
        docs = pathlib.Path(docs).resolve()
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(picture, docs / f"{name}.png")
        record["picture"] = str((docs / f"{name}.png").relative_to(ROOT))
    return record


def _records(path):
    if not path.exists():
        raise SystemExit(f"No results yet in {path}; --run some first.")
    latest = {}
    for line in path.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            latest[record["name"]] = record
    return list(latest.values())


def _minutes(record):
    return f"{record['wall_seconds'] / 60:.1f}"


def table(records):
    """Markdown tables from the latest record of each name."""
    images = [r for r in records if r["dataset"] in ("mnist",
                                                       "fashion_mnist")]
    toys = [r for r in records if r["dataset"] in ("ring", "grid")]
    stacked = [r for r in records if r["dataset"] == "stacked_mnist"]
    lines = []
    if images:
        lines += ["| data | command | FID (floor) | FID / floor | classes, "
                  "KL | IS (real) | precision / recall | wall min | "
                  "load |", "| --- | --- | --- | --- | --- | --- | --- | "
                  "--- | --- |"]
        for r in images:
            m = r["metrics"]
            lines.append(
                f"| {r['dataset']} | `--model {r['model']}"
                f"{(' ' + r['extra']) if r['extra'] else ''}` | "
                f"{m['fid']:.2f} ({m['fid_floor']:.2f}) | "
                f"{m['fid_ratio']:.1f} | {m['classes']}, "
                f"{m['class_kl']:.3f} | {m['is_mean']:.2f} "
                f"({m['is_real_mean']:.2f}) | {m['precision']:.2f} / "
                f"{m['recall']:.2f} | {_minutes(r)} | "
                f"{r['load_before'][0]:.1f} |")
    if toys:
        lines += ["", "| data | command | modes | high quality | reverse KL "
                  "| wall min |", "| --- | --- | --- | --- | --- | --- |"]
        for r in toys:
            m = r["metrics"]
            lines.append(
                f"| {r['dataset']} | `--model {r['model']}"
                f"{(' ' + r['extra']) if r['extra'] else ''}` | "
                f"{m['modes']}/{m['total_modes']} | "
                f"{100 * m['high_quality']:.1f}% | {m['reverse_kl']:.3f} | "
                f"{_minutes(r)} |")
        for toy in ("ring", "grid"):
            for paper, modes, hq, kl in ANCHORS[toy]:
                lines.append(f"| {toy} | {paper} | {modes} | {hq} | {kl} | |")
    if stacked:
        lines += ["", "| data | command | modes (of 1000) | KL to uniform | "
                  "wall min |", "| --- | --- | --- | --- | --- |"]
        for r in stacked:
            m = r["metrics"]
            lines.append(
                f"| stacked_mnist | `--model {r['model']}"
                f"{(' ' + r['extra']) if r['extra'] else ''}` | "
                f"{m['modes']} | {m['reverse_kl']:.3f} | {_minutes(r)} |")
        for paper, modes, kl in ANCHORS["stacked_mnist"]:
            lines.append(f"| stacked_mnist | {paper} | {modes} | {kl} | |")
    return "\n".join(lines)


def plot(records, path, dataset="mnist"):
    """FID / floor against wall-clock seconds for each run on `dataset`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for r in sorted(records, key=lambda r: r["name"]):
        log = RUNS / r["name"] / "log.csv"
        if r["dataset"] != dataset or not log.exists():
            continue
        import csv

        rows = list(csv.DictReader(log.open()))
        if not rows or "fid" not in rows[0]:
            continue
        seconds = [float(row["seconds"]) for row in rows]
        ratio = [float(row["fid"]) / float(row["fid_floor"]) for row in rows]
        label = f"--model {r['model']}" + (f" {r['extra']}" if r["extra"]
                                            else "")
        ax.plot(seconds, ratio, marker=".", label=label)
    ax.axhline(3.0, color="grey", ls="--", lw=0.8, label="target: 3x floor")
    ax.set_yscale("log")
    ax.set_xlabel("wall-clock seconds since the command started")
    ax.set_ylabel("FID / real-vs-real floor (1,000 samples)")
    ax.set_title(f"Time to quality on {dataset} (train.py defaults)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="*", default=[], metavar="MODEL:DATA")
    parser.add_argument("--extra", default="",
                        help="extra train.py flags for every --run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--docs", help="copy each final picture here")
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--plot", metavar="PNG")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args(argv)
    for spec in args.run:
        record = run(spec, args.extra, args.seed, args.docs)
        print(json.dumps(record), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as f:
            f.write(json.dumps(record) + "\n")
    if args.table:
        print(table(_records(args.out)))
    if args.plot:
        print(plot(_records(args.out), args.plot))


if __name__ == "__main__":
    main()
