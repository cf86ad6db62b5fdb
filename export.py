#!/usr/bin/env python
"""Export a finished keras_gan run's generator for TensorFlow Serving.

    python export.py runs/wgan-mnist --name wgan    # a training run dir
    python export.py runs/wgan-mnist/checkpoint.keras --name wgan

writes saved_models/<name>/<next version>/ (see keras_gan/export.py and the
README's "Serving with TensorFlow Serving"). Exit status 2 on bad input.
"""

import sys

from keras_gan.export import main

if __name__ == "__main__":
    sys.exit(main())
