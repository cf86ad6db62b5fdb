"""Experiment 5: the minimax generator loss saturates when D wins.

Goodfellow et al. (2014, section 3): early in training D rejects the
generator's samples with high confidence, ``log(1 - D(G(z)))`` saturates and
its gradient vanishes, while ``-log D(G(z))`` keeps a strong gradient. On
logits l = D's output, ``d/dl log(1 - sigmoid(l)) = -D`` and
``d/dl [-log sigmoid(l)] = -(1 - D)``: per sample the minimax gradient is the
non-saturating one times ``D / (1 - D)``, i.e. about ``D(G(z))`` when D is
near-optimal.

Measured here with the library's pieces: a `keras_gan.GAN` whose generator is
frozen (`trainable = False`) trains only its discriminator, through its own
`train_step`, to reject the fixed generator's samples; along the way the
generator's gradient norms ``||grad_theta_G loss||`` of
`losses.minimax_generator_loss` and `losses.non_saturating_generator_loss`
are measured on one fixed noise batch.
"""

import numpy as np

from keras_gan.experiments import _common

#: Real data: N(3, 0.5^2) in 1-D, away from the untrained generator (~0).
DATA = (3.0, 0.5)


def _grad_norm(tape_fn, variables):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = tape_fn()
    grads = tape.gradient(loss, variables)
    return float(tf.linalg.global_norm(grads))


def generator_gradient_norms(generator, discriminator, z):
    """Generator gradient norms of both G losses on noise `z`, D held fixed.

    Args:
        generator: Trainable generator (`keras.Model`).
        discriminator: Discriminator returning logits.
        z: Noise batch `(B, latent_dim)`.

    Returns:
        Dict: `d_fake` (mean D(G(z))), `minimax` and `non_saturating`
        (global L2 norms of the gradients with respect to the generator's
        trainable variables).
    """
    import tensorflow as tf

    from keras_gan import losses

    z = tf.convert_to_tensor(z, tf.float32)
    variables = generator.trainable_variables
    if not variables:
        raise ValueError("Expected a generator with trainable variables. "
                         "Received: none (is `generator.trainable` False?)")

    def logits():
        return discriminator(generator(z, training=False), training=False)

    return {
        "d_fake": float(tf.reduce_mean(tf.sigmoid(logits()))),
        "minimax": _grad_norm(
            lambda: losses.minimax_generator_loss(logits()), variables),
        "non_saturating": _grad_norm(
            lambda: losses.non_saturating_generator_loss(logits()), variables),
    }


def measure(segments=(0, 20, 20, 40, 80, 160, 320, 640, 1280), batch_size=256,
            hidden=(32, 32), latent_dim=8, learning_rate=1e-3, num_eval=1024,
            seed=0):
    """Trains D against a frozen G in segments; measures both gradient norms.

    Args:
        segments: Discriminator updates to run before each measurement
            (0 first = the untrained D).
        batch_size: Samples per discriminator update.
        hidden: Hidden widths of both seed MLPs.
        latent_dim: Size of z.
        learning_rate: Adam learning rate of D (beta_1 = 0.5).
        num_eval: Noise batch for the gradient measurements (fixed).
        seed: Seeds weights, noise and data.

    Returns:
        Dict of float64 arrays `d_steps`, `d_fake`, `minimax`,
        `non_saturating`, `ratio` (= non_saturating / minimax); and
        `generator_weights_before` / `generator_weights_after` (lists of
        arrays), which must be equal since G is frozen.
    """
    import keras

    from keras_gan import GAN, networks

    keras.utils.set_random_seed(seed)
    generator = networks.build_mlp_generator(
        latent_dim, (1,), hidden, output_activation=None)
    discriminator = networks.build_mlp_discriminator((1,), hidden)
    gan = GAN(generator, discriminator, latent_dim, loss="minimax", seed=seed)
    z = np.random.default_rng(seed + 777).standard_normal(
        (num_eval, latent_dim)).astype("float32")
    stream = _common.gaussian_batches(*DATA, batch_size, seed + 1)
    weights_before = [w.copy() for w in generator.get_weights()]
    rows, total = [], 0
    for steps in segments:
        if steps:
            generator.trainable = False  # G is held fixed: only D learns.
            if gan.d_optimizer is None:
                gan.compile(
                    d_optimizer=keras.optimizers.Adam(learning_rate, 0.5),
                    g_optimizer=keras.optimizers.Adam(learning_rate, 0.5),
                    jit_compile=False)
            gan.fit(stream, steps_per_epoch=int(steps), epochs=1,
                    shuffle=False, verbose=0)
            generator.trainable = True
            total += int(steps)
        row = generator_gradient_norms(generator, discriminator, z)
        row["d_steps"] = total
        rows.append(row)
    out = {key: np.array([row[key] for row in rows], np.float64)
           for key in ("d_steps", "d_fake", "minimax", "non_saturating")}
    out["ratio"] = out["non_saturating"] / out["minimax"]
    out["generator_weights_before"] = weights_before
    out["generator_weights_after"] = generator.get_weights()
    return out


def plot(result, path):
    """Gradient norms vs mean D(G(z)) (left) and their ratio (right).

    Returns:
        `path`.
    """
    fig, (left, right) = _common.new_figure(1, 2, figsize=(11, 4.2))
    d = result["d_fake"]
    order = np.argsort(result["d_steps"], kind="stable")  # training order
    left.loglog(d[order], result["non_saturating"][order], "o-",
                color="tab:green", label="non-saturating: −log D(G(z))")
    left.loglog(d[order], result["minimax"][order], "s-", color="tab:red",
                label="minimax: log(1 − D(G(z)))")
    left.set_xlabel("mean D(G(z)) on the fixed noise batch")
    left.set_ylabel("‖∇θ_G loss‖₂")
    left.set_title("Generator gradient norm as D learns to reject G",
                   fontsize=10)
    left.invert_xaxis()
    left.legend(fontsize=8)
    right.loglog(d[order], result["ratio"][order], "o-", color="tab:purple",
                 label="measured ‖∇ NS‖ / ‖∇ minimax‖")
    fine = np.geomspace(d.min(), d.max(), 100)
    right.loglog(fine, (1 - fine) / fine, ":", color="black",
                 label="(1 − D)/D: the ratio if every sample had the same D")
    right.axhline(10, color="gray", lw=0.8, ls="--", label="10×")
    right.set_xlabel("mean D(G(z)) on the fixed noise batch")
    right.set_ylabel("ratio of gradient norms")
    right.set_title("How much weaker the minimax gradient is", fontsize=10)
    right.invert_xaxis()
    right.legend(fontsize=8)
    fig.suptitle("Vanishing gradients: minimax vs non-saturating generator "
                 "loss (D trained against a frozen G)", fontsize=11)
    fig.tight_layout()
    return _common.save_figure(fig, path)


def run(out_dir="docs", seed=0):
    """Measures, writes `exp_vanishing_gradients.png`, returns the numbers."""
    import os

    result = measure(seed=seed)
    path = plot(result, os.path.join(out_dir, "exp_vanishing_gradients.png"))
    return {"figure": path,
            **{key: [float(v) for v in result[key]]
               for key in ("d_steps", "d_fake", "minimax", "non_saturating",
                           "ratio")}}
