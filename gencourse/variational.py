r"""A flow trained towards an energy: minimise KL(P_θ ‖ e^{−V}/Z) with only V known.

With P_θ the pushforward of Q = N(0, I_d) by G_θ and x = G_θ(z),

    KL(P_θ ‖ e^{−V}/Z) = E_{x∼P_θ}[V(x) + log P_θ(x)] + log Z
                       = E_{z∼Q}[V(G_θ(z)) − log|det ∇G_θ(z)|] − H(Q) + log Z,

so the loss L(θ) = E_{x∼P_θ}[V(x) + log P_θ(x)] needs samples of the flow and their densities
(one forward pass, :meth:`gencourse.flows.Flow.sample_with_log_prob`), never Z; L(θ) ≥ −log Z
with equality exactly when P_θ = e^{−V}/Z. The trained flow then proposes for importance sampling:
Z = E_{x∼P_θ}[e^{−V(x)} / P_θ(x)].

References:
    | Normalizing Flows for Probabilistic Modeling and Inference (Papamakarios et al., 2021),
    | § 2.3.2, https://arxiv.org/abs/1912.02762
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ._checks import check_positive_float, check_positive_int, make_generator
from .flows import Flow
from .train import History, fit

__all__ = ["importance_log_z", "reverse_kl_loss", "train_towards_energy"]

EnergyFunction = Callable[[torch.Tensor], torch.Tensor]


def _check(flow: Flow, energy: EnergyFunction) -> None:
    if not isinstance(flow, Flow):
        raise TypeError(f"flow must be a gencourse.flows.Flow, got {type(flow).__name__}")
    if not callable(energy):
        raise TypeError(f"energy must be callable (points (n, d) -> (n,)), got {energy!r}")


def reverse_kl_loss(
    flow: Flow, energy: EnergyFunction, n: int, seed: int | torch.Generator | None = None
) -> torch.Tensor:
    r"""L(θ) = (1/n) Σ_i [V(x_i) + log P_θ(x_i)], x_i = G_θ(z_i), z_i ∼ Q.

    Its expectation is KL(P_θ ‖ e^{−V}/Z) − log Z. A scalar, differentiable in θ (the
    reparameterisation x = G_θ(z)). ``energy`` maps points ``(n, d)`` to ``(n,)``;
    ``seed`` draws the z_i.
    """
    _check(flow, energy)
    return _reverse_kl_loss(flow, energy, check_positive_int(n, "n"), make_generator(seed))


def _reverse_kl_loss(
    flow: Flow, energy: EnergyFunction, n: int, generator: torch.Generator | None
) -> torch.Tensor:
    x, log_p = flow.sample_with_log_prob(n, seed=generator)
    return (energy(x) + log_p).mean()


def train_towards_energy(
    flow: Flow,
    energy: EnergyFunction,
    *,
    n_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    max_grad_norm: float | None = 100.0,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> History:
    r"""Minimise :func:`reverse_kl_loss` with Adam, ``batch_size`` fresh samples of P_θ per step.

    The loop is :func:`gencourse.train.fit` (no data: the loss draws its own z with ``seed``).
    ``history.loss`` holds L(θ) per step, an estimate of KL(P_θ ‖ e^{−V}/Z) − log Z.
    """
    _check(flow, energy)
    batch_size = check_positive_int(batch_size, "batch_size")
    lr = check_positive_float(lr, "lr")
    rng = make_generator(seed)
    flow.train()
    return fit(
        flow,
        lambda: _reverse_kl_loss(flow, energy, batch_size, rng),
        n_steps=n_steps,
        lr=lr,
        max_grad_norm=max_grad_norm,
        seed=rng,
        progress=progress,
        desc="reverse KL",
        name="reverse KL loss",
    )


def importance_log_z(
    flow: Flow, energy: EnergyFunction, n: int, seed: int | torch.Generator | None = None
) -> tuple[float, float]:
    r"""log Ẑ = log (1/n) Σ_i w_i, w_i = e^{−V(x_i)} / P_θ(x_i), x_i ∼ P_θ, and its standard error.

    The standard error is the delta method's, std(w) / (√n · mean(w)); it is itself estimated
    from the w_i, so it cannot see mass that P_θ never samples (a missed mode). Computed in
    float64 without gradients. Returns ``(log Ẑ, standard error)``.
    """
    _check(flow, energy)
    n = check_positive_int(n, "n", minimum=2)
    with torch.no_grad():
        x, log_p = flow.sample_with_log_prob(n, seed=make_generator(seed))
        log_w = (-energy(x) - log_p).double()
    log_z = float(torch.logsumexp(log_w, 0)) - math.log(n)
    w = torch.exp(log_w - log_w.max())
    return log_z, float(w.std() / w.mean()) / math.sqrt(n)
