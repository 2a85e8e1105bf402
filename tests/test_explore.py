"""Tests of gencourse.explore: the experiments' helpers and drawing functions."""

import math

import ipywidgets as widgets
import matplotlib
import pytest
import torch
from scipy import optimize, stats

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gencourse import classical, data, explore  # noqa: E402


def test_small_multiples_draws_one_panel_per_value():
    seen = []

    def draw(value, ax, *, offset):
        seen.append(value + offset)
        ax.plot([0, 1], [value, value])
        return ax

    fig = explore.small_multiples(draw, [1, 2, 3], offset=10)
    assert seen == [11, 12, 13] and len(fig.axes) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="values"):
        explore.small_multiples(draw, [])
    with pytest.raises(TypeError, match="draw"):
        explore.small_multiples(None, [1])


def test_explore_redraws_through_the_slider():
    seen = []

    def draw(value, ax, *, offset):
        seen.append(value + offset)
        return ax

    callback = explore.explore(draw, widgets.IntSlider(value=2, min=0, max=5), offset=1)
    assert seen == [3], "interact draws once at the slider's initial value"
    callback.widget.children[0].value = 4
    assert seen[-1] == 5
    plt.close("all")
    with pytest.raises(TypeError, match="slider"):
        explore.explore(draw, 3, offset=1)


def test_bend_inverse_against_brentq_and_the_density_integrates_to_one():
    x = torch.linspace(-4, 4, 9, dtype=torch.float64)
    for a in (-0.8, 0.0, 3.0):
        w = explore.bend_inverse(x, a)
        ref = [
            optimize.brentq(lambda t, a=a, v=v: t + a / 3 * math.tanh(3 * t) - v, -9, 9) for v in x
        ]
        assert torch.allclose(w, torch.tensor(ref, dtype=torch.float64), atol=1e-10)
        grid = torch.linspace(-12, 12, 20001, dtype=torch.float64)
        z = explore.bend_inverse(grid, a)
        density = torch.from_numpy(stats.norm.pdf(z.numpy())) / (1 + a / torch.cosh(3 * z) ** 2)
        assert abs(float(torch.trapezoid(density, grid)) - 1) < 1e-6
    with pytest.raises(ValueError, match="a must be"):
        explore.bend_inverse(x, -1.0)


def test_drawing_functions_draw():
    fig, axes = plt.subplots(1, 3)
    explore.draw_bend(2.0, ax=axes[0], z=torch.randn(1000, dtype=torch.float64))
    assert "a = 2" in axes[0].get_title()
    x, y = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    explore.draw_plan(2, ax=axes[1], x=x, y=y)
    assert len(axes[1].lines) == 5, "uniform weights, equal sizes: a permutation, five edges"
    ring = data.ring(n_modes=4, radius=1.5, std=0.5)
    runs = {0.1: (ring.sample(50, seed=0), ring.sample(50, seed=1), 0.9)}
    window = ((-3.0, 3.0), (-3.0, 3.0))
    explore.draw_chains(0.1, ax=axes[2], runs=runs, log_density=ring.log_prob, bounds=window)
    assert "0.90" in axes[2].get_title()
    with pytest.raises(ValueError, match="precomputed"):
        explore.draw_chains(0.3, ax=axes[2], runs=runs, log_density=ring.log_prob, bounds=window)
    plt.close(fig)


def test_draw_kde_reports_the_held_out_log_likelihood():
    g = torch.Generator().manual_seed(0)
    x, x_test = torch.randn(200, 2, generator=g), torch.randn(100, 2, generator=g)
    window = ((-3.0, 3.0), (-3.0, 3.0))
    ax = explore.draw_kde(0.0, x=x, x_test=x_test, bounds=window, resolution=20)
    heldout = float(classical.KDE(1.0).fit(x).log_prob(x_test).mean())
    assert ax.get_title() == f"h = 1.000: held-out log-lik. {heldout:.2f}"
    plt.close("all")


def test_mmd_gradients_peak_at_the_kernel_width():
    # closed form on the parallel lines: dMMD²/dθ = 2 c_h θ e^{−θ²/2h²} / h², largest at |θ| = h
    g = torch.Generator().manual_seed(0)
    n = 400
    segment0 = torch.stack([torch.zeros(n), torch.rand(n, generator=g)], 1).double()
    z = torch.rand(n, generator=g).double()
    thetas = torch.linspace(0.1, 1.5, 15, dtype=torch.float64)
    grads = explore.mmd_gradients(0.5, thetas, segment0=segment0, z=z)
    shape = thetas * torch.exp(-(thetas**2) / (2 * 0.5**2))
    assert float(thetas[grads.argmax()]) == pytest.approx(0.5)
    assert torch.allclose(grads / grads.max(), shape / shape.max(), atol=0.05)


def test_draw_critic_steps_draws_every_seed_and_reports_its_runs():
    ring = data.ring()
    samples = torch.stack([ring.sample(100, seed=s) for s in range(3)])
    runs = {5: {"samples": samples, "w1": [0.3, 0.05, 0.12], "modes": [8, 8, 6]}}
    window = ((-1.5, 1.5), (-1.5, 1.5))
    ax = explore.draw_critic_steps(5, runs=runs, centres=ring.centres, bounds=window)
    assert len(ax.collections) == 3 + 1, "one scatter per seed, and the centres"
    assert ax.get_title() == "m = 5: W1 0.05–0.30\nmodes per seed: 8, 8, 6 of 8"
    with pytest.raises(ValueError, match="precomputed"):
        explore.draw_critic_steps(1, ax=ax, runs=runs, centres=ring.centres, bounds=window)
    with pytest.raises(ValueError, match="must hold"):
        explore.draw_critic_steps(
            5, ax=ax, runs={5: {"w1": [0.1]}}, centres=ring.centres, bounds=window
        )
    plt.close("all")
