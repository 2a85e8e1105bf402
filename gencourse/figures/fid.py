"""Chapter 8's experiment: the FID's sample size n."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from matplotlib.axes import Axes

from ..metrics import FrechetCurve, subset_fids
from ._common import axes

__all__ = ["draw_fid_n"]


def draw_fid_n(
    n: int,
    ax: Axes | None = None,
    *,
    features: Mapping[str, torch.Tensor],
    reference_fit: tuple[torch.Tensor, torch.Tensor],
    curves: Mapping[str, FrechetCurve],
    repeats: int = 8,
    n_range: tuple[int, int] = (90, 5760),
) -> Axes:
    """For each model (a key of ``features``, its samples' features): the FID of ``repeats``
    subsets of n samples (:func:`gencourse.metrics.subset_fids`, dots) against the fitted
    FID∞ + b/n of ``curves[name]`` (a :class:`gencourse.metrics.FrechetCurve`, dashed) and FID∞
    (dotted)."""
    ax = axes(ax)
    grid = np.geomspace(*n_range, 100)
    biases = []
    for k, (name, phi) in enumerate(features.items()):
        curve, colour = curves[name], f"C{k}"
        values = subset_fids(n, features=phi, reference_fit=reference_fit, repeats=repeats)
        ax.plot(grid, curve.limit + curve.slope / grid, "--", color=colour, lw=0.8)
        ax.axhline(curve.limit, color=colour, ls=":", lw=0.8)
        ax.plot([n] * repeats, values, ".", color=colour, alpha=0.6)
        ax.plot(
            n,
            values.mean(),
            "o",
            color=colour,
            mfc="none",
            label=f"{name}: {float(values.mean()):.0f} ± {float(values.std()):.1f}",
        )
        biases.append(curve.slope / n)
    ax.axvline(n, color="0.6", lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="n", ylabel="FID of n samples")
    ax.set_title(f"n = {n}: bias b/n ≈ {min(biases):.2g} to {max(biases):.2g}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    return ax
