"""The run directory (`keras_gan.runs`), atomic writes (`keras_gan._atomic`)
and the faults they are there for: a full disk or an unwritable folder in
the middle of a run.
"""

import errno
import json
import zipfile

import keras
import numpy as np
import pytest

from keras_gan import _atomic, callbacks, evaluation, export, runs, training


# ---- atomic writes -----------------------------------------------------------

def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    _atomic.atomic_write_text(path, "one")
    _atomic.atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_failing_write_keeps_the_old_file_whole(tmp_path):
    path = tmp_path / "checkpoint.keras"
    path.write_bytes(b"old complete file")

    def full_disk(tmp):
        with open(tmp, "wb") as handle:
            handle.write(b"half of the ne")
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    with pytest.raises(OSError, match="No space left"):
        _atomic.atomic_write(path, full_disk)
    assert path.read_bytes() == b"old complete file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.keras"]


def test_temporaries_keep_the_suffix_and_are_swept(tmp_path):
    tmp = _atomic.temporary_name(tmp_path / "checkpoint.keras")
    assert tmp.name.startswith(".checkpoint.keras.tmp-")
    assert tmp.suffix == ".keras"  # Keras chooses the format by it
    (tmp_path / "samples").mkdir()
    tmp.write_bytes(b"x")
    _atomic.temporary_name(tmp_path / "samples" / "e.png").write_bytes(b"x")
    (tmp_path / "keep.png").write_bytes(b"x")
    assert _atomic.remove_temporaries(tmp_path) == 2
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [
        "keep.png"]


# ---- the run directory ---------------------------------------------------------

def test_record_round_trip(tmp_path):
    assert runs.read_record(tmp_path) == {} and not runs.holds_run(tmp_path)
    runs.write_record(tmp_path, {"model": "wgan", "epochs": 3},
                      data="mnist: 5,000 images", sample_shape=[28, 28, 1])
    assert runs.holds_run(tmp_path)
    assert runs.read_settings(tmp_path) == {"model": "wgan", "epochs": 3}
    record = runs.read_record(tmp_path)
    assert record["sample_shape"] == [28, 28, 1]
    assert json.loads((tmp_path / runs.CONFIG).read_text()) == record


def test_an_unreadable_record(tmp_path):
    (tmp_path / runs.CONFIG).write_text("{not json")
    assert runs.read_settings(tmp_path) == {}
    with pytest.raises(runs.RunDirError, match="unreadable"):
        runs.read_settings(tmp_path, strict=True)
    (tmp_path / runs.CONFIG).write_text('{"dataset": "mnist"}')  # by hand
    assert runs.read_settings(tmp_path) == {"dataset": "mnist"}


def test_find_checkpoint_rule(tmp_path):
    with pytest.raises(runs.RunDirError, match="does not exist"):
        runs.find_checkpoint(tmp_path / "missing")
    with pytest.raises(runs.RunDirError, match="no .keras file"):
        runs.find_checkpoint(tmp_path)
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "epoch_3.keras").write_bytes(b"")
    assert runs.find_checkpoint(tmp_path).name == "epoch_3.keras"
    (tmp_path / "other.keras").write_bytes(b"")
    with pytest.raises(runs.RunDirError, match="single"):
        runs.find_checkpoint(tmp_path)  # two candidates: no guessing
    (tmp_path / "checkpoints" / "final.keras").write_bytes(b"")
    assert runs.find_checkpoint(tmp_path).name == "final.keras"
    (tmp_path / runs.CHECKPOINT).write_bytes(b"")
    assert runs.find_checkpoint(tmp_path) == tmp_path / runs.CHECKPOINT
    assert runs.find_checkpoint(tmp_path / "other.keras").name == \
        "other.keras"


def test_export_and_evaluate_take_the_same_checkpoint(tmp_path):
    # Before runs.py, evaluate.py took the newest *.keras anywhere below
    # while export.py refused the same folder as ambiguous.
    (tmp_path / "a.keras").write_bytes(b"")
    (tmp_path / "b.keras").write_bytes(b"")
    with pytest.raises(export.ExportError, match="single"):
        export.find_checkpoint(tmp_path)
    with pytest.raises(evaluation.EvaluationError, match="single"):
        evaluation.load_sampler(tmp_path)


def test_check_checkpoint_catches_damage(tmp_path):
    good = tmp_path / "good.keras"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", b"0" * 1000)
    runs.check_checkpoint(good)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(runs.RunDirError, match="is damaged"):
        runs.check_checkpoint(truncated)
    partial = tmp_path / "partial.keras"
    with zipfile.ZipFile(partial, "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(runs.RunDirError, match="model.weights.h5"):
        runs.check_checkpoint(partial)
    with pytest.raises(runs.RunDirError, match="could not be loaded"):
        runs.load_checkpoint(truncated)


def test_read_log_keeps_the_completed_epochs(tmp_path):
    (tmp_path / runs.LOG).write_text(
        "epoch,d_loss,g_loss\n0,1.5,0.5\n2,0.9,\nbad,1,1\n1,1.0,0.7\n")
    assert runs.read_log(tmp_path, 2) == [
        {"epoch": 0, "d_loss": 1.5, "g_loss": 0.5},
        {"epoch": 1, "d_loss": 1.0, "g_loss": 0.7}]
    assert runs.read_log(tmp_path / runs.LOG, 5)[-1] == {"epoch": 2,
                                                         "d_loss": 0.9}
    assert runs.read_log(tmp_path / "none.csv", 5) == []


# ---- a full disk in the middle of a run ------------------------------------------

ARGS = ["--model", "gan", "--dataset", "ring", "--arch", "mlp", "--hidden",
        "8", "--latent-dim", "2", "--batch-size", "8", "--steps-per-epoch",
        "8", "--epochs", "3", "--no-export", "--verbose", "0", "--lr-decay",
        "none", "--no-ema", "--monitor-samples", "0"]


def checkpoint_weights(run_dir):
    model = keras.saving.load_model(run_dir / runs.CHECKPOINT)
    return [v.numpy() for v in model.weights], int(model.train_steps.numpy())


@pytest.mark.parametrize("fails", ["checkpoint.keras", "epoch_0002.png"])
def test_a_full_disk_keeps_the_last_epoch_and_resumes(tmp_path, capsys,
                                                      monkeypatch, fails):
    straight = tmp_path / "straight"
    assert training.main(ARGS + ["--run-dir", str(straight)]) == 0

    # The disk fills up in epoch 2: its checkpoint (or its sample picture)
    # cannot be written.
    real, calls = callbacks.atomic_write, []

    def full_disk(path, write):
        if str(path).endswith(fails):
            calls.append(path)
            if len(calls) > 1 or fails.startswith("epoch_"):
                return real(path, lambda tmp: (_ for _ in ()).throw(OSError(
                    errno.ENOSPC, "No space left on device", str(tmp))))
        return real(path, write)

    run_dir = tmp_path / "run"
    monkeypatch.setattr(callbacks, "atomic_write", full_disk)
    monkeypatch.setattr("keras_gan.plotting.atomic_write", full_disk)
    capsys.readouterr()
    assert training.main(ARGS + ["--run-dir", str(run_dir)],
                         prog="train.py") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line, no traceback
    assert err.startswith(f"train.py: training stopped: cannot write "
                          f"{run_dir / 'samples' if 'epoch' in fails else run_dir}")
    assert f"{fails} (No space left on device)" in err and "--resume" in err
    _, steps = checkpoint_weights(run_dir)
    assert steps == 8  # epoch 1, whole
    assert not list(run_dir.rglob(".*.tmp-*"))

    # Space again: the same command with --resume ends where the
    # uninterrupted run did.
    monkeypatch.undo()
    assert training.main(ARGS + ["--run-dir", str(run_dir), "--resume"]) == 0
    (want, want_steps), (got, got_steps) = (
        checkpoint_weights(straight), checkpoint_weights(run_dir))
    assert got_steps == want_steps == 24
    for a, b in zip(want, got):
        np.testing.assert_array_equal(a, b)


def test_an_unwritable_run_dir_is_one_line(tmp_path, capsys, monkeypatch):
    def read_only(path, text):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(runs, "atomic_write_text", read_only)
    assert training.main(ARGS + ["--run-dir", str(tmp_path / "run")],
                         prog="train.py") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Read-only file system" in err
    assert "no epoch was completed" in err
