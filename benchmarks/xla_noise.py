"""Why XLA is not the CPU default: one seed-MLP critic step, by noise source.

Times a hand loop of WGAN critic updates (seed MLPs, batch 64, RMSProp) with
and without `jit_compile`, for three noise sources: zeros (no random numbers),
TensorFlow's stateful `tf.random.normal`, and `keras_gan.rng.normal` (the
noise the models use, identical with and without XLA). Prints steps/s.

    nice python benchmarks/xla_noise.py
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan import losses, networks, rng  # noqa: E402

BATCH, LATENT, INNER, CALLS = 64, 100, 10, 50


def critic_step_fn(noise):
    generator = networks.build_mlp_generator(LATENT)
    critic = networks.build_mlp_discriminator()
    optimizer = keras.optimizers.RMSprop(5e-5)
    optimizer.build(critic.trainable_variables)
    state = rng.make_state(0)
    real = tf.random.uniform((BATCH, 28, 28, 1), seed=1)

    def step():
        if noise == "keras_gan.rng":
            z = rng.normal((BATCH, LATENT), state)
        elif noise == "tf.random":
            z = tf.random.normal((BATCH, LATENT))
        else:
            z = tf.zeros((BATCH, LATENT))
        fake = generator(z, training=True)
        with tf.GradientTape() as tape:
            loss = losses.wasserstein_discriminator_loss(
                critic(real, training=True), critic(fake, training=True))
        variables = critic.trainable_variables
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    return step


def main():
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'noise':15s} {'no XLA':>10s} {'XLA':>10s}   steps/s")
    for noise in ("zeros", "tf.random", "keras_gan.rng"):
        rates = []
        for jit in (False, True):
            step = tf.function(critic_step_fn(noise), jit_compile=jit)

            @tf.function
            def block():
                for _ in tf.range(INNER):
                    step()

            block()
            block()
            start = time.perf_counter()
            for _ in range(CALLS):
                block()
            rates.append(INNER * CALLS / (time.perf_counter() - start))
        print(f"{noise:15s} {rates[0]:10.0f} {rates[1]:10.0f}", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
