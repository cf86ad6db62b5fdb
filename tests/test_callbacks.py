"""Each callback on its own, driven by hand without `fit()` (the way Keras
tests its own callbacks): set the model, call the hooks, check the effect.
"""

import math
import os
import signal
import time

import keras
import numpy as np
import pytest

from keras_gan import WGAN, callbacks, networks, runs


def wgan(seed=0):
    keras.utils.set_random_seed(seed)
    model = WGAN(networks.build_mlp_generator(2, (2,), (8,), None),
                 networks.build_mlp_discriminator((2,), (8,)), latent_dim=2,
                 seed=seed)
    model.compile()
    return model


def critic_weights(model):
    return [v.numpy() for v in model.discriminator.trainable_variables]


def test_weight_clipping_attaches_clips_and_detaches():
    model = wgan()
    for variable in model.discriminator.trainable_variables:
        variable.assign(np.full(variable.shape, 0.5, "float32"))
    clip = callbacks.WeightClipping(0.01)
    clip.set_model(model)
    clip.on_train_begin()
    assert all(np.abs(w).max() <= 0.01 for w in critic_weights(model))
    assert all(v.constraint is clip.constraint
               for v in model.discriminator.trainable_variables)
    assert model.train_function is not None  # re-traced with the clip
    # The generator is not a critic: untouched.
    assert all(v.constraint is None
               for v in model.generator.trainable_variables)
    clip.on_train_end()
    assert all(v.constraint is None
               for v in model.discriminator.trainable_variables)
    assert model.train_function is None


def test_weight_clipping_refuses_what_it_cannot_clip():
    clip = callbacks.WeightClipping(0.01)
    clip.set_model(keras.Sequential([keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="discriminator"):
        clip.on_train_begin()
    model = wgan()
    model.discriminator.trainable_variables[0].constraint = \
        keras.constraints.NonNeg()
    clip.set_model(model)
    with pytest.raises(ValueError, match="without a constraint"):
        clip.on_train_begin()
    with pytest.raises(ValueError):
        callbacks.WeightClipping(0.0)


def test_non_finite_guard_stops_at_the_first_bad_value():
    model = wgan()
    guard = callbacks.NonFiniteGuard()
    guard.set_model(model)
    guard.on_epoch_begin(2)
    guard.on_train_batch_end(0, {"d_loss": 0.3, "g_loss": -1.0})
    assert guard.failure is None and not model.stop_training
    guard.on_train_batch_end(1, {"d_loss": float("nan"), "g_loss": 1.0})
    assert guard.failure.startswith("non-finite loss at epoch 3, critic "
                                    "step 0: d_loss=nan")
    assert model.stop_training
    first = guard.failure
    guard.on_epoch_end(2, {"g_loss": math.inf})
    assert guard.failure == first  # the first failure is the one kept


def test_atomic_checkpoint_saves_only_whole_good_epochs(tmp_path):
    model = wgan()
    path = tmp_path / runs.CHECKPOINT
    with pytest.raises(ValueError, match=".keras"):
        callbacks.AtomicCheckpoint(tmp_path / "model.h5")
    guard = callbacks.NonFiniteGuard()
    saver = callbacks.AtomicCheckpoint(path, guard, steps_per_epoch=4)
    saver.set_model(model)
    guard.set_model(model)

    model.train_steps.assign(3)  # stopped inside the first epoch
    saver.on_epoch_end(0, {"d_loss": 0.1})
    assert not path.exists() and saver.saved_epoch is None
    model.train_steps.assign(4)
    saver.on_epoch_end(0, {"d_loss": float("inf")})  # a broken epoch
    assert not path.exists()
    saver.on_epoch_end(0, {"d_loss": 0.1})
    assert saver.saved_epoch == 1
    loaded = keras.saving.load_model(path)
    assert int(loaded.train_steps.numpy()) == 4
    before = path.read_bytes()
    guard.on_train_batch_end(0, {"d_loss": float("nan")})
    model.train_steps.assign(8)
    saver.on_epoch_end(1, {"d_loss": 0.1})  # the guard tripped: kept
    assert path.read_bytes() == before and saver.saved_epoch == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [runs.CHECKPOINT]


def test_csv_log_continues_the_rows_of_a_resumed_run(tmp_path):
    path = tmp_path / runs.LOG
    log = callbacks.CSVLog(str(path), rows=[{"epoch": 0, "d_loss": 1.0}])
    log.on_epoch_end(1, {"d_loss": 0.5, "fid": 12.0})
    assert path.read_text().splitlines() == [
        "epoch,d_loss,fid", "0,1.0,", "1,0.5,12.0"]
    assert runs.read_log(tmp_path, 2) == [
        {"epoch": 0, "d_loss": 1.0}, {"epoch": 1, "d_loss": 0.5,
                                      "fid": 12.0}]


def test_wall_clock_continues_across_a_resume():
    clock = callbacks.WallClock(offset=100.0, start=time.time() - 5.0)
    clock.on_train_begin()
    logs = {}
    clock.on_epoch_end(0, logs)
    assert 105.0 <= logs["seconds"] < 120.0
    fresh = callbacks.WallClock()
    fresh.on_train_begin()
    fresh.on_epoch_end(0, logs)
    assert 0.0 <= logs["seconds"] < 5.0


def test_graceful_stop_turns_sigterm_into_a_stop():
    model = wgan()
    stop = callbacks.GracefulStop(signals=("SIGTERM",))
    stop.set_model(model)
    previous = signal.getsignal(signal.SIGTERM)
    stop.on_train_begin()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.time() + 5
        while stop.signal_name is None and time.time() < deadline:
            time.sleep(0.01)
    finally:
        stop.on_train_end()
    assert stop.signal_name == "SIGTERM" and model.stop_training
    assert signal.getsignal(signal.SIGTERM) is previous  # restored
