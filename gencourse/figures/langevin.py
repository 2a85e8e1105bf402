"""Chapter 2's experiment: the Langevin step size, ULA against MALA."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from matplotlib.axes import Axes

from ..plot import grid_points
from ._common import Bounds, axes, frame, pick, to_numpy

__all__ = ["draw_chains"]


def draw_chains(
    eta: float,
    ax: Axes | None = None,
    *,
    runs: Mapping[float, tuple[torch.Tensor, torch.Tensor, float]],
    log_density: Callable[[torch.Tensor], torch.Tensor],
    bounds: Bounds,
    n_show: int = 600,
) -> Axes:
    """Final states of ULA (blue) and MALA (red) at the precomputed step ``eta`` (a key of
    ``runs``: ``(ula samples, mala samples, acceptance)``) over the exact density's contours."""
    ula, adjusted, acceptance = pick(runs, eta, "eta")
    ax = axes(ax)
    points, _ = grid_points(bounds, 80)
    density = log_density(points).exp().reshape(80, 80).detach().cpu().numpy()
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, 80), np.linspace(y0, y1, 80)
    ax.contour(xs, ys, density, levels=5, colors="k", linewidths=0.7)
    for samples, colour, label in ((ula, "C0", "ULA"), (adjusted, "C3", "MALA")):
        s = to_numpy(samples, n_show)
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.5, c=colour, label=label)
    frame(ax, bounds)
    ax.set_title(f"η = {eta:g}, MALA acceptance {acceptance:.2f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right", markerscale=4)
    return ax
