#!/usr/bin/env python
"""A short client for a keras_gan generator served by TensorFlow Serving.

Asks the ``sample`` signature for ``count`` samples (seeds ``seed`` ..
``seed + count - 1``) and writes them as a PNG grid; no noise is drawn on the
client. REST needs only numpy, pillow and requests; gRPC needs the optional
``tensorflow-serving-api`` (``pip install "keras-gan[serving]"``).

    python docs/serving_client.py --model wgan --count 64 --out grid.png
    python docs/serving_client.py --model wgan --grpc localhost:8500
    python docs/serving_client.py --model cgan --label 7 --count 10  # ten 7s

A conditional model (``--model cgan`` exports) takes one class label per
sample: ``--label K`` asks for ``count`` samples of class K.

This file does not import keras_gan: copy it next to any client.
"""

import argparse
import json
import math
import sys

import numpy as np


def rest_body(inputs, signature="sample", fmt="row"):
    """The JSON body of a TF Serving REST ``:predict`` request.

    Args:
        inputs: ``{input name: array-like}``, each with the batch first.
        signature: Signature name.
        fmt: ``"row"`` (``instances``: one object per batch row) or
            ``"columnar"`` (``inputs``: one list per input).

    Returns:
        A dict, ready for ``json.dumps``.
    """
    inputs = {k: np.asarray(v) for k, v in inputs.items()}
    if fmt == "columnar":
        return {"signature_name": signature,
                "inputs": {k: v.tolist() for k, v in inputs.items()}}
    if fmt != "row":
        raise ValueError(
            f"Expected fmt 'row' or 'columnar'. Received: {fmt!r}")
    (batch,) = {len(v) for v in inputs.values()}
    if len(inputs) == 1:  # a single input: bare values per row
        (values,) = inputs.values()
        return {"signature_name": signature, "instances": values.tolist()}
    return {"signature_name": signature,
            "instances": [{k: v[i].tolist() for k, v in inputs.items()}
                          for i in range(batch)]}


def parse_rest_response(body, output_keys):
    """Turns a REST ``:predict`` response into ``{output name: array}``.

    Args:
        body: The decoded JSON: ``{"predictions": [...]}`` (row format) or
            ``{"outputs": ...}`` (columnar).
        output_keys: The signature's output names, e.g. ``["images", "z"]``
            (TF Serving drops the name when there is only one output).
    """
    if "error" in body:
        raise RuntimeError(f"TF Serving error: {body['error']}")
    if "outputs" in body:
        outputs = body["outputs"]
        if not isinstance(outputs, dict):
            (key,) = output_keys
            outputs = {key: outputs}
        return {k: np.asarray(v, "float32") for k, v in outputs.items()}
    rows = body["predictions"]
    if rows and isinstance(rows[0], dict):
        return {k: np.asarray([row[k] for row in rows], "float32")
                for k in rows[0]}
    (key,) = output_keys
    return {key: np.asarray(rows, "float32")}


def predict_rest(server, model, inputs, signature="sample", fmt="row",
                 output_keys=("images", "z"), version=None, timeout=30):
    """POSTs to ``http://SERVER/v1/models/MODEL[/versions/N]:predict``."""
    import requests

    path = f"/v1/models/{model}" + (f"/versions/{version}" if version else "")
    body = json.dumps(rest_body(inputs, signature, fmt))
    response = requests.post(f"http://{server}{path}:predict", data=body,
                             timeout=timeout)
    return parse_rest_response(response.json(), list(output_keys))


def grpc_request(model, inputs, signature="sample", version=None):
    """A `tensorflow_serving.apis.predict_pb2.PredictRequest`."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    if version:
        request.model_spec.version.value = int(version)
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
    return request


def parse_grpc_response(response):
    """``{output name: array}`` from a ``PredictResponse``."""
    import tensorflow as tf

    return {k: tf.make_ndarray(v) for k, v in response.outputs.items()}


def predict_grpc(target, model, inputs, signature="sample", version=None,
                 timeout=30):
    """Calls ``PredictionService/Predict`` on ``target`` (host:8500)."""
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        try:
            response = stub.Predict(grpc_request(model, inputs, signature,
                                                 version), timeout)
        except grpc.RpcError as error:  # e.g. INVALID_ARGUMENT: bad label
            if error.code() != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            raise RuntimeError(f"TF Serving error: {error.details()}") \
                from None
    return parse_grpc_response(response)


def image_grid(images, cols=None, pad=2):
    """Tiles ``(N, H, W, C)`` images in [0, 1] into one uint8 picture.

    Returns:
        ``(rows*(H+pad)-pad, cols*(W+pad)-pad)`` for one channel, with a
        trailing channel axis for 3 channels; padding is black.
    """
    images = np.asarray(images, "float32")
    if images.ndim != 4:
        raise ValueError("Expected images of shape (N, H, W, C). "
                         f"Received: shape {images.shape}")
    n, h, w, c = images.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.zeros((rows * (h + pad) - pad, cols * (w + pad) - pad, c),
                    "uint8")
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255.0).astype("uint8")
    for i in range(n):
        r, q = divmod(i, cols)
        top, left = r * (h + pad), q * (w + pad)
        grid[top:top + h, left:left + w] = pixels[i]
    return grid[..., 0] if c == 1 else grid


def save_png(grid, path):
    from PIL import Image

    Image.fromarray(grid).save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model name")
    parser.add_argument("--server", default="localhost:8501",
                        help="REST host:port (default localhost:8501)")
    parser.add_argument("--grpc", default=None, metavar="HOST:PORT",
                        help="use gRPC at HOST:PORT (e.g. localhost:8500)")
    parser.add_argument("--format", default="row",
                        choices=("row", "columnar"))
    parser.add_argument("--version", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--out", default="samples.png")
    parser.add_argument("--label", type=int, default=None,
                        help="class of every sample, for a conditional "
                             "model (e.g. 7 with --count 10: ten 7s)")
    args = parser.parse_args(argv)
    prog = parser.prog
    inputs = {"seed": np.arange(args.seed, args.seed + args.count,
                                dtype="int64")}
    if args.label is not None:
        if args.label < 0:
            print(f"{prog}: error: expected --label >= 0 (a class), "
                  f"received {args.label}", file=sys.stderr)
            return 2
        # One label per row, like the seeds (TF Serving batches by rows).
        inputs["label"] = np.full(args.count, args.label, dtype="int64")
    try:
        if args.grpc:
            outputs = predict_grpc(args.grpc, args.model, inputs,
                                   version=args.version)
        else:
            outputs = predict_rest(args.server, args.model, inputs,
                                   fmt=args.format, version=args.version)
    except RuntimeError as error:  # the server refused the request
        message = " ".join(str(error).split())
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    if "images" not in outputs:
        np.save(args.out if args.out.endswith(".npy") else args.out + ".npy",
                outputs["samples"])
        print(f"{len(outputs['samples'])} samples saved (not images)")
        return 0
    save_png(image_grid(outputs["images"]), args.out)
    print(f"{len(outputs['images'])} images -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
