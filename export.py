#!/usr/bin/env python
"""Export a finished keras_gan run's generator for TensorFlow Serving.

    python export.py runs/wgan/final.keras --name wgan
    python export.py runs/wgan            # a run directory works too

writes saved_models/<name>/<next version>/ (see keras_gan/export.py and the
README's "Serving with TensorFlow Serving"). Exit status 2 on bad input.
"""

import sys

from keras_gan.export import main

if __name__ == "__main__":
    sys.exit(main())
