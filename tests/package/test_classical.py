import math

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.exceptions import NotFittedError as SkNotFittedError
from sklearn.mixture import GaussianMixture as SkGaussianMixture
from sklearn.neighbors import KernelDensity

from gencourse import classical, data, plot


@pytest.fixture(scope="module")
def ring_samples():
    return data.ring(std=0.1).sample(1500, seed=0, device="cpu")


# --------------------------------------------------------------------------------------- KDE


@pytest.mark.parametrize("d, h", [(2, 0.15), (3, 0.4)])
def test_kde_matches_scikit_learn(d, h):
    x = torch.randn(400, d, generator=torch.Generator().manual_seed(0))
    query = torch.randn(100, d, generator=torch.Generator().manual_seed(1))
    ours = classical.KDE(h).fit(x).log_prob(query, chunk_size=7)
    reference = (
        KernelDensity(bandwidth=h, kernel="gaussian").fit(x.numpy()).score_samples(query.numpy())
    )
    np.testing.assert_allclose(ours.numpy(), reference, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rule", ["scott", "silverman"])
def test_kde_rules_match_scipy_gaussian_kde_in_1d(rule):
    x = torch.randn(
        300, 1, generator=torch.Generator().manual_seed(2), dtype=torch.float64
    ).float()
    query = torch.linspace(-3, 3, 50)[:, None]
    ours = classical.KDE(rule).fit(x)
    reference = stats.gaussian_kde(x[:, 0].double().numpy(), bw_method=rule)
    assert ours.h == pytest.approx(math.sqrt(reference.covariance[0, 0]), rel=1e-5)
    np.testing.assert_allclose(
        ours.log_prob(query).numpy(), reference.logpdf(query[:, 0].numpy()), rtol=1e-4, atol=1e-4
    )


def test_bandwidth_rules_shrink_with_n_at_the_textbook_rate():
    g = torch.Generator().manual_seed(3)
    small, large = torch.randn(1000, 2, generator=g), torch.randn(16000, 2, generator=g)
    ratio = classical.bandwidth_rule(small) / classical.bandwidth_rule(large)
    assert ratio == pytest.approx(16 ** (1 / 6), rel=0.05)  # n^{-1/(d+4)} with d = 2


def test_kde_samples_have_the_data_mean_and_inflated_covariance(ring_samples):
    kde = classical.KDE(0.3).fit(ring_samples)
    y = kde.sample(100_000, seed=0).double()
    x = ring_samples.double()
    assert torch.allclose(y.mean(0), x.mean(0), atol=0.01)
    # Cov(y) = Cov_n(x) + h² I, with the biased (1/n) covariance of the data
    expected = torch.cov(x.T, correction=0) + 0.09 * torch.eye(2, dtype=torch.float64)
    assert torch.allclose(torch.cov(y.T), expected, atol=0.01)


# --------------------------------------------------------------------------------- histogram


def test_histogram_matches_numpy_histogramdd(ring_samples):
    hist = classical.Histogram(bins=12, bounds=(-1.5, 1.5)).fit(ring_samples)
    density, edges = np.histogramdd(
        ring_samples.numpy(), bins=12, range=[(-1.5, 1.5)] * 2, density=True
    )
    centres = [(e[:-1] + e[1:]) / 2 for e in edges]
    grid = torch.tensor(
        np.stack(np.meshgrid(*centres, indexing="ij"), -1).reshape(-1, 2), dtype=torch.float32
    )
    np.testing.assert_allclose(
        hist.log_prob(grid).exp().numpy(), density.reshape(-1), rtol=1e-4, atol=1e-6
    )


def test_histogram_is_zero_outside_its_box_and_counts_only_inside():
    x = torch.tensor([[0.1, 0.1], [0.6, 0.6], [5.0, 5.0]])
    hist = classical.Histogram(bins=2, bounds=[(0, 1), (0, 1)]).fit(x)
    assert float(hist.weights.sum()) == pytest.approx(2 / 3)
    assert float(hist.log_prob(torch.tensor([[2.0, 0.5]]))) == -math.inf


def test_histogram_samples_fall_in_cells_with_the_right_frequencies(ring_samples):
    hist = classical.Histogram(bins=8).fit(ring_samples)
    y = hist.sample(40_000, seed=1)
    counts = torch.bincount(hist._cell_index(y), minlength=64).double()
    observed, expected = counts.numpy(), (hist.weights.double() * 40_000).numpy()
    keep = expected > 0
    assert observed[~keep].sum() == 0
    assert (
        stats.chisquare(
            observed[keep], expected[keep] * observed.sum() / expected[keep].sum()
        ).pvalue
        > 1e-3
    )


def test_histogram_refuses_exponentially_many_cells():
    with pytest.raises(ValueError, match="max_cells"):
        classical.Histogram(bins=10).fit(torch.randn(100, 7))


# --------------------------------------------------------------------------------------- GMM


def test_gmm_matches_scikit_learn(ring_samples):
    ours = classical.GMM(8, seed=0, progress=False, tol=1e-7, max_iter=500).fit(ring_samples)
    ref = SkGaussianMixture(
        8, covariance_type="full", random_state=0, n_init=3, tol=1e-7, max_iter=500
    )
    ref.fit(ring_samples.numpy())
    x = ring_samples.numpy()
    assert float(ours.log_prob(ring_samples).mean()) == pytest.approx(ref.score(x), abs=0.02)
    # each fitted mean is close to one of scikit-learn's
    distance = torch.cdist(ours.centres.double(), torch.from_numpy(ref.means_).double())
    assert float(distance.min(dim=1).values.max()) < 0.05
    # and its log-density is the same formula as scikit-learn's for scikit-learn's parameters
    ours.weights = torch.from_numpy(ref.weights_).float()
    ours.centres = torch.from_numpy(ref.means_).float()
    ours.covariances = torch.from_numpy(ref.covariances_).double()
    np.testing.assert_allclose(
        ours.log_prob(ring_samples[:50]).numpy(), ref.score_samples(x[:50]), rtol=1e-4, atol=1e-4
    )


def test_em_never_decreases_the_likelihood(ring_samples):
    gmm = classical.GMM(5, seed=1, progress=False).fit(ring_samples)
    history = torch.tensor(gmm.history)
    assert len(history) > 2 and bool((history[1:] >= history[:-1] - 1e-9).all())


def test_gmm_samples_have_the_mixture_moments(ring_samples):
    gmm = classical.GMM(3, seed=0, progress=False).fit(ring_samples)
    w, m, c = gmm.weights.double(), gmm.centres.double(), gmm.covariances
    mean = (w[:, None] * m).sum(0)
    second = (w[:, None, None] * (c + m[:, :, None] * m[:, None, :])).sum(0)
    y = gmm.sample(200_000, seed=2).double()
    assert torch.allclose(y.mean(0), mean, atol=0.01)
    assert torch.allclose(torch.cov(y.T), second - mean[:, None] * mean[None, :], atol=0.01)


# ------------------------------------------------------------------------------ common form


@pytest.mark.parametrize(
    "make",
    [
        lambda: classical.Histogram(bins=20, bounds=(-2, 2)),
        lambda: classical.KDE(0.2),
        lambda: classical.GMM(4, progress=False),
    ],
)
def test_every_estimate_integrates_to_one(make, ring_samples):
    est = make().fit(ring_samples)
    points, area = plot.grid_points(((-4, 4), (-4, 4)), resolution=400)
    assert float(est.log_prob(points).exp().sum() * area) == pytest.approx(1.0, abs=2e-3)
    assert float(est.weights.sum()) == pytest.approx(1.0, abs=1e-5)


def test_log_prob_is_the_log_sum_of_weighted_kernels(ring_samples):
    kde = classical.KDE(0.25).fit(ring_samples[:100])
    x = ring_samples[100:110]
    explicit = torch.log((kde.weights * kde.log_kernel(x).exp()).sum(dim=1))
    assert torch.allclose(kde.log_prob(x), explicit, atol=1e-5)


# -------------------------------------------------------------------- curse of dimensionality


def test_total_variation_estimate_matches_the_gaussian_closed_form():
    p, q = (
        data.GaussianMixture(torch.zeros(1, 2)),
        data.GaussianMixture(torch.tensor([[1.5, 0.0]])),
    )
    z = p.sample(100_000, seed=0)
    exact = math.erf(1.5 / (2 * math.sqrt(2)))  # 2Φ(δ/2) − 1
    assert classical.total_variation_mc(p.log_prob(z), q.log_prob(z)) == pytest.approx(
        exact, abs=0.005
    )
    assert classical.total_variation_mc(p.log_prob(z), p.log_prob(z)) == 0.0


def test_power_law_fit_recovers_an_exact_power_law():
    n = torch.tensor([10.0, 100.0, 1000.0])
    slope, constant = classical.power_law_fit(n, 3.0 * n**-0.4)
    assert slope == pytest.approx(-0.4) and constant == pytest.approx(3.0)
    assert classical.samples_needed(slope, constant, 3.0 * 1000**-0.4) == pytest.approx(1000.0)
    assert classical.samples_needed(0.1, 1.0, 0.5) == math.inf


def test_kde_log_probs_shares_distances_but_matches_each_kde():
    x = torch.randn(300, 3, generator=torch.Generator().manual_seed(4))
    query = 2 * torch.randn(50, 3, generator=torch.Generator().manual_seed(5))  # far points too
    query[0] = 40.0  # every term under float32's smallest number for h = 0.05 and 0.3
    hs = [0.05, 0.3, 1.7]
    shared = classical.kde_log_probs(query, x, hs, chunk_size=16)
    assert shared.shape == (3, 50)
    sq = torch.cdist(query.double(), x.double()).square()
    for row, h in zip(shared, hs):
        # the definition in float64: log (1/m) Σ_j N(x; x_j, h² I)
        exact = torch.logsumexp(-sq / (2 * h * h), dim=1) - math.log(300)
        exact -= 3 * math.log(h) + 1.5 * math.log(2 * math.pi)
        # (not scikit-learn's KernelDensity here: its tree sums lose accuracy below about -20)
        np.testing.assert_allclose(row.double().numpy(), exact.numpy(), rtol=1e-6, atol=1e-4)
        assert torch.allclose(row, classical.KDE(h).fit(x).log_prob(query), atol=1e-4)
    with pytest.raises(ValueError, match="bandwidths"):
        classical.kde_log_probs(query, x, [])
    with pytest.raises(ValueError, match="bandwidths"):
        classical.kde_log_probs(query, x, [0.1, -1.0])


def test_kde_error_uses_the_oracle_bandwidth_among_the_factors():
    rho = data.gaussian_pair(2)
    tv, h = classical.kde_tv_error(rho, 400, n_test=500, factors=(0.5, 1.0, 2.0))
    x = rho.sample(400, seed=0)
    validation, test = rho.sample(500, seed=1), rho.sample(500, seed=2)
    candidates = [classical.bandwidth_rule(x) * f for f in (0.5, 1.0, 2.0)]

    def error(h, points):  # the definition, one KDE at a time
        kde = classical.KDE(h).fit(x)
        return classical.total_variation_mc(rho.log_prob(points), kde.log_prob(points))

    best = min(candidates, key=lambda c: error(c, validation))
    assert h == pytest.approx(best) and tv == pytest.approx(error(best, test), abs=1e-5)


def test_kde_error_grows_with_dimension():
    errors = classical.curse_of_dimensionality((1, 8), (200, 800), n_test=1000, progress=False)
    assert errors.shape == (2, 2)
    assert bool((errors[0] < errors[1]).all())  # higher d, larger error at equal n
    assert bool((errors[:, 1] < errors[:, 0]).all())  # more samples, smaller error


# ---------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: classical.KDE(0.0), ValueError, "bandwidth"),
        (lambda: classical.KDE(-1.0), ValueError, "bandwidth"),
        (lambda: classical.KDE("wide"), ValueError, "bandwidth"),
        (lambda: classical.Histogram(bins=0), ValueError, "bins"),
        (lambda: classical.GMM(0), ValueError, "n_components"),
        (
            lambda: classical.GMM(5, progress=False).fit(torch.randn(3, 2)),
            ValueError,
            "at least 5",
        ),
        (lambda: classical.KDE().fit(torch.randn(10)), ValueError, r"shape \(n, d\)"),
        (
            lambda: classical.KDE().fit(torch.tensor([[1.0, float("inf")]] * 3)),
            ValueError,
            "finite",
        ),
        (
            lambda: classical.KDE(0.1).fit(torch.ones(3, 2, dtype=torch.int32)),
            TypeError,
            "floating",
        ),
        (
            lambda: classical.KDE(0.1).fit(torch.randn(5, 2)).log_prob(torch.randn(3, 3)),
            ValueError,
            "2 columns",
        ),
        (
            lambda: classical.KDE(0.1).log_prob(torch.randn(3, 2)),
            classical.NotFittedError,
            "call fit first",
        ),
        (lambda: classical.KDE(0.1, device="no-such-device"), ValueError, "device"),
        (
            lambda: classical.kde_tv_error(data.gaussian_pair(2), 50, factors=()),
            ValueError,
            "factors",
        ),
        (
            lambda: classical.kde_tv_error(data.gaussian_pair(2), 50, factors=(1.0, -1.0)),
            ValueError,
            "factors",
        ),
        (lambda: classical.KDE(0.1).fit(torch.randn(5, 2)).sample(0), ValueError, "n"),
        (
            lambda: classical.Histogram(bounds=[(0, 1)]).fit(torch.randn(5, 2)),
            ValueError,
            "bounds",
        ),
        (
            lambda: classical.Histogram(bounds=(1, 0)).fit(torch.randn(5, 2)),
            ValueError,
            "low < high",
        ),
        (lambda: classical.bandwidth_rule(torch.randn(5, 2), "wide"), ValueError, "rule"),
        (lambda: classical.bandwidth_rule(torch.ones(5, 2)), ValueError, "zero variance"),
        (
            lambda: classical.total_variation_mc(torch.zeros(3), torch.zeros(4)),
            ValueError,
            "same shape",
        ),
        (lambda: classical.samples_needed(-0.5, 1.0, 0.0), ValueError, "epsilon"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_queries_on_another_device_are_rejected_not_moved():
    kde = classical.KDE(0.1, device="cpu").fit(torch.randn(5, 2))
    with pytest.raises(ValueError, match="device"):
        kde.log_prob(torch.empty(3, 2, device="meta"))


def test_curse_experiment_accepts_any_target_family():
    single = classical.curse_of_dimensionality(
        (2,),
        (300,),
        target=lambda d: data.GaussianMixture(torch.zeros(1, d)),
        n_test=500,
        progress=False,
    )
    direct, _ = classical.kde_tv_error(data.GaussianMixture(torch.zeros(1, 2)), 300, n_test=500)
    assert float(single[0, 0]) == pytest.approx(direct)
    with pytest.raises(TypeError, match="target"):
        classical.curse_of_dimensionality((2,), (300,), target="gaussian", progress=False)


# ------------------------------------------------------------------ bad input at the edges

ESTIMATORS = {
    "KDE": lambda: classical.KDE(0.3, device="cpu"),
    "Histogram": lambda: classical.Histogram(12, device="cpu"),
    "GMM": lambda: classical.GMM(3, progress=False, device="cpu"),
}


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_an_unfitted_estimator_raises_not_fitted_error_a_value_error(name):
    estimator = ESTIMATORS[name]()
    calls = (lambda: estimator.log_prob(torch.randn(3, 2)), lambda: estimator.sample(3))
    for call in calls:
        with pytest.raises(classical.NotFittedError, match=f"this {name} .*call fit first"):
            call()
        with pytest.raises(ValueError):  # the ecosystem's convention: a ValueError
            call()
        try:  # ... that code written for scikit-learn (`except ValueError`) catches
            call()
        except ValueError as error:
            assert isinstance(error, AttributeError)
    # the bases of scikit-learn's NotFittedError, whose convention this follows
    assert classical.NotFittedError.__bases__ == SkNotFittedError.__bases__
    assert not issubclass(classical.NotFittedError, RuntimeError)


@pytest.mark.parametrize("half", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_half_precision_is_upcast_exactly_to_float32(name, half):
    generator = torch.Generator().manual_seed(0)
    x = (torch.randn(300, 2, generator=generator) * 1.5).to(half)
    query = (torch.randn(40, 2, generator=generator) * 3).to(half)  # some far in the tails
    exact = x.float()
    assert torch.equal(exact.to(half), x)  # float32 holds every half-precision value
    fitted, reference = ESTIMATORS[name]().fit(x), ESTIMATORS[name]().fit(exact)
    assert fitted.centres.dtype == torch.float32
    assert torch.equal(fitted.centres, reference.centres)
    assert torch.equal(fitted.weights, reference.weights)
    log_p = fitted.log_prob(query)
    # evaluated in float32, not in half precision (float16 keeps ~3 digits, bfloat16 ~2)
    assert log_p.dtype == torch.float32
    torch.testing.assert_close(log_p, reference.log_prob(query.float()), rtol=0, atol=0)


def test_half_precision_kde_agrees_with_scikit_learn_which_also_upcasts():
    # scikit-learn's check_array upcasts float16 (to float64) rather than refusing it: the same
    # values as float32 or float64 give the same estimate
    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(1)).half()
    query = torch.randn(50, 2, generator=torch.Generator().manual_seed(2)).half()
    ours = classical.KDE(0.4, device="cpu").fit(x).log_prob(query)
    theirs = KernelDensity(bandwidth=0.4).fit(x.numpy()).score_samples(query.numpy())
    np.testing.assert_allclose(ours.double().numpy(), theirs, rtol=1e-5, atol=1e-5)


def test_a_device_this_machine_lacks_is_rejected_when_the_estimator_is_built():
    missing = f"cuda:{torch.cuda.device_count()}"  # one past the last GPU, on every machine
    for make in (
        lambda: classical.KDE(0.3, device=missing),
        lambda: classical.kde_tv_error(data.gaussian_pair(2), 50, device=missing),
    ):
        with pytest.raises(ValueError, match=rf"device names device '{missing}'.*available"):
            make()
