"""Tests of gencourse.explore: the experiments' helpers and drawing functions."""

import math

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest
import torch
from scipy import linalg, optimize, stats

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gencourse import classical, data, explore, flows, metrics  # noqa: E402


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


def test_draw_critic_draws_the_level_sets_the_right_way_round():
    # f(x, y) = 3x on the grid of plot.grid_points: its level sets are vertical lines, so each
    # filled band lies between two levels in x and spans the window in y (a transposed grid would
    # give horizontal bands); the title reports the sweep's numbers
    from matplotlib.contour import ContourSet

    from gencourse.plot import grid_points

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
    ax = explore.draw_critic(0.01, sweep={0.01: run}, bounds=window, centres=centres)
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
        explore.draw_critic(0.1, sweep={0.01: run}, bounds=window)
    with pytest.raises(ValueError, match="grid"):
        explore.draw_critic(0.01, sweep={0.01: {**run, "critic": torch.zeros(5)}}, bounds=window)


def _small_flow():
    torch.manual_seed(0)
    flow = flows.real_nvp(2, n_couplings=3, hidden=8, device="cpu").double()
    with torch.no_grad():  # random conditioners (a fresh coupling is the identity)
        for p in flow.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return flow


def test_layer_log_prob_against_the_autograd_jacobian_of_the_first_layers():
    # log P_t(z_t) = log Q(z_0) − log|det ∂z_t/∂z_0|, the Jacobian of warp by autograd
    flow = _small_flow()
    z0 = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    log_q = torch.from_numpy(stats.multivariate_normal(mean=[0, 0]).logpdf(z0.numpy()))
    for t in range(len(flow.layers) + 1):
        x = explore.warp(flow, t, z0)
        jacobians = [
            torch.autograd.functional.jacobian(lambda v, t=t: explore.warp(flow, t, v[None])[0], v)
            for v in z0
        ]
        log_det = torch.stack([torch.linalg.slogdet(j)[1] for j in jacobians])
        assert torch.allclose(explore.layer_log_prob(flow, t, x), log_q - log_det, atol=1e-10)
    x = torch.randn(5, 2, dtype=torch.float64)
    assert torch.allclose(explore.layer_log_prob(flow, 3, x), flow.log_prob(x), atol=1e-12)
    assert torch.allclose(explore.warp(flow, 3, z0), flow(z0)[0], atol=1e-12)
    for bad in (-1, 4, 1.5):
        with pytest.raises(ValueError, match="t must be"):
            explore.layer_log_prob(flow, bad, x)
    with pytest.raises(TypeError, match="flow"):
        explore.warp(torch.nn.Linear(2, 2), 1, x)


def test_draw_layers_reports_the_held_out_nll():
    # a float32 flow, with points in the default dtype (float64 under --dtype float64): the
    # drawing function casts them to the flow's dtype
    flow = _small_flow().float()
    valid = torch.randn(50, 2)
    ax = explore.draw_layers(2, flow=flow, bounds=((-3, 3), (-3, 3)), valid=valid, resolution=20)
    with torch.no_grad():
        nll = -float(explore.layer_log_prob(flow, 2, valid.float()).mean())
    assert ax.get_title() == f"after 2 of 3 layers: NLL {nll:.2f}"
    assert len(ax.lines) == 2 * 9, "the images of 9 horizontal and 9 vertical lines"
    plt.close("all")


def test_subset_fids_against_scipy_on_the_same_subsets():
    g = torch.Generator().manual_seed(0)
    features = torch.randn(300, 4, generator=g, dtype=torch.float64) @ torch.randn(
        4, 4, generator=g, dtype=torch.float64
    )
    reference = torch.randn(500, 4, generator=g, dtype=torch.float64) + 1.0
    mean_r, cov_r = reference.mean(0).numpy(), np.cov(reference.numpy().T)
    fit = (torch.from_numpy(mean_r), torch.from_numpy(cov_r))
    values = explore.subset_fids(40, features=features, reference_fit=fit, repeats=3, seed=2)
    subsets = torch.Generator().manual_seed(2)  # the subsets the function draws
    for value in values:
        x = features[torch.randperm(300, generator=subsets)[:40]].numpy()
        mean_x, cov_x = x.mean(0), np.cov(x.T)
        root = linalg.sqrtm(cov_x @ cov_r).real
        ref = ((mean_x - mean_r) ** 2).sum() + np.trace(cov_x + cov_r - 2 * root)
        assert float(value) == pytest.approx(ref, rel=1e-8)
    with pytest.raises(ValueError, match="n must be"):
        explore.subset_fids(301, features=features, reference_fit=fit)


def test_draw_fid_n_draws_each_model():
    g = torch.Generator().manual_seed(0)
    features = {"a": torch.randn(200, 3, generator=g), "b": torch.randn(200, 3, generator=g) + 1}
    reference = torch.randn(300, 3, generator=g)
    curves = {k: metrics.frechet_curve(v, reference, (50, 100)) for k, v in features.items()}
    ax = explore.draw_fid_n(
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
    ax = explore.draw_critic_steps(5, ax, runs=runs, centres=ring.centres, bounds=window)
    assert len(ax.collections) == 3 + 1, "one scatter per seed, and the centres"
    assert ax.get_title() == "m = 5: W1 0.05–0.30\nmodes per seed: 8, 8, 6 of 8"
    with pytest.raises(ValueError, match="precomputed"):
        explore.draw_critic_steps(1, ax=ax, runs=runs, centres=ring.centres, bounds=window)
    with pytest.raises(ValueError, match="must hold"):
        explore.draw_critic_steps(
            5, ax=ax, runs={5: {"w1": [0.1]}}, centres=ring.centres, bounds=window
        )
    plt.close("all")
