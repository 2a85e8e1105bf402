"""Chapter 4's experiment: a flow's density after t of its layers."""

from __future__ import annotations

from typing import Any

import torch
from matplotlib.axes import Axes

from ..flows import layer_log_prob, warp
from ..plot import density_heatmap
from ._common import Bounds, frame

__all__ = ["draw_layers"]


def draw_layers(
    t: int,
    ax: Axes | None = None,
    *,
    flow: Any,
    bounds: Bounds,
    valid: torch.Tensor,
    lines: int = 9,
    resolution: int = 90,
) -> Axes:
    """The density P_t after the first ``t`` layers of ``flow`` (``layer_log_prob``) on
    ``bounds``, with the image under those layers of a grid of Q's plane (lines at −2, …, 2);
    the title gives the held-out NLL −mean log P_t(``valid``)."""
    parameter = next(flow.parameters())  # points in the flow's device and dtype
    device, dtype = parameter.device, parameter.dtype
    ax = density_heatmap(
        lambda x: layer_log_prob(flow, t, x.to(dtype)),
        bounds,
        resolution=resolution,
        ax=ax,
        device=device,
    )
    levels = torch.linspace(-2, 2, lines)
    run = torch.linspace(-4, 4, 200)
    with torch.no_grad():
        for c in levels:
            for line in (
                torch.stack([run, c.expand(200)], 1),
                torch.stack([c.expand(200), run], 1),
            ):
                points = warp(flow, t, line.to(device, dtype)).cpu()
                ax.plot(points[:, 0], points[:, 1], color="w", lw=0.5, alpha=0.7)
        nll = -float(layer_log_prob(flow, t, valid.to(device, dtype)).mean())
    frame(ax, bounds, equal=False, ticks=False)
    ax.set_title(f"after {t} of {len(flow.layers)} layers: NLL {nll:.2f}", fontsize=9)
    return ax
