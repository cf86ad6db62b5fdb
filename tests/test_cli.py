"""The real command line in subprocesses: SIGKILL, --resume, exit codes.

Few subprocesses (each pays for importing TensorFlow); the other checks run
in-process in test_training.py.
"""

import os
import pathlib
import runpy
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_gan import training

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
       "KERAS_BACKEND": "tensorflow"}

RUN = ["--model", "wgan", "--dataset", "ring", "--arch", "mlp",
       "--hidden", "16",
       "--latent-dim", "8", "--batch-size", "8", "--steps-per-epoch", "40",
       "--epochs", "6", "--seed", "3", "--no-export", "--verbose", "0"]


def weights(run_dir):
    model = keras.saving.load_model(pathlib.Path(run_dir) / "checkpoint.keras")
    return ([v.numpy() for v in model.weights],
            int(model.d_optimizer.iterations))


def test_sigkill_then_resume_ends_like_an_uninterrupted_run(tmp_path):
    run_dir = tmp_path / "killed"
    command = [sys.executable, str(ROOT / "train.py"), *RUN,
               "--run-dir", str(run_dir)]
    proc = subprocess.Popen(command, cwd=tmp_path, env=ENV,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 180
        while not (run_dir / "checkpoint.keras").exists():
            assert proc.poll() is None, "training ended before its 1st epoch"
            assert time.time() < deadline, "no checkpoint after 180 s"
            time.sleep(0.05)
        time.sleep(0.3)  # somewhere inside a later epoch
        assert proc.poll() is None, "run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    _, steps_at_kill = weights(run_dir)
    assert steps_at_kill % 40 == 0 and 40 <= steps_at_kill < 240

    resumed = subprocess.run(command + ["--resume", "--verbose", "2"],
                             cwd=tmp_path, env=ENV,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    epoch = steps_at_kill // 40 + 1
    assert f"resuming {run_dir} at epoch {epoch} (step {steps_at_kill})" \
        in resumed.stdout
    assert f"done: epochs {epoch}-6 of 6 (240 critic and 48 generator " \
           f"steps in total)" in resumed.stdout
    assert not list(run_dir.glob(".*tmp*"))  # no half-written file left
    rows = (run_dir / "log.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows] == ["epoch"] + [str(e) for e in
                                                           range(6)]
    assert len(list((run_dir / "samples").glob("epoch_*.png"))) == 6

    # Same seed, never interrupted (in-process): bitwise the same weights.
    args = training.build_parser().parse_args(
        RUN + ["--run-dir", str(tmp_path / "whole")])
    training.run(training.TrainConfig(**vars(args)))
    got, steps = weights(run_dir)
    want, _ = weights(tmp_path / "whole")
    assert steps == 240
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    # The same log but for the wall clock.
    assert without_seconds(run_dir / "log.csv") == without_seconds(
        tmp_path / "whole" / "log.csv")


def without_seconds(path):
    rows = [row.split(",") for row in path.read_text().splitlines()]
    column = rows[0].index("seconds")
    return [row[:column] + row[column + 1:] for row in rows]


def test_module_and_console_script_run_the_same_main(tmp_path, monkeypatch,
                                                   capsys):
    # `python -m keras_gan`, in-process: bad input, one line, exit 2.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["keras_gan", "--epochs", "-3"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("keras_gan", run_name="__main__")
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "python -m keras_gan: error: expected --epochs to be an integer "
        ">= 1, received -3\n")
    assert list(tmp_path.iterdir()) == []
    # The console script pip generated from setup.cfg calls the same main.
    script = pathlib.Path(sys.executable).parent / "keras-gan-train"
    text = script.read_text()
    assert "from keras_gan.training import main" in text
    assert "sys.exit(main())" in text


def test_train_py_bad_input_is_one_line(tmp_path):
    bad = subprocess.run(
        [sys.executable, str(ROOT / "train.py"), "--data",
         str(tmp_path / "missing.npz")], cwd=tmp_path, env=ENV,
        capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert bad.stderr == (
        f"train.py: error: Expected a readable .npz file. Received: "
        f"{tmp_path / 'missing.npz'} (FileNotFoundError: [Errno 2] No such "
        f"file or directory: '{tmp_path / 'missing.npz'}')\n")
    assert bad.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_sigterm_stops_cleanly_and_resumes_exactly(tmp_path):
    run_dir = tmp_path / "stopped"
    command = [sys.executable, str(ROOT / "train.py"), *RUN,
               "--run-dir", str(run_dir)]
    proc = subprocess.Popen(command, cwd=tmp_path, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.time() + 180
        while not (run_dir / "checkpoint.keras").exists():
            assert proc.poll() is None, "training ended before its 1st epoch"
            assert time.time() < deadline, "no checkpoint after 180 s"
            time.sleep(0.05)
        time.sleep(0.3)
        assert proc.poll() is None, "run finished before the signal"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        "train.py: stopped by SIGTERM; ") and "--resume" in lines[0], err
    _, steps = weights(run_dir)
    assert steps % 40 == 0 and 40 <= steps < 240   # a whole epoch
    assert f"holds epoch {steps // 40} of 6" in lines[0]
    resumed = subprocess.run(command + ["--resume"], cwd=tmp_path, env=ENV,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    args = training.build_parser().parse_args(
        RUN + ["--run-dir", str(tmp_path / "whole")])
    training.run(training.TrainConfig(**vars(args)))
    for a, b in zip(weights(run_dir)[0], weights(tmp_path / "whole")[0]):
        np.testing.assert_array_equal(a, b)


def test_resume_refuses_a_damaged_checkpoint(tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = ["--model", "gan", "--dataset", "ring", "--arch", "mlp",
            "--hidden", "8", "--latent-dim", "2", "--batch-size", "8",
            "--steps-per-epoch", "8", "--epochs", "1", "--no-export",
            "--verbose", "0", "--lr-decay", "none", "--run-dir",
            str(run_dir)]
    assert training.main(args) == 0
    checkpoint = run_dir / "checkpoint.keras"
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[:len(data) // 2])      # truncated
    before = sorted(p.name for p in run_dir.iterdir())
    capsys.readouterr()
    assert training.main(args + ["--resume", "--epochs", "2"],
                         prog="train.py") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is damaged" in err and \
        "the file is kept" in err
    assert checkpoint.read_bytes() == data[:len(data) // 2]
    assert sorted(p.name for p in run_dir.iterdir()) == before
