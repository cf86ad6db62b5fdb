"""Trains the small CNN classifiers used for classifier FID / IS (offline).

Writes `keras_gan/data/<dataset>_classifier.keras` and a JSON next to it
(test accuracy, the exact data used with SHA-256 of the source files, the
seed, epochs, wall time). Everything runs offline:

* MNIST: full MNIST cannot be downloaded on the build machine, so the
  classifier is trained on the 5,000 genuine MNIST digits bundled in
  `keras_gan/data/mnist_sample.npz`: a seeded split into 4,000 for training
  (with random +-2 pixel shifts as augmentation) and 1,000 held out for test.
* Fashion-MNIST: the standard idx files (60,000 train / 10,000 test) from
  `--fashion-dir` (default /usr/share/datasets/fashion-mnist).

    python scripts/train_classifiers.py            # both
    python scripts/train_classifiers.py --only mnist
"""

import argparse
import gzip
import hashlib
import json
import os
import pathlib
import platform
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan import classifiers, datasets  # noqa: E402

SEED = datasets.MNIST_SAMPLE_SPLIT_SEED
MNIST_TEST = datasets.MNIST_SAMPLE_TEST
FASHION_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def read_idx(path):
    """Reads a gzipped idx file (the MNIST distribution format)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
                  for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(seed):
    path = datasets.MNIST_SAMPLE
    with np.load(path) as data:
        source = str(data["source"])
    (x_train, y_train), (x_test, y_test) = datasets.mnist_sample_split(seed)
    provenance = {
        "file": "keras_gan/data/mnist_sample.npz",
        "file_sha256": sha256(path),
        "origin": source,
        "train": f"{len(x_train)} of the 5,000 bundled genuine MNIST digits "
                 f"(seeded permutation, seed {seed}, rows {MNIST_TEST}:)",
        "test": f"the other {len(x_test)} bundled digits (rows :{MNIST_TEST} "
                "of the same permutation), never seen in training",
        "augmentation": "random integer shifts of up to 2 pixels",
        "limits": "full MNIST (60k) is not available offline; 4,000 training "
                  "digits give a weaker feature extractor than a full-MNIST "
                  "LeNet, and the 1,000-digit test set bounds the accuracy "
                  "estimate to about +-0.5% (1 s.e.)",
    }
    return (x_train, y_train), (x_test, y_test), provenance, True


def load_fashion(directory):
    directory = pathlib.Path(directory)
    files = {
        "x_train": "train-images-idx3-ubyte.gz",
        "y_train": "train-labels-idx1-ubyte.gz",
        "x_test": "t10k-images-idx3-ubyte.gz",
        "y_test": "t10k-labels-idx1-ubyte.gz",
    }
    arrays = {key: read_idx(directory / name) for key, name in files.items()}
    provenance = {
        "directory": str(directory),
        "files_sha256": {name: sha256(directory / name)
                         for name in files.values()},
        "train": "the 60,000 Fashion-MNIST training images",
        "test": "the 10,000 Fashion-MNIST test images",
        "augmentation": "none",
    }
    return ((arrays["x_train"][..., None], arrays["y_train"].astype("int64")),
            (arrays["x_test"][..., None], arrays["y_test"].astype("int64")),
            provenance, False)


def shifted(x, rng, max_shift=2):
    """Random integer translations (zero fill) of a uint8 batch (B, H, W, C)."""
    out = np.zeros_like(x)
    height, width = x.shape[1:3]
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=(2, len(x)))
    for i in range(len(x)):
        ys, yd = (slice(0, height - dy[i]), slice(dy[i], height)) \
            if dy[i] >= 0 else (slice(-dy[i], height), slice(0, height + dy[i]))
        xs, xd = (slice(0, width - dx[i]), slice(dx[i], width)) \
            if dx[i] >= 0 else (slice(-dx[i], width), slice(0, width + dx[i]))
        out[i, yd, xd] = x[i, ys, xs]
    return out


def train_one(dataset, train, test, augment, epochs, seed, batch_size=128):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    (x_train, y_train), (x_test, y_test) = train, test
    model = classifiers.build_classifier(name=f"{dataset}_classifier")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    x_test_f = x_test.astype("float32") / 255.0
    start, cpu_start = time.time(), time.process_time()
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        x_epoch = x_train[order]
        if augment:
            x_epoch = shifted(x_epoch, rng)
        history = model.fit(x_epoch.astype("float32") / 255.0,
                            y_train[order], batch_size=batch_size, epochs=1,
                            shuffle=False, verbose=0)
        _, accuracy = model.evaluate(x_test_f, y_test, verbose=0)
        print(f"{dataset} epoch {epoch + 1}/{epochs}: train loss "
              f"{history.history['loss'][0]:.4f}, test accuracy "
              f"{accuracy:.4f}", flush=True)
    wall, cpu = time.time() - start, time.process_time() - cpu_start
    return model, float(accuracy), wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=classifiers.DATASETS)
    parser.add_argument("--fashion-dir", default=str(FASHION_DIR))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--mnist-epochs", type=int, default=30)
    parser.add_argument("--fashion-epochs", type=int, default=8)
    parser.add_argument("--out-dir", type=pathlib.Path,
                        default=classifiers.DATA_DIR)
    args = parser.parse_args()
    tf.config.experimental.enable_op_determinism()
    jobs = {
        "mnist": (lambda: load_mnist(args.seed), args.mnist_epochs),
        "fashion_mnist": (lambda: load_fashion(args.fashion_dir),
                          args.fashion_epochs),
    }
    for dataset, (load, epochs) in jobs.items():
        if args.only and dataset != args.only:
            continue
        train, test, provenance, augment = load()
        model, accuracy, wall, cpu = train_one(
            dataset, train, test, augment, epochs, args.seed)
        path = args.out_dir / f"{dataset}_classifier.keras"
        # Ship an uncompiled copy: no optimizer state, a third of the bytes.
        shipped = classifiers.build_classifier(name=model.name)
        shipped.set_weights(model.get_weights())
        shipped.save(path)
        record = {
            "dataset": dataset,
            "test_accuracy": round(accuracy, 4),
            "num_train": int(len(train[0])),
            "num_test": int(len(test[0])),
            "data": provenance,
            "seed": args.seed,
            "epochs": epochs,
            "optimizer": "Adam(1e-3), batch 128, cross-entropy",
            "architecture": "Conv32-3 > MaxPool > Conv64-3 > MaxPool > "
                            "Dropout0.3 > Dense128 'features' > Dense10 "
                            "'logits'",
            "parameters": int(model.count_params()),
            "weights_file_bytes": path.stat().st_size,
            "train_wall_seconds": round(wall, 1),
            "train_cpu_seconds": round(cpu, 1),
            "versions": {"tensorflow": tf.__version__,
                         "keras": keras.__version__,
                         "python": platform.python_version()},
            "script": "scripts/train_classifiers.py",
        }
        path.with_suffix(".json").write_text(json.dumps(record, indent=2)
                                             + "\n")
        print(f"wrote {path} ({record['weights_file_bytes']} bytes), "
              f"test accuracy {accuracy:.4f}", flush=True)


if __name__ == "__main__":
    main()
