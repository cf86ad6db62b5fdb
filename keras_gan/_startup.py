"""TensorFlow's start-up, without the lines that read as failures.

On a machine without a GPU, TensorFlow's C++ runtime prints
``E0000 ... cuda_platform.cc:52] failed call to cuInit: ...`` when it first
looks for devices, and informational banners (oneDNN, CPU features, the
absl logging notice) at import. They go straight to file descriptor 2 and
ignore `TF_CPP_MIN_LOG_LEVEL` in part, so a user's first screen opens with
an error-looking line although nothing is wrong. `import_tensorflow` runs the
import and the first device query with descriptor 2 captured, drops exactly
those known start-up lines and writes every other captured line back to
stderr, so a real problem (a broken CUDA install that fails differently, a
failing import) is still shown.

This module imports nothing of the package (it runs before the rest of it).
"""

import os
import re
import sys
import tempfile

#: Start-up lines that are not problems on a working installation.
_BENIGN = re.compile(
    r"failed call to cuInit|Could not find cuda drivers|"
    r"oneDNN custom operations are on|cpu_feature_guard|"
    r"To enable the following instructions|rebuild TensorFlow with the "
    r"appropriate compiler flags|All log messages before absl::InitializeLog|"
    r"Unable to register cu(DNN|FFT|BLAS) factory|"
    r"computation placer already registered|TF-TRT Warning")


def benign(line):
    """Whether `line` is one of TensorFlow's harmless start-up messages."""
    return bool(_BENIGN.search(line))


def import_tensorflow():
    """Imports TensorFlow and lists its devices with the benign lines dropped.

    Returns:
        The `tensorflow` module.
    """
    if "tensorflow" in sys.modules and getattr(import_tensorflow, "_done",
                                               False):
        return sys.modules["tensorflow"]
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):   # no usable descriptor 2: nothing to hide
        import tensorflow as tf

        return tf
    captured = tempfile.TemporaryFile()
    try:
        os.dup2(captured.fileno(), 2)
        import tensorflow as tf

        tf.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", "replace")
        captured.close()
        kept = [line for line in text.splitlines() if line.strip()
                and not benign(line)]
        if kept:
            sys.stderr.write("\n".join(kept) + "\n")
            sys.stderr.flush()
    import_tensorflow._done = True
    return tf
