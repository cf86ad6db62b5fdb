"""Conditional exports (ConditionalGAN): the label input reaches the generator.

Like test_export.py, checked with what TF Serving's loader sees: a fresh
Python process with TensorFlow only, `saved_model_cli`, and TF Serving's JSON
rules applied to the client's "ten 7s" request bodies. The unconditional
signatures are test_export.py's (unchanged).
"""

import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from keras_gan import ConditionalGAN, export, networks
from keras_gan.export import export_generator

LATENT = 4
K = 3
ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
F32, I64 = tf.float32.as_datatype_enum, tf.int64.as_datatype_enum


def generators():
    keras.utils.set_random_seed(0)
    dcgan = networks.build_conditional_dcgan_generator(LATENT, K, (8, 8, 1),
                                                       base_filters=2)
    # Non-trivial moving statistics, so inference mode is visible.
    for layer in dcgan.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(np.full(layer.moving_mean.shape, 0.3))
            layer.moving_variance.assign(np.full(layer.moving_mean.shape, 2.0))
    toy = networks.build_conditional_mlp_generator(
        LATENT, K, (2,), (8,), branch_units=None, output_activation=None,
        dropout=0.0)
    return {"dcgan": dcgan, "toy": toy}


FRESH = r"""
import sys
import numpy as np
import tensorflow as tf
paths, inputs, out = sys.argv[1].split(","), np.load(sys.argv[2]), sys.argv[3]
result = {}
for path in paths:
    name = path.rstrip("/").split("/")[-2]
    model = tf.saved_model.load(path)
    serve = model.signatures["serving_default"]
    sample = model.signatures["sample"]
    z = tf.constant(inputs["z"])
    for tag in ("a", "b"):
        (value,) = serve(z=z, label=tf.constant(inputs[tag])).values()
        result[f"{name}/serve_{tag}"] = value.numpy()
    for tag, seeds, labels in (("three", [3, 7, 11], [0, 1, 2]),
                               ("one", [7], [1])):
        outs = sample(seed=tf.constant(seeds, tf.int64),
                      label=tf.constant(labels, tf.int64))
        for key, value in outs.items():
            result[f"{name}/sample_{tag}/{key}"] = value.numpy()
    for tag, label in (("big", [0, 3, 1, 2, 0]), ("neg", [0, -1, 1, 2, 0]),
                       ("short", [0, 1])):
        try:
            serve(z=z, label=tf.constant(label, tf.int64))
            result[f"{name}/error_{tag}"] = np.array("no error")
        except tf.errors.InvalidArgumentError as error:
            result[f"{name}/error_{tag}"] = np.array(error.message)
assert "keras_gan" not in sys.modules, "keras_gan was imported"
np.savez(out, **result)
"""

Z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")
LABELS = {"a": np.array([0, 1, 2, 0, 1], "int64"),
          "b": np.array([1, 2, 0, 1, 2], "int64")}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("saved_models")
    work = tmp_path_factory.mktemp("work")
    gens = generators()
    paths = {name: export_generator(g, base, name) for name, g in gens.items()}
    np.savez(work / "in.npz", z=Z, **LABELS)
    procs = {
        "fresh": [sys.executable, "-c", FRESH,
                  ",".join(str(p) for p in paths.values()),
                  str(work / "in.npz"), str(work / "out.npz")],
        "show": [str(BIN / "saved_model_cli"), "show", "--dir",
                 str(paths["dcgan"]), "--all"],
        "run": [str(BIN / "saved_model_cli"), "run", "--dir",
                str(paths["dcgan"]), "--tag_set", "serve",
                "--signature_def", "serving_default", "--input_exprs",
                f"z={Z[:3].tolist()};label=[2, 0, 1]",
                "--outdir", str(work / "cli")],
    }
    # Started together: each pays ~4 s of CPU to import TensorFlow.
    started = {key: subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=ENV, cwd=work)
               for key, cmd in procs.items()}
    try:
        yield gens, paths, work, started
    finally:
        for proc in started.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def finished(started, key):
    proc = started[key]
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return out


def keras_out(generator, z, labels):
    return generator([tf.constant(z), tf.constant(np.asarray(labels,
                                                             "int32"))],
                     training=False).numpy()


def seed_noise(seeds):
    return np.stack([tf.random.stateless_normal([LATENT], seed=[s, 0]).numpy()
                     for s in seeds])


def test_signatures_take_a_label_per_row(exported):
    _, paths, _, _ = exported
    for name, key, shape in (("dcgan", "images", [-1, 8, 8, 1]),
                             ("toy", "samples", [-1, 2])):
        proto = saved_model_pb2.SavedModel()
        proto.ParseFromString((paths[name] / "saved_model.pb").read_bytes())
        (meta,) = proto.meta_graphs
        found = {
            sig_name: {io: {k: (v.dtype, [d.size for d in
                                          v.tensor_shape.dim])
                            for k, v in getattr(sig, io).items()}
                       for io in ("inputs", "outputs")}
            for sig_name, sig in meta.signature_def.items()
            if sig_name in ("serving_default", "sample")}
        assert found == {
            "serving_default": {
                "inputs": {"z": (F32, [-1, LATENT]), "label": (I64, [-1])},
                "outputs": {key: (F32, shape)}},
            "sample": {
                "inputs": {"seed": (I64, [-1]), "label": (I64, [-1])},
                "outputs": {key: (F32, shape), "z": (F32, [-1, LATENT])}},
        }
        assert all(sig.method_name == "tensorflow/serving/predict"
                   for sig in meta.signature_def.values()
                   if sig.method_name)
        info = json.loads((paths[name] / export.METADATA_FILE).read_text())
        assert (info["num_classes"], info["latent_dim"],
                info["signatures"]["sample"]["inputs"]) == (
            K, LATENT, {"seed": "int64", "label": "int64"})
        assert export.scan_graph(paths[name]) == []


def test_fresh_tensorflow_process_feeds_the_label_to_the_generator(exported):
    gens, _, work, started = exported
    finished(started, "fresh")
    out = np.load(work / "out.npz")
    for name, generator in gens.items():
        key = "images" if name == "dcgan" else "samples"
        for tag, labels in LABELS.items():
            np.testing.assert_allclose(out[f"{name}/serve_{tag}"],
                                       keras_out(generator, Z, labels),
                                       atol=1e-5)
        # Same z, another label: every row changes.
        diff = np.abs(out[f"{name}/serve_a"] - out[f"{name}/serve_b"])
        assert np.all(diff.reshape(5, -1).max(axis=1) > 1e-4), name
        z = seed_noise([3, 7, 11])
        np.testing.assert_allclose(out[f"{name}/sample_three/z"], z,
                                   atol=1e-6)
        np.testing.assert_allclose(out[f"{name}/sample_three/{key}"],
                                   keras_out(generator, z, [0, 1, 2]),
                                   atol=1e-5)
        # Row-wise: the row (seed 7, label 1) alone is the same row.
        np.testing.assert_array_equal(out[f"{name}/sample_one/{key}"][0],
                                      out[f"{name}/sample_three/{key}"][1])
        assert "Expected labels in [0, 3)" in str(out[f"{name}/error_big"])
        assert "Expected labels in [0, 3)" in str(out[f"{name}/error_neg"])
        assert "Expected one label per row" in str(
            out[f"{name}/error_short"])


def test_saved_model_cli_shows_and_runs_the_label_input(exported):
    gens, _, work, started = exported
    shown = finished(started, "show")
    serving = shown[shown.index("signature_def['serving_default']"):]
    assert "inputs['label'] tensor_info:\n        dtype: DT_INT64" in serving
    assert "inputs['z'] tensor_info:\n        dtype: DT_FLOAT" in serving
    finished(started, "run")
    np.testing.assert_allclose(np.load(work / "cli" / "images.npy"),
                               keras_out(gens["dcgan"], Z[:3], [2, 0, 1]),
                               atol=1e-5)


def test_export_py_exports_a_conditional_checkpoint(tmp_path, capsys):
    keras.utils.set_random_seed(4)
    gan = ConditionalGAN(
        networks.build_conditional_mlp_generator(
            LATENT, K, (2,), (8,), branch_units=None,
            output_activation=None, dropout=0.0),
        networks.build_conditional_mlp_discriminator(
            (2,), K, (8,), branch_units=None, pieces=None, dropout=0.0),
        LATENT, K, ema_decay=0.5)
    gan.compile()
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    gan.fit(x, np.arange(16) % K, batch_size=8, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    assert export.main([str(tmp_path / "gan.keras"), "--export-dir",
                        str(tmp_path / "out"), "--name", "cgan"]) == 0
    path = pathlib.Path(capsys.readouterr().out.strip())
    assert path == tmp_path / "out" / "cgan" / "1"
    info = json.loads((path / export.METADATA_FILE).read_text())
    assert (info["num_classes"], info["model_class"]) == (K, "ConditionalGAN")
    served = tf.saved_model.load(str(path)).signatures["serving_default"]
    got = served(z=tf.constant(Z), label=tf.constant(LABELS["a"]))
    # The export is the weight average (sampling_generator), as for GAN.
    np.testing.assert_allclose(
        got["samples"].numpy(),
        keras_out(gan.sampling_generator, Z, LABELS["a"]), atol=1e-5)
    assert not np.allclose(got["samples"].numpy(),
                           keras_out(gan.generator, Z, LABELS["a"]))


def test_bad_conditional_exports_are_refused_and_write_nothing(tmp_path):
    generator = generators()["toy"]
    with pytest.raises(ValueError, match="num_classes.*matching the "
                                         "generator's one-hot layers \\[3\\]"):
        export_generator(generator, tmp_path, "c", num_classes=4)
    with pytest.raises(ValueError, match="latent_dim.*Received: latent_dim=3"):
        export_generator(generator, tmp_path, "c", latent_dim=3)
    assert list(tmp_path.iterdir()) == []


def load_client():
    spec = importlib.util.spec_from_file_location(
        "serving_client", ROOT / "docs" / "serving_client.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rest_to_tensors(body, signature):
    """TF Serving's JSON -> tensor rules for the row and columnar formats."""
    specs = signature.structured_input_signature[1]
    if "instances" in body:
        rows = body["instances"]
        values = {k: [row[k] for row in rows] for k in rows[0]}
    else:
        values = body["inputs"]
    assert set(values) == set(specs)
    return {k: tf.constant(v, specs[k].dtype) for k, v in values.items()}


def test_client_asks_for_ten_sevens_in_a_body_tf_serving_accepts(
        exported, monkeypatch, tmp_path, capsys):
    gens, paths, _, _ = exported
    client = load_client()
    sent = {}

    def fake_predict(server, model, inputs, fmt="row", version=None,
                     **kwargs):
        sent.update(inputs)
        return {"images": np.zeros((len(inputs["seed"]), 8, 8, 1))}

    monkeypatch.setattr(client, "predict_rest", fake_predict)
    assert client.main(["--model", "cgan", "--label", "7", "--count", "10",
                        "--seed", "5", "--out", str(tmp_path / "7.png")]) == 0
    np.testing.assert_array_equal(sent["seed"], np.arange(5, 15))
    np.testing.assert_array_equal(sent["label"], np.full(10, 7))
    # The bodies the client sends ("ten 2s" here: the export has 3
    # classes), run through TF Serving's JSON rules on the export.
    signature = tf.saved_model.load(str(paths["dcgan"])).signatures["sample"]
    inputs = {"seed": np.arange(10), "label": np.full(10, 2)}
    for fmt in ("row", "columnar"):
        body = json.loads(json.dumps(client.rest_body(inputs, "sample", fmt)))
        assert body["signature_name"] == "sample"
        images = signature(**rest_to_tensors(body, signature))["images"]
        np.testing.assert_allclose(
            images.numpy(), keras_out(gens["dcgan"], seed_noise(range(10)),
                                      [2] * 10), atol=1e-5)
    assert client.rest_body({"seed": [0, 1], "label": [7, 7]}, "sample",
                            "row") == {"signature_name": "sample",
                                       "instances": [{"seed": 0, "label": 7},
                                                     {"seed": 1, "label": 7}]}
    capsys.readouterr()
    assert client.main(["--model", "cgan", "--label", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expected --label >= 0" in err

    def refused(*args, **kwargs):
        return client.parse_rest_response(
            {"error": "Expected labels in [0, 10)\n\t [[{{node Assert}}]]"},
            ["images", "z"])

    monkeypatch.setattr(client, "predict_rest", refused)
    assert client.main(["--model", "cgan", "--label", "12"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TF Serving error: Expected labels in " \
        "[0, 10)" in err


def readme_cgan_bodies():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Serving with TensorFlow Serving"):]
    end = section.find("\n## ", 1)
    section = section if end < 0 else section[:end]
    return [json.loads(body) for body in re.findall(
        r"curl -s localhost:8501/v1/models/cgan:predict -d '(\{.*\})'",
        section)]


def test_readme_ten_sevens_bodies_run_on_a_conditional_export(tmp_path):
    # README's request bodies for a `--model cgan` export (latent 100,
    # 10 classes), through TF Serving's JSON rules.
    keras.utils.set_random_seed(5)
    generator = networks.build_conditional_mlp_generator(
        100, 10, hidden=(8,), branch_units=None, dropout=0.0)
    signatures = tf.saved_model.load(str(export_generator(
        generator, tmp_path, "cgan"))).signatures
    bodies = readme_cgan_bodies()
    assert [("instances" in b, b["signature_name"]) for b in bodies] == [
        (False, "sample"), (True, "sample")], \
        "README's Serving section lacks the cgan 'ten 7s' request bodies"
    for body in bodies:
        signature = signatures[body["signature_name"]]
        inputs = rest_to_tensors(body, signature)
        np.testing.assert_array_equal(inputs["label"].numpy(), [7] * 10)
        seeds = inputs["seed"].numpy()
        z = np.stack([tf.random.stateless_normal([100], seed=[s, 0]).numpy()
                      for s in seeds])
        np.testing.assert_allclose(
            signature(**inputs)["images"].numpy(),
            keras_out(generator, z, [7] * 10), atol=1e-5)
