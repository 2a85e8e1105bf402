import math

import pytest
import torch
from scipy import stats

from gencourse import triangular


def test_gaussian_map_is_the_inverse_cholesky_factor() -> None:
    # N(0, Σ), Σ = L Lᵀ with L lower triangular: the increasing triangular map is T(x) = L⁻¹ x
    cov = torch.tensor([[1.0, 0.8], [0.8, 1.0]], dtype=torch.float64)
    chol = torch.linalg.cholesky(cov)
    precision = torch.linalg.inv(cov)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=g, dtype=torch.float64) @ chol.T
    t = triangular.knothe_rosenblatt(
        lambda y: -0.5 * ((y @ precision) * y).sum(1), x, ((-7, 7), (-7, 7)), resolution=600
    )
    expected = torch.linalg.solve_triangular(chol, x.T, upper=False).T
    assert (t - expected).abs().max() < 5e-3


def test_banana_map_in_both_orders() -> None:
    # x = (z₁, z₁²/2 + z₂/2): in the order (x₁, x₂) the map is z itself; in the order (x₂, x₁)
    # it is another map, which still sends the points to N(0, I) (scipy's Kolmogorov–Smirnov)
    g = torch.Generator().manual_seed(1)
    z = torch.randn(500, 2, generator=g, dtype=torch.float64)
    x = torch.stack([z[:, 0], z[:, 0] ** 2 / 2 + z[:, 1] / 2], 1)

    def log_density(y: torch.Tensor) -> torch.Tensor:
        return -0.5 * y[:, 0] ** 2 - 2 * (y[:, 1] - y[:, 0] ** 2 / 2) ** 2

    bounds = ((-7.0, 7.0), (-4.0, 26.0))
    t = triangular.knothe_rosenblatt(log_density, x, bounds, resolution=800)
    assert (t - z).abs().max() < 0.01
    swapped = triangular.knothe_rosenblatt(
        lambda y: log_density(y.flip(1)), x.flip(1), bounds[::-1], resolution=800
    )
    assert (swapped - z).abs().mean() > 0.3
    for column in swapped.T:
        assert stats.kstest(column.numpy(), "norm").pvalue > 0.01
    assert math.isfinite(float(swapped.sum()))


def test_arguments_are_checked() -> None:
    x = torch.zeros(3, 2)
    box = ((-1.0, 1.0), (-1.0, 1.0))
    with pytest.raises(TypeError, match="log_density"):
        triangular.knothe_rosenblatt(3.0, x, box)
    with pytest.raises(ValueError, match="bounds"):
        triangular.knothe_rosenblatt(lambda y: y[:, 0], x, ((1.0, -1.0), (-1.0, 1.0)))
    with pytest.raises(ValueError, match="inside bounds"):
        triangular.knothe_rosenblatt(lambda y: y[:, 0], x + 5, box)
    with pytest.raises(ValueError, match="x"):
        triangular.knothe_rosenblatt(lambda y: y[:, 0], torch.zeros(3, 3), box)
