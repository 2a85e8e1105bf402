"""Data: exact 2D toy distributions ρ* and the 8×8 digits that ship with scikit-learn.

Every toy is a :class:`Toy` with ``sample(n, seed)``; the Gaussian mixtures (:func:`ring`,
:func:`grid`, or any :class:`GaussianMixture`) and the :class:`Checkerboard` also give their
exact log-density, so an estimate can be compared with the truth. Sampling draws on the CPU from
a generator seeded with ``seed`` and then moves the points to ``device``, so a seed gives the
same points on every machine.

The digits are loaded from scikit-learn (no download): 1797 images of 8×8 pixels with 17 grey
levels {0, …, 16}, split into train and held-out sets. :func:`dequantize` turns the integer
levels into a continuous variable in [0, 1)^D so that a density model can be fitted, and
:func:`bits_per_dim` converts that density back to the discrete data's scale.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch

from ._checks import as_points, check_positive_float, check_positive_int, make_generator
from .config import resolve_device

__all__ = [
    "DIGIT_LEVELS",
    "TOYS",
    "Checkerboard",
    "ConcentricRings",
    "GaussianMixture",
    "Pinwheel",
    "SwissRoll",
    "Toy",
    "TwoMoons",
    "bits_per_dim",
    "dequantize",
    "gaussian_pair",
    "digits",
    "grid",
    "one_pixel_shifts",
    "quantize",
    "ring",
    "toy",
]

Bounds = tuple[tuple[float, float], tuple[float, float]]


class Toy(ABC):
    """A distribution ρ* on R^d that can be sampled exactly."""

    #: dimension d of the samples
    dim: int = 2
    #: a plotting window ((x_min, x_max), (y_min, y_max)) that holds almost all of the mass
    bounds: Bounds = ((-4.0, 4.0), (-4.0, 4.0))

    def sample(
        self,
        n: int,
        seed: int | torch.Generator | None = None,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` i.i.d. points, shape ``(n, d)``, in torch's default dtype (float32 unless
        :func:`torch.set_default_dtype` changed it).

        ``seed`` (an int, a :class:`torch.Generator` or ``None`` for torch's global generator)
        makes the draw reproducible: the points are drawn on the CPU, then moved to ``device``
        (default :func:`gencourse.device`), so a seed gives the same points on every machine.

        Example:
            >>> moons = TwoMoons()
            >>> x = moons.sample(3, seed=0, device="cpu")
            >>> x.shape, torch.equal(x, moons.sample(3, seed=0, device="cpu"))
            (torch.Size([3, 2]), True)
        """
        n = check_positive_int(n, "n")
        x = self._sample(n, make_generator(seed))
        return x.to(resolve_device(device))

    @abstractmethod
    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """Draw ``n`` points on the CPU in torch's default dtype."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class GaussianMixture(Toy):
    r"""Mixture of isotropic Gaussians ρ*(x) = Σ_k π_k N(x; m_k, σ_k² I).

    Args:
        means: component means m_k, shape ``(K, d)``.
        stds: component standard deviations σ_k, a positive number or shape ``(K,)``.
        weights: mixture weights π_k ≥ 0 summing to 1, shape ``(K,)``; uniform if omitted.
    """

    def __init__(
        self,
        means: torch.Tensor,
        stds: float | torch.Tensor = 1.0,
        weights: torch.Tensor | None = None,
    ) -> None:
        if not isinstance(means, torch.Tensor):
            means = torch.as_tensor(means, dtype=torch.float64)
        means = as_points(means.double(), "means")
        k, d = means.shape
        if isinstance(stds, torch.Tensor):
            stds = stds.double().cpu()
            if stds.shape not in ((), (k,)):
                raise ValueError(
                    f"stds must be a number or have shape ({k},), got shape {tuple(stds.shape)}"
                )
            if not bool(torch.isfinite(stds).all()) or bool((stds <= 0).any()):
                raise ValueError("stds must be finite and > 0")
            stds = stds.expand(k).clone()
        else:
            stds = torch.full((k,), check_positive_float(stds, "stds"), dtype=torch.float64)
        if weights is None:
            weights = torch.full((k,), 1.0 / k, dtype=torch.float64)
        else:
            weights = torch.as_tensor(weights, dtype=torch.float64).cpu()
            if weights.shape != (k,):
                raise ValueError(
                    f"weights must have shape ({k},), got shape {tuple(weights.shape)}"
                )
            if not bool(torch.isfinite(weights).all()) or bool((weights < 0).any()):
                raise ValueError("weights must be finite and >= 0")
            if abs(float(weights.sum()) - 1.0) > 1e-6:
                raise ValueError(f"weights must sum to 1, got {float(weights.sum()):.6g}")
        self.means = means.cpu()
        self.stds = stds
        self.weights = weights
        self.dim = d
        r = 3.0 * float(stds.max())
        lo, hi = (self.means.min(0).values - r).tolist(), (self.means.max(0).values + r).tolist()
        self.bounds = ((lo[0], hi[0]), (lo[1], hi[1])) if d >= 2 else ((lo[0], hi[0]), (0.0, 1.0))

    @property
    def centres(self) -> torch.Tensor:
        """The mode centres m_k, shape ``(K, d)``."""
        return self.means.to(torch.get_default_dtype())

    @property
    def n_modes(self) -> int:
        return self.means.shape[0]

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        noise = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return (self.means[k] + self.stds[k, None] * noise).to(torch.get_default_dtype())

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log ρ*(x), shape ``(n,)`` for ``x`` of shape ``(n, d)`` (computed in float64)."""
        x = as_points(x, "x", dim=self.dim)
        xd = x.double()
        means, stds, weights = (t.to(x.device) for t in (self.means, self.stds, self.weights))
        sq = torch.cdist(xd, means).square()  # (n, K)
        log_normal = (
            -0.5 * sq / stds**2
            - self.dim * torch.log(stds)
            - 0.5 * self.dim * math.log(2 * math.pi)
        )
        return torch.logsumexp(torch.log(weights) + log_normal, dim=1).to(x.dtype)

    def __repr__(self) -> str:
        return f"GaussianMixture(K={self.n_modes}, d={self.dim})"


def ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture:
    """``n_modes`` equal Gaussians of std ``std`` on a circle of radius ``radius``.

    The defaults are the standard mode-collapse protocol: 8 modes, radius 1, std 0.01.

    Example:
        >>> rho = ring()
        >>> radii = rho.sample(1000, seed=0, device="cpu").norm(dim=1)
        >>> rho.n_modes, round(float(radii.mean()), 2)
        (8, 1.0)
    """
    n_modes = check_positive_int(n_modes, "n_modes")
    radius = check_positive_float(radius, "radius")
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes
    means = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture(means, check_positive_float(std, "std"))


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """``side × side`` equal Gaussians of std ``std`` on a centred square lattice.

    The defaults are the standard mode-collapse protocol: means on {−4, −2, 0, 2, 4}², std 0.05.
    """
    side = check_positive_int(side, "side")
    spacing = check_positive_float(spacing, "spacing")
    coords = (torch.arange(side, dtype=torch.float64) - (side - 1) / 2) * spacing
    means = torch.cartesian_prod(coords, coords)
    return GaussianMixture(means, check_positive_float(std, "std"))


class TwoMoons(Toy):
    """Two interleaved half circles (scikit-learn's moons, centred and scaled by 2) plus noise."""

    bounds = ((-3.5, 3.5), (-2.25, 2.25))

    def __init__(self, noise: float = 0.1) -> None:
        self.noise = check_positive_float(noise, "noise")

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        t = math.pi * torch.rand(n, generator=generator)
        upper = torch.rand(n, generator=generator) < 0.5
        x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
        y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
        points = 2 * (torch.stack([x, y], dim=1) - torch.tensor([0.5, 0.25]))
        return points + self.noise * torch.randn(n, 2, generator=generator)


class Checkerboard(Toy):
    """Uniform on the 8 dark squares of a 4×4 checkerboard of side-2 squares on [−4, 4]².

    Its exact density is 1/32 on the dark squares and 0 elsewhere.
    """

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        x = 8 * torch.rand(n, generator=generator) - 4
        column = torch.floor((x + 4) / 2)
        # rows r in {0, 1, 2, 3} with r + column even: 2 per column
        row = 2 * torch.randint(0, 2, (n,), generator=generator) + column.remainder(2)
        y = -4 + 2 * row + 2 * torch.rand(n, generator=generator)
        return torch.stack([x, y], dim=1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log-density: −log 32 on the dark squares, −∞ elsewhere; shape ``(n,)``."""
        x = as_points(x, "x", dim=2)
        cells = torch.floor((x + 4) / 2)
        inside = ((x >= -4) & (x < 4)).all(dim=1)
        dark = (cells.sum(dim=1).remainder(2) == 0) & inside
        return torch.where(dark, -math.log(32.0), -math.inf).to(x.dtype)


class ConcentricRings(Toy):
    """Points spread uniformly by arc length over circles of the given radii, radial noise
    ``noise``."""

    def __init__(self, radii: tuple[float, ...] = (1.0, 2.0, 3.0), noise: float = 0.08) -> None:
        if len(radii) == 0:
            raise ValueError("radii must hold at least one radius")
        self.radii = torch.tensor([check_positive_float(r, "radii") for r in radii])
        self.noise = check_positive_float(noise, "noise")
        r = float(self.radii.max()) + 4 * self.noise
        self.bounds = ((-r, r), (-r, r))

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        which = torch.multinomial(
            self.radii / self.radii.sum(), n, replacement=True, generator=generator
        )
        angle = 2 * math.pi * torch.rand(n, generator=generator)
        r = self.radii[which] + self.noise * torch.randn(n, generator=generator)
        return torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)


class SwissRoll(Toy):
    """The 2D swiss roll (t cos t, t sin t)/4 with t ~ U[1.5π, 4.5π], plus Gaussian noise."""

    def __init__(self, noise: float = 0.1) -> None:
        self.noise = check_positive_float(noise, "noise")

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator))
        points = torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1) / 4
        return points + self.noise * torch.randn(n, 2, generator=generator)


class Pinwheel(Toy):
    """``n_arms`` curved arms: Gaussian blobs bent by a rotation that grows along the arm."""

    def __init__(
        self,
        n_arms: int = 5,
        radial_std: float = 0.3,
        tangential_std: float = 0.1,
        rate: float = 0.25,
    ) -> None:
        self.n_arms = check_positive_int(n_arms, "n_arms")
        self.radial_std = check_positive_float(radial_std, "radial_std")
        self.tangential_std = check_positive_float(tangential_std, "tangential_std")
        self.rate = check_positive_float(rate, "rate")

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        base_angles = 2 * math.pi * torch.arange(self.n_arms) / self.n_arms
        features = torch.randn(n, 2, generator=generator) * torch.tensor(
            [self.radial_std, self.tangential_std]
        )
        features[:, 0] += 1.0
        arm = torch.randint(0, self.n_arms, (n,), generator=generator)
        angle = base_angles[arm] + self.rate * torch.exp(features[:, 0])
        cos, sin = torch.cos(angle), torch.sin(angle)
        x = cos * features[:, 0] - sin * features[:, 1]
        y = sin * features[:, 0] + cos * features[:, 1]
        return 2 * torch.stack([x, y], dim=1)


TOYS = {
    "two_moons": TwoMoons,
    "ring": ring,
    "grid": grid,
    "checkerboard": Checkerboard,
    "concentric_rings": ConcentricRings,
    "swiss_roll": SwissRoll,
    "pinwheel": Pinwheel,
}


def toy(name: str, **kwargs: Any) -> Toy:
    """The toy distribution called ``name`` (a key of :data:`TOYS`), built with ``kwargs``."""
    if name not in TOYS:
        raise ValueError(f"name must be one of {sorted(TOYS)}, got {name!r}")
    return TOYS[name](**kwargs)


# ---------------------------------------------------------------------------------------------
# The 8×8 digits
# ---------------------------------------------------------------------------------------------

#: grey levels of scikit-learn's digits: integers 0, …, 16
DIGIT_LEVELS = 17


def digits(
    split: str = "train",
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 8×8 digits, split into ``"train"`` and held-out ``"test"`` sets.

    The split is stratified by class and fixed by ``seed``. Returns ``(images, labels)`` with
    images of shape ``(n, 8, 8)``, integer levels in {0, …, 16} in torch's default dtype
    (float32 unless changed), and labels ``(n,)``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    test_fraction = check_positive_float(test_fraction, "test_fraction")
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    bunch = load_digits()
    images, labels = bunch.images.astype(np.float32), bunch.target.astype(np.int64)
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)), test_size=test_fraction, random_state=seed, stratify=labels
    )
    idx = np.sort(train_idx if split == "train" else test_idx)
    target = resolve_device(device)
    images_t = torch.from_numpy(images[idx]).to(target, torch.get_default_dtype())
    return images_t, torch.from_numpy(labels[idx]).to(target)


def dequantize(
    images: torch.Tensor, *, levels: int = DIGIT_LEVELS, seed: int | torch.Generator | None = None
) -> torch.Tensor:
    """Uniform dequantization y = (x + u) / levels with u ~ U[0, 1)^D, so y ∈ [0, 1)^D.

    ``images`` holds integer levels in {0, …, levels − 1} (any shape, floating or integer dtype).

    Example:
        >>> y = dequantize(torch.tensor([0.0, 16.0]), seed=0)
        >>> bool((y >= torch.tensor([0, 16 / 17])).all() and (y < torch.tensor([1 / 17, 1])).all())
        True
        >>> quantize(y)
        tensor([ 0., 16.])
    """
    levels = check_positive_int(levels, "levels", minimum=2)
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
    x = images.double()
    if not bool(torch.isfinite(x).all()) or bool((x != torch.round(x)).any()):
        raise ValueError("images must hold integer grey levels")
    if bool((x < 0).any()) or bool((x > levels - 1).any()):
        raise ValueError(f"images must hold levels in {{0, …, {levels - 1}}}")
    u = torch.rand(images.shape, generator=make_generator(seed), dtype=torch.float64)
    return ((x + u.to(x.device)) / levels).to(torch.get_default_dtype())


def quantize(y: torch.Tensor, *, levels: int = DIGIT_LEVELS) -> torch.Tensor:
    """Inverse of :func:`dequantize`: floor(y · levels), clamped to {0, …, levels − 1}, in torch's
    default dtype."""
    levels = check_positive_int(levels, "levels", minimum=2)
    if not isinstance(y, torch.Tensor) or not y.is_floating_point():
        raise TypeError("y must be a floating-point torch.Tensor")
    return torch.clamp(torch.floor(y * levels), 0, levels - 1).to(torch.get_default_dtype())


def one_pixel_shifts(images: torch.Tensor, *, diagonal: bool = False) -> torch.Tensor:
    """Data augmentation: the images followed by their copies shifted by one pixel.

    ``images`` has shape ``(n, height, width)``. Returns ``(5n, height, width)``: the originals,
    then the shifts right, left, down and up (``diagonal=True``: also the four diagonal shifts,
    ``9n`` images). The row or column that enters the frame is filled with 0, the background
    level of the digits. An augmented training set enlarges a small one with images the model
    should also find likely; held-out and test images are never augmented.
    """
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
    if images.ndim != 3 or images.shape[1] < 2 or images.shape[2] < 2:
        raise ValueError(
            f"images must have shape (n, height, width) with height, width >= 2, "
            f"got {tuple(images.shape)}"
        )
    offsets = [(0, 1), (0, -1), (1, 0), (-1, 0)]
    if diagonal:
        offsets += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    height, width = images.shape[1:]
    out = [images]
    for di, dj in offsets:  # pixel (i, j) moves to (i + di, j + dj)
        shifted = torch.zeros_like(images)
        shifted[:, max(di, 0) : height + min(di, 0), max(dj, 0) : width + min(dj, 0)] = images[
            :, max(-di, 0) : height + min(-di, 0), max(-dj, 0) : width + min(-dj, 0)
        ]
        out.append(shifted)
    return torch.cat(out)


def bits_per_dim(log_prob: torch.Tensor, dim: int, *, levels: int = DIGIT_LEVELS) -> torch.Tensor:
    """Bits per dimension of the discrete data from the density of y = (x + u)/levels.

    With p the density of y on [0, 1)^D, the variable x + u on [0, levels)^D has density
    p(y) / levels^D, and E_u[log p(y)] − D log(levels) is a lower bound on log P(x). Hence
    bits/dim = −(log p(y) − D log levels) / (D log 2). A uniform model gives log₂(levels).

    Example:
        >>> bits_per_dim(torch.zeros(1), 64)  # the uniform density on [0, 1)^64: log₂ 17
        tensor([4.0875])
    """
    dim = check_positive_int(dim, "dim")
    levels = check_positive_int(levels, "levels", minimum=2)
    if not isinstance(log_prob, torch.Tensor):
        raise TypeError(f"log_prob must be a torch.Tensor, got {type(log_prob).__name__}")
    return -(log_prob - dim * math.log(levels)) / (dim * math.log(2))


def gaussian_pair(dim: int, separation: float = 4.0) -> GaussianMixture:
    """Equal mixture of N(+m, I) and N(−m, I) in R^dim with ‖2m‖ = ``separation``.

    m = (separation / 2) · (1, …, 1) / √dim, so the two modes are equally far apart in every
    dimension: the reference density of the curse-of-dimensionality experiment.
    """
    dim = check_positive_int(dim, "dim")
    separation = check_positive_float(separation, "separation")
    m = torch.full((dim,), separation / 2 / math.sqrt(dim), dtype=torch.float64)
    return GaussianMixture(torch.stack([m, -m]), 1.0)
