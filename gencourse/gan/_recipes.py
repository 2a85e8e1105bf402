"""The recipes of the GAN literature, and the models and settings of the 2D benchmarks.

A :class:`Recipe` names the two losses, the number m of critic steps per generator step, the
optimiser and its settings, and the constraint on the critic, as in each paper; the tuned
learning rates of the 2D benchmarks are :data:`TOY_SETTINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._models import MLPDiscriminator, MLPGenerator
from ._toy_settings import TOY_SETTINGS

__all__ = ["RECIPES", "TOY_SETTINGS", "Recipe", "toy_models"]


@dataclass(frozen=True)
class Recipe:
    """A training recipe: losses, the number m of critic steps per generator step, the optimiser
    and its settings, and the constraint on the critic (``clip`` δ, gradient-penalty weight λ,
    or spectral normalisation, which the discriminator must carry)."""

    discriminator_loss: str
    generator_loss: str
    n_critic: int
    optimizer: str
    lr: float
    betas: tuple[float, float] = (0.5, 0.999)
    clip: float | None = None
    gp_weight: float | None = None
    spectral_norm: bool = False


RECIPES: dict[str, Recipe] = {
    # Goodfellow et al. 2014 (m = 1 as in their experiments), DCGAN's Adam settings
    "gan": Recipe("gan", "saturating", 1, "adam", 2e-4),
    "ns-gan": Recipe("gan", "non-saturating", 1, "adam", 2e-4),
    # Arjovsky et al. 2017: RMSprop 5e-5, clip 0.01, m = 5
    "wgan-clip": Recipe("wasserstein", "wasserstein", 5, "rmsprop", 5e-5, clip=0.01),
    # Gulrajani et al. 2017: Adam(1e-4, β = (0.5, 0.9)), λ = 10, m = 5
    "wgan-gp": Recipe(
        "wasserstein", "wasserstein", 5, "adam", 1e-4, betas=(0.5, 0.9), gp_weight=10.0
    ),
    # Miyato et al. 2018 with the Wasserstein loss: Adam(1e-4, β = (0.5, 0.9)), m = 5
    "wgan-sn": Recipe(
        "wasserstein", "wasserstein", 5, "adam", 1e-4, betas=(0.5, 0.9), spectral_norm=True
    ),
}


def toy_models(
    recipe: str,
    dim: int = 2,
    *,
    latent_dim: int = 2,
    hidden_generator: int = 128,
    hidden_critic: int = 64,
    device: torch.device | str | None = None,
) -> tuple[MLPGenerator, MLPDiscriminator]:
    """The generator G_θ (3 hidden layers of ``hidden_generator``) and discriminator f_w (3 hidden
    layers of ``hidden_critic``, spectrally normalised when ``recipe`` needs it) used on the 2D
    benchmarks with :data:`TOY_SETTINGS`."""
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, got {recipe!r}")
    generator = MLPGenerator(latent_dim, dim, hidden=hidden_generator, depth=3, device=device)
    discriminator = MLPDiscriminator(
        dim, hidden_critic, 3, spectral_norm=RECIPES[recipe].spectral_norm, device=device
    )
    return generator, discriminator
