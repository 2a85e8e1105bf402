r"""Maximum-likelihood training of a flow: minimise −(1/B) Σ_i log P_θ(y_i) over minibatches.

:func:`train_flow` hands the loss (:func:`_negative_log_likelihood`) and the dequantization of
each batch (:func:`_dequantize`) to :func:`gencourse.train.fit`, the package's one training loop,
and records the held-out NLL in a :class:`FlowHistory`.
"""

from __future__ import annotations

import math
from functools import partial

import torch

from .._checks import as_points, check_positive_int, make_generator, module_device, module_dtype
from ..train import History, NonFiniteLossError, fit
from ._bounds import _check_flow, evaluate_nll
from ._dequantization import _check_levels, _dequantize
from ._flow import Flow

__all__ = ["FlowHistory", "NonFiniteLossError", "train_flow"]


class FlowHistory(History):
    """The :class:`~gencourse.train.History` of :func:`train_flow`, with its unit conversion.

    ``loss``: the minibatch NLL (nats per point) at every step; ``valid_steps`` and ``valid_nll``:
    the held-out NLL at the evaluation steps; ``best_step``: the step whose parameters
    ``keep_best`` restored; ``seconds``: the training time; ``dim`` and ``levels`` convert NLLs to
    bits per dimension (:meth:`bits_per_dim`).
    """

    def __init__(self, dim: int, levels: int | None = None) -> None:
        super().__init__()
        self.dim, self.levels = dim, levels

    @property
    def valid_steps(self) -> list[int]:
        """The steps after which the held-out NLL was evaluated."""
        return self.eval_steps

    @property
    def valid_nll(self) -> list[float]:
        """The held-out NLL (nats per point) at those steps."""
        return self.metrics.get("valid_nll", [])

    def bits_per_dim(self, nll: float) -> float:
        r"""NLL/(d log 2); for dequantized data ((x + u)/levels) add d log(levels) first.

        (See :func:`gencourse.data.bits_per_dim`.)
        """
        shift = 0.0 if self.levels is None else self.dim * math.log(self.levels)
        return (nll + shift) / (self.dim * math.log(2))


def _negative_log_likelihood(flow: Flow, y: torch.Tensor) -> torch.Tensor:
    r"""The loss of one minibatch y_1, …, y_B: −(1/B) Σ_i log P_θ(y_i)."""
    return -flow.log_prob(y).mean()


def train_flow(
    flow: Flow,
    data: torch.Tensor,
    *,
    valid: torch.Tensor | None = None,
    levels: int | None = None,
    n_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    max_grad_norm: float | None = 100.0,
    eval_every: int = 100,
    keep_best: bool = False,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> FlowHistory:
    r"""Maximum likelihood: minimise −(1/B) Σ_i log P_θ(x_i) over minibatches with Adam.

    ``data`` (and ``valid``) have shape ``(n, d)``. With ``levels`` they hold integer grey levels,
    each batch is dequantized afresh (y = (x + u)/levels) and the history converts to bits per
    dimension of the discrete data. The held-out NLL is evaluated every ``eval_every`` steps and
    at the end; gradients are clipped to norm ``max_grad_norm`` (None: no clipping). With
    ``keep_best`` (early stopping; ``valid`` must then be a validation split, not the test set) the
    parameters of the evaluation with the lowest held-out NLL are restored at the end and its step
    is recorded in ``history.best_step``. A non-finite loss stops training with a
    :class:`NonFiniteLossError` (a ``RuntimeError``) whose ``step`` and ``history`` say when. The
    loop is :func:`gencourse.train.fit`; the seed drives the minibatches and the dequantization.

    References:
        | Density estimation using Real NVP (Dinh et al., 2017)
        | https://arxiv.org/abs/1605.08803

    Example:
        >>> from gencourse.flows import real_nvp
        >>> x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0)) * 0.5 + 1
        >>> flow = real_nvp(2, 4, 16, device="cpu")
        >>> history = train_flow(flow, x, valid=x[:200], n_steps=200, lr=1e-2, progress=False)
        >>> history.valid_nll[-1] < evaluate_nll(real_nvp(2, 4, 16, device="cpu"), x[:200])
        True
    """
    _check_flow(flow)
    device, dtype = module_device(flow), module_dtype(flow)
    data = as_points(data, "data", dim=flow.dim, min_points=2).to(device, dtype)
    levels = _check_levels(data, levels, "data")
    if valid is not None:
        valid = as_points(valid, "valid", dim=flow.dim).to(device, dtype)
        _check_levels(valid, levels, "valid")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)  # ActNorm needs 2
    if keep_best and valid is None:
        raise ValueError(
            "keep_best=True needs a validation set valid to choose the best parameters on"
        )
    rng = make_generator(seed)  # one stream: the minibatches, then their dequantization noise
    flow.train()
    # ActNorm's data-dependent initialisation sees a large batch before training starts.
    first = data[torch.randperm(data.shape[0], generator=rng)[: max(batch_size, 512)].to(device)]
    with torch.no_grad():
        flow.log_prob(_dequantize(first, levels, rng))

    def held_out() -> dict[str, float]:
        return {"valid_nll": evaluate_nll(flow, valid, levels=levels)}

    try:
        history = fit(
            flow,
            partial(_negative_log_likelihood, flow),
            data,
            n_steps=n_steps,
            batch_size=batch_size,
            transform=partial(_dequantize, levels=levels, generator=rng),  # afresh each batch
            lr=lr,
            weight_decay=weight_decay,
            max_grad_norm=max_grad_norm,
            evaluate=None if valid is None else held_out,
            eval_every=eval_every,
            keep_best="valid_nll" if keep_best else None,
            seed=rng,
            progress=progress,
            desc="flow MLE",
            hint="lower lr, bound the scales (scale_bound) or clip the gradients (max_grad_norm)",
            history=FlowHistory(dim=flow.dim, levels=levels),
        )
    finally:
        flow.eval()  # also when training stops with an error
    return history
