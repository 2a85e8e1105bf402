r"""Uniform dequantization of integer grey levels: y = (x + u)/L with u ~ U[0, 1)^d.

A flow has a density on R^d; discrete images x ∈ {0, …, L − 1}^d are spread over their cells
[x, x + 1)/L by fresh uniform noise, so that the flow's likelihood of y bounds the discrete
model's (Theis et al. 2016).
"""

from __future__ import annotations

import torch

from .._checks import check_positive_int


def _dequantize(
    x: torch.Tensor, levels: int | None, generator: torch.Generator | None
) -> torch.Tensor:
    """y = (x + u)/levels with u ~ U[0, 1)^d drawn afresh from ``generator`` (on the CPU, in
    torch's default dtype); ``levels=None``: continuous data, y = x."""
    if levels is None:
        return x
    u = torch.rand(x.shape, generator=generator).to(x.device)
    return (x + u) / levels


def _check_levels(x: torch.Tensor, levels: int | None, name: str) -> int | None:
    if levels is None:
        return None
    levels = check_positive_int(levels, "levels", minimum=2)
    if bool((x != torch.round(x)).any()) or bool((x < 0).any()) or bool((x > levels - 1).any()):
        raise ValueError(
            f"{name} must hold integer grey levels in 0..{levels - 1} when levels={levels}"
        )
    return levels
