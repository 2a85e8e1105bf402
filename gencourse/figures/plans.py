"""Chapter 9's experiment: the optimal coupling against its cost ‖x − y‖^p."""

from __future__ import annotations

import torch
from matplotlib.axes import Axes

from ..transport import transport_plan
from ._common import axes

__all__ = ["draw_plan"]


def draw_plan(
    p: int,
    ax: Axes | None = None,
    *,
    x: torch.Tensor,
    y: torch.Tensor,
    a: torch.Tensor | None = None,
    b: torch.Tensor | None = None,
) -> Axes:
    """The optimal plan between Σ a_i δ_{x_i} and Σ b_j δ_{y_j} for the cost ‖x − y‖^p, line
    widths ∝ π_ij; the title gives W_p, the mean distance E_π‖x − y‖ and the longest edge."""
    ax = axes(ax)
    plan, w = transport_plan(x, y, p=p, a=a, b=b)
    distance = torch.cdist(x, y)
    used = plan > 1e-12
    for i, j in zip(*torch.nonzero(used, as_tuple=True)):
        ax.plot(
            [x[i, 0], y[j, 0]], [x[i, 1], y[j, 1]], color="0.45", lw=0.5 + 8 * float(plan[i, j])
        )
    ax.scatter(*x.T, c="C0", s=20, zorder=3)
    ax.scatter(*y.T, c="C3", s=20, zorder=3)
    mean, longest = float((plan * distance).sum()), float(distance[used].max())
    ax.set(aspect="equal", xticks=[], yticks=[])
    ax.set_title(f"p = {p}: $W_p$ = {w:.2f}\nmean {mean:.2f}, longest {longest:.2f}", fontsize=9)
    return ax
