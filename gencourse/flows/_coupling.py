r"""Coupling layers: keep z_{1:s}, transform z_{s+1:d} by a map whose parameters depend on z_{1:s}.

:class:`AdditiveCoupling` (NICE, volume preserving) and :class:`AffineCoupling` (Real-NVP), with
the soft clamp of the log-scale (:func:`soft_clamp`) that the autoregressive layers share.
"""

from __future__ import annotations

import torch

from .._checks import check_positive_float
from ..nn import mlp
from ._bijector import Bijector
from ._masks import _check_mask

__all__ = ["AdditiveCoupling", "AffineCoupling", "soft_clamp"]


def soft_clamp(u: torch.Tensor, bound: float | None) -> torch.Tensor:
    r"""b · tanh(u / b): a smooth map onto (−b, b) with slope 1 at 0 (identity when b is None)."""
    return u if bound is None else bound * torch.tanh(u / bound)


def _check_scale_bound(scale_bound: float | None) -> float | None:
    return None if scale_bound is None else check_positive_float(scale_bound, "scale_bound")


class _Coupling(Bijector):
    """Shared split/merge of the coupling layers: ``mask`` is True on the kept part z_{1:s}.

    The conditioner is :func:`gencourse.nn.mlp` (ReLU, read-out at zero: the layer starts as the
    identity), with ``n_params`` outputs per moved coordinate; ``scale_bound`` is the bound b of
    the soft-clamped log-scale (affine couplings; None: unbounded).
    """

    def __init__(
        self,
        mask: torch.Tensor,
        n_params: int,
        hidden: int,
        depth: int,
        dropout: float = 0.0,
        scale_bound: float | None = None,
    ) -> None:
        mask = _check_mask(mask)
        super().__init__(mask.numel())
        kept = torch.nonzero(mask).squeeze(1)
        moved = torch.nonzero(~mask).squeeze(1)
        self.register_buffer("mask", mask)
        self.register_buffer("kept", kept)
        self.register_buffer("moved", moved)
        self.register_buffer("merge", torch.argsort(torch.cat([kept, moved])))
        self.n_params = n_params
        # v (and u) : R^s → R^{d−s}, one network for all of them
        self.net = mlp(
            kept.numel(), n_params * moved.numel(), hidden, depth, dropout=dropout, zero_last=True
        )
        self.scale_bound = _check_scale_bound(scale_bound)

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.index_select(1, self.kept), x.index_select(1, self.moved)

    def _merge(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.cat([a, b], 1).index_select(1, self.merge)


class AdditiveCoupling(_Coupling):
    r"""NICE: x_{1:s} = z_{1:s}, x_{s+1:d} = z_{s+1:d} + v(z_{1:s}).

    Inverse z_{s+1:d} = x_{s+1:d} − v(x_{1:s}); with the kept coordinates listed first the
    Jacobian is unit lower triangular (for a general mask: after that permutation), so
    log|det ∇f| = 0: volume preserving. ``mask`` (bool, shape ``(d,)``) is True on the kept
    coordinates; v is an MLP with ``depth`` hidden layers of width ``hidden`` (``dropout``: see
    :class:`AffineCoupling`).
    """

    def __init__(
        self, mask: torch.Tensor, hidden: int = 64, depth: int = 2, dropout: float = 0.0
    ) -> None:
        super().__init__(mask, 1, hidden, depth, dropout)

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        za, zb = self._split(z)
        x = self._merge(za, zb + self.net(za))
        return x, z.new_zeros(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xa, xb = self._split(x)
        z = self._merge(xa, xb - self.net(xa))
        return z, x.new_zeros(x.shape[0])


class AffineCoupling(_Coupling):
    r"""Real-NVP: x_{1:s} = z_{1:s}, x_{s+1:d} = z_{s+1:d} ⊙ e^{u(z_{1:s})} + v(z_{1:s}).

    Inverse z_{s+1:d} = (x_{s+1:d} − v(x_{1:s})) ⊙ e^{−u(x_{1:s})}, and

        log|det ∇f(z)| = Σ_{j=1}^{d−s} u_j(z_{1:s})     (no absolute value: it can be < 0).

    The network outputs u and a shift t on Q's side, with v = −t ⊙ e^{u}; then the density
    direction z_{s+1:d} = x_{s+1:d} ⊙ e^{−u} + t is affine in the outputs (as in Glow and zuko),
    which trains measurably better than predicting v (benchmarks/bench_flows.py). For numerical
    stability the log-scale is soft-clamped, u = b·tanh(ũ/b) with b = ``scale_bound``
    (``None``: unbounded), so e^{±u} can neither overflow nor vanish. ``dropout`` > 0 drops the
    conditioner's hidden units in training mode (a regulariser for small data sets): for each
    draw of the dropout mask the layer is still an exact bijection with the log-determinant
    above, and in evaluation mode (``flow.eval()``, as :func:`evaluate_nll` uses) it is the
    deterministic network.
    """

    def __init__(
        self,
        mask: torch.Tensor,
        hidden: int = 64,
        depth: int = 2,
        scale_bound: float | None = 3.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(mask, 2, hidden, depth, dropout, scale_bound)

    def scale_shift(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(u, t) of the kept part ``a``, each of shape ``(n, d − s)``; shift v = −t ⊙ e^{u}."""
        u, t = self.net(a).chunk(2, dim=1)
        return soft_clamp(u, self.scale_bound), t

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        za, zb = self._split(z)
        u, t = self.scale_shift(za)
        return self._merge(za, (zb - t) * torch.exp(u)), u.sum(1)  # = zb ⊙ e^u + v

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xa, xb = self._split(x)
        u, t = self.scale_shift(xa)
        return self._merge(xa, xb * torch.exp(-u) + t), -u.sum(1)  # = (xb − v) ⊙ e^{−u}
