"""keras_gan.training in-process: models end to end, resume, NaN, bad input.

Tiny nets (width 16, batch 8) and a few steps; the subprocess tests (the real
command line, SIGKILL and resume) are in test_cli.py.
"""

import csv
import dataclasses
import gzip
import json
import pathlib
import struct

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN, callbacks, datasets, networks, presets, training

METRICS = {"gan": ["d_fake", "d_loss", "d_real", "g_loss"],
           "gan-minimax": ["d_fake", "d_loss", "d_real", "g_loss"],
           "dcgan": ["d_fake", "d_loss", "d_real", "g_loss"],
           "wgan": ["d_loss", "g_loss", "w_estimate"],
           "wgan-gp": ["d_loss", "g_loss", "gp", "w_estimate"]}


@pytest.fixture(scope="module")
def digits_npz(tmp_path_factory):
    x, y = datasets.load_npz(datasets.MNIST_SAMPLE)
    path = tmp_path_factory.mktemp("data") / "digits.npz"
    np.savez(path, x=x[::50], y=y[::50])  # 100 genuine digits
    return path


#: Columns every run logs beside the losses: the wall clock and, for a
#: user's --data, the QualityMonitor's spread.
EXTRA = ["seconds", "spread"]


def tiny(run_dir, **kwargs):
    settings = dict(epochs=2, steps_per_epoch=4, batch_size=8, latent_dim=8,
                    run_dir=str(run_dir), export=False, verbose=0,
                    monitor_samples=200)
    if kwargs.get("model") != "dcgan" and "arch" not in kwargs:
        settings.update(arch="mlp", hidden=(16,))
    settings.update(kwargs)
    return training.TrainConfig(**settings)


def png(path):
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy()


def read_csv(path):
    with open(path) as handle:
        return list(csv.reader(handle))


def event_tags(folder):
    tags = set()
    for events in pathlib.Path(folder).glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(events)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            tags.update((value.tag, value.metadata.plugin_data.plugin_name)
                        for value in event.summary.value)
    return tags


@pytest.mark.parametrize("model", list(METRICS))
def test_every_model_writes_valid_outputs(model, tmp_path, digits_npz):
    run_dir = tmp_path / "run"
    export = model == "wgan"  # one export is enough to test the hook
    config = tiny(run_dir, model=model, data=str(digits_npz), export=export,
                  export_dir=str(tmp_path / "exports"),
                  **({"steps_per_epoch": 2, "epochs": 1}
                     if model == "dcgan" else {}))
    result = training.run(config)
    epochs, steps = config.epochs, config.steps_per_epoch
    n_critic = 5 if model.startswith("wgan") else 1
    assert (result.epochs, result.initial_epoch) == (epochs, 0)
    assert result.steps == epochs * steps
    assert result.generator_steps == epochs * steps // n_critic
    # One grid per epoch from the fixed noise, and the final grid: 8 x 8
    # digits of 28 px with 1 px borders, scaled 3x, grayscale.
    for name in [f"samples/epoch_{e:04d}.png" for e in range(1, epochs + 1)
                 ] + ["final_grid.png"]:
        image = png(run_dir / name)
        assert image.shape[:2] == (3 * (8 * 29 + 1),) * 2, name
    assert png(run_dir / "loss_curves.png").shape[2] in (3, 4)
    rows = read_csv(run_dir / "log.csv")
    assert rows[0] == ["epoch"] + sorted(METRICS[model] + EXTRA)
    assert [row[0] for row in rows[1:]] == [str(e) for e in range(epochs)]
    assert all(np.isfinite(float(v)) for row in rows[1:] for v in row)
    loaded = keras.saving.load_model(run_dir / "checkpoint.keras")
    assert int(loaded.d_optimizer.iterations) == epochs * steps
    assert int(loaded.g_optimizer.iterations) == epochs * steps // n_critic
    assert loaded.n_critic == n_critic
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["config"]["model"] == model
    assert saved["config"]["arch"] == ("dcgan" if model == "dcgan" else "mlp")
    assert saved["sample_shape"] == [28, 28, 1]
    assert event_tags(run_dir / "tensorboard" / "train") == {
        (f"epoch_{m}", "scalars") for m in METRICS[model] + EXTRA}
    assert event_tags(run_dir / "tensorboard" / "samples") == {
        ("samples", "images")}
    if export:
        assert result.export_path == tmp_path / "exports" / "wgan" / "1"
        assert (result.export_path / "saved_model.pb").is_file()
        served = tf.saved_model.load(str(result.export_path))
        z = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
        out = served.signatures["serving_default"](z=tf.constant(z))
        np.testing.assert_allclose(out["images"].numpy(),
                                   loaded.sampling_generator(z).numpy(),
                                   atol=1e-6)
    else:
        assert not (tmp_path / "exports").exists()


@pytest.mark.parametrize("model", list(METRICS))
@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist", "ring"])
def test_presets_are_filled_in(model, dataset):
    if model == "dcgan" and dataset == "ring":
        with pytest.raises(training.ConfigError, match="does not apply to "
                           "the 2-D data set ring"):
            training.resolve(training.TrainConfig(model=model,
                                                  dataset=dataset))
        return
    c = training.resolve(training.TrainConfig(model=model, dataset=dataset))
    p = presets.PRESETS[model, dataset]
    algorithm = presets.ALGORITHMS[model]
    assert (c.arch, c.latent_dim, c.lr, c.g_lr, c.lr_decay, c.batch_size,
            c.epochs, c.steps_per_epoch, c.jit, c.n_critic) == (
        p.arch, p.latent_dim, p.lr, p.g_lr, p.lr_decay, p.batch_size,
        p.epochs, p.steps_per_epoch, p.jit, algorithm["n_critic"])
    assert (c.hidden, c.base_filters) == (p.hidden, p.base_filters)
    assert c.ema == (p.ema_decay is not None)
    assert c.ema_decay == p.ema_decay
    assert c.recalibrate == (c.ema and p.recalibrate)
    merged = presets.resolve_preset(model, dataset)
    assert c.clip_value == merged.get("clip_value")
    assert c.gp_weight == merged.get("gp_weight")
    tuned = p.tuned or {}
    assert all(merged[key] == value for key, value in tuned.items())
    assert c.run_dir == f"runs/{model}-{dataset}" and c.export_name == model


def test_flags_override_presets_and_families_bring_their_sizes():
    c = training.resolve(training.TrainConfig(model="wgan-gp",
                                              arch="seed-mlp", lr=3e-4,
                                              ema=False))
    assert (c.arch, c.hidden, c.latent_dim, c.lr, c.g_lr, c.ema,
            c.ema_decay) == ("seed-mlp", (100, 100), 100, 3e-4, 3e-4, False,
                             None)
    c = training.resolve(training.TrainConfig(model="gan", arch="dcgan",
                                              g_lr=1e-3, ema_decay=0.99))
    assert (c.base_filters, c.hidden, c.g_lr, c.ema, c.ema_decay) == (
        presets.DCGAN_FILTERS, None, 1e-3, True, 0.99)
    c = training.resolve(training.TrainConfig(model="wgan", arch="mlp",
                                              hidden=(32, 64)))
    assert (c.hidden, c.base_filters, c.dense_units) == ((32, 64), None,
                                                         None)
    # The discriminator's dense layer: the preset's, a flag's, or 0 = none.
    preset = presets.PRESETS["wgan", "mnist"].dense_units
    assert training.resolve(training.TrainConfig(
        model="wgan")).dense_units == preset
    assert training.resolve(training.TrainConfig(
        model="wgan", dense_units=16)).dense_units == 16
    assert training.resolve(training.TrainConfig(
        model="wgan", dense_units=0)).dense_units is None


def test_dense_units_reach_the_discriminator_and_old_runs_resume(
        tmp_path, monkeypatch):
    settings = dict(model="gan", arch="dcgan", dataset="mnist",
                    base_filters=2, epochs=1, steps_per_epoch=2)
    training.run(tiny(tmp_path / "run", dense_units=8, **settings))
    model = keras.saving.load_model(tmp_path / "run" / "checkpoint.keras")
    assert model.discriminator.get_layer("dense_3").units == 8
    assert model.generator.get_layer("dense_0").units == 8
    # A run recorded before --dense-units existed (no key in its record)
    # resumes with its own nets, whatever the preset says today.
    training.run(tiny(tmp_path / "old", dense_units=0, **settings))
    record = json.loads((tmp_path / "old" / "config.json").read_text())
    del record["config"]["dense_units"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(record))
    monkeypatch.setitem(presets.PRESETS, ("gan", "mnist"), dataclasses.replace(
        presets.PRESETS["gan", "mnist"], dense_units=8))
    again = training.run(tiny(tmp_path / "old", resume=True,
                              **{**settings, "epochs": 2}))
    assert again.initial_epoch == 1
    model = keras.saving.load_model(tmp_path / "old" / "checkpoint.keras")
    assert "dense_3" not in [layer.name for layer in
                             model.discriminator.layers]
    assert "dense_0" not in [layer.name for layer in model.generator.layers]


def test_recalibration_follows_the_preset_and_the_flag():
    resolve = training.resolve
    assert resolve(training.TrainConfig(model="wgan")).recalibrate is True
    assert resolve(training.TrainConfig(model="lsgan")).recalibrate is False
    assert resolve(training.TrainConfig(model="lsgan",
                                        recalibrate=True)).recalibrate
    assert resolve(training.TrainConfig(model="wgan", ema=False)
                   ).recalibrate is False
    parsed = training.build_parser().parse_args(["--no-recalibrate"])
    assert parsed.recalibrate is False


def test_seed_mlp_is_the_seed_code():
    c = training.resolve(training.TrainConfig(model="gan", arch="seed-mlp"))
    generator, discriminator = training.build_networks(c, (28, 28, 1))
    # The seed code's weight lists: [100,100] x [100,100] x [100,784] and
    # [784,100] x [100,100] x [100,1], with biases.
    assert generator.count_params() == 99_384
    assert discriminator.count_params() == 88_701
    assert [layer.name for layer in generator.layers if "act" in layer.name]


def test_optimizers_follow_the_algorithm_and_the_schedule():
    c = training.resolve(training.TrainConfig(
        model="wgan-gp", dataset="ring", arch="mlp", hidden=(16,),
        lr=1e-3, g_lr=2e-3, lr_decay="linear", epochs=2, steps_per_epoch=10))
    model = training.build_model(c, (2,))
    for optimizer, rate, updates in ((model.d_optimizer, 1e-3, 20),
                                     (model.g_optimizer, 2e-3, 4)):
        assert isinstance(optimizer, keras.optimizers.Adam)
        np.testing.assert_allclose([optimizer.beta_1, optimizer.beta_2],
                                   [0.5, 0.9])
        schedule = optimizer._learning_rate
        np.testing.assert_allclose(
            [float(schedule(0)), float(schedule(updates // 2)),
             float(schedule(updates))], [rate, rate / 2, 0.0], atol=1e-9)
    c = training.resolve(training.TrainConfig(model="wgan", dataset="ring",
                                              lr_decay="none"))
    model = training.build_model(c, (2,))
    assert isinstance(model.d_optimizer, keras.optimizers.RMSprop)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(c.lr)


def test_stacked_mnist_from_idx_files_mirrored_bfloat16(tmp_path,
                                                       monkeypatch):

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    labels = np.arange(20, dtype=np.uint8) % 10
    for name, array in (("train-images-idx3-ubyte.gz", images),
                        ("train-labels-idx1-ubyte.gz", labels)):
        header = bytes([0, 0, 8, array.ndim]) + b"".join(
            struct.pack(">I", d) for d in array.shape)
        (tmp_path / name).write_bytes(gzip.compress(header + array.tobytes()))
    monkeypatch.setattr(training, "STACKED_MNIST_SIZE", 64)
    result = training.run(tiny(tmp_path / "run", model="gan",
                               dataset="stacked_mnist",
                               data_dir=str(tmp_path), epochs=1,
                               steps_per_epoch=2, strategy="mirrored",
                               precision="mixed_bfloat16"))
    assert keras.mixed_precision.dtype_policy().name == "float32"  # restored
    assert result.steps == 2 and result.n_examples == 64
    grid = png(tmp_path / "run" / "final_grid.png")
    assert grid.shape == (3 * (8 * 29 + 1), 3 * (8 * 29 + 1), 3)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["sample_shape"] == [28, 28, 3]
    assert saved["config"]["precision"] == "mixed_bfloat16"


def final_weights(run_dir):
    model = keras.saving.load_model(pathlib.Path(run_dir) / "checkpoint.keras")
    return [v.numpy() for v in model.weights]


def test_resume_extends_a_run_and_refuses_changed_settings(tmp_path):
    # (Bitwise equality with an uninterrupted run, after a real SIGKILL, is
    # checked in test_cli.py.)
    settings = dict(model="wgan-gp", dataset="grid", steps_per_epoch=3,
                    n_critic=2, seed=7, lr_decay="none")
    first = training.run(tiny(tmp_path / "run", epochs=1, **settings))
    before = final_weights(tmp_path / "run")
    log_before = read_csv(tmp_path / "run" / "log.csv")
    with pytest.raises(training.ConfigError, match="pass --resume"):
        training.run(tiny(tmp_path / "run", epochs=2, **settings))
    with pytest.raises(training.ConfigError,
                       match=r"different settings \(seed: 7 -> 8\)"):
        training.run(tiny(tmp_path / "run", epochs=2, resume=True,
                          **{**settings, "seed": 8}))
    # Resuming a finished run trains nothing and changes nothing.
    again = training.run(tiny(tmp_path / "run", epochs=1, resume=True,
                              **settings))
    assert (first.steps, again.initial_epoch, again.steps) == (3, 1, 3)
    for a, b in zip(before, final_weights(tmp_path / "run")):
        np.testing.assert_array_equal(a, b)
    # A larger --epochs extends it; the log keeps epoch 0 and adds epoch 1.
    more = training.run(tiny(tmp_path / "run", epochs=2, resume=True,
                             **settings))
    assert (more.initial_epoch, more.steps, more.generator_steps) == (1, 6, 3)
    rows = read_csv(tmp_path / "run" / "log.csv")
    assert [r[0] for r in rows] == ["epoch", "0", "1"]
    assert rows[:2] == log_before
    assert more.history["gp"][0] == float(rows[1][rows[0].index("gp")])


def test_a_linearly_decayed_run_cannot_be_extended(tmp_path):
    settings = dict(model="gan", dataset="ring", steps_per_epoch=3,
                    lr_decay="linear")
    training.run(tiny(tmp_path / "run", epochs=1, **settings))
    with pytest.raises(training.ConfigError,
                       match="decay linearly to 0 at epoch 1"):
        training.run(tiny(tmp_path / "run", epochs=2, resume=True,
                          **settings))


class PoisonAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            # The logits' bias: NaN reaches the loss (a ReLU would hide it).
            bias = self.model.discriminator.trainable_variables[-1]
            bias.assign(tf.fill(bias.shape, np.nan))


@pytest.mark.parametrize("steps_per_execution,where,stopped_at", [
    (1, "critic step 17", 17),
    # "auto": 8 steps per call here; the logs come once per call.
    ("auto", "critic steps 17-24", 24)])
def test_nan_stops_training_and_keeps_the_last_good_checkpoint(
        tmp_path, steps_per_execution, where, stopped_at):
    keras.utils.set_random_seed(0)
    model = GAN(networks.build_mlp_generator(4, (2,), (16,), None),
                networks.build_mlp_discriminator((2,), (16,)), 4, seed=0)
    model.compile(jit_compile=False, steps_per_execution=steps_per_execution)
    guard = callbacks.NonFiniteGuard()
    path = tmp_path / "checkpoint.keras"
    saver = callbacks.AtomicCheckpoint(path, guard)
    good = {}

    class Remember(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            good.setdefault(epoch, [v.numpy() for v in model.weights])

    x = datasets.sample_toy("ring", 64, seed=0)
    model.fit(x, batch_size=8, epochs=4, verbose=0,
              callbacks=[guard, saver, Remember(), PoisonAtEpoch(2)])
    assert guard.failure.startswith(f"non-finite loss at epoch 3, {where}:")
    assert "d_loss=nan" in guard.failure
    assert saver.saved_epoch == 2 and model.stop_training
    # At once: after the poisoned step, or its compiled call.
    assert int(model.d_optimizer.iterations) == stopped_at
    restored = keras.saving.load_model(path)
    assert int(restored.d_optimizer.iterations) == 16
    for a, b in zip(good[1], restored.weights):
        np.testing.assert_array_equal(a, b.numpy())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.keras"]


def test_diverging_run_exits_1_with_one_line(tmp_path, capsys):
    run_dir = tmp_path / "run"
    code = training.main(["--model", "gan", "--dataset", "ring", "--lr",
                          "1e38", "--hidden", "16", "--epochs", "2",
                          "--steps-per-epoch", "20", "--run-dir",
                          str(run_dir), "--no-export", "--verbose", "0"],
                         prog="train.py")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith(
        "train.py: training stopped: non-finite loss at epoch 1, critic steps "
        "1-10: ")  # 10 steps per compiled call
    assert err[-1].endswith("last good checkpoint: none (no epoch completed)")
    assert not (run_dir / "checkpoint.keras").exists()


BAD = [
    (["--model", "vae"], "argument --model: invalid choice: 'vae'"),
    (["--dataset", "cifar"], "argument --dataset: invalid choice: 'cifar'"),
    (["--epochs", "0"], "expected --epochs to be an integer >= 1, received 0"),
    (["--batch-size", "-8"], "expected --batch-size to be an integer >= 1"),
    (["--steps-per-epoch", "0"], "expected --steps-per-epoch to be an"),
    (["--latent-dim", "0"], "expected --latent-dim to be an integer >= 1"),
    (["--hidden", "16,0"], "argument --hidden: expected comma-separated"),
    (["--dense-units", "-1"], "expected --dense-units to be an integer >= 0"),
    (["--arch", "mlp", "--dense-units", "64"],
     "--dense-units sets the DCGAN nets; it does not apply to --arch mlp"),
    (["--model", "cgan", "--dense-units", "64"],
     "--dense-units applies to the plain DCGAN nets; --model cgan"),
    (["--lr", "-1"], "expected --lr to be a finite number > 0, received -1.0"),
    (["--lr", "nan"], "expected --lr to be a finite number > 0"),
    (["--n-critic", "0"], "expected --n-critic to be an integer >= 1"),
    (["--clip-value", "0"], "expected --clip-value to be a finite number > 0"),
    (["--model", "gan", "--clip-value", "0.1"], "--clip-value applies to"),
    (["--steps-per-epoch", "10", "--steps-per-execution", "3"],
     "expected --steps-per-execution to divide"),
    (["--dataset", "ring", "--arch", "dcgan"], "expected --arch mlp"),
    (["--epochs", "x"], "argument --epochs: invalid int value: 'x'"),
    (["--export-name", "a/b"], "expected --export-name to be a plain"),
    (["--data", "{tmp}/missing.npz"], "Expected a readable .npz file"),
    (["--data", "{tmp}/junk.npz"], "Expected a readable .npz file"),
    (["--data", "{tmp}/flat.npz"], "Expected images of shape (N, H, W, C)"),
    (["--data", "{tmp}/flat.npz", "--dataset", "ring"], "do not apply"),
    (["--data-dir", "{tmp}"], "Expected train-images-idx3-ubyte.gz"),
    (["--data-dir", "{tmp}/bad_idx"], "Expected an idx file"),
    (["--run-dir", "{tmp}/a_file"], "expected --run-dir to be a folder"),
    (["--run-dir", "{tmp}/a_file/run"], "expected --run-dir inside a folder"),
    (["--export-dir", "{tmp}/a_file"], "expected --export-dir to be a folder"),
    (["--data", "{tmp}/tiny.npz", "--batch-size", "9"],
     "expected --batch-size <= the number of examples (3), received 9"),
    (["--model", "began", "--lambda-k", "0"],
     "expected --lambda-k to be a finite number > 0, received 0.0"),
    (["--lambda-k", "0.01"], "--lambda-k applies to --model began only"),
    (["--no-ema", "--recalibrate"],
     "--recalibrate applies to the generator average"),
    (["--model", "cyclegan", "--dataset", "mnist2inverted",
      "--no-recalibrate"], "recalibrate"),
]


@pytest.mark.parametrize("argv, message", BAD)
def test_bad_input_exits_2_with_one_line_and_creates_nothing(
        argv, message, tmp_path, capsys, monkeypatch):
    np.savez(tmp_path / "flat.npz", x=np.zeros((4, 784), np.uint8))
    np.savez(tmp_path / "tiny.npz", x=np.zeros((3, 28, 28, 1), np.uint8))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    (tmp_path / "a_file").write_text("")
    (tmp_path / "bad_idx").mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tmp_path / "bad_idx" / name).write_bytes(
            gzip.compress(b"\x08\x08\x08\x08"))
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path)  # default run and export dirs land here
    argv = [a.format(tmp=tmp_path) for a in argv] + ["--verbose", "0"]
    with pytest.raises(SystemExit) if "argument" in message else \
            _no_raise() as caught:
        code = training.main(argv, prog="train.py")
    if caught is not None:
        code = caught.value.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("train.py: error: ")
    assert message in err
    assert "Traceback" not in err
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


class _no_raise:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_float16_skipped_steps_count_as_taken_and_resume_exactly(tmp_path):
    # Loss scaling starts at 2**15, so the first steps of a float16 run
    # overflow and are skipped: updates applied < steps taken. Epochs and
    # the data position follow the steps taken.
    settings = dict(model="wgan-gp", dataset="grid", steps_per_epoch=6,
                    n_critic=2, seed=4, lr_decay="none", gp_weight=10.0,
                    precision="mixed_float16", steps_per_execution=1)
    whole = training.run(tiny(tmp_path / "whole", epochs=2, **settings))
    assert whole.steps_taken == 12 and whole.steps < 12
    model = keras.saving.load_model(tmp_path / "whole" / "checkpoint.keras")
    assert int(model.train_steps) == 12
    training.run(tiny(tmp_path / "split", epochs=1, **settings))
    resumed = training.run(tiny(tmp_path / "split", epochs=2, resume=True,
                                **settings))
    assert (resumed.initial_epoch, resumed.steps_taken) == (1, 12)
    assert resumed.steps == whole.steps
    for a, b in zip(final_weights(tmp_path / "split"),
                    final_weights(tmp_path / "whole")):
        np.testing.assert_array_equal(a, b)
    assert "skipped by float16 loss scaling" in training.summary_line(whole)


@pytest.mark.parametrize("arch,expected", [
    ("dcgan", False), ("seed-mlp", False), ("mlp", True)])
def test_default_jit_is_the_rule_of_the_nets_the_run_builds(arch, expected):
    # On this CPU-only machine: XLA for the wide MLPs only. The CLI decides
    # from the preset's sizes before building; compile() from built nets.
    from keras_gan.models.base import auto_jit_compile

    c = training.resolve(training.TrainConfig(model="wgan-gp",
                                              dataset="mnist", arch=arch))
    assert c.jit is None  # no preset fixes it: "auto"
    generator, critic = training.build_networks(c, (28, 28, 1))
    if arch != "dcgan":
        assert presets.mlp_weights(c.latent_dim, c.hidden, (28, 28, 1)) == (
            generator.count_params() + critic.count_params())
    assert training._auto_jit(c, (28, 28, 1)) is expected
    assert auto_jit_compile(generator, critic) is expected
