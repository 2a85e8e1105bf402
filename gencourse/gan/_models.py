r"""The players: generators G_θ: R^D → R^d and discriminators (critics) f_w: R^d → R.

The MLP pair serves the 2D benchmarks and the GMMN; the convolutional pair the 8×8 digits.
Every MLP is :func:`gencourse.nn.mlp`.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from .._checks import check_positive_int, make_generator, module_device
from .._deprecation import renamed_keywords
from ..config import resolve_device
from ..nn import mlp

# LeakyReLU(0.2) is 1-Lipschitz: with spectrally normalised linear maps, Lip(f) ≤ Π_l ‖W_l / σ_l‖
# (each factor 1 up to the lag of one power iteration per forward pass)
_leaky_relu = functools.partial(nn.LeakyReLU, 0.2)


class MLPGenerator(nn.Module):
    """G_θ(z): an MLP from the latent space R^D to R^d, with Q = N(0, I_D).

    ``sample(n, seed)`` draws z ~ Q and returns G_θ(z) (differentiable in θ).

    Arguments:
        latent_dim: D.
        dim: d.
        hidden, depth: the width and the number of the hidden ReLU layers.
        device: where the generator lives (default: :func:`gencourse.device`).

    Example:
        >>> generator = MLPGenerator(latent_dim=3, dim=2, device="cpu")
        >>> generator.sample(5, seed=0).shape
        torch.Size([5, 2])
    """

    def __init__(
        self,
        latent_dim: int = 2,
        dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.dim = check_positive_int(dim, "dim")
        hidden, depth = check_positive_int(hidden, "hidden"), check_positive_int(depth, "depth")
        self.net = mlp(self.latent_dim, self.dim, hidden, depth)
        self.to(resolve_device(device))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)

    @renamed_keywords(generator="seed")
    def sample(self, n: int, seed: int | torch.Generator | None = None) -> torch.Tensor:
        """n points G_θ(z), z ~ Q = N(0, I_D); ``seed``: an int, a generator or None."""
        n = check_positive_int(n, "n")
        z = torch.randn(n, self.latent_dim, generator=make_generator(seed))
        return self(z.to(module_device(self)))


class MLPDiscriminator(nn.Module):
    """f_w: R^d → R, an MLP with LeakyReLU(0.2): one real number per point, shape ``(n,)``.

    For a GAN the output is the logit of D(x) = σ(f_w(x)); for a WGAN it is the critic's value.
    ``spectral_norm=True`` divides every linear layer by an estimate of its largest singular
    value (``torch.nn.utils.parametrizations.spectral_norm``, one power iteration per forward
    pass), so Lip(f_w) ≤ Π_l ‖W_l / σ̂_l‖₂: 1 up to the estimate's lag (σ̂_l ≤ σ_l, so each factor
    is at least 1).

    Example:
        >>> MLPDiscriminator(2, hidden=8, depth=2, device="cpu")(torch.zeros(5, 2)).shape
        torch.Size([5])
    """

    def __init__(
        self,
        dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        *,
        spectral_norm: bool = False,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.dim = check_positive_int(dim, "dim")
        self.net = mlp(
            self.dim, 1, hidden, depth, activation=_leaky_relu, spectral_norm=spectral_norm
        )
        self.spectral_norm = bool(spectral_norm)
        self.to(resolve_device(device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def _maybe_spectral(layer: nn.Module, spectral: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if spectral else layer


class ConvGenerator(nn.Module):
    """G_θ: R^D → [0, 1]^64 for the 8×8 digits: a linear map to 64×2×2, two transposed
    convolutions (2×2 → 4×4 → 8×8) and a sigmoid. Output flattened to ``(n, 64)``."""

    def __init__(
        self, latent_dim: int = 16, width: int = 64, device: torch.device | str | None = None
    ) -> None:
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.dim = 64
        self.width = check_positive_int(width, "width")
        self.project, self.net = _deconvolutions(self.latent_dim, self.width)
        self.to(resolve_device(device))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).reshape(-1, self.width, 2, 2)  # (n, w, 2, 2)
        return self.net(h).reshape(-1, 64)  # (n, 1, 8, 8) flattened

    sample = MLPGenerator.sample  # z ~ N(0, I_D) on the module's device, then G_θ(z)


def _deconvolutions(latent_dim: int, w: int) -> tuple[nn.Sequential, nn.Sequential]:
    """The layers of :class:`ConvGenerator`: z ∈ R^D ↦ R^{4w} (read as w channels of 2×2), then
    transposed convolutions of stride 2, 2×2 → 4×4 (w/2 channels) → 8×8 (one), and a sigmoid."""
    project = nn.Sequential(nn.Linear(latent_dim, w * 4), nn.BatchNorm1d(w * 4), nn.ReLU())
    net = nn.Sequential(
        nn.ConvTranspose2d(w, w // 2, 4, stride=2, padding=1),
        nn.BatchNorm2d(w // 2),
        nn.ReLU(),
        nn.ConvTranspose2d(w // 2, 1, 4, stride=2, padding=1),
        nn.Sigmoid(),
    )
    return project, net


class ConvDiscriminator(nn.Module):
    """f_w: [0, 1]^64 → R for the 8×8 digits: two strided convolutions (8×8 → 4×4 → 2×2) with
    LeakyReLU and a linear read-out; optional spectral normalisation of every layer.

    Spectral normalisation divides a convolution's kernel by the largest singular value of the
    kernel reshaped to (out, in·k·k), as Miyato et al. (2018) do; that is not the operator norm of
    the convolution on images (Sedghi et al., 2019, "The Singular Values of Convolutional
    Layers"), which for these 4×4 kernels of stride 2 is at most twice it (each input pixel meets
    four kernel positions) and can exceed it: the critic is not certified 1-Lipschitz."""

    def __init__(
        self,
        width: int = 64,
        *,
        spectral_norm: bool = False,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.dim = 64
        w = check_positive_int(width, "width")
        self.net = nn.Sequential(
            _maybe_spectral(nn.Conv2d(1, w // 2, 4, stride=2, padding=1), spectral_norm),
            nn.LeakyReLU(0.2),
            _maybe_spectral(nn.Conv2d(w // 2, w, 4, stride=2, padding=1), spectral_norm),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            _maybe_spectral(nn.Linear(w * 4, 1), spectral_norm),
        )
        self.spectral_norm = bool(spectral_norm)
        self.to(resolve_device(device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(-1, 1, 8, 8)).squeeze(-1)
