"""The book's flows as one call each: NICE, Real-NVP and MAF/IAF stacks of layers."""

from __future__ import annotations

import torch

from .._checks import check_positive_int
from ._autoregressive import MaskedAutoregressive
from ._bijector import Bijector
from ._coupling import AdditiveCoupling, AffineCoupling
from ._elementwise import ActNorm, DiagonalScaling, Permutation
from ._flow import Flow
from ._masks import _coupling_masks

__all__ = ["maf", "nice", "real_nvp"]


def nice(
    dim: int,
    n_couplings: int = 4,
    hidden: int = 64,
    depth: int = 2,
    *,
    scaling: bool = True,
    dropout: float = 0.0,
    device: torch.device | str | None = None,
) -> Flow:
    """NICE: ``n_couplings`` additive couplings on alternating halves, then (optionally) the
    diagonal scaling; ``dropout`` in the conditioners (training mode only)."""
    n_couplings = check_positive_int(n_couplings, "n_couplings")
    layers: list[Bijector] = [
        AdditiveCoupling(m, hidden, depth, dropout)
        for m in _coupling_masks(dim, n_couplings, None)
    ]
    if scaling:
        layers.append(DiagonalScaling(dim))
    return Flow(layers, device=device)


def real_nvp(
    dim: int,
    n_couplings: int = 6,
    hidden: int = 64,
    depth: int = 2,
    *,
    actnorm: bool = False,
    image_shape: tuple[int, int] | None = None,
    scale_bound: float | None = 3.0,
    dropout: float = 0.0,
    device: torch.device | str | None = None,
) -> Flow:
    """Real-NVP: affine couplings on alternating masks (checkerboards with ``image_shape``).

    With ``actnorm=True`` an :class:`ActNorm` precedes the couplings on the data side (the last
    layer of G_θ), standardising the data at initialisation. ``dropout`` > 0 drops hidden units
    of every conditioner in training mode (see :class:`AffineCoupling`).
    """
    n_couplings = check_positive_int(n_couplings, "n_couplings")
    dim = check_positive_int(dim, "dim", minimum=2)
    layers: list[Bijector] = [
        AffineCoupling(m, hidden, depth, scale_bound, dropout)
        for m in _coupling_masks(dim, n_couplings, image_shape)
    ]
    if actnorm:
        layers.append(ActNorm(dim))
    return Flow(layers, device=device)


def maf(
    dim: int,
    n_layers: int = 5,
    hidden: int = 64,
    depth: int = 2,
    *,
    inverse_autoregressive: bool = False,
    actnorm: bool = False,
    dropout: float = 0.0,
    device: torch.device | str | None = None,
) -> Flow:
    """MAF (or IAF): autoregressive layers with the order reversed between consecutive layers.

    ``actnorm`` and ``dropout`` as in :func:`real_nvp` (an :class:`ActNorm` on the data side;
    dropout in the MADEs in training mode).
    """
    n_layers = check_positive_int(n_layers, "n_layers")
    layers: list[Bijector] = []
    for k in range(n_layers):
        if k > 0:
            layers.append(Permutation(dim, "reverse"))
        layers.append(
            MaskedAutoregressive(dim, hidden, depth, inverse_autoregressive, dropout=dropout)
        )
    if actnorm:
        layers.append(ActNorm(dim))
    return Flow(layers, device=device)
