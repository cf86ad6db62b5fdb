"""What `evaluate.py` scores: generators and translators as black boxes.

`Sampler` (z -> samples) and `Translator` (A -> B, B -> A) wrap a Keras
model, a `.keras` checkpoint, a run directory (found by the rule of
`keras_gan.runs`, shared with `export.py`) or a SavedModel export (used only
through its serving signatures, as TF Serving would). `load_sampler` takes
any of these paths.
"""

import json
import pathlib

import numpy as np
import tensorflow as tf

from keras_gan._checks import check_int
from keras_gan.metrics import EvaluationError

# ---- generators to score: SavedModel exports and run dirs --------------------

def export_metadata(path):
    """What `keras_gan.export` recorded next to a SavedModel's graph.

    ``assets.extra/keras_gan.json`` (the training data set, a conditional
    generator's number of classes, a CycleGAN's domains); {} if there is
    none or it is unreadable.
    """
    metadata = pathlib.Path(path) / "assets.extra" / "keras_gan.json"
    try:
        recorded = json.loads(metadata.read_text())
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


class Sampler:
    """A generator seen as a black box: z (N, latent_dim) -> samples.

    A conditional generator (`num_classes` set) maps z and one class label
    per row to samples: `sampler(z, labels)`.

    Attributes:
        latent_dim: Size of z.
        kind: `"images"` (output `(N, H, W, C)` in [0, 1]) or `"samples"`
            (output `(N, D)` points).
        sample_shape: Shape of one output, e.g. `(28, 28, 1)` or `(2,)`.
        source: Where it was loaded from (for reports).
        dataset: The data set the run was trained on, if recorded.
        num_classes: K for a conditional generator, None otherwise.
    """

    def __init__(self, fn, latent_dim, kind, sample_shape, source,
                 dataset=None, num_classes=None):
        self._fn = fn
        self.latent_dim = latent_dim
        self.kind = kind
        self.sample_shape = tuple(sample_shape)
        self.source = str(source)
        self.dataset = dataset
        self.num_classes = num_classes

    @property
    def conditional(self):
        """Whether the generator takes class labels."""
        return self.num_classes is not None

    def _labels(self, labels, n):
        if not self.conditional:
            if labels is not None:
                raise EvaluationError(
                    f"Expected no labels for the unconditional generator "
                    f"from {self.source}. Received: labels")
            return None
        from keras_gan.models.conditional import check_labels

        if labels is None:
            raise EvaluationError(
                f"Expected labels for the conditional generator from "
                f"{self.source} ({self.num_classes} classes). Received: "
                f"none")
        try:
            labels = check_labels(labels, self.num_classes)
        except ValueError as error:
            raise EvaluationError(str(error)) from None
        if len(labels) != n:
            raise EvaluationError(
                f"Expected one label per sample ({n}). Received: "
                f"{len(labels)} labels")
        return labels

    def __call__(self, z, labels=None):
        z = np.asarray(z, np.float32)
        labels = self._labels(labels, len(z))
        if labels is None:
            return np.asarray(self._fn(z))
        return np.asarray(self._fn(z, labels))

    def sample(self, n, seed=0, batch_size=1000, labels=None):
        """`n` outputs for z ~ N(0, I) drawn with numpy from `seed`.

        A conditional generator draws class `labels[i]` in row i; by
        default the classes in turn, ``0, 1, ..., K-1, 0, ...``
        (`models.conditional.balanced_labels`).
        """
        n = check_int("n", n, 1)
        if self.conditional and labels is None:
            from keras_gan.models.conditional import balanced_labels

            labels = balanced_labels(n, self.num_classes)
        labels = self._labels(labels, n)
        z = np.random.default_rng(seed).standard_normal(
            (n, self.latent_dim)).astype(np.float32)
        if labels is None:
            return np.concatenate([self(z[i:i + batch_size])
                                   for i in range(0, n, batch_size)])
        return np.concatenate([self(z[i:i + batch_size],
                                    labels[i:i + batch_size])
                               for i in range(0, n, batch_size)])


def _keras_sampler(generator, latent_dim, source, dataset=None,
                   num_classes=None):
    shape = tuple(generator.output_shape[1:])
    kind = "images" if len(shape) == 3 else "samples"
    if num_classes is not None:
        return Sampler(
            lambda z, labels: generator(
                [tf.constant(z), tf.constant(labels)], training=False),
            latent_dim, kind, shape, source, dataset, num_classes)
    return Sampler(lambda z: generator(z, training=False), latent_dim, kind,
                   shape, source, dataset)


def sampler_from_model(model, source="model", average=True):
    """A `Sampler` over a keras_gan model's (or a bare) generator.

    For a keras_gan model this is its `sampling_generator`: the weight
    average when the model keeps one (`ema_decay`), else the generator;
    with `average=False` always the trained generator itself.
    """
    generator = (getattr(model, "sampling_generator", None) if average
                 else None) or getattr(model, "generator", model)
    num_classes = getattr(model, "num_classes", None)  # ConditionalGAN
    latent_dim = getattr(model, "latent_dim", None) or int(
        (generator.input_shape[0] if num_classes else
         generator.input_shape)[-1])
    return _keras_sampler(generator, latent_dim, source,
                          num_classes=num_classes)


def _load_saved_model(path):
    try:
        return tf.saved_model.load(str(path))
    except Exception as error:  # noqa: BLE001 - TF raises many types
        raise EvaluationError(
            f"Expected a readable SavedModel at {path}. Received: "
            f"{type(error).__name__}: {str(error).splitlines()[0]}") from None


def _saved_model_sampler(path):
    loaded = _load_saved_model(path)
    signature = getattr(loaded, "signatures", {}).get("serving_default")
    if signature is None:
        raise EvaluationError(
            f"Expected a `serving_default` signature in the SavedModel at "
            f"{path}. Received signatures: "
            f"{sorted(getattr(loaded, 'signatures', {}))}")
    _, inputs = signature.structured_input_signature
    outputs = signature.structured_outputs
    z_spec = inputs.get("z")
    label_spec = inputs.get("label")  # a conditional export
    out_key = next((k for k in ("images", "samples") if k in outputs), None)
    if z_spec is None or z_spec.shape.rank != 2 or z_spec.shape[1] is None \
            or out_key is None or z_spec.dtype != tf.float32 or (
                label_spec is not None and (label_spec.shape.rank != 1
                                            or not label_spec.dtype.is_integer)
            ) or set(inputs) - {"z", "label"}:
        raise EvaluationError(
            f"Expected `serving_default` to map {{'z': float32 [None, "
            f"latent_dim]}} (and, if conditional, 'label': int [None]) to "
            f"{{'images' | 'samples': ...}}. Received: "
            f"inputs {dict(inputs)}, outputs {sorted(outputs)}")
    latent_dim = int(z_spec.shape[1])
    # keras_gan.export records the training data set (and a conditional
    # generator's number of classes) next to the graph.
    recorded = export_metadata(path)
    dataset = recorded.get("dataset")
    num_classes = None
    if label_spec is not None:
        num_classes = recorded.get("num_classes")
        if isinstance(num_classes, bool) or not isinstance(
                num_classes, int) or num_classes < 2:
            raise EvaluationError(
                f"Expected the number of classes of the conditional "
                f"SavedModel at {path} in assets.extra/keras_gan.json "
                f"(num_classes, written by keras_gan.export). Received: "
                f"{num_classes!r}")

    def run(z, labels=None):
        if labels is None:
            return signature(z=tf.constant(z))[out_key].numpy()
        return signature(z=tf.constant(z), label=tf.constant(
            labels, label_spec.dtype))[out_key].numpy()

    sample_shape = outputs[out_key].shape[1:]
    if not sample_shape.is_fully_defined():
        probe = np.zeros((1, latent_dim), np.float32)
        sample_shape = run(probe, None if num_classes is None
                           else np.zeros(1, np.int64)).shape[1:]
    kind = "images" if len(sample_shape) == 3 else "samples"
    # Keep `loaded` alive: the signature's variables belong to it.
    run.loaded = loaded
    return Sampler(run, latent_dim, kind, tuple(sample_shape), path, dataset,
                   num_classes)


def _newest_version(path):
    versions = [p for p in path.iterdir() if p.is_dir() and p.name.isdigit()
                and (p / "saved_model.pb").exists()]
    return max(versions, key=lambda p: int(p.name)) if versions else None


def load_sampler(path, average=True):
    """Loads what `evaluate.py` scores.

    Accepts a SavedModel version directory (`saved_models/<name>/<version>`,
    scored only through its `serving_default` signature), a model directory
    holding numbered versions (the newest is used), a `.keras` checkpoint, or
    a training run directory (its checkpoint and settings found as
    `keras_gan.runs` finds them, the same rule as `export.py`). Exports
    written by `keras_gan.export` name it in `assets.extra/keras_gan.json`.

    Args:
        path: A path as above.
        average: For a checkpoint or run dir of a model that keeps a weight
            average of its generator: score the average (True, what the
            export holds) or the trained generator itself (False). A
            SavedModel is scored as exported.

    Returns:
        A `Sampler`.

    Raises:
        EvaluationError: if nothing scoreable is found or the SavedModel
            lacks the expected signature.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise EvaluationError(f"Expected an existing path. Received: {path}")
    if path.is_dir() and _newest_version(path) is not None \
            and not (path / "saved_model.pb").exists():
        path = _newest_version(path)
    if path.is_dir() and (path / "saved_model.pb").exists():
        if is_translation_export(path):  # a CycleGAN: a `Translator`
            return _saved_model_translator(path)
        return _saved_model_sampler(path)
    from keras_gan import runs

    dataset = data = None
    if path.is_dir():
        # A run dir: the same checkpoint and settings that `export.py`
        # takes from it (`keras_gan.runs`).
        settings = runs.read_settings(path)
        dataset = settings.get("dataset")
        # A CycleGAN run on the user's own two domains.
        pair = tuple(settings.get(key) for key in ("data", "data_b"))
        data = pair if all(pair) else None
    try:
        checkpoint = runs.find_checkpoint(path)
    except runs.RunDirError as error:
        raise EvaluationError(
            f"Expected a SavedModel (saved_model.pb), a folder of numbered "
            f"SavedModel versions or a run dir with a .keras checkpoint. "
            f"Received: {error}") from None
    if checkpoint.suffix != ".keras":
        raise EvaluationError(
            f"Expected a SavedModel directory, a run dir or a .keras file. "
            f"Received: {path}")
    try:
        model = runs.load_checkpoint(checkpoint, compile=False)
    except runs.RunDirError as error:
        raise EvaluationError(f"Expected a loadable keras_gan checkpoint. "
                              f"Received: {error}") from None
    if hasattr(model, "generator_ab"):  # a CycleGAN
        return translator_from_model(model, checkpoint, dataset, data)
    sampler = sampler_from_model(model, checkpoint, average=average)
    sampler.dataset = dataset
    return sampler


class Translator:
    """A trained CycleGAN seen as two black boxes: A -> B and B -> A.

    Attributes:
        image_shape: `(H, W, C)` of both domains.
        source: Where it was loaded from (for reports).
        dataset: The data set the run was trained on, if recorded.
        data: `(path_a, path_b)` of a run on the user's own domains, if
            recorded, else None.
    """

    def __init__(self, a_to_b, b_to_a, image_shape, source, dataset=None,
                 data=None):
        self._fns = {"a_to_b": a_to_b, "b_to_a": b_to_a}
        self.image_shape = tuple(image_shape)
        self.source = str(source)
        self.dataset = dataset
        self.data = data

    def translate(self, images, direction, batch_size=500):
        """Translated images, float32 `(N, H, W, C)` in [0, 1]."""
        images = _translation_inputs(images, self.image_shape)
        fn = self._fns[direction]
        return np.concatenate([np.asarray(fn(images[i:i + batch_size]),
                                          np.float32)
                               for i in range(0, len(images), batch_size)])


def _translation_inputs(images, shape):
    images = np.asarray(images)
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(shape) \
            or not len(images):
        raise EvaluationError(
            f"Expected images of shape (N, {', '.join(map(str, shape))}) "
            f"with N >= 1. Received: shape {images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32)


def translator_from_model(model, source="model", dataset=None, data=None):
    """A `Translator` over a `keras_gan.models.CycleGAN`'s generators."""
    return Translator(
        lambda x: model.generator_ab(tf.constant(x), training=False),
        lambda x: model.generator_ba(tf.constant(x), training=False),
        model.shape_a, source, dataset, data)


def is_translation_export(path):
    """Whether the SavedModel at `path` has `a_to_b` and `b_to_a`."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    try:
        proto.ParseFromString(
            (pathlib.Path(path) / "saved_model.pb").read_bytes())
    except (OSError, ValueError):
        return False
    return any({"a_to_b", "b_to_a"} <= set(graph.signature_def)
               for graph in proto.meta_graphs)


def _saved_model_translator(path):
    loaded = _load_saved_model(path)
    fns, shape = {}, None
    for direction in ("a_to_b", "b_to_a"):
        signature = loaded.signatures[direction]
        _, inputs = signature.structured_input_signature
        spec = inputs.get("images")
        if spec is None or spec.shape.rank != 4 or \
                "images" not in signature.structured_outputs:
            raise EvaluationError(
                f"Expected `{direction}` to map {{'images': float32 [None, "
                f"H, W, C]}} to {{'images': ...}}. Received: inputs "
                f"{dict(inputs)}, outputs "
                f"{sorted(signature.structured_outputs)}")
        shape = tuple(spec.shape[1:])
        fns[direction] = (lambda sig: lambda x: sig(
            images=tf.constant(x))["images"].numpy())(signature)
    recorded = export_metadata(path)
    translator = Translator(fns["a_to_b"], fns["b_to_a"], shape, path,
                            recorded.get("dataset"))
    data = recorded.get("data"), recorded.get("data_b")
    translator.data = data if all(data) else None
    translator.loaded = loaded  # keeps the signatures' variables alive
    return translator
