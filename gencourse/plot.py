"""Plotting helpers (matplotlib): density heatmaps on a grid, sample scatters, image grids.

Every function takes an optional ``ax`` and returns it, so figures are composed in the chapter.
Tensors may live on any device; they are moved to the CPU for drawing.

Importing the module (``import gencourse`` does) applies :data:`STYLE` to matplotlib's rcParams:
an opaque white figure and axes background, so that a figure stays readable on the book theme's
dark background, and the Okabe–Ito colour-blind-safe palette as the default colour cycle.
:func:`use_style` applies it again (after ``plt.rcdefaults()``, say).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
from cycler import cycler
from matplotlib.axes import Axes

from ._checks import as_points, check_positive_int, module_device

__all__ = [
    "OKABE_ITO",
    "STYLE",
    "density_heatmap",
    "grid_points",
    "image_grid",
    "scatter",
    "use_style",
]

# The palette of Okabe and Ito, "Color Universal Design" (2008), https://jfly.uni-koeln.de/color/:
# eight colours told apart under the three common colour-vision deficiencies. Ordered so that
# matplotlib's "C0".."C4" keep their hue (blue, orange, green, red → vermillion, purple →
# reddish purple): code that asks for "C3" to contrast with "C0" still gets it.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

# matplotlib's own style mechanism (a dict of rcParams for plt.style.use / rc_context). The
# inline backend saves a figure with the figure's facecolor, so an opaque figure face gives an
# opaque PNG; savefig's settings cover plt.savefig.
STYLE: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
}


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib's global rcParams (done once on import)."""
    mpl.style.use(STYLE)


use_style()

Bounds = tuple[tuple[float, float], tuple[float, float]]


def _check_bounds(bounds: Bounds) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, x1), (y0, y1) = bounds
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError) as error:
        raise TypeError("bounds must be ((x_min, x_max), (y_min, y_max))") from error
    if not (np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1):
        raise ValueError(
            f"bounds must be finite with x_min < x_max and y_min < y_max, got {bounds}"
        )
    return (x0, x1), (y0, y1)


def grid_points(bounds: Bounds, resolution: int = 200) -> tuple[torch.Tensor, float]:
    """Cell centres of a ``resolution × resolution`` grid on ``bounds``: shape ``(r², 2)``.

    Also returns the area of one cell, so that ``(density(points) * area).sum()`` is the
    midpoint-rule integral of a density over the window. Points run over x fastest.
    """
    (x0, x1), (y0, y1) = _check_bounds(bounds)
    r = check_positive_int(resolution, "resolution", minimum=2)
    xs = x0 + (x1 - x0) * (torch.arange(r) + 0.5) / r
    ys = y0 + (y1 - y0) * (torch.arange(r) + 0.5) / r
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    return points, (x1 - x0) * (y1 - y0) / r**2


@torch.no_grad()
def density_heatmap(
    log_prob: Callable[[torch.Tensor], torch.Tensor],
    bounds: Bounds = ((-4.0, 4.0), (-4.0, 4.0)),
    *,
    resolution: int = 200,
    ax: Axes | None = None,
    device: torch.device | str | None = None,
    title: str | None = None,
    cmap: str = "viridis",
) -> Axes:
    """Draw exp(log_prob(x)) on a grid over ``bounds``.

    ``log_prob`` maps points ``(n, 2)`` to log-densities ``(n,)``; the grid is sent to ``device``
    (default: that of the first parameter or buffer of ``log_prob``'s owner, else the CPU).
    """
    if not callable(log_prob):
        raise TypeError("log_prob must be callable: points (n, 2) -> log-densities (n,)")
    points, _ = grid_points(bounds, resolution)
    if device is None:
        owner = getattr(log_prob, "__self__", None)
        device = module_device(owner) if isinstance(owner, torch.nn.Module) else "cpu"
    values = log_prob(points.to(device)).detach().float().cpu()
    if values.shape != (points.shape[0],):
        raise ValueError(
            f"log_prob must return shape ({points.shape[0]},), got {tuple(values.shape)}"
        )
    density = torch.exp(values).reshape(resolution, resolution).numpy()
    ax = ax if ax is not None else plt.gca()
    (x0, x1), (y0, y1) = _check_bounds(bounds)
    ax.imshow(density, origin="lower", extent=(x0, x1, y0, y1), cmap=cmap, aspect="auto")
    ax.set(xlim=(x0, x1), ylim=(y0, y1))
    if title:
        ax.set_title(title)
    return ax


def scatter(
    x: torch.Tensor,
    *,
    ax: Axes | None = None,
    bounds: Bounds | None = None,
    s: float = 2.0,
    alpha: float = 0.5,
    title: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Scatter plot of 2D samples ``x`` of shape ``(n, 2)``."""
    x = (
        as_points(x.detach() if isinstance(x, torch.Tensor) else x, "x", dim=2)
        .float()
        .cpu()
        .numpy()
    )
    ax = ax if ax is not None else plt.gca()
    ax.scatter(x[:, 0], x[:, 1], s=s, alpha=alpha, **kwargs)
    if bounds is not None:
        (x0, x1), (y0, y1) = _check_bounds(bounds)
        ax.set(xlim=(x0, x1), ylim=(y0, y1))
    ax.set_aspect("equal", adjustable="box")
    if title:
        ax.set_title(title)
    return ax


def image_grid(
    images: torch.Tensor,
    *,
    nrow: int = 10,
    image_shape: tuple[int, int] | None = None,
    ax: Axes | None = None,
    cmap: str = "gray_r",
    pad: int = 1,
    title: str | None = None,
) -> Axes:
    """Tile images ``(n, h, w)`` (or flat ``(n, h·w)`` with ``image_shape``) into one picture."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
    images = images.detach().float().cpu()
    if images.ndim == 2:
        if image_shape is None:
            side = int(round(images.shape[1] ** 0.5))
            if side * side != images.shape[1]:
                raise ValueError("flat images that are not square need image_shape=(h, w)")
            image_shape = (side, side)
        images = images.reshape(images.shape[0], *image_shape)
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(
            f"images must have shape (n, h, w) with n >= 1, got {tuple(images.shape)}"
        )
    nrow = check_positive_int(nrow, "nrow")
    n, h, w = images.shape
    ncol = min(nrow, n)
    rows = -(-n // ncol)
    canvas = np.full((rows * (h + pad) + pad, ncol * (w + pad) + pad), np.nan)
    for i, image in enumerate(images.numpy()):
        r, c = divmod(i, ncol)
        canvas[
            pad + r * (h + pad) : pad + r * (h + pad) + h,
            pad + c * (w + pad) : pad + c * (w + pad) + w,
        ] = image
    ax = ax if ax is not None else plt.gca()
    ax.imshow(np.ma.masked_invalid(canvas), cmap=cmap, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
