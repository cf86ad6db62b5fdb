"""Data: MNIST, Fashion-MNIST, user `.npz`, 2-D toys, Stacked MNIST.

Conventions shared with `keras_gan.networks` and `keras_gan.export`: images are
NHWC; loaders return them as stored (uint8 0..255 or float in [0, 1]) and
`to_unit_float` / `make_dataset` turn them into float32 in [0, 1], the range
every image generator outputs. 2-D toy samples are float32 points, unbounded.

Offline behaviour: `load_images("mnist")` uses Keras' cached `mnist.npz` or
downloads it; without a network it falls back, with one warning line, to the
5,000 genuine MNIST digits bundled in `keras_gan/data/mnist_sample.npz`. A
download is only attempted after a 3-second connectivity probe succeeds, so an
offline machine never waits on a hanging socket.

Example:
>>> from keras_gan import datasets
>>> x, y = datasets.load_images("mnist")          # (N, 28, 28, 1) uint8
>>> ds = datasets.make_dataset(x, batch_size=64, seed=0)
>>> points = datasets.sample_toy("ring", 1000, seed=0)   # (1000, 2) float32
"""

import gzip
import logging
import math
import os
import pathlib
import socket
import zipfile

import numpy as np

logger = logging.getLogger(__name__)

IMAGE_DATASETS = ("mnist", "fashion_mnist")
TOY_DATASETS = ("ring", "grid")

#: The bundled offline sample: x (5000, 28, 28, 1) uint8, y (5000,) uint8.
MNIST_SAMPLE = (pathlib.Path(__file__).resolve().parent / "data"
                / "mnist_sample.npz")

#: Where Debian's `dataset-fashion-mnist` package installs the idx files.
SYSTEM_FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")

_KERAS_HOST = ("storage.googleapis.com", 443)
_PROBE_TIMEOUT = 3.0
_DOWNLOAD_SOCKET_TIMEOUT = 30.0

#: Mixture centres of the 2-D toys, exactly as published: `ring` = 8
#: Gaussians at (cos 2 pi i / 8, sin 2 pi i / 8); `grid` = 25 Gaussians on
#: {-4, -2, 0, 2, 4}^2 (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al.
#: 2018).
TOY_CENTRES = {
    "ring": np.stack([np.cos(2 * np.pi * np.arange(8) / 8),
                      np.sin(2 * np.pi * np.arange(8) / 8)], axis=1),
    "grid": np.array([[i, j] for i in (-4.0, -2.0, 0.0, 2.0, 4.0)
                      for j in (-4.0, -2.0, 0.0, 2.0, 4.0)]),
}
#: Standard deviation of every mixture component, per toy.
TOY_STD = {"ring": 0.01, "grid": 0.05}

_IDX_TRAIN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")


# ---- 2-D toys ---------------------------------------------------------------

def sample_toy(name, n, seed=0):
    """Draws `n` points of a 2-D Gaussian-mixture toy (equal weights).

    Args:
        name: `"ring"` (8 modes, std 0.01) or `"grid"` (25 modes, std 0.05).
        n: Number of points (>= 1).
        seed: Seed of the NumPy generator (same seed, same points).

    Returns:
        float32 array of shape `(n, 2)`.

    Raises:
        ValueError: on an unknown name or a non-positive `n`.
    """
    if name not in TOY_CENTRES:
        raise ValueError(f"Expected a toy name in {sorted(TOY_CENTRES)}. "
                         f"Received: name={name!r}")
    n = _positive_int("n", n)
    rng = np.random.default_rng(seed)
    centres = TOY_CENTRES[name]
    modes = rng.integers(0, len(centres), n)
    points = centres[modes] + TOY_STD[name] * rng.standard_normal((n, 2))
    return points.astype(np.float32)


# ---- images -----------------------------------------------------------------

def to_unit_float(x):
    """Images as float32 in [0, 1]: uint8 is divided by 255, floats are cast.

    Args:
        x: uint8 array (0..255) or float array already in [0, 1].

    Returns:
        float32 array of the same shape.
    """
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float32) / np.float32(255.0)
    return x.astype(np.float32)


def load_images(name, data_dir=None, data_path=None):
    """Loads a training set of images.

    Exactly one source is used, in this order: `data_path` (a user `.npz`),
    `data_dir` (a folder of the standard idx files), then the named data set.

    Args:
        name: `"mnist"` or `"fashion_mnist"` (may be None with `data_path`).
        data_dir: Folder holding `train-images-idx3-ubyte[.gz]` and
            `train-labels-idx1-ubyte[.gz]` (MNIST or Fashion-MNIST layout).
        data_path: `.npz` file with key `x`, an NHWC array (uint8, or float
            in [0, 1]), and optionally `y`, one int label per image.

    Returns:
        `(x, y)`: x NHWC uint8 or float32, y int array or None. The named data
        sets return their 60,000 training images (or the 5,000-digit MNIST
        sample when offline).

    Raises:
        ValueError: unknown name; missing, unreadable or malformed files;
            Fashion-MNIST unavailable offline.
    """
    if data_path is not None:
        return load_npz(data_path)
    if name not in IMAGE_DATASETS:
        raise ValueError(f"Expected an image data set in "
                         f"{list(IMAGE_DATASETS)}. Received: name={name!r}")
    if data_dir is not None:
        return load_idx_dir(data_dir)
    if name == "mnist":
        return _load_mnist()
    return _load_fashion_mnist()


def _keras_cache_dir():
    base = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras")
    return pathlib.Path(base) / "datasets"


def network_available(host=_KERAS_HOST, timeout=_PROBE_TIMEOUT):
    """True if a TCP connection to `host` opens within `timeout` seconds."""
    try:
        with socket.create_connection(host, timeout=timeout):
            return True
    except OSError:
        return False


def _keras_download(load):
    # urllib has no timeout of its own: bound every socket operation so a
    # stalled transfer fails instead of hanging the run.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(_DOWNLOAD_SOCKET_TIMEOUT)
    try:
        (x, y), _ = load()
    finally:
        socket.setdefaulttimeout(previous)
    return x, y


def _load_mnist():
    cached = (_keras_cache_dir() / "mnist.npz").is_file()
    if cached or network_available():
        try:
            import keras  # only now: offline runs never import TensorFlow here

            x, y = _keras_download(keras.datasets.mnist.load_data)
            return x[..., None], y.astype(np.int64)
        except Exception as error:  # keras raises a bare Exception offline
            reason = f"{type(error).__name__}: {error}".splitlines()[0]
    else:
        reason = f"no connection to {_KERAS_HOST[0]}"
    logger.warning(
        "WARNING: full MNIST unavailable (%s); using the bundled "
        "5,000-digit MNIST sample. For all 60,000 digits run once online "
        "(Keras caches ~/.keras/datasets/mnist.npz) or copy mnist.npz there.",
        reason)
    return load_npz(MNIST_SAMPLE)


def _load_fashion_mnist():
    cache = _keras_cache_dir() / "fashion-mnist"
    if _find_idx(cache) is not None:
        return load_idx_dir(cache)
    if network_available():
        try:
            import keras

            x, y = _keras_download(keras.datasets.fashion_mnist.load_data)
            return x[..., None], y.astype(np.int64)
        except Exception:  # fall through to the system copy
            pass
    if _find_idx(SYSTEM_FASHION_MNIST) is not None:
        return load_idx_dir(SYSTEM_FASHION_MNIST)
    raise ValueError(
        "Expected Fashion-MNIST to be downloadable or present locally. "
        f"Received: no network and no idx files in {cache} or "
        f"{SYSTEM_FASHION_MNIST}; pass --data-dir DIR with "
        "train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz "
        "(e.g. `apt-get install dataset-fashion-mnist`)")


# ---- idx files --------------------------------------------------------------

def _find_idx(folder):
    folder = pathlib.Path(folder)
    found = []
    for stem in _IDX_TRAIN:
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.is_file():
                found.append(candidate)
                break
        else:
            return None
    return found


def read_idx(path):
    """Parses one idx file (optionally gzipped) of unsigned bytes.

    The format (LeCun's MNIST page): two zero bytes, type byte 0x08 (uint8),
    number of dimensions, each dimension as a big-endian uint32, then the data.

    Args:
        path: File path; names ending in `.gz` are decompressed.

    Returns:
        uint8 array of the stored shape.

    Raises:
        ValueError: unreadable file, bad magic number or size mismatch.
    """
    path = pathlib.Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"Expected a readable idx file. Received: {path} "
                         f"({type(error).__name__}: {error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(
            "Expected an idx file of unsigned bytes (magic 0x0000 08 nd). "
            f"Received: {path} starting with {raw[:4].hex() or 'nothing'}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"Expected an idx header with >= 1 dimension. "
                         f"Received: {path} with ndim={ndim}, "
                         f"{len(raw)} bytes")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big")
                  for i in range(ndim))
    if len(raw) - header != math.prod(shape):
        raise ValueError(
            f"Expected {math.prod(shape)} data bytes for shape {shape}. "
            f"Received: {len(raw) - header} in {path}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def load_idx_dir(data_dir):
    """Loads the training images and labels from a folder of idx files.

    Args:
        data_dir: Folder with `train-images-idx3-ubyte[.gz]` and
            `train-labels-idx1-ubyte[.gz]`.

    Returns:
        `(x, y)`: x uint8 `(N, H, W, 1)`, y int64 `(N,)`.

    Raises:
        ValueError: missing folder or files, malformed files, or images and
            labels that do not match.
    """
    data_dir = pathlib.Path(data_dir)
    if not data_dir.is_dir():
        raise ValueError(f"Expected --data-dir to be a folder. "
                         f"Received: {data_dir}")
    files = _find_idx(data_dir)
    if files is None:
        raise ValueError(
            f"Expected {_IDX_TRAIN[0]}.gz and {_IDX_TRAIN[1]}.gz in the data "
            f"folder. Received: {data_dir} containing "
            f"{sorted(p.name for p in data_dir.iterdir())[:6]}")
    x, y = read_idx(files[0]), read_idx(files[1])
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y) or len(x) == 0:
        raise ValueError(
            "Expected images (N, H, W) and labels (N,) with the same N >= 1. "
            f"Received: images {x.shape} from {files[0].name}, labels "
            f"{y.shape} from {files[1].name}")
    return x[..., None], y.astype(np.int64)


# ---- user .npz --------------------------------------------------------------

def load_npz(path):
    """Loads and validates a user `.npz` of images.

    Args:
        path: `.npz` file with key `x`: NHWC array with 1..4 channels, either
            integers in 0..255 (stored as uint8) or floats in [0, 1]; optional
            key `y`: one int label per image.

    Returns:
        `(x, y)`: x uint8 or float32 NHWC, y int64 or None.

    Raises:
        ValueError: unreadable file, missing `x`, wrong shape, dtype or range.
    """
    path = pathlib.Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if "x" not in data.files:
                raise ValueError(
                    f"Expected an .npz with key 'x' (NHWC images). Received: "
                    f"{path} with keys {sorted(data.files)}")
            x = data["x"]
            y = data["y"] if "y" in data.files else None
    except ValueError as error:
        if "Expected" in str(error):
            raise
        raise ValueError(f"Expected a readable .npz file. Received: {path} "
                         f"({error})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"Expected a readable .npz file. Received: {path} "
                         f"({type(error).__name__}: {error})") from None
    return _check_images(x, path), _check_labels(y, len(x), path)


def _check_images(x, source):
    if x.ndim != 4 or x.shape[0] < 1 or not 1 <= x.shape[-1] <= 4 or min(
            x.shape[1:3]) < 1:
        raise ValueError(
            "Expected images of shape (N, H, W, C) with N >= 1 and "
            "1 <= C <= 4. "
            f"Received: x of shape {x.shape} in {source}")
    if np.issubdtype(x.dtype, np.integer):
        if x.min() < 0 or x.max() > 255:
            raise ValueError(
                "Expected integer images in 0..255. Received: values in "
                f"[{x.min()}, {x.max()}] in {source}")
        return x.astype(np.uint8)
    if np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
        if not np.all(np.isfinite(x)) or x.min() < 0.0 or x.max() > 1.0:
            raise ValueError(
                "Expected float images in [0, 1] (finite). Received: values "
                f"in [{x.min()}, {x.max()}] in {source}")
        return x
    raise ValueError(f"Expected uint8 or float images. Received: dtype "
                     f"{x.dtype} in {source}")


def _check_labels(y, n, source):
    if y is None:
        return None
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"Expected integer labels y of shape ({n},). "
                         f"Received: y {y.dtype} {y.shape} in {source}")
    return y.astype(np.int64)


# ---- Stacked MNIST ----------------------------------------------------------

def stacked_mnist(x, y, n, seed=0):
    """Stacked MNIST (VEEGAN / PacGAN): three random digits as RGB channels.

    Args:
        x: MNIST images, uint8 `(N, 28, 28, 1)` or `(N, 28, 28)`.
        y: Their digit labels `(N,)` in 0..9.
        n: Number of stacked images to make.
        seed: Seed of the random digit choice.

    Returns:
        `(x3, labels)`: uint8 `(n, 28, 28, 3)` and int64 `(n,)` in 0..999 with
        ``label = 100 * d0 + 10 * d1 + d2`` (channel 0 carries d0).

    Raises:
        ValueError: on mismatched or missing labels, or a bad `n`.
    """
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or y is None or np.shape(y) != (len(x),) or len(x) == 0:
        raise ValueError(
            "Expected images (N, H, W[, 1]) and labels (N,) with the same N "
            f">= 1. Received: x {np.shape(x)}, "
            f"y {None if y is None else np.shape(y)}")
    n = _positive_int("n", n)
    y = np.asarray(y).astype(np.int64)
    index = np.random.default_rng(seed).integers(0, len(x), (n, 3))
    x3 = np.stack([x[index[:, c]] for c in range(3)], axis=-1)  # (n, H, W, 3)
    labels = 100 * y[index[:, 0]] + 10 * y[index[:, 1]] + y[index[:, 2]]
    return x3.astype(np.uint8), labels


# ---- tf.data ----------------------------------------------------------------

def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(f"Expected `{name}` to be an integer >= 1. "
                         f"Received: {name}={value!r}")
    return int(value)


def make_dataset(x, batch_size, seed=0, start_step=0, prefetch=True,
                 y=None):
    """An endless `tf.data` stream of shuffled batches, float32.

    Each pass over the data is a permutation drawn from ``(seed, pass)``
    with stateless ops, batched with ``drop_remainder=True``; passes repeat
    forever; the in-memory array is held once (a cached constant) and only
    indices are shuffled. Because the order is a pure function of the seed,
    ``start_step=k`` gives exactly the batches an uninterrupted stream yields
    from its k-th batch on: a resumed run sees the same data.

    Args:
        x: Images (uint8 or float in [0, 1], NHWC) or points `(N, D)` float.
            uint8 is converted to float32 in [0, 1] per batch.
        batch_size: Global batch size, <= len(x).
        seed: Shuffle seed.
        start_step: Number of batches to skip (resume).
        prefetch: Add `prefetch(AUTOTUNE)`.
        y: Optional labels, one non-negative int per example: the batches
            are then `(images, labels)` pairs, labels int32 `(batch_size,)`,
            in the same order as without labels (same seed, same images).

    Returns:
        `tf.data.Dataset` of float32 batches `(batch_size, ...)`, or of
        `(batch, labels)` pairs with `y`.

    Raises:
        ValueError: if `batch_size` is not in [1, len(x)], or `y` is not one
            non-negative int per example.
    """
    import tensorflow as tf

    x = np.asarray(x)
    batch_size = _positive_int("batch_size", batch_size)
    if batch_size > len(x):
        raise ValueError(f"Expected batch_size <= the number of examples "
                         f"({len(x)}). Received: batch_size={batch_size}")
    if start_step < 0:
        raise ValueError(f"Expected start_step >= 0. Received: {start_step}")
    n = len(x)
    if y is not None:
        y = np.asarray(y)
        if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or (
                n and y.min() < 0):
            raise ValueError(f"Expected labels `y`: one int >= 0 per example, "
                             f"shape ({n},). Received: y {y.dtype} {y.shape}")
        labels = tf.constant(y.astype(np.int32))
    per_pass = n // batch_size
    first_pass, skip = divmod(int(start_step), per_pass)
    table = tf.constant(x)
    is_uint8 = x.dtype == np.uint8
    seed = int(seed)

    def one_pass(pass_index):
        keys = tf.random.stateless_uniform(
            [n], seed=tf.stack([tf.constant(seed, tf.int64), pass_index]))
        order = tf.argsort(keys, stable=True)[:per_pass * batch_size]
        return tf.data.Dataset.from_tensor_slices(
            tf.reshape(order, [per_pass, batch_size]))

    def gather(indices):
        batch = tf.gather(table, indices)
        batch = (tf.cast(batch, tf.float32) / 255.0 if is_uint8
                 else tf.cast(batch, tf.float32))
        if y is not None:
            return batch, tf.gather(labels, indices)
        return batch

    ds = tf.data.Dataset.counter(first_pass, dtype=tf.int64).flat_map(one_pass)
    ds = ds.skip(skip).map(gather, num_parallel_calls=tf.data.AUTOTUNE,
                           deterministic=True)
    if prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds


# ---- two unpaired domains (CycleGAN) ----------------------------------------

#: The unpaired two-domain data sets made from data the project has.
TRANSLATION_DATASETS = ("mnist2inverted", "mnist2fashion")
#: What each domain is, per data set (A, B).
TRANSLATION_DOMAINS = {"mnist2inverted": ("mnist", "inverted mnist"),
                       "mnist2fashion": ("mnist", "fashion_mnist")}
#: Seed of the split of the bundled MNIST sample that the shipped MNIST
#: classifier was trained with (`keras_gan/data/mnist_classifier.json`):
#: rows :1000 of `default_rng(seed).permutation(5000)` are its test digits.
MNIST_SAMPLE_SPLIT_SEED = 20261122
MNIST_SAMPLE_TEST = 1000


def mnist_sample_split(seed=MNIST_SAMPLE_SPLIT_SEED):
    """The bundled MNIST sample split in two by a seeded permutation.

    Rows :`MNIST_SAMPLE_TEST` of ``default_rng(seed).permutation(5000)``
    are held out, the rest are for training. With the default seed this is
    the shipped MNIST classifier's split (`classifiers.mnist_held_out`),
    which the translation data sets keep too.

    Returns:
        `((x_train, y_train), (x_held_out, y_held_out))`: uint8
        `(N, 28, 28, 1)` images and int64 labels.
    """
    x, y = load_npz(MNIST_SAMPLE)
    order = np.random.default_rng(seed).permutation(len(x))
    test, train = order[:MNIST_SAMPLE_TEST], order[MNIST_SAMPLE_TEST:]
    return (x[train], y[train]), (x[test], y[test])
#: Images per training domain and held-out images per domain.
TRANSLATION_TRAIN = 2000
TRANSLATION_HELD_OUT = 1000
#: Seed of the Fashion-MNIST images drawn for mnist2fashion.
FASHION_DRAW_SEED = 13
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def pad_to(images, size=32):
    """Pads `(N, H, W, C)` images with zeros (black) to `size` x `size`.

    MNIST's 28 px become 32 px (2 px each side), a size the CycleGAN
    networks halve twice without remainders.
    """
    images = np.asarray(images)
    height, width = images.shape[1:3]
    if height > size or width > size:
        raise ValueError(f"Expected images of at most {size} px. Received: "
                         f"shape {images.shape}")
    top, left = (size - height) // 2, (size - width) // 2
    return np.pad(images, [(0, 0), (top, size - height - top),
                           (left, size - width - left), (0, 0)])


def invert(images):
    """Colour-inverted uint8 images: 255 - x (white background)."""
    return (255 - np.asarray(images, np.uint8)).astype(np.uint8)


def translation_domains(name):
    """The two unpaired domains of a named translation data set.

    * `mnist2inverted`: A = MNIST digits, B = colour-inverted MNIST digits
      (dark on white), both padded to 32 x 32.
    * `mnist2fashion`: A = MNIST digits, B = Fashion-MNIST items, 32 x 32.

    MNIST comes from the bundled 5,000-digit sample (always: its split is
    known). Its 1,000 digits that the shipped classifier never saw (rows
    :1000 of the classifier's seeded permutation) are the held-out set;
    the other 4,000 are cut into two disjoint halves, A's training digits
    (2,000) and B's (2,000, inverted for `mnist2inverted`), so no digit is
    seen in both domains and no (a, b) pair exists in training. The
    held-out B of `mnist2inverted` is the held-out A inverted: paired, for
    evaluation only. Fashion-MNIST B: 2,000 training and 1,000 held-out
    items, a seeded draw without overlap from its 60,000 training images.

    Args:
        name: One of `TRANSLATION_DATASETS`.

    Returns:
        A dict: `train_a`, `train_b` (uint8 `(2000, 32, 32, 1)`),
        `test_a`, `test_b` (uint8 `(1000, 32, 32, 1)`), `labels_a`,
        `labels_b` (int64 labels of the held-out images), `domains`
        (names of A and B), `source` (a description).

    Raises:
        ValueError: on an unknown name, or Fashion-MNIST missing offline.
    """
    if name not in TRANSLATION_DATASETS:
        raise ValueError(f"Expected a translation data set in "
                         f"{list(TRANSLATION_DATASETS)}. Received: "
                         f"name={name!r}")
    (x_train, _), (x_test, y_test) = mnist_sample_split()
    train, test = pad_to(x_train), pad_to(x_test)
    out = {"train_a": train[:TRANSLATION_TRAIN], "test_a": test,
           "labels_a": y_test, "domains": TRANSLATION_DOMAINS[name]}
    if name == "mnist2inverted":
        out.update(train_b=invert(train[TRANSLATION_TRAIN:]),
                   test_b=invert(test), labels_b=y_test,
                   source="bundled MNIST sample: 2,000 digits | 2,000 other "
                          "digits inverted")
        return out
    fx, fy = _load_fashion_mnist()
    pick = np.random.default_rng(FASHION_DRAW_SEED).permutation(len(fx))[
        :TRANSLATION_TRAIN + TRANSLATION_HELD_OUT]
    items = pad_to(fx[pick])
    out.update(train_b=items[:TRANSLATION_TRAIN],
               test_b=items[TRANSLATION_TRAIN:],
               labels_b=fy[pick[TRANSLATION_TRAIN:]].astype(np.int64),
               source="bundled MNIST sample: 2,000 digits | 2,000 "
                      "Fashion-MNIST items")
    return out


def load_image_folder(folder):
    """Loads every image file of a folder (not recursive) as uint8 NHWC.

    Files ending in .png, .jpg, .jpeg, .bmp or .gif, in name order. All
    must have one size; grey-scale images give C = 1, anything else
    (colour, palette, alpha) is converted to RGB, C = 3 (a folder mixing
    both is read as RGB).

    Args:
        folder: Path of the folder.

    Returns:
        uint8 array `(N, H, W, C)`.

    Raises:
        ValueError: not a folder, no image files, unreadable files, or
            images of different sizes.
    """
    from PIL import Image, UnidentifiedImageError

    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Expected a folder of images. Received: {folder}")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(
            f"Expected image files ({', '.join(IMAGE_SUFFIXES)}) in the "
            f"folder. Received: {folder} with none")
    images = []
    for path in files:
        try:
            with Image.open(path) as image:
                image.load()
                images.append(image.copy())
        except (OSError, UnidentifiedImageError) as error:
            raise ValueError(f"Expected readable images. Received: {path} "
                             f"({type(error).__name__}: {error})") from None
    sizes = sorted({image.size for image in images})
    if len(sizes) != 1:
        raise ValueError(
            f"Expected images of one size in {folder}. Received sizes "
            f"(width, height) {sizes[:4]}")
    grey = all(image.mode in ("1", "L", "LA", "I", "I;16") for image in images)
    arrays = [np.asarray(image.convert("L" if grey else "RGB"), np.uint8)
              for image in images]
    x = np.stack(arrays)
    return x[..., None] if grey else x


def load_domain(path):
    """One user domain: an `.npz` (key `x`) or a folder of images.

    Returns:
        uint8 or float32 `(N, H, W, C)` images (labels are ignored).

    Raises:
        ValueError: as `load_npz` / `load_image_folder`.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        return load_image_folder(path)
    if not path.exists():
        raise ValueError(f"Expected an .npz file or a folder of images. "
                         f"Received: {path} does not exist")
    return load_npz(path)[0]


def load_translation_pair(path_a, path_b):
    """Two user domains that a CycleGAN can translate between.

    Args:
        path_a: Domain A: `.npz` (key `x`) or a folder of images.
        path_b: Domain B, likewise.

    Returns:
        `(x_a, x_b)` NHWC arrays (uint8 or float32 in [0, 1]).

    Raises:
        ValueError: unreadable or empty domains, or domains whose images
            differ in shape (H, W, C).
    """
    x_a, x_b = load_domain(path_a), load_domain(path_b)
    if x_a.shape[1:] != x_b.shape[1:]:
        raise ValueError(
            f"Expected both domains to hold images of one shape (H, W, C). "
            f"Received: {path_a} {tuple(x_a.shape[1:])}, {path_b} "
            f"{tuple(x_b.shape[1:])}")
    return x_a, x_b
