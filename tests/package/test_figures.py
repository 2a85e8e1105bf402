"""Tests of gencourse.figures: the chapters' drawing functions and their shared steps."""

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from gencourse import classical, data, figures, metrics  # noqa: E402
from gencourse.figures import _common  # noqa: E402
from gencourse.flows import layer_log_prob  # noqa: E402
from gencourse.plot import grid_points  # noqa: E402


def test_pick_names_the_parameter_and_the_precomputed_keys():
    runs = {0.5: {"a": 1}, 0.1: {"a": 2, "b": 3}}
    assert _common.pick(runs, 0.1, "eta", fields=("a", "b")) == {"a": 2, "b": 3}
    with pytest.raises(
        ValueError, match=r"eta must be one of the precomputed values \[0.1, 0.5\], got 0.2"
    ):
        _common.pick(runs, 0.2, "eta")
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        _common.pick(runs, 0.5, "eta", fields=("a", "b"))


def test_the_shared_steps():
    fig, ax = plt.subplots()
    assert _common.axes(None) is ax and _common.axes(ax) is ax
    values = _common.to_numpy(
        torch.arange(12.0, dtype=torch.float64, requires_grad=True).reshape(6, 2), 4
    )
    assert values.dtype == np.float32 and values.shape == (4, 2)
    _common.frame(ax, ((-1.0, 2.0), (0.0, 3.0)), ticks=False)
    assert ax.get_xlim() == (-1.0, 2.0) and ax.get_ylim() == (0.0, 3.0)
    assert ax.get_aspect() == 1.0 and len(ax.get_xticks()) == 0
    xs, ys = _common.cell_centres(((0.0, 1.0), (0.0, 2.0)), 4)
    assert np.allclose(xs, [0.125, 0.375, 0.625, 0.875]) and np.allclose(ys, 2 * xs)
    with pytest.raises(ValueError, match=r"critic must be an \(r, r\) grid"):
        _common.square_grid(torch.zeros(3, 4), "critic")
    plt.close(fig)


def test_drawing_functions_draw():
    fig, axes = plt.subplots(1, 3)
    figures.draw_bend(2.0, ax=axes[0], z=torch.randn(1000, dtype=torch.float64))
    assert "a = 2" in axes[0].get_title()
    x, y = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    figures.draw_plan(2, ax=axes[1], x=x, y=y)
    assert len(axes[1].lines) == 5, "uniform weights, equal sizes: a permutation, five edges"
    ring = data.ring(n_modes=4, radius=1.5, std=0.5)
    runs = {0.1: (ring.sample(50, seed=0), ring.sample(50, seed=1), 0.9)}
    window = ((-3.0, 3.0), (-3.0, 3.0))
    figures.draw_chains(0.1, ax=axes[2], runs=runs, log_density=ring.log_prob, bounds=window)
    assert "0.90" in axes[2].get_title()
    with pytest.raises(ValueError, match="precomputed"):
        figures.draw_chains(0.3, ax=axes[2], runs=runs, log_density=ring.log_prob, bounds=window)
    plt.close(fig)


def test_draw_kde_reports_the_held_out_log_likelihood():
    g = torch.Generator().manual_seed(0)
    x, x_test = torch.randn(200, 2, generator=g), torch.randn(100, 2, generator=g)
    window = ((-3.0, 3.0), (-3.0, 3.0))
    ax = figures.draw_kde(0.0, x=x, x_test=x_test, bounds=window, resolution=20)
    heldout = float(classical.KDE(1.0).fit(x).log_prob(x_test).mean())
    assert ax.get_title() == f"h = 1.000: held-out log-lik. {heldout:.2f}"
    plt.close("all")


def test_draw_critic_draws_the_level_sets_the_right_way_round():
    # f(x, y) = 3x on the grid of plot.grid_points: its level sets are vertical lines, so each
    # filled band lies between two levels in x and spans the window in y (a transposed grid would
    # give horizontal bands); the title reports the sweep's numbers
    window = ((-1.5, 1.5), (-1.0, 1.0))
    points, _ = grid_points(window, 40)
    run = dict(
        critic=(3 * points[:, 0] + 7.0).reshape(40, 40),
        samples=torch.zeros(10, 2),
        lipschitz=3.0,
        gap=0.123,
        w1=0.456,
        modes=5,
    )
    centres = data.ring().centres
    ax = figures.draw_critic(0.01, sweep={0.01: run}, bounds=window, centres=centres)
    assert ax.get_title() == "δ = 0.01: Lipschitz ≈ 3\ncritic gap 0.12, $W_1$ = 0.46, 5/8 modes"
    (filled,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    levels = filled.levels / 3  # in x: f − mean f = 3x on this symmetric grid
    assert levels[0] <= -1.5 + 3 / 80 and levels[-1] >= 1.5 - 3 / 80
    bands = [p.vertices for p in filled.get_paths() if len(p.vertices)]
    assert len(bands) >= 5
    for lo, hi, band in zip(levels[:-1], levels[1:], filled.get_paths()):
        if len(band.vertices):
            assert (
                lo - 1e-5 <= band.vertices[:, 0].min() and band.vertices[:, 0].max() <= hi + 1e-5
            )
            assert np.ptp(band.vertices[:, 1]) > 1.9
    with pytest.raises(ValueError, match="delta must be one of"):
        figures.draw_critic(0.1, sweep={0.01: run}, bounds=window)
    with pytest.raises(ValueError, match="grid"):
        figures.draw_critic(0.01, sweep={0.01: {**run, "critic": torch.zeros(5)}}, bounds=window)


def test_draw_layers_reports_the_held_out_nll(small_flow):
    # a float32 flow, with points in the default dtype (float64 under --dtype float64): the
    # drawing function casts them to the flow's dtype
    flow = small_flow.float()
    valid = torch.randn(50, 2)
    ax = figures.draw_layers(2, flow=flow, bounds=((-3, 3), (-3, 3)), valid=valid, resolution=20)
    with torch.no_grad():
        nll = -float(layer_log_prob(flow, 2, valid.float()).mean())
    assert ax.get_title() == f"after 2 of 3 layers: NLL {nll:.2f}"
    assert len(ax.lines) == 2 * 9, "the images of 9 horizontal and 9 vertical lines"
    plt.close("all")


def test_draw_fid_n_draws_each_model():
    g = torch.Generator().manual_seed(0)
    features = {"a": torch.randn(200, 3, generator=g), "b": torch.randn(200, 3, generator=g) + 1}
    reference = torch.randn(300, 3, generator=g)
    curves = {k: metrics.frechet_curve(v, reference, (50, 100)) for k, v in features.items()}
    ax = figures.draw_fid_n(
        50,
        features=features,
        reference_fit=metrics.gaussian_fit(reference),
        curves=curves,
        repeats=4,
        n_range=(20, 200),
    )
    assert ax.get_title().startswith("n = 50: bias b/n")
    assert len(ax.get_legend().get_texts()) == 2


def test_draw_critic_steps_draws_every_seed_and_reports_its_runs():
    ring = data.ring()
    samples = torch.stack([ring.sample(100, seed=s) for s in range(3)])
    runs = {5: {"samples": samples, "w1": [0.3, 0.05, 0.12], "modes": [8, 8, 6]}}
    window = ((-1.5, 1.5), (-1.5, 1.5))
    _, ax = plt.subplots()
    ax = figures.draw_critic_steps(5, ax, runs=runs, centres=ring.centres, bounds=window)
    assert len(ax.collections) == 3 + 1, "one scatter per seed, and the centres"
    assert ax.get_title() == "m = 5: W1 0.05–0.30\nmodes per seed: 8, 8, 6 of 8"
    ax = figures.draw_critic_steps(
        5, ax, runs=runs, centres=ring.centres, bounds=window, recipe="wgan-gp"
    )
    assert ax.get_title().startswith("wgan-gp, m = 5: W1 0.05–0.30")
    with pytest.raises(ValueError, match="precomputed"):
        figures.draw_critic_steps(1, ax=ax, runs=runs, centres=ring.centres, bounds=window)
    with pytest.raises(ValueError, match="must hold"):
        figures.draw_critic_steps(
            5, ax=ax, runs={5: {"w1": [0.1]}}, centres=ring.centres, bounds=window
        )
    plt.close("all")
