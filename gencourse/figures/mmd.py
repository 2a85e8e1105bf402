"""Chapter 5's experiment: the MMD's kernel width on the parallel lines."""

from __future__ import annotations

import math

import torch
from matplotlib.axes import Axes

from ..losses import mmd_gradients
from ._common import axes

__all__ = ["draw_mmd_gradient"]


def draw_mmd_gradient(
    bandwidth: float,
    ax: Axes | None = None,
    *,
    segment0: torch.Tensor,
    z: torch.Tensor,
    thetas: torch.Tensor,
) -> Axes:
    """The MMD²'s gradient in θ on the parallel lines at kernel width h = ``bandwidth``, with
    ±h marked; the sliced W1's gradient, ±2/π whatever the distance, for comparison."""
    ax = axes(ax)
    grads = mmd_gradients(bandwidth, thetas, segment0=segment0, z=z)
    ax.plot(thetas, grads, "C1.-", label="d MMD²/dθ")
    ax.plot(thetas, 2 / math.pi * torch.sign(thetas), "k-", lw=0.8, label="d sliced W1/dθ")
    for side in (-1, 1):
        ax.axvline(side * bandwidth, color="C1", linestyle=":", lw=0.8)
    ax.set(xlabel="θ", title=f"kernel width h = {bandwidth:g}")
    ax.legend(fontsize=7, loc="lower right")
    return ax
