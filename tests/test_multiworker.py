"""Multi-worker for real: two `train.py --strategy multiworker` processes on
127.0.0.1 with `TF_CONFIG`, as README's "Several machines" starts them.

Only the chief (worker 0) writes the run dir and the export; the other
worker trains into a scratch folder that it deletes; the result is the
single-process run on the same global batch; killing a worker ends the
other with one line and a resumable checkpoint. Every process is bounded
(a watchdog kills it), so a hang fails the test instead of stalling CI.
"""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np

from keras_gan import runs, training

ROOT = pathlib.Path(__file__).resolve().parents[1]
FLAGS = ["--model", "gan", "--dataset", "ring", "--arch", "mlp", "--hidden",
         "8", "--latent-dim", "2", "--batch-size", "8", "--steps-per-epoch",
         "4", "--lr-decay", "none", "--no-ema", "--monitor-samples", "0",
         "--verbose", "2"]


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start_workers(tmp_path, run_dir, epochs):
    cluster = [f"127.0.0.1:{port}" for port in free_ports(2)]
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    procs = []
    for index in range(2):
        env = {**os.environ, "TMPDIR": str(scratch),
               "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps({
                   "cluster": {"worker": cluster},
                   "task": {"type": "worker", "index": index}})}
        procs.append(subprocess.Popen(
            [sys.executable, str(ROOT / "train.py"), *FLAGS, "--epochs",
             str(epochs), "--strategy", "multiworker", "--run-dir",
             str(run_dir), "--export-dir", str(tmp_path / "exports")],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))
    return procs, scratch


def finish(proc, timeout=240):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"a worker hung:\n{err[-2000:]}") from None
    return proc.returncode, out, err


def weights(run_dir):
    model = keras.saving.load_model(run_dir / runs.CHECKPOINT)
    return [v.numpy() for v in model.weights], int(model.train_steps.numpy())


def test_two_workers_train_as_one_process_and_only_the_chief_writes(
        tmp_path):
    run_dir = tmp_path / "run"
    procs, scratch = start_workers(tmp_path, run_dir, epochs=2)
    (code0, out0, err0), (code1, out1, err1) = finish(procs[0]), finish(
        procs[1])
    assert (code0, code1) == (0, 0), err0[-2000:] + err1[-2000:]
    assert "generator exported to" in out0
    assert out1.strip().splitlines()[-1].startswith(
        "done: worker 1 trained epochs 1-2 with the cluster; the chief "
        "writes")
    # The chief's run dir and one export; nothing of worker 1 left anywhere.
    assert {p.name for p in run_dir.iterdir()} >= {
        runs.CHECKPOINT, runs.CONFIG, runs.LOG, "final_scatter.png"}
    assert [p.name for p in (tmp_path / "exports" / "gan").iterdir()] == [
        "1"]
    assert list(scratch.iterdir()) == []

    # The same training as one process on the same global batch.
    single = tmp_path / "single"
    training.main([*FLAGS, "--epochs", "2", "--no-export", "--verbose", "0",
                   "--run-dir", str(single)])
    (want, want_steps), (got, got_steps) = weights(single), weights(run_dir)
    assert got_steps == want_steps == 8
    for a, b in zip(want, got):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_killing_a_worker_ends_the_other_with_one_line(tmp_path):
    run_dir = tmp_path / "run"
    procs, _ = start_workers(tmp_path, run_dir, epochs=10_000)
    try:
        deadline = time.time() + 120
        while not (run_dir / runs.CHECKPOINT).exists():
            assert time.time() < deadline, "no epoch completed in 120 s"
            assert procs[0].poll() is None, procs[0].communicate()[1][-2000:]
            time.sleep(0.2)
        procs[1].send_signal(signal.SIGKILL)
        code, _, err = finish(procs[0], timeout=120)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("train.py: training stopped on worker 0: another "
                           "worker of the cluster stopped"), err[-2000:]
    assert "--resume" in last and "Traceback" not in err
    _, steps = weights(run_dir)  # loadable, at a whole epoch
    assert steps > 0 and steps % 4 == 0
