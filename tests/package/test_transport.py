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


def test_entropic_ot_is_the_primal_value_of_pots_plan():
    # the dual value Σ a f + Σ b g returned, against the primal ⟨π, C⟩ + ε KL(π | a ⊗ b) of the
    # plan that ot.sinkhorn computes (strong duality), and W2² ≤ OT_ε ≤ W2² + ε log n
    import ot
    from scipy.special import rel_entr

    x, y = _points(30, 2, 20), 0.5 * _points(30, 2, 21) + 1.0
    a, cost = np.full(30, 1 / 30), torch.cdist(x, y).square().numpy()
    for epsilon in (0.1, 1.0):
        plan = ot.sinkhorn(a, a, cost, epsilon, method="sinkhorn_log", stopThr=1e-12)
        primal = float((plan * cost).sum() + epsilon * rel_entr(plan, np.outer(a, a)).sum())
        value = transport.entropic_ot(x, y, epsilon, tol=1e-12)
        assert value == pytest.approx(primal, rel=1e-8)
        w2_squared = float(ot.emd2(a, a, cost))
        assert w2_squared <= value <= w2_squared + epsilon * math.log(30)


def test_sinkhorn_divergence_limits():
    import ot

    x, y = _points(25, 2, 22), 0.5 * _points(25, 2, 23) + torch.tensor([1.0, -0.5])
    a = np.full(25, 1 / 25)
    w2_squared = float(ot.emd2(a, a, torch.cdist(x, y).square().numpy()))
    assert transport.sinkhorn_divergence(x, x, 1.0) == 0.0  # S_ε(α, α) = 0 ...
    assert transport.entropic_ot(x, x, 1.0) > 0.1  # ... while OT_ε(α, α) > 0
    # ε → 0: each OT_ε lies in [W2², W2² + ε log n] (OT_ε(α, α) in [0, ε log n]), so
    # |S_ε − W2²| ≤ ε log n
    for epsilon in (0.5, 1.0):
        value = transport.sinkhorn_divergence(x, y, epsilon)
        assert abs(value - w2_squared) <= epsilon * math.log(25)
    # ε → ∞: S_ε → ‖E x − E y‖², the MMD of the kernel −‖x − y‖², at rate O(1/ε)
    large = transport.sinkhorn_divergence(x, y, 1e4)
    assert large == pytest.approx(float((x.mean(0) - y.mean(0)).square().sum()), rel=1e-3)
    assert 0 < large < value


def test_sliced_wasserstein_against_pot_with_the_same_projections():
    import ot

    x, y = _points(40, 3, 26), 0.7 * _points(40, 3, 27) + 0.5
    for p in (1, 2):
        value = transport.sliced_wasserstein(x, y, p=p, n_projections=30, seed=3)
        directions = torch.randn(
            3, 30, generator=torch.Generator().manual_seed(3), dtype=torch.float64
        )
        directions /= directions.norm(dim=0)
        reference = ot.sliced_wasserstein_distance(
            x.numpy(), y.numpy(), projections=directions.numpy(), p=p
        )
        assert float(value) == pytest.approx(float(reference), rel=1e-10)
        assert float(transport.sliced_wasserstein(x, y, p=p, projections=directions)) == float(
            value
        )
    # SW_2 ≤ W_2, and a translation by t gives the mean of ⟨θ_l, t⟩² exactly
    assert float(transport.sliced_wasserstein(x, y, seed=0)) <= losses.wasserstein(x, y, p=2)
    shift = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)
    translated = transport.sliced_wasserstein(x, x + shift, projections=directions)
    assert float(translated) ** 2 == pytest.approx(float((shift @ directions).square().mean()))


def test_sliced_wasserstein_is_differentiable():
    x = _points(10, 2, 28).requires_grad_()
    transport.sliced_wasserstein(x, x.detach() + 1.0, seed=0).backward()
    assert x.grad is not None and bool(torch.isfinite(x.grad).all())


def test_entropic_and_sliced_reject_bad_inputs():
    x, y = _points(4, 2, 0), _points(4, 2, 1)
    with pytest.raises(ValueError, match="epsilon must"):
        transport.sinkhorn_divergence(x, y, 0.0)
    with pytest.raises(TypeError, match="epsilon must"):
        transport.entropic_ot(x, y, "1")
    with pytest.raises(ValueError, match="a must be positive"):
        transport.entropic_ot(x, y, 1.0, a=[0.5, 0.5, 0.0, 0.0])
    with pytest.raises(ValueError, match="same number of points"):
        transport.sliced_wasserstein(x, _points(5, 2, 1))
    with pytest.raises(ValueError, match="unit columns"):
        transport.sliced_wasserstein(x, y, projections=torch.ones(2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="shape \\(d, L\\)"):
        transport.sliced_wasserstein(x, y, projections=torch.eye(3, dtype=torch.float64))
