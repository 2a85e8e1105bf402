r"""Metrics for evaluating generative models (shared by the GAN and the evaluation chapters).

* **Fréchet distance** between Gaussian fits of two feature sets, W_2 between the Gaussians:
  ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^{1/2}); on the digits classifier's features it is the FID.
* **Inception score** exp(E_x KL(p(y|x) ‖ p(y))) of a classifier's predictions.
* **Bias in n**: the FID of n samples overestimates its limit by about b/n; :func:`frechet_curve`
  and :func:`fid_curve` fit FID(n) = FID_∞ + b/n over several n and extrapolate
  (Chong & Forsyth 2020).
  :func:`subset_fids` gives the spread of the FID of n samples over random subsets.
* **Precision and recall** for distributions (Kynkäänniemi et al. 2019): the fraction of generated
  points inside the union of k-nearest-neighbour balls of the real points, and conversely;
  :func:`equal_size_precision_recall` compares sets of equal size, as the k-NN radii shrink as a
  set grows.
* **Kernel inception distance** (Bińkowski et al. 2018): the unbiased MMD² (a U-statistic) with the
  cubic kernel (xᵀy/d + 1)³ on the same features; its expectation does not depend on n.
* **Data-copying test** (Meehan et al. 2020, one cell): Mann–Whitney z of the samples' distances
  to the training set against held-out data's; z ≪ 0 flags copies, which the FID cannot see.
* **Classifier two-sample test** (Lopez-Paz & Oquab 2017): held-out accuracy of a k-NN telling
  samples from data, with a permutation p-value.
* The exact and sliced Wasserstein distances are :func:`gencourse.losses.wasserstein` and
  :func:`gencourse.losses.sliced_wasserstein`, re-exported here.

Mode-collapse metrics for mixtures of Gaussians with known centres (the standard protocol of
VEEGAN and PacGAN: 2500 samples, 3-standard-deviation threshold):

* a sample is **high quality** when it lies within ``threshold`` · σ of its nearest centre;
* a mode is **captured** when it is the nearest centre of at least ``min_count`` high-quality
  samples. The protocols differ here: VEEGAN's and PacGAN's code count a mode with a single
  sample (``min_count=1``, the default, so their numbers compare), which uniform noise reaches
  too; a larger count (the book uses 10 of 2500) is out of reach of noise (see
  :func:`mode_statistics`);
* the **KL to uniform** is KL(p̂ ‖ U) = Σ_k p̂_k log(K p̂_k), with p̂ the histogram of the samples
  over their nearest modes: 0 when every mode gets the same share, log K when one mode gets all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ._checks import as_points, check_positive_float, check_positive_int, make_generator
from .classifier import digits_classifier
from .losses import as_pair, sliced_wasserstein, wasserstein

__all__ = [
    "ClassifierTwoSampleTest",
    "DataCopyingTest",
    "DigitsReport",
    "FrechetCurve",
    "ModeStatistics",
    "classifier_two_sample_test",
    "data_copying_test",
    "digits_inception_score",
    "digits_report",
    "equal_size_precision_recall",
    "feature_frechet_distance",
    "fid",
    "fid_curve",
    "frechet_curve",
    "frechet_distance",
    "gaussian_fit",
    "inception_score",
    "kernel_inception_distance",
    "mode_statistics",
    "precision_recall",
    "sliced_wasserstein",
    "sqrtm_psd",
    "subset_fids",
    "wasserstein",
]


@dataclass(frozen=True)
class ModeStatistics:
    """Result of :func:`mode_statistics`."""

    modes_captured: int
    n_modes: int
    high_quality: float  # fraction of high-quality samples, in [0, 1]
    kl_to_uniform: float  # KL(histogram over nearest modes ‖ uniform), in [0, log K]
    counts: tuple[int, ...]  # high-quality samples per mode
    min_count: int = 1  # high-quality samples a mode needs to count as captured

    def __str__(self) -> str:
        rule = "" if self.min_count == 1 else f" (≥ {self.min_count} samples each)"
        return (
            f"{self.modes_captured}/{self.n_modes} modes{rule}, "
            f"{100 * self.high_quality:.1f}% high quality, "
            f"KL to uniform {self.kl_to_uniform:.3f}"
        )


@torch.no_grad()
def mode_statistics(
    samples: torch.Tensor,
    centres: torch.Tensor,
    std: float,
    *,
    threshold: float = 3.0,
    min_count: int = 1,
) -> ModeStatistics:
    r"""Modes captured, high-quality fraction and KL to uniform of ``samples`` ``(n, d)``.

    ``centres`` ``(K, d)`` are the mixture's means and ``std`` its (common) standard deviation;
    a sample is high quality when ‖x − c_{k(x)}‖ ≤ ``threshold`` · std for its nearest centre
    c_{k(x)}, and a mode is captured when at least ``min_count`` high-quality samples have it as
    their nearest centre. With ``min_count=1`` (VEEGAN's and PacGAN's protocol) noise captures
    modes: 2500 uniform points on [−5, 5]² put Poisson(1.77) points in each 3σ disc of the 5×5
    grid, so about 21 of 25 modes are "captured"; with ``min_count=10`` the chance is
    P(Poisson(1.77) ≥ 10) ≈ 2·10⁻⁵ per mode. Both tensors may be on any device (they are
    compared on the CPU in float64).

    References:
        | VEEGAN: Reducing Mode Collapse in GANs (Srivastava et al., 2017)
        | https://arxiv.org/abs/1705.07761

    Example:
        >>> from gencourse import data
        >>> rho = data.ring()
        >>> stats = mode_statistics(rho.sample(2000, seed=0, device="cpu"), rho.centres, 0.01)
        >>> stats.modes_captured, stats.high_quality > 0.98
        (8, True)
    """
    centres = as_points(centres, "centres").detach().cpu().double()
    samples = as_points(samples, "samples", dim=centres.shape[1]).detach().cpu().double()
    std = check_positive_float(std, "std")
    threshold = check_positive_float(threshold, "threshold")
    min_count = check_positive_int(min_count, "min_count")
    return _mode_statistics(samples, centres, std, threshold, min_count)


def _mode_statistics(
    samples: torch.Tensor, centres: torch.Tensor, std: float, threshold: float, min_count: int
) -> ModeStatistics:
    """:func:`mode_statistics` on checked float64 ``samples`` ``(n, d)`` and ``centres``
    ``(K, d)``: high quality when ‖x − c_{k(x)}‖ ≤ threshold · std, captured with ≥ ``min_count``
    high-quality samples, KL(p̂ ‖ U) = Σ_k p̂_k log(K p̂_k)."""
    distances = torch.cdist(samples, centres)
    nearest_distance, nearest = distances.min(dim=1)
    good = nearest_distance <= threshold * std
    n_modes = centres.shape[0]
    counts = torch.bincount(nearest[good], minlength=n_modes)
    shares = torch.bincount(nearest, minlength=n_modes).double() / samples.shape[0]
    positive = shares > 0
    kl = float((shares[positive] * torch.log(n_modes * shares[positive])).sum())
    return ModeStatistics(
        modes_captured=int((counts >= min_count).sum()),
        n_modes=n_modes,
        high_quality=float(good.double().mean()),
        kl_to_uniform=max(kl, 0.0),
        counts=tuple(int(c) for c in counts),
        min_count=min_count,
    )


# ----------------------------------------------------------------------------------------------
# Fréchet distance
# ----------------------------------------------------------------------------------------------


def _square_matrix(matrix: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(matrix, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(matrix).__name__}")
    if not matrix.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {matrix.dtype}")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be a square matrix (d, d), got shape {tuple(matrix.shape)}")
    if not bool(torch.isfinite(matrix).all()):
        raise ValueError(f"{name} must be finite, but it contains NaN or infinite values")
    return matrix.detach().double()


def sqrtm_psd(matrix: torch.Tensor) -> torch.Tensor:
    r"""Symmetric square root S = V diag(√λ) Vᵀ of a symmetric positive semi-definite ``(d, d)``.

    Computed in float64 by :func:`torch.linalg.eigh` of the symmetrised matrix; eigenvalues that
    rounding made slightly negative are set to 0. Returns float64 on the input's device.
    """
    matrix = _square_matrix(matrix, "matrix")
    matrix = (matrix + matrix.T) / 2
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def gaussian_fit(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean ``(d,)`` and unbiased covariance ``(d, d)`` of ``features`` ``(n, d)``, in float64.

    Needs n ≥ 2; with n ≤ d the covariance is singular (allowed, but a poor estimate).
    """
    features = as_points(features, "features", min_points=2).detach().double()
    mean = features.mean(dim=0)
    centred = features - mean
    return mean, centred.T @ centred / (features.shape[0] - 1)


def frechet_distance(
    mean1: torch.Tensor, cov1: torch.Tensor, mean2: torch.Tensor, cov2: torch.Tensor
) -> float:
    r"""Squared W_2 between N(μ₁, Σ₁) and N(μ₂, Σ₂) (the Fréchet distance of the FID):

    d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^{1/2}.

    Σ₁Σ₂ is not symmetric, but it is similar to the PSD matrix A = Σ₁^{1/2} Σ₂ Σ₁^{1/2}, so
    tr (Σ₁Σ₂)^{1/2} = Σ_k √λ_k(A): computed with symmetric eigendecompositions in float64, which is
    stable where a general matrix square root (``scipy.linalg.sqrtm``) can return complex noise.

    References:
        | GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium
          (Heusel et al., 2017)
        | https://arxiv.org/abs/1706.08500

    Example:
        In 1D, d² = (μ₁ − μ₂)² + (σ₁ − σ₂)²:

        >>> frechet_distance(torch.zeros(1), torch.eye(1), torch.ones(1), 4 * torch.eye(1))
        2.0
    """
    cov1, cov2 = _square_matrix(cov1, "cov1"), _square_matrix(cov2, "cov2")
    if cov1.shape != cov2.shape:
        raise ValueError(
            "cov1 and cov2 must have the same shape, "
            f"got {tuple(cov1.shape)} and {tuple(cov2.shape)}"
        )
    d = cov1.shape[0]
    means = []
    for name, mean in (("mean1", mean1), ("mean2", mean2)):
        if not isinstance(mean, torch.Tensor) or not mean.is_floating_point():
            raise TypeError(f"{name} must be a floating-point torch.Tensor")
        if mean.shape != (d,):
            raise ValueError(
                f"{name} must have shape ({d},) to match the covariances, got {tuple(mean.shape)}"
            )
        if not bool(torch.isfinite(mean).all()):
            raise ValueError(f"{name} must be finite")
        means.append(mean.detach().double().to(cov1.device))
    return _frechet_distance(means[0], cov1, means[1], cov2.to(cov1.device))


def _frechet_distance(
    mean1: torch.Tensor, cov1: torch.Tensor, mean2: torch.Tensor, cov2: torch.Tensor
) -> float:
    """d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 Σ_k √λ_k(Σ₁^{1/2} Σ₂ Σ₁^{1/2}), in float64
    (:func:`frechet_distance` checks the arguments)."""
    root1 = sqrtm_psd(cov1)
    middle = root1 @ cov2 @ root1
    eigenvalues = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp_min(0)
    value = (
        (mean1 - mean2).square().sum()
        + torch.trace(cov1)
        + torch.trace(cov2)
        - 2 * eigenvalues.sqrt().sum()
    )
    return max(float(value), 0.0)


def feature_frechet_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """Fréchet distance between Gaussian fits of two feature sets ``(n, d)`` and ``(m, d)``."""
    x = as_points(x, "x", min_points=2)
    y = as_points(y, "y", dim=x.shape[1], min_points=2)
    return frechet_distance(*gaussian_fit(x), *gaussian_fit(y))


@dataclass(frozen=True)
class FrechetCurve:
    """Result of :func:`frechet_curve`: the Fréchet distance of random subsets of ``sizes`` points
    (mean over ``repeats`` draws), and the least-squares line value = ``limit`` + ``slope`` / n."""

    sizes: tuple[int, ...]
    values: tuple[float, ...]
    limit: float  # the extrapolation n → ∞ (FID_∞ for the classifier's features)
    slope: float  # b in value ≈ limit + b / n: the bias at n is about b / n

    def __str__(self) -> str:
        points = ", ".join(f"{v:.2f} (n = {n})" for n, v in zip(self.sizes, self.values))
        return f"{points}; extrapolated to n → ∞: {self.limit:.2f}"


def frechet_curve(
    x: torch.Tensor,
    reference: torch.Tensor,
    sizes: tuple[int, ...],
    *,
    repeats: int = 1,
    seed: int | torch.Generator | None = 0,
) -> FrechetCurve:
    r"""The Fréchet distance between random subsets of ``x`` ``(N, d)`` of each size n in
    ``sizes`` (drawn without replacement) and all of ``reference`` ``(M, d)``, and its
    extrapolation to n → ∞.

    The estimate from n points is biased upwards: tr Σ̂ and the mean term carry O(1/n) noise that
    the subtracted tr (Σ̂₁Σ₂)^{1/2} does not cancel, so E d²(n) ≈ d²_∞ + b/n. A least-squares line
    in 1/n through the measured points gives d²_∞ at its intercept (Chong & Forsyth 2020, who call
    it FID_∞). The reference's own finite size adds a bias that is the same for every ``x``.
    """
    x = as_points(x, "x", min_points=2)
    reference = as_points(reference, "reference", dim=x.shape[1], min_points=2)
    repeats = check_positive_int(repeats, "repeats")
    if not isinstance(sizes, (tuple, list)) or len(sizes) < 2:
        raise ValueError(f"sizes must be a tuple of at least 2 sample sizes, got {sizes!r}")
    sizes = tuple(check_positive_int(n, "sizes", minimum=2) for n in sizes)
    if len(set(sizes)) < 2 or max(sizes) > x.shape[0]:
        raise ValueError(
            f"sizes must hold at least 2 different sizes, each at most the {x.shape[0]} points "
            f"of x, got {sizes}"
        )
    return _frechet_curve(x, reference, sizes, repeats, make_generator(seed))


def _frechet_curve(
    x: torch.Tensor,
    reference: torch.Tensor,
    sizes: tuple[int, ...],
    repeats: int,
    generator: torch.Generator | None,
) -> FrechetCurve:
    """The mean Fréchet distance of ``repeats`` random subsets of n rows of ``x`` at each n of
    ``sizes``, and the least-squares line d²(n) ≈ d²_∞ + b/n (:func:`frechet_curve` checks the
    arguments)."""
    reference_fit = gaussian_fit(reference)
    values = []
    for n in sizes:
        draws = [torch.randperm(x.shape[0], generator=generator)[:n] for _ in range(repeats)]
        values.append(
            sum(frechet_distance(*gaussian_fit(x[i.to(x.device)]), *reference_fit) for i in draws)
            / repeats
        )
    inverse = torch.tensor([1.0 / n for n in sizes], dtype=torch.float64)
    design = torch.stack([torch.ones_like(inverse), inverse], dim=1)  # value ≈ limit + slope / n
    targets = torch.tensor(values, dtype=torch.float64)[:, None]
    limit, slope = torch.linalg.lstsq(design, targets).solution[:, 0].tolist()
    return FrechetCurve(sizes=sizes, values=tuple(values), limit=limit, slope=slope)


def subset_fids(
    n: int,
    *,
    features: torch.Tensor,
    reference_fit: tuple[torch.Tensor, torch.Tensor],
    repeats: int = 8,
    seed: int | torch.Generator | None = 0,
) -> torch.Tensor:
    """The Fréchet distance between the Gaussian fit of ``repeats`` random subsets of n rows of
    ``features`` ``(N, d)`` (drawn without replacement; ``seed``: the package's randomness
    argument, an int, a ``torch.Generator`` or None) and ``reference_fit`` = (mean ``(d,)``,
    covariance ``(d, d)``): shape ``(repeats,)``, float64.

    Example:
        >>> features = torch.randn(500, 3, generator=torch.Generator().manual_seed(0))
        >>> fids = subset_fids(100, features=features, reference_fit=gaussian_fit(features))
        >>> fids.shape, bool((fids > 0).all())
        (torch.Size([8]), True)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= len(features):
        raise ValueError(f"n must be an integer in [2, {len(features)}] (the rows), got {n}")
    return _subset_fids(n, features, reference_fit, repeats, make_generator(seed))


def _subset_fids(
    n: int,
    features: torch.Tensor,
    reference_fit: tuple[torch.Tensor, torch.Tensor],
    repeats: int,
    generator: torch.Generator | None,
) -> torch.Tensor:
    """d²(fit of n random rows of ``features``, ``reference_fit``) for ``repeats`` draws without
    replacement, shape ``(repeats,)`` (:func:`subset_fids` checks the arguments)."""
    values = []
    for _ in range(repeats):
        rows = torch.randperm(len(features), generator=generator)[:n].to(features.device)
        values.append(frechet_distance(*gaussian_fit(features[rows]), *reference_fit))
    return torch.tensor(values, dtype=torch.float64)


# ----------------------------------------------------------------------------------------------
# Inception score, precision and recall
# ----------------------------------------------------------------------------------------------


@torch.no_grad()
def inception_score(probabilities: torch.Tensor, *, splits: int = 10) -> tuple[float, float]:
    r"""Inception score exp(E_x KL(p(y|x) ‖ p(y))) of class probabilities ``(n, K)``, mean and std
    over ``splits`` equal parts (Salimans et al. 2016), with p(y) the mean prediction of each part.

    It lies in [1, K]: K when every prediction is confident (one class) and the classes are used
    equally; 1 when every prediction is the same. The spread is the sample standard deviation
    (divisor ``splits`` − 1) of the per-split scores, NaN for ``splits=1``.

    Each split estimates p(y) from its own m = n / ``splits`` rows, which biases the score down:
    for confident predictions log IS loses about (K − 1) / (2m) (the plug-in entropy's bias), 12 %
    of the score with K = 10 and m = 36. Keep the splits large (Salimans et al. use 10 splits of
    5000).
    """
    probabilities = as_points(probabilities, "probabilities").detach().double()
    if bool((probabilities < 0).any()) or not torch.allclose(
        probabilities.sum(dim=1),
        torch.ones(probabilities.shape[0], dtype=torch.float64, device=probabilities.device),
        atol=1e-4,
    ):
        raise ValueError(
            "probabilities must be non-negative with rows summing to 1 (apply softmax to logits)"
        )
    splits = check_positive_int(splits, "splits")
    if probabilities.shape[0] < splits:
        raise ValueError(
            f"need at least splits={splits} rows of probabilities, got {probabilities.shape[0]}"
        )
    return _inception_score(probabilities, splits)


def _inception_score(probabilities: torch.Tensor, splits: int) -> tuple[float, float]:
    """exp(mean_x KL(p(y|x) ‖ p(y))) on each of ``splits`` parts of the checked float64
    ``probabilities`` ``(n, K)``, p(y) the part's mean row; the mean and sample std of the
    parts' scores (:func:`inception_score` checks the arguments)."""
    scores = []
    for part in torch.tensor_split(probabilities, splits):
        marginal = part.mean(dim=0, keepdim=True)
        kl = torch.where(
            part > 0,
            part * (torch.log(part.clamp_min(1e-300)) - torch.log(marginal.clamp_min(1e-300))),
            0.0,
        )
        scores.append(float(torch.exp(kl.sum(dim=1).mean())))
    scores_t = torch.tensor(scores, dtype=torch.float64)
    spread = float(scores_t.std()) if splits > 1 else float("nan")  # sample std (n − 1)
    return float(scores_t.mean()), spread


def _kth_neighbour_radius(points: torch.Tensor, k: int, batch_size: int) -> torch.Tensor:
    radii = []
    for chunk in torch.split(points, batch_size):
        distances = torch.cdist(chunk, points)
        radii.append(distances.kthvalue(k + 1, dim=1).values)  # the point itself is at distance 0
    return torch.cat(radii)


def _inside_balls(
    queries: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch_size: int
) -> torch.Tensor:
    inside = []
    for chunk in torch.split(queries, batch_size):
        inside.append((torch.cdist(chunk, centres) <= radii[None, :]).any(dim=1))
    return torch.cat(inside)


@torch.no_grad()
def precision_recall(
    real: torch.Tensor, fake: torch.Tensor, *, k: int = 3, batch_size: int = 1024
) -> tuple[float, float]:
    r"""Improved precision and recall for distributions (Kynkäänniemi et al. 2019).

    The manifold of a set is the union of balls B(φ_i, r_i) with r_i the distance from φ_i to its
    k-th nearest neighbour in the same set. **Precision**: fraction of ``fake`` ``(m, d)`` inside
    the manifold of ``real`` ``(n, d)`` (are samples realistic?); **recall**: fraction of ``real``
    inside the manifold of ``fake`` (is the data's variety covered?). Both in [0, 1]; computed in
    float64 on the tensors' device, in batches of ``batch_size`` rows.
    """
    real, fake = as_pair(real, fake, "real", "fake")
    k = check_positive_int(k, "k")
    batch_size = check_positive_int(batch_size, "batch_size")
    if k >= min(real.shape[0], fake.shape[0]):
        raise ValueError(
            f"k must be smaller than both set sizes ({real.shape[0]}, {fake.shape[0]}), got {k}"
        )
    return _precision_recall(real.detach().double(), fake.detach().double(), k, batch_size)


def _precision_recall(
    real: torch.Tensor, fake: torch.Tensor, k: int, batch_size: int
) -> tuple[float, float]:
    """Precision: the fraction of ``fake`` inside ∪_i B(real_i, r_i), r_i the distance to the
    k-th nearest neighbour of real_i in ``real``; recall: the converse
    (:func:`precision_recall` checks the arguments)."""
    real_radii = _kth_neighbour_radius(real, k, batch_size)
    fake_radii = _kth_neighbour_radius(fake, k, batch_size)
    precision = float(_inside_balls(fake, real, real_radii, batch_size).double().mean())
    recall = float(_inside_balls(real, fake, fake_radii, batch_size).double().mean())
    return precision, recall


@torch.no_grad()
def equal_size_precision_recall(
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    k: int = 3,
    repeats: int = 8,
    seed: int | torch.Generator | None = 0,
    batch_size: int = 1024,
) -> tuple[float, float]:
    r""":func:`precision_recall` of ``real`` ``(n, d)`` and ``fake`` ``(m, d)`` at equal sizes: the
    larger set is subsampled without replacement to min(n, m) rows, and precision and recall are
    averaged over ``repeats`` such subsets (computed once when n = m).

    Why: the k-th neighbour radius of a point shrinks as its set grows, so with n ≠ m the two
    manifolds are estimated at different resolutions and precision and recall no longer compare:
    for two samples of N(0, I_64) of n = 1437 and m = 180 points, precision is lower by about 0.07
    than at equal sizes (the direction and size of the bias depend on the sizes, the dimension
    and the law). At equal sizes,
    two samples of one law have equal expected precision and recall (exchangeability), and
    Kynkäänniemi et al. compare equal sizes.
    ``seed``: the package's randomness argument (an int, a ``torch.Generator`` or None).

    References:
        | Improved Precision and Recall Metric for Assessing Generative Models
          (Kynkäänniemi et al., 2019)
        | https://arxiv.org/abs/1904.06991

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> real, fake = torch.randn(400, 2, generator=g), torch.randn(100, 2, generator=g)
        >>> precision, recall = equal_size_precision_recall(real, fake)
        >>> 0.8 < precision <= 1 and 0.8 < recall <= 1
        True
    """
    real, fake = as_pair(real, fake, "real", "fake")
    k = check_positive_int(k, "k")
    repeats = check_positive_int(repeats, "repeats")
    batch_size = check_positive_int(batch_size, "batch_size")
    size = min(real.shape[0], fake.shape[0])
    if k >= size:
        raise ValueError(
            f"k must be smaller than both set sizes ({real.shape[0]}, {fake.shape[0]}), got {k}"
        )
    real, fake = real.detach().double(), fake.detach().double()
    if real.shape[0] == fake.shape[0]:
        return _precision_recall(real, fake, k, batch_size)
    generator = make_generator(seed)
    precision, recall = 0.0, 0.0
    for _ in range(repeats):
        real_rows = torch.randperm(real.shape[0], generator=generator)[:size].to(real.device)
        fake_rows = torch.randperm(fake.shape[0], generator=generator)[:size].to(fake.device)
        p, r = _precision_recall(real[real_rows], fake[fake_rows], k, batch_size)
        precision, recall = precision + p / repeats, recall + r / repeats
    return precision, recall


# ----------------------------------------------------------------------------------------------
# Kernel inception distance, data copying, classifier two-sample test
# ----------------------------------------------------------------------------------------------


@torch.no_grad()
def kernel_inception_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    r"""Kernel inception distance: the unbiased estimate (a U-statistic) of MMD²(P, Q) between
    feature sets ``x`` ``(n, d)`` ~ P and ``y`` ``(m, d)`` ~ Q, with the cubic polynomial kernel
    k(a, b) = (aᵀb / d + 1)³ (Bińkowski et al. 2018):

    KID = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j)
          − 2/(nm) Σ_{i,j} k(x_i, y_j).

    Unlike the FID, its expectation does not depend on n and m: E KID = MMD²(P, Q), which is 0
    when P = Q, so a single estimate may be negative. On the digits classifier's features (the
    FID's) it is the book's KID. Needs n, m ≥ 2; computed in float64 on the tensors' device.

    References:
        | Demystifying MMD GANs (Bińkowski et al., 2018)
        | https://arxiv.org/abs/1801.01401

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.randn(500, 4, generator=g), torch.randn(500, 4, generator=g)
        >>> abs(kernel_inception_distance(x, y)) < 0.05 < kernel_inception_distance(x, y + 1)
        True
    """
    x, y = as_pair(x, y)
    for name, points in (("x", x), ("y", y)):
        if points.shape[0] < 2:
            raise ValueError(f"{name} must hold at least 2 points (a U-statistic), got 1")
    return _kernel_inception_distance(x.detach().double(), y.detach().double())


def _kernel_inception_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """The U-statistic MMD²_u of float64 ``x`` ``(n, d)`` and ``y`` ``(m, d)`` with
    k(a, b) = (aᵀb / d + 1)³: the diagonals k(x_i, x_i) are left out of the within-set means
    (:func:`kernel_inception_distance` checks the arguments)."""
    n, m, d = x.shape[0], y.shape[0], x.shape[1]
    k_xx = (x @ x.T / d + 1) ** 3
    k_yy = (y @ y.T / d + 1) ** 3
    k_xy = (x @ y.T / d + 1) ** 3
    within_x = (k_xx.sum() - k_xx.diagonal().sum()) / (n * (n - 1))
    within_y = (k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return float(within_x + within_y - 2 * k_xy.mean())


@dataclass(frozen=True)
class DataCopyingTest:
    """Result of :func:`data_copying_test`."""

    z: float  # Mann–Whitney z: < 0 when samples lie closer to the training set than held-out data
    p_value: float  # one-sided Φ(z): small when the samples copy the training set
    u: float  # the samples' Mann–Whitney U: pairs (i, j) with a_i > b_j, ties counting ½
    median_sample_distance: float  # median distance from a sample to its nearest training point
    median_held_out_distance: float  # the same for the held-out points

    def __str__(self) -> str:
        return (
            f"z = {self.z:.2f} (p = {self.p_value:.2g}), median distance to the training set "
            f"{self.median_sample_distance:.3f} (held out: {self.median_held_out_distance:.3f})"
        )


@torch.no_grad()
def data_copying_test(
    samples: torch.Tensor, training: torch.Tensor, held_out: torch.Tensor
) -> DataCopyingTest:
    r"""The data-copying test of Meehan et al. (2020) with one cell: do the ``samples`` ``(n, d)``
    lie closer to the ``training`` set ``(N, d)`` than fresh data ``held_out`` ``(m, d)`` does?

    With a_i = min_k ‖samples_i − training_k‖ and b_j = min_k ‖held_out_j − training_k‖, the
    Mann–Whitney statistic U = Σ_{i,j} (1[a_i > b_j] + ½ 1[a_i = b_j]) has mean nm/2 and variance
    σ² = nm/12 · (n + m + 1 − Σ_t (t³ − t) / ((n + m)(n + m − 1))) (t: the sizes of groups of
    tied distances) when the samples are as far from the training set as fresh data is, and
    z = (U − nm/2) / σ (no continuity correction). z ≪ 0: the samples copy the training set
    (p = Φ(z), one-sided); z ≫ 0: they lie farther from it than the data (underfitting). Meehan
    et al. also split the space into cells and average z over them, which sees copying
    in a region only; with one cell the test sees copying that dominates the samples.

    References:
        | A Non-Parametric Test to Detect Data-Copying in Generative Models
          (Meehan, Chaudhuri & Dasgupta, 2020)
        | https://arxiv.org/abs/2004.05675

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> train, fresh = torch.randn(300, 2, generator=g), torch.randn(100, 2, generator=g)
        >>> copies = train[:100] + 0.01 * torch.randn(100, 2, generator=g)
        >>> data_copying_test(copies, train, fresh).p_value < 1e-6
        True
    """
    samples = as_points(samples, "samples")
    training = as_points(training, "training", dim=samples.shape[1])
    held_out = as_points(held_out, "held_out", dim=samples.shape[1])
    if len({samples.device, training.device, held_out.device}) > 1:
        raise ValueError("samples, training and held_out must be on the same device")
    return _data_copying_test(samples.double(), training.double(), held_out.double())


def _data_copying_test(
    samples: torch.Tensor, training: torch.Tensor, held_out: torch.Tensor
) -> DataCopyingTest:
    """Nearest-training-point distances a (samples) and b (held out), their Mann–Whitney U with
    tie-averaged ranks and its normal z (:func:`data_copying_test` checks the arguments)."""
    a = torch.cdist(samples, training).min(dim=1).values
    b = torch.cdist(held_out, training).min(dim=1).values
    n, m = a.numel(), b.numel()
    pooled = torch.cat([a, b])
    _, inverse, counts = torch.unique(pooled, return_inverse=True, return_counts=True)
    ranks = (torch.cumsum(counts, 0) - (counts - 1) / 2).double()[inverse]  # ties: mean rank
    u = float(ranks[:n].sum()) - n * (n + 1) / 2
    ties = float((counts.double() ** 3 - counts).sum()) / ((n + m) * (n + m - 1))
    sigma = math.sqrt(n * m / 12 * (n + m + 1 - ties))
    z = (u - n * m / 2) / sigma
    return DataCopyingTest(
        z=z,
        p_value=0.5 * math.erfc(-z / math.sqrt(2)),  # Φ(z)
        u=u,
        median_sample_distance=float(a.median()),
        median_held_out_distance=float(b.median()),
    )


@dataclass(frozen=True)
class ClassifierTwoSampleTest:
    """Result of :func:`classifier_two_sample_test`."""

    accuracy: float  # held-out accuracy of the classifier telling x from y
    p_value: float  # permutation p-value, (1 + #{permuted accuracy ≥ accuracy}) / (1 + B)
    n_test: int  # points in the held-out half
    correct: int  # correctly classified held-out points

    def __str__(self) -> str:
        return f"accuracy {self.accuracy:.3f} on {self.n_test} points (p = {self.p_value:.3g})"


@torch.no_grad()
def classifier_two_sample_test(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    k: int = 5,
    permutations: int = 1000,
    seed: int | torch.Generator | None = 0,
) -> ClassifierTwoSampleTest:
    r"""Classifier two-sample test of Lopez-Paz & Oquab (2017): can a classifier tell ``x``
    ``(n, d)`` from ``y`` ``(m, d)``?

    The pooled points, labelled 0 (``x``) and 1 (``y``), are split at random into halves; a
    k-nearest-neighbour classifier (scikit-learn's ``KNeighborsClassifier``, majority of ``k``
    neighbours, ``k`` odd) is fitted on one half and scored on the other. Under H₀: P = Q its
    held-out accuracy is about ½; the p-value compares it with the accuracies obtained after
    ``permutations`` random permutations of the labels of all points (the split and so the
    neighbours unchanged): p = (1 + #{t_b ≥ t}) / (1 + B), valid at any size.
    ``seed``: the package's randomness argument (an int, a ``torch.Generator`` or None).

    References:
        | Revisiting Classifier Two-Sample Tests (Lopez-Paz & Oquab, 2017)
        | https://arxiv.org/abs/1610.06545

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.randn(200, 2, generator=g), torch.randn(200, 2, generator=g)
        >>> classifier_two_sample_test(x, y + 2).p_value < 0.01 < classifier_two_sample_test(
        ...     x, y).p_value
        True
    """
    x, y = as_pair(x, y)
    k = check_positive_int(k, "k")
    if k % 2 == 0:
        raise ValueError(f"k must be odd (a majority vote without ties), got {k}")
    permutations = check_positive_int(permutations, "permutations")
    if (x.shape[0] + y.shape[0]) // 2 <= k:
        raise ValueError(
            f"k must be smaller than the {(x.shape[0] + y.shape[0]) // 2} training points "
            f"(half of x and y), got {k}"
        )
    return _classifier_two_sample_test(x, y, k, permutations, make_generator(seed))


def _classifier_two_sample_test(
    x: torch.Tensor, y: torch.Tensor, k: int, permutations: int, generator: torch.Generator | None
) -> ClassifierTwoSampleTest:
    """Fit k-NN on a random half of the labelled pooled points, score it on the other half, and
    rescore it with permuted labels (:func:`classifier_two_sample_test` checks the arguments)."""
    from sklearn.neighbors import KNeighborsClassifier  # a well-kept k-NN, not a hand-written one

    points = torch.cat([x, y]).detach().double().cpu().numpy()
    labels = np.r_[np.zeros(x.shape[0], dtype=np.int64), np.ones(y.shape[0], dtype=np.int64)]
    order = torch.randperm(len(labels), generator=generator).numpy()
    train, test = order[: len(order) // 2], order[len(order) // 2 :]
    knn = KNeighborsClassifier(n_neighbors=k).fit(points[train], labels[train])
    correct = int((knn.predict(points[test]) == labels[test]).sum())
    # the permutation null: the same neighbours, labels shuffled over all points
    neighbours = knn.kneighbors(points[test], return_distance=False)  # (n_test, k) in train
    shuffled = np.stack(
        [
            labels[torch.randperm(len(labels), generator=generator).numpy()]
            for _ in range(permutations)
        ]
    )
    votes = shuffled[:, train][:, neighbours].sum(axis=2) > k / 2  # (B, n_test)
    null_correct = (votes == shuffled[:, test].astype(bool)).sum(axis=1)
    return ClassifierTwoSampleTest(
        accuracy=correct / len(test),
        p_value=float((1 + (null_correct >= correct).sum()) / (1 + permutations)),
        n_test=len(test),
        correct=correct,
    )


# ----------------------------------------------------------------------------------------------
# On the digits classifier (the book's Inception network)
# ----------------------------------------------------------------------------------------------


def fid(images: torch.Tensor, reference: torch.Tensor) -> float:
    """FID of ``images`` against ``reference`` (digits in [0, 1], ``(n, 64)`` or ``(n, 8, 8)``):
    the Fréchet distance between Gaussian fits of the shipped digits classifier's 64 features.

    It depends on the number n of ``images`` (it decreases like b/n towards its limit, see
    :func:`fid_curve`): compare models at the same n, and report n beside the value."""
    model = digits_classifier()
    features_x, _ = model.predict(images)
    features_y, _ = model.predict(reference)
    if features_x.shape[0] < 2 or features_y.shape[0] < 2:
        raise ValueError("the FID needs at least 2 images in each set to fit a covariance")
    return feature_frechet_distance(features_x, features_y)


def fid_curve(
    images: torch.Tensor,
    reference: torch.Tensor,
    sizes: tuple[int, ...],
    *,
    repeats: int = 1,
    seed: int | torch.Generator | None = 0,
) -> FrechetCurve:
    """:func:`frechet_curve` on the shipped digits classifier's features: the FID of random subsets
    of ``images`` of each size in ``sizes`` against all of ``reference``, and FID_∞."""
    model = digits_classifier()
    features_x, _ = model.predict(images)
    features_y, _ = model.predict(reference)
    return frechet_curve(features_x, features_y, sizes, repeats=repeats, seed=seed)


def digits_inception_score(images: torch.Tensor, *, splits: int = 10) -> tuple[float, float]:
    """Inception score (mean, sample std over ``splits``) of digits in [0, 1] under the shipped
    classifier; each split should hold hundreds of images (see :func:`inception_score`)."""
    _, probabilities = digits_classifier().predict(images)
    return inception_score(probabilities, splits=splits)


@dataclass(frozen=True)
class DigitsReport:
    """Result of :func:`digits_report`."""

    n: int  # number of images scored (the FID and the IS depend on it)
    fid: float
    inception_score: float
    inception_std: float  # sample std over the splits (NaN for one split)
    precision: float
    recall: float
    classes_covered: int  # classes with at least min_share of the confidently classified samples
    confident: float  # fraction of samples classified with confidence ≥ the threshold
    class_shares: tuple[float, ...]  # predicted class histogram of the samples

    def __str__(self) -> str:
        spread = "" if self.inception_std != self.inception_std else f" ± {self.inception_std:.2f}"
        return (
            f"n = {self.n}: FID {self.fid:.2f}, IS {self.inception_score:.2f}{spread}, "
            f"precision {self.precision:.3f}, recall {self.recall:.3f}, "
            f"{self.classes_covered}/10 classes"
        )


def digits_report(
    images: torch.Tensor,
    reference: torch.Tensor,
    *,
    k: int = 3,
    splits: int = 1,
    confidence: float = 0.9,
    min_share: float = 0.05,
    repeats: int = 8,
) -> DigitsReport:
    """Every classifier-based metric of ``images`` against ``reference`` (digits in [0, 1]) in one
    pass: FID, Inception score (one split of all n images by default: smaller splits bias it down),
    precision and recall (k-NN balls in the classifier's feature space, at equal set sizes: the
    larger set is subsampled, mean over ``repeats`` subsets, see
    :func:`equal_size_precision_recall`) and the digits' analogue of
    modes captured: a sample is *confident* when the classifier gives its class probability
    ≥ ``confidence`` (the analogue of a high-quality sample), and a class is covered when it
    receives at least ``min_share`` of the confident samples (half the uniform share by default, so
    that the classifier's rare confident mistakes do not count as coverage)."""
    confidence = check_positive_float(confidence, "confidence")
    if confidence > 1:
        raise ValueError(f"confidence must lie in (0, 1], got {confidence}")
    min_share = check_positive_float(min_share, "min_share")
    if min_share > 1:
        raise ValueError(f"min_share must lie in (0, 1], got {min_share}")
    model = digits_classifier()
    features, probabilities = model.predict(images)
    reference_features, _ = model.predict(reference)
    score, spread = inception_score(probabilities, splits=splits)
    precision, recall = equal_size_precision_recall(
        reference_features, features, k=k, repeats=repeats
    )
    top, label = probabilities.max(dim=1)
    sure = top >= confidence
    shares = torch.bincount(label, minlength=10).double() / label.numel()
    return DigitsReport(
        n=features.shape[0],
        fid=feature_frechet_distance(features, reference_features),
        inception_score=score,
        inception_std=spread,
        precision=precision,
        recall=recall,
        classes_covered=int(
            (
                torch.bincount(label[sure], minlength=10) >= min_share * max(int(sure.sum()), 1)
            ).sum()
        ),
        confident=float(sure.double().mean()),
        class_shares=tuple(float(v) for v in shares),
    )
