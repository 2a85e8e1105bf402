r"""A flow layer by layer: the points z_t = f_t ∘ … ∘ f_1(z_0) after the first t layers, and their
density P_t by the change of variables through those layers alone (P_0 = Q, P_K = P_θ).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ._bijector import Bijector
from ._flow import Flow
from ._reference import standard_normal_log_prob

__all__ = ["layer_log_prob", "warp"]


def warp(flow: Flow, t: int, z: torch.Tensor) -> torch.Tensor:
    """z_t = f_t ∘ … ∘ f_1(z): the points ``z`` ``(n, d)`` after the first ``t`` layers of
    ``flow`` (a :class:`Flow`; t = 0 returns z), shape ``(n, d)``."""
    t = _check_layer_count(flow, t)
    for layer in flow.layers[:t]:
        z = layer.forward(z)[0]
    return z


def layer_log_prob(flow: Flow, t: int, x: torch.Tensor) -> torch.Tensor:
    r"""log P_t(x), P_t the law of z_t = f_t ∘ … ∘ f_1(z_0) with z_0 ~ Q = N(0, I): the density
    of the points after the first ``t`` layers of ``flow``, by the change of variables
    log P_t(x) = log Q(f_1⁻¹ ∘ … ∘ f_t⁻¹(x)) + Σ_{s ≤ t} log|det ∇f_s⁻¹|. P_0 = Q and P_K is
    the flow's P_θ. ``x`` ``(n, d)`` → ``(n,)``; the computation is :func:`_layer_log_prob`."""
    t = _check_layer_count(flow, t)
    return _layer_log_prob(flow.layers[:t], x)


def _layer_log_prob(layers: Sequence[Bijector], x: torch.Tensor) -> torch.Tensor:
    r"""log Q(f_1⁻¹ ∘ … ∘ f_t⁻¹(x)) + Σ_{s ≤ t} log|det ∇f_s⁻¹| for ``layers`` = [f_1, …, f_t]:
    the inverses in reverse order, adding up their log-determinants."""
    log_det = x.new_zeros(x.shape[0])
    for layer in reversed(layers):
        x, ld = layer.inverse(x)
        log_det = log_det + ld
    return standard_normal_log_prob(x) + log_det


def _check_layer_count(flow: Flow, t: int) -> int:
    layers = getattr(flow, "layers", None)
    if layers is None:
        raise TypeError(f"flow must be a gencourse.flows.Flow, got {type(flow).__name__}")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t <= len(layers):
        raise ValueError(
            f"t must be an integer in [0, {len(layers)}] (the flow's layers), got {t}"
        )
    return int(t)
