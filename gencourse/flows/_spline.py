r"""Spline coupling: the moved coordinates go through a monotone rational-quadratic spline.

:func:`rational_quadratic_spline` is the elementwise map (Gregory & Delbourgo's rational-quadratic
segments, as parametrised by Durkan et al. 2019), :class:`SplineCoupling` the coupling layer whose
conditioner outputs the spline's knots, and :func:`spline_flow` a stack of them.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from .._checks import check_positive_float, check_positive_int
from ._bijector import Bijector
from ._coupling import _Coupling
from ._elementwise import ActNorm
from ._flow import Flow
from ._masks import _coupling_masks

__all__ = ["SplineCoupling", "rational_quadratic_spline", "spline_flow"]

#: the smallest bin width and height (fractions of 2B) and the smallest knot derivative
_MIN_BIN, _MIN_DERIVATIVE = 1e-3, 1e-3


def _knots(
    widths: torch.Tensor, heights: torch.Tensor, derivatives: torch.Tensor, bound: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Unconstrained (…, K), (…, K), (…, K − 1) → knots x_k, y_k (…, K + 1) and δ_k (…, K + 1).

    Bin sizes: a softmax (they sum to 2B) floored at ``_MIN_BIN``·2B; interior derivatives: a
    softplus floored at ``_MIN_DERIVATIVE``, shifted so that a zero output gives δ = 1 (with
    uniform bins the spline is then the identity); the two end derivatives are 1, matching the
    identity tails.
    """
    n_bins = widths.shape[-1]

    def cumulative(sizes: torch.Tensor) -> torch.Tensor:
        # the softmax written out: twice as fast as torch.softmax on a last dimension this short
        e = torch.exp(sizes - sizes.detach().amax(-1, keepdim=True))
        sizes = _MIN_BIN + (1 - _MIN_BIN * n_bins) * e / e.sum(-1, keepdim=True)
        knots = F.pad(torch.cumsum(sizes, dim=-1), (1, 0))  # 0, …, 1
        return 2 * bound * knots - bound  # −B, …, B

    shift = math.log(math.expm1(1 - _MIN_DERIVATIVE))  # softplus(shift) + min = 1
    inner = _MIN_DERIVATIVE + F.softplus(derivatives + shift)
    return cumulative(widths), cumulative(heights), F.pad(inner, (1, 1), value=1.0)


def rational_quadratic_spline(
    z: torch.Tensor,
    widths: torch.Tensor,
    heights: torch.Tensor,
    derivatives: torch.Tensor,
    bound: float = 3.0,
    *,
    inverse: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The monotone rational-quadratic spline g on [−B, B], the identity outside.

    ``z`` has shape ``(n, m)``; ``widths`` and ``heights`` ``(n, m, K)`` and ``derivatives``
    ``(n, m, K − 1)`` are unconstrained (see :func:`_knots`). They define K bins with knots
    (x_k, y_k), k = 0..K, from (−B, −B) to (B, B), and the derivatives δ_k > 0 at the knots
    (δ_0 = δ_K = 1). In bin k, with w_k = x_{k+1} − x_k, h_k = y_{k+1} − y_k, s_k = h_k / w_k and
    ξ = (z − x_k)/w_k ∈ [0, 1],

        g(z) = y_k + h_k [s_k ξ² + δ_k ξ(1−ξ)] / [s_k + (δ_{k+1} + δ_k − 2 s_k) ξ(1−ξ)],
        g'(z) = s_k² [δ_{k+1} ξ² + 2 s_k ξ(1−ξ) + δ_k (1−ξ)²]
                / [s_k + (δ_{k+1} + δ_k − 2 s_k) ξ(1−ξ)]²  > 0.

    Returns ``(g(z), log g'(z))``, both ``(n, m)``. With ``inverse=True`` it returns
    ``(g^{-1}(z), log (g^{-1})'(z))``: for y = z in bin k of the y_k, ξ is the root in [0, 1] of
    a ξ² + b ξ + c = 0, with Δ = y − y_k, σ = δ_{k+1} + δ_k − 2 s_k,

        a = h_k (s_k − δ_k) + Δ σ,   b = h_k δ_k − Δ σ,   c = −s_k Δ,
        ξ = 2c / (−b − √(b² − 4ac))   (the stable form of the root; b² − 4ac > 0).

    Reference: Neural Spline Flows (Durkan et al., 2019), https://arxiv.org/abs/1906.04032 (§ 3.1
    and appendix A).
    """
    x_knots, y_knots, delta = _knots(widths, heights, derivatives, bound)
    inside = (z >= -bound) & (z <= bound)
    t = z.clamp(-bound, bound)  # outside: computed on the boundary, then replaced by identity
    source = y_knots if inverse else x_knots
    k = torch.searchsorted(source[..., 1:-1].contiguous(), t[..., None]).clamp(
        max=widths.shape[-1] - 1
    )
    x_k, x_next = x_knots.gather(-1, k)[..., 0], x_knots.gather(-1, k + 1)[..., 0]
    y_k, y_next = y_knots.gather(-1, k)[..., 0], y_knots.gather(-1, k + 1)[..., 0]
    d_k, d_next = delta.gather(-1, k)[..., 0], delta.gather(-1, k + 1)[..., 0]
    w, h = x_next - x_k, y_next - y_k
    s = h / w
    sigma = d_next + d_k - 2 * s
    if inverse:
        dy = t - y_k
        a = h * (s - d_k) + dy * sigma
        b = h * d_k - dy * sigma
        c = -s * dy
        xi = (2 * c / (-b - torch.sqrt((b.square() - 4 * a * c).clamp(min=0)))).clamp(0, 1)
        out = x_k + xi * w
    else:
        xi = (t - x_k) / w
        out = y_k + h * (s * xi.square() + d_k * xi * (1 - xi)) / (s + sigma * xi * (1 - xi))
    one_minus = 1 - xi
    denominator = s + sigma * xi * one_minus
    numerator = s.square() * (
        d_next * xi.square() + 2 * s * xi * one_minus + d_k * one_minus.square()
    )
    log_slope = torch.log(numerator) - 2 * torch.log(denominator)  # log g'(x) at x = g^{-1}(y)
    if inverse:
        log_slope = -log_slope
    return torch.where(inside, out, z), torch.where(inside, log_slope, torch.zeros_like(z))


class SplineCoupling(_Coupling):
    r"""Neural spline coupling: x_{1:s} = z_{1:s}, x_{s+1:d} = g(z_{s+1:d}; θ(z_{1:s})).

    g is :func:`rational_quadratic_spline` applied to each moved coordinate, with its own K bins
    on [−B, B] (``bins``, ``bound``; the identity outside), whose 3K − 1 parameters per coordinate
    the conditioner (an MLP of ``depth`` hidden layers of width ``hidden``, read-out at zero: the
    layer starts as the identity) computes from the kept part. The Jacobian is triangular, so

        log|det ∇f(z)| = Σ_{j=s+1}^{d} log g'(z_j);

    the inverse applies g^{-1} (the quadratic's root) with the same θ(x_{1:s}) = θ(z_{1:s}).
    ``mask`` (bool, shape ``(d,)``) is True on the kept coordinates; ``dropout`` as in
    :class:`AffineCoupling`.

    Reference: Neural Spline Flows (Durkan et al., 2019), https://arxiv.org/abs/1906.04032
    """

    def __init__(
        self,
        mask: torch.Tensor,
        hidden: int = 64,
        depth: int = 2,
        bins: int = 8,
        bound: float = 3.0,
        dropout: float = 0.0,
    ) -> None:
        bins = check_positive_int(bins, "bins", minimum=2)
        super().__init__(mask, 3 * bins - 1, hidden, depth, dropout)
        self.bins, self.bound = bins, check_positive_float(bound, "bound")

    def spline_parameters(self, a: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The unconstrained widths, heights (n, d − s, K) and derivatives (n, d − s, K − 1)."""
        theta = self.net(a).reshape(a.shape[0], -1, self.n_params)
        return theta.split([self.bins, self.bins, self.bins - 1], dim=-1)

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        za, zb = self._split(z)
        xb, log_slope = rational_quadratic_spline(zb, *self.spline_parameters(za), self.bound)
        return self._merge(za, xb), log_slope.sum(1)

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xa, xb = self._split(x)
        zb, log_slope = rational_quadratic_spline(
            xb, *self.spline_parameters(xa), self.bound, inverse=True
        )
        return self._merge(xa, zb), log_slope.sum(1)


def spline_flow(
    dim: int,
    n_couplings: int = 4,
    hidden: int = 64,
    depth: int = 2,
    *,
    bins: int = 8,
    bound: float = 3.0,
    actnorm: bool = False,
    image_shape: tuple[int, int] | None = None,
    dropout: float = 0.0,
    device: torch.device | str | None = None,
) -> Flow:
    """Neural spline flow: :class:`SplineCoupling` layers on alternating masks (as Real-NVP).

    ``actnorm=True`` puts an :class:`ActNorm` on the data side (it standardises the data at
    initialisation, so that most of it falls inside the splines' interval [−B, B]).
    """
    n_couplings = check_positive_int(n_couplings, "n_couplings")
    dim = check_positive_int(dim, "dim", minimum=2)
    layers: list[Bijector] = [
        SplineCoupling(m, hidden, depth, bins, bound, dropout)
        for m in _coupling_masks(dim, n_couplings, image_shape)
    ]
    if actnorm:
        layers.append(ActNorm(dim))
    return Flow(layers, device=device)
