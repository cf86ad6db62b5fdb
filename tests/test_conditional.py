"""ConditionalGAN: label plumbing, update schedule, saving, data order, CLI.

Tiny nets (width 16, batch 8) that still run real D and G updates; the
SavedModel side is in test_export_conditional.py.
"""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import (ConditionalGAN, classifiers, datasets, evaluation,
                       networks, rng, training)
from keras_gan.models.conditional import balanced_labels, check_labels

LATENT = 4
K = 3
ROOT = pathlib.Path(__file__).resolve().parents[1]


def mlp_nets(seed=0, data_dim=2, num_classes=K):
    keras.utils.set_random_seed(seed)
    g = networks.build_conditional_mlp_generator(
        LATENT, num_classes, (data_dim,), (16,), branch_units=None,
        output_activation=None, activation="leaky_relu", dropout=0.0)
    d = networks.build_conditional_mlp_discriminator(
        (data_dim,), num_classes, (16,), branch_units=None, pieces=None,
        activation="leaky_relu", dropout=0.0)
    return g, d


def labelled(n=64, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")
    return x, (np.arange(n) % K).astype("int64")


def weights(model):
    return [v.numpy().copy() for v in model.trainable_variables]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def z_batch(n, seed=0):
    return tf.constant(np.random.default_rng(seed).normal(
        size=(n, LATENT)).astype("float32"))


# ---- networks ---------------------------------------------------------------

def all_builders():
    keras.utils.set_random_seed(1)
    paper_g = networks.build_conditional_mlp_generator(
        LATENT, K, (8, 8, 1), hidden=(12,), branch_units=(6, 10))
    paper_d = networks.build_conditional_mlp_discriminator(
        (8, 8, 1), K, hidden=(12,), branch_units=(12, 5), pieces=(5, 5, 4))
    conv_g = networks.build_conditional_dcgan_generator(LATENT, K, (8, 8, 1),
                                                        base_filters=2)
    conv_d = networks.build_conditional_dcgan_discriminator((8, 8, 1), K,
                                                            base_filters=2)
    return {"mlp": mlp_nets(), "paper": (paper_g, paper_d),
            "dcgan": (conv_g, conv_d)}


def test_changing_the_label_changes_every_network_output():
    z = z_batch(5)
    for name, (g, d) in all_builders().items():
        outs = [g([z, tf.fill([5], k)], training=False).numpy()
                for k in range(K)]
        again = g([z, tf.fill([5], 1)], training=False).numpy()
        np.testing.assert_array_equal(again, outs[1])  # deterministic
        x = tf.constant(outs[0])
        scores = [d([x, tf.fill([5], k)], training=False).numpy()
                  for k in range(K)]
        for i in range(K):
            for j in range(i + 1, K):
                # Every row differs between two labels, for G and for D.
                assert np.all(np.abs(outs[i] - outs[j]).reshape(5, -1).max(
                    axis=1) > 1e-4), (name, i, j)
                assert np.all(np.abs(scores[i] - scores[j]) > 1e-6), (
                    name, i, j)


def test_the_label_enters_as_a_one_hot_vector_and_as_planes():
    z = z_batch(4)
    labels = tf.constant([2, 0, 1, 2])
    one_hot = np.eye(K, dtype="float32")[labels.numpy()]
    g, _ = mlp_nets()
    joined = keras.Model(g.inputs, g.get_layer("join").output)
    np.testing.assert_array_equal(joined([z, labels]).numpy(),
                                  np.concatenate([z.numpy(), one_hot], 1))
    conv_g, conv_d = all_builders()["dcgan"]
    planes = keras.Model(conv_d.inputs,
                         conv_d.get_layer("label_planes_0").output)
    images = tf.zeros((4, 8, 8, 1))
    np.testing.assert_array_equal(
        planes([images, labels]).numpy(),
        np.broadcast_to(one_hot[:, None, None, :], (4, 8, 8, K)))
    planes_g = keras.Model(conv_g.inputs,
                           conv_g.get_layer("label_planes_2").output)
    np.testing.assert_array_equal(
        planes_g([z, labels]).numpy(),
        np.broadcast_to(one_hot[:, None, None, :], (4, 4, 4, K)))


def test_paper_mlp_has_the_papers_layer_sizes():
    g = networks.build_conditional_mlp_generator()
    d = networks.build_conditional_mlp_discriminator()
    # Mirza & Osindero 2014, section 4.1: z 100 -> 200, y 10 -> 1000,
    # joint 1200, sigmoid 784; D: maxout 240x5 (x), 50x5 (y), 240x4 joint.
    dense = {layer.name: layer.units for layer in g.layers
             if isinstance(layer, keras.layers.Dense)}
    assert dense == {"z_branch_dense": 200, "label_branch_dense": 1000,
                     "hidden_0_dense": 1200, "dense_out": 784}
    dense = {layer.name: layer.units for layer in d.layers
             if isinstance(layer, keras.layers.Dense)}
    assert dense == {"x_branch_dense": 240 * 5, "label_branch_dense": 50 * 5,
                     "hidden_0_dense": 240 * 4, "logits": 1}
    assert {layer.rate for layer in g.layers + d.layers
            if isinstance(layer, keras.layers.Dropout)} == {0.5}


# ---- the model --------------------------------------------------------------

@pytest.mark.parametrize("n_critic", [1, 2])
def test_update_counts_and_frozen_generator(n_critic):
    model = ConditionalGAN(*mlp_nets(), LATENT, K, n_critic=n_critic, seed=0)
    model.compile(jit_compile=False)
    x, y = labelled(8 * 7)
    g_before = weights(model.generator)
    for step in range(1, 8):
        d_before = weights(model.discriminator)
        rows = slice(8 * step - 8, 8 * step)
        model.train_on_batch(x[rows], y[rows])
        assert not same(d_before, weights(model.discriminator))
        g_after = weights(model.generator)
        assert same(g_before, g_after) != (step % n_critic == 0), step
        g_before = g_after
    assert int(model.d_optimizer.iterations) == 7
    assert int(model.g_optimizer.iterations) == 7 // n_critic
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert sorted(history.history) == ["d_fake", "d_loss", "d_real",
                                       "g_loss"]
    assert int(model._trackers["g_loss"].count) == 14 // n_critic - \
        7 // n_critic


def label_only_discriminator(w):
    """D(x, y) = w[y]: the data input reaches the logit through zeros."""
    x_in = keras.Input((2,), name="x")
    label = keras.Input((), dtype="int32", name="label")
    one_hot = keras.layers.CategoryEncoding(K, output_mode="one_hot")(label)
    by_label = keras.layers.Dense(1, use_bias=False, name="w")(one_hot)
    ignored = keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros",
                                 trainable=False)(x_in)
    d = keras.Model([x_in, label], keras.layers.Add()([by_label, ignored]))
    d.get_layer("w").set_weights([np.reshape(w, (K, 1))])
    return d


def softplus(v):
    return np.log1p(np.exp(v))


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def test_fakes_take_the_real_batchs_labels_in_both_steps():
    # With D(x, y) = w[y], the losses are closed-form functions of the
    # labels D is shown: real and fake rows carry the same labels.
    w = np.array([-1.0, 0.5, 2.0], "float32")
    g, _ = mlp_nets()
    model = ConditionalGAN(g, label_only_discriminator(w), LATENT, K, seed=0)
    lr = 1e-3
    model.compile(keras.optimizers.Adam(lr), keras.optimizers.Adam(lr),
                  jit_compile=False)
    y = np.array([0, 1, 2, 2, 2, 1, 2, 2])
    logs = model.train_on_batch(labelled(8)[0], y, return_dict=True)
    wy = w[y]
    np.testing.assert_allclose(logs["d_loss"], np.mean(softplus(-wy))
                               + np.mean(softplus(wy)), rtol=1e-5)
    np.testing.assert_allclose(logs["d_real"], np.mean(sigmoid(wy)),
                               rtol=1e-5)
    np.testing.assert_allclose(logs["d_fake"], np.mean(sigmoid(wy)),
                               rtol=1e-5)
    # D's first Adam step moves each w[k] by lr against its gradient's sign
    # (k = 1, 2: (n_k / n)(sigmoid(w) - sigmoid(-w)) > 0; k = 0: < 0); the
    # generator step then sees D(G(z, y), y) = w'[y].
    w_after = w - lr * np.sign(w)
    np.testing.assert_allclose(
        model.discriminator.get_layer("w").get_weights()[0][:, 0], w_after,
        rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"],
                               np.mean(softplus(-w_after[y])), rtol=1e-5)


def test_uniform_fake_labels_come_from_the_seeded_noise():
    model = ConditionalGAN(*mlp_nets(), LATENT, K, seed=5,
                           fake_labels="uniform")
    state = rng.make_state(5)
    got = model._fake_labels(tf.zeros([1000], tf.int32)).numpy()
    want = np.floor(rng.uniform((1000,), state).numpy() * K).astype(int)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.bincount(got, minlength=K) > 250, True)


def run_mode(mode, fake_labels):
    model = ConditionalGAN(*mlp_nets(seed=3), LATENT, K, seed=1, n_critic=2,
                           fake_labels=fake_labels, ema_decay=0.9)
    model.compile(**mode)
    x, y = labelled(32)
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0,
                        shuffle=False)
    return history.history, weights(model) + [
        v.numpy() for v in model.generator_ema.weights]


def test_eager_graph_xla_agree(assert_modes_agree):
    # Uniform fake labels: the label draw and the noise both come from
    # keras_gan.rng, identical in the three modes.
    results = [run_mode(mode, "uniform") for mode in (
        dict(run_eagerly=True), dict(jit_compile=False),
        dict(jit_compile=True))]
    assert_modes_agree(results)


def test_keras_round_trip_and_resume_continue_exactly(tmp_path):
    x, y = labelled(80, seed=4)
    model = ConditionalGAN(*mlp_nets(), LATENT, K, seed=2, ema_decay=0.9,
                           fake_labels="uniform", loss="minimax")
    model.compile(jit_compile=False)
    model.fit(datasets.make_dataset(x, 8, seed=7, y=y), steps_per_epoch=3,
              epochs=1, verbose=0, shuffle=False)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert isinstance(loaded, ConditionalGAN)
    own = ("latent_dim", "num_classes", "fake_labels", "loss", "n_critic",
           "seed", "ema_decay")
    assert {k: loaded.get_config()[k] for k in own} == {
        "latent_dim": LATENT, "num_classes": K, "fake_labels": "uniform",
        "loss": "minimax", "n_critic": 1, "seed": 2, "ema_decay": 0.9}
    assert int(loaded.d_optimizer.iterations) == 3
    assert same(weights(model), weights(loaded))
    np.testing.assert_array_equal(loaded.generate([0, 1, 2, 1], seed=3),
                                  model.generate([0, 1, 2, 1], seed=3))
    # Continued on the same data (the stream from step 3), the loaded model
    # (optimizer state, noise stream, weight average) ends where the
    # original does.
    model.fit(datasets.make_dataset(x, 8, seed=7, y=y, start_step=3),
              steps_per_epoch=4, epochs=2, initial_epoch=1, verbose=0,
              shuffle=False)
    loaded.fit(datasets.make_dataset(x, 8, seed=7, y=y, start_step=3),
               steps_per_epoch=4, epochs=2, initial_epoch=1, verbose=0,
              shuffle=False)
    for a, b in zip(weights(model) + [v.numpy() for v in
                                      model.generator_ema.weights],
                    weights(loaded) + [v.numpy() for v in
                                       loaded.generator_ema.weights]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_bad_input_is_refused():
    g, d = mlp_nets()
    model = ConditionalGAN(g, d, LATENT, K)
    model.compile(jit_compile=False)
    x, y = labelled(16)
    with pytest.raises(ValueError, match="Expected \\(images, labels\\) "
                                         "batches.*Received: unlabelled"):
        model.fit(x, batch_size=8, epochs=1, verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Expected labels < num_classes=3"):
        model.fit(x, np.where(y == 2, 3, y), batch_size=8, epochs=1,
                  verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Expected labels >= 0"):
        model.fit(x, -y, batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"Expected `labels` in \[0, 3\).*"
                                         r"Received: labels containing 3"):
        model.generate([0, 3])
    with pytest.raises(ValueError, match="num_classes=4 tokens.*"
                                         "num_tokens=3"):
        ConditionalGAN(g, d, LATENT, 4)
    plain_g = networks.build_mlp_generator(LATENT, (2,), (8,), None)
    with pytest.raises(ValueError, match="Expected `generator` to take two "
                                         "inputs, \\[z, label\\]"):
        ConditionalGAN(plain_g, d, LATENT, K)
    with pytest.raises(ValueError, match="fake_labels"):
        ConditionalGAN(g, d, LATENT, K, fake_labels="random")
    with pytest.raises(ValueError, match="latent_dim=5"):
        ConditionalGAN(g, d, 5, K)
    np.testing.assert_array_equal(check_labels(np.array([2, 0]), K), [2, 0])
    np.testing.assert_array_equal(balanced_labels(7, K),
                                  [0, 1, 2, 0, 1, 2, 0])


# ---- labelled data ----------------------------------------------------------


def indexed_images(n):
    """Image i holds the value i in its first pixel (uint16 safe: n < 256)."""
    x = np.zeros((n, 2, 2, 1), np.uint8)
    x[:, 0, 0, 0] = np.arange(n)
    return x


def batches(ds, count):
    return [tuple(np.asarray(t) for t in b) if isinstance(b, tuple)
            else np.asarray(b) for b in ds.take(count)]


def test_labelled_order_is_the_unlabelled_order_and_a_function_of_the_seed():
    x = indexed_images(50)
    y = (np.arange(50) * 7) % 10
    labelled_ds = batches(datasets.make_dataset(x, 8, seed=3, y=y), 14)
    plain = batches(datasets.make_dataset(x, 8, seed=3), 14)
    for (images, labels), alone in zip(labelled_ds, plain):
        np.testing.assert_array_equal(images, alone)  # labels change nothing
        index = np.round(images[:, 0, 0, 0] * 255).astype(int)
        np.testing.assert_array_equal(labels, y[index])  # labels follow
        assert labels.dtype == np.int32
    # Resume: start_step=k yields exactly the batches from the k-th on
    # (across the pass boundary at 6 batches per pass).
    resumed = batches(datasets.make_dataset(x, 8, seed=3, y=y,
                                            start_step=5), 9)
    for a, b in zip(resumed, labelled_ds[5:]):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    other = batches(datasets.make_dataset(x, 8, seed=4, y=y), 1)[0]
    assert not np.array_equal(other[1], labelled_ds[0][1])
    for bad in (y[:-1], -y, y.astype("float32")):
        with pytest.raises(ValueError, match="Expected labels `y`"):
            datasets.make_dataset(x, 8, y=bad)


# ---- evaluation -------------------------------------------------------------


def mnist_generator(seed=0):
    keras.utils.set_random_seed(seed)
    return networks.build_conditional_mlp_generator(
        LATENT, 10, (28, 28, 1), (8,), branch_units=None, dropout=0.0)


def mnist_discriminator():
    return networks.build_conditional_mlp_discriminator(
        (28, 28, 1), 10, (8,), None, None, dropout=0.0)


def classify(images):
    model = classifiers.load_classifier("mnist")
    _, logits = model(images, training=False)
    return np.asarray(logits).argmax(axis=1)


def test_class_accuracy_and_the_quality_monitor_score_requested_classes():
    generator = mnist_generator()
    model = ConditionalGAN(generator, mnist_discriminator(), LATENT, 10)
    real, _ = datasets.load_npz(datasets.MNIST_SAMPLE)
    labels = balanced_labels(200, 10)
    monitor = evaluation.QualityMonitor("mnist", LATENT, real=real,
                                        num_samples=200, seed=0,
                                        labels=labels, warn=lambda _: None)
    monitor.set_model(model)
    logs = {}
    monitor.on_epoch_end(0, logs)
    images = generator([tf.constant(monitor.noise), tf.constant(labels)],
                       training=False).numpy()
    hit = classify(images) == labels
    np.testing.assert_allclose(logs["class_accuracy"], hit.mean())
    np.testing.assert_allclose(logs["min_class_accuracy"], min(
        hit[labels == k].mean() for k in range(10)))
    scores = evaluation.class_accuracy(images, labels, "mnist")
    np.testing.assert_allclose(scores["per_class_accuracy"],
                               [hit[labels == k].mean() for k in range(10)])
    assert scores["requested_per_class"] == [20] * 10
    with pytest.raises(evaluation.EvaluationError, match="one label in 0..9"):
        evaluation.class_accuracy(images, labels + 1, "mnist")


def test_evaluate_py_scores_a_conditional_checkpoint(tmp_path, capsys):
    import importlib.util

    generator = mnist_generator(seed=2)
    model = ConditionalGAN(generator, mnist_discriminator(), LATENT, 10)
    model.save(tmp_path / "model.keras")
    spec = importlib.util.spec_from_file_location("evaluate",
                                                  ROOT / "evaluate.py")
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    out = tmp_path / "eval.json"
    assert evaluate.main([str(tmp_path / "model.keras"), "--dataset",
                          "mnist", "--num-samples", "150", "--out",
                          str(out)]) == 0
    result = json.loads(out.read_text())
    sampler = evaluation.load_sampler(tmp_path / "model.keras")
    assert (sampler.conditional, sampler.num_classes) == (True, 10)
    labels = balanced_labels(150, 10)
    z = np.random.default_rng(0).standard_normal((150, LATENT)).astype(
        "float32")
    images = generator([tf.constant(z), tf.constant(labels)]).numpy()
    np.testing.assert_allclose(sampler.sample(150, 0), images, atol=1e-6)
    np.testing.assert_allclose(result["class_accuracy"],
                               np.mean(classify(images) == labels))
    assert len(result["per_class_accuracy"]) == 10
    assert "requested class hit" in capsys.readouterr().out
    with pytest.raises(evaluation.EvaluationError, match="Expected labels"):
        sampler(z[:2])
    with pytest.raises(evaluation.EvaluationError, match="containing 10"):
        sampler(z[:2], [0, 10])


# ---- the training CLI -------------------------------------------------------


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    x, y = datasets.load_npz(datasets.MNIST_SAMPLE)
    rows = np.concatenate([np.flatnonzero(y == k)[:4] for k in range(3)])
    np.savez(folder / "labelled.npz", x=x[rows], y=y[rows])   # 0, 1, 2
    np.savez(folder / "unlabelled.npz", x=x[rows])
    np.savez(folder / "negative.npz", x=x[rows], y=y[rows] - 1)
    np.savez(folder / "gap.npz", x=x[rows], y=y[rows] * 2)    # 0, 2, 4
    return folder


def cli(run_dir, data, *extra):
    return ["--model", "cgan", "--data", str(data), "--base-filters", "2",
            "--latent-dim", str(LATENT), "--batch-size", "4",
            "--steps-per-epoch", "3", "--monitor-samples", "0",
            "--run-dir", str(run_dir), "--verbose", "0", *extra]


def test_cli_trains_exports_and_resumes_a_conditional_gan(tmp_path, digits):
    exports = tmp_path / "exports"
    assert training.main(cli(tmp_path / "whole", digits / "labelled.npz",
                             "--epochs", "2", "--export-dir",
                             str(exports))) == 0
    assert training.main(cli(tmp_path / "cut", digits / "labelled.npz",
                             "--epochs", "1", "--no-export")) == 0
    assert training.main(cli(tmp_path / "cut", digits / "labelled.npz",
                             "--epochs", "2", "--no-export",
                             "--resume")) == 0
    whole = keras.saving.load_model(tmp_path / "whole" / "checkpoint.keras")
    cut = keras.saving.load_model(tmp_path / "cut" / "checkpoint.keras")
    assert isinstance(whole, ConditionalGAN) and whole.num_classes == 3
    assert int(cut.d_optimizer.iterations) == 6
    for a, b in zip(whole.weights, cut.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # One row per class: 3 rows of 8 digits (28 px, 1 px borders, 3x).
    grid = tf.io.decode_png(tf.io.read_file(
        str(tmp_path / "whole" / "final_grid.png"))).numpy()
    assert grid.shape[:2] == (3 * (3 * 29 + 1), 3 * (8 * 29 + 1))
    info = json.loads((exports / "cgan" / "1" / "assets.extra" /
                       "keras_gan.json").read_text())
    assert (info["num_classes"], info["model"]) == (3, "cgan")
    served = tf.saved_model.load(str(exports / "cgan" / "1"))
    z = z_batch(3).numpy()
    out = served.signatures["serving_default"](
        z=tf.constant(z), label=tf.constant([0, 1, 2], tf.int64))["images"]
    np.testing.assert_allclose(
        out.numpy(), whole.sampling_generator(
            [tf.constant(z), tf.constant([0, 1, 2])]).numpy(), atol=1e-6)


BAD = [
    (["--data", "{data}/unlabelled.npz"],
     "--model cgan needs class labels: expected an .npz with key y"),
    (["--data", "{data}/negative.npz"],
     "expected class labels >= 0, received the label -1"),
    (["--data", "{data}/gap.npz"],
     "expected labels 0..K-1 with every class present and K >= 2, received"
     " {data}/gap.npz with labels 0..4 and no images of [1, 3]"),
    (["--dataset", "ring"],
     "--model cgan needs class labels: expected --dataset mnist or "
     "fashion_mnist (or --data with labels y), received --dataset ring"),
    (["--dataset", "stacked_mnist"], "received --dataset stacked_mnist"),
]


@pytest.mark.parametrize("argv, message", BAD)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
        argv, message, digits, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default run and export dirs
    argv = [a.format(data=digits) for a in argv]
    code = training.main(["--model", "cgan", *argv, "--batch-size", "4",
                          "--verbose", "0"],
                         prog="train.py")
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("train.py: error: ")
    assert message.format(data=digits) in err
    assert list(tmp_path.iterdir()) == []


def test_uint8_images_are_scaled_like_float_ones():
    # As for GAN: uint8 images (0..255) train like the same images / 255.
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).integers(0, 256, (8, 2)).astype("uint8")
    y = np.arange(8) % K
    logs = []
    for images in (x, x.astype("float32") / 255.0):
        model = ConditionalGAN(*mlp_nets(), LATENT, K, seed=0)
        model.compile(jit_compile=False)
        logs.append(model.train_on_batch(images, y, return_dict=True))
    for name in logs[0]:
        np.testing.assert_allclose(logs[0][name], logs[1][name], rtol=1e-6)
