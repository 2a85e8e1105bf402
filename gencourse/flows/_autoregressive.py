r"""Autoregressive layers: MAF and IAF, x_i = z_i e^{u_i} + v_i with (u_i, v_i) depending on the
coordinates before i only, computed by a MADE (a masked MLP) in one pass.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_positive_int
from ..nn import _check_dropout
from ._bijector import Bijector
from ._coupling import _check_scale_bound, soft_clamp

__all__ = ["MADE", "MaskedAutoregressive"]


class _MaskedLinear(nn.Linear):
    def __init__(self, n_in: int, n_out: int, mask: torch.Tensor) -> None:
        super().__init__(n_in, n_out)
        self.register_buffer("connectivity", mask.float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.weight * self.connectivity, self.bias)


class MADE(nn.Module):
    r"""Masked autoencoder (Germain et al., 2015): outputs (u_i, v_i) that depend on y_{<i} only.

    Input i has degree i (1..d); hidden unit k has degree m_k ∈ {1..d−1}; a connection is kept
    when the receiving degree is ≥ the sending one (hidden) or > it (outputs), so output i sees
    exactly the inputs of degree < i: the Jacobian of the outputs is strictly lower triangular.
    ``dropout`` > 0 drops hidden units in training mode (which keeps the autoregressive property).
    A MAF layer's sampling direction makes d passes, each with a fresh dropout mask in training
    mode, so it is the inverse of the density direction only in evaluation mode: sample after
    ``flow.eval()`` (as :func:`train_flow` leaves the flow).
    """

    def __init__(self, dim: int, hidden: int = 64, depth: int = 2, dropout: float = 0.0) -> None:
        super().__init__()
        self.dim = check_positive_int(dim, "dim", minimum=2)
        hidden, depth = check_positive_int(hidden, "hidden"), check_positive_int(depth, "depth")
        dropout = _check_dropout(dropout)
        degrees = [torch.arange(1, dim + 1)]
        for _ in range(depth):
            degrees.append(torch.arange(hidden) % (dim - 1) + 1)
        layers: list[nn.Module] = []
        for previous, current in zip(degrees[:-1], degrees[1:]):
            layers += [
                _MaskedLinear(
                    previous.numel(), current.numel(), current[:, None] >= previous[None, :]
                ),
                nn.ReLU(),
            ]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        out_degrees = torch.arange(1, dim + 1).repeat(2)  # u_1..u_d, v_1..v_d
        last = _MaskedLinear(
            degrees[-1].numel(), 2 * dim, out_degrees[:, None] > degrees[-1][None, :]
        )
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        layers.append(last)
        self.net = nn.Sequential(*layers)

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u, v = self.net(y).chunk(2, dim=1)
        return u, v


class MaskedAutoregressive(Bijector):
    r"""Affine autoregressive layer with a MADE conditioner (MAF or IAF).

    * MAF (``inverse_autoregressive=False``, Papamakarios et al. 2017):
      x_i = z_i e^{u_i(x_{<i})} + v_i(x_{<i}).
      The density direction x → z is **one** pass of the MADE; sampling z → x needs **d** passes.
    * IAF (``True``, Kingma et al. 2016): x_i = z_i e^{u_i(z_{<i})} + v_i(z_{<i}): one pass to
      sample, d passes to evaluate the density of a given x.

    In both, log|det ∇f(z)| = Σ_i u_i (a triangular Jacobian). u is soft-clamped as in
    :class:`AffineCoupling`. ``passes`` counts the MADE evaluations (the chapter measures it);
    ``dropout`` is the MADE's (:class:`MADE`).
    """

    def __init__(
        self,
        dim: int,
        hidden: int = 64,
        depth: int = 2,
        inverse_autoregressive: bool = False,
        scale_bound: float | None = 3.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(dim)
        self.made = MADE(self.dim, hidden, depth, dropout)
        self.inverse_autoregressive = bool(inverse_autoregressive)
        self.scale_bound = _check_scale_bound(scale_bound)
        self.passes = 0

    def _conditioner(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.passes += 1
        u, v = self.made(y)
        return soft_clamp(u, self.scale_bound), v

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.inverse_autoregressive:  # one pass
            u, v = self._conditioner(z)
            return z * torch.exp(u) + v, u.sum(1)
        x = torch.zeros_like(z)
        for _ in range(self.dim):  # pass i fixes x_i, since x_i depends on x_{<i} only
            u, v = self._conditioner(x)
            x = z * torch.exp(u) + v
        return x, u.sum(1)

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.inverse_autoregressive:  # one pass
            u, v = self._conditioner(x)
            return (x - v) * torch.exp(-u), -u.sum(1)
        z = torch.zeros_like(x)
        for _ in range(self.dim):
            u, v = self._conditioner(z)
            z = (x - v) * torch.exp(-u)
        return z, -u.sum(1)
