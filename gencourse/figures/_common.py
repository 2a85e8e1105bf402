"""The steps every drawing function repeats (private to :mod:`gencourse.figures`).

A drawing function ``draw(value, ax=..., **data)`` selects a precomputed run (:func:`pick`),
draws on ``ax`` or the current axes (:func:`axes`), turns tensors into NumPy arrays for
matplotlib (:func:`to_numpy`) and frames the window (:func:`frame`). The checks live here, so
that the functions the chapters show are the drawing alone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

Bounds = tuple[tuple[float, float], tuple[float, float]]
Run = TypeVar("Run")


def pick(runs: Mapping[Any, Run], key: Any, name: str, *, fields: Collection[str] = ()) -> Run:
    """``runs[key]``: the run precomputed for the parameter ``name`` = ``key``.

    Raises a ``ValueError`` naming ``name`` and the precomputed keys when ``key`` is not one of
    them, or naming the missing ``fields`` when the run (a mapping) lacks some of them.
    """
    if key not in runs:
        raise ValueError(f"{name} must be one of the precomputed values {sorted(runs)}, got {key}")
    run = runs[key]
    missing = [field for field in fields if field not in run]
    if missing:
        raise ValueError(
            f"the run at {name} = {key} must hold {sorted(fields)}, missing {missing}"
        )
    return run


def axes(ax: Axes | None) -> Axes:
    """``ax``, or the current axes when it is ``None``."""
    return ax if ax is not None else plt.gca()


def to_numpy(values: Any, n: int | None = None) -> np.ndarray:
    """The first ``n`` rows (all when ``None``) of a tensor or array, detached, as float32 NumPy
    on the CPU: what matplotlib draws."""
    return torch.as_tensor(values)[:n].detach().float().cpu().numpy()


def frame(ax: Axes, bounds: Bounds, *, equal: bool = True, ticks: bool = True) -> Axes:
    """Limit ``ax`` to ``bounds`` = ((x_min, x_max), (y_min, y_max)); ``equal``: one unit is as
    long on both axes; ``ticks=False`` hides the tick labels."""
    (x0, x1), (y0, y1) = bounds
    ax.set(xlim=(x0, x1), ylim=(y0, y1))
    if equal:
        ax.set(aspect="equal")
    if not ticks:
        ax.set(xticks=[], yticks=[])
    return ax


def square_grid(values: Any, name: str) -> torch.Tensor:
    """``values`` as an (r, r) float64 tensor on the CPU (r ≥ 2): a function's values at the cell
    centres of :func:`gencourse.plot.grid_points`, row i at the i-th y; a ``ValueError`` naming
    ``name`` otherwise."""
    grid = torch.as_tensor(values).detach().double().cpu()
    if grid.ndim != 2 or grid.shape[0] != grid.shape[1] or grid.shape[0] < 2:
        raise ValueError(f"{name} must be an (r, r) grid, got {tuple(grid.shape)}")
    return grid


def cell_centres(bounds: Bounds, r: int) -> tuple[np.ndarray, np.ndarray]:
    """The x and the y of the cell centres of an r × r grid on ``bounds`` (those of
    :func:`gencourse.plot.grid_points`), two arrays of shape ``(r,)``."""
    (x0, x1), (y0, y1) = bounds
    return x0 + (x1 - x0) * (np.arange(r) + 0.5) / r, y0 + (y1 - y0) * (np.arange(r) + 0.5) / r
