"""Counter-based noise that is bit-identical in eager, graph and XLA modes.

Why not `keras.random.normal`: TensorFlow's stateless Philox *bits* are the
same with and without XLA, but its float conversions are not (on this CPU,
`stateless_normal` under `jit_compile=True` returns different numbers for
the same seed). Here the raw Philox bits come from TF and the conversion to
floats is done with exact integer/float ops, so one seed gives the same noise
in every execution mode (up to ulp-level differences in `log`/`cos`).

Inside an XLA program the Philox bits are computed by `_philox`, a
transcription of TensorFlow's Philox-4x32-10 into integer ops: bit-identical
to TF's kernel (tests/test_rng.py), and cheap under XLA:CPU, where TF's own
`StatelessRandomUniformFullIntV2` expands to a slow program (12,800 bits:
4.5 ms there against 0.15 ms for `_philox`; 0.2 ms for the kernel in graph
mode, which therefore keeps it). Which of the two computes the bits changes
nothing but the speed.

Under a multi-replica `tf.distribute` strategy each replica draws the noise
of the whole global batch and keeps its own slice, so replica r sees exactly
rows [r*B, (r+1)*B) of what a single device would draw for the global batch:
training is equivalent to single-device training, and replicas never share
noise.
"""

import math

import keras
import tensorflow as tf


def make_state(seed=None, name="noise_seed"):
    """A `keras.Variable` holding the (seed, counter) pair of a noise stream.

    Args:
        seed: Non-negative int, or None for a random seed.
        name: Variable name.

    Returns:
        An int64 `keras.Variable` of shape (2,), non-trainable, written only by
        the first replica under a distribution strategy.
    """
    if seed is None:
        seed = int(tf.random.uniform((), 0, 2**31 - 1, dtype=tf.int64))
    return keras.Variable([int(seed), 0], dtype="int64", trainable=False,
                          aggregation="only_first_replica", name=name)


def _next_seed(state):
    seed = tf.convert_to_tensor(state.value) * 1  # copy before the update
    state.assign_add(tf.constant([0, 1], tf.int64))
    return seed


# Philox-4x32-10 constants (Salmon et al. 2011, "Parallel random numbers:
# as easy as 1, 2, 3"; the values of TensorFlow's philox_random.h).
_PHILOX_MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
_PHILOX_KEY_STEPS = (0x9E3779B9, 0xBB67AE85)
_PHILOX_ROUNDS = 10


def _in_xla():
    """Whether ops created now are compiled by XLA (jit_compile=True)."""
    try:
        from tensorflow.python.ops import control_flow_util
    except ImportError:  # a TF without it: TF's kernel, correct everywhere
        return False
    return control_flow_util.GraphOrParentsInXlaContext(
        tf.compat.v1.get_default_graph())


def _multiply_wide(multiplier, x):
    """(low, high) 32-bit halves of the 64-bit product multiplier * x."""
    product = tf.cast(x, tf.uint64) * tf.constant(multiplier, tf.uint64)
    return (tf.cast(product, tf.uint32),
            tf.cast(tf.bitwise.right_shift(product,
                                           tf.constant(32, tf.uint64)),
                    tf.uint32))


def _philox(size, key, counter):
    """The first `size` uint32 words TensorFlow's Philox kernel returns.

    Args:
        size: Number of words (int32 scalar).
        key: uint64 (1,) and `counter` uint64 (2,), as returned by
            `StatelessRandomGetKeyCounter`.

    Word i is lane i % 4 of the block computed from counter + i // 4 (a
    128-bit addition), the layout of TF's `FillPhiloxRandom`.
    """
    key = tf.bitcast(key, tf.uint32)[0]  # little-endian halves
    k0, k1 = key[0], key[1]
    blocks = tf.bitcast(tf.range((size + 3) // 4, dtype=tf.int64),
                        tf.uint64)
    low = counter[0] + blocks
    high = counter[1] + tf.cast(low < blocks, tf.uint64)  # the carry
    low, high = tf.bitcast(low, tf.uint32), tf.bitcast(high, tf.uint32)
    c = [low[:, 0], low[:, 1], high[:, 0], high[:, 1]]
    xor = tf.bitwise.bitwise_xor
    for round_ in range(_PHILOX_ROUNDS):
        if round_:
            k0 = k0 + tf.constant(_PHILOX_KEY_STEPS[0], tf.uint32)
            k1 = k1 + tf.constant(_PHILOX_KEY_STEPS[1], tf.uint32)
        low0, high0 = _multiply_wide(_PHILOX_MULTIPLIERS[0], c[0])
        low1, high1 = _multiply_wide(_PHILOX_MULTIPLIERS[1], c[2])
        c = [xor(xor(high1, c[1]), k0), low1,
             xor(xor(high0, c[3]), k1), low0]
    return tf.reshape(tf.stack(c, axis=1), [-1])[:size]


def _bits(shape, seed):
    key, counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)
    if _in_xla():
        shape = tf.convert_to_tensor(shape, tf.int32)
        return tf.reshape(_philox(tf.reduce_prod(shape), key, counter),
                          shape)
    return tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=shape, key=key, counter=counter, alg=1, dtype=tf.uint32)


def _uniform_from_bits(bits):
    # Top 24 bits -> exactly representable floats k / 2**24 in [0, 1).
    return tf.cast(tf.bitwise.right_shift(bits, 8), tf.float32) * (2.0 ** -24)


def _global_then_local(shape, state, draw):
    """Draws `shape` for this replica; see the module docstring."""
    ctx = tf.distribute.get_replica_context()
    replicas = (tf.distribute.get_strategy().num_replicas_in_sync
                if ctx is not None else 1)
    seed = _next_seed(state)
    if replicas == 1:
        return draw(shape, seed)
    shape = tf.convert_to_tensor(shape, tf.int32)
    local = shape[0]
    full = draw(tf.concat([[local * replicas], shape[1:]], 0), seed)
    start = tf.cast(ctx.replica_id_in_sync_group, tf.int32) * local
    return full[start:start + local]


def _uniform(shape, seed):
    return _uniform_from_bits(_bits(shape, seed))


def _normal(shape, seed):
    # Box-Muller on two independent uniforms; 1 - u1 is in (0, 1].
    shape = tf.convert_to_tensor(shape, tf.int32)
    bits = _bits(tf.concat([[2], shape], 0), seed)
    u1, u2 = _uniform_from_bits(bits[0]), _uniform_from_bits(bits[1])
    radius = tf.sqrt(-2.0 * tf.math.log(1.0 - u1))
    return radius * tf.cos((2.0 * math.pi) * u2)


def uniform(shape, state):
    """U[0, 1) float32 noise of `shape` (first axis: batch) from `state`."""
    return _global_then_local(shape, state, _uniform)


def normal(shape, state):
    """N(0, 1) float32 noise of `shape` (first axis: batch) from `state`."""
    return _global_then_local(shape, state, _normal)
