"""The 2-D presets: every model that has networks for 2-D points gets
settings made for them on `--dataset ring | grid` (not the 784-pixel ones)."""

import keras
import pytest

from keras_gan import presets, training

TOY_MODELS = ("gan", "gan-minimax", "wgan", "wgan-gp", "unrolled-gan")


def test_every_mlp_model_has_both_toy_presets():
    for dataset in presets.TOY_DATASETS:
        have = {m for m in presets.MODELS if (m, dataset) in presets.PRESETS}
        assert have == set(TOY_MODELS), dataset


@pytest.mark.parametrize("dataset", presets.TOY_DATASETS)
@pytest.mark.parametrize("model", TOY_MODELS)
def test_toy_presets_are_made_for_2d_points(model, dataset):
    p = presets.PRESETS[model, dataset]
    c = training.resolve(training.TrainConfig(model=model, dataset=dataset))
    assert (c.arch, c.latent_dim, c.hidden, c.batch_size, c.epochs,
            c.steps_per_epoch) == ("mlp", p.latent_dim, p.hidden,
                                   p.batch_size, p.epochs, p.steps_per_epoch)
    # Not the image defaults: a small latent and widths of their own.
    assert p.latent_dim < presets.SEED_MLP["latent_dim"]
    assert p.hidden != presets.WIDE_MLP and max(p.hidden) <= 512
    generator, discriminator = training.build_networks(c, (2,))
    assert generator.output_shape == (None, 2)
    assert discriminator.input_shape == (None, 2)
    # Unbounded points (the grid spans [-4, 4]): a linear output, no sigmoid.
    assert generator.get_layer("output").activation is \
        keras.activations.linear
    # Each preset says what it measured when it was chosen (README).
    assert "modes" in p.measured and "%" in p.measured
