r"""Held-out negative log-likelihoods, and the dequantization bounds on discrete data.

:func:`evaluate_nll` (one dequantization draw) and :func:`importance_weighted_nll` (K draws,
Burda et al. 2016), whose computation is :func:`log_mean_density`.
"""

from __future__ import annotations

import math

import torch

from .._checks import as_points, check_positive_int, make_generator, module_device, module_dtype
from ..nn import evaluating
from ._dequantization import _check_levels, _dequantize
from ._flow import Flow

__all__ = ["evaluate_nll", "importance_weighted_nll", "log_mean_density"]


@torch.no_grad()
def evaluate_nll(
    flow: Flow,
    x: torch.Tensor,
    *,
    levels: int | None = None,
    batch_size: int = 4096,
    seed: int | torch.Generator | None = 0,
) -> float:
    r"""Mean held-out NLL −(1/n) Σ log P_θ(x_i) in nats, in batches, without gradients.

    With ``levels`` the points are integer grey levels, dequantized once with ``seed``. The flow
    is evaluated in evaluation mode (dropout off), then left in the mode it had.

    Example:
        A flow at initialisation is the identity, so its NLL is the standard normal's:

        >>> from gencourse.flows import real_nvp
        >>> nll = evaluate_nll(real_nvp(2, 2, 8, device="cpu"), torch.zeros(10, 2))
        >>> math.isclose(nll, math.log(2 * math.pi), rel_tol=1e-6)  # −log N(0; 0, I_2)
        True
    """
    _check_flow(flow)
    x = as_points(x, "x", dim=flow.dim).to(module_device(flow), module_dtype(flow))
    levels = _check_levels(x, levels, "x")
    batch_size = check_positive_int(batch_size, "batch_size")
    y = _dequantize(x, levels, make_generator(seed))
    with evaluating(flow):
        total = sum(float(flow.log_prob(chunk).sum()) for chunk in y.split(batch_size))
    return -total / x.shape[0]


@torch.no_grad()
def importance_weighted_nll(
    flow: Flow,
    x: torch.Tensor,
    *,
    levels: int,
    n_samples: int = 1,
    batch_size: int = 4096,
    seed: int | torch.Generator | None = 0,
) -> float:
    r"""The importance-weighted dequantization bound with K = ``n_samples`` draws, in nats.

    For integer grey levels x (shape ``(n, d)``) and the flow's density p_θ of y = (x + u)/L,
    L = ``levels``, the flow gives the discrete image the probability of its cell,

        P_θ(x) = ∫_{[0,1)^d} p_θ((x + u)/L) L^{−d} du = E_{u ~ U[0,1)^d}[p_θ((x + u)/L)] L^{−d}.

    With u_1, …, u_K drawn independently, log (1/K) Σ_k p_θ((x + u_k)/L) − d log L is a lower
    bound on log P_θ(x) in expectation (Jensen's inequality); its expectation increases with K
    and tends to log P_θ(x) (Burda et al. 2016). K = 1 is the single-sample bound that
    :func:`evaluate_nll` computes (with the same ``seed`` it draws the same u).

    Returns −(1/n) Σ_i log (1/K) Σ_k p_θ(y_ik), in the units of :func:`evaluate_nll` (the density
    of y; ``FlowHistory.bits_per_dim`` adds d log L). The K draws are made one after the other,
    each for the whole batch, and combined by a running log-sum-exp: memory does not grow with K.
    """
    _check_flow(flow)
    x = as_points(x, "x", dim=flow.dim).to(module_device(flow))
    levels = _check_levels(x, levels, "x")
    if levels is None:
        raise ValueError("levels must be given: the bound is for integer grey levels")
    n_samples = check_positive_int(n_samples, "n_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    with evaluating(flow):
        log_mean = log_mean_density(flow, x, levels, n_samples, batch_size, seed)
    return -float(log_mean.mean())


def log_mean_density(
    flow: Flow,
    x: torch.Tensor,
    levels: int,
    n_samples: int,
    batch_size: int,
    seed: int | torch.Generator | None,
) -> torch.Tensor:
    r"""log (1/K) Σ_k p_θ((x + u_k)/L) for each row of ``x``, shape ``(n,)``, float64.

    The computation behind :func:`importance_weighted_nll` (which checks the arguments): K draws
    of the dequantization noise, one after the other, combined by a running log-sum-exp.
    """
    generator = make_generator(seed)
    log_sum = None
    for _ in range(n_samples):
        y = _dequantize(x, levels, generator)  # (x + u_k)/L with u_k ~ U[0, 1)^d
        log_p = torch.cat([flow.log_prob(chunk) for chunk in y.split(batch_size)]).double()
        log_sum = log_p if log_sum is None else torch.logaddexp(log_sum, log_p)
    return log_sum - math.log(n_samples)


def _check_flow(flow: Flow) -> None:
    if not isinstance(flow, Flow):
        raise TypeError(f"flow must be a Flow, got {type(flow).__name__}")
