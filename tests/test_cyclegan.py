"""CycleGAN: losses, the history buffer, identity terms, schedule, networks,
data, `.keras` round trip and resume, the training path and bad input.

Tiny nets (F = 2, one residual block, 8 x 8 images) with real updates.
"""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.framework import config as tf_config

from keras_gan import datasets, evaluation, networks, presets, rng, training
from keras_gan.models import CycleGAN
from keras_gan.models import cyclegan as cg

SHAPE = (8, 8, 1)


def tiny(identity_weight=0.5, pool_size=3, seed=0, shape=SHAPE,
         shape_b=None):
    keras.utils.set_random_seed(seed)
    shape_b = shape_b or shape
    return CycleGAN(
        networks.build_resnet_generator(shape, 2, 1,
                                        output_channels=shape_b[-1]),
        networks.build_resnet_generator(shape_b, 2, 1,
                                        output_channels=shape[-1],
                                        name="generator_ba"),
        networks.build_patchgan_discriminator(shape, 2,
                                              name="discriminator_a"),
        networks.build_patchgan_discriminator(shape_b, 2),
        identity_weight=identity_weight, pool_size=pool_size, seed=seed)


def images(n, seed, shape=SHAPE):
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)


@pytest.fixture
def deterministic():
    was = tf_config.is_op_determinism_enabled()
    tf_config.enable_op_determinism()
    yield
    if not was:
        tf_config.disable_op_determinism()


# ---- losses in closed form --------------------------------------------------

def test_adversarial_losses_closed_form():
    fake = tf.constant([0.5, 1.0, 2.0, -1.0])
    # mean (s - 1)^2 = (0.25 + 0 + 1 + 4) / 4
    np.testing.assert_allclose(cg.adversarial_generator_loss(fake),
                               5.25 / 4, rtol=1e-6)
    real = tf.constant([1.0, 0.0, 3.0, 1.5])
    # 1/2 mean (r - 1)^2 + 1/2 mean f^2
    expected = 0.5 * (0 + 1 + 4 + 0.25) / 4 + 0.5 * (0.25 + 1 + 4 + 1) / 4
    np.testing.assert_allclose(
        cg.adversarial_discriminator_loss(real, fake), expected, rtol=1e-6)
    # PatchGAN maps: the mean over every patch of every image.
    patches = tf.reshape(tf.range(8, dtype=tf.float32), (2, 2, 2, 1))
    np.testing.assert_allclose(cg.adversarial_generator_loss(patches),
                               np.mean((np.arange(8) - 1.0) ** 2), rtol=1e-6)
    np.testing.assert_allclose(cg.adversarial_discriminator_loss(
        tf.ones((2, 2, 2, 1)), tf.zeros((2, 2, 2, 1))), 0.0)


def test_cycle_loss_is_the_l1_distance_in_signed_pixels():
    x = tf.constant([[0.0, 0.5], [1.0, 0.25]])
    y = tf.constant([[0.5, 0.5], [0.0, 0.5]])
    # mean |x - y| on [0, 1] = (0.5 + 0 + 1 + 0.25) / 4; on [-1, 1] twice.
    np.testing.assert_allclose(cg.mean_absolute_error(x, y), 0.4375)
    np.testing.assert_allclose(cg.cycle_consistency_loss(x, y), 0.875)
    np.testing.assert_allclose(cg.cycle_consistency_loss(x, x), 0.0)


# ---- the history buffer -----------------------------------------------------

def test_pool_fills_then_swaps_as_drawn():
    pool = tf.zeros((3, 1))
    new = tf.constant([[1.0], [2.0]])
    out, pool, count = cg.image_pool_query(new, pool, 0, tf.zeros((2, 2)))
    np.testing.assert_array_equal(out, [[1.0], [2.0]])  # returned as they are
    np.testing.assert_array_equal(pool, [[1.0], [2.0], [0.0]])
    assert int(count) == 2
    # Image 3 fills the last slot; 4 swaps with slot floor(0.5 * 3) = 1;
    # 5 stays (draw 0.7 >= 0.5); 6 swaps with slot 1 again and gets 4,
    # stored a moment before (the authors' image-by-image loop).
    new = tf.constant([[3.0], [4.0], [5.0], [6.0]])
    draws = tf.constant([[0.0, 0.9], [0.3, 0.5], [0.7, 0.0], [0.49, 0.34]])
    out, pool, count = cg.image_pool_query(new, pool, count, draws)
    np.testing.assert_array_equal(out, [[3.0], [2.0], [5.0], [4.0]])
    np.testing.assert_array_equal(pool, [[1.0], [6.0], [3.0]])
    assert int(count) == 3
    # Draw 0.999... maps to the last slot, never past it.
    out, pool, _ = cg.image_pool_query(tf.constant([[7.0]]), pool, 3,
                                       tf.constant([[0.0, 1.0 - 2**-24]]))
    np.testing.assert_array_equal(out, [[3.0]])
    np.testing.assert_array_equal(pool, [[1.0], [6.0], [7.0]])


def reference_pool(batches, size, draws):
    """The authors' ImagePool.query, in numpy, fed the same uniforms."""
    stored, returned = [], []
    for batch, batch_draws in zip(batches, draws):
        out = []
        for image, (u, v) in zip(batch, batch_draws):
            if len(stored) < size:
                stored.append(image)
                out.append(image)
            elif u < cg.SWAP_PROBABILITY:
                slot = min(int(v * size), size - 1)
                out.append(stored[slot])
                stored[slot] = image
            else:
                out.append(image)
        returned.append(np.stack(out))
    return returned, np.stack(stored)


def test_model_buffer_replays_its_seeded_draws():
    model = tiny(pool_size=5, seed=7)
    batches = [np.full((4, *SHAPE), float(i), np.float32)
               + np.arange(4, dtype=np.float32)[:, None, None, None] / 10
               for i in range(12)]
    got = [np.asarray(model._query("b", tf.constant(b))) for b in batches]
    # The same stream: a fresh state with the model's seed, one draw per
    # query of shape (batch, 2).
    state = rng.make_state(7)
    draws = [np.asarray(rng.uniform((4, 2), state)) for _ in batches]
    expected, stored = reference_pool(batches, 5, draws)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    np.testing.assert_array_equal(model.pool_b.numpy(), stored)
    assert int(model.pool_b_count.numpy()) == 5
    assert int(model.pool_state.numpy()[1]) == 12  # one counter per query
    # Once full, about half of the fakes come back from the history.
    flat = np.concatenate(draws)[5:, 0]
    swaps = np.mean(flat < cg.SWAP_PROBABILITY)
    assert 0.25 <= swaps <= 0.75


def test_pool_size_zero_passes_fakes_through():
    model = tiny(pool_size=0)
    fakes = tf.constant(images(3, 1))
    np.testing.assert_array_equal(model._query("a", fakes), fakes)
    assert not hasattr(model, "pool_a")


# ---- identity terms ---------------------------------------------------------

def expected_g_loss(model, a, b):
    fake_b = model.generator_ab(a, training=True)
    fake_a = model.generator_ba(b, training=True)
    rec_a = model.generator_ba(fake_b, training=True)
    rec_b = model.generator_ab(fake_a, training=True)
    loss = (cg.adversarial_generator_loss(model.discriminator_b(fake_b))
            + cg.adversarial_generator_loss(model.discriminator_a(fake_a))
            + 10.0 * (2 * np.mean(np.abs(a - rec_a))
                      + 2 * np.mean(np.abs(b - rec_b))))
    identity = 10.0 * (2 * np.mean(np.abs(model.generator_ab(b) - b))
                       + 2 * np.mean(np.abs(model.generator_ba(a) - a)))
    return float(loss), float(identity)


@pytest.mark.parametrize("weight", [0.0, 0.5, 2.0])
def test_identity_weight_adds_its_terms(weight):
    model = tiny(identity_weight=weight)
    model.compile(run_eagerly=True)
    a, b = images(4, 1), images(4, 2)
    loss, identity = expected_g_loss(model, a, b)
    logs = model.train_on_batch(a, b, return_dict=True)
    np.testing.assert_allclose(logs["g_loss"], loss + weight * identity,
                               rtol=1e-5)
    names = {m.name for m in model.metrics}
    assert ("identity_error_a" in names) == (weight > 0)
    assert model.identity == (weight > 0)


def test_identity_needs_one_shape_and_channels_can_differ_without_it():
    with pytest.raises(ValueError, match="identity_weight=0"):
        tiny(shape_b=(8, 8, 3))
    model = tiny(identity_weight=0.0, shape_b=(8, 8, 3))
    model.compile()
    logs = model.train_on_batch(images(2, 1), images(2, 2, (8, 8, 3)),
                                return_dict=True)
    assert np.isfinite(logs["g_loss"])
    assert model.shape_a == SHAPE and model.shape_b == (8, 8, 3)


def test_mismatched_networks_are_refused():
    g = networks.build_resnet_generator(SHAPE, 2, 1)
    d16 = networks.build_patchgan_discriminator((16, 16, 1), 2)
    d = networks.build_patchgan_discriminator(SHAPE, 2)
    with pytest.raises(ValueError, match="discriminator_a input shape"):
        CycleGAN(g, g, d16, d)
    with pytest.raises(ValueError, match="pool_size"):
        CycleGAN(g, g, d, d, pool_size=-1)
    model = CycleGAN(g, g, d, d)
    with pytest.raises(ValueError, match="fit\\(x_a, x_b\\)"):
        model.compile()
        model.train_on_batch(images(2, 0))


# ---- schedule ---------------------------------------------------------------

def test_constant_then_linear_decay():
    schedule = cg.ConstantThenLinearDecay(2e-4, 100, 50)
    for step, rate in ((0, 2e-4), (99, 2e-4), (100, 2e-4), (125, 1e-4),
                       (150, 0.0), (400, 0.0)):
        np.testing.assert_allclose(float(schedule(step)), rate, atol=1e-12)
    again = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(schedule))
    assert again.get_config() == schedule.get_config()
    g, d = cg.default_optimizers(total_steps=9)
    assert g is not d
    schedule = g._learning_rate
    assert (schedule.decay_start, schedule.decay_steps) == (4, 5)
    assert (g.beta_1, g.beta_2) == (0.5, 0.999)


# ---- networks ---------------------------------------------------------------

def test_reflection_padding_and_network_shapes():
    x = np.arange(2 * 4 * 4 * 1, dtype=np.float32).reshape(2, 4, 4, 1)
    np.testing.assert_array_equal(
        networks.ReflectionPadding2D(2)(x),
        np.pad(x, [(0, 0), (2, 2), (2, 2), (0, 0)], mode="reflect"))
    g = networks.build_resnet_generator((32, 32, 3), 4, 2)
    assert g.output_shape == (None, 32, 32, 3)
    out = np.asarray(g(images(2, 0, (32, 32, 3))))
    assert out.min() >= 0.0 and out.max() <= 1.0
    norms = [layer for layer in g.layers
             if isinstance(layer, keras.layers.GroupNormalization)]
    assert len(norms) == 3 + 2 * 2 + 2 and all(
        # groups=-1 becomes one group per channel when built.
        n.groups == n.input.shape[-1] and not n.center and not n.scale
        for n in norms)
    assert networks.build_patchgan_discriminator(
        (32, 32, 1), 4, 1).output_shape == (None, 16, 16, 1)
    assert networks.build_patchgan_discriminator(
        (32, 32, 1), 4, 2).output_shape == (None, 8, 8, 1)
    with pytest.raises(ValueError, match="divisible by 4"):
        networks.build_resnet_generator((30, 30, 1))


# ---- data -------------------------------------------------------------------

def test_mnist2inverted_domains_are_disjoint_and_held_out():
    d = datasets.translation_domains("mnist2inverted")
    assert d["train_a"].shape == d["train_b"].shape == (2000, 32, 32, 1)
    assert d["test_a"].shape == (1000, 32, 32, 1)
    np.testing.assert_array_equal(d["test_b"], 255 - d["test_a"])
    np.testing.assert_array_equal(d["labels_a"], d["labels_b"])
    # The split the shipped classifier was trained with.
    recorded = json.loads((pathlib.Path(datasets.__file__).parent / "data"
                           / "mnist_classifier.json").read_text())
    assert recorded["seed"] == datasets.MNIST_SAMPLE_SPLIT_SEED
    keys = [{x.tobytes() for x in xs} for xs in (
        d["train_a"], 255 - d["train_b"], d["test_a"])]
    assert len(keys[0]) > 1990 and len(keys[1]) > 1990
    assert not keys[0] & keys[1] and not keys[0] & keys[2] \
        and not keys[1] & keys[2]
    assert d["train_a"][:, :2].max() == 0 and d["train_b"][:, :2].min() == 255
    assert datasets.TRANSLATION_DATASETS == presets.TRANSLATION_DATASETS


def write_pngs(folder, arrays):
    from PIL import Image

    folder.mkdir()
    for i, array in enumerate(arrays):
        Image.fromarray(array).save(folder / f"{i:02d}.png")


def test_image_folders_and_bad_pairs(tmp_path):
    grey = (np.arange(3 * 8 * 8) % 256).astype(np.uint8).reshape(3, 8, 8)
    write_pngs(tmp_path / "a", grey)
    np.testing.assert_array_equal(
        datasets.load_image_folder(tmp_path / "a"), grey[..., None])
    colour = np.zeros((2, 8, 8, 3), np.uint8)
    write_pngs(tmp_path / "b", colour)
    assert datasets.load_image_folder(tmp_path / "b").shape == (2, 8, 8, 3)
    with pytest.raises(ValueError, match="one shape"):
        datasets.load_translation_pair(tmp_path / "a", tmp_path / "b")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="Received: .*empty with none"):
        datasets.load_domain(tmp_path / "empty")
    write_pngs(tmp_path / "sizes", [grey[0], np.zeros((4, 8), np.uint8)])
    with pytest.raises(ValueError, match="one size"):
        datasets.load_image_folder(tmp_path / "sizes")


# ---- .keras round trip and resume -------------------------------------------

def stream(a, b, start):
    return tf.data.Dataset.zip((
        datasets.make_dataset(a, 2, seed=0, start_step=start),
        datasets.make_dataset(b, 2, seed=1, start_step=start)))


def state(model):
    return [v.numpy() for v in model.weights] + [
        v.numpy() for v in model.g_optimizer.variables
        + model.d_optimizer.variables]


def test_keras_round_trip_and_bitwise_resume(tmp_path, deterministic):
    a, b = images(8, 1), images(8, 2)

    def fresh():
        model = tiny(pool_size=3, seed=3)
        model.compile(*cg.default_optimizers(total_steps=6),
                      steps_per_execution=1)
        return model

    whole = fresh()
    whole.fit(stream(a, b, 0), epochs=3, steps_per_epoch=2, verbose=0,
              shuffle=False)
    part = fresh()
    part.fit(stream(a, b, 0), epochs=1, steps_per_epoch=2, verbose=0,
             shuffle=False)
    part.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded, CycleGAN)
    assert loaded.get_config()["pool_size"] == 3
    for mine, theirs in zip(state(part), state(loaded)):
        np.testing.assert_array_equal(mine, theirs)  # buffers included
    assert int(loaded.pool_a_count.numpy()) == 3
    assert isinstance(loaded.g_optimizer._learning_rate,
                      cg.ConstantThenLinearDecay)
    loaded.fit(stream(a, b, 2), epochs=3, initial_epoch=1,
               steps_per_epoch=2, verbose=0, shuffle=False)
    assert int(loaded.d_optimizer.iterations.numpy()) == 6
    for mine, theirs in zip(state(whole), state(loaded)):
        np.testing.assert_array_equal(mine, theirs)


# ---- the training path ------------------------------------------------------

def tiny_config(run_dir, **kwargs):
    settings = dict(model="cyclegan", dataset="mnist2inverted", epochs=2,
                    steps_per_epoch=2, batch_size=2, base_filters=2,
                    res_blocks=1, monitor_samples=20, export=False,
                    run_dir=str(run_dir), verbose=0)
    settings.update(kwargs)
    return training.TrainConfig(**settings)


def test_training_run_writes_grids_log_export_stops_and_resumes(
        tmp_path, monkeypatch):
    import os
    import signal

    scored = evaluation.TranslationMonitor.on_epoch_end

    def sigterm_after_epoch_1(self, epoch, logs=None):
        scored(self, epoch, logs)
        if epoch == 0:
            os.kill(os.getpid(), signal.SIGTERM)

    run = tmp_path / "run"
    settings = dict(export=True, export_dir=str(tmp_path / "exp"),
                    lr_decay="none")
    monkeypatch.setattr(evaluation.TranslationMonitor, "on_epoch_end",
                        sigterm_after_epoch_1)
    with pytest.raises(training.Stopped, match="holds epoch 1 of 2"):
        training.run(tiny_config(run, **settings))
    monkeypatch.setattr(evaluation.TranslationMonitor, "on_epoch_end",
                        scored)
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "epoch_0001.png"]
    assert not (run / "final_grid.png").exists()
    assert not (tmp_path / "exp").exists()
    # Resumed to epoch 2 = an uninterrupted two-epoch run (data stream,
    # buffers, their random stream, optimizers).
    result = training.run(tiny_config(run, resume=True, **settings))
    assert result.initial_epoch == 1 and result.steps_taken == 4
    whole = training.run(tiny_config(tmp_path / "whole", lr_decay="none"))
    for mine, theirs in zip(
            state(keras.saving.load_model(run / "checkpoint.keras")),
            state(keras.saving.load_model(whole.run_dir
                                          / "checkpoint.keras"))):
        np.testing.assert_array_equal(mine, theirs)
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "epoch_0001.png", "epoch_0002.png"]
    from PIL import Image

    # Six rows of 8 tiles (32 px, a 1 px border), scaled 3x.
    assert Image.open(run / "final_grid.png").size[1] == 3 * (6 * 33 + 1)
    log = training.read_log(run / training.LOG, 5)
    assert [row["epoch"] for row in log] == [0, 1]
    assert {"accuracy_ab", "accuracy_ba", "cycle_error", "g_loss",
            "d_loss"} <= set(log[0])
    assert result.export_path == tmp_path / "exp" / "cyclegan" / "1"
    config = json.loads((run / "config.json").read_text())["config"]
    assert config["identity_weight"] == 0.5 and config["res_blocks"] == 1
    scores = evaluation.evaluate_sampler(
        evaluation.load_sampler(result.export_path), None, 30)
    assert scores["kind"] == "translation" and scores["num_samples"] == 30
    assert scores["dataset"] == "mnist2inverted"


def run_main(argv, capsys):
    code = training.main(argv, prog="train.py")
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--model", "cyclegan", "--dataset", "mnist"],
     "--model cyclegan needs two unpaired domains: expected --dataset "
     "mnist2inverted or mnist2fashion, or --data A --data-b B, received "
     "--dataset mnist"),
    (["--model", "wgan", "--dataset", "mnist2inverted"],
     "--dataset mnist2inverted holds two unpaired domains for --model "
     "cyclegan, received --model wgan"),
    (["--model", "dcgan", "--data-b", "b.npz"],
     "--data-b applies to --model cyclegan only, received it with --model "
     "dcgan"),
    (["--model", "cyclegan", "--data", "a.npz"],
     "expected --data A and --data-b B together for --model cyclegan (its "
     "two domains), received only --data"),
    (["--model", "cyclegan", "--dataset", "mnist2inverted", "--latent-dim",
      "8"], "--latent-dim does not apply to --model cyclegan"),
    (["--model", "cyclegan", "--dataset", "mnist2inverted",
      "--identity-weight", "-1"],
     "expected --identity-weight to be a finite number >= 0, received -1.0"),
])
def test_bad_flags_one_line_exit_2(argv, message, tmp_path, monkeypatch,
                                   capsys):
    monkeypatch.chdir(tmp_path)
    code, err = run_main(argv, capsys)
    assert code == 2
    assert err.startswith("train.py: error: " + message)
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_bad_domains_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    np.savez(tmp_path / "a.npz", x=np.zeros((4, 8, 8, 1), np.uint8))
    np.savez(tmp_path / "b.npz", x=np.zeros((4, 12, 12, 1), np.uint8))
    (tmp_path / "empty").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    base = ["--model", "cyclegan", "--run-dir", str(tmp_path / "run"),
            "--export-dir", str(tmp_path / "exp")]
    code, err = run_main(base + ["--data", "a.npz", "--data-b", "b.npz"],
                         capsys)
    assert code == 2 and err.count("\n") == 1
    assert "Expected both domains to hold images of one shape (H, W, C). " \
           "Received: a.npz (8, 8, 1), b.npz (12, 12, 1)" in err
    code, err = run_main(base + ["--data", "a.npz", "--data-b", "empty"],
                         capsys)
    assert code == 2 and err.count("\n") == 1
    assert "Received: empty with none" in err
    np.savez(tmp_path / "c.npz", x=np.zeros((4, 6, 6, 1), np.uint8))
    code, err = run_main(base + ["--data", "c.npz", "--data-b", "c.npz",
                                 "--batch-size", "2"],
                         capsys)
    assert code == 2 and "divisible by 4" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        before + ["c.npz"])
