r"""The Knothe–Rosenblatt map: the increasing triangular map that sends a density to Q.

For a positive continuous density ρ on ℝ², with the marginal ρ₁ of x₁ and the conditional
ρ(x₂ | x₁), let F₁ and F₂|₁ be their distribution functions and Φ that of N(0, 1). The map

    T(x) = (Φ⁻¹(F₁(x₁)), Φ⁻¹(F₂|₁(x₂ | x₁)))

is triangular (T₁ reads x₁ only) and increasing in its own coordinate
(∂T_i/∂x_i = ρ(x_i | x_{<i}) / φ(T_i(x)) > 0), and it sends ρ to Q = N(0, I): F₁(X₁) is uniform,
and given X₁, F₂|₁(X₂ | X₁) is uniform too, so the two coordinates of T(X) are independent N(0, 1).
It is the only increasing triangular map that does; its inverse is a generator G = T⁻¹ with Q
as its base, of the form of an autoregressive flow. This module computes T on a grid, in float64,
from an unnormalised log-density alone (the normalising constants cancel in F₁ and F₂|₁).

References:
    | Normalizing Flows for Probabilistic Modeling and Inference (Papamakarios et al., 2021), § 2.2
    | https://arxiv.org/abs/1912.02762
    | Triangular transformations of measures (Bogachev, Kolesnikov and Medvedev, 2005)
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._checks import as_points, check_positive_int

__all__ = ["knothe_rosenblatt"]

LogDensity = Callable[[torch.Tensor], torch.Tensor]


def knothe_rosenblatt(
    log_density: LogDensity,
    x: torch.Tensor,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    resolution: int = 1000,
) -> torch.Tensor:
    r"""T(x) = (Φ⁻¹(F₁(x₁)), Φ⁻¹(F₂|₁(x₂ | x₁))) for a density on ℝ², by the trapezoidal rule.

    Arguments:
        log_density: log ρ up to a constant, a function of points ``(m, 2)`` returning ``(m,)``.
        x: the points, shape ``(n, 2)``, inside ``bounds``.
        bounds: ``((low₁, high₁), (low₂, high₂))``, a box that holds the mass of ρ.
        resolution: grid points per axis of the quadrature.

    Returns:
        T(x), shape ``(n, 2)``, float64.
    """
    if not callable(log_density):
        raise TypeError(f"log_density must be callable, got {type(log_density).__name__}")
    x = as_points(x, "x", dim=2)
    resolution = check_positive_int(resolution, "resolution", minimum=3)
    b = torch.as_tensor(bounds, dtype=torch.float64)
    if b.shape != (2, 2) or not bool(torch.isfinite(b).all()) or bool((b[:, 1] <= b[:, 0]).any()):
        raise ValueError("bounds must be two (low, high) pairs with low < high")
    x = x.detach().to(torch.float64)
    if bool(((x < b[:, 0]) | (x > b[:, 1])).any()):
        raise ValueError("x must lie inside bounds")
    return _knothe_rosenblatt(log_density, x, b, resolution)


def _cdf(log_p: torch.Tensor, grid: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """The distribution function of the density exp(log_p) (rows, unnormalised) on ``grid``,
    by the cumulative trapezoidal rule, at ``at`` (one point per row), linearly interpolated."""
    p = torch.exp(log_p - log_p.max(-1, keepdim=True).values)
    cumulative = torch.cat(
        [p.new_zeros(p.shape[:-1] + (1,)), torch.cumsum((p[..., 1:] + p[..., :-1]) / 2, -1)], -1
    )
    cumulative = cumulative / cumulative[..., -1:]
    h = grid[1] - grid[0]
    k = ((at - grid[0]) / h).clamp(0, grid.numel() - 1 - 1e-9)
    i = k.floor().long()
    frac = k - i
    low = cumulative.gather(-1, i[..., None])[..., 0]
    high = cumulative.gather(-1, (i + 1)[..., None])[..., 0]
    return low + frac * (high - low)


def _knothe_rosenblatt(
    log_density: LogDensity, x: torch.Tensor, bounds: torch.Tensor, resolution: int
) -> torch.Tensor:
    """T(x) by quadrature (:func:`knothe_rosenblatt` checks the arguments)."""
    s, t = (torch.linspace(lo, hi, resolution, dtype=torch.float64) for lo, hi in bounds.tolist())
    with torch.no_grad():
        # the marginal of x₁ on the grid s: log ρ₁(s_j) = log ∫ ρ(s_j, t) dt (up to a constant)
        log_joint = log_density(torch.cartesian_prod(s, t)).double().reshape(resolution, -1)
        log_marginal = torch.logsumexp(log_joint, dim=1)
        f1 = _cdf(log_marginal.expand(x.shape[0], -1), s, x[:, 0])
        # the conditional of x₂ given each x₁: ρ(x₁, t) on the grid t, one row per point
        rows = torch.stack([x[:, 0].repeat_interleave(resolution), t.repeat(x.shape[0])], 1)
        log_conditional = log_density(rows).double().reshape(x.shape[0], resolution)
        f2 = _cdf(log_conditional, t, x[:, 1])
    u = torch.stack([f1, f2], 1).clamp(1e-15, 1 - 1e-15)
    return torch.special.ndtri(u)  # Φ⁻¹
