"""keras_gan.rng: the noise every model draws.

`_philox` (the bits inside XLA programs) must equal TensorFlow's Philox
kernel word for word, so noise is the same whichever computes it.
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import rng

U64 = 2**64


def kernel_bits(size, key, counter):
    return tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=[size], key=tf.constant([key], tf.uint64),
        counter=tf.constant(counter, tf.uint64), alg=1,
        dtype=tf.uint32).numpy()


@pytest.mark.parametrize("key,counter", [
    (0, [0, 0]),
    (0x0123456789ABCDEF, [17, 3]),
    # The low counter word overflows inside the draw: the carry must reach
    # the high word (a 128-bit counter).
    (42, [U64 - 2, 5]),
    (U64 - 1, [U64 - 1, U64 - 1]),
])
@pytest.mark.parametrize("size", [1, 3, 4, 5, 13, 64])
def test_philox_equals_tensorflows_kernel(key, counter, size):
    mine = rng._philox(tf.constant(size), tf.constant([key], tf.uint64),
                       tf.constant(counter, tf.uint64)).numpy()
    np.testing.assert_array_equal(mine, kernel_bits(size, key, counter))


def test_xla_programs_compute_the_bits_with_philox_and_graphs_with_the_kernel():
    seen = {}

    def draw(mode):
        seen[mode] = rng._in_xla()
        return rng._bits(tf.constant([2, 3, 7]), tf.constant([9, 4], tf.int64))

    graph = tf.function(lambda: draw("graph"))()
    xla = tf.function(lambda: draw("xla"), jit_compile=True)()
    assert seen == {"graph": False, "xla": True}
    assert rng._in_xla() is False  # eager
    np.testing.assert_array_equal(graph.numpy(), xla.numpy())


@pytest.mark.parametrize("draw", [rng.uniform, rng.normal])
def test_noise_is_the_same_in_eager_graph_and_xla(draw):
    def run(compiled):
        state = rng.make_state(11)  # a fresh stream for each mode

        def sample():
            return [draw((64, 10), state), draw((5,), state)]
        return compiled(sample)() if compiled else sample()

    eager = run(None)
    graph = run(tf.function)
    xla = run(lambda f: tf.function(f, jit_compile=True))
    for a, b, c in zip(eager, graph, xla):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        # log/cos may differ by an ulp under XLA; uniforms are exact.
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=0, atol=1e-6)
    if draw is rng.uniform:
        for a, c in zip(eager, xla):
            np.testing.assert_array_equal(a.numpy(), c.numpy())
