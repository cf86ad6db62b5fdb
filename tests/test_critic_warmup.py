"""WGAN's optional critic warm-up schedule (the official code's Diters)."""

import keras
import numpy as np
import pytest

from keras_gan import WGAN, WGANGP, networks


def nets():
    keras.utils.set_random_seed(0)
    return (networks.build_mlp_generator(4, (2,), (8,), None),
            networks.build_mlp_discriminator((2,), (8,)))


def expected_generator_steps(critic_updates, n_critic, warmup):
    """The schedule by hand: G waits `long` critic updates while it has made
    fewer than `first` updates and at every `every`-th, else `n_critic`."""
    long_phase, first, every = warmup
    g, since, due_at = 0, 0, []
    for step in range(1, critic_updates + 1):
        since += 1
        wanted = long_phase if g < first or g % every == 0 else n_critic
        if since >= wanted:
            g, since = g + 1, 0
            due_at.append(step)
    return due_at


def test_official_schedule_constants():
    # Arjovsky's WassersteinGAN/main.py: Diters = 100 if gen_iterations < 25
    # or gen_iterations % 500 == 0.
    assert WGAN.WARMUP == (100, 25, 500)
    assert expected_generator_steps(2600, 5, WGAN.WARMUP)[:27] == [
        100 * k for k in range(1, 26)] + [2505, 2510]


@pytest.mark.parametrize("cls", [WGAN, WGANGP])
def test_generator_follows_the_warmup_schedule(cls, monkeypatch, tmp_path):
    monkeypatch.setattr(WGAN, "WARMUP", (4, 2, 5))
    model = cls(*nets(), 4, n_critic=2, seed=0, critic_warmup=True)
    model.compile(jit_compile=False, steps_per_execution=3)
    x = np.random.default_rng(0).normal(size=(30 * 8, 2)).astype("float32")
    seen = []
    for batch in x.reshape(30, 8, 2):
        before = int(model.g_optimizer.iterations)
        model.train_on_batch(batch)
        if int(model.g_optimizer.iterations) != before:
            seen.append(int(model.d_optimizer.iterations))
    assert seen == expected_generator_steps(30, 2, (4, 2, 5))
    assert seen[:4] == [4, 8, 10, 12]
    # The schedule's state survives a save/load round trip.
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.critic_warmup
    assert int(loaded.last_generator_step) == seen[-1]


def test_without_warmup_the_paper_schedule_is_unchanged():
    model = WGAN(*nets(), 4, n_critic=3, seed=0)
    assert model.last_generator_step is None
    assert model.get_config()["critic_warmup"] is False
    with pytest.raises(ValueError, match="critic_warmup"):
        WGAN(*nets(), 4, critic_warmup="yes")
