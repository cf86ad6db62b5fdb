import numpy as np
import pytest

from keras_gan import networks


def layer_sizes(model):
    return [tuple(w.shape) for w in model.trainable_weights]


def test_seed_mlp_generator_sizes_and_params():
    g = networks.build_mlp_generator(latent_dim=100)
    assert layer_sizes(g) == [(100, 100), (100,), (100, 100), (100,),
                              (100, 784), (784,)]
    assert g.count_params() == 99_384
    assert g.output_shape == (None, 28, 28, 1)


def test_seed_mlp_discriminator_sizes_and_params():
    d = networks.build_mlp_discriminator()
    assert layer_sizes(d) == [(784, 100), (100,), (100, 100), (100,),
                              (100, 1), (1,)]
    assert d.count_params() == 88_701
    assert d.output_shape == (None, 1)


def test_hidden_sizes_configurable():
    g = networks.build_mlp_generator(8, (2,), hidden=(16, 32, 4),
                                     output_activation=None)
    assert layer_sizes(g)[::2] == [(8, 16), (16, 32), (32, 4), (4, 2)]


@pytest.mark.parametrize("build", [networks.build_mlp_generator,
                                   networks.build_dcgan_generator])
def test_image_generators_output_in_unit_interval(build):
    g = build(latent_dim=16)
    x = g.predict(np.random.default_rng(0).normal(size=(4, 16)) * 10,
                  verbose=0)
    assert x.shape == (4, 28, 28, 1)
    assert x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_dcgan_discriminator_norms():
    assert not any("bn" in l.name for l in
                   networks.build_dcgan_discriminator().layers)
    d = networks.build_dcgan_discriminator((28, 28, 3), 8, norm="batch")
    assert any("bn" in l.name for l in d.layers)
    assert d.output_shape == (None, 1)


@pytest.mark.parametrize("norm, norm_params", [(None, 0), ("batch", 4 * 16),
                                                ("layer", 2 * 16)])
def test_dcgan_discriminator_dense_hidden_layer(norm, norm_params):
    """InfoGAN-style: Flatten -> Dense(U) -> [norm] -> LReLU -> Dense(1)."""
    plain = networks.build_dcgan_discriminator((8, 8, 1), 4, norm=norm)
    d = networks.build_dcgan_discriminator((8, 8, 1), 4, norm=norm,
                                           dense_units=16)
    flat = 2 * 2 * 8  # 8x8 -> 2x2 after two stride-2 convolutions, 2F = 8
    # The logit now reads 16 units instead of the 32 flat features.
    extra = (flat * 16 + 16) + norm_params + (16 + 1) - (flat + 1)
    assert d.count_params() - plain.count_params() == extra
    assert d.get_layer("dense_3").units == 16
    assert d.output_shape == (None, 1)
    with pytest.raises(ValueError, match="dense_units"):
        networks.build_dcgan_discriminator(dense_units=0)


def test_dcgan_generator_dense_hidden_layer():
    """InfoGAN-style: z -> Dense(U) -> BN -> ReLU -> the DCGAN projection."""
    plain = networks.build_dcgan_generator(8, (8, 8, 1), 4)
    g = networks.build_dcgan_generator(8, (8, 8, 1), 4, dense_units=16)
    project = 2 * 2 * 8  # 2x2x2F units, no bias
    # z -> U (no bias), BN(U) with 4 parameters per unit, U -> projection.
    extra = 8 * 16 + 4 * 16 + 16 * project - 8 * project
    assert g.count_params() - plain.count_params() == extra
    assert g.output_shape == (None, 8, 8, 1)
    with pytest.raises(ValueError, match="dense_units"):
        networks.build_dcgan_generator(dense_units=-1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(latent_dim=0), "latent_dim"),
    (dict(hidden=(100, 0)), "hidden"),
    (dict(output_shape=(28, -1)), "output_shape"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        networks.build_mlp_generator(**kwargs)


def test_dcgan_rejects_odd_sizes():
    with pytest.raises(ValueError, match="divisible by 4"):
        networks.build_dcgan_generator(output_shape=(30, 30, 1))
    with pytest.raises(ValueError, match="norm"):
        networks.build_dcgan_discriminator(norm="group")
