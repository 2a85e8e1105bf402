r"""The change-of-variables formula with autograd: the reference every layer is tested against.

log P(x) = log Q(G^{-1}(x)) + log|det ∇G^{-1}(x)| for P = G # Q, with the Jacobian of any
batched map from reverse-mode autograd and its log-determinant from ``torch.linalg.slogdet``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .._checks import as_points

__all__ = [
    "autograd_jacobian",
    "autograd_log_abs_det",
    "pushforward_log_prob",
    "standard_normal_log_prob",
]


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    r"""log Q(z) for Q = N(0, I_d): −½‖z‖² − (d/2) log 2π, shape ``(n,)`` for z ``(n, d)``.

    Example:
        >>> standard_normal_log_prob(torch.zeros(1, 2)) + math.log(2 * math.pi)
        tensor([0.])
    """
    return -0.5 * (z * z).sum(-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)


def autograd_jacobian(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    r"""The Jacobians ∇fn(x_i), shape ``(n, d, d)``, by reverse-mode autograd (d backward passes).

    ``fn`` maps a batch ``(n, d)`` to ``(n, d)`` row by row (output row i depends on input row i
    only), as every layer and flow here does; entry ``[i, j, k]`` is ∂fn(x)_{ij} / ∂x_{ik}.
    """
    x = as_points(x, "x").detach().requires_grad_(True)
    with torch.enable_grad():
        y = fn(x)
        if not isinstance(y, torch.Tensor) or y.shape != x.shape:
            raise ValueError(
                f"fn must map shape {tuple(x.shape)} to the same shape, "
                f"got {getattr(y, 'shape', type(y))}"
            )
        rows = [
            torch.autograd.grad(y[:, j].sum(), x, retain_graph=True)[0] for j in range(x.shape[1])
        ]
    return torch.stack(rows, dim=1)


def autograd_log_abs_det(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> torch.Tensor:
    r"""log|det ∇fn(x_i)| for each row of ``x`` (shape ``(n, d)`` → ``(n,)``).

    The full d × d Jacobian from :func:`autograd_jacobian`, then ``torch.linalg.slogdet``:
    O(d³) per point, the general-purpose cost that flows are designed to avoid.

    Example:
        >>> a = torch.tensor([[2.0, 1.0], [0.0, 3.0]])
        >>> autograd_log_abs_det(lambda x: x @ a.T, torch.ones(4, 2))  # log 6 at every point
        tensor([1.7918, 1.7918, 1.7918, 1.7918])
    """
    return torch.linalg.slogdet(autograd_jacobian(fn, x)).logabsdet


def pushforward_log_prob(
    inverse: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    base_log_prob: Callable[[torch.Tensor], torch.Tensor] = standard_normal_log_prob,
) -> torch.Tensor:
    r"""log P(x) = log Q(G^{-1}(x)) + log|det ∇G^{-1}(x)| for P = G # Q (shape ``(n,)``).

    Arguments:
        inverse: G^{-1} on a batch, ``(n, d)`` → ``(n, d)`` row by row; its Jacobian comes from
            autograd (:func:`autograd_log_abs_det`).
        x: the points, shape ``(n, d)``.
        base_log_prob: log Q, ``(n, d)`` → ``(n,)``; N(0, I_d) by default.

    Example:
        G(z) = 2z + 1 pushes N(0, 1) forward to N(1, 2²):

        >>> x = torch.tensor([[0.0], [1.0], [3.0]])
        >>> log_p = pushforward_log_prob(lambda x: (x - 1) / 2, x)
        >>> torch.allclose(log_p, torch.distributions.Normal(1.0, 2.0).log_prob(x[:, 0]))
        True
    """
    return _pushforward_log_prob(inverse, as_points(x, "x"), base_log_prob)


def _pushforward_log_prob(
    inverse: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    base_log_prob: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    r"""log Q(G^{-1}(x)) + log|det ∇G^{-1}(x)|: the computation behind
    :func:`pushforward_log_prob` (which checks ``x``)."""
    with torch.no_grad():
        z = inverse(x)
    return base_log_prob(z) + autograd_log_abs_det(inverse, x).detach()
