"""Export a GAN's generator as a SavedModel for TensorFlow Serving.

Layout (what TF Serving's file-system source watches)::

    saved_models/<name>/1/saved_model.pb, variables/,
                          assets.extra/keras_gan.json
    saved_models/<name>/2/...

Every export gets the next integer version. It is built under a hidden,
non-numeric temporary directory next to the versions (``.tmp-<version>-
<host>-<pid>``), which TF Serving ignores, and then renamed into place with a
single `os.rename`: a version directory either does not exist or is complete,
an interrupted export never leaves a numeric directory, and an existing version
is never overwritten.

Signatures (tag ``serve``, method ``tensorflow/serving/predict``, every input
and output has a leading ``None`` batch dimension):

* ``serving_default``: ``{"z": float32 [None, latent_dim]}`` ->
  ``{"images": float32 [None, H, W, C]}`` in [0, 1] for image generators
  (outputs of rank 3 per sample), ``{"samples": float32 [None, ...]}``
  otherwise (e.g. ``[None, 2]`` for 2-D toy data).
* ``sample``: ``{"seed": int64 [None]}`` -> ``{"images" | "samples": ...,
  "z": float32 [None, latent_dim]}``: one sample per seed, with
  ``z = tf.random.stateless_normal([latent_dim], seed=[seed, 0])``. Each row
  depends only on its own seed, so TF Serving's request batching (which
  concatenates the rows of several requests along dimension 0 and splits the
  outputs back) returns exactly what an unbatched call would; "``n`` samples
  from seed ``s``" is the request ``seed = [s, s + 1, ..., s + n - 1]``.

A conditional generator (two inputs, ``[z, label]``: a
`keras_gan.models.ConditionalGAN`'s) gets the same two signatures with a
``label`` input, one class per row, so batching stays row-wise:

* ``serving_default``: ``{"z": float32 [None, latent_dim], "label": int64
  [None]}`` -> ``{"images" | "samples": ...}``.
* ``sample``: ``{"seed": int64 [None], "label": int64 [None]}`` ->
  ``{"images" | "samples": ..., "z": ...}``, z from the seed as above (so one
  seed with several labels draws the same style of each class).

A label outside ``[0, num_classes)``, or a different number of labels than
rows, fails the request (`tf.debugging` asserts: ``INVALID_ARGUMENT``)
instead of returning an image of no class.

A `keras_gan.models.CycleGAN` is exported by `export_translator` as one
SavedModel with both generators, one signature per direction (TF Serving:
one model name, the request's ``signature_name`` picks the direction):

* ``a_to_b`` and ``b_to_a``: ``{"images": float32 [None, H, W, C]}`` in
  [0, 1] -> ``{"images": float32 [None, H, W, C]}`` in [0, 1];
* ``serving_default``: the same function as ``a_to_b``.

Only standard TensorFlow ops are saved: the generator runs in inference mode
(`training=False`) inside plain `tf.function`s, never with `jit_compile`, so
the graph carries no ``_XlaMustCompile`` marks even when training used XLA,
and no ``PyFunc``; `check_serving_graph` verifies this after every export.

Example:
>>> from keras_gan import networks, export
>>> generator = networks.build_mlp_generator(latent_dim=8, hidden=(16,))
>>> path = export.export_generator(generator, "/tmp/saved_models", "mlp")
>>> path.name.isdigit()
True
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import socket
import sys
import time

import keras
import tensorflow as tf

#: Ops that TF Serving cannot run (they call back into a Python interpreter).
FORBIDDEN_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})
#: Function/node attributes that force XLA compilation at serving time.
FORBIDDEN_ATTRS = frozenset({"_XlaMustCompile"})
#: Extra file written next to the SavedModel (TF Serving ignores it).
METADATA_FILE = "assets.extra/keras_gan.json"

_TMP_PREFIX = ".tmp-"
_TMP_RE = re.compile(r"^\.tmp-(\d+)-(.+)-(\d+)$")


class ExportError(Exception):
    """An export could not be written (bad destination, bad checkpoint)."""


# ---- names and versions --------------------------------------------------


def check_name(name):
    """Validates a model name: one plain directory name.

    Args:
        name: The model name, e.g. ``"wgan"``.

    Returns:
        The name.

    Raises:
        ValueError: if the name is empty, ``.``/``..``, contains a path
            separator or a NUL byte, or starts with ``.`` (hidden names are
            reserved for temporary directories).
    """
    if (not isinstance(name, str) or not name or name in (".", "..")
            or "/" in name or "\\" in name or "\0" in name
            or (os.altsep and os.altsep in name) or name.startswith(".")):
        raise ValueError(
            "Expected `name` to be a plain directory name (non-empty, no "
            "path separators, not '.' or '..', not starting with '.'). "
            f"Received: name={name!r}")
    return name


def list_versions(model_dir):
    """Returns the sorted integer versions present under `model_dir`."""
    model_dir = pathlib.Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(int(p.name) for p in model_dir.iterdir()
                  if p.name.isdigit() and p.is_dir())


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _remove_stale_temp_dirs(model_dir):
    """Deletes temp dirs left by exports from dead processes on this host."""
    host = socket.gethostname()
    for path in model_dir.glob(_TMP_PREFIX + "*"):
        match = _TMP_RE.match(path.name)
        if (match and path.is_dir() and match.group(2) == host
                and not _pid_alive(int(match.group(3)))):
            shutil.rmtree(path, ignore_errors=True)


# ---- the serving module --------------------------------------------------


def _generator_latent_dim(generator, latent_dim):
    try:
        shape = generator.input_shape
    except (AttributeError, ValueError):
        shape = None
    if isinstance(shape, list):
        if len(shape) != 1:
            raise ValueError(
                "Expected `generator` to have exactly one input (z). "
                f"Received input shapes: {shape}")
        shape = shape[0]
    if shape is not None:
        shape = tuple(shape)
        if len(shape) != 2 or shape[1] is None:
            raise ValueError(
                "Expected `generator` to take z of shape (None, latent_dim). "
                f"Received: generator input shape {shape}")
        if latent_dim is not None and latent_dim != shape[1]:
            raise ValueError(
                f"Expected `latent_dim` to match the generator's input "
                f"(None, {shape[1]}). Received: latent_dim={latent_dim}")
        return int(shape[1])
    if (latent_dim is None or isinstance(latent_dim, bool)
            or not isinstance(latent_dim, int) or latent_dim < 1):
        raise ValueError(
            "The generator's input shape is unknown: pass `latent_dim` (an "
            f"int >= 1). Received: latent_dim={latent_dim!r}")
    return latent_dim


class _ServingModule(tf.Module):
    """Holds the generator's variables and the two serving functions.

    The generator itself is only captured by closures, not tracked as an
    attribute: the SavedModel then holds the variables and the two traced
    functions, not Keras' object graph.
    """

    def __init__(self, generator, latent_dim):
        super().__init__(name="keras_gan_generator")
        # The underlying tf.Variables: tf.saved_model.save must track every
        # resource the functions capture.
        self.model_variables = [getattr(v, "value", v)
                                for v in generator.variables]
        z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
        seed_spec = tf.TensorSpec([None], tf.int64, name="seed")

        def run(z):  # (B, latent_dim) -> (B, ...), inference mode
            out = generator(z, training=False)
            if isinstance(out, (list, tuple, dict)):
                raise ValueError(
                    "Expected `generator` to return one tensor of samples. "
                    f"Received: a {type(out).__name__} of {len(out)} outputs")
            return tf.cast(out, tf.float32)

        out_shape = tf.function(run, autograph=False).get_concrete_function(
            z_spec).structured_outputs.shape
        key = "images" if out_shape.rank == 4 else "samples"
        self.latent_dim = latent_dim
        self.output_key = key
        self.output_shape = tuple(out_shape.as_list())

        def generate(z):
            return {key: run(z)}

        def noise_for_seed(seed):  # one z per seed, independent of the batch
            return tf.random.stateless_normal(
                [latent_dim], seed=tf.stack([seed, tf.constant(0, tf.int64)]))

        def sample(seed):
            z = tf.map_fn(noise_for_seed, seed,
                          fn_output_signature=tf.TensorSpec([latent_dim],
                                                            tf.float32))
            z = tf.reshape(z, [-1, latent_dim])  # (B, latent_dim)
            return {key: run(z), "z": z}

        # jit_compile left unset: even `jit_compile=False` writes an
        # `_XlaMustCompile` attribute (= false) into the function defs.
        self.generate = tf.function(generate, input_signature=[z_spec],
                                    autograph=False)
        self.sample = tf.function(sample, input_signature=[seed_spec],
                                  autograph=False)


def is_conditional(generator):
    """Whether `generator` takes ``[z, label]`` (a conditional generator)."""
    inputs = getattr(generator, "inputs", None)
    return (isinstance(inputs, (list, tuple)) and len(inputs) == 2
            and tuple(inputs[1].shape) == (None,)
            and "int" in str(inputs[1].dtype))


def _conditional_dims(generator, latent_dim, num_classes):
    """(latent_dim, num_classes) of a conditional generator, checked."""
    z_shape = tuple(generator.inputs[0].shape)
    if len(z_shape) != 2 or z_shape[1] is None:
        raise ValueError(
            "Expected a conditional `generator` to take z of shape (None, "
            f"latent_dim) first. Received: z input shape {z_shape}")
    if latent_dim is not None and latent_dim != z_shape[1]:
        raise ValueError(
            f"Expected `latent_dim` to match the generator's input "
            f"(None, {z_shape[1]}). Received: latent_dim={latent_dim}")
    # The one-hot layer of keras_gan's conditional networks knows K.
    tokens = {getattr(layer, "num_tokens", None)
              for layer in generator.layers
              if isinstance(layer, keras.layers.CategoryEncoding)}
    tokens.discard(None)
    if num_classes is None:
        if len(tokens) != 1:
            raise ValueError(
                "The conditional generator's number of classes is unknown: "
                "pass `num_classes` (an int >= 2). Received: "
                "num_classes=None")
        (num_classes,) = tokens
    if (isinstance(num_classes, bool) or not isinstance(num_classes, int)
            or num_classes < 2 or (tokens and tokens != {num_classes})):
        raise ValueError(
            f"Expected `num_classes` to be an int >= 2 matching the "
            f"generator's one-hot layers {sorted(tokens)}. Received: "
            f"num_classes={num_classes!r}")
    return int(z_shape[1]), num_classes


class _ConditionalServingModule(tf.Module):
    """`_ServingModule` for a generator of ``[z, label]`` (see the top)."""

    def __init__(self, generator, latent_dim, num_classes):
        super().__init__(name="keras_gan_conditional_generator")
        self.model_variables = [getattr(v, "value", v)
                                for v in generator.variables]
        z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
        seed_spec = tf.TensorSpec([None], tf.int64, name="seed")
        label_spec = tf.TensorSpec([None], tf.int64, name="label")

        def checked(label, rows):  # (B,) int64 -> (B,) int32, or fails
            checks = [
                tf.debugging.assert_equal(
                    tf.shape(label)[0], rows,
                    message="Expected one label per row"),
                tf.debugging.assert_non_negative(
                    label, message=f"Expected labels in [0, {num_classes})"),
                tf.debugging.assert_less(
                    label, tf.constant(num_classes, tf.int64),
                    message=f"Expected labels in [0, {num_classes})"),
            ]
            with tf.control_dependencies(checks):
                return tf.cast(label, tf.int32)

        def run(z, label):  # inference mode
            out = generator([z, checked(label, tf.shape(z)[0])],
                            training=False)
            if isinstance(out, (list, tuple, dict)):
                raise ValueError(
                    "Expected `generator` to return one tensor of samples. "
                    f"Received: a {type(out).__name__} of {len(out)} outputs")
            return tf.cast(out, tf.float32)

        out_shape = tf.function(run, autograph=False).get_concrete_function(
            z_spec, label_spec).structured_outputs.shape
        key = "images" if out_shape.rank == 4 else "samples"
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.output_key = key
        self.output_shape = tuple(out_shape.as_list())

        def generate(z, label):
            return {key: run(z, label)}

        def noise_for_seed(seed):  # the unconditional export's formula
            return tf.random.stateless_normal(
                [latent_dim], seed=tf.stack([seed, tf.constant(0, tf.int64)]))

        def sample(seed, label):
            z = tf.map_fn(noise_for_seed, seed,
                          fn_output_signature=tf.TensorSpec([latent_dim],
                                                            tf.float32))
            z = tf.reshape(z, [-1, latent_dim])  # (B, latent_dim)
            return {key: run(z, label), "z": z}

        self.generate = tf.function(
            generate, input_signature=[z_spec, label_spec], autograph=False)
        self.sample = tf.function(
            sample, input_signature=[seed_spec, label_spec], autograph=False)


def _check_generator(generator):
    if not isinstance(generator, keras.Model):
        raise ValueError(
            "Expected `generator` to be a keras.Model. "
            f"Received: generator of type {type(generator).__name__}")


def serving_functions(generator, latent_dim=None, num_classes=None):
    """Builds the `tf.Module` that `export_generator` saves.

    Args:
        generator: `keras.Model` mapping `(B, latent_dim)` to samples, or a
            conditional one mapping `[z, label]` to samples.
        latent_dim: Size of z; inferred from the generator when None.
        num_classes: Conditional generators only: K; inferred from the
            generator's one-hot layer when None.

    Returns:
        `(module, signatures)`: the module and the signature dict for
        `tf.saved_model.save`.
    """
    _check_generator(generator)
    if is_conditional(generator):
        module = _ConditionalServingModule(
            generator, *_conditional_dims(generator, latent_dim, num_classes))
    else:
        latent_dim = _generator_latent_dim(generator, latent_dim)
        module = _ServingModule(generator, latent_dim)
    signatures = {
        "serving_default": module.generate.get_concrete_function(),
        "sample": module.sample.get_concrete_function(),
    }
    return module, signatures


# ---- graph checks ----------------------------------------------------------


def scan_graph(saved_model_dir):
    """Lists what would stop TF Serving from running a SavedModel as is.

    Reads ``saved_model.pb`` and scans every node of the graph and of every
    function in its library for ops that need Python (`FORBIDDEN_OPS`) and
    for XLA-must-compile marks (`FORBIDDEN_ATTRS`, on nodes or functions).

    Args:
        saved_model_dir: A SavedModel directory.

    Returns:
        A list of human-readable findings; empty when the graph is clean.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString(
        (pathlib.Path(saved_model_dir) / "saved_model.pb").read_bytes())
    findings = []

    def scan_nodes(where, nodes):
        for node in nodes:
            if node.op in FORBIDDEN_OPS:
                findings.append(f"{where}: node {node.name} is a {node.op}")
            for attr in FORBIDDEN_ATTRS & set(node.attr):
                findings.append(f"{where}: node {node.name} has {attr}")

    for meta_graph in proto.meta_graphs:
        graph = meta_graph.graph_def
        scan_nodes("graph", graph.node)
        for function in graph.library.function:
            fname = function.signature.name
            scan_nodes(f"function {fname}", function.node_def)
            for attr in FORBIDDEN_ATTRS & set(function.attr):
                findings.append(f"function {fname} has {attr}")
    return findings


def check_serving_graph(saved_model_dir):
    """Raises `ExportError` if `scan_graph` finds anything."""
    findings = scan_graph(saved_model_dir)
    if findings:
        raise ExportError(
            "Expected a SavedModel with only standard TF ops (no PyFunc, no "
            f"XLA must-compile marks). Received: {'; '.join(findings[:5])}")


# ---- export ----------------------------------------------------------------


def export_generator(generator, export_dir="saved_models", name="gan", *,
                     latent_dim=None, version=None, metadata=None,
                     num_classes=None):
    """Writes `generator` to ``export_dir/name/<version>/`` for TF Serving.

    Args:
        generator: `keras.Model` (a GAN's `.generator`) mapping
            `(B, latent_dim)` to `(B, H, W, C)` images in [0, 1] or to
            `(B, D)` samples.
        export_dir: Base directory of all exports (created if missing).
        name: Model name: one plain directory name (see `check_name`).
        latent_dim: Size of z; inferred from the generator's input shape
            when None (required when the generator has no known input).
        version: Integer version >= 1; default: one more than the largest
            existing version (1 for the first export).
        metadata: Optional JSON-serialisable dict stored in
            ``assets.extra/keras_gan.json`` (e.g. the source checkpoint).
        num_classes: For a conditional generator (inputs ``[z, label]``,
            exported with a ``label`` input in both signatures): K, inferred
            from its one-hot layer when None.

    Returns:
        `pathlib.Path` of the new version directory.

    Raises:
        ValueError: bad `generator`, `name`, `latent_dim` or `version`.
        ExportError: the version exists already, the destination is not
            writable, or the saved graph is not servable. Nothing is left
            behind in any of these cases.
    """
    check_name(name)
    if version is not None and (isinstance(version, bool)
                                or not isinstance(version, int)
                                or version < 1):
        raise ValueError(
            f"Expected `version` to be an int >= 1 or None. "
            f"Received: version={version!r}")
    _check_generator(generator)
    conditional = is_conditional(generator)
    if conditional:
        latent_dim, num_classes = _conditional_dims(generator, latent_dim,
                                                    num_classes)
    else:
        latent_dim = _generator_latent_dim(generator, latent_dim)

    def build():
        module, signatures = serving_functions(generator, latent_dim,
                                               num_classes)
        info = {
            "format": 1,
            "latent_dim": module.latent_dim,
            "output_key": module.output_key,
            "output_shape": list(module.output_shape),
            "signatures": {
                "serving_default": {"inputs": {"z": "float32"},
                                    "outputs": [module.output_key]},
                "sample": {"inputs": {"seed": "int64"},
                           "outputs": [module.output_key, "z"]},
            },
            "noise": "z = tf.random.stateless_normal([latent_dim], "
                     "seed=[seed, 0])",
            **(_conditional_info(module) if conditional else {}),
            "generator": generator.name,
        }
        return module, signatures, info

    return _write_version(export_dir, name, version, build, metadata)


def _write_version(export_dir, name, version, build, metadata=None):
    """Saves `build()`'s module as the next (or the given) version, atomically.

    `build` returns `(module, signatures, info)`; `info` (plus versions,
    time and `metadata`) becomes ``assets.extra/keras_gan.json``. See the
    module docstring for the temporary directory and the rename.
    """
    model_dir = pathlib.Path(export_dir) / name
    created = not model_dir.exists()
    try:
        model_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(
            f"Expected a writable export directory. Could not create "
            f"{model_dir}: {error.strerror or error}") from None
    if not os.access(model_dir, os.W_OK | os.X_OK):
        raise ExportError(
            f"Expected a writable export directory. Received: {model_dir} "
            "is not writable")
    _remove_stale_temp_dirs(model_dir)

    existing = list_versions(model_dir)
    chosen = version if version is not None else max(existing, default=0) + 1
    if chosen in existing:
        raise ExportError(
            f"Expected a new version. Received: version={chosen}, but "
            f"{model_dir / str(chosen)} exists (versions are never "
            "overwritten)")
    tmp = model_dir / (f"{_TMP_PREFIX}{chosen}-{socket.gethostname()}-"
                       f"{os.getpid()}")
    try:
        module, signatures, info = build()
        tf.saved_model.save(
            module, str(tmp), signatures=signatures,
            options=tf.saved_model.SaveOptions(
                experimental_custom_gradients=False))
        check_serving_graph(tmp)
        info = {
            **info,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **(metadata or {}),
        }
        meta_path = tmp / METADATA_FILE
        meta_path.parent.mkdir(exist_ok=True)
        meta_path.write_text(json.dumps(info, indent=2) + "\n")
        final = _rename_into_place(tmp, model_dir, chosen,
                                   auto=version is None)
    except BaseException as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:  # leave no empty model folder behind either
            try:
                model_dir.rmdir()
            except OSError:
                pass
        if isinstance(error, OSError):
            raise ExportError(
                f"Could not write the export under {model_dir}: "
                f"{error.strerror or error}") from None
        raise
    return final


def _conditional_info(module):
    """The metadata entries of a conditional export."""
    return {
        "num_classes": module.num_classes,
        "signatures": {
            "serving_default": {"inputs": {"z": "float32", "label": "int64"},
                                "outputs": [module.output_key]},
            "sample": {"inputs": {"seed": "int64", "label": "int64"},
                       "outputs": [module.output_key, "z"]},
        },
    }


# ---- image-to-image translators (CycleGAN) ----------------------------------

#: The signatures of a translator export; `serving_default` is A -> B.
TRANSLATION_SIGNATURES = ("serving_default", "a_to_b", "b_to_a")


class _TranslationServingModule(tf.Module):
    """Both generators of a CycleGAN, one function per direction.

    One SavedModel, so TF Serving serves one model name and the request's
    `signature_name` picks the direction (a client that names none gets
    ``serving_default`` = A -> B); both directions come from one training
    run and one version, so they can never be served out of step.
    """

    def __init__(self, generator_ab, generator_ba):
        super().__init__(name="keras_gan_translator")
        self.model_variables = [getattr(v, "value", v)
                                for net in (generator_ab, generator_ba)
                                for v in net.variables]
        shapes = []
        for net in (generator_ab, generator_ba):
            shape = tuple(net.input_shape)
            if len(shape) != 4 or None in shape[1:] or tuple(
                    net.output_shape) != shape:
                raise ValueError(
                    "Expected generators mapping images (None, H, W, C) to "
                    "images of the same shape. Received: "
                    f"{net.name} {shape} -> {tuple(net.output_shape)}")
            shapes.append(shape[1:])
        if shapes[0] != shapes[1]:
            raise ValueError(
                f"Expected both generators to take one image shape. "
                f"Received: {shapes[0]} and {shapes[1]}")
        self.image_shape = shapes[0]
        spec = tf.TensorSpec([None, *self.image_shape], tf.float32,
                             name="images")

        def direction(net):
            def translate(images):  # (B, H, W, C) in [0, 1], inference mode
                return {"images": tf.cast(net(images, training=False),
                                          tf.float32)}
            return tf.function(translate, input_signature=[spec],
                               autograph=False)

        self.a_to_b = direction(generator_ab)
        self.b_to_a = direction(generator_ba)


def export_translator(generator_ab, generator_ba, export_dir="saved_models",
                      name="cyclegan", *, version=None, metadata=None):
    """Writes a CycleGAN's two generators as one versioned SavedModel.

    Signatures (tag ``serve``, every input and output with a ``None``
    batch dimension; rows are independent, so TF Serving's request batching
    returns what unbatched calls would):

    * ``a_to_b``: ``{"images": float32 [None, H, W, C]}`` in [0, 1] ->
      ``{"images": float32 [None, H, W, C]}`` in [0, 1], the A -> B
      generator in inference mode;
    * ``b_to_a``: the same for B -> A;
    * ``serving_default``: ``a_to_b``.

    The written and the checked files, the atomic rename and the version
    rules are `export_generator`'s.

    Args:
        generator_ab: `keras.Model` A images -> B images.
        generator_ba: `keras.Model` B images -> A images, same shape.
        export_dir: Base directory of all exports.
        name: Model name (see `check_name`).
        version: Integer version >= 1; default: the next one.
        metadata: Optional JSON-serialisable dict for
            ``assets.extra/keras_gan.json`` (e.g. the data set and the
            domains).

    Returns:
        `pathlib.Path` of the new version directory.

    Raises:
        ValueError: bad generators, `name` or `version`.
        ExportError: as `export_generator`.
    """
    check_name(name)
    if version is not None and (isinstance(version, bool)
                                or not isinstance(version, int)
                                or version < 1):
        raise ValueError(
            f"Expected `version` to be an int >= 1 or None. "
            f"Received: version={version!r}")
    for net in (generator_ab, generator_ba):
        _check_generator(net)

    def build():
        module = _TranslationServingModule(generator_ab, generator_ba)
        a_to_b = module.a_to_b.get_concrete_function()
        signatures = {"serving_default": a_to_b, "a_to_b": a_to_b,
                      "b_to_a": module.b_to_a.get_concrete_function()}
        io = {"inputs": {"images": "float32"}, "outputs": ["images"]}
        info = {
            "format": 1,
            "kind": "translation",
            "image_shape": list(module.image_shape),
            "output_key": "images",
            "signatures": {key: dict(io) for key in TRANSLATION_SIGNATURES},
            "serving_default": "a_to_b",
            "generators": {"a_to_b": generator_ab.name,
                           "b_to_a": generator_ba.name},
        }
        return module, signatures, info

    return _write_version(export_dir, name, version, build, metadata)


def _rename_into_place(tmp, model_dir, version, auto):
    """Atomically renames `tmp` to the version dir; retries if auto."""
    for _ in range(100):
        final = model_dir / str(version)
        try:
            # Linux rename(2) refuses a non-empty target, so a concurrent
            # export of the same version cannot be overwritten.
            if final.exists():
                raise FileExistsError(str(final))
            os.rename(tmp, final)
            return final
        except OSError as error:
            if not final.exists():
                raise
            if not auto:
                raise ExportError(
                    f"Expected a new version. Received: version={version}, "
                    f"but {final} exists (versions are never "
                    "overwritten)") from error
            version = max(list_versions(model_dir), default=0) + 1
    raise ExportError(f"Could not find a free version under {model_dir}")


# ---- checkpoints and the CLI ----------------------------------------------

def find_checkpoint(path):
    """Resolves a `.keras` file or a run directory to one `.keras` file.

    The rule is `keras_gan.runs.find_checkpoint` (shared with
    `evaluate.py`).

    Raises:
        ExportError: no such file, or no unambiguous checkpoint in the dir.
    """
    from keras_gan import runs

    try:
        return runs.find_checkpoint(path)
    except runs.RunDirError as error:
        raise ExportError(f"Expected a .keras checkpoint or a run "
                          f"directory. Received: {error}") from None


def load_gan(checkpoint):
    """Loads a keras_gan model (GAN, WGAN or WGANGP) from a `.keras` file.

    Raises:
        ExportError: the file is not a loadable `.keras` archive of a
            keras_gan model.
    """
    from keras_gan.models import GAN, CycleGAN

    from keras_gan import runs

    try:
        model = runs.load_checkpoint(checkpoint, compile=False)
    except runs.RunDirError as error:
        raise ExportError(f"Expected a .keras checkpoint of a keras_gan "
                          f"model. Received: {error}") from None
    if not isinstance(model, (GAN, CycleGAN)):
        raise ExportError(
            f"Expected a .keras checkpoint of a keras_gan model. Received: "
            f"{checkpoint} holds a "
            f"{type(model).__name__}")
    return model


def export_checkpoint(checkpoint, export_dir="saved_models", name=None,
                      version=None):
    """Exports the generator of a `.keras` checkpoint (or run directory).

    Args:
        checkpoint: A `.keras` file or a run directory (see
            `find_checkpoint`).
        export_dir: Base directory of the exports.
        name: Model name; defaults to the run's ``export_name`` or
            ``model`` from ``config.json`` next to the checkpoint, else the
            GAN's own Keras name (e.g. ``wgangp``).
        version: Optional explicit version.

    Returns:
        The new version directory.
    """
    if name is not None:
        check_name(name)
    from keras_gan import runs

    path = find_checkpoint(checkpoint)
    run = runs.read_settings(path.parent)
    gan = load_gan(path)
    metadata = {"source": str(path.resolve()),
                "model_class": type(gan).__name__}
    if run:
        metadata.update({"run_dir": str(path.parent.resolve()), **{
            key: run[key] for key in ("model", "dataset", "epochs")
            if key in run}})
    name = name or run.get("export_name") or run.get("model") or gan.name
    if hasattr(gan, "generator_ab"):  # a CycleGAN: both directions
        metadata.update({key: run[key] for key in ("data", "data_b")
                         if run.get(key)})
        return export_translator(gan.generator_ab, gan.generator_ba,
                                 export_dir, check_name(name),
                                 version=version, metadata=metadata)
    return export_generator(
        gan.sampling_generator, export_dir, check_name(name),
        latent_dim=gan.latent_dim, version=version, metadata=metadata,
        num_classes=getattr(gan, "num_classes", None))


def main(argv=None):
    """`python export.py CHECKPOINT [--export-dir D] [--name N]`.

    Returns:
        0 on success; 2 (one line on stderr, nothing written) on bad input.
    """
    parser = argparse.ArgumentParser(
        prog="export.py",
        description="Export the generator of a finished keras_gan run as a "
                    "versioned SavedModel for TensorFlow Serving: "
                    "EXPORT_DIR/NAME/<next version>/.")
    parser.add_argument("checkpoint",
                        help="a .keras checkpoint or a run directory")
    parser.add_argument("--export-dir", default="saved_models",
                        help="base directory (default: saved_models)")
    parser.add_argument("--name", default=None,
                        help="model name (default: the run's export name "
                             "or model, else the GAN's name)")
    parser.add_argument("--version", type=int, default=None,
                        help="explicit version (default: next integer)")
    args = parser.parse_args(argv)
    try:
        path = export_checkpoint(args.checkpoint, args.export_dir, args.name,
                                 args.version)
    except (ValueError, ExportError) as error:
        message = " ".join(str(error).split())
        print(f"export.py: error: {message}", file=sys.stderr)
        return 2
    print(path)
    return 0
