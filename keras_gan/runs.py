"""The run directory: the one module that knows its files.

`train.py` writes, and `export.py`, `evaluate.py` and `--resume` read::

    RUN_DIR/
      config.json        {"config": the resolved settings, "data": ...,
                          "sample_shape": ..., "preset": ...}
      checkpoint.keras   the whole model after the last completed epoch
      log.csv            one row of metrics per epoch
      samples/           a picture per epoch
      tensorboard/       scalars and sample images
      loss_curves.png, final_grid.png or final_scatter.png

Every file here is written with `keras_gan._atomic` (temporary name, fsync,
rename). Readers share one rule for finding a checkpoint (`find_checkpoint`)
and one for reading the settings (`read_settings`), so `export.py RUN` and
`evaluate.py RUN` always pick the same file. Errors are `RunDirError`, a
`ValueError` whose message the callers prefix with their own context.
"""

import csv
import io
import json
import pathlib

from keras_gan._atomic import atomic_write_text, remove_temporaries

CHECKPOINT = "checkpoint.keras"
CONFIG = "config.json"
LOG = "log.csv"
SAMPLES = "samples"
TENSORBOARD = "tensorboard"
LOSS_CURVES = "loss_curves.png"

#: Checkpoint names accepted in a run directory, in this order: what
#: `train.py` writes, then names people give a final model by hand.
CHECKPOINT_NAMES = (CHECKPOINT, "final.keras", "model.keras")

__all__ = ["CHECKPOINT", "CONFIG", "LOG", "SAMPLES", "TENSORBOARD",
           "LOSS_CURVES", "CHECKPOINT_NAMES", "RunDirError", "holds_run",
           "write_record", "read_record", "read_settings", "find_checkpoint",
           "check_checkpoint", "load_checkpoint", "read_log",
           "remove_temporaries"]


class RunDirError(ValueError):
    """A run directory, its settings or its checkpoint cannot be used."""


def holds_run(run_dir):
    """Whether `run_dir` already holds a run (its settings or checkpoint)."""
    run_dir = pathlib.Path(run_dir)
    return (run_dir / CONFIG).exists() or (run_dir / CHECKPOINT).exists()


def write_record(run_dir, settings, **extra):
    """Writes ``config.json``: ``{"config": settings, **extra}``, atomically.

    Args:
        run_dir: The run directory (it must exist).
        settings: JSON-able dict of the run's resolved settings.
        **extra: Further top-level entries (data source, sample shape, ...).
    """
    text = json.dumps({"config": settings, **extra}, indent=2,
                      sort_keys=True) + "\n"
    return atomic_write_text(pathlib.Path(run_dir) / CONFIG, text)


def read_record(run_dir, strict=False):
    """The whole ``config.json`` of `run_dir` as a dict ({} if there is none).

    Args:
        run_dir: A run directory.
        strict: Raise `RunDirError` for an unreadable file instead of
            returning {}.
    """
    path = pathlib.Path(run_dir) / CONFIG
    if not path.exists():
        return {}
    try:
        record = json.loads(path.read_text())
        if not isinstance(record, dict) or not isinstance(
                record.get("config", {}), dict):
            raise ValueError("expected an object with a 'config' object")
    except (OSError, ValueError) as error:
        if strict:
            raise RunDirError(f"unreadable {path} ({error})") from None
        return {}
    return record


def read_settings(run_dir, strict=False):
    """The run's resolved settings (``config.json``'s ``config``; {} if none).

    `strict` as in `read_record`. A file without the ``config`` level (an
    older or hand-written one) is taken as the settings themselves.
    """
    record = read_record(run_dir, strict=strict)
    return record.get("config", record) if record else {}


def find_checkpoint(path):
    """Resolves a `.keras` file or a run directory to one `.keras` file.

    A directory is searched, at its top level and then in ``checkpoints/``,
    for `CHECKPOINT_NAMES` in order; failing those it must hold exactly one
    ``*.keras`` file (top level or ``checkpoints/``).

    Raises:
        RunDirError: no such path, or no unambiguous checkpoint in it.
    """
    path = pathlib.Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise RunDirError(f"{path} does not exist")
    for folder in (path, path / "checkpoints"):
        for name in CHECKPOINT_NAMES:
            if (folder / name).is_file():
                return folder / name
    found = sorted(path.glob("*.keras")) + sorted(
        path.glob("checkpoints/*.keras"))
    if len(found) == 1:
        return found[0]
    raise RunDirError(
        f"expected one of {', '.join(CHECKPOINT_NAMES)} or a single *.keras "
        f"file in the run directory {path}, found "
        f"{[str(p.relative_to(path)) for p in found] or 'no .keras file'}")


def check_checkpoint(path):
    """Refuses a truncated or corrupted `.keras` file without loading it.

    A `.keras` file is a zip archive: its central directory and every
    member's CRC are checked (a few MB read), which catches a truncated or
    overwritten file in a fraction of a second and without TensorFlow.

    Raises:
        RunDirError: "<path> is damaged (...)".
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as error:
        raise RunDirError(f"{path} is damaged ({type(error).__name__}: "
                          f"{error})") from None
    if bad is not None or not {"config.json", "model.weights.h5"} <= names:
        raise RunDirError(f"{path} is damaged (member "
                          f"{bad or 'config.json/model.weights.h5'} is "
                          f"corrupt or missing)")


def load_checkpoint(path, compile=True):
    """Loads a keras_gan model from a `.keras` file.

    Args:
        path: The `.keras` file (see `find_checkpoint` for run dirs).
        compile: Restore the optimizers too (True for resuming).

    Raises:
        RunDirError: "<path> could not be loaded (<error>)".
    """
    import keras

    import keras_gan.models  # noqa: F401 - registers the model classes

    try:
        return keras.saving.load_model(path, compile=compile)
    except Exception as error:  # noqa: BLE001 - Keras raises many types
        text = " ".join(str(error).split())[:200]
        raise RunDirError(f"{path} could not be loaded "
                          f"({type(error).__name__}: {text})") from None


def read_log(path, epochs):
    """Rows of the first `epochs` epochs of a run's ``log.csv``.

    Args:
        path: The log file, or the run directory holding it.
        epochs: Epochs completed (rows of later epochs, written before a
            kill and after the last checkpoint, are dropped; so are
            unparsable rows).

    Returns:
        List of dicts with ``epoch`` (int, from 0) and float metrics, sorted
        by epoch.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        path = path / LOG
    if not path.exists():
        return []
    rows = []
    for record in csv.DictReader(io.StringIO(path.read_text())):
        try:
            row = {k: float(v) for k, v in record.items()
                   if k != "epoch" and v not in ("", None)}
            epoch = int(record["epoch"])
        except (TypeError, ValueError, KeyError):
            continue
        if epoch < epochs:
            rows.append({"epoch": epoch, **row})
    return sorted(rows, key=lambda row: row["epoch"])
