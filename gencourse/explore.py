"""Interactive experiments: a slider on Colab or Jupyter, the same sweep as a static figure.

The convention every chapter's experiment follows (``tests/test_project.py`` checks it):

- the expensive work (training, sampling) is precomputed in the cells before; a *drawing
  function* ``draw(value, ax=..., **data)`` only selects and draws (about a second at most);
- an executed cell passes it to :func:`small_multiples` over a few values: the figure the book
  shows, followed by a hidden assertion on what the sweep shows;
- a cell tagged ``skip-execution`` whose first line is ``# NBVAL_SKIP`` passes the same function
  to :func:`explore` (an ipywidgets slider; a live widget needs a kernel, so neither the book's
  build nor nbval runs it).

The drawing functions of the chapters live here, after the two helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "bend",
    "bend_inverse",
    "draw_bend",
    "draw_chains",
    "draw_critic_steps",
    "draw_kde",
    "draw_mmd_gradient",
    "draw_plan",
    "explore",
    "mmd_gradients",
    "small_multiples",
]

Draw = Callable[..., Axes]


def small_multiples(
    draw: Draw,
    values: Sequence[Any],
    *,
    panel: tuple[float, float] = (3.6, 3.2),
    **data: Any,
) -> Figure:
    """One panel per value, in a row: ``draw(value, ax=ax, **data)``. Returns the figure."""
    if not callable(draw):
        raise TypeError("draw must be callable: draw(value, ax=..., **data)")
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one value of the parameter")
    fig, axes = plt.subplots(
        1, len(values), figsize=(panel[0] * len(values), panel[1]), squeeze=False
    )
    for ax, value in zip(axes[0], values):
        draw(value, ax=ax, **data)
    fig.tight_layout()
    return fig


def explore(
    draw: Draw, slider: Any, *, figsize: tuple[float, float] = (5.0, 3.8), **data: Any
) -> Callable[[Any], None]:
    """A slider (an ``ipywidgets`` widget, e.g. ``FloatSlider``) that redraws ``draw`` on a new
    figure at each move. Returns the callback; ``callback.widget`` is the ipywidgets box."""
    import ipywidgets as widgets  # in the dependencies; imported here: only a live kernel needs it

    if not callable(draw):
        raise TypeError("draw must be callable: draw(value, ax=..., **data)")
    if not isinstance(slider, widgets.ValueWidget):
        raise TypeError(f"slider must be an ipywidgets value widget, got {type(slider).__name__}")

    def redraw(value: Any) -> None:
        _, ax = plt.subplots(figsize=figsize)
        draw(value, ax=ax, **data)
        plt.show()

    return widgets.interact(redraw, value=slider)


# Chapter 3: the change of variables in one dimension ----------------------------------------


def bend(z: torch.Tensor, a: float, scale: float = 1 / 3) -> torch.Tensor:
    """G_a(z) = z + a·s·tanh(z/s) with s = ``scale``: G_a'(z) = 1 + a·sech²(z/s), so G_a is
    increasing (invertible) for a > −1; it stretches (a > 0) or compresses (a < 0) the line near
    the origin by the factor 1 + a and shifts it by ±a·s far from it."""
    return z + a * scale * torch.tanh(z / scale)


def bend_inverse(
    x: torch.Tensor, a: float, scale: float = 1 / 3, n_iter: int = 60
) -> torch.Tensor:
    """G_a⁻¹(x) by bisection: G_a is increasing and |G_a(z) − z| ≤ |a|·s."""
    if not a > -1:
        raise ValueError(f"a must be > -1 (G_a is then increasing), got {a}")
    lo, hi = x - abs(a) * scale - 1, x + abs(a) * scale + 1
    for _ in range(n_iter):
        mid = (lo + hi) / 2
        below = bend(mid, a, scale) < x
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return (lo + hi) / 2


def draw_bend(
    a: float, ax: Axes | None = None, *, z: torch.Tensor, scale: float = 1 / 3, window: float = 6.5
) -> Axes:
    r"""Histogram of G_a(z) for the samples ``z`` of Q = N(0, 1), the change-of-variables formula
    P(x) = Q(G_a⁻¹(x)) / G_a'(G_a⁻¹(x)) (red) and Q itself (dashed)."""
    ax = ax if ax is not None else plt.gca()
    x = bend(z.double().reshape(-1), a, scale)
    grid = torch.linspace(-window, window, 600, dtype=torch.float64)
    w = bend_inverse(grid, a, scale)
    q = torch.exp(-(w**2) / 2) / math.sqrt(2 * math.pi)
    ax.hist(
        x.numpy(),
        bins=130,
        range=(-window, window),
        density=True,
        color="0.8",
        label="histogram of G(z)",
    )
    ax.plot(grid, q / (1 + a / torch.cosh(w / scale) ** 2), "C3", label="formula")
    ax.plot(grid, torch.exp(-(grid**2) / 2) / math.sqrt(2 * math.pi), "k--", lw=0.8, label="Q")
    ax.set(xlabel="x", ylim=(0, 1.0), title=f"a = {a:g}: $P(0) = \\varphi(0)/{1 + a:g}$")
    ax.legend(fontsize=7, loc="upper right")
    return ax


# Chapter 2: the Langevin step size -----------------------------------------------------------


def draw_chains(
    eta: float,
    ax: Axes | None = None,
    *,
    runs: dict[float, tuple[torch.Tensor, torch.Tensor, float]],
    log_density: Callable[[torch.Tensor], torch.Tensor],
    bounds: tuple[tuple[float, float], tuple[float, float]],
    n_show: int = 600,
) -> Axes:
    """Final states of ULA (blue) and MALA (red) at the precomputed step ``eta`` (a key of
    ``runs``: ``(ula samples, mala samples, acceptance)``) over the exact density's contours."""
    from .plot import grid_points

    if eta not in runs:
        raise ValueError(f"eta must be one of the precomputed steps {sorted(runs)}, got {eta}")
    ax = ax if ax is not None else plt.gca()
    ula, adjusted, acceptance = runs[eta]
    points, _ = grid_points(bounds, 80)
    density = log_density(points).exp().reshape(80, 80).cpu().numpy()
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, 80), np.linspace(y0, y1, 80)
    ax.contour(xs, ys, density, levels=5, colors="k", linewidths=0.7)
    for samples, colour, label in ((ula, "C0", "ULA"), (adjusted, "C3", "MALA")):
        s = samples[:n_show].detach().float().cpu().numpy()
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.5, c=colour, label=label)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal")
    ax.set_title(f"η = {eta:g}, MALA acceptance {acceptance:.2f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right", markerscale=4)
    return ax


# Chapter 9: the optimal coupling against its cost ‖x − y‖^p ----------------------------------


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
    from .transport import transport_plan

    ax = ax if ax is not None else plt.gca()
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


# Chapter 5: the MMD's bandwidth on the parallel lines ----------------------------------------


def mmd_gradients(
    bandwidth: float, thetas: torch.Tensor, *, segment0: torch.Tensor, z: torch.Tensor
) -> torch.Tensor:
    """d MMD²(P_0, P_θ)/dθ by autograd at each θ of ``thetas``, P_θ = Law(θ, z) against the
    sample ``segment0`` of P_0, RBF kernel of width ``bandwidth`` (unbiased estimator)."""
    from .losses import mmd2

    out = []
    for value in thetas.tolist():
        theta = torch.tensor(value, dtype=z.dtype, requires_grad=True)
        segment = torch.stack([theta.expand(len(z)), z], dim=1)
        loss = mmd2(segment, segment0, bandwidth=bandwidth)
        out.append(torch.autograd.grad(loss, theta)[0])
    return torch.stack(out)


def draw_mmd_gradient(
    bandwidth: float,
    ax: Axes | None = None,
    *,
    segment0: torch.Tensor,
    z: torch.Tensor,
    thetas: torch.Tensor,
) -> Axes:
    """The MMD²'s gradient in θ on the parallel lines at kernel width h = ``bandwidth``, with
    ±h marked; the sliced W1's gradient, ±2/π whatever the distance, for comparison."""
    ax = ax if ax is not None else plt.gca()
    grads = mmd_gradients(bandwidth, thetas, segment0=segment0, z=z)
    ax.plot(thetas, grads, "C1.-", label="d MMD²/dθ")
    ax.plot(thetas, 2 / math.pi * torch.sign(thetas), "k-", lw=0.8, label="d sliced W1/dθ")
    for side in (-1, 1):
        ax.axvline(side * bandwidth, color="C1", linestyle=":", lw=0.8)
    ax.set(xlabel="θ", title=f"kernel width h = {bandwidth:g}")
    ax.legend(fontsize=7, loc="lower right")
    return ax


# Chapter 1: the KDE's bandwidth --------------------------------------------------------------


def draw_kde(
    log10_h: float,
    ax: Axes | None = None,
    *,
    x: torch.Tensor,
    x_test: torch.Tensor,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    resolution: int = 120,
) -> Axes:
    """The KDE of the sample ``x`` with bandwidth h = 10^``log10_h``, drawn on ``bounds``; the
    title gives its held-out mean log-likelihood on ``x_test``."""
    from .classical import KDE
    from .plot import density_heatmap

    h = 10**log10_h
    kde = KDE(h).fit(x)
    ax = density_heatmap(kde.log_prob, bounds, resolution=resolution, ax=ax)
    heldout = float(kde.log_prob(x_test).mean())
    ax.set_title(f"h = {h:.3f}: held-out log-lik. {heldout:.2f}", fontsize=9)
    return ax


# Chapter 6: the number m of discriminator steps per generator step --------------------------


def draw_critic_steps(
    m: int,
    ax: Axes | None = None,
    *,
    runs: dict[int, dict[str, Any]],
    centres: torch.Tensor,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    n_show: int = 400,
) -> Axes:
    """The final samples of the GANs trained with m = ``m`` discriminator steps per generator
    step, one colour per seed, over the mixture's ``centres`` (crosses). ``runs[m]`` holds
    ``"samples"`` (S, n, 2), one sample per seed, ``"w1"`` (S held-out W1) and ``"modes"``
    (S numbers of modes captured); the title gives the range of W1 and the mode counts."""
    if m not in runs:
        raise ValueError(f"m must be one of the precomputed values {sorted(runs)}, got {m}")
    run = runs[m]
    if not {"samples", "w1", "modes"} <= set(run):
        raise ValueError("runs[m] must hold 'samples', 'w1' and 'modes'")
    ax = ax if ax is not None else plt.gca()
    for seed, samples in enumerate(run["samples"]):
        s = samples[:n_show].detach().float().cpu().numpy()
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.6, c=f"C{seed % 10}")
    c = centres.detach().float().cpu().numpy()
    ax.scatter(c[:, 0], c[:, 1], marker="x", c="k", s=15, zorder=3)
    (x0, x1), (y0, y1) = bounds
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal", xticks=[], yticks=[])
    w1 = [float(v) for v in run["w1"]]
    modes = ", ".join(str(int(v)) for v in run["modes"])
    ax.set_title(
        f"m = {m}: W1 {min(w1):.2f}–{max(w1):.2f}\nmodes per seed: {modes} of {len(c)}",
        fontsize=9,
    )
    return ax
