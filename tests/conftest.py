import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


import numpy as np
import pytest


@pytest.fixture
def assert_modes_agree():
    """Checks runs of one model in several execution modes (eager, graph,
    XLA) against the first: every logged metric to `history_atol`, every
    weight to 1e-5 (both with rtol 1e-4). Takes `[(history, weights), ...]`.
    """
    def check(results, history_atol=1e-5):
        (h0, w0), others = results[0], results[1:]
        for h, w in others:
            for name in h0:
                np.testing.assert_allclose(h[name], h0[name], rtol=1e-4,
                                           atol=history_atol, err_msg=name)
            for a, b in zip(w, w0):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    return check


@pytest.fixture
def exported_run_matches_checkpoint(tmp_path):
    """Trains a tiny CLI run of `model` on 100 bundled digits with
    `export=True` and checks that the SavedModel's `serving_default` and
    `sample` signatures give the checkpoint's `sampling_generator` output."""
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_gan import datasets, training

    def check(model, **settings):
        x, y = datasets.load_npz(datasets.MNIST_SAMPLE)
        np.savez(tmp_path / "digits.npz", x=x[::50], y=y[::50])
        result = training.run(training.TrainConfig(
            model=model, data=str(tmp_path / "digits.npz"), epochs=1,
            batch_size=8, latent_dim=4, base_filters=4,
            run_dir=str(tmp_path / "run"), export=True,
            export_dir=str(tmp_path / "exports"), monitor_samples=0,
            verbose=0, seed=0, **settings))
        assert result.export_path == tmp_path / "exports" / model / "1"
        loaded = keras.saving.load_model(tmp_path / "run" /
                                         "checkpoint.keras")
        served = tf.saved_model.load(str(result.export_path))
        z = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
        images = served.signatures["serving_default"](
            z=tf.constant(z))["images"]
        assert images.shape == (3, 28, 28, 1)
        np.testing.assert_allclose(images.numpy(),
                                   loaded.sampling_generator(z).numpy(),
                                   atol=1e-6)
        out = served.signatures["sample"](seed=tf.constant([5, 6], tf.int64))
        np.testing.assert_allclose(
            out["images"].numpy(),
            loaded.sampling_generator(out["z"]).numpy(), atol=1e-6)

    return check
