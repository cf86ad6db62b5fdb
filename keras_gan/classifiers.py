"""The small CNN classifiers behind classifier FID / IS and Stacked MNIST.

The weights are trained by `scripts/train_classifiers.py` (seeded, offline)
and shipped in `keras_gan/data/<dataset>_classifier.keras`, with a JSON next
to each recording the data used, the seed and the test accuracy.

The network: ``Conv(32, 3) -> MaxPool -> Conv(64, 3) -> MaxPool -> Flatten ->
Dropout -> Dense(128, ReLU) ["features"] -> Dense(10) ["logits"]``. FID uses
the 128-d penultimate activations; IS and the Stacked MNIST labeller use the
softmax of the logits. Inputs are `(B, 28, 28, 1)` float32 in [0, 1], the
package's image convention.
"""

import functools
import json
import pathlib

import keras

from keras_gan._checks import check_choice

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
DATASETS = ("mnist", "fashion_mnist")
FEATURES_LAYER = "features"
LOGITS_LAYER = "logits"


def build_classifier(input_shape=(28, 28, 1), num_classes=10,
                     name="classifier"):
    """Builds the (untrained) classifier.

    Args:
        input_shape: `(H, W, C)` of one image.
        num_classes: Number of classes.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping images in [0, 1] to logits
        `(B, num_classes)`, with a layer named ``"features"`` (the 128-d
        penultimate activations).
    """
    layers = keras.layers
    x_in = keras.Input(input_shape, name="images")
    x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(x_in)
    x = layers.MaxPooling2D(name="pool_1")(x)        # (B, 13, 13, 32)
    x = layers.Conv2D(64, 3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(name="pool_2")(x)        # (B, 5, 5, 64)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(128, activation="relu", name=FEATURES_LAYER)(x)
    logits = layers.Dense(num_classes, name=LOGITS_LAYER)(x)
    return keras.Model(x_in, logits, name=name)


def mnist_held_out():
    """The 1,000 bundled MNIST digits the shipped classifier never saw.

    Returns:
        `(x, y)`: uint8 `(1000, 28, 28, 1)` images and int64 labels
        (`datasets.mnist_sample_split` with the classifier's recorded seed).
    """
    from keras_gan import datasets

    return datasets.mnist_sample_split(info("mnist")["seed"])[1]


def weights_path(dataset):
    """Path of the shipped `.keras` classifier for `dataset`."""
    check_choice("dataset", dataset, set(DATASETS))
    return DATA_DIR / f"{dataset}_classifier.keras"


def info(dataset):
    """The JSON record (data, seed, test accuracy) of a shipped classifier."""
    path = weights_path(dataset).with_suffix(".json")
    return json.loads(path.read_text())


@functools.lru_cache(maxsize=None)
def load_classifier(dataset):
    """Loads the shipped classifier as a features-and-logits model.

    Args:
        dataset: `"mnist"` or `"fashion_mnist"`.

    Returns:
        A `keras.Model` mapping `(B, 28, 28, 1)` images in [0, 1] to
        `[features (B, 128), logits (B, 10)]`.

    Raises:
        ValueError: for an unknown dataset.
        FileNotFoundError: if the weights were not built (run
            `scripts/train_classifiers.py`).
    """
    path = weights_path(dataset)
    if not path.exists():
        raise FileNotFoundError(
            f"Expected the shipped classifier at {path}. It is missing; "
            "build it with `python scripts/train_classifiers.py`.")
    model = keras.saving.load_model(path, compile=False)
    return keras.Model(
        model.input,
        [model.get_layer(FEATURES_LAYER).output,
         model.get_layer(LOGITS_LAYER).output],
        name=f"{dataset}_features_and_logits")
