"""keras_gan.datasets: toys, idx parser, npz checks, Stacked MNIST, tf.data."""

import gzip
import logging
import struct

import numpy as np
import pytest

from keras_gan import datasets


def write_idx(path, array, compress=True):
    array = np.asarray(array, np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        struct.pack(">I", d) for d in array.shape)
    opener = gzip.open if compress else open
    with opener(path, "wb") as handle:
        handle.write(header + array.tobytes())


def test_toy_centres_and_std_are_the_published_ones():
    angles = 2 * np.pi * np.arange(8) / 8
    np.testing.assert_allclose(datasets.TOY_CENTRES["ring"],
                               np.c_[np.cos(angles), np.sin(angles)])
    np.testing.assert_allclose(datasets.TOY_CENTRES["ring"][2], [0.0, 1.0],
                               atol=1e-15)
    grid = datasets.TOY_CENTRES["grid"]
    assert grid.shape == (25, 2)
    assert sorted(map(tuple, grid)) == [(i, j) for i in (-4, -2, 0, 2, 4)
                                        for j in (-4, -2, 0, 2, 4)]
    assert datasets.TOY_STD == {"ring": 0.01, "grid": 0.05}


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_sample_toy_is_the_mixture(name):
    points = datasets.sample_toy(name, 20000, seed=3)
    assert points.dtype == np.float32 and points.shape == (20000, 2)
    centres = datasets.TOY_CENTRES[name]
    distance = np.linalg.norm(points[:, None] - centres, axis=2)
    nearest = distance.argmin(1)
    offsets = points - centres[nearest]
    # Per-axis std of the offsets is the component std (20,000 draws: 2%).
    np.testing.assert_allclose(offsets.std(0), [datasets.TOY_STD[name]] * 2,
                               rtol=0.03)
    np.testing.assert_allclose(np.bincount(nearest) / 20000,
                               np.full(len(centres), 1 / len(centres)),
                               atol=0.02)
    np.testing.assert_array_equal(points, datasets.sample_toy(name, 20000, 3))
    with pytest.raises(ValueError, match="Expected a toy name"):
        datasets.sample_toy("spiral", 10)


def test_idx_parser_on_hand_made_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5, 9, 2], np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    x, y = datasets.load_images("fashion_mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(x, images[..., None])
    np.testing.assert_array_equal(y, labels)
    assert x.dtype == np.uint8 and y.dtype == np.int64
    # Uncompressed files work too.
    write_idx(tmp_path / "raw", images, compress=False)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "raw"), images)


@pytest.mark.parametrize("corrupt, match", [
    (lambda p: p.write_bytes(b"not gzip at all"), "readable idx"),
    (lambda p: p.write_bytes(
        gzip.compress(b"\x00\x00\x0d\x01" + b"\x00" * 8)), "magic"),
    (lambda p: p.write_bytes(gzip.compress(
        b"\x00\x00\x08\x01" + struct.pack(">I", 9) + b"\x01\x02")), "9 data"),
])
def test_idx_parser_rejects_malformed_files(tmp_path, corrupt, match):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((2, 3, 3)))
    corrupt(tmp_path / "train-labels-idx1-ubyte.gz")
    with pytest.raises(ValueError, match=match):
        datasets.load_images("mnist", data_dir=tmp_path)


def test_idx_dir_errors(tmp_path):
    with pytest.raises(ValueError, match="to be a folder"):
        datasets.load_images("mnist", data_dir=tmp_path / "missing")
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz"):
        datasets.load_images("mnist", data_dir=tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((2, 3, 3)))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(3))
    with pytest.raises(ValueError, match="same N"):
        datasets.load_images("mnist", data_dir=tmp_path)


def test_npz_validation(tmp_path):
    good = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3).astype(np.int32)
    np.savez(tmp_path / "ok.npz", x=good, y=np.array([1, 2]))
    x, y = datasets.load_images(None, data_path=tmp_path / "ok.npz")
    assert x.dtype == np.uint8
    np.testing.assert_array_equal(x, good)
    np.testing.assert_array_equal(y, [1, 2])
    np.savez(tmp_path / "f.npz", x=np.full((3, 2, 2, 1), 0.5))
    x, y = datasets.load_npz(tmp_path / "f.npz")
    assert x.dtype == np.float32 and y is None
    np.testing.assert_allclose(x, 0.5)
    cases = {
        "shape.npz": ({"x": np.zeros((5, 28, 28))}, "of shape"),
        "range.npz": ({"x": np.full((1, 2, 2, 1), 2.0)}, r"in \[0, 1\]"),
        "nan.npz": ({"x": np.full((1, 2, 2, 1), np.nan)}, "finite"),
        "int.npz": ({"x": np.full((1, 2, 2, 1), 300)}, "0..255"),
        "key.npz": ({"images": np.zeros((1, 2, 2, 1))}, "key 'x'"),
        "labels.npz": ({"x": np.zeros((2, 2, 2, 1)), "y": np.zeros(3)},
                       "labels"),
    }
    for name, (arrays, match) in cases.items():
        np.savez(tmp_path / name, **arrays)
        with pytest.raises(ValueError, match=match):
            datasets.load_npz(tmp_path / name)
    (tmp_path / "junk.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="readable .npz"):
        datasets.load_npz(tmp_path / "junk.npz")
    with pytest.raises(ValueError, match="readable .npz"):
        datasets.load_npz(tmp_path / "absent.npz")


def test_mnist_offline_falls_back_to_bundled_sample(monkeypatch, tmp_path,
                                                     caplog):
    # An empty Keras cache and a failing probe: the offline path, for real.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(datasets, "network_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="keras_gan.datasets"):
        x, y = datasets.load_images("mnist")
    assert x.shape == (5000, 28, 28, 1) and x.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y, minlength=10).sum(), 5000)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    message = caplog.records[0].getMessage()
    assert "\n" not in message and "mnist.npz" in message
    assert datasets.to_unit_float(x).max() == 1.0


def test_fashion_mnist_offline_without_files_is_a_clear_error(monkeypatch,
                                                               tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(datasets, "network_available", lambda: False)
    monkeypatch.setattr(datasets, "SYSTEM_FASHION_MNIST", tmp_path / "none")
    with pytest.raises(ValueError, match="--data-dir"):
        datasets.load_images("fashion_mnist")


def test_stacked_mnist_labels():
    x = np.stack([np.full((28, 28, 1), d * 10, np.uint8) for d in range(10)])
    y = np.arange(10)
    x3, labels = datasets.stacked_mnist(x, y, 500, seed=1)
    assert x3.shape == (500, 28, 28, 3) and x3.dtype == np.uint8
    digits = x3[:, 0, 0, :].astype(int) // 10  # each channel encodes its digit
    np.testing.assert_array_equal(
        labels, 100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2])
    assert labels.min() >= 0 and labels.max() <= 999
    assert len(np.unique(labels)) > 350  # 500 draws of 1,000 modes
    with pytest.raises(ValueError, match="labels"):
        datasets.stacked_mnist(x, None, 5)


def test_make_dataset_order_is_a_function_of_seed_and_resumable():
    x = np.arange(10 * 2 * 2, dtype=np.uint8).reshape(10, 2, 2, 1)
    stream = [b.numpy() for b in datasets.make_dataset(x, 3, seed=5).take(9)]
    assert all(b.shape == (3, 2, 2, 1) and b.dtype == np.float32
               for b in stream)
    # drop_remainder: 3 batches per pass, each pass a permutation (no repeats).
    for p in range(3):
        firsts = np.concatenate(stream[3 * p:3 * p + 3])[:, 0, 0, 0] * 255
        ids = np.rint(firsts).astype(int) // 4
        assert len(set(ids)) == 9 and set(ids) <= set(range(10))
    assert not np.array_equal(stream[0], stream[3])  # reshuffled per pass
    resumed = [b.numpy() for b in
               datasets.make_dataset(x, 3, seed=5, start_step=4).take(5)]
    for a, b in zip(stream[4:], resumed):
        np.testing.assert_array_equal(a, b)
    other = [b.numpy() for b in datasets.make_dataset(x, 3, seed=6).take(3)]
    assert not all(np.array_equal(a, b) for a, b in zip(stream, other))
    with pytest.raises(ValueError, match="batch_size <= "):
        datasets.make_dataset(x, 11, seed=0)
