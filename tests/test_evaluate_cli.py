"""End-to-end tests of `evaluate.py` on tiny exported generators."""

import json
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import datasets, evaluation
from keras_gan.export import export_generator

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # evaluate.py is a top-level script
import evaluate  # noqa: E402


def _ring_generator(latent_dim=8):
    """z -> the ring centre indexed by argmax(z): every sample on a mode."""
    centres = keras.ops.convert_to_tensor(
        datasets.TOY_CENTRES["ring"].astype("float32"))
    z = keras.Input((latent_dim,), name="z")
    x = keras.layers.Lambda(
        lambda z: keras.ops.take(centres, keras.ops.argmax(z, axis=1),
                                 axis=0), output_shape=(2,))(z)
    return keras.Model(z, x, name="ring_generator")


def _image_generator(latent_dim=4):
    z = keras.Input((latent_dim,), name="z")
    x = keras.layers.Dense(28 * 28, activation="sigmoid")(z)
    return keras.Model(z, keras.layers.Reshape((28, 28, 1))(x))


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    base = tmp_path_factory.mktemp("exports")
    ring = export_generator(_ring_generator(), base, "ring", version=1)
    images = export_generator(_image_generator(), base, "images", version=1)
    return pathlib.Path(ring), pathlib.Path(images), base


def test_ring_export_scores_exactly(exports, tmp_path, capsys):
    ring, _, base = exports
    out = tmp_path / "ring.json"
    # The model folder (not the version): the newest version is used.
    status = evaluate.main([str(base / "ring"), "--dataset", "ring",
                            "--seed", "3", "--out", str(out)])
    assert status == 0
    result = json.loads(out.read_text())
    z = np.random.default_rng(3).standard_normal((2500, 8))
    counts = np.bincount(np.argmax(z, axis=1), minlength=8)
    assert result["modes"] == 8 and result["counts"] == counts.tolist()
    np.testing.assert_allclose(result["high_quality"], 1.0)
    expected_kl = np.sum(counts / 2500 * np.log(8 * counts / 2500))
    np.testing.assert_allclose(result["reverse_kl"], expected_kl, rtol=1e-9)
    assert result["source"] == str(ring)
    printed = capsys.readouterr().out
    assert "modes captured" in printed and "8 / 8" in printed


def test_image_export_prints_fid_with_floor(exports, tmp_path, capsys):
    _, images, _ = exports
    out = tmp_path / "mnist.json"
    status = evaluate.main([str(images), "--dataset", "mnist",
                            "--num-samples", "200", "--out", str(out)])
    assert status == 0
    result = json.loads(out.read_text())
    assert result["num_samples"] == 200
    np.testing.assert_allclose(result["fid_ratio"],
                               result["fid"] / result["fid_floor"])
    # An untrained generator is far worse than real digits.
    assert result["fid_ratio"] > 5.0 and 0.0 < result["fid_floor"] < 20.0
    assert 1.0 <= result["is_mean"] <= 10.0
    printed = capsys.readouterr().out
    assert "real-vs-real floor" in printed and "FID (classifier)" in printed


def test_run_dir_checkpoint_is_scored(tmp_path):
    from keras_gan import GAN, networks
    gan = GAN(networks.build_mlp_generator(2, (2,), (8,), None),
              networks.build_mlp_discriminator((2,), (8,)), latent_dim=2,
              seed=0)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    gan.save(run_dir / "checkpoint.keras")
    # As train.py writes it: the settings nested under "config".
    (run_dir / "config.json").write_text(
        json.dumps({"config": {"dataset": "grid", "model": "gan"}}))
    sampler = evaluation.load_sampler(run_dir)
    assert (sampler.kind, sampler.sample_shape, sampler.dataset) == (
        "samples", (2,), "grid")
    z = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    np.testing.assert_allclose(sampler(z), gan.generator(z).numpy(),
                               rtol=1e-6)
    status = evaluate.main([str(run_dir), "--num-samples", "100", "--out",
                            str(tmp_path / "grid.json")])
    assert status == 0
    assert json.loads((tmp_path / "grid.json").read_text())["dataset"] == \
        "grid"


def _bad_signature_model(path):
    module = tf.Module()
    module.f = tf.function(lambda x: {"y": 2.0 * x},
                           input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(path),
                        signatures={"predict": module.f})
    return path


@pytest.mark.parametrize("case", ["signature", "dataset", "too_few",
                                  "missing"])
def test_bad_input_exits_2_with_one_line(case, exports, tmp_path, capsys):
    ring, images, _ = exports
    argv = {
        "signature": [str(_bad_signature_model(tmp_path / "bad")),
                      "--dataset", "mnist"],
        "dataset": [str(ring), "--dataset", "mnist"],
        "too_few": [str(images), "--dataset", "mnist", "--num-samples",
                    "50"],
        "missing": [str(tmp_path / "nowhere"), "--dataset", "ring"],
    }[case]
    expected = {"signature": "serving_default",
                "dataset": "Expected a generator of images of shape",
                "too_few": "Too few samples",
                "missing": "Expected an existing path"}[case]
    assert evaluate.main(argv + ["--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err
    assert not (tmp_path / "x.json").exists()


def test_cli_subprocess_exit_status(exports, tmp_path):
    ring, _, _ = exports
    proc = subprocess.run(
        [sys.executable, str(ROOT / "evaluate.py"), str(ring), "--dataset",
         "stacked_mnist"], capture_output=True, text=True, cwd=tmp_path,
        timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "evaluate.py: error: Expected a generator of images of shape "
        "(28, 28, 3)")


def test_stacked_mnist_table_splits_the_kl():
    from keras_gan import evaluation
    digits = np.repeat(np.arange(10), 3)
    result = evaluation.stacked_mnist_scores(
        100 * np.full(30, 3) + 10 * digits + digits)
    result.update(dataset="stacked_mnist", source="run", seed=0,
                  channel_unsure=[0.5, 0.125, 0.0625], real_unsure=0.143)
    table = evaluate.format_table(result).splitlines()
    # Channel 0 is stuck on 3 (log 10); channels 1 and 2 are uniform but
    # always equal (log 10 of dependence); together log 100.
    assert "10 / 1000" in next(row for row in table if "modes" in row)
    assert next(row for row in table if "reverse KL" in row).endswith(
        "4.6052")
    assert next(row for row in table if "channels 0 / 1 / 2" in row) \
        .endswith("2.3026 / 0.0000 / 0.0000")
    assert next(row for row in table if "dependence" in row).endswith(
        "2.3026")
    assert next(row for row in table if "unsure" in row).endswith(
        "50.0% / 12.5% / 6.2%  (held-out real digits: 14.3%)")
