r"""Energy-based models: Gibbs densities p_θ(x) = e^{−V_θ(x)} / Z_θ, MCMC samplers, training.

* Energies are :class:`Energy` modules mapping points ``(n, d)`` to V(x) ``(n,)``.
* :func:`partition_function` computes Z = ∫ e^{−V} on a tensor-product grid (midpoint rule):
  exact enough in d = 2, hopeless in high d, since a grid of m points per axis has m^d points.
* :func:`langevin` (unadjusted Langevin algorithm) and :func:`mala` (Metropolis-adjusted
  Langevin) draw approximate samples of p_θ using only ∇V, never Z.
* :func:`train_ebm` fits V_θ by maximum likelihood. The gradient of the negative log-likelihood
  is ∇_θ E_data[V_θ] − E_{p_θ}[∇_θ V_θ] (the ∇ log Z_θ term is an expectation under the model);
  the second, "negative" phase is estimated with persistent Langevin chains (persistent
  contrastive divergence).
* :func:`score_matching_loss` and :func:`denoising_score_matching_loss` fit V_θ without MCMC and
  without Z: they compare scores ∇ log p_θ = −∇V_θ, in which Z_θ does not appear.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch
from torch import nn

from ._checks import (
    as_points,
    check_positive_float,
    check_positive_int,
    make_generator,
    module_device,
    module_dtype,
)
from ._deprecation import renamed_attribute
from .config import progress_bar, resolve_device
from .nn import mlp
from .train import History, fit, minibatch

__all__ = [
    "BananaEnergy",
    "Energy",
    "GaussianEnergy",
    "LogDensityEnergy",
    "MLPEnergy",
    "MCMCResult",
    "grad_energy",
    "langevin",
    "mala",
    "histogram_tv",
    "partition_function",
    "quadrature_cost",
    "denoising_score_matching_loss",
    "score_matching_loss",
    "train_ebm",
]


class Energy(nn.Module):
    """Base class: ``forward(x)`` returns V(x), shape ``(n,)``, for ``x`` of shape ``(n, dim)``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = check_positive_int(dim, "dim")


class GaussianEnergy(Energy):
    r"""V(x) = ½ (x − m)ᵀ Σ⁻¹ (x − m): the Gibbs density is N(m, Σ), Z = (2π)^{d/2} |Σ|^{1/2}.

    Arguments:
        mean: m, shape ``(d,)``.
        covariance: Σ, symmetric positive definite, shape ``(d, d)``.

    Example:
        >>> energy = GaussianEnergy(torch.zeros(2), 4 * torch.eye(2))
        >>> energy(torch.tensor([[2.0, 0.0]]))  # ½ · 2² / 4
        tensor([0.5000])
        >>> round(energy.log_z, 4) == round(math.log(2 * math.pi * 4), 4)
        True
    """

    def __init__(self, mean: torch.Tensor, covariance: torch.Tensor) -> None:
        mean = torch.as_tensor(mean, dtype=torch.get_default_dtype())
        covariance = torch.as_tensor(covariance, dtype=torch.get_default_dtype())
        if mean.ndim != 1:
            raise ValueError(f"mean must have shape (d,), got {tuple(mean.shape)}")
        d = mean.shape[0]
        if covariance.shape != (d, d):
            raise ValueError(
                f"covariance must have shape ({d}, {d}), got {tuple(covariance.shape)}"
            )
        super().__init__(d)
        try:
            chol = torch.linalg.cholesky(covariance.double())
        except RuntimeError as error:
            raise ValueError("covariance must be symmetric positive definite") from error
        self.register_buffer("mean", mean)
        self.register_buffer("precision", torch.cholesky_inverse(chol).to(mean.dtype))
        self.log_z = 0.5 * d * math.log(2 * math.pi) + float(torch.log(torch.diagonal(chol)).sum())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        centred = x - self.mean
        return 0.5 * ((centred @ self.precision) * centred).sum(dim=1)


class BananaEnergy(Energy):
    r"""V(x) = x₁²/2 + (x₂ − b x₁²)² / (2σ²), a curved 2D density with Z = 2πσ in closed form.

    (Substituting u = x₂ − b x₁² factorises the integral into two Gaussian ones.)
    """

    def __init__(self, curvature: float = 0.5, width: float = 0.5) -> None:
        super().__init__(2)
        self.curvature = float(curvature)
        self.width = check_positive_float(width, "width")
        self.log_z = math.log(2 * math.pi * self.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = x[:, 1] - self.curvature * x[:, 0].square()
        return 0.5 * x[:, 0].square() + 0.5 * u.square() / self.width**2


class HasLogProb(Protocol):
    """What :class:`LogDensityEnergy` needs of a distribution: its exact log-density."""

    def log_prob(self, x: torch.Tensor) -> torch.Tensor: ...


class LogDensityEnergy(Energy):
    """V = −log ρ for a distribution ρ with an exact ``log_prob``, e.g. a
    :class:`~gencourse.data.GaussianMixture`.

    Its Gibbs density is ρ itself and Z = 1, which makes it a test case with a known answer.
    """

    def __init__(self, distribution: HasLogProb, dim: int | None = None) -> None:
        if not hasattr(distribution, "log_prob"):
            raise TypeError("distribution must have a log_prob method")
        super().__init__(dim if dim is not None else distribution.dim)
        self.distribution = distribution

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -self.distribution.log_prob(x)


class MLPEnergy(Energy):
    r"""Neural energy V_θ(x) = MLP_θ(x) + ε ‖x‖².

    The confining term ε‖x‖² keeps e^{−V_θ} integrable whatever the network does far from the
    data, so p_θ is a density. SiLU activations make V smooth, as Langevin dynamics needs ∇V.
    """

    def __init__(
        self,
        dim: int = 2,
        hidden: int = 64,
        depth: int = 3,
        confinement: float = 0.05,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(dim)
        self.confinement = check_positive_float(confinement, "confinement")
        self.net = mlp(dim, 1, hidden, depth, activation=nn.SiLU)
        self.to(resolve_device(device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1) + self.confinement * x.square().sum(dim=-1)


def _check_energy(energy: Energy) -> None:
    if not isinstance(energy, Energy):
        raise TypeError(f"energy must be a gencourse.ebm.Energy, got {type(energy).__name__}")


def _finite_energy(v: torch.Tensor) -> torch.Tensor:
    if not bool(torch.isfinite(v).all()):
        raise ValueError(
            "the energy returned non-finite values (NaN or inf): check the model or the step size"
        )
    return v


def grad_energy(energy: Energy, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(V(x), ∇_x V(x)) for a batch ``x`` of shape ``(n, d)``; no graph is kept."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        v = _finite_energy(energy(x))
        (grad,) = torch.autograd.grad(v.sum(), x)
    return v.detach(), grad.detach()


@torch.no_grad()
def partition_function(
    energy: Energy,
    bounds: tuple[float, float] | list[tuple[float, float]],
    resolution: int = 200,
    chunk_size: int = 65536,
) -> tuple[float, torch.Tensor, torch.Tensor, float]:
    r"""Z = ∫ e^{−V(x)} dx by the midpoint rule on a grid of ``resolution``^d points.

    The cost is resolution^d evaluations of V: exponential in d.

    Arguments:
        energy: V, on any device.
        bounds: one ``(low, high)`` pair for every axis, or d pairs.
        resolution: grid points per axis.
        chunk_size: grid points per evaluation of V.

    Returns:
        ``(log Z, points, log_density, cell_volume)``: ``log_density = −V(points) − log Z``
        is the normalised log-density on the grid (points run over the last axis fastest).

    Example:
        >>> banana = BananaEnergy(curvature=0.5, width=0.5)  # x₂ reaches ½ · 6² = 18 on the box
        >>> log_z, *_ = partition_function(banana, [(-6, 6), (-4, 20)], resolution=400)
        >>> round(log_z, 4), round(math.log(2 * math.pi * 0.5), 4)  # the closed form Z = 2πσ
        (1.1447, 1.1447)
    """
    _check_energy(energy)
    d = energy.dim
    resolution = check_positive_int(resolution, "resolution", minimum=2)
    b = torch.as_tensor(bounds, dtype=torch.float64)
    if b.shape == (2,):
        b = b.expand(d, 2)
    if b.shape != (d, 2) or not bool(torch.isfinite(b).all()) or bool((b[:, 1] <= b[:, 0]).any()):
        raise ValueError(f"bounds must be one (low, high) pair or {d} pairs with low < high")
    if resolution**d > 50_000_000:
        raise ValueError(f"resolution**d = {resolution}**{d} grid points is too many to evaluate")
    return _partition_function(energy, b, resolution, chunk_size)


def _partition_function(
    energy: Energy, bounds: torch.Tensor, resolution: int, chunk_size: int
) -> tuple[float, torch.Tensor, torch.Tensor, float]:
    """log Z = log Σ_k e^{−V(x_k)} + log |cell|, x_k the cell centres of a ``resolution``^d grid
    on the box ``bounds`` ``(d, 2)`` (:func:`partition_function` checks the arguments)."""
    d = energy.dim
    device = module_device(energy)
    axes = [
        lo + (hi - lo) * (torch.arange(resolution, dtype=torch.float64) + 0.5) / resolution
        for lo, hi in bounds.tolist()
    ]
    dtype = module_dtype(energy)  # the points in the energy's dtype
    points = torch.cartesian_prod(*axes).reshape(-1, d).to(device, dtype)
    cell = float(torch.prod(bounds[:, 1] - bounds[:, 0])) / resolution**d
    neg_v = torch.cat(
        [-_finite_energy(energy(chunk)).double() for chunk in points.split(chunk_size)]
    )
    log_z = float(torch.logsumexp(neg_v, dim=0)) + math.log(cell)
    return log_z, points, (neg_v - log_z).to(dtype), cell


@dataclass
class MCMCResult:
    """Output of a sampler: final states ``samples`` (n, d), optional ``trace`` (k, n, d) of the
    chain every ``trace_every`` steps, and for MALA the overall ``acceptance`` rate."""

    samples: torch.Tensor
    trace: torch.Tensor | None = None
    acceptance: float | None = None


def _check_sampler_args(
    energy: Energy, x0: torch.Tensor, step_size: float, n_steps: int
) -> tuple[torch.Tensor, float, int]:
    _check_energy(energy)
    x0 = as_points(x0, "x0", dim=energy.dim)
    return x0, check_positive_float(step_size, "step_size"), check_positive_int(n_steps, "n_steps")


def _noise(
    shape: torch.Size, generator: torch.Generator | None, device: torch.device
) -> torch.Tensor:
    return torch.randn(shape, generator=generator).to(device)


def langevin(
    energy: Energy,
    x0: torch.Tensor,
    step_size: float,
    n_steps: int,
    *,
    seed: int | torch.Generator | None = None,
    trace_every: int | None = None,
    progress: bool = False,
) -> MCMCResult:
    r"""Unadjusted Langevin algorithm: x ← x − η ∇V(x) + √(2η) ξ, ξ ~ N(0, I), for n chains.

    Its stationary law approaches p ∝ e^{−V} as the step η → 0; for η > 0 it is biased (it samples
    a slightly wider law), which :func:`mala` corrects.

    References:
        | Exponential convergence of Langevin distributions (Roberts and Tweedie, 1996)
        | https://doi.org/10.2307/3318418

    Arguments:
        energy: V, mapping ``(n, d)`` to ``(n,)``.
        x0: the chains' starting points, shape ``(n, d)``, on the energy's device.
        step_size: η > 0.
        n_steps: the number of steps.
        seed: an int, a :class:`torch.Generator` or ``None`` (torch's global generator).
        trace_every: keep the chains every ``trace_every`` steps in ``result.trace``.
        progress: show a progress bar.

    Example:
        >>> energy = GaussianEnergy(torch.zeros(1), torch.eye(1))
        >>> x = langevin(energy, torch.zeros(4000, 1), 0.1, 200, seed=0).samples
        >>> abs(float(x.var()) - 1 / (1 - 0.1 / 2)) < 0.05  # N(0, 1) widened by 1/(1 − η/2)
        True
    """
    x, step_size, n_steps = _check_sampler_args(energy, x0, step_size, n_steps)
    generator = make_generator(seed)
    trace = []
    x = x.detach().clone()
    for t in progress_bar(range(n_steps), desc="Langevin", enabled=progress, leave=False):
        _, g = grad_energy(energy, x)
        x = x - step_size * g + math.sqrt(2 * step_size) * _noise(x.shape, generator, x.device)
        if trace_every and (t + 1) % trace_every == 0:
            trace.append(x.cpu())
    return MCMCResult(x, torch.stack(trace) if trace else None)


def mala(
    energy: Energy,
    x0: torch.Tensor,
    step_size: float,
    n_steps: int,
    *,
    seed: int | torch.Generator | None = None,
    trace_every: int | None = None,
    progress: bool = False,
) -> MCMCResult:
    r"""Metropolis-adjusted Langevin algorithm.

    Propose y = x − η∇V(x) + √(2η) ξ, accept with probability
    min(1, e^{−V(y)} q(x | y) / (e^{−V(x)} q(y | x))), where
    q(y | x) ∝ exp(−‖y − x + η∇V(x)‖² / (4η)). The Metropolis correction makes p ∝ e^{−V}
    exactly stationary for any η; a large η is paid for with a low acceptance rate. The
    arguments are :func:`langevin`'s; ``result.acceptance`` is the mean acceptance rate.

    References:
        | Exponential convergence of Langevin distributions (Roberts and Tweedie, 1996)
        | https://doi.org/10.2307/3318418

    Example:
        >>> energy = GaussianEnergy(torch.zeros(1), torch.eye(1))
        >>> result = mala(energy, torch.zeros(4000, 1), 0.5, 200, seed=0)
        >>> abs(float(result.samples.var()) - 1) < 0.05, result.acceptance > 0.8  # exactly N(0, 1)
        (True, True)
    """
    x, step_size, n_steps = _check_sampler_args(energy, x0, step_size, n_steps)
    return _mala(energy, x, step_size, n_steps, make_generator(seed), trace_every, progress)


def _mala(
    energy: Energy,
    x: torch.Tensor,
    step_size: float,
    n_steps: int,
    generator: torch.Generator | None,
    trace_every: int | None,
    progress: bool,
) -> MCMCResult:
    """``n_steps`` MALA steps from the chains ``x`` ``(n, d)``: propose the Langevin step y,
    accept with probability min(1, e^{−V(y)} q(x | y) / (e^{−V(x)} q(y | x)))
    (:func:`mala` checks the arguments)."""
    x = x.detach().clone()
    v, g = grad_energy(energy, x)
    accepted = 0.0
    trace = []
    for t in progress_bar(range(n_steps), desc="MALA", enabled=progress, leave=False):
        y = x - step_size * g + math.sqrt(2 * step_size) * _noise(x.shape, generator, x.device)
        vy, gy = grad_energy(energy, y)
        log_q_forward = -((y - x + step_size * g).square().sum(dim=1)) / (4 * step_size)
        log_q_backward = -((x - y + step_size * gy).square().sum(dim=1)) / (4 * step_size)
        log_alpha = (-vy + log_q_backward) - (-v + log_q_forward)
        u = torch.rand(x.shape[0], generator=generator).to(x.device)
        accept = torch.log(u) < log_alpha
        x = torch.where(accept[:, None], y, x)
        v = torch.where(accept, vy, v)
        g = torch.where(accept[:, None], gy, g)
        accepted += float(accept.float().mean())
        if trace_every and (t + 1) % trace_every == 0:
            trace.append(x.cpu())
    return MCMCResult(x, torch.stack(trace) if trace else None, accepted / n_steps)


def __getattr__(name: str) -> object:  # the old per-model history class, for one release
    return renamed_attribute(
        __name__, name, {"TrainingHistory": (History, "gencourse.train.History")}
    )


def train_ebm(
    energy: Energy,
    data: torch.Tensor,
    *,
    n_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    mcmc_steps: int = 20,
    step_size: float = 0.01,
    n_chains: int = 1024,
    reinit: float = 0.05,
    regularization: float = 0.1,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> History:
    r"""Maximum likelihood for p_θ ∝ e^{−V_θ} by persistent contrastive divergence.

    Each step draws a data batch and advances ``mcmc_steps`` Langevin steps of a persistent
    pool of ``n_chains`` chains (a fraction ``reinit`` restarted from N(0, I)), then descends

        L(θ) = mean V_θ(x_data) − mean V_θ(x_model) + α (mean V_θ(x_data)² + mean V_θ(x_model)²),

    whose θ-gradient is the NLL gradient E_data ∇V − E_model ∇V (plus a small energy
    regulariser α that keeps V's scale bounded). The gradient is biased because the chains are
    not exactly at equilibrium. Training stops with a clear error on a non-finite loss. The loop
    is :func:`gencourse.train.fit` (Adam).

    References:
        | Training restricted Boltzmann machines using approximations to the likelihood
          gradient (Tieleman, 2008)
        | https://doi.org/10.1145/1390156.1390290

    Arguments:
        energy: V_θ, e.g. an :class:`MLPEnergy`.
        data: the training points, shape ``(n, d)``.
        n_steps, batch_size, lr: the optimisation's steps, minibatch size and learning rate.
        mcmc_steps, step_size: the Langevin steps per update and their step η.
        n_chains: the size of the persistent pool.
        reinit: the fraction of the chains restarted from N(0, I) at each step.
        regularization: α.
        seed: an int, a :class:`torch.Generator` or ``None``: the chains and the minibatches.
        progress: show a progress bar.

    Returns:
        The :class:`~gencourse.train.History`: ``loss``, and ``energy_data`` and
        ``energy_model`` (the mean energies of the data and of the chains) at every step.

    Example:
        >>> energy = MLPEnergy(2, hidden=16, depth=2, device="cpu")
        >>> x = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
        >>> history = train_ebm(energy, x, n_steps=5, batch_size=32, mcmc_steps=2,
        ...                     n_chains=64, progress=False)
        >>> len(history.loss), len(history.energy_model)
        (5, 5)
    """
    _check_energy(energy)
    device = module_device(energy)
    data = as_points(data, "data", dim=energy.dim, min_points=2).to(device, module_dtype(energy))
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    mcmc_steps = check_positive_int(mcmc_steps, "mcmc_steps")
    n_chains = check_positive_int(n_chains, "n_chains")
    lr, step_size = check_positive_float(lr, "lr"), check_positive_float(step_size, "step_size")
    if not 0 <= reinit <= 1:
        raise ValueError(f"reinit must lie in [0, 1], got {reinit}")
    if regularization < 0:
        raise ValueError(f"regularization must be >= 0, got {regularization}")
    return _train_ebm(
        energy,
        data,
        n_steps=n_steps,
        batch_size=batch_size,
        lr=lr,
        mcmc_steps=mcmc_steps,
        step_size=step_size,
        n_chains=n_chains,
        reinit=reinit,
        regularization=regularization,
        rng=make_generator(seed),
        progress=progress,
    )


def _train_ebm(
    energy: Energy,
    data: torch.Tensor,
    *,
    n_steps: int,
    batch_size: int,
    lr: float,
    mcmc_steps: int,
    step_size: float,
    n_chains: int,
    reinit: float,
    regularization: float,
    rng: torch.Generator | None,
    progress: bool,
) -> History:
    """Persistent contrastive divergence on checked arguments: each step advances a batch of the
    persistent chains by Langevin and descends mean V(data) − mean V(chains) + α (mean V(data)²
    + mean V(chains)²) with :func:`gencourse.train.fit` (:func:`train_ebm` checks the arguments;
    ``rng``, one stream for the chains and the minibatches)."""
    device = module_device(energy)
    chains = torch.randn(n_chains, energy.dim, generator=rng).to(device)  # the persistent pool

    def contrastive_loss() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        # negative phase: advance a batch of persistent chains (a few restarted from N(0, I))
        idx = torch.randint(0, n_chains, (batch_size,), generator=rng)
        restart = torch.rand(batch_size, generator=rng) < reinit
        start = chains[idx]
        fresh = torch.randn(int(restart.sum()), energy.dim, generator=rng)
        start[restart.to(device)] = fresh.to(device)
        chain_seed = int(torch.randint(0, 2**31, (1,), generator=rng))
        negative = langevin(energy, start, step_size, mcmc_steps, seed=chain_seed).samples
        chains[idx] = negative
        # positive phase: a data minibatch
        batch = minibatch(data, batch_size, seed=rng)
        v_data, v_model = energy(batch), energy(negative)
        penalty = regularization * (v_data.square().mean() + v_model.square().mean())
        loss = v_data.mean() - v_model.mean() + penalty
        return loss, {"energy_data": v_data.mean(), "energy_model": v_model.mean()}

    return fit(
        energy,
        contrastive_loss,
        n_steps=n_steps,
        lr=lr,
        seed=rng,
        progress=progress,
        desc="EBM (PCD)",
        hint="training diverged; lower lr or step_size, or raise regularization",
    )


def score_matching_loss(energy: Energy, x: torch.Tensor) -> torch.Tensor:
    r"""Hyvärinen's score-matching loss J(θ) = mean over x of ½ ‖∇V_θ(x)‖² − ΔV_θ(x).

    For x ~ ρ*, E J(θ) = ½ E_ρ* ‖∇ log ρ* − ∇ log p_θ‖² − ½ E_ρ* ‖∇ log ρ*‖²: the Fisher divergence
    between ρ* and p_θ ∝ e^{−V_θ} up to a constant that does not depend on θ (integration by
    parts, when ρ* ∇V_θ vanishes at infinity). Neither Z_θ nor MCMC enters. The Laplacian
    ΔV_θ = Σ_i ∂²V_θ/∂x_i² is exact, by one more backward pass per coordinate (d of them: cheap
    in low dimension). The result keeps its graph, so that it can be minimised over θ.

    References:
        | Estimation of non-normalized statistical models by score matching (Hyvärinen, 2005)
        | https://jmlr.org/papers/v6/hyvarinen05a.html

    Arguments:
        energy: V_θ, mapping ``(n, d)`` to ``(n,)``; twice differentiable.
        x: data points, shape ``(n, d)``, on the energy's device.

    Returns:
        The scalar loss (a 0-dimensional tensor).

    Example:
        >>> energy = GaussianEnergy(torch.zeros(2), torch.eye(2))  # ∇V = x, ΔV = 2
        >>> float(score_matching_loss(energy, torch.tensor([[1.0, 2.0]])).detach())  # ½ · 5 − 2
        0.5
    """
    _check_energy(energy)
    x = as_points(x, "x", dim=energy.dim, device=module_device(energy))
    return _score_matching_loss(energy, x)


def _score_matching_loss(energy: Energy, x: torch.Tensor) -> torch.Tensor:
    """mean ½‖∇V(x)‖² − ΔV(x), the Laplacian as the trace of the Hessian, one row of it per
    backward pass (:func:`score_matching_loss` checks the arguments)."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(energy(x).sum(), x, create_graph=True)
        laplacian = sum(
            torch.autograd.grad(grad[:, i].sum(), x, create_graph=True)[0][:, i]
            for i in range(x.shape[1])
        )
        return (0.5 * grad.square().sum(dim=1) - laplacian).mean()


def denoising_score_matching_loss(
    energy: Energy,
    x: torch.Tensor,
    sigma: float,
    *,
    seed: int | torch.Generator | None = None,
) -> torch.Tensor:
    r"""Vincent's denoising score-matching loss: mean of ½ ‖s_θ(x + σε) + ε/σ‖², ε ~ N(0, I).

    Here s_θ = ∇ log p_θ = −∇V_θ is the model's score, and −ε/σ is the score of the noising
    kernel N(x̃; x, σ²I) at x̃ = x + σε. In expectation the loss equals the Fisher divergence
    ½ E ‖∇ log ρ_σ − s_θ‖² between the smoothed law ρ_σ = ρ* ∗ N(0, σ²I) and p_θ, plus a constant
    independent of θ: it fits the noisy data's score, with first derivatives only. One ε is drawn
    for each point.

    References:
        | A connection between score matching and denoising autoencoders (Vincent, 2011)
        | https://doi.org/10.1162/NECO_a_00142

    Arguments:
        energy: V_θ, mapping ``(n, d)`` to ``(n,)``.
        x: data points, shape ``(n, d)``, on the energy's device.
        sigma: the noise level σ > 0.
        seed: an int, a :class:`torch.Generator` or ``None`` (torch's global generator): the
            noise ε, drawn on the CPU.

    Returns:
        The scalar loss (a 0-dimensional tensor).

    Example:
        >>> energy = GaussianEnergy(torch.zeros(2), torch.eye(2))  # s_θ(x) = −x
        >>> x = torch.zeros(100_000, 2)  # then s_θ(σε) + ε/σ = (1/σ − σ) ε
        >>> loss = denoising_score_matching_loss(energy, x, 0.5, seed=0)
        >>> abs(float(loss.detach()) - 0.5 * 1.5**2 * 2) < 0.05  # E ½‖1.5 ε‖² = ½ · 1.5² · 2
        True
    """
    _check_energy(energy)
    x = as_points(x, "x", dim=energy.dim, device=module_device(energy))
    sigma = check_positive_float(sigma, "sigma")
    noise = _noise(x.shape, make_generator(seed), x.device).to(x.dtype)
    return _denoising_score_matching_loss(energy, x, sigma, noise)


def _denoising_score_matching_loss(
    energy: Energy, x: torch.Tensor, sigma: float, noise: torch.Tensor
) -> torch.Tensor:
    """mean ½‖−∇V(x + σε) + ε/σ‖² for the noise ε ``(n, d)``
    (:func:`denoising_score_matching_loss` checks the arguments and draws ε)."""
    with torch.enable_grad():
        noisy = (x + sigma * noise).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(energy(noisy).sum(), noisy, create_graph=True)
        return 0.5 * (-grad + noise / sigma).square().sum(dim=1).mean()


def quadrature_cost(
    make_energy: Callable[[int], Energy],
    exact_log_z: Callable[[int], float],
    dims: tuple[int, ...],
    bounds: tuple[float, float],
    *,
    tol: float = 1e-3,
    max_points: int = 20_000_000,
) -> list[tuple[int, int, int]]:
    """The grid the midpoint rule needs for |log Z_quadrature − log Z| < ``tol``, for each d.

    ``make_energy(d)`` builds the energy and ``exact_log_z(d)`` gives its true log Z. For each d
    the resolution m per axis grows until the tolerance is met; returns ``(d, m, m**d)`` triples
    (m = 0 when even ``max_points`` points did not suffice).
    """
    tol = check_positive_float(tol, "tol")
    out = []
    for d in dims:
        d = check_positive_int(d, "dims")
        energy, target = make_energy(d), exact_log_z(d)
        m, found = 2, 0
        while m**d <= max_points:
            if abs(partition_function(energy, bounds, m)[0] - target) < tol:
                found = m
                break
            m += 1
        out.append((d, found, found**d))
    return out


def histogram_tv(
    samples: torch.Tensor,
    energy: Energy,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    bins: int = 20,
    refine: int = 8,
) -> float:
    """Total variation between the histogram of 2D ``samples`` and the Gibbs law of ``energy``.

    The exact probability of each of the ``bins × bins`` cells on ``bounds`` comes from quadrature
    on a grid ``refine`` times finer; samples outside the window count as their own cell.
    Even exact samples give a positive value, of order √(bins²/n), the sampling floor.
    """
    _check_energy(energy)
    if energy.dim != 2:
        raise ValueError(f"histogram_tv needs a 2D energy, got dimension {energy.dim}")
    samples = as_points(samples, "samples", dim=2)
    bins, refine = check_positive_int(bins, "bins"), check_positive_int(refine, "refine")
    (x0, x1), (y0, y1) = bounds
    fine = bins * refine
    _, _, log_density, cell = partition_function(energy, [(x0, x1), (y0, y1)], fine)
    # grid points run over the last axis (y) fastest: reshape to (x, y), pool refine² blocks
    p = (
        (log_density.exp().double() * cell)
        .reshape(bins, refine, bins, refine)
        .sum(dim=(1, 3))
        .cpu()
    )
    s = samples.double().cpu()
    ix = torch.floor((s[:, 0] - x0) / (x1 - x0) * bins).long()
    iy = torch.floor((s[:, 1] - y0) / (y1 - y0) * bins).long()
    inside = (ix >= 0) & (ix < bins) & (iy >= 0) & (iy < bins)
    counts = (
        torch.bincount(ix[inside] * bins + iy[inside], minlength=bins * bins)
        .double()
        .reshape(bins, bins)
    )
    q = counts / s.shape[0]
    outside_model = max(0.0, 1.0 - float(p.sum()))
    outside_samples = 1.0 - float(inside.double().mean())
    return 0.5 * (float((p - q).abs().sum()) + abs(outside_model - outside_samples))
