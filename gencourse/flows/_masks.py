r"""Coupling masks: which coordinates z_{1:s} a coupling layer keeps (True) and which it moves.

The slides' split into halves, the even/odd split and Real-NVP's spatial checkerboard, and the
alternation of masks along a stack of couplings.
"""

from __future__ import annotations

import torch

from .._checks import check_positive_int

__all__ = ["alternating_mask", "checkerboard_mask", "half_mask"]


def half_mask(dim: int, split: int | None = None, *, flip: bool = False) -> torch.Tensor:
    r"""The slides' split z = (z_{1:s}, z_{s+1:d}): True on the s kept coordinates 1..s.

    ``split`` defaults to ⌊d/2⌋ and must satisfy 1 ≤ s ≤ d − 1. ``flip=True`` keeps s+1..d.
    """
    dim = check_positive_int(dim, "dim", minimum=2)
    split = dim // 2 if split is None else check_positive_int(split, "split")
    if not 1 <= split <= dim - 1:
        raise ValueError(
            f"split must lie in 1..dim-1 = 1..{dim - 1} so that both parts are non-empty, "
            f"got {split}"
        )
    mask = torch.arange(dim) < split
    return ~mask if flip else mask


def alternating_mask(dim: int, parity: int = 0) -> torch.Tensor:
    """True on the coordinates j with j % 2 == parity (j from 0): the even/odd split."""
    dim = check_positive_int(dim, "dim", minimum=2)
    if parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {parity!r}")
    return torch.arange(dim) % 2 == parity


def checkerboard_mask(height: int, width: int, parity: int = 0) -> torch.Tensor:
    """True on the pixels (i, j) with (i + j) % 2 == parity of an image flattened row by row.

    Real-NVP's spatial checkerboard: each kept pixel's neighbours are all transformed.
    """
    height, width = check_positive_int(height, "height"), check_positive_int(width, "width")
    if height * width < 2:
        raise ValueError(f"an image of {height}×{width} pixels cannot be split in two")
    if parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {parity!r}")
    i, j = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    return ((i + j) % 2 == parity).reshape(-1)


def _check_mask(mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a boolean torch.Tensor, got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must have dtype torch.bool, got {mask.dtype}")
    if mask.ndim != 1:
        raise ValueError(f"mask must be a vector of shape (d,), got shape {tuple(mask.shape)}")
    if dim is not None and mask.numel() != dim:
        raise ValueError(f"mask must have length dim={dim}, got length {mask.numel()}")
    kept = int(mask.sum())
    if kept == 0 or kept == mask.numel():
        raise ValueError(
            f"mask must keep between 1 and d-1 coordinates, it keeps {kept} of {mask.numel()}"
        )
    return mask.cpu()


def _coupling_masks(
    dim: int, n_couplings: int, image_shape: tuple[int, int] | None
) -> list[torch.Tensor]:
    """Alternating masks, counted from the data side: the last layer of G_θ (the first one the
    density evaluation meets) keeps the even coordinates, the one before it the odd ones, …"""
    parities = [(n_couplings - 1 - k) % 2 for k in range(n_couplings)]
    if image_shape is None:
        return [alternating_mask(dim, p) for p in parities]
    height, width = image_shape
    if height * width != dim:
        raise ValueError(
            f"image_shape {tuple(image_shape)} has {height * width} pixels but dim={dim}"
        )
    return [checkerboard_mask(height, width, p) for p in parities]
