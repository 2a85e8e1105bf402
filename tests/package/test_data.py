import math

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import logsumexp

from gencourse import data

TOY_NAMES = sorted(data.TOYS)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toys_sample_reproducibly(name):
    rho = data.toy(name)
    x = rho.sample(500, seed=3)
    assert x.shape == (500, 2) and x.dtype == torch.get_default_dtype() and x.device.type == "cpu"
    assert torch.equal(x, rho.sample(500, seed=3))
    assert not torch.equal(x, rho.sample(500, seed=4))
    (x0, x1), (y0, y1) = rho.bounds
    inside = ((x[:, 0] > x0) & (x[:, 0] < x1) & (x[:, 1] > y0) & (x[:, 1] < y1)).float().mean()
    assert inside > 0.99, f"{name}: the plotting window should hold almost all samples"


def test_ring_and_grid_follow_the_mode_collapse_protocol():
    ring, grid = data.ring(), data.grid()
    assert ring.n_modes == 8 and torch.allclose(ring.centres.norm(dim=1), torch.ones(8))
    assert torch.allclose(ring.stds, torch.full((8,), 0.01, dtype=torch.float64))
    assert grid.n_modes == 25
    assert sorted(set(grid.centres[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert torch.allclose(grid.stds, torch.full((25,), 0.05, dtype=torch.float64))
    # samples sit within a few std of their nearest centre
    x = grid.sample(2500, seed=0)
    nearest = torch.cdist(x, grid.centres).min(dim=1).values
    assert float(nearest.max()) < 6 * 0.05


def test_gaussian_mixture_log_prob_matches_scipy():
    means = torch.tensor([[0.0, 1.0, -1.0], [2.0, 0.0, 0.5]])
    stds = torch.tensor([0.5, 1.5])
    weights = torch.tensor([0.3, 0.7])
    mix = data.GaussianMixture(means, stds, weights)
    x = mix.sample(200, seed=0)
    reference = logsumexp(
        [
            np.log(w) + stats.multivariate_normal(m.numpy(), s**2 * np.eye(3)).logpdf(x.numpy())
            for m, s, w in zip(means, stds.numpy(), weights.numpy())
        ],
        axis=0,
    )
    np.testing.assert_allclose(mix.log_prob(x).numpy(), reference, rtol=1e-5, atol=1e-5)


def test_gaussian_mixture_samples_have_the_right_moments():
    mix = data.GaussianMixture(
        torch.tensor([[-2.0, 0.0], [2.0, 0.0]]), 1.0, torch.tensor([0.25, 0.75])
    )
    x = mix.sample(200_000, seed=0).double()
    # mean = Σ π_k m_k, var of x_1 = 1 + Σ π_k m_k² − (Σ π_k m_k)²
    assert abs(float(x[:, 0].mean()) - 1.0) < 0.02
    assert abs(float(x[:, 0].var()) - (1 + 4 - 1)) < 0.05
    assert abs(float(x[:, 1].var()) - 1.0) < 0.02


def test_checkerboard_density_is_exact():
    board = data.Checkerboard()
    x = board.sample(20_000, seed=0)
    assert torch.all(board.log_prob(x) == -math.log(32.0))
    # the density integrates to 1: 8 dark squares of area 4
    u = 8 * torch.rand(200_000, 2, generator=torch.Generator().manual_seed(1)) - 4
    assert abs(float(board.log_prob(u).exp().mean() * 64) - 1) < 0.01
    assert float(board.log_prob(torch.tensor([[5.0, 0.0]]))) == -math.inf


def test_gaussian_pair_modes_are_separated_in_every_dimension():
    for d in (1, 4, 16):
        pair = data.gaussian_pair(d, separation=4.0)
        assert pair.dim == d
        assert abs(float((pair.centres[0] - pair.centres[1]).norm()) - 4.0) < 1e-5


def test_digits_split_is_stratified_and_disjoint():
    train_x, train_y = data.digits("train", device="cpu")
    test_x, test_y = data.digits("test", device="cpu")
    assert train_x.shape[1:] == (8, 8) and train_x.shape[0] + test_x.shape[0] == 1797
    assert set(torch.unique(train_x).tolist()) <= set(range(17))
    assert torch.bincount(test_y, minlength=10).min() >= 30
    flat_train = {tuple(v) for v in train_x.reshape(-1, 64).int().tolist()}
    overlap = sum(tuple(v) in flat_train for v in test_x.reshape(-1, 64).int().tolist())
    assert overlap < 5  # a handful of exact duplicates exist in the raw data set


def test_dequantize_round_trips_and_fills_the_cells():
    images, _ = data.digits("test", device="cpu")
    y = data.dequantize(images, seed=0)
    assert float(y.min()) >= 0 and float(y.max()) < 1
    assert torch.equal(data.quantize(y), images)
    # the noise inside one cell is uniform: its mean is 1/2 cell
    frac = y * data.DIGIT_LEVELS - images
    assert abs(float(frac.mean()) - 0.5) < 0.01


def test_one_pixel_shifts_move_every_pixel_by_one_and_fill_with_the_background():
    images = torch.arange(1.0, 1 + 2 * 3 * 4).reshape(2, 3, 4)
    out = data.one_pixel_shifts(images)
    assert out.shape == (10, 3, 4) and torch.equal(out[:2], images)
    right, left, down, up = out[2:4], out[4:6], out[6:8], out[8:10]
    assert torch.equal(right[:, :, 1:], images[:, :, :-1]) and bool((right[:, :, 0] == 0).all())
    assert torch.equal(left[:, :, :-1], images[:, :, 1:]) and bool((left[:, :, -1] == 0).all())
    assert torch.equal(down[:, 1:], images[:, :-1]) and bool((down[:, 0] == 0).all())
    assert torch.equal(up[:, :-1], images[:, 1:]) and bool((up[:, -1] == 0).all())
    diagonal = data.one_pixel_shifts(images, diagonal=True)
    assert diagonal.shape == (18, 3, 4) and torch.equal(diagonal[:10], out)
    assert torch.equal(diagonal[10:12, 1:, 1:], images[:, :-1, :-1])  # down and right
    with pytest.raises(ValueError, match="height, width"):
        data.one_pixel_shifts(images.reshape(2, 12))


def test_bits_per_dim_of_the_uniform_model_is_log2_levels():
    log_prob = torch.zeros(5)  # uniform density on [0, 1)^64
    assert torch.allclose(data.bits_per_dim(log_prob, 64), torch.full((5,), math.log2(17)))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: data.ring(n_modes=0), ValueError, "n_modes"),
        (lambda: data.ring(std=-1.0), ValueError, "std"),
        (lambda: data.grid(side=2.5), TypeError, "side"),
        (lambda: data.TwoMoons().sample(0), ValueError, "n"),
        (lambda: data.TwoMoons().sample(10, seed=-2), ValueError, "seed"),
        (lambda: data.toy("spiral"), ValueError, "name"),
        (
            lambda: data.GaussianMixture(torch.zeros(2, 2), weights=torch.tensor([0.5, 0.6])),
            ValueError,
            "sum to 1",
        ),
        (lambda: data.GaussianMixture(torch.zeros(2, 2), stds=torch.ones(3)), ValueError, "stds"),
        (lambda: data.ring().log_prob(torch.zeros(4, 3)), ValueError, "2 columns"),
        (
            lambda: data.ring().log_prob(torch.zeros(4, 2, dtype=torch.int64)),
            TypeError,
            "floating",
        ),
        (lambda: data.ring().log_prob(torch.tensor([[0.0, float("nan")]])), ValueError, "finite"),
        (lambda: data.ring().log_prob([[0.0, 0.0]]), TypeError, "torch.Tensor"),
        (lambda: data.digits("validation"), ValueError, "split"),
        (lambda: data.dequantize(torch.tensor([0.5])), ValueError, "integer"),
        (lambda: data.dequantize(torch.tensor([17.0])), ValueError, "levels"),
        (lambda: data.bits_per_dim(torch.zeros(2), 0), ValueError, "dim"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
