"""Chapter 6's experiment: the number m of discriminator steps per generator step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from matplotlib.axes import Axes

from ._common import Bounds, axes, frame, pick, to_numpy

__all__ = ["draw_critic_steps"]


def draw_critic_steps(
    m: int,
    ax: Axes | None = None,
    *,
    runs: Mapping[int, Mapping[str, Any]],
    centres: torch.Tensor,
    bounds: Bounds,
    n_show: int = 400,
    recipe: str | None = None,
) -> Axes:
    """The final samples of the GANs trained with m = ``m`` discriminator steps per generator
    step, one colour per seed, over the mixture's ``centres`` (crosses). ``runs[m]`` holds
    ``"samples"`` (S, n, 2), one sample per seed, ``"w1"`` (S held-out W1) and ``"modes"``
    (S numbers of modes captured); the title gives the recipe (when ``recipe`` is given), the
    range of W1 and the mode counts."""
    run = pick(runs, m, "m", fields=("samples", "w1", "modes"))
    ax = axes(ax)
    for seed, samples in enumerate(run["samples"]):
        s = to_numpy(samples, n_show)
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.6, c=f"C{seed % 10}")
    c = to_numpy(centres)
    ax.scatter(c[:, 0], c[:, 1], marker="x", c="k", s=15, zorder=3)
    frame(ax, bounds, ticks=False)
    w1 = [float(v) for v in run["w1"]]
    modes = ", ".join(str(int(v)) for v in run["modes"])
    prefix = "" if recipe is None else f"{recipe}, "
    ax.set_title(
        f"{prefix}m = {m}: W1 {min(w1):.2f}–{max(w1):.2f}\nmodes per seed: {modes} of {len(c)}",
        fontsize=9,
    )
    return ax
