import math

import pytest
import torch

from gencourse import data, metrics


def test_every_mode_covered_evenly():
    ring = data.ring()
    samples = ring.sample(2500, seed=0, device="cpu")
    stats = metrics.mode_statistics(samples, ring.centres, 0.01)
    assert stats.modes_captured == 8 and stats.n_modes == 8
    assert stats.high_quality > 0.98  # within 3σ in 2D: P(χ²₂ ≤ 9) = 1 − e^{−4.5} ≈ 0.989
    assert stats.kl_to_uniform < 0.01 and sum(stats.counts) == round(stats.high_quality * 2500)


def test_a_single_mode_gives_one_capture_and_kl_log_k():
    grid = data.grid()
    centre = grid.centres[7]
    samples = centre + 0.05 * torch.randn(2500, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    stats = metrics.mode_statistics(samples, grid.centres, 0.05)
    assert stats.modes_captured == 1 and stats.counts[7] > 2400
    assert abs(stats.kl_to_uniform - math.log(25)) < 1e-9


def test_pure_noise_is_low_quality():
    grid = data.grid()
    noise = 10 * torch.rand(2500, 2, generator=torch.Generator().manual_seed(1)) - 5
    stats = metrics.mode_statistics(noise, grid.centres, 0.05)
    # a 3σ disc covers π·0.15² of each 4 unit² cell: about 1.8% of uniform noise lands in one
    assert stats.high_quality < 0.04
    assert stats.kl_to_uniform < 0.05  # nearest-mode shares of uniform noise are nearly even


def test_threshold_controls_quality():
    ring = data.ring()
    samples = ring.sample(2500, seed=2, device="cpu")
    strict = metrics.mode_statistics(samples, ring.centres, 0.01, threshold=1.0)
    assert abs(strict.high_quality - (1 - math.exp(-0.5))) < 0.03  # P(χ²₂ ≤ 1)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((torch.zeros(10, 3), torch.zeros(4, 2), 0.1), {}, ValueError, "2 columns"),
        ((torch.full((10, 2), float("nan")), torch.zeros(4, 2), 0.1), {}, ValueError, "finite"),
        ((torch.zeros(10, 2), torch.zeros(4, 2), 0.0), {}, ValueError, "std"),
        ((torch.zeros(10, 2), torch.zeros(4, 2), 0.1), {"threshold": -1.0}, ValueError, "threshold"),
        ((torch.zeros(10, 2, dtype=torch.long), torch.zeros(4, 2), 0.1), {}, TypeError, "floating"),
    ],
)
def test_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        metrics.mode_statistics(*args, **kwargs)
