"""Tests of gencourse.explore: the slider machinery and the mathematics it still holds (the drawing
functions are tested in test_figures.py)."""

import math

import ipywidgets as widgets
import matplotlib
import pytest
import torch
from scipy import optimize, stats

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gencourse import explore, flows, metrics  # noqa: E402


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


def test_explore_still_names_the_drawing_functions():
    from gencourse import figures

    for name in figures.__all__:
        assert getattr(explore, name) is getattr(figures, name)
        assert name in explore.__all__
    assert explore.subset_fids is metrics.subset_fids
    with pytest.raises(AttributeError, match="draw_nothing"):
        explore.draw_nothing  # noqa: B018
