"""Chapter 1's experiment: the kernel density estimate's bandwidth."""

from __future__ import annotations

import torch
from matplotlib.axes import Axes

from ..classical import KDE
from ..plot import density_heatmap
from ._common import Bounds

__all__ = ["draw_kde"]


def draw_kde(
    log10_h: float,
    ax: Axes | None = None,
    *,
    x: torch.Tensor,
    x_test: torch.Tensor,
    bounds: Bounds,
    resolution: int = 120,
) -> Axes:
    """The KDE of the sample ``x`` with bandwidth h = 10^``log10_h``, drawn on ``bounds``; the
    title gives its held-out mean log-likelihood on ``x_test``."""
    h = 10**log10_h
    kde = KDE(h).fit(x)
    ax = density_heatmap(kde.log_prob, bounds, resolution=resolution, ax=ax)
    heldout = float(kde.log_prob(x_test).mean())
    ax.set_title(f"h = {h:.3f}: held-out log-lik. {heldout:.2f}", fontsize=9)
    return ax
