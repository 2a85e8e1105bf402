r"""Element-wise and permutation layers: NICE's diagonal scaling, Glow's ActNorm, a fixed
permutation of the coordinates. Their Jacobians are diagonal (or a permutation matrix), so the
log-determinant is a sum of log-scales (or 0).
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_positive_float, make_generator
from ._bijector import Bijector

__all__ = ["ActNorm", "DiagonalScaling", "Permutation"]


class DiagonalScaling(Bijector):
    r"""NICE's scaling layer x = z ⊙ e^{s}, log|det| = Σ_j s_j (a learned vector s, 0 at start)."""

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        self.log_scale = nn.Parameter(torch.zeros(self.dim))

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z * torch.exp(self.log_scale), self.log_scale.sum().expand(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x * torch.exp(-self.log_scale), (-self.log_scale.sum()).expand(x.shape[0])


class ActNorm(Bijector):
    r"""Glow's activation normalisation x = z ⊙ e^{s} + b, log|det| = Σ_j s_j.

    Data-dependent initialisation: the first :meth:`inverse` in training mode sets b and s to the
    batch's mean and log standard deviation, so that its z has zero mean and unit variance per
    coordinate. The flag is a buffer, so a loaded checkpoint is not re-initialised. Shapes:
    ``(n, d)`` in, ``(n, d)`` and ``(n,)`` out.

    References:
        | Glow: Generative Flow with Invertible 1x1 Convolutions (Kingma and Dhariwal, 2018)
        | https://arxiv.org/abs/1807.03039
    """

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__(dim)
        self.log_scale = nn.Parameter(torch.zeros(self.dim))
        self.shift = nn.Parameter(torch.zeros(self.dim))
        self.eps = check_positive_float(eps, "eps")
        self.register_buffer("initialized", torch.tensor(False))

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        """Set b = mean(x), s = log std(x) (per coordinate) from a batch of data-side points."""
        x = self._check(x, "x")
        if x.shape[0] < 2:
            raise ValueError(
                "ActNorm's data-dependent initialisation needs a batch of at least 2 points"
            )
        self.shift.copy_(x.mean(0))
        self.log_scale.copy_(torch.log(x.std(0) + self.eps))
        self.initialized.fill_(True)

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z * torch.exp(self.log_scale) + self.shift, self.log_scale.sum().expand(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training and not bool(self.initialized):
            self.initialize(x)
        return (x - self.shift) * torch.exp(-self.log_scale), (-self.log_scale.sum()).expand(
            x.shape[0]
        )


class Permutation(Bijector):
    """x = z[:, π]: a fixed permutation of the coordinates (log|det| = 0).

    ``permutation`` is ``"reverse"``, ``"random"`` (drawn with ``seed``) or a tensor holding a
    permutation of 0..d−1.
    """

    def __init__(
        self,
        dim: int,
        permutation: str | torch.Tensor = "reverse",
        seed: int | torch.Generator | None = 0,
    ) -> None:
        super().__init__(dim)
        if isinstance(permutation, str):
            if permutation == "reverse":
                perm = torch.arange(self.dim - 1, -1, -1)
            elif permutation == "random":
                perm = torch.randperm(self.dim, generator=make_generator(seed))
            else:
                raise ValueError(
                    f"permutation must be 'reverse', 'random' or a tensor, got {permutation!r}"
                )
        elif isinstance(permutation, torch.Tensor):
            perm = permutation.long().cpu()
            if perm.shape != (self.dim,) or not torch.equal(
                torch.sort(perm).values, torch.arange(self.dim)
            ):
                raise ValueError(f"permutation must hold each of 0..{self.dim - 1} exactly once")
        else:
            raise TypeError(
                f"permutation must be a string or a tensor, got {type(permutation).__name__}"
            )
        self.register_buffer("perm", perm)
        self.register_buffer("inverse_perm", torch.argsort(perm))

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z.index_select(1, self.perm), z.new_zeros(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.index_select(1, self.inverse_perm), x.new_zeros(x.shape[0])
