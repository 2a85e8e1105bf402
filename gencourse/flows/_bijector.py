r"""The bijector interface: an invertible layer f_w with its log-determinant, in both directions.

Direction convention (the slides'): every layer maps Q's side z to the data side x;
``forward(z)`` returns ``(x, log|det ∇f(z)|)`` and ``inverse(x)`` returns
``(z, log|det ∇f^{-1}(x)|)``, both log-determinants of shape ``(n,)``.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import as_points, check_positive_int, module_device

__all__ = ["Bijector"]


class Bijector(nn.Module):
    r"""An invertible layer f_w: R^d → R^d with its log-determinant.

    Subclasses implement ``_forward(z) -> (x, log|det ∇f(z)|)`` and
    ``_inverse(x) -> (z, log|det ∇f^{-1}(x)|)``. The public :meth:`forward` and :meth:`inverse`
    check their input (shape ``(n, d)``, floating point, finite, on the layer's device) first.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = check_positive_int(dim, "dim")

    def _check(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return as_points(x, name, dim=self.dim, device=module_device(self))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._forward(self._check(z, "z"))

    def inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._inverse(self._check(x, "x"))

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError
