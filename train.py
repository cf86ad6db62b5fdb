"""Train a GAN from the command line: `python train.py --model wgan`.

Thin wrapper: flags -> `keras_gan.training.TrainConfig` -> `training.run`.
`python train.py --help` lists every flag with the papers' defaults.
"""

import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _import_main():
    # TensorFlow's C++ start-up banner (oneDNN, CUDA probes) ignores
    # TF_CPP_MIN_LOG_LEVEL; keep it off stderr so a bad flag gives exactly
    # one line there. Replayed if the import fails, so nothing is hidden.
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as banner:
        os.dup2(banner.fileno(), 2)
        try:
            from keras_gan.training import main
        except BaseException:
            os.dup2(saved, 2)
            banner.seek(0)
            sys.stderr.buffer.write(banner.read())
            sys.stderr.flush()
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return main


if __name__ == "__main__":
    sys.exit(_import_main()(prog="train.py"))
