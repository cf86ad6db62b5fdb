"""Train a GAN from the command line: `python train.py --model wgan`.

Thin wrapper: flags -> `keras_gan.training.TrainConfig` -> `training.run`.
`python train.py --help` lists every flag and the measured presets.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_gan.training import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="train.py"))
