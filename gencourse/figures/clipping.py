"""Chapter 7's experiment: the weight-clipping bound δ against the critic's Lipschitz constant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from matplotlib.axes import Axes

from ._common import Bounds, axes, cell_centres, frame, pick, square_grid, to_numpy

__all__ = ["draw_critic"]


def draw_critic(
    delta: float,
    ax: Axes | None = None,
    *,
    sweep: Mapping[float, Mapping[str, Any]],
    bounds: Bounds,
    centres: torch.Tensor | None = None,
    n_show: int = 2000,
) -> Axes:
    r"""The critic f and the generator's samples of the WGAN trained with clipping bound δ =
    ``delta`` (a key of ``sweep``); the title gives the critic's measured Lipschitz constant,
    its gap E_P f − E_Q f and the exact W1(P, Q).

    ``sweep[delta]`` holds ``samples`` (n, 2), ``critic`` (r, r): f at the cell centres of
    :func:`gencourse.plot.grid_points` (``bounds``, r), row i at the i-th y and column j at the
    j-th x (``f(points).reshape(r, r)``), and the numbers ``lipschitz``, ``gap`` and ``w1``
    (``modes`` too, optionally). The level sets are drawn for f − mean f (the scale is the
    title's: a clipped critic's values can be 10⁻⁷ or 10³); darker is larger f, the "real" side.
    """
    run = pick(sweep, delta, "delta")
    values = square_grid(run["critic"], f"sweep[{delta}]['critic']")
    ax = axes(ax)
    xs, ys = cell_centres(bounds, values.shape[0])
    centred = (values - values.mean()).numpy()
    if centred.max() > centred.min():  # a constant critic has no level sets
        ax.contourf(xs, ys, centred, levels=10, cmap="Blues", alpha=0.8)
    samples = to_numpy(run["samples"], n_show)
    ax.scatter(samples[:, 0], samples[:, 1], s=1, c="C3")
    if centres is not None:
        ax.scatter(*to_numpy(centres).T, marker="x", c="k", s=15)
    frame(ax, bounds)
    modes = ""
    if "modes" in run and centres is not None:
        modes = f", {run['modes']:.0f}/{len(centres)} modes"
    ax.set_title(
        f"δ = {delta:g}: Lipschitz ≈ {run['lipschitz']:.2g}\n"
        f"critic gap {run['gap']:.2g}, $W_1$ = {run['w1']:.2f}{modes}",
        fontsize=9,
    )
    return ax
