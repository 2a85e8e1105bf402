"""Chapter 3's experiment: the change of variables in one dimension, G_a(z) = z + a·s·tanh(z/s)."""

from __future__ import annotations

import math

import torch
from matplotlib.axes import Axes

from ..flows import bend, bend_inverse
from ._common import axes

__all__ = ["draw_bend"]


def draw_bend(
    a: float, ax: Axes | None = None, *, z: torch.Tensor, scale: float = 1 / 3, window: float = 6.5
) -> Axes:
    r"""Histogram of G_a(z) for the samples ``z`` of Q = N(0, 1), the change-of-variables formula
    P(x) = Q(G_a⁻¹(x)) / G_a'(G_a⁻¹(x)) (red) and Q itself (dashed)."""
    ax = axes(ax)
    x = bend(z.double().reshape(-1), a, scale)
    grid = torch.linspace(-window, window, 600, dtype=torch.float64)
    w = bend_inverse(grid, a, scale)
    q = torch.exp(-(w**2) / 2) / math.sqrt(2 * math.pi)
    ax.hist(
        x.numpy(),
        bins=130,
        range=(-window, window),
        density=True,
        color="0.8",
        label="histogram of G(z)",
    )
    ax.plot(grid, q / (1 + a / torch.cosh(w / scale) ** 2), "C3", label="formula")
    ax.plot(grid, torch.exp(-(grid**2) / 2) / math.sqrt(2 * math.pi), "k--", lw=0.8, label="Q")
    ax.set(xlabel="x", ylim=(0, 1.0), title=f"a = {a:g}: $P(0) = \\varphi(0)/{1 + a:g}$")
    ax.legend(fontsize=7, loc="upper right")
    return ax
