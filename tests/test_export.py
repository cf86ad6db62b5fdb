"""SavedModel export for TF Serving: signatures, loaders, versions, failures.

The TF Serving binary is not installable here, so the proof that it can load
an export is indirect but uses the same machinery:
* a fresh Python process with TensorFlow only (keras_gan never imported),
* `saved_model_cli show` / `saved_model_cli run`,
* a C program built against the installed wheel's C API, whose
  `TF_LoadSessionFromSavedModel` is TF's C++ `LoadSavedModel`, the loader
  TF Serving's SavedModelBundle uses; it finds the signature's tensor names in
  the MetaGraphDef that the loader returns, as TF Serving does.
"""

import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2

from keras_gan import WGANGP, export, networks
from keras_gan.export import ExportError, export_generator

LATENT = 4
ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent
SITE_TF = pathlib.Path(tf.__file__).parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV,
                          timeout=300, **kwargs)


class Launched:
    """Subprocesses started together (each pays ~4 s CPU to import TF, and
    the machine is shared), awaited by the tests that check them."""

    def __init__(self):
        self.procs = {}

    def start(self, key, cmd, **kwargs):
        self.procs[key] = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=ENV, **kwargs)

    def result(self, key):
        proc = self.procs[key]
        out, err = proc.communicate(timeout=300)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out,
                                           err)

    def close(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def toy_generator():
    return networks.build_mlp_generator(LATENT, (2,), (8,), None)


def generators():
    keras.utils.set_random_seed(0)
    mlp = networks.build_mlp_generator(latent_dim=LATENT, hidden=(8,))
    toy = toy_generator()
    dcgan = networks.build_dcgan_generator(LATENT, (8, 8, 1), base_filters=2)
    # Non-trivial moving statistics, so inference mode is visible.
    for layer in dcgan.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(np.full(layer.moving_mean.shape, 0.3))
            layer.moving_variance.assign(np.full(layer.moving_mean.shape, 2.0))
    return {"mlp": mlp, "toy": toy, "dcgan": dcgan}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("saved_models")
    gens = generators()
    paths = {name: export_generator(g, base, name) for name, g in gens.items()}
    return base, gens, paths


def keras_out(generator, z):
    return generator(z, training=False).numpy()


def z_batch(n, seed):
    return np.random.default_rng(seed).normal(size=(n, LATENT)).astype(
        "float32")


def expected_z(seed):
    return tf.random.stateless_normal([LATENT], seed=[seed, 0]).numpy()


# ---- signatures -------------------------------------------------------------


def test_signatures_in_the_saved_model_proto(exported, launched):
    # (`launched` starts the subprocesses of later tests now, in parallel.)
    _, _, paths = exported
    for name, key, shape in (("mlp", "images", [-1, 28, 28, 1]),
                             ("toy", "samples", [-1, 2]),
                             ("dcgan", "images", [-1, 8, 8, 1])):
        proto = saved_model_pb2.SavedModel()
        proto.ParseFromString((paths[name] / "saved_model.pb").read_bytes())
        (meta,) = proto.meta_graphs
        assert list(meta.meta_info_def.tags) == ["serve"]
        sigs = meta.signature_def
        assert {"serving_default", "sample"} <= set(sigs)
        found = {}
        for sig_name in ("serving_default", "sample"):
            sig = sigs[sig_name]
            assert sig.method_name == "tensorflow/serving/predict"
            found[sig_name] = {
                io: {k: (v.dtype, [d.size for d in v.tensor_shape.dim])
                     for k, v in getattr(sig, io).items()}
                for io in ("inputs", "outputs")}
        assert found == {
            "serving_default": {
                "inputs": {"z": (tf.float32.as_datatype_enum, [-1, LATENT])},
                "outputs": {key: (tf.float32.as_datatype_enum, shape)}},
            "sample": {
                "inputs": {"seed": (tf.int64.as_datatype_enum, [-1])},
                "outputs": {key: (tf.float32.as_datatype_enum, shape),
                            "z": (tf.float32.as_datatype_enum, [-1, LATENT])}},
        }
        meta_info = json.loads(
            (paths[name] / export.METADATA_FILE).read_text())
        assert (meta_info["latent_dim"], meta_info["output_key"],
                meta_info["output_shape"]) == (LATENT, key, [None] + shape[1:])


# ---- the subprocesses, started together -------------------------------------

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
    for batch in ("z1", "z5"):
        (value,) = serve(z=tf.constant(inputs[batch])).values()
        result[f"{name}/{batch}"] = value.numpy()
    for tag, seeds in (("a", [3, 7, 11]), ("b", [3, 7, 11]), ("c", [7])):
        outs = sample(seed=tf.constant(seeds, tf.int64))
        for key, value in outs.items():
            result[f"{name}/sample_{tag}/{key}"] = value.numpy()
assert "keras_gan" not in sys.modules, "keras_gan was imported"
np.savez(out, **result)
"""


KILLED = r"""
import os, signal, sys
import tensorflow as tf
from keras_gan import export, networks
real_save = tf.saved_model.save
def save_then_die(obj, path, **kwargs):
    real_save(obj, path, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)   # no cleanup can run
tf.saved_model.save = save_then_die
generator = networks.build_mlp_generator(4, (2,), (8,), None)
export.export_generator(generator, sys.argv[1], "toy")
"""



SMC_Z = np.linspace(-2, 2, 12).reshape(3, LATENT)


def gcc_command(exe):
    cmd = ["gcc", "-O1", "-Wall", "-Werror", "-o", str(exe),
           str(ROOT / "tests" / "c" / "serve_check.c"),
           f"-I{SITE_TF / 'include'}", f"-L{SITE_TF}",
           f"-Wl,-rpath,{SITE_TF}", "-l:libtensorflow_cc.so.2",
           "-l:libtensorflow_framework.so.2"]
    if shutil.which("ld.gold"):
        # GNU ld needs ~6 s of CPU (30 s wall here) to link the 1 GB
        # libtensorflow_cc.so.2; gold needs ~1.5 s.
        cmd.insert(1, "-fuse-ld=gold")
    return cmd


@pytest.fixture(scope="module")
def launched(exported, tmp_path_factory):
    _, _, paths = exported
    work = tmp_path_factory.mktemp("launched")
    bg = Launched()
    inputs = {"z1": z_batch(1, 1), "z5": z_batch(5, 2)}
    np.savez(work / "in.npz", **inputs)
    bg.start("fresh", [sys.executable, "-c", FRESH,
                       ",".join(str(p) for p in paths.values()),
                       str(work / "in.npz"), str(work / "out.npz")], cwd=work)
    smc = str(BIN / "saved_model_cli")
    bg.start("show", [smc, "show", "--dir", str(paths["dcgan"]), "--all"])
    bg.start("smc_run", [smc, "run", "--dir", str(paths["dcgan"]),
                         "--tag_set", "serve",
                         "--signature_def", "serving_default",
                         "--input_exprs", f"z={SMC_Z.tolist()}",
                         "--outdir", str(work / "cli")])
    bg.start("gcc", gcc_command(work / "serve_check"))
    (work / "killed").mkdir()
    bg.start("killed", [sys.executable, "-c", KILLED, str(work / "killed")])
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.save(work / "plain.keras")
    bg.start("script", [sys.executable, str(ROOT / "export.py"),
                        str(work / "plain.keras"),
                        "--export-dir", str(work / "script_out")])
    yield work, inputs, bg
    bg.close()


# ---- graph scan -------------------------------------------------------------


def test_graph_has_only_standard_ops_after_xla_use(tmp_path):
    generator = toy_generator()
    # The generator has run under XLA (as inside a jit-compiled train_step).
    xla_call = tf.function(lambda z: generator(z, training=True),
                           jit_compile=True)
    xla_call(tf.ones((8, LATENT)))
    path = export_generator(generator, tmp_path, "xla")
    assert export.scan_graph(path) == []
    # The scan itself can fail: a jit-compiled function and a py_function.
    module = tf.Module()
    module.f = tf.function(lambda x: x * 2.0, jit_compile=True,
                           input_signature=[tf.TensorSpec([None], tf.float32)])
    module.g = tf.function(
        lambda x: tf.py_function(lambda v: v + 1.0, [x], tf.float32),
        input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "bad"),
                        signatures={"f": module.f.get_concrete_function(),
                                    "g": module.g.get_concrete_function()})
    findings = export.scan_graph(tmp_path / "bad")
    kinds = {kind for f in findings for kind in ("_XlaMustCompile",
                                                 "EagerPyFunc") if kind in f}
    assert kinds == {"_XlaMustCompile", "EagerPyFunc"}, findings
    with pytest.raises(ExportError, match="only standard TF ops"):
        export.check_serving_graph(tmp_path / "bad")


# ---- versions, atomicity, crashes -------------------------------------------


def entries(path):
    return sorted(p.name for p in pathlib.Path(path).iterdir())


def test_versions_count_up_and_are_never_overwritten(tmp_path):
    generator = toy_generator()
    paths = [export_generator(generator, tmp_path, "toy") for _ in range(2)]
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "toy/1", "toy/2"]
    assert export_generator(generator, tmp_path, "toy", version=7).name == "7"
    assert export_generator(generator, tmp_path, "toy").name == "8"
    before = (tmp_path / "toy" / "2" / "saved_model.pb").read_bytes()
    with pytest.raises(ExportError, match="version=2.*never overwritten"):
        export_generator(generator, tmp_path, "toy", version=2)
    assert entries(tmp_path / "toy") == ["1", "2", "7", "8"]
    assert (tmp_path / "toy" / "2" / "saved_model.pb").read_bytes() == before
    assert export.list_versions(tmp_path / "toy") == [1, 2, 7, 8]


def test_exception_mid_export_leaves_nothing(tmp_path, monkeypatch):
    generator = toy_generator()
    export_generator(generator, tmp_path, "toy")
    real_save = tf.saved_model.save

    def save_then_crash(obj, path, **kwargs):
        real_save(obj, path, **kwargs)  # a complete SavedModel, not renamed
        assert (pathlib.Path(path) / "saved_model.pb").is_file()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tf.saved_model, "save", save_then_crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        export_generator(generator, tmp_path, "toy")
    assert entries(tmp_path / "toy") == ["1"]
    with pytest.raises(RuntimeError, match="disk on fire"):
        export_generator(generator, tmp_path, "new")  # no empty folder left
    assert entries(tmp_path) == ["toy"]
    monkeypatch.undo()
    assert export_generator(generator, tmp_path, "toy").name == "2"
    assert entries(tmp_path / "toy") == ["1", "2"]


# ---- bad input --------------------------------------------------------------


@pytest.mark.parametrize("name", ["a/b", "../up", "..", "", ".hidden",
                                  "a\\b", None])
def test_bad_names_are_refused_and_nothing_is_written(tmp_path, name):
    with pytest.raises(ValueError, match="plain directory name"):
        export_generator(toy_generator(), tmp_path / "out", name)
    assert not (tmp_path / "out").exists()


def test_bad_generators_are_refused_and_nothing_is_written(tmp_path):
    z = keras.Input((LATENT,))
    two_outputs = keras.Model(z, [keras.layers.Dense(2)(z),
                                  keras.layers.Dense(3)(z)])
    with pytest.raises(ValueError, match="one tensor of samples.*list of 2"):
        export_generator(two_outputs, tmp_path, "two")
    with pytest.raises(ValueError, match="keras.Model.*type str"):
        export_generator("generator", tmp_path, "str")
    with pytest.raises(ValueError, match="latent_dim.*Received: latent_dim=3"):
        export_generator(toy_generator(), tmp_path, "toy", latent_dim=3)
    assert entries(tmp_path) == []


def test_unwritable_export_dir(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ExportError, match="writable export directory"):
        export_generator(toy_generator(), tmp_path / "file" / "models",
                         "toy")
    assert entries(tmp_path) == ["file"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    keras.utils.set_random_seed(2)
    run_dir = tmp_path_factory.mktemp("run")
    gan = WGANGP(networks.build_mlp_generator(LATENT, (2,), (8,), None),
                 networks.build_mlp_discriminator((2,), (8,)), LATENT,
                 seed=0, name="wgangp_toy")
    gan.compile(jit_compile=True)
    gan.save(run_dir / "final.keras")
    return run_dir, gan


def test_cli_exports_a_checkpoint_and_a_run_dir(checkpoint, tmp_path, capsys):
    run_dir, gan = checkpoint
    out = tmp_path / "models"
    assert export.main([str(run_dir / "final.keras"), "--export-dir",
                        str(out)]) == 0
    assert export.main([str(run_dir), "--export-dir", str(out),
                        "--name", "toy"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "wgangp_toy" / "1"), str(out / "toy" / "1")]
    z = z_batch(4, 3)
    loaded = tf.saved_model.load(printed[1])
    np.testing.assert_allclose(
        loaded.signatures["serving_default"](z=tf.constant(z))["samples"],
        keras_out(gan.generator, z), atol=1e-5)
    info = json.loads((out / "toy" / "1" / export.METADATA_FILE).read_text())
    assert (info["model_class"], info["source"]) == (
        "WGANGP", str((run_dir / "final.keras").resolve()))
    # A training run dir: checkpoint.keras, name and data set from config.json.
    shutil.copy(run_dir / "final.keras", tmp_path / "checkpoint.keras")
    (tmp_path / "config.json").write_text(json.dumps({"config": {
        "model": "wgan-gp", "dataset": "ring", "epochs": 3,
        "export_name": "ring"}}))
    assert export.main([str(tmp_path), "--export-dir", str(out)]) == 0
    assert capsys.readouterr().out.split() == [str(out / "ring" / "1")]
    info = json.loads((out / "ring" / "1" / export.METADATA_FILE).read_text())
    assert {k: info[k] for k in ("model", "dataset", "epochs", "source")} == {
        "model": "wgan-gp", "dataset": "ring", "epochs": 3,
        "source": str((tmp_path / "checkpoint.keras").resolve())}


def test_cli_bad_inputs_exit_2_with_one_line(checkpoint, launched, tmp_path,
                                             capsys):
    run_dir, _ = checkpoint
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.save(tmp_path / "plain.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a zip file")
    (tmp_path / "file").write_text("")
    out = tmp_path / "models"
    cases = [
        ([str(tmp_path / "plain.keras")], "holds a Sequential"),
        ([str(tmp_path / "junk.keras")], "could not be loaded"),
        ([str(tmp_path / "missing.keras")], "does not exist"),
        ([str(run_dir), "--name", "a/b"], "plain directory name"),
        ([str(run_dir), "--export-dir", str(tmp_path / "file" / "x")],
         "writable export directory"),
    ]
    for argv, message in cases:
        argv = argv if "--export-dir" in argv else argv + [
            "--export-dir", str(out)]
        assert export.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("export.py: error: ")
        assert message in err, err
    assert not out.exists()
    # The real script: exit status 2 and a single line on stderr.
    work, _, bg = launched
    proc = bg.result("script")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "export.py: error: Expected a .keras checkpoint of a keras_gan model")
    assert not (work / "script_out").exists()


# ---- 1. a fresh process with TensorFlow only --------------------------------


def test_fresh_tensorflow_process_matches_keras(exported, launched):
    _, gens, _ = exported
    work, inputs, bg = launched
    proc = bg.result("fresh")
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = np.load(work / "out.npz")
    want_z = np.stack([expected_z(s) for s in (3, 7, 11)])
    for name, generator in gens.items():
        key = "samples" if name == "toy" else "images"
        for batch, z in inputs.items():
            np.testing.assert_allclose(got[f"{name}/{batch}"],
                                       keras_out(generator, z), atol=1e-5)
        # Deterministic per seed, rows independent of the rest of the batch
        # (what TF Serving's request batching relies on), documented noise.
        for item in (key, "z"):
            np.testing.assert_array_equal(got[f"{name}/sample_a/{item}"],
                                          got[f"{name}/sample_b/{item}"])
            np.testing.assert_allclose(got[f"{name}/sample_c/{item}"],
                                       got[f"{name}/sample_a/{item}"][1:2],
                                       atol=1e-6)
        np.testing.assert_allclose(got[f"{name}/sample_a/z"], want_z,
                                   atol=1e-6)
        np.testing.assert_allclose(got[f"{name}/sample_a/{key}"],
                                   keras_out(generator, want_z), atol=1e-5)
    # Inference mode: batch norm used its moving statistics. (training=True
    # updates them in place, hence the weight snapshot.)
    dcgan, snapshot = gens["dcgan"], gens["dcgan"].get_weights()
    batch_stats = dcgan(inputs["z5"], training=True).numpy()
    dcgan.set_weights(snapshot)
    assert np.abs(got["dcgan/z5"] - batch_stats).max() > 1e-2


# ---- 2. saved_model_cli -----------------------------------------------------


def test_saved_model_cli_show_and_run(exported, launched):
    _, gens, _ = exported
    work, _, bg = launched
    show = bg.result("show")
    assert show.returncode == 0, show.stderr[-3000:]
    text = show.stdout
    for expected in ("signature_def['serving_default']",
                     "signature_def['sample']", "inputs['z']",
                     "inputs['seed']", "outputs['images']", "outputs['z']",
                     "shape: (-1, 4)", "shape: (-1, 8, 8, 1)", "shape: (-1)",
                     "dtype: DT_INT64",
                     "Method name is: tensorflow/serving/predict"):
        assert expected in text, expected
    cli = bg.result("smc_run")
    assert cli.returncode == 0, cli.stderr[-3000:]
    np.testing.assert_allclose(
        np.load(work / "cli" / "images.npy"),
        keras_out(gens["dcgan"], SMC_Z.astype("float32")), atol=1e-5)


# ---- 3. the C API loader ----------------------------------------------------


@pytest.fixture(scope="module")
def serve_check(launched):
    work, _, bg = launched
    proc = bg.result("gcc")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work / "serve_check"

def run_c(exe, path, signature, values, out_dir):
    out_dir.mkdir()
    values.tofile(out_dir / "input.bin")
    proc = run([str(exe), str(path), signature, str(out_dir / "input.bin"),
                str(out_dir), *map(str, values.shape)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line.split() for line in proc.stdout.splitlines()]
    outputs = {}
    for kind, key, tensor, dtype, *dims in lines:
        if kind == "output":
            assert dtype == str(tf.float32.as_datatype_enum)
            outputs[key] = (tensor, np.fromfile(
                out_dir / f"{key}.bin", "float32").reshape(
                    [int(d) for d in dims]))
    (_, in_key, in_tensor, _), = [x for x in lines if x[0] == "input"]
    meta = meta_graph_pb2.MetaGraphDef()
    meta.ParseFromString((out_dir / "meta_graph_def.pb").read_bytes())
    sig = meta.signature_def[signature]
    # The C program's own protobuf reading agrees with TF's parser.
    assert {in_key: in_tensor} == {k: v.name for k, v in sig.inputs.items()}
    assert {k: t for k, (t, _) in outputs.items()} == {
        k: v.name for k, v in sig.outputs.items()}
    return {k: v for k, (_, v) in outputs.items()}


def test_c_api_loader_runs_the_signatures(exported, serve_check, tmp_path):
    _, gens, paths = exported
    z = z_batch(3, 5)
    for name in ("mlp", "dcgan"):
        outputs = run_c(serve_check, paths[name], "serving_default", z,
                        tmp_path / f"{name}_default")
        assert list(outputs) == ["images"]
        np.testing.assert_allclose(outputs["images"],
                                   keras_out(gens[name], z), atol=1e-5)
    seeds = np.array([3, 7, 11], "int64")
    outputs = run_c(serve_check, paths["toy"], "sample", seeds,
                    tmp_path / "toy_sample")
    want_z = np.stack([expected_z(s) for s in seeds])
    np.testing.assert_allclose(outputs["z"], want_z, atol=1e-6)
    np.testing.assert_allclose(outputs["samples"],
                               keras_out(gens["toy"], want_z), atol=1e-5)


# ---- 4. a killed export -----------------------------------------------------


def test_killed_export_leaves_no_version_dir(launched):
    work, _, bg = launched
    proc = bg.result("killed")
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    out = work / "killed"
    (leftover,) = entries(out / "toy")
    assert leftover.startswith(".tmp-1-")  # hidden, non-numeric: TF Serving
    assert export.list_versions(out / "toy") == []  # ignores it
    # The next export takes version 1 and removes the dead process's dir.
    assert export_generator(toy_generator(), out, "toy").name == "1"
    assert entries(out / "toy") == ["1"]


# ---- README's REST examples and the Python client ---------------------------


def load_client():
    spec = importlib.util.spec_from_file_location(
        "serving_client", ROOT / "docs" / "serving_client.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_curl_bodies():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Serving with TensorFlow Serving"):]
    end = section.find("\n## ", 1)
    section = section if end < 0 else section[:end]
    # (The conditional export's bodies are checked in
    # test_export_conditional.py.)
    return [(model, json.loads(body)) for model, body in re.findall(
        r"curl -s localhost:8501/v1/models/(\w+):predict -d '(\{.*\})'",
        section) if model != "cgan"]


def rest_to_tensors(body, signature):
    """TF Serving's JSON -> tensor rules for the row and columnar formats."""
    specs = signature.structured_input_signature[1]
    if "instances" in body:
        rows = body["instances"]
        values = ({k: [row[k] for row in rows] for k in rows[0]}
                  if isinstance(rows[0], dict) else {list(specs)[0]: rows})
    else:
        cols = body["inputs"]
        values = cols if isinstance(cols, dict) else {list(specs)[0]: cols}
    assert set(values) == set(specs)
    return {k: tf.constant(v, specs[k].dtype) for k, v in values.items()}


def test_readme_rest_bodies_run_on_exports(tmp_path):
    keras.utils.set_random_seed(3)
    models = {
        "wgan": networks.build_mlp_generator(latent_dim=100, hidden=(8,)),
        "blobs": networks.build_mlp_generator(8, (2,), (8,), None),
    }
    loaded = {name: tf.saved_model.load(str(export_generator(g, tmp_path,
                                                             name)))
              for name, g in models.items()}
    bodies = readme_curl_bodies()
    assert [(m, b.get("signature_name", "serving_default"),
             "instances" in b) for m, b in bodies] == [
        ("wgan", "sample", True), ("wgan", "sample", True),
        ("wgan", "sample", False), ("blobs", "serving_default", True),
        ("blobs", "serving_default", False)]
    for model, body in bodies:
        signature = loaded[model].signatures[
            body.get("signature_name", "serving_default")]
        inputs = rest_to_tensors(body, signature)
        outputs = {k: v.numpy() for k, v in signature(**inputs).items()}
        if "seed" in inputs:
            seeds = inputs["seed"].numpy()
            want_z = np.stack([tf.random.stateless_normal(
                [100], seed=[s, 0]).numpy() for s in seeds])
            np.testing.assert_allclose(outputs["z"], want_z, atol=1e-6)
            np.testing.assert_allclose(
                outputs["images"], keras_out(models[model], want_z),
                atol=1e-5)
        else:
            np.testing.assert_allclose(
                outputs["samples"], keras_out(models[model],
                                              inputs["z"].numpy()),
                atol=1e-5)
    client = load_client()
    seeds = {"seed": np.arange(4)}
    assert client.rest_body(seeds, "sample", "row") == bodies[0][1]
    assert client.rest_body(seeds, "sample", "columnar") == bodies[2][1]
    with pytest.raises(ValueError, match="'row' or 'columnar'"):
        client.rest_body(seeds, "sample", "rows")


def test_client_turns_rest_responses_into_a_png_grid(exported, tmp_path):
    _, _, paths = exported
    client = load_client()
    loaded = tf.saved_model.load(str(paths["mlp"]))
    out = loaded.signatures["sample"](seed=tf.range(5, dtype=tf.int64))
    images, z = out["images"].numpy(), out["z"].numpy()  # (5, 28, 28, 1)
    # The two layouts of TF Serving's REST answers, through real JSON.
    row = {"predictions": [{"images": images[i].tolist(), "z": z[i].tolist()}
                           for i in range(5)]}
    columnar = {"outputs": {"images": images.tolist(), "z": z.tolist()}}
    for body in (row, columnar):
        parsed = client.parse_rest_response(json.loads(json.dumps(body)),
                                            ["images", "z"])
        np.testing.assert_array_equal(parsed["images"], images)
        np.testing.assert_array_equal(parsed["z"], z)
    single = client.parse_rest_response(
        {"predictions": [[0.5, -1.0]]}, ["samples"])
    np.testing.assert_array_equal(single["samples"], [[0.5, -1.0]])
    with pytest.raises(RuntimeError, match="TF Serving error: bad input"):
        client.parse_rest_response({"error": "bad input"}, ["images"])

    grid = client.image_grid(parsed["images"], cols=3, pad=2)
    assert grid.shape == (2 * 30 - 2, 3 * 30 - 2) and grid.dtype == np.uint8
    client.save_png(grid, tmp_path / "grid.png")
    from PIL import Image
    png = np.asarray(Image.open(tmp_path / "grid.png"))
    np.testing.assert_array_equal(png, grid)
    pixels = np.round(images[..., 0] * 255).astype("uint8")
    np.testing.assert_array_equal(png[30:58, 30:58], pixels[4])  # row 1, col 1
    np.testing.assert_array_equal(png[0:28, 60:88], pixels[2])   # row 0, col 2
    assert png[28:30].max() == 0 and png[30:58, 60:88].max() == 0  # pad, empty
