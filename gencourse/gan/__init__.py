r"""Generators G_θ: R^D → R^d and their training with weak losses.

* :class:`MLPGenerator` and the *generative moment-matching network* (GMMN,
  :func:`train_moment_matching`, in :mod:`gencourse.gmmn`): a generator trained to minimise MMD²
  with no adversary;
* adversarial training (:func:`train_gan`): a discriminator or critic f_w
  (:class:`MLPDiscriminator`, or the convolutional pair :class:`ConvGenerator` /
  :class:`ConvDiscriminator` for the 8×8 digits) and the generator play min_θ max_w of one of the
  :data:`RECIPES`: the original GAN, the non-saturating GAN, WGAN with weight clipping, WGAN-GP
  and WGAN with spectral normalisation. :func:`train_gans` trains S pairs of one MLP
  architecture at once, :func:`train_grid` a grid of runs (recipes × benchmarks × seeds ×
  clipping bounds), side by side on a CPU.

Losses, with D = σ(f) for the GANs (f returns logits) and f the critic for the WGANs:

* discriminator: −E log D(x) − E log(1 − D(G(z))); WGAN critic: E f(G(z)) − E f(x) (+ λ·GP);
* generator: E log(1 − D(G(z))) (saturating, the minimax game), −E log D(G(z)) (non-saturating),
  −E f(G(z)) (WGAN).

The modules: ``_models`` (the players), ``_losses`` (their losses), ``_recipes`` and
``_toy_settings`` (the papers' recipes, the tuned 2D settings), ``_toy_tuning`` (the saved
tuning run that chose them), ``_step`` (the alternating step
and loop every engine runs), ``_train`` (one pair), ``_stacked`` and ``_batched`` (S pairs as
batched tensors), ``_grid`` (a grid of runs).
"""

from .._deprecation import renamed_attribute
from ..gmmn import train_moment_matching  # GMMN: with the moment-matching losses
from ..train import History
from ._batched import train_gans
from ._grid import Run, RunKey, grid, train_grid
from ._losses import discriminator_loss, fit_discriminator, generator_loss
from ._models import ConvDiscriminator, ConvGenerator, MLPDiscriminator, MLPGenerator
from ._recipes import RECIPES, TOY_SETTINGS, Recipe, toy_models
from ._toy_tuning import toy_tuning
from ._train import GANHistory, train_gan

__all__ = [
    "ConvDiscriminator",
    "ConvGenerator",
    "GANHistory",
    "MLPDiscriminator",
    "MLPGenerator",
    "RECIPES",
    "Recipe",
    "Run",
    "RunKey",
    "TOY_SETTINGS",
    "discriminator_loss",
    "fit_discriminator",
    "generator_loss",
    "grid",
    "toy_models",
    "toy_tuning",
    "train_gan",
    "train_gans",
    "train_grid",
    "train_moment_matching",
]


def __getattr__(name: str) -> object:  # the old per-model history class, for one release
    return renamed_attribute(
        __name__, name, {"GeneratorHistory": (History, "gencourse.train.History")}
    )
