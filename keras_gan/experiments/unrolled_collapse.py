"""Experiment: the plain GAN collapsing onto one mode and moving, and the
unrolled GAN holding all eight (`keras_gan.experiments.unrolled` in its
`"collapse"` setting, `unrolled.COLLAPSE`).

Writes ``exp_unrolled_collapse.png``: per method, samples every 2,000 steps
and the share of samples near each mode over training.
"""

from keras_gan.experiments import unrolled


def run(out_dir="docs", unroll_steps=(0, 10), seeds=unrolled.SEEDS,
        steps=None):
    """The plain GAN (K = 0) and K = 10 in the collapse setting, 5 seeds."""
    return unrolled.run(out_dir, unroll_steps=unroll_steps, seeds=seeds,
                        steps=steps, setting="collapse")
