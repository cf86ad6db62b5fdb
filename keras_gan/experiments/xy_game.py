"""Experiment 3: gradient descent on the bilinear game ``V(x, y) = x * y``.

Player A controls x and maximises V, player B controls y and minimises it;
the only equilibrium is (0, 0). With learning rate ``lr``:

* simultaneous updates ``(x, y) <- (x + lr y, y - lr x)`` multiply the radius
  by exactly ``sqrt(1 + lr^2)`` every step (the update matrix
  ``[[1, lr], [-lr, 1]]`` is ``sqrt(1 + lr^2)`` times a rotation), so the
  iterates spiral outward, faster for a larger learning rate;
* alternating updates ``x <- x + lr y`` then ``y <- y - lr x_new`` have an
  update matrix of determinant 1 and trace ``2 - lr^2``: for ``lr < 2`` they
  orbit on a fixed ellipse (they conserve ``x^2 + y^2 + lr x y``), neither
  converging nor diverging.

The game is small enough to run in float64 NumPy; nothing here is learned.
"""

import math

import numpy as np

from keras_gan._checks import check_float, check_int
from keras_gan.experiments import _common

LEARNING_RATES = (0.1, 0.2)


def simulate(learning_rate, steps, start=(1.0, 1.0), mode="simultaneous"):
    """Runs gradient ascent in x / descent in y on ``V = x * y``.

    Args:
        learning_rate: Step size (> 0) of both players.
        steps: Number of updates.
        start: Initial `(x, y)`.
        mode: `"simultaneous"` (both use the old point) or `"alternating"`
            (x moves first, y responds to the new x).

    Returns:
        float64 array of shape `(steps + 1, 2)`: the iterates, start included.

    Raises:
        ValueError: on a bad argument.
    """
    learning_rate = check_float("learning_rate", learning_rate,
                                greater_than=0.0)
    steps = check_int("steps", steps, 0)
    if mode not in ("simultaneous", "alternating"):
        raise ValueError(
            "Expected `mode` to be 'simultaneous' or 'alternating'. "
            f"Received: mode={mode!r}")
    path = np.empty((steps + 1, 2))
    x, y = (float(v) for v in start)
    path[0] = x, y
    for t in range(1, steps + 1):
        # dV/dx = y (A ascends), dV/dy = x (B descends).
        if mode == "simultaneous":
            x, y = x + learning_rate * y, y - learning_rate * x
        else:
            x = x + learning_rate * y
            y = y - learning_rate * x
        path[t] = x, y
    return path


def radius(path):
    """Distance ``|(x, y)|`` of each iterate from the equilibrium (0, 0)."""
    return np.linalg.norm(np.asarray(path, np.float64), axis=-1)


def growth_factor(learning_rate):
    """Per-step radius growth of simultaneous updates: ``sqrt(1 + lr^2)``."""
    return math.sqrt(1.0 + learning_rate ** 2)


def plot(paths, path):
    """Trajectories (left) and ``|(x, y)|`` over iterations (right).

    Args:
        paths: Dict `{(mode, learning_rate): iterates}` from `simulate`.
        path: Output PNG path.

    Returns:
        `path`.
    """
    fig, (left, right) = _common.new_figure(1, 2, figsize=(11, 4.6))
    palette = ["tab:blue", "tab:red", "tab:green", "tab:purple"]
    rates = sorted({lr for _, lr in paths})
    colours = {lr: palette[i % len(palette)] for i, lr in enumerate(rates)}
    for (mode, lr), pts in sorted(paths.items(), key=lambda kv: kv[0][1]):
        colour = colours[lr]
        style = "-" if mode == "simultaneous" else "--"
        label = f"{mode}, lr = {lr:g}"
        left.plot(pts[:, 0], pts[:, 1], style, color=colour, lw=1.1,
                  label=label)
        right.semilogy(radius(pts), style, color=colour, lw=1.5, label=label)
        if mode == "simultaneous":
            t = np.arange(len(pts))
            right.semilogy(radius(pts[:1]) * growth_factor(lr) ** t, ":",
                           color="black", lw=1)
    right.plot([], [], ":", color="black", label="|z₀| (1 + lr²)^(t/2)")
    start = next(iter(paths.values()))[0]
    left.plot(*start, "ko", ms=5, label="start")
    left.plot(0, 0, "k*", ms=12, label="equilibrium (0, 0)")
    left.set_xlabel("x (maximises x·y)")
    left.set_ylabel("y (minimises x·y)")
    left.set_aspect("equal", adjustable="datalim")
    left.set_title("Trajectories", fontsize=10)
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13),
                ncol=3)
    right.set_xlabel("iteration")
    right.set_ylabel("|(x, y)|  (log scale)")
    ticks = [1, 1.5, 2, 3, 5, 7, 10, 20, 50, 100, 1000]
    top = max(radius(pts).max() for pts in paths.values())
    right.set_yticks([t for t in ticks if t <= 1.2 * top])
    right.set_yticks([], minor=True)
    right.get_yaxis().set_major_formatter("{x:g}")
    right.set_title("Distance from the equilibrium", fontsize=10)
    right.legend(fontsize=8, loc="upper left")
    fig.suptitle("The x·y game: simultaneous gradient steps spiral out, "
                 "alternating steps orbit", fontsize=11)
    fig.tight_layout()
    return _common.save_figure(fig, path)


def run(out_dir="docs", steps=100, learning_rates=LEARNING_RATES):
    """Simulates both modes at each learning rate, writes `exp_xy_game.png`."""
    import os

    paths = {(mode, lr): simulate(lr, steps, mode=mode)
             for lr in learning_rates
             for mode in ("simultaneous", "alternating")}
    figure = plot(paths, os.path.join(out_dir, "exp_xy_game.png"))
    summary = {"figure": figure}
    for (mode, lr), pts in paths.items():
        r = radius(pts)
        summary[f"{mode}_lr{lr:g}"] = {
            "radius_start": float(r[0]), "radius_end": float(r[-1]),
            "radius_max": float(r.max()), "radius_min": float(r.min())}
    for lr in learning_rates:
        summary[f"theory_growth_lr{lr:g}"] = growth_factor(lr) ** steps
    return summary
