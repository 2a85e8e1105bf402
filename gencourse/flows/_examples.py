r"""Chapter 3's example map of the line: G_a(z) = z + a·s·tanh(z/s) and its inverse.

G_a stretches (a > 0) or compresses (a < 0) the line near the origin, so that the density of
G_a(z), z ~ N(0, 1), is Q(G_a⁻¹(x)) / G_a'(G_a⁻¹(x)): the change of variables in one dimension.
"""

from __future__ import annotations

import torch

__all__ = ["bend", "bend_inverse"]


def bend(z: torch.Tensor, a: float, scale: float = 1 / 3) -> torch.Tensor:
    """G_a(z) = z + a·s·tanh(z/s) with s = ``scale``: G_a'(z) = 1 + a·sech²(z/s), so G_a is
    increasing (invertible) for a > −1; it stretches (a > 0) or compresses (a < 0) the line near
    the origin by the factor 1 + a and shifts it by ±a·s far from it."""
    return z + a * scale * torch.tanh(z / scale)


def bend_inverse(
    x: torch.Tensor, a: float, scale: float = 1 / 3, n_iter: int = 60
) -> torch.Tensor:
    """G_a⁻¹(x) by bisection: G_a is increasing and |G_a(z) − z| ≤ |a|·s."""
    if not a > -1:
        raise ValueError(f"a must be > -1 (G_a is then increasing), got {a}")
    lo, hi = x - abs(a) * scale - 1, x + abs(a) * scale + 1
    for _ in range(n_iter):
        mid = (lo + hi) / 2
        below = bend(mid, a, scale) < x
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return (lo + hi) / 2
