import itertools
import math

import numpy as np
import ot
import pytest
import torch
from scipy import stats
from scipy.spatial.distance import cdist, jensenshannon

from gencourse import data, losses


def randn(n, d, seed):
    return torch.randn(
        n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
    ).float()


# ------------------------------------------------------------------------------ Wasserstein


@pytest.mark.parametrize("p", [1, 2])
def test_w1d_equals_the_sorted_sample_formula_and_pot(p):
    x, y = randn(500, 1, 0), randn(500, 1, 1) * 2 + 1
    sorted_formula = float(
        (torch.sort(x[:, 0].double()).values - torch.sort(y[:, 0].double()).values)
        .abs()
        .pow(p)
        .mean()
    ) ** (1 / p)
    pot_1d = float(ot.wasserstein_1d(x[:, 0].double().numpy(), y[:, 0].double().numpy(), p=p)) ** (
        1 / p
    )
    assert losses.wasserstein_1d(x, y, p=p) == pytest.approx(sorted_formula, rel=1e-10)
    assert losses.wasserstein(x, y, p=p) == pytest.approx(sorted_formula, rel=1e-9)
    assert losses.wasserstein_1d(x, y, p=p) == pytest.approx(pot_1d, rel=1e-6)


def test_wasserstein_with_unequal_sizes_and_weights_matches_pot():
    x, y = randn(40, 3, 2), randn(25, 3, 3) + 0.5
    a = torch.rand(40, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    a /= a.sum()
    cost = ot.dist(x.double().numpy(), y.double().numpy(), metric="sqeuclidean")
    reference = math.sqrt(ot.emd2(a.numpy(), np.full(25, 1 / 25), cost))
    assert losses.wasserstein(x, y, p=2, a=a) == pytest.approx(reference, rel=1e-9)
    x1, y1 = x[:, :1], y[:, :1]
    assert losses.wasserstein_1d(x1, y1, p=1, a=a) == pytest.approx(
        losses.wasserstein(x1, y1, p=1, a=a), rel=1e-9
    )


def test_w2_between_gaussian_samples_approaches_the_closed_form():
    # W2² between N(m1, s1² I) and N(m2, s2² I) in d dims: ‖m1 − m2‖² + d (s1 − s2)²
    d = 2
    x = randn(2000, d, 5)
    y = randn(2000, d, 6) * 1.5 + torch.tensor([1.0, -1.0])
    exact = math.sqrt(2.0 + d * 0.5**2)
    assert losses.wasserstein(x, y, p=2) == pytest.approx(exact, rel=0.05)


def test_wasserstein_is_a_metric_on_samples():
    x, y, z = randn(60, 2, 7), randn(60, 2, 8) + 1, randn(60, 2, 9) - 1
    w = lambda a, b: losses.wasserstein(a, b, p=1)  # noqa: E731
    assert w(x, x) == pytest.approx(0.0, abs=1e-12)
    assert w(x, y) == pytest.approx(w(y, x), rel=1e-12)
    assert w(x, z) <= w(x, y) + w(y, z) + 1e-12


def test_sliced_wasserstein_is_exact_in_1d_and_below_w2():
    x, y = randn(400, 1, 10), randn(400, 1, 11) + 2
    assert float(losses.sliced_wasserstein(x, y, p=2, n_projections=3)) == pytest.approx(
        losses.wasserstein_1d(x, y, p=2), rel=1e-5
    )
    x2, y2 = randn(300, 5, 12), randn(300, 5, 13) + 0.7
    assert float(losses.sliced_wasserstein(x2, y2, p=2)) <= losses.wasserstein(x2, y2, p=2)


# ------------------------------------------------------------------------------------- MMD


def test_unbiased_mmd_averages_to_the_population_value_and_can_be_negative():
    # For an RBF kernel of width h and P = N(0, 1), Q = N(δ, 1) in 1D:
    # E k(x, x') = h / sqrt(h² + 2) and E k(x, y) = h / sqrt(h² + 2) · exp(−δ² / (2 (h² + 2)))
    h, delta = 1.0, 0.5
    c = h / math.sqrt(h * h + 2)
    population = 2 * c - 2 * c * math.exp(-(delta**2) / (2 * (h * h + 2)))
    g = torch.Generator().manual_seed(14)
    draws = [
        float(
            losses.mmd2(
                torch.randn(50, 1, generator=g),
                torch.randn(50, 1, generator=g) + delta,
                bandwidth=h,
            )
        )
        for _ in range(400)
    ]
    assert np.mean(draws) == pytest.approx(population, abs=0.006)
    null = [
        float(
            losses.mmd2(
                torch.randn(30, 1, generator=g), torch.randn(30, 1, generator=g), bandwidth=h
            )
        )
        for _ in range(50)
    ]
    assert min(null) < 0 and abs(np.mean(null)) < 0.01
    biased = [
        float(
            losses.mmd2(
                torch.randn(30, 1, generator=g),
                torch.randn(30, 1, generator=g),
                bandwidth=h,
                unbiased=False,
            )
        )
        for _ in range(50)
    ]
    assert min(biased) >= 0


def test_mmd_of_identical_samples_is_zero_and_symmetric():
    x, y = randn(100, 3, 15), randn(80, 3, 16) + 1
    for kernel in losses.KERNELS:
        assert float(
            losses.mmd2(x, x, kernel=kernel, bandwidth=1.0, unbiased=False)
        ) == pytest.approx(0.0, abs=1e-6)
        assert float(losses.mmd2(x, y, kernel=kernel)) == pytest.approx(
            float(losses.mmd2(y, x, kernel=kernel)), rel=1e-5
        )


def test_median_heuristic_is_the_median_pairwise_distance():
    x, y = randn(30, 2, 17), randn(20, 2, 18)
    z = torch.cat([x, y]).double().numpy()
    reference = np.median(
        [np.linalg.norm(z[i] - z[j]) for i in range(50) for j in range(i + 1, 50)]
    )
    assert losses.median_heuristic(x, y) == pytest.approx(reference, rel=1e-6)


def test_mmd_is_differentiable():
    x = randn(20, 2, 19).requires_grad_(True)
    losses.mmd2(x, randn(20, 2, 20) + 1).backward()
    assert x.grad is not None and bool(torch.isfinite(x.grad).all())


# ------------------------------------------------------------------------- divergences, etc.


def test_js_kl_tv_against_scipy():
    p = torch.tensor([0.1, 0.4, 0.5])
    q = torch.tensor([0.3, 0.3, 0.4])
    assert losses.kl_divergence(p, q) == pytest.approx(
        stats.entropy(p.numpy(), q.numpy()), rel=1e-6
    )
    assert losses.js_divergence(p, q) == pytest.approx(
        jensenshannon(p.numpy(), q.numpy()) ** 2, rel=1e-6
    )
    assert losses.total_variation(p, q) == pytest.approx(0.2)


def test_js_of_disjoint_supports_is_log_2_and_kl_is_infinite():
    p, q = torch.tensor([0.5, 0.5, 0.0, 0.0]), torch.tensor([0.0, 0.0, 0.3, 0.7])
    assert losses.js_divergence(p, q) == pytest.approx(math.log(2))
    assert losses.kl_divergence(p, q) == math.inf
    assert losses.total_variation(p, q) == pytest.approx(1.0)


def test_monte_carlo_kl_and_js_match_closed_forms_and_the_discrete_versions():
    # KL(N(0, 1) ‖ N(1, 2²)) = log 2 + (1 + 1)/8 − 1/2 in closed form
    p = data.GaussianMixture(torch.zeros(1, 1), 1.0)
    q = data.GaussianMixture(torch.ones(1, 1), 2.0)
    x, y = p.sample(200_000, seed=0, device="cpu"), q.sample(200_000, seed=1, device="cpu")
    exact = math.log(2) + 2 / 8 - 0.5
    assert losses.kl_monte_carlo(p.log_prob(x), q.log_prob(x)) == pytest.approx(exact, abs=0.01)
    # JS of two far-apart laws is log 2; of a law with itself, 0
    far = data.GaussianMixture(torch.full((1, 1), 50.0), 1.0)
    z = far.sample(1000, seed=2, device="cpu")
    assert losses.js_monte_carlo(
        p.log_prob(x[:1000]), far.log_prob(x[:1000]), p.log_prob(z), far.log_prob(z)
    ) == pytest.approx(math.log(2))
    assert losses.js_monte_carlo(
        p.log_prob(x), p.log_prob(x), p.log_prob(y), p.log_prob(y)
    ) == pytest.approx(0.0, abs=1e-12)
    # on a finite set, the Monte Carlo JS converges to the discrete one
    a, b = torch.tensor([0.2, 0.5, 0.3]), torch.tensor([0.6, 0.1, 0.3])
    g = torch.Generator().manual_seed(3)
    i, j = (
        torch.multinomial(a, 200_000, True, generator=g),
        torch.multinomial(b, 200_000, True, generator=g),
    )
    mc = losses.js_monte_carlo(a.log()[i], b.log()[i], a.log()[j], b.log()[j])
    assert mc == pytest.approx(losses.js_divergence(a, b), abs=0.005)


def test_moment_distance_is_blind_to_distributions_with_equal_moments():
    # a standard Gaussian and a uniform law with the same mean and variance (U[−√3, √3])
    g = torch.Generator().manual_seed(21)
    gauss = torch.randn(200_000, 1, generator=g)
    uniform = (torch.rand(200_000, 1, generator=g) * 2 - 1) * math.sqrt(3)
    assert losses.moment_distance(gauss, uniform) < 0.02
    assert losses.wasserstein_1d(gauss, uniform) > 0.05
    # ... but not to the fourth moment: E z⁴ = 3 for N(0, 1), 9/5 for U[−√3, √3]
    assert losses.moment_distance(gauss, uniform, order=4) == pytest.approx(1.2, abs=0.1)


def test_moment_distance_is_the_sum_of_the_raw_moment_differences():
    g = torch.Generator().manual_seed(22)
    x, y = torch.randn(500, 2, generator=g).double(), torch.rand(300, 2, generator=g).double()
    xn, yn = x.numpy(), y.numpy()
    second = np.einsum("ni,nj->ij", xn, xn) / len(xn) - np.einsum("ni,nj->ij", yn, yn) / len(yn)
    degree = [
        np.linalg.norm(xn.mean(0) - yn.mean(0)),
        np.linalg.norm(second),
        *(np.linalg.norm((xn**k).mean(0) - (yn**k).mean(0)) for k in (3, 4, 5)),
    ]
    for order in (1, 2, 5):
        assert losses.moment_distance(x, y, order=order) == pytest.approx(
            sum(degree[:order]), rel=1e-10
        )
    with pytest.raises(ValueError, match="order"):
        losses.moment_distance(x, y, order=0)


def test_moment_distance_is_the_supremum_over_its_class_in_1d():
    # F = {Σ_k c_k x^k : |c_k| ≤ 1}: E_x f − E_y f is linear in c, so its supremum over the cube
    # is at one of the 2^K vertices c ∈ {−1, 1}^K; each f is evaluated at the sample points
    g = torch.Generator().manual_seed(23)
    x, y = torch.randn(400, 1, generator=g).double(), torch.rand(300, 1, generator=g).double()
    xn, yn = x[:, 0].numpy(), y[:, 0].numpy()
    order = 4
    vertices = itertools.product((-1.0, 1.0), repeat=order)
    best = max(
        np.polynomial.polynomial.polyval(xn, (0.0, *c)).mean()
        - np.polynomial.polynomial.polyval(yn, (0.0, *c)).mean()
        for c in vertices
    )
    assert losses.moment_distance(x, y, order=order) == pytest.approx(best, rel=1e-10)
    # the class {±x, …, ±x^K} alone gives the largest difference, which is smaller here
    largest = max(abs((xn**k).mean() - (yn**k).mean()) for k in range(1, order + 1))
    assert largest < 0.9 * best


def test_moment_distance_is_the_supremum_over_its_class_in_2d():
    # F = {aᵀx + xᵀBx + cᵀx³ : ‖a‖, ‖B‖_F, ‖c‖ ≤ 1}, each f evaluated at the sample points:
    # random members stay below the loss, the Cauchy–Schwarz maximiser attains it
    g = torch.Generator().manual_seed(24)
    x, y = torch.randn(400, 2, generator=g).double(), torch.rand(300, 2, generator=g).double()
    xn, yn = x.numpy(), y.numpy()
    loss = losses.moment_distance(x, y, order=3)

    def gap(a, b, c):  # E_x f − E_y f with f(x) = aᵀx + xᵀBx + cᵀx³ (cubes coordinate-wise)
        def f(p):
            return p @ a + np.einsum("ni,ij,nj->n", p, b, p) + p**3 @ c

        return f(xn).mean() - f(yn).mean()

    rng = np.random.default_rng(0)
    for _ in range(200):
        a, b, c = rng.normal(size=2), rng.normal(size=(2, 2)), rng.normal(size=2)
        assert gap(a / np.linalg.norm(a), b / np.linalg.norm(b), c / np.linalg.norm(c)) < loss
    da = xn.mean(0) - yn.mean(0)
    db = xn.T @ xn / len(xn) - yn.T @ yn / len(yn)
    dc = (xn**3).mean(0) - (yn**3).mean(0)
    best = gap(da / np.linalg.norm(da), db / np.linalg.norm(db), dc / np.linalg.norm(dc))
    assert best == pytest.approx(loss, rel=1e-10)


def test_twice_tv_is_the_supremum_over_bounded_test_functions():
    # sup_{‖f‖_∞ ≤ 1} (E_p f − E_q f), linear in f: attained at a vertex f = ±1 on each bin
    p, q = np.array([0.1, 0.25, 0.3, 0.35]), np.array([0.3, 0.3, 0.2, 0.2])
    best = max(float(np.dot(f, p - q)) for f in itertools.product((-1.0, 1.0), repeat=len(p)))
    assert 2 * losses.total_variation(p, q) == pytest.approx(best, rel=1e-12)


def test_w1_is_the_supremum_over_1_lipschitz_test_functions_in_1d():
    # f with f′ = sign(F_y − F_x) is 1-Lipschitz and attains E_x f − E_y f = ∫ |F_x − F_y| = W1;
    # f is integrated on a fine grid, and E_x f, E_y f are averages at the sample points
    x, y = randn(300, 1, 30).double(), randn(200, 1, 31).double() * 1.5 + 0.3
    xs, ys = np.sort(x[:, 0].numpy()), np.sort(y[:, 0].numpy())
    t = np.linspace(min(xs[0], ys[0]) - 1, max(xs[-1], ys[-1]) + 1, 400_001)
    cdf_x = np.searchsorted(xs, t, side="right") / len(xs)
    cdf_y = np.searchsorted(ys, t, side="right") / len(ys)
    slope = np.sign(cdf_y - cdf_x)
    f = np.concatenate([[0.0], np.cumsum(slope[:-1] * np.diff(t))])
    gap = np.interp(xs, t, f).mean() - np.interp(ys, t, f).mean()
    assert losses.wasserstein_1d(x, y) == pytest.approx(gap, abs=1e-3)
    assert losses.wasserstein(x, y, p=1) == pytest.approx(gap, abs=1e-3)


def test_sliced_w1_averages_the_projected_w1_and_stays_below_w1():
    x, y = randn(200, 3, 32).double(), randn(200, 3, 33).double() + 0.5
    theta = torch.randn(3, 50, generator=torch.Generator().manual_seed(0)).double()
    theta = theta / theta.norm(dim=0, keepdim=True)  # the directions the loss draws (seed 0)
    average = np.mean([losses.wasserstein_1d(x @ u, y @ u) for u in theta.T])
    sliced = float(losses.sliced_wasserstein(x, y, p=1, n_projections=50, seed=0))
    assert sliced == pytest.approx(average, rel=1e-10)
    assert sliced <= losses.wasserstein(x, y, p=1)


def test_biased_mmd2_is_the_square_of_the_supremum_over_the_rkhs_ball():
    # the witness f = (μ_x − μ_y)/‖μ_x − μ_y‖_H, with μ = (1/n) Σ k(·, x_i), has ‖f‖_H = 1 and
    # attains the supremum; E_x f − E_y f is computed from scipy's distances at the points
    x, y = randn(80, 2, 34).double(), randn(60, 2, 35).double() + 0.4
    xn, yn, h = x.numpy(), y.numpy(), 0.7
    kernel = lambda a, b: np.exp(-cdist(a, b, "sqeuclidean") / (2 * h * h))  # noqa: E731
    weights = np.concatenate([np.full(80, 1 / 80), np.full(60, -1 / 60)])  # μ_x − μ_y
    points = np.concatenate([xn, yn])
    norm = math.sqrt(weights @ kernel(points, points) @ weights)

    def witness(z):
        return kernel(z, points) @ weights / norm

    gap = witness(xn).mean() - witness(yn).mean()
    biased = float(losses.mmd2(x, y, bandwidth=h, unbiased=False))
    assert biased == pytest.approx(gap**2, rel=1e-10)
    for seed in range(20):  # other unit-norm members f = Σ_j w_j k(·, z_j) stay below
        rng = np.random.default_rng(seed)
        z, w = rng.normal(size=(10, 2)), rng.normal(size=10)
        w = w / math.sqrt(w @ kernel(z, z) @ w)
        other = (kernel(xn, z) @ w).mean() - (kernel(yn, z) @ w).mean()
        assert other <= gap


def test_nll_is_the_mean_negative_log_likelihood():
    ring = data.ring(std=0.1)
    x = ring.sample(100, seed=0, device="cpu")
    assert float(losses.nll(ring.log_prob(x))) == pytest.approx(-float(ring.log_prob(x).mean()))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: losses.wasserstein(torch.zeros(3, 2), torch.zeros(3, 3)),
            ValueError,
            "2 columns",
        ),
        (
            lambda: losses.wasserstein(
                torch.zeros(3, 2), torch.zeros(3, 2), a=torch.tensor([0.5, 0.2, 0.2])
            ),
            ValueError,
            "sum to 1",
        ),
        (
            lambda: losses.wasserstein(
                torch.zeros(3, 2), torch.zeros(3, 2), a=torch.tensor([0.5, 0.5])
            ),
            ValueError,
            "3 entries",
        ),
        (
            lambda: losses.wasserstein(torch.zeros(0, 2), torch.zeros(3, 2)),
            ValueError,
            "at least 1",
        ),
        (lambda: losses.wasserstein(torch.zeros(3, 2), torch.zeros(3, 2), p=0), ValueError, "p"),
        (
            lambda: losses.wasserstein_1d(torch.zeros(3, 2), torch.zeros(3, 2)),
            ValueError,
            "one-dimensional",
        ),
        (
            lambda: losses.mmd2(torch.zeros(3, 2), torch.zeros(3, 2), bandwidth=-1.0),
            ValueError,
            "bandwidth",
        ),
        (
            lambda: losses.mmd2(torch.randn(3, 2), torch.randn(3, 2), kernel="cosine"),
            ValueError,
            "kernel",
        ),
        (lambda: losses.mmd2(torch.randn(1, 2), torch.randn(3, 2)), ValueError, "at least 2"),
        (
            lambda: losses.mmd2(torch.randn(3, 2), torch.full((3, 2), float("nan"))),
            ValueError,
            "finite",
        ),
        (
            lambda: losses.sliced_wasserstein(torch.randn(3, 2), torch.randn(4, 2)),
            ValueError,
            "equal sample sizes",
        ),
        (lambda: losses.kl_divergence([0.5, 0.5], [1.0]), ValueError, "same length"),
        (lambda: losses.js_divergence([0.5, 0.6], [0.5, 0.5]), ValueError, "sum to 1"),
        (lambda: losses.total_variation([-0.5, 1.5], [0.5, 0.5]), ValueError, ">= 0"),
        (
            lambda: losses.moment_distance(torch.randn(3, 2), torch.randn(5, 2), order=0),
            ValueError,
            "order",
        ),
        (lambda: losses.nll(torch.zeros(0)), ValueError, "non-empty"),
        (lambda: losses.kl_monte_carlo(torch.zeros(3), torch.zeros(4)), ValueError, "same points"),
        (
            lambda: losses.js_monte_carlo(
                torch.zeros(3), torch.zeros(3), torch.zeros(2), torch.tensor([float("nan")] * 2)
            ),
            ValueError,
            "NaN",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------------------- neural critics


def test_gradient_penalty_of_a_linear_critic_is_the_hand_computed_value():
    critic = losses.LipschitzCritic(3, depth=1, constraint="gp", device="cpu")
    # make the critic linear: f(x) = w·x + c, whose gradient is w everywhere
    with torch.no_grad():
        critic.net[0].weight.zero_()
        critic.net[0].weight[0] = torch.tensor([3.0, 0.0, 4.0])
        critic.net[0].bias.zero_()
        critic.net[2].weight.zero_()
        critic.net[2].weight[0, 0] = 1.0
    x = torch.rand(10, 3) + 1  # positive pre-activations: the LeakyReLU is the identity there
    assert float(losses.gradient_penalty(critic, x, x + 0.5).detach()) == pytest.approx(
        (5.0 - 1.0) ** 2, rel=1e-5
    )


def test_spectral_normalisation_bounds_every_layer():
    critic = losses.LipschitzCritic(2, constraint="spectral", device="cpu")
    critic(torch.randn(64, 2))  # power iterations run in training mode
    for _ in range(30):
        critic(torch.randn(64, 2))
    critic.eval()
    for layer in critic.net:
        if isinstance(layer, torch.nn.Linear):
            assert float(torch.linalg.matrix_norm(layer.weight.detach(), ord=2)) <= 1.0 + 1e-3


def test_clipping_keeps_every_weight_in_range():
    x, y = randn(200, 2, 22), randn(200, 2, 23) + 1
    _, critic, _ = losses.neural_distance(
        x,
        y,
        critic=losses.LipschitzCritic(2, constraint="clip", clip=0.05, device="cpu"),
        n_steps=20,
    )
    delta = float(torch.tensor(0.05))  # 0.05 as stored in float32
    assert max(float(p.detach().abs().max()) for p in critic.parameters()) <= delta


def test_a_spectrally_normalised_critic_approaches_w1_from_below():
    x, y = randn(2000, 1, 24), randn(2000, 1, 25) + 2.0
    exact = losses.wasserstein_1d(x, y, p=1)
    critic = losses.LipschitzCritic(1, constraint="spectral", device="cpu")
    value, _, _ = losses.neural_distance(x, y, critic=critic, n_steps=600, lr=3e-3, seed=1)
    assert 0.85 * exact < value <= 1.01 * exact


def test_a_gradient_penalty_critic_lands_near_w1():
    x, y = randn(2000, 1, 24), randn(2000, 1, 25) + 2.0
    exact = losses.wasserstein_1d(x, y, p=1)
    value, _, _ = losses.neural_distance(x, y, n_steps=600, seed=1)
    assert abs(value / exact - 1) < 0.15  # soft constraint: close, on either side


class _ExplodingCritic(losses.LipschitzCritic):
    def forward(self, x):
        return super().forward(x) * float("inf")


def test_a_non_finite_critic_objective_stops_with_a_clear_message():
    x = randn(10, 2, 26)
    with pytest.raises(RuntimeError, match="non-finite critic objective at step 0"):
        losses.neural_distance(
            x, x + 1, critic=_ExplodingCritic(2, device="cpu"), n_steps=5, batch_size=4
        )


def test_one_critic_fitting_routine_serves_the_neural_distance_and_the_discriminator(monkeypatch):
    """losses.fit_critic trains both critics between two fixed samples (issue 27: one routine)."""
    from gencourse import gan

    calls, fit_critic = [], losses.fit_critic

    def spy(*args, **kwargs):
        calls.append(kwargs.get("desc", "critic"))
        return fit_critic(*args, **kwargs)

    monkeypatch.setattr(losses, "fit_critic", spy)
    monkeypatch.setattr(gan._losses, "fit_critic", spy)
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    losses.neural_distance(x, x + 1, n_steps=2, batch_size=16)
    gan.fit_discriminator(gan.MLPDiscriminator(2, 8, 1, device="cpu"), x, x + 1, n_steps=2,
                          batch_size=16, progress=False)  # fmt: skip
    assert calls == ["critic", "discriminator"]


def test_as_pair_names_the_argument_at_fault():
    x, y = losses.as_pair(torch.zeros(3, 2), torch.ones(4, 2), "real", "fake")
    assert x.shape == (3, 2) and y.shape == (4, 2)
    with pytest.raises(ValueError, match="fake must have 2 columns"):
        losses.as_pair(torch.zeros(3, 2), torch.ones(4, 3), "real", "fake")


def test_mmd_gradients_peak_at_the_kernel_width():
    # closed form on the parallel lines: dMMD²/dθ = 2 c_h θ e^{−θ²/2h²} / h², largest at |θ| = h
    g = torch.Generator().manual_seed(0)
    n = 400
    segment0 = torch.stack([torch.zeros(n), torch.rand(n, generator=g)], 1).double()
    z = torch.rand(n, generator=g).double()
    thetas = torch.linspace(0.1, 1.5, 15, dtype=torch.float64)
    grads = losses.mmd_gradients(0.5, thetas, segment0=segment0, z=z)
    shape = thetas * torch.exp(-(thetas**2) / (2 * 0.5**2))
    assert float(thetas[grads.argmax()]) == pytest.approx(0.5)
    assert torch.allclose(grads / grads.max(), shape / shape.max(), atol=0.05)


# --------------------------------------------------------------- f-divergences, variational form

# two laws on {0, 1, 2} with dyadic weights: a sample listing the atoms in proportion makes every
# sample mean an exact expectation
P_ATOMS, Q_ATOMS = [0, 1, 1, 2, 2, 2, 2, 2], [0, 0, 0, 0, 1, 1, 2, 2]
P_WEIGHTS, Q_WEIGHTS = np.array([1, 2, 5]) / 8, np.array([4, 2, 2]) / 8


def f_divergence_by_scipy(name):
    """D_f of the two atom laws, independently: scipy's relative entropy and Jensen–Shannon."""
    from scipy.special import rel_entr

    return {
        "kl": float(rel_entr(P_WEIGHTS, Q_WEIGHTS).sum()),
        "js": float(jensenshannon(P_WEIGHTS, Q_WEIGHTS)) ** 2,  # natural log: JS itself
        "tv": 0.5 * float(np.abs(P_WEIGHTS - Q_WEIGHTS).sum()),
    }[name]


@pytest.mark.parametrize("name", sorted(losses.F_DIVERGENCES))
def test_f_divergence_conjugate_is_the_legendre_transform(name):
    from scipy.optimize import minimize_scalar

    fd = losses.F_DIVERGENCES[name]
    v = torch.linspace(-3, 3, 13, dtype=torch.float64)
    t = fd.activation(v)  # inside the domain of f*
    for ti, conj in zip(t.tolist(), fd.conjugate(t).tolist()):
        # f*(t) = sup_{u ≥ 0} (ut − f(u)), by a bounded scalar search on u = e^s (and u = 0)
        def minus(s, ti=ti):
            u = torch.tensor(math.exp(s), dtype=torch.float64)
            return -(math.exp(s) * ti - float(fd.f(u)))

        best = -minimize_scalar(
            minus, bounds=(-30, 30), method="bounded", options={"xatol": 1e-10}
        ).fun
        best = max(best, -float(fd.f(torch.tensor(0.0, dtype=torch.float64))))
        assert conj == pytest.approx(best, abs=1e-6), (name, ti)
    assert torch.allclose(fd.conjugate(t), fd.conjugate_of_activation(v), atol=1e-12)
    assert torch.isfinite(fd.conjugate_of_activation(torch.tensor([-80.0, 80.0]))).all()
    assert float(fd.f(torch.tensor(1.0))) == 0  # f(1) = 0: D_f(P ‖ P) = 0


@pytest.mark.parametrize("name", sorted(losses.F_DIVERGENCES))
def test_f_divergence_bound_is_attained_at_the_derivative_and_below_it_elsewhere(name, dtype):
    fd = losses.F_DIVERGENCES[name]
    ratio = torch.tensor(P_WEIGHTS / Q_WEIGHTS, dtype=torch.float64)
    # the raw output v whose activation is T* = f′(p/q) (for TV, tanh saturates: v = ±40)
    v_star = {"kl": 1 + ratio.log(), "js": ratio.log(), "tv": 40 * torch.sign(ratio - 1)}[name]
    assert torch.allclose(fd.activation(v_star), fd.derivative(ratio), atol=1e-12)
    v_star = v_star.to(dtype)
    p_atoms, q_atoms = torch.tensor(P_ATOMS), torch.tensor(Q_ATOMS)
    exact = f_divergence_by_scipy(name)
    tol = 1e-12 if dtype == torch.float64 else 1e-6
    bound = losses.f_divergence_bound(v_star[p_atoms], v_star[q_atoms], name)
    assert float(bound) == pytest.approx(exact, abs=tol)
    g = torch.Generator().manual_seed(0)
    for _ in range(20):  # any other critic stays below (the Fenchel–Young inequality)
        v = v_star + torch.randn(3, generator=g, dtype=torch.float64).to(dtype)
        assert float(losses.f_divergence_bound(v[p_atoms], v[q_atoms], name)) <= exact + tol


def test_js_bound_is_the_gan_discriminator_objective():
    # JS ≥ log 2 + ½ (E_P log σ(v) + E_Q log(1 − σ(v))): the GAN's discriminator (Chapter 6)
    from gencourse import gan

    g = torch.Generator().manual_seed(1)
    v_p, v_q = torch.randn(50, generator=g), torch.randn(70, generator=g)
    gan_loss = gan.discriminator_loss(v_p, v_q, "gan")  # −E log σ(v) − E log(1 − σ(v))
    bound = losses.f_divergence_bound(v_p, v_q, "js")
    assert float(bound) == pytest.approx(math.log(2) - 0.5 * float(gan_loss), abs=1e-6)


def test_f_divergence_bound_checks_its_arguments():
    with pytest.raises(ValueError, match="divergence"):
        losses.f_divergence_bound(torch.zeros(2), torch.zeros(2), "hellinger")
    with pytest.raises(TypeError, match="critic_p"):
        losses.f_divergence_bound([0.0, 1.0], torch.zeros(2))
    with pytest.raises(ValueError, match="critic_q"):
        losses.f_divergence_bound(torch.zeros(2), torch.zeros(2, 1))
