"""Pictures of a run: image grids, 2-D scatters, loss curves (matplotlib).

Every file is written atomically (`keras_gan._atomic.atomic_write`: drawn to
a temporary name in the same folder, then renamed into place), so a killed
run never leaves a half-written PNG.
"""

import math

import numpy as np

from keras_gan._atomic import atomic_write


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display needed; safe before or after pyplot
    import matplotlib.pyplot as plt

    return plt


def image_grid(images, columns=8):
    """Tiles images into one picture.

    Args:
        images: `(N, H, W, C)` floats in [0, 1] (C = 1 or 3) or uint8.
        columns: Images per row.

    Returns:
        uint8 array `(rows * (H + 1) + 1, columns * (W + 1) + 1, C)`, with a
        one-pixel grey border between tiles.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"Expected images (N, H, W, C). Received shape "
                         f"{images.shape}")
    if images.dtype != np.uint8:
        images = np.rint(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    n, height, width, channels = images.shape
    columns = min(columns, n)
    rows = math.ceil(n / columns)
    grid = np.full((rows * (height + 1) + 1, columns * (width + 1) + 1,
                    channels), 96, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = 1 + r * (height + 1), 1 + c * (width + 1)
        grid[top:top + height, left:left + width] = image
    return grid


def save_image_grid(images, path, columns=8, scale=3):
    """Writes a grid of images as a PNG (grayscale for one channel).

    Args:
        images: `(N, H, W, C)` in [0, 1] or uint8.
        path: Output `.png` path.
        columns: Images per row.
        scale: Integer up-scaling (nearest neighbour) so digits are visible.

    Returns:
        `pathlib.Path` of the PNG.
    """
    from PIL import Image  # matplotlib's own PNG writer

    grid = image_grid(images, columns)
    grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    if grid.shape[-1] == 1:
        grid = grid[..., 0]  # 8-bit grayscale PNG
    elif grid.shape[-1] == 2:
        grid = grid[..., :1].repeat(3, axis=-1)

    def write(tmp):
        Image.fromarray(grid).save(tmp, format="PNG")

    return atomic_write(path, write)


def save_scatter(real, fake, path, title=None, centres=None):
    """Scatter plot of generated vs real 2-D points.

    Args:
        real: `(N, 2)` data points.
        fake: `(M, 2)` generated points.
        path: Output `.png` path.
        title: Optional title.
        centres: Optional `(K, 2)` mixture centres, drawn as crosses.

    Returns:
        `pathlib.Path` of the PNG.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    try:
        if centres is not None:
            ax.scatter(centres[:, 0], centres[:, 1], marker="+", c="black",
                       s=60, linewidths=0.6, label="centres")
        finite = fake[np.all(np.isfinite(fake), axis=1)]
        # The axes cover the real data and the samples, so a broken run
        # (samples far off the data) shows as such; only a sample past 100
        # times the data's extent (or non-finite) is left out, and counted.
        extent = max(np.abs(real).max(), 1e-3)
        inside = finite[np.all(np.abs(finite) <= 100 * extent, axis=1)]
        outside = len(fake) - len(inside)
        lim = 1.15 * max(extent, np.abs(inside).max() if len(inside) else 0)
        ax.scatter(inside[:, 0], inside[:, 1], s=3, c="tab:orange",
                   alpha=0.6, label="generated")
        ax.scatter(real[:, 0], real[:, 1], s=4, c="tab:blue", alpha=0.5,
                   label="real")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize=8, markerscale=3)
        if outside:
            ax.text(0.02, 0.02, f"{outside} of {len(fake)} generated points "
                    f"off the plot", transform=ax.transAxes, fontsize=8,
                    color="tab:red")
        if title:
            ax.set_title(title)
        fig.tight_layout()
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


#: Log columns that are not curves worth a panel.
_NOT_PLOTTED = ("seconds", "fid_floor")


def save_loss_curves(history, path, title=None, columns=4):
    """Plots every metric of a run against the epoch, one panel per metric.

    Args:
        history: `{metric name: [value per epoch]}` (epochs start at 1).
        path: Output `.png` path.
        title: Optional figure title.
        columns: Panels per row.

    Returns:
        `pathlib.Path` of the PNG.
    """
    plt = _pyplot()
    names = sorted(name for name in history if name not in _NOT_PLOTTED)
    cols = max(min(len(names), columns), 1)
    rows = max(-(-len(names) // cols), 1)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows),
                             dpi=100, squeeze=False)
    try:
        for ax in axes.flat[len(names):]:
            ax.axis("off")
        for ax, name in zip(axes.flat, names):
            values = np.asarray(history[name], dtype=float)
            ax.plot(np.arange(1, len(values) + 1), values, marker=".")
            ax.set_title(name)
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)
