"""`python -m keras_gan ...`: the same command line as `train.py`."""

import sys

from keras_gan.training import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m keras_gan"))
