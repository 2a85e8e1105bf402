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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._checks import make_generator
from .flows import bend, bend_inverse, layer_log_prob, warp

__all__ = [
    "bend",
    "bend_inverse",
    "draw_bend",
    "draw_chains",
    "draw_critic",
    "draw_fid_n",
    "draw_critic_steps",
    "draw_kde",
    "draw_layers",
    "draw_mmd_gradient",
    "draw_plan",
    "explore",
    "layer_log_prob",
    "mmd_gradients",
    "small_multiples",
    "subset_fids",
    "warp",
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


# Chapter 7: the weight-clipping bound δ against the critic's Lipschitz constant --------------


def draw_critic(
    delta: float,
    ax: Axes | None = None,
    *,
    sweep: Mapping[float, Mapping[str, Any]],
    bounds: tuple[tuple[float, float], tuple[float, float]],
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
    if delta not in sweep:
        raise ValueError(
            f"delta must be one of the precomputed bounds {sorted(sweep)}, got {delta}"
        )
    run = sweep[delta]
    values = torch.as_tensor(run["critic"]).detach().double().cpu()
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] < 2:
        raise ValueError(f"sweep[{delta}]['critic'] must be an (r, r) grid, got {values.shape}")
    ax = ax if ax is not None else plt.gca()
    r = values.shape[0]
    (x0, x1), (y0, y1) = bounds
    xs = x0 + (x1 - x0) * (np.arange(r) + 0.5) / r
    ys = y0 + (y1 - y0) * (np.arange(r) + 0.5) / r
    centred = (values - values.mean()).numpy()
    if centred.max() > centred.min():  # a constant critic has no level sets
        ax.contourf(xs, ys, centred, levels=10, cmap="Blues", alpha=0.8)
    samples = torch.as_tensor(run["samples"])[:n_show].detach().float().cpu().numpy()
    ax.scatter(samples[:, 0], samples[:, 1], s=1, c="C3")
    if centres is not None:
        ax.scatter(*centres.detach().cpu().T.numpy(), marker="x", c="k", s=15)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal")
    modes = ""
    if "modes" in run and centres is not None:
        modes = f", {run['modes']:.0f}/{len(centres)} modes"
    ax.set_title(
        f"δ = {delta:g}: Lipschitz ≈ {run['lipschitz']:.2g}\n"
        f"critic gap {run['gap']:.2g}, $W_1$ = {run['w1']:.2f}{modes}",
        fontsize=9,
    )
    return ax


# Chapter 4: a flow's density after t of its layers -------------------------------------------


def draw_layers(
    t: int,
    ax: Axes | None = None,
    *,
    flow: Any,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    valid: torch.Tensor,
    lines: int = 9,
    resolution: int = 90,
) -> Axes:
    """The density P_t after the first ``t`` layers of ``flow`` (:func:`layer_log_prob`) on
    ``bounds``, with the image under those layers of a grid of Q's plane (lines at −2, …, 2);
    the title gives the held-out NLL −mean log P_t(``valid``)."""
    from .plot import density_heatmap

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
    (x0, x1), (y0, y1) = bounds
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xticks=[], yticks=[])
    ax.set_title(f"after {t} of {len(flow.layers)} layers: NLL {nll:.2f}", fontsize=9)
    return ax


# Chapter 8: the FID's sample size n ----------------------------------------------------------


def subset_fids(
    n: int,
    *,
    features: torch.Tensor,
    reference_fit: tuple[torch.Tensor, torch.Tensor],
    repeats: int = 8,
    seed: int | torch.Generator | None = 0,
) -> torch.Tensor:
    """The Fréchet distance between the Gaussian fit of ``repeats`` random subsets of n rows of
    ``features`` ``(N, d)`` (drawn without replacement; ``seed``: the package's randomness
    argument, an int, a ``torch.Generator`` or None) and ``reference_fit`` = (mean ``(d,)``,
    covariance ``(d, d)``): shape ``(repeats,)``, float64."""
    from .metrics import frechet_distance, gaussian_fit

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= len(features):
        raise ValueError(f"n must be an integer in [2, {len(features)}] (the rows), got {n}")
    generator = make_generator(seed)
    values = []
    for _ in range(repeats):
        rows = torch.randperm(len(features), generator=generator)[:n].to(features.device)
        values.append(frechet_distance(*gaussian_fit(features[rows]), *reference_fit))
    return torch.tensor(values, dtype=torch.float64)


def draw_fid_n(
    n: int,
    ax: Axes | None = None,
    *,
    features: dict[str, torch.Tensor],
    reference_fit: tuple[torch.Tensor, torch.Tensor],
    curves: dict[str, Any],
    repeats: int = 8,
    n_range: tuple[int, int] = (90, 5760),
) -> Axes:
    """For each model (a key of ``features``, its samples' features): the FID of ``repeats``
    subsets of n samples (:func:`subset_fids`, dots) against the fitted FID∞ + b/n of
    ``curves[name]`` (a :class:`gencourse.metrics.FrechetCurve`, dashed) and FID∞ (dotted)."""
    ax = ax if ax is not None else plt.gca()
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
