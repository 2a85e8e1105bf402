r"""Generators G_θ: R^D → R^d and their training with weak losses.

This module starts with what Chapter 5 needs: an MLP generator and the *generative moment-matching
network* (GMMN) — a generator trained to minimise a weak loss, MMD², between G_θ(z) and the data,
with no adversary. (The adversarial trainers of Chapters 6 and 7 build on the same generator.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ._checks import as_points, check_positive_float, check_positive_int, make_generator, module_device
from .config import device as default_device
from .config import progress_bar
from .losses import mmd2

__all__ = ["MLPGenerator", "GeneratorHistory", "train_moment_matching"]


class MLPGenerator(nn.Module):
    """G_θ(z): an MLP from the latent space R^D to R^d, with Q = N(0, I_D).

    ``sample(n)`` draws z ~ Q and returns G_θ(z) (differentiable in θ).
    """

    def __init__(
        self, latent_dim: int = 2, dim: int = 2, hidden: int = 128, depth: int = 3, device: torch.device | str | None = None
    ) -> None:
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.dim = check_positive_int(dim, "dim")
        hidden, depth = check_positive_int(hidden, "hidden"), check_positive_int(depth, "depth")
        layers: list[nn.Module] = []
        width = latent_dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, dim))
        self.net = nn.Sequential(*layers)
        self.to(default_device() if device is None else device)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        n = check_positive_int(n, "n")
        return self(torch.randn(n, self.latent_dim, generator=generator).to(module_device(self)))


@dataclass
class GeneratorHistory:
    """Per-step values of the training loss."""

    loss: list[float] = field(default_factory=list)


def train_moment_matching(
    generator: MLPGenerator,
    data: torch.Tensor,
    *,
    n_steps: int = 2000,
    batch_size: int = 512,
    lr: float = 1e-3,
    bandwidths: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0),
    seed: int | None = 0,
    progress: bool = True,
) -> GeneratorHistory:
    r"""GMMN: minimise Σ_h MMD²_h(G_θ # Q, P̂_n) over θ with Adam, on minibatches.

    A sum of RBF kernels of several bandwidths h sees both fine and coarse structure. Each step
    compares a batch of generated points with a batch of data. Stops with a clear error on a
    non-finite loss.
    """
    if not isinstance(generator, MLPGenerator):
        raise TypeError(f"generator must be an MLPGenerator, got {type(generator).__name__}")
    device = module_device(generator)
    data = as_points(data, "data", dim=generator.dim, min_points=2).to(device)
    n_steps, batch_size = check_positive_int(n_steps, "n_steps"), check_positive_int(batch_size, "batch_size", minimum=2)
    lr = check_positive_float(lr, "lr")
    if len(bandwidths) == 0:
        raise ValueError("bandwidths must hold at least one bandwidth")
    bandwidths = tuple(check_positive_float(h, "bandwidths") for h in bandwidths)
    rng = make_generator(seed)
    optimizer = torch.optim.Adam(generator.parameters(), lr=lr)
    history = GeneratorHistory()
    bar = progress_bar(range(n_steps), desc="GMMN", enabled=progress)
    for step in bar:
        real = data[torch.randint(0, data.shape[0], (batch_size,), generator=rng).to(device)]
        fake = generator.sample(batch_size, rng)
        if not bool(torch.isfinite(fake).all()):
            raise RuntimeError(f"non-finite loss at step {step}: the generator produced NaN or inf; lower lr")
        loss = sum(mmd2(fake, real, bandwidth=h) for h in bandwidths)
        if not torch.isfinite(loss):
            raise RuntimeError(f"non-finite loss at step {step}: lower lr")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.loss.append(float(loss.detach()))
        if step % 50 == 0:
            bar.set_postfix(mmd2=f"{history.loss[-1]:.4f}")
    return history
