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


@pytest.mark.parametrize("p", [1, 2, 3])
def test_kantorovich_potentials_dual_equals_the_primal_w_p(p):
    x, y = _points(9, 2, 10), 0.5 * _points(7, 2, 11) + 1.0
    a = torch.tensor([0.2, 0.05, 0.1, 0.1, 0.15, 0.1, 0.1, 0.1, 0.1], dtype=torch.float64)
    value, f, g = transport.kantorovich_potentials(x, y, p=p, a=a)
    plan, w_p = transport.transport_plan(x, y, p=p, a=a)  # POT's network simplex: the primal
    assert value == pytest.approx(w_p**p, rel=1e-8)
    cost = torch.cdist(x, y).pow(p)
    slack = cost - f[:, None] - g[None, :]
    assert float(slack.min()) >= -1e-9  # feasible: f(x) + g(y) ≤ ‖x − y‖^p
    assert float(slack[plan > 1e-12].abs().max()) < 1e-8  # complementary slackness on the plan
    # each potential is the c-transform of the other where there is mass: g_j = min_i c_ij − f_i
    torch.testing.assert_close(g, (cost - f[:, None]).min(0).values, rtol=0, atol=1e-8)
    assert f[0] == 0


def test_kantorovich_potentials_against_pot_duals():
    import ot

    x, y = _points(12, 3, 12), _points(10, 3, 13) + 0.7
    value, _, _ = transport.kantorovich_potentials(x, y, p=2)
    cost = torch.cdist(x, y).square().numpy()
    a, b = np.full(12, 1 / 12), np.full(10, 1 / 10)
    _, log = ot.emd(a, b, cost, log=True)
    assert value == pytest.approx(float(a @ log["u"] + b @ log["v"]), rel=1e-8)
    assert value == pytest.approx(losses.wasserstein(x, y, p=2) ** 2, rel=1e-8)


def test_one_lipschitz_dual_is_w1_not_w2():
    # the slide's "duality holds for W_n": the sup over 1-Lipschitz f is W_1 whatever p
    x, y = _points(10, 2, 14), 2.0 * _points(10, 2, 15) + 1.0
    w1_dual = transport.kantorovich_dual(x, y)[0]
    w2_squared = transport.kantorovich_potentials(x, y, p=2)[0]
    assert w1_dual == pytest.approx(transport.kantorovich_potentials(x, y, p=1)[0], rel=1e-8)
    assert w1_dual < math.sqrt(w2_squared) - 0.05 and w1_dual != pytest.approx(
        w2_squared, rel=0.05
    )


def test_kantorovich_potentials_rejects_bad_inputs():
    with pytest.raises(ValueError, match="n·m ≤ 250000"):
        transport.kantorovich_potentials(_points(600, 2, 0), _points(500, 2, 1))
    with pytest.raises(ValueError, match="p must"):
        transport.kantorovich_potentials(_points(3, 2, 0), _points(3, 2, 1), p=0)
    with pytest.raises(ValueError, match="sum to 1"):
        transport.kantorovich_potentials(_points(2, 2, 0), _points(3, 2, 1), a=[0.9, 0.9])
