"""Counter-based noise that is bit-identical in eager, graph and XLA modes.

Why not `keras.random.normal`: TensorFlow's stateless Philox *bits* are the
same with and without XLA, but its float conversions are not (on this CPU,
`stateless_normal` under `jit_compile=True` returns different numbers for
the same seed). Here the raw Philox bits come from TF and the conversion to
floats is done with exact integer/float ops, so one seed gives the same noise
in every execution mode (up to ulp-level differences in `log`/`cos`).

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


def _bits(shape, seed):
    key, counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)
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
