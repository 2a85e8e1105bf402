import math
import statistics

import numpy as np
import pytest
import torch
from scipy import linalg

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
    samples = centre + 0.05 * torch.randn(
        2500, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
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


def test_a_minimum_count_per_mode_puts_captures_out_of_reach_of_noise():
    grid = data.grid()
    noise = 10 * torch.rand(2500, 2, generator=torch.Generator().manual_seed(1)) - 5
    one = metrics.mode_statistics(noise, grid.centres, 0.05)
    ten = metrics.mode_statistics(noise, grid.centres, 0.05, min_count=10)
    # Poisson(λ) points per 3σ disc, λ = 2500 · π 0.15² / 100 ≈ 1.77: 25 (1 − e^{−λ}) ≈ 20.7 modes
    lam = 2500 * math.pi * 0.15**2 / 100
    assert abs(one.modes_captured - 25 * (1 - math.exp(-lam))) < 4, one
    assert ten.modes_captured == 0 and ten.counts == one.counts and ten.min_count == 10
    assert "≥ 10 samples" in str(ten) and "≥" not in str(one)


@pytest.mark.parametrize("min_count", [1, 2, 5, 6, 50])
def test_a_mode_is_captured_with_at_least_min_count_high_quality_samples(min_count):
    ring = data.ring()
    wanted = [0, 1, 5, 6, 40, 0, 3, 2]  # high-quality samples put on each mode
    points = [ring.centres[k] + 0.001 for k, c in enumerate(wanted) for _ in range(c)]
    points.append(torch.tensor([5.0, 5.0], dtype=torch.float64))  # one far-off sample
    stats = metrics.mode_statistics(torch.stack(points), ring.centres, 0.01, min_count=min_count)
    assert stats.counts == tuple(wanted)
    assert stats.modes_captured == sum(c >= min_count for c in wanted)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((torch.zeros(10, 3), torch.zeros(4, 2), 0.1), {}, ValueError, "2 columns"),
        ((torch.full((10, 2), float("nan")), torch.zeros(4, 2), 0.1), {}, ValueError, "finite"),
        ((torch.zeros(10, 2), torch.zeros(4, 2), 0.0), {}, ValueError, "std"),
        (
            (torch.zeros(10, 2), torch.zeros(4, 2), 0.1),
            {"threshold": -1.0},
            ValueError,
            "threshold",
        ),
        ((torch.zeros(10, 2), torch.zeros(4, 2), 0.1), {"min_count": 0}, ValueError, "min_count"),
        ((torch.zeros(10, 2), torch.zeros(4, 2), 0.1), {"min_count": 2.5}, TypeError, "min_count"),
        (
            (torch.zeros(10, 2, dtype=torch.long), torch.zeros(4, 2), 0.1),
            {},
            TypeError,
            "floating",
        ),
    ],
)
def test_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        metrics.mode_statistics(*args, **kwargs)


# ---------------------------------------------------------------------- Fréchet distance


def _random_covariance(d, seed):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(d, d, generator=g, dtype=torch.float64)
    return a @ a.T / d + 0.05 * torch.eye(d, dtype=torch.float64)


@pytest.mark.parametrize("d", [1, 2, 16, 64])
def test_frechet_distance_matches_the_scipy_formula(d):
    from scipy import linalg

    g = torch.Generator().manual_seed(d)
    m1, m2 = (
        torch.randn(d, generator=g, dtype=torch.float64),
        torch.randn(d, generator=g, dtype=torch.float64),
    )
    c1, c2 = _random_covariance(d, 1), _random_covariance(d, 2)
    root = linalg.sqrtm(c1.numpy() @ c2.numpy())
    reference = (
        float(((m1 - m2) ** 2).sum())
        + float(torch.trace(c1) + torch.trace(c2))
        - 2 * float(root.real.trace())
    )
    assert metrics.frechet_distance(m1, c1, m2, c2) == pytest.approx(reference, rel=1e-6)


def test_frechet_distance_is_the_closed_form_w2_between_gaussians():
    # commuting covariances: W2² = ‖μ1 − μ2‖² + ‖Σ1^{1/2} − Σ2^{1/2}‖_F²;
    # in 1D (σ1 − σ2)² + (m1 − m2)²
    c1 = torch.diag(torch.tensor([1.0, 4.0, 9.0], dtype=torch.float64))
    c2 = torch.diag(torch.tensor([4.0, 1.0, 1.0], dtype=torch.float64))
    m1, m2 = (
        torch.zeros(3, dtype=torch.float64),
        torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64),
    )
    assert metrics.frechet_distance(m1, c1, m2, c2) == pytest.approx(5 + 1 + 1 + 4, rel=1e-12)
    assert metrics.frechet_distance(m1, c1, m1, c1) == pytest.approx(0, abs=1e-10)


def test_sqrtm_psd_squares_back():
    c = _random_covariance(20, 3)
    root = metrics.sqrtm_psd(c)
    torch.testing.assert_close(root @ root, c, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(root, root.T)


def test_gaussian_fit_agrees_with_torch_cov():
    x = torch.randn(500, 5, generator=torch.Generator().manual_seed(0))
    mean, cov = metrics.gaussian_fit(x)
    torch.testing.assert_close(mean, x.double().mean(0))
    torch.testing.assert_close(cov, torch.cov(x.double().T))


def test_frechet_rejects_bad_inputs():
    c = torch.eye(3, dtype=torch.float64)
    m = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="mean2"):
        metrics.frechet_distance(m, c, torch.zeros(4, dtype=torch.float64), c)
    with pytest.raises(ValueError, match="cov1 and cov2"):
        metrics.frechet_distance(m, c, m, torch.eye(4, dtype=torch.float64))
    with pytest.raises(ValueError, match="square"):
        metrics.frechet_distance(m, torch.ones(3, 2), m, c)
    with pytest.raises(ValueError, match="finite"):
        metrics.frechet_distance(m, c * float("nan"), m, c)
    with pytest.raises(ValueError, match="at least 2"):
        metrics.gaussian_fit(torch.randn(1, 3))
    with pytest.raises(ValueError, match="3 columns"):
        metrics.feature_frechet_distance(torch.randn(10, 3), torch.randn(10, 4))


def test_frechet_curve_extrapolates_the_bias_in_n_away():
    # x ~ N(μ, I_8) against a large sample of N(0, I_8): the Fréchet distance is ‖μ‖² = 1, and the
    # estimate from n points is biased upwards by about b / n
    g = torch.Generator().manual_seed(0)
    mu = torch.zeros(8, dtype=torch.float64)
    mu[0] = 1.0
    x = torch.randn(4000, 8, generator=g, dtype=torch.float64) + mu
    reference = torch.randn(100_000, 8, generator=g, dtype=torch.float64)
    curve = metrics.frechet_curve(x, reference, (50, 100, 200, 400, 800), repeats=16)
    assert curve.values[0] > 1.3 and curve.values[0] > curve.values[-1] and curve.slope > 0
    assert abs(curve.limit - 1.0) < 0.25 * (curve.values[0] - 1.0)  # the bias is extrapolated away
    assert abs(curve.limit - 1.0) < 0.1
    assert "n → ∞" in str(curve)


def test_frechet_curve_rejects_bad_sizes():
    x = torch.randn(100, 3)
    with pytest.raises(ValueError, match="at least 2 different sizes"):
        metrics.frechet_curve(x, x, (50, 50))
    with pytest.raises(ValueError, match="at most the 100 points"):
        metrics.frechet_curve(x, x, (50, 200))
    with pytest.raises(ValueError, match="tuple of at least 2"):
        metrics.frechet_curve(x, x, 50)


# ---------------------------------------------------------------------- Inception score


def test_inception_score_of_confident_uniform_predictions_is_k():
    for k in (2, 5, 10):
        probabilities = torch.eye(10, dtype=torch.float64)[torch.arange(1000) % k]
        mean, std = metrics.inception_score(probabilities, splits=10)
        assert mean == pytest.approx(k, rel=1e-9) and std == pytest.approx(0, abs=1e-9)


def test_inception_score_spread_is_the_sample_std_and_nan_for_one_split():
    g = torch.Generator().manual_seed(0)
    probabilities = torch.softmax(3 * torch.randn(600, 10, generator=g, dtype=torch.float64), 1)
    mean, std = metrics.inception_score(probabilities, splits=6)
    scores = [metrics.inception_score(part, splits=1)[0] for part in probabilities.split(100)]
    assert mean == pytest.approx(sum(scores) / 6, rel=1e-12)
    assert std == pytest.approx(float(torch.tensor(scores, dtype=torch.float64).std()), rel=1e-12)
    assert math.isnan(metrics.inception_score(probabilities, splits=1)[1])


def test_inception_score_small_splits_are_biased_down_by_k_minus_1_over_2m():
    # one-hot predictions over 10 equally likely classes: IS = 10 for the distribution, but a split
    # of m rows estimates p(y) from m labels, and log IS loses about (K − 1) / (2m)
    g = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 10, (36 * 400,), generator=g)
    probabilities = torch.eye(10, dtype=torch.float64)[labels]
    scores = [
        math.log(metrics.inception_score(part, splits=1)[0]) for part in probabilities.split(36)
    ]
    assert sum(scores) / len(scores) == pytest.approx(math.log(10) - 9 / 72, abs=0.02)
    assert metrics.inception_score(probabilities, splits=1)[0] > 9.95  # one split of 14400


def test_inception_score_of_constant_predictions_is_one():
    probabilities = torch.softmax(torch.randn(10), 0).expand(500, 10).contiguous()
    mean, _ = metrics.inception_score(probabilities)
    assert mean == pytest.approx(1.0, abs=1e-9)


def test_inception_score_rejects_logits():
    with pytest.raises(ValueError, match="softmax"):
        metrics.inception_score(torch.randn(100, 10))
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(torch.full((5, 2), 0.5), splits=10)


# ---------------------------------------------------------------------- precision and recall


def test_precision_recall_identical_sets_are_one():
    x = torch.randn(400, 3, generator=torch.Generator().manual_seed(0))
    assert metrics.precision_recall(x, x.clone()) == (1.0, 1.0)


def test_precision_recall_react_to_dropped_modes_and_to_noise():
    grid = data.grid()
    real = grid.sample(2000, seed=0, device="cpu")
    fake = grid.sample(2000, seed=1, device="cpu")
    precision, recall = metrics.precision_recall(real, fake)
    assert precision > 0.9 and recall > 0.9  # k = 3 balls miss a few points of a fresh sample
    nearest = torch.cdist(fake.double(), grid.centres.cpu().double()).argmin(1)
    half = fake[nearest < 12]  # 12 of 25 modes
    precision_half, recall_half = metrics.precision_recall(real, half)
    assert precision_half > 0.9 and recall_half < 0.6  # samples still realistic; variety lost
    noise = 10 * torch.rand(2000, 2, generator=torch.Generator().manual_seed(2)) - 5
    precision_noise, _ = metrics.precision_recall(real, noise)
    assert precision_noise < 0.1


def test_precision_recall_rejects_bad_inputs():
    with pytest.raises(ValueError, match="k must be smaller"):
        metrics.precision_recall(torch.randn(3, 2), torch.randn(10, 2), k=3)
    with pytest.raises(ValueError, match="2 columns"):
        metrics.precision_recall(torch.randn(10, 2), torch.randn(10, 3))
    with pytest.raises(ValueError, match="finite"):
        metrics.precision_recall(torch.randn(10, 2), torch.full((10, 2), float("inf")))


def _brute_force_precision_recall(real: np.ndarray, fake: np.ndarray, k: int) -> tuple:
    """Precision and recall with SciPy's cdist and NumPy's sort (independent of the package)."""
    from scipy.spatial.distance import cdist

    def radii(points: np.ndarray) -> np.ndarray:
        return np.sort(cdist(points, points), axis=1)[:, k]  # column 0 is the point itself

    precision = (cdist(fake, real) <= radii(real)[None, :]).any(axis=1).mean()
    recall = (cdist(real, fake) <= radii(fake)[None, :]).any(axis=1).mean()
    return float(precision), float(recall)


def test_equal_size_precision_recall_matches_brute_force_on_the_same_subsets():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(300, 3, generator=g), torch.randn(60, 3, generator=g) + 0.3
    ours = metrics.equal_size_precision_recall(real, fake, repeats=3, seed=5)
    rows = torch.Generator().manual_seed(5)
    expected = np.zeros(2)
    for _ in range(3):
        real_rows = torch.randperm(300, generator=rows)[:60]
        fake_rows = torch.randperm(60, generator=rows)[:60]
        expected += (
            np.array(
                _brute_force_precision_recall(
                    real[real_rows].double().numpy(), fake[fake_rows].double().numpy(), 3
                )
            )
            / 3
        )
    assert np.allclose(ours, expected, atol=1e-12)
    # equal sizes: one computation, the plain function's
    assert metrics.equal_size_precision_recall(real[:60], fake) == metrics.precision_recall(
        real[:60], fake
    )


def test_unequal_sizes_bias_precision_down_in_high_dimension():
    # two samples of N(0, I_64) at the digits chapter's sizes, 1437 real against 180 fake: the
    # real k-NN radii are smaller than those of 180 points, and fewer fake points fall in the
    # real balls than at equal sizes; at equal sizes precision and recall of two samples of one
    # law have the same expectation (exchangeability)
    g = torch.Generator().manual_seed(1)
    drops, gaps = [], []
    for _ in range(16):
        real, fake = torch.randn(1437, 64, generator=g), torch.randn(180, 64, generator=g)
        precision_unequal, _ = metrics.precision_recall(real, fake)
        precision, recall = metrics.equal_size_precision_recall(real, fake, repeats=8)
        drops.append(precision - precision_unequal)
        gaps.append(recall - precision)
    mean_drop, mean_gap = sum(drops) / 16, sum(gaps) / 16
    # unequal sizes lower precision: the mean drop over 16 seeds is positive beyond its noise
    # (three standard errors; measured 0.05 to 0.07 in float32 and float64)
    assert mean_drop > 3 * statistics.stdev(drops) / 4 and mean_drop > 0.03, drops
    # equal sizes: no gap between precision and recall, within three standard errors of a mean
    # of 16 seeds (each seed's gap spreads by about ±0.047; the unequal sizes' gap, about 0.08,
    # fails this check)
    assert abs(mean_gap) < 3 * 0.047 / 4, gaps


def test_equal_size_precision_recall_rejects_bad_inputs():
    with pytest.raises(ValueError, match="k must be smaller"):
        metrics.equal_size_precision_recall(torch.randn(30, 2), torch.randn(3, 2), k=3)
    with pytest.raises(ValueError, match="repeats"):
        metrics.equal_size_precision_recall(torch.randn(30, 2), torch.randn(10, 2), repeats=0)


def test_wasserstein_distances_are_re_exported():
    from gencourse import losses

    assert (
        metrics.wasserstein is losses.wasserstein
        and metrics.sliced_wasserstein is losses.sliced_wasserstein
    )


def test_subset_fids_against_scipy_on_the_same_subsets():
    g = torch.Generator().manual_seed(0)
    features = torch.randn(300, 4, generator=g, dtype=torch.float64) @ torch.randn(
        4, 4, generator=g, dtype=torch.float64
    )
    reference = torch.randn(500, 4, generator=g, dtype=torch.float64) + 1.0
    mean_r, cov_r = reference.mean(0).numpy(), np.cov(reference.numpy().T)
    fit = (torch.from_numpy(mean_r), torch.from_numpy(cov_r))
    values = metrics.subset_fids(40, features=features, reference_fit=fit, repeats=3, seed=2)
    subsets = torch.Generator().manual_seed(2)  # the subsets the function draws
    for value in values:
        x = features[torch.randperm(300, generator=subsets)[:40]].numpy()
        mean_x, cov_x = x.mean(0), np.cov(x.T)
        root = linalg.sqrtm(cov_x @ cov_r).real
        ref = ((mean_x - mean_r) ** 2).sum() + np.trace(cov_x + cov_r - 2 * root)
        assert float(value) == pytest.approx(ref, rel=1e-8)
    with pytest.raises(ValueError, match="n must be"):
        metrics.subset_fids(301, features=features, reference_fit=fit)


def _cubic_mmd2_by_loops(x: np.ndarray, y: np.ndarray) -> float:
    """The KID's U-statistic written out as Bińkowski et al. define it, one pair at a time."""
    n, m, d = len(x), len(y), x.shape[1]
    k = lambda a, b: (float(a @ b) / d + 1) ** 3  # noqa: E731
    within_x = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    within_y = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    across = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return within_x + within_y - 2 * across


def test_kernel_inception_distance_against_the_u_statistic_by_loops():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(7, 3, generator=g), 0.5 + torch.randn(9, 3, generator=g)
    reference = _cubic_mmd2_by_loops(x.double().numpy(), y.double().numpy())
    assert metrics.kernel_inception_distance(x, y) == pytest.approx(reference, rel=1e-6)


def test_kernel_inception_distance_is_unbiased_where_the_v_statistic_is_not():
    # 400 pairs of samples of 5 points of one law: the U-statistic's mean is 0 within three
    # standard errors, while keeping the diagonals (the biased V-statistic) lifts it by about
    # E[k(x, x) − k(x, y)] (1/5 + 1/5), far more than three standard errors
    g = torch.Generator().manual_seed(1)
    values, biased = [], []
    for _ in range(400):
        x, y = torch.randn(5, 2, generator=g), torch.randn(5, 2, generator=g)
        values.append(metrics.kernel_inception_distance(x, y))
        k = lambda a, b: (a.double() @ b.double().T / 2 + 1) ** 3  # noqa: E731
        biased.append(float(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()))
    mean, se = statistics.mean(values), statistics.stdev(values) / math.sqrt(400)
    assert abs(mean) < 3 * se, (mean, se)
    assert statistics.mean(biased) > 10 * se, (statistics.mean(biased), se)


def test_kernel_inception_distance_rejects_bad_inputs():
    with pytest.raises(ValueError, match="x must hold at least 2"):
        metrics.kernel_inception_distance(torch.randn(1, 3), torch.randn(4, 3))
    with pytest.raises(ValueError, match="y must have 3 columns"):
        metrics.kernel_inception_distance(torch.randn(4, 3), torch.randn(4, 2))
    with pytest.raises(TypeError, match="x must have a floating-point dtype"):
        metrics.kernel_inception_distance(torch.ones(4, 3, dtype=torch.long), torch.randn(4, 3))


@pytest.mark.parametrize("lattice", [False, True])
def test_data_copying_test_against_scipy_mann_whitney(lattice):
    from scipy import stats

    g = torch.Generator().manual_seed(2)
    training = torch.randn(60, 2, generator=g, dtype=torch.float64)
    samples = training[:30] + 0.3 * torch.randn(30, 2, generator=g, dtype=torch.float64)
    held_out = torch.randn(40, 2, generator=g, dtype=torch.float64)
    if lattice:  # integer points: many tied distances, which the tie correction handles
        training, samples, held_out = (torch.round(2 * t) for t in (training, samples, held_out))
    result = metrics.data_copying_test(samples, training, held_out)
    a = torch.cdist(samples, training).min(1).values.numpy()
    b = torch.cdist(held_out, training).min(1).values.numpy()
    reference = stats.mannwhitneyu(
        a, b, alternative="less", method="asymptotic", use_continuity=False
    )
    assert result.u == pytest.approx(reference.statistic, abs=1e-9)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-6)
    if not lattice:  # the samples are noisy copies: closer to the training set than fresh data
        assert result.z < 0 and result.median_sample_distance < result.median_held_out_distance


def test_data_copying_test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="held_out must have 2 columns"):
        metrics.data_copying_test(torch.randn(5, 2), torch.randn(5, 2), torch.randn(5, 3))
    with pytest.raises(TypeError, match="training must be a torch.Tensor"):
        metrics.data_copying_test(torch.randn(5, 2), [[0.0, 1.0]], torch.randn(5, 2))


def test_classifier_two_sample_test_against_an_independent_knn_and_the_binomial_null():
    from scipy import stats

    g = torch.Generator().manual_seed(3)
    x = torch.randn(100, 2, generator=g, dtype=torch.float64)
    y = 0.6 + torch.randn(100, 2, generator=g, dtype=torch.float64)
    result = metrics.classifier_two_sample_test(x, y, k=5, permutations=2000, seed=4)
    # the same split (the function's first draw), classified by a majority of the 5 nearest
    # training points found with torch.cdist
    order = torch.randperm(200, generator=torch.Generator().manual_seed(4))
    points, labels = torch.cat([x, y]), torch.cat([torch.zeros(100), torch.ones(100)])
    train, test = order[:100], order[100:]
    nearest = torch.cdist(points[test], points[train]).topk(5, largest=False).indices
    predicted = labels[train][nearest].sum(1) > 2.5
    correct = int((predicted == labels[test].bool()).sum())
    assert result.correct == correct and result.accuracy == correct / 100 and result.n_test == 100
    # the permutation p-value estimated independently (2000 other label permutations, the same
    # neighbours): equal within 4 Monte Carlo standard errors of the two estimates
    g_null = torch.Generator().manual_seed(5)
    null = []
    for _ in range(2000):
        shuffled = labels[torch.randperm(200, generator=g_null)]
        votes = shuffled[train][nearest].sum(1) > 2.5
        null.append(int((votes == shuffled[test].bool()).sum()))
    p_ref = (1 + sum(c >= correct for c in null)) / 2001
    assert abs(result.p_value - p_ref) < 4 * math.sqrt(2 * p_ref * (1 - p_ref) / 2000) + 1e-3
    # and close to the binomial null Bin(100, 1/2) of independent guesses
    binomial = stats.binomtest(correct, 100, 0.5, alternative="greater").pvalue
    assert abs(result.p_value - binomial) < 0.5 * binomial + 0.01, (result.p_value, binomial)
    assert 0.001 < p_ref < 0.2, p_ref  # a case where the p-value is neither trivial nor 1
    same = metrics.classifier_two_sample_test(x, x.flip(0) + 0, permutations=200)
    assert same.p_value > 0.5  # identical point sets: no classifier can do better than chance


def test_classifier_two_sample_test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="k must be odd"):
        metrics.classifier_two_sample_test(torch.randn(20, 2), torch.randn(20, 2), k=4)
    with pytest.raises(ValueError, match="k must be smaller"):
        metrics.classifier_two_sample_test(torch.randn(3, 2), torch.randn(3, 2), k=3)
    with pytest.raises(TypeError, match="permutations must be an int"):
        metrics.classifier_two_sample_test(torch.randn(9, 2), torch.randn(9, 2), permutations=1.5)
