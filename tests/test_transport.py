import itertools
import math

import numpy as np
import pytest
import torch

from gencourse import losses, transport


def _points(n, d, seed):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_matching_is_the_best_permutation_by_brute_force():
    x, y = _points(7, 2, 0), _points(7, 2, 1)
    permutation, distance = transport.optimal_matching(x, y)
    best = min(
        float(((x - y[list(p)]) ** 2).sum(1).mean()) for p in itertools.permutations(range(7))
    )
    assert distance == pytest.approx(math.sqrt(best), rel=1e-12)
    assert sorted(permutation.tolist()) == list(range(7))
    assert float(((x - y[permutation]) ** 2).sum(1).mean()) == pytest.approx(best, rel=1e-12)


def test_matching_equals_w2_of_the_empirical_measures():
    # Birkhoff: with equal uniform weights an optimal coupling can be taken to be a permutation
    x, y = _points(40, 3, 2), _points(40, 3, 3)
    assert transport.optimal_matching(x, y)[1] == pytest.approx(
        losses.wasserstein(x, y, p=2), rel=1e-9
    )


def test_plan_has_the_marginals_and_the_optimal_cost():
    x, y = _points(6, 2, 4), _points(9, 2, 5)
    a = torch.tensor([0.3, 0.1, 0.1, 0.2, 0.2, 0.1], dtype=torch.float64)
    b = torch.full((9,), 1 / 9, dtype=torch.float64)
    plan, w2 = transport.transport_plan(x, y, p=2, a=a, b=b)
    torch.testing.assert_close(plan.sum(1), a)
    torch.testing.assert_close(plan.sum(0), b)
    assert bool((plan >= -1e-15).all())
    assert w2 == pytest.approx(losses.wasserstein(x, y, p=2, a=a, b=b), rel=1e-9)


def test_plan_against_scipy_linprog():
    from scipy.optimize import linprog

    x, y = _points(5, 2, 6), _points(4, 2, 7)
    cost = torch.cdist(x, y).numpy()
    n, m = cost.shape
    equality = np.zeros((n + m, n * m))
    for i in range(n):
        equality[i, i * m : (i + 1) * m] = 1
    for j in range(m):
        equality[n + j, j::m] = 1
    marginals = np.concatenate([np.full(n, 1 / n), np.full(m, 1 / m)])
    reference = linprog(
        cost.ravel(), A_eq=equality, b_eq=marginals, bounds=(0, None), method="highs"
    ).fun
    assert transport.transport_plan(x, y, p=1)[1] == pytest.approx(reference, rel=1e-9)


def test_kantorovich_dual_equals_the_primal_w1_and_is_lipschitz():
    x, y = _points(15, 2, 8), _points(12, 2, 9) + 1.0
    value, fx, fy = transport.kantorovich_dual(x, y)
    assert value == pytest.approx(losses.wasserstein(x, y, p=1), rel=1e-7)
    f, points = torch.cat([fx, fy]), torch.cat([x, y])
    assert bool(((f[:, None] - f[None, :]) <= torch.cdist(points, points) + 1e-9).all())
    assert fx[0] == 0


def test_transport_rejects_bad_inputs():
    with pytest.raises(ValueError, match="same number of points"):
        transport.optimal_matching(_points(3, 2, 0), _points(4, 2, 1))
    with pytest.raises(ValueError, match="2 columns"):
        transport.transport_plan(_points(3, 2, 0), _points(4, 3, 1))
    with pytest.raises(ValueError, match="sum to 1"):
        transport.transport_plan(_points(3, 2, 0), _points(3, 2, 1), a=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="at most 400"):
        transport.kantorovich_dual(_points(300, 2, 0), _points(300, 2, 1))
