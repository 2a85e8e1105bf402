r"""Metrics for evaluating generative models (shared by the GAN and the evaluation chapters).

Mode-collapse metrics for mixtures of Gaussians with known centres (the standard protocol of
VEEGAN and PacGAN: 2500 samples, 3-standard-deviation threshold):

* a sample is **high quality** when it lies within ``threshold`` · σ of its nearest centre;
* a mode is **captured** when it is the nearest centre of at least one high-quality sample;
* the **KL to uniform** is KL(p̂ ‖ U) = Σ_k p̂_k log(K p̂_k), with p̂ the histogram of the samples
  over their nearest modes: 0 when every mode gets the same share, log K when one mode gets all.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._checks import as_points, check_positive_float

__all__ = ["ModeStatistics", "mode_statistics"]


@dataclass(frozen=True)
class ModeStatistics:
    """Result of :func:`mode_statistics`."""

    modes_captured: int
    n_modes: int
    high_quality: float  # fraction of high-quality samples, in [0, 1]
    kl_to_uniform: float  # KL(histogram over nearest modes ‖ uniform), in [0, log K]
    counts: tuple[int, ...]  # high-quality samples per mode

    def __str__(self) -> str:
        return (
            f"{self.modes_captured}/{self.n_modes} modes, {100 * self.high_quality:.1f}% high quality, "
            f"KL to uniform {self.kl_to_uniform:.3f}"
        )


@torch.no_grad()
def mode_statistics(
    samples: torch.Tensor, centres: torch.Tensor, std: float, *, threshold: float = 3.0
) -> ModeStatistics:
    r"""Modes captured, high-quality fraction and KL to uniform of ``samples`` ``(n, d)``.

    ``centres`` ``(K, d)`` are the mixture's means and ``std`` its (common) standard deviation;
    a sample is high quality when ‖x − c_{k(x)}‖ ≤ ``threshold`` · std for its nearest centre
    c_{k(x)}. Both tensors may be on any device (they are compared on the CPU in float64).
    """
    centres = as_points(centres, "centres").detach().cpu().double()
    samples = as_points(samples, "samples", dim=centres.shape[1]).detach().cpu().double()
    std = check_positive_float(std, "std")
    threshold = check_positive_float(threshold, "threshold")
    distances = torch.cdist(samples, centres)
    nearest_distance, nearest = distances.min(dim=1)
    good = nearest_distance <= threshold * std
    n_modes = centres.shape[0]
    counts = torch.bincount(nearest[good], minlength=n_modes)
    shares = torch.bincount(nearest, minlength=n_modes).double() / samples.shape[0]
    positive = shares > 0
    kl = float((shares[positive] * torch.log(n_modes * shares[positive])).sum())
    return ModeStatistics(
        modes_captured=int((counts > 0).sum()),
        n_modes=n_modes,
        high_quality=float(good.double().mean()),
        kl_to_uniform=max(kl, 0.0),
        counts=tuple(int(c) for c in counts),
    )

