"""Every weight read in a train step is ordered against its update.

In graph mode TensorFlow runs independent ops in parallel, so a read of a
variable and a write of it must be joined by a path in the graph that
actually runs: the one Grappler leaves after optimizing, not the traced one.
WGAN-C once lost such a path (its critics' last-layer reads raced the
optimizer update; about 1 run in 15 ended elsewhere, see
`keras_gan.models.base._after`). These tests take the optimized graph of a
short `fit()` from TensorFlow's run metadata and look for a read/write or
write/write pair of one variable with no path between them.
"""

import collections

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.eager import context

from keras_gan import GAN, WGANC, WGANGP, networks

LATENT = 4
#: Ops that hand a resource handle on without touching the variable.
_FORWARD = {"Identity", "IdentityN", "Switch", "Merge", "Enter", "_Recv",
            "_HostRecv"}
_READS = {"ReadVariableOp", "VarIsInitializedOp", "VariableShape",
          "ResourceGather"}
_SOURCES = {"_Arg", "VarHandleOp", "Placeholder"}


def optimized_train_graph(model, x):
    """The largest post-Grappler function graph of one epoch of `fit`."""
    ctx = context.context()
    ctx.enable_run_metadata()
    try:
        model.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
        metadata = ctx.export_run_metadata()
    finally:
        ctx.disable_run_metadata()
    graphs = [f.post_optimization_graph for f in metadata.function_graphs]
    return max(graphs, key=lambda g: len(g.node))


def unordered_accesses(graph):
    """[(variable, op a, op b)] of accesses with no path either way."""
    nodes = {n.name: n for n in graph.node}

    def source(name):
        return name.lstrip("^").split(":")[0]

    inputs = {n.name: [source(i) for i in n.input if source(i) in nodes]
              for n in graph.node if n.op != "NextIteration"}

    def variable(name):
        while nodes[name].op in _FORWARD and nodes[name].input:
            name = source(nodes[name].input[0])
        attr = nodes[name].attr
        dtype = attr.get("T") or attr.get("dtype")
        return name if (nodes[name].op in _SOURCES and dtype is not None
                        and dtype.type == tf.resource.as_datatype_enum) \
            else None

    accesses = collections.defaultdict(list)  # variable -> [(op, is_read)]
    for n in graph.node:
        if n.op in _FORWARD or n.op in _SOURCES or n.op in ("NoOp",
                                                             "_Retval"):
            continue
        for i in n.input:
            if not i.startswith("^") and source(i) in nodes:
                v = variable(source(i))
                if v is not None:
                    accesses[v].append((n.name, n.op in _READS))

    # Ancestor sets as bit masks, in topological order (NextIteration edges
    # dropped above, so the graph is acyclic).
    order, state = [], {}
    for start in inputs:
        stack = [(start, False)]
        while stack:
            name, done = stack.pop()
            if done:
                if state.get(name) != 2:
                    state[name] = 2
                    order.append(name)
            elif not state.get(name):
                state[name] = 1
                stack.append((name, True))
                stack.extend((p, False) for p in inputs.get(name, ())
                             if not state.get(p))
    bit = {name: 1 << i for i, name in enumerate(order)}
    ancestors = {}
    for name in order:
        mask = 0
        for p in inputs.get(name, ()):
            mask |= ancestors[p] | bit[p]
        ancestors[name] = mask

    def ordered(a, b):
        return bool(ancestors[b] & bit[a] or ancestors[a] & bit[b])

    races = []
    for v, ops in accesses.items():
        for i, (a, a_reads) in enumerate(ops):
            for b, b_reads in ops[i + 1:]:
                if not (a_reads and b_reads) and not ordered(a, b):
                    races.append((v, a, b))
    return races


def critics(n):
    return [networks.build_mlp_discriminator((2,), (16,) * (i + 1),
                                             name=f"critic_{i}")
            for i in range(n)]


def build(name):
    keras.utils.set_random_seed(0)
    generator = networks.build_mlp_generator(LATENT, (2,), (16,), None)
    if name == "wgan-c":
        return WGANC(generator, critics(3), LATENT, curriculum_steps=4,
                     n_critic=2, seed=0)
    if name == "wgan-gp":
        return WGANGP(generator, critics(1)[0], LATENT, n_critic=2, seed=0)
    return GAN(generator, critics(1)[0], LATENT, seed=0)


@pytest.mark.parametrize("name", ["wgan-c", "wgan-gp", "gan"])
def test_no_weight_read_races_its_update(name):
    model = build(name)
    model.compile(jit_compile=False, steps_per_execution=1)
    x = np.random.default_rng(0).normal(size=(48, 2)).astype("float32")
    graph = optimized_train_graph(model, x)
    assert any(n.op.startswith("ResourceApply") or "Assign" in n.op
               for n in graph.node), "expected the train step's graph"
    assert unordered_accesses(graph) == []
