"""Atomic file writes: the one helper every writer of the package uses.

A file is written under a hidden temporary name in its own folder, flushed to
disk and renamed into place with `os.replace`, so a reader (or a run resumed
after `kill -9` or a full disk) only ever sees the old complete file or the
new complete one. The temporary name keeps the final suffix
(``.checkpoint.keras.tmp-<pid>.keras``) because some writers choose the
format by it (Keras' `.keras` saving). `remove_temporaries` deletes what a
killed writer left behind.

This module imports nothing of the package: it is the bottom of the house.
"""

import os
import pathlib

TMP_MARK = ".tmp-"


def temporary_name(path):
    """The temporary path `atomic_write` writes before renaming to `path`."""
    path = pathlib.Path(path)
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}{path.suffix}")


def atomic_write(path, write):
    """Calls `write(tmp_path)`, flushes the file, renames it to `path`.

    Args:
        path: Final file path (its folder must exist).
        write: Function writing a complete file at the path it is given.

    Returns:
        `pathlib.Path` of the written file.

    Raises:
        Whatever `write` or the file system raises (e.g. `OSError` with
        `errno.ENOSPC` on a full disk, its `filename` set to `path`);
        `path` is then untouched and the temporary file is removed.
    """
    path = pathlib.Path(path)
    tmp = temporary_name(path)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        if error.filename in (str(tmp), tmp):  # name the file meant
            error.filename = str(path)
        raise
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path, text):
    """`atomic_write` of a text file (UTF-8)."""
    return atomic_write(
        path, lambda tmp: pathlib.Path(tmp).write_text(text, "utf-8"))


def remove_temporaries(folder):
    """Deletes temporaries that a killed `atomic_write` left below `folder`.

    Returns:
        The number of files removed.
    """
    removed = 0
    for stale in pathlib.Path(folder).rglob(f".*{TMP_MARK}*"):
        if stale.is_file():
            stale.unlink()
            removed += 1
    return removed
