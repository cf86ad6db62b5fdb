"""CycleGAN exports: one SavedModel, a signature per direction.

Checked as TF Serving's loader sees it: a fresh Python process with
TensorFlow only (no keras_gan import) loads the export and translates; the
signature defs are read from `saved_model.pb`; the README's REST request
body (row format) is decoded as TF Serving decodes it. The GAN exports'
signatures are test_export.py's (unchanged).
"""

import json
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from keras_gan import export, networks
from keras_gan.models import CycleGAN

SHAPE = (8, 8, 1)
ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "",
       "PATH": "/usr/bin:/bin"}
F32 = tf.float32.as_datatype_enum


def generators(seed=0):
    keras.utils.set_random_seed(seed)
    return (networks.build_resnet_generator(SHAPE, 2, 1),
            networks.build_resnet_generator(SHAPE, 2, 1,
                                            name="generator_ba"))


FRESH = r"""
import sys
import numpy as np
import tensorflow as tf
path, inputs, out = sys.argv[1], np.load(sys.argv[2]), sys.argv[3]
model = tf.saved_model.load(path)
x = tf.constant(inputs["x"])
result = {}
for name in ("serving_default", "a_to_b", "b_to_a"):
    (value,) = model.signatures[name](images=x).values()
    result[name] = value.numpy()
assert "keras_gan" not in sys.modules, "keras_gan was imported"
np.savez(out, **result)
"""


def test_export_translates_in_a_fresh_tf_only_process(tmp_path):
    g_ab, g_ba = generators()
    path = export.export_translator(g_ab, g_ba, tmp_path, "cg",
                                    metadata={"dataset": "mnist2inverted"})
    assert path == tmp_path / "cg" / "1"
    x = np.random.default_rng(0).random((5, *SHAPE)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    script = tmp_path / "fresh.py"
    script.write_text(FRESH)
    done = subprocess.run(
        [sys.executable, str(script), str(path), str(tmp_path / "in.npz"),
         str(tmp_path / "out.npz")], env=ENV, capture_output=True,
        text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = np.load(tmp_path / "out.npz")
    np.testing.assert_allclose(out["a_to_b"], g_ab(x), atol=1e-6)
    np.testing.assert_allclose(out["b_to_a"], g_ba(x), atol=1e-6)
    np.testing.assert_array_equal(out["serving_default"], out["a_to_b"])
    assert out["a_to_b"].shape == (5, *SHAPE)
    assert export.scan_graph(path) == []


def test_signature_defs_and_metadata(tmp_path):
    path = export.export_translator(*generators(), tmp_path, "cg")
    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((path / "saved_model.pb").read_bytes())
    (graph,) = proto.meta_graphs
    assert list(graph.meta_info_def.tags) == ["serve"]
    assert set(graph.signature_def) >= {"serving_default", "a_to_b",
                                        "b_to_a"}
    for name in ("serving_default", "a_to_b", "b_to_a"):
        sig = graph.signature_def[name]
        assert sig.method_name == "tensorflow/serving/predict"
        for io in (sig.inputs, sig.outputs):
            (key,) = io
            assert key == "images"
            assert io[key].dtype == F32
            assert [d.size for d in io[key].tensor_shape.dim] == [-1, 8, 8, 1]
    info = json.loads((path / export.METADATA_FILE).read_text())
    assert info["kind"] == "translation"
    assert info["image_shape"] == [8, 8, 1]
    assert info["serving_default"] == "a_to_b"
    assert sorted(info["signatures"]) == ["a_to_b", "b_to_a",
                                          "serving_default"]
    # The next export is version 2; version 1 is never overwritten.
    assert export.export_translator(*generators(1), tmp_path, "cg").name \
        == "2"
    with pytest.raises(export.ExportError, match="never overwritten"):
        export.export_translator(*generators(), tmp_path, "cg", version=1)


def test_rest_request_body_rows(tmp_path):
    """The README's request: one row per image, `images` H x W x C lists."""
    g_ab, g_ba = generators()
    path = export.export_translator(g_ab, g_ba, tmp_path, "cg")
    x = np.random.default_rng(1).random((2, *SHAPE)).astype(np.float32)
    body = json.dumps({"signature_name": "b_to_a",
                       "instances": [{"images": image.tolist()}
                                     for image in x]})
    request = json.loads(body)
    # TF Serving's row format: the named input of every instance, stacked.
    batch = np.array([row["images"] for row in request["instances"]],
                     np.float32)
    loaded = tf.saved_model.load(str(path))
    out = loaded.signatures[request["signature_name"]](
        images=tf.constant(batch))["images"].numpy()
    np.testing.assert_allclose(out, g_ba(x), atol=1e-6)
    # Rows are independent (instance norm is per image), so TF Serving's
    # request batching returns what one request per image would.
    one_by_one = np.concatenate([loaded.signatures["b_to_a"](
        images=tf.constant(batch[i:i + 1]))["images"].numpy()
        for i in range(2)])
    np.testing.assert_allclose(out, one_by_one, atol=1e-6)


def test_export_checkpoint_of_a_cyclegan_run(tmp_path):
    g_ab, g_ba = generators()
    model = CycleGAN(g_ab, g_ba,
                     networks.build_patchgan_discriminator(
                         SHAPE, 2, name="discriminator_a"),
                     networks.build_patchgan_discriminator(SHAPE, 2), seed=0)
    model.compile()
    run = tmp_path / "run"
    run.mkdir()
    model.save(run / "checkpoint.keras")
    (run / "config.json").write_text(json.dumps({"config": {
        "model": "cyclegan", "dataset": "mnist2inverted", "epochs": 1}}))
    path = export.export_checkpoint(run, tmp_path / "exp")
    assert path == tmp_path / "exp" / "cyclegan" / "1"
    x = np.random.default_rng(2).random((3, *SHAPE)).astype(np.float32)
    loaded = tf.saved_model.load(str(path))
    np.testing.assert_allclose(
        loaded.signatures["b_to_a"](images=tf.constant(x))["images"],
        g_ba(x), atol=1e-6)
    info = json.loads((path / export.METADATA_FILE).read_text())
    assert (info["model_class"], info["dataset"]) == ("CycleGAN",
                                                      "mnist2inverted")


def test_bad_generators_write_nothing(tmp_path):
    g_ab, _ = generators()
    other = networks.build_resnet_generator((16, 16, 1), 2, 1,
                                            name="generator_ba")
    with pytest.raises(ValueError, match="one image shape"):
        export.export_translator(g_ab, other, tmp_path, "cg")
    latent = networks.build_mlp_generator(4, (8, 8, 1), (8,))
    with pytest.raises(ValueError, match="images of the same shape"):
        export.export_translator(g_ab, latent, tmp_path, "cg")
    with pytest.raises(ValueError, match="plain directory name"):
        export.export_translator(g_ab, g_ab, tmp_path, "../cg")
    assert list(tmp_path.iterdir()) == []
