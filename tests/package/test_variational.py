import math

import pytest
import torch

from gencourse import flows, variational

LOG_SCALE = torch.tensor([math.log(2.0), math.log(0.5)])


def _scaling_flow(log_scale: torch.Tensor) -> flows.Flow:
    """P_θ = N(0, diag e^{2s}): a flow of one diagonal scaling with log-scales s."""
    flow = flows.Flow([flows.DiagonalScaling(2)], device="cpu")
    with torch.no_grad():
        flow.layers[0].log_scale.copy_(log_scale)
    return flow


def _gaussian_energy(x: torch.Tensor) -> torch.Tensor:
    """V(x) = x₁²/(2·2²) + x₂²/(2·0.5²): Z = 2π · 2 · 0.5 = 2π in closed form."""
    return 0.5 * (x / LOG_SCALE.exp().to(x.dtype)).square().sum(1)


LOG_Z = math.log(2 * math.pi)


def test_loss_is_minus_log_z_at_the_target() -> None:
    # P_θ = e^{−V}/Z: V(x) + log P_θ(x) = −log Z for every sample, so the loss has no variance
    loss = variational.reverse_kl_loss(_scaling_flow(LOG_SCALE), _gaussian_energy, 64, seed=0)
    assert abs(float(loss.detach()) + LOG_Z) < 1e-5


def test_loss_is_the_kl_minus_log_z() -> None:
    # P_θ = N(0, I) against N(0, diag(4, 1/4)): KL = ½ Σ (σ_q²/σ_p² − 1 − log(σ_q²/σ_p²))
    kl = 0.5 * sum(1 / s**2 - 1 + math.log(s**2) for s in (2.0, 0.5))
    flow = _scaling_flow(torch.zeros(2))
    values = torch.stack(
        [variational.reverse_kl_loss(flow, _gaussian_energy, 4000, seed=k) for k in range(5)]
    ).detach()
    # five independent means of 4000: the standard error of their mean is below 0.02
    assert abs(float(values.mean()) - (kl - LOG_Z)) < 0.05


def test_importance_sampling_recovers_log_z() -> None:
    exact = variational.importance_log_z(_scaling_flow(LOG_SCALE), _gaussian_energy, 100, seed=0)
    assert abs(exact[0] - LOG_Z) < 1e-5 and exact[1] < 1e-6
    # a wider proposal (std 2.5 and 1): unbiased in Z, within 4 standard errors
    wider = _scaling_flow(torch.tensor([math.log(2.5), 0.0]))
    log_z, se = variational.importance_log_z(wider, _gaussian_energy, 20_000, seed=1)
    assert 0 < se < 0.02 and abs(log_z - LOG_Z) < 4 * se


def test_training_reaches_the_target() -> None:
    flow = _scaling_flow(torch.zeros(2))
    history = variational.train_towards_energy(
        flow, _gaussian_energy, n_steps=120, batch_size=64, lr=0.1, progress=False
    )
    learned = flow.layers[0].log_scale.detach()
    assert torch.allclose(learned, LOG_SCALE.to(learned.dtype), atol=0.1), learned
    assert len(history.loss) == 120


def test_arguments_are_checked() -> None:
    flow = _scaling_flow(torch.zeros(2))
    with pytest.raises(TypeError, match="flow"):
        variational.reverse_kl_loss(torch.nn.Linear(2, 2), _gaussian_energy, 8)
    with pytest.raises(TypeError, match="energy"):
        variational.importance_log_z(flow, 3.0, 8)
    with pytest.raises(ValueError, match="n"):
        variational.importance_log_z(flow, _gaussian_energy, 1)
    with pytest.raises(ValueError, match="batch_size"):
        variational.train_towards_energy(flow, _gaussian_energy, n_steps=1, batch_size=0)
