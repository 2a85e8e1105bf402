r"""Classical density estimators in the lecture's basis-expansion form.

The histogram, the Gaussian kernel density estimator (KDE) and the Gaussian mixture model (GMM)
all write the estimate of ρ* as

.. math::

    \hat f_h(x; a, \mu) = \sum_{j=1}^m a_j\, k_h(x, \mu_j), \qquad a_j \ge 0,\ \sum_j a_j = 1,

and differ only in the centres μ_j, the weights a_j and the kernel k_h:

==============  =======================  =================  ====================================
estimator       centres μ_j              weights a_j        kernel k_h(x, μ_j)
==============  =======================  =================  ====================================
histogram       the m = B^d bin centres   counts / n         1[x in bin j] / h^d (bin width h)
KDE             the n data points x_j     1 / n              N(x; x_j, h² I)
GMM             K fitted means            fitted π_j         N(x; μ_j, Σ_j) (Σ_j plays h's role)
==============  =======================  =================  ====================================

:class:`BasisExpansion` holds (a, μ) and evaluates log f̂ by a log-sum-exp over j; each
estimator only supplies its kernel. All computations are batched torch code on any device.

Input dtypes: the estimators store their centres and weights in float32 (the GMM's covariances in
float64), so training data are converted to float32; queries in float32 or float64 are evaluated
in their dtype. Half-precision data and queries (float16, bfloat16) are upcast to float32 first,
which is exact (float32 holds every float16 and bfloat16 value): a fit or a query in half
precision gives the numbers of the same values in float32. This is scikit-learn's rule too: its
``check_array`` upcasts float16 input (to float64, its working precision: ``KernelDensity``,
``GaussianMixture``) instead of refusing it, since nothing is lost, whereas log-densities
computed *in* half precision would lose most digits (float16 keeps about three) and overflow
below −65504. Other dtypes (integers, bool) raise a :class:`TypeError` naming the argument.

An estimator used before ``fit`` raises :class:`NotFittedError`, a :class:`ValueError`
(scikit-learn's convention).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn

from ._checks import (
    NotFittedError,
    as_points,
    check_positive_float,
    check_positive_int,
    check_same_device,
    make_generator,
)
from .config import progress_bar, resolve_device
from .data import gaussian_pair

if TYPE_CHECKING:
    from .data import Toy

__all__ = [
    "GMM",
    "KDE",
    "BasisExpansion",
    "Histogram",
    "NotFittedError",
    "bandwidth_rule",
    "curse_of_dimensionality",
    "kde_log_probs",
    "kde_tv_error",
    "power_law_fit",
    "samples_needed",
    "total_variation_mc",
]

_LOG_2PI = math.log(2 * math.pi)

#: Half-precision dtypes, upcast (exactly) to float32 before fitting or evaluating (see above).
_HALF = (torch.float16, torch.bfloat16)


def _upcast_half(x: torch.Tensor) -> torch.Tensor:
    """``x`` in float32 if it is in half precision (an exact conversion), else ``x`` itself."""
    return x.float() if x.dtype in _HALF else x


class BasisExpansion(nn.Module):
    r"""An estimate f̂(x) = Σ_j a_j k_h(x, μ_j) with weights a (m,) and centres μ (m, d).

    Subclasses implement :meth:`log_kernel` (log k_h(x, μ_j) for every pair) and
    :meth:`_sample_kernel` (a draw from k_h(·, μ_j)); they call :meth:`_set_basis` when fitted.
    """

    weights: torch.Tensor
    centres: torch.Tensor

    def __init__(self, device: torch.device | str | None = None) -> None:
        super().__init__()
        self._device = resolve_device(device)
        self.register_buffer("weights", torch.empty(0, device=self._device))
        self.register_buffer("centres", torch.empty(0, 0, device=self._device))

    @property
    def dim(self) -> int:
        """Dimension d of the fitted data (0 before fitting)."""
        return self.centres.shape[1]

    @property
    def is_fitted(self) -> bool:
        return self.weights.numel() > 0

    def _set_basis(self, weights: torch.Tensor, centres: torch.Tensor) -> None:
        self.weights = weights.to(self._device, torch.float32)
        self.centres = centres.to(self._device, torch.float32)

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit first, e.g. .fit(x)"
            )

    def _check_query(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        """Check query points against the fitted estimator; half precision is upcast."""
        self._check_fitted()
        x = as_points(x, name, dim=self.dim)
        check_same_device(x, name, self.centres.device)
        return _upcast_half(x)

    def _data(self, x: torch.Tensor, name: str = "x", min_points: int = 1) -> torch.Tensor:
        """Check training data and move it to the estimator's device in float32 (fitting may move
        data; half precision is upcast exactly, float64 rounded to the stored float32)."""
        return as_points(x, name, min_points=min_points).to(self._device, torch.float32)

    @abstractmethod
    def log_kernel(self, x: torch.Tensor) -> torch.Tensor:
        """log k_h(x_i, μ_j) for every query x_i and centre μ_j: shape ``(n, m)``."""

    @abstractmethod
    def _sample_kernel(
        self, index: torch.Tensor, generator: torch.Generator | None
    ) -> torch.Tensor:
        """One draw from k_h(·, μ_j) for each j in ``index`` (shape ``(n,)``), on the CPU."""

    def log_prob(self, x: torch.Tensor, chunk_size: int = 1024) -> torch.Tensor:
        """log f̂(x) = logsumexp_j (log a_j + log k_h(x, μ_j)); ``x`` (n, d) → ``(n,)``.

        Queries are processed ``chunk_size`` rows at a time so that the (n, m) kernel matrix
        never has to fit in memory at once.

        Raises:
            NotFittedError: before :meth:`fit`.
        """
        x = self._check_query(x)
        chunk_size = check_positive_int(chunk_size, "chunk_size")
        return self._log_prob(x, chunk_size)

    def _log_prob(self, x: torch.Tensor, chunk_size: int) -> torch.Tensor:
        """log f̂(x) = logsumexp_j (log a_j + log k_h(x, μ_j)), ``chunk_size`` queries at a time."""
        log_a = torch.log(self.weights)
        parts = [
            torch.logsumexp(log_a + self.log_kernel(chunk), dim=1) for chunk in x.split(chunk_size)
        ]
        return torch.cat(parts)

    @torch.no_grad()
    def sample(self, n: int, seed: int | torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` points from f̂: pick j with probability a_j, then draw from k_h(·, μ_j).

        Raises:
            NotFittedError: before :meth:`fit`.
        """
        self._check_fitted()
        n = check_positive_int(n, "n")
        return self._sample(n, make_generator(seed))

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """n draws from f̂: an index j with probability a_j, then a draw from k_h(·, μ_j)."""
        index = torch.multinomial(self.weights.cpu(), n, replacement=True, generator=generator)
        return self._sample_kernel(index, generator).to(self.centres.device)


def bandwidth_rule(x: torch.Tensor, rule: str = "scott") -> float:
    r"""Rule-of-thumb bandwidth h = σ̂ · c(n, d) for a Gaussian KDE.

    σ̂ is the root mean of the per-coordinate sample variances (ddof = 1), and
    Scott's factor is c = n^{−1/(d+4)}, Silverman's c = (n (d + 2) / 4)^{−1/(d+4)}
    (the factors of :class:`scipy.stats.gaussian_kde`).
    """
    x = as_points(x, "x", min_points=2)
    n, d = x.shape
    if rule == "scott":
        factor = n ** (-1.0 / (d + 4))
    elif rule == "silverman":
        factor = (n * (d + 2) / 4.0) ** (-1.0 / (d + 4))
    else:
        raise ValueError(f"rule must be 'scott' or 'silverman', got {rule!r}")
    sigma = float(x.double().var(dim=0, unbiased=True).mean().sqrt())
    if sigma == 0:
        raise ValueError("x has zero variance: a bandwidth rule cannot be applied")
    return sigma * factor


class KDE(BasisExpansion):
    r"""Gaussian kernel density estimator f̂_h(x) = (1/n) Σ_j N(x; x_j, h² I).

    Args:
        bandwidth: h > 0, or ``"scott"`` / ``"silverman"`` for :func:`bandwidth_rule`.
        device: where the centres live (default :func:`gencourse.device`).
    """

    def __init__(
        self, bandwidth: float | str = "scott", device: torch.device | str | None = None
    ) -> None:
        super().__init__(device)
        if isinstance(bandwidth, str):
            if bandwidth not in ("scott", "silverman"):
                raise ValueError(
                    "bandwidth must be a positive number, 'scott' or 'silverman', "
                    f"got {bandwidth!r}"
                )
        else:
            bandwidth = check_positive_float(bandwidth, "bandwidth")
        self.bandwidth = bandwidth
        self.h = float("nan")  # the bandwidth in use, set by fit

    def fit(self, x: torch.Tensor) -> KDE:
        """Use the data points as centres μ_j = x_j with weights a_j = 1/n."""
        x = self._data(x, min_points=2 if isinstance(self.bandwidth, str) else 1)
        self.h = (
            bandwidth_rule(x, self.bandwidth)
            if isinstance(self.bandwidth, str)
            else self.bandwidth
        )
        n = x.shape[0]
        self._set_basis(torch.full((n,), 1.0 / n), x)
        return self

    def log_kernel(self, x: torch.Tensor) -> torch.Tensor:
        d = self.dim
        sq = torch.cdist(x.double(), self.centres.double()).square_()  # ‖x_i − μ_j‖², (n, m)
        # log N(x_i; μ_j, h² I) = −‖x_i − μ_j‖² / 2h² − d log h − (d/2) log 2π, in place
        return (
            sq.mul_(-0.5 / self.h**2).add_(-d * math.log(self.h) - 0.5 * d * _LOG_2PI).to(x.dtype)
        )

    def _sample_kernel(
        self, index: torch.Tensor, generator: torch.Generator | None
    ) -> torch.Tensor:
        noise = torch.randn(index.shape[0], self.dim, generator=generator)
        return self.centres.cpu()[index] + self.h * noise


def kde_log_probs(
    x: torch.Tensor, centres: torch.Tensor, bandwidths: Sequence[float], chunk_size: int = 1024
) -> torch.Tensor:
    r"""log f̂_h(x) of the Gaussian KDE on ``centres`` (m, d) for several bandwidths h at once.

    Returns shape ``(len(bandwidths), n)`` for ``x`` (n, d); row k equals
    ``KDE(bandwidths[k]).fit(centres).log_prob(x)``:

    .. math:: \log \hat f_h(x_i) = \operatorname{logsumexp}_j\bigl(-\|x_i - \mu_j\|^2 / 2h^2\bigr)
              - \log m - d \log h - \tfrac d2 \log 2\pi.

    The squared distances are computed once (in float64, then rounded to float32) and shared by
    every bandwidth. Queries are processed in chunks of at most ``chunk_size`` rows and about 2²⁰
    distances, small enough for the matrix to stay in the CPU's cache while every bandwidth reads
    it (1.5 to 3 times faster than 1024-row chunks for m = 30 000 centres on a 2-core CPU).

    Each row is shifted by its smallest squared distance s_i = min_j ‖x_i − μ_j‖², so that the
    largest term of every sum is e⁰ = 1, and the exponents are clamped at −87 before ``exp``:
    e^{−87} ≈ 1.6·10⁻³⁸ is float32's smallest normal number, and a term below it changes a sum
    ≥ 1 by less than m·10⁻³⁸. Without the clamp, the far pairs of a high-dimensional sample
    produce subnormal numbers, on which a CPU's ``exp`` is several times slower (measured: 0.9 s
    instead of 2.4 to 6 s for 2000 queries, 30 000 centres, d = 16 and seven bandwidths).
    """
    x = as_points(x, "x")
    centres = as_points(centres, "centres", dim=x.shape[1])
    check_same_device(x, "x", centres.device)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    hs = [check_positive_float(h, "bandwidths") for h in bandwidths]
    if not hs:
        raise ValueError("bandwidths must hold at least one bandwidth")
    m, d = centres.shape
    offsets = torch.tensor(
        [-math.log(m) - d * math.log(h) - 0.5 * d * _LOG_2PI for h in hs], device=x.device
    )
    mu = centres.double()
    parts = []
    for chunk in x.split(max(1, min(chunk_size, 2**20 // m))):
        sq = torch.cdist(chunk.double(), mu).square_().float()  # (rows, m), shared by every h
        nearest = sq.amin(dim=1, keepdim=True)  # s_i
        sq.sub_(nearest)  # ‖x_i − μ_j‖² − s_i ≥ 0, with a 0 in every row
        rows = []
        for h in hs:  # log Σ_j exp(−(‖x_i − μ_j‖² − s_i) / 2h²) − s_i / 2h²
            terms = sq.mul(-0.5 / h**2).clamp_(min=-87.0).exp_()
            rows.append(terms.sum(dim=1).log_() - nearest[:, 0] * (0.5 / h**2))
        parts.append(torch.stack(rows))
    return torch.cat(parts, dim=1) + offsets[:, None]


class Histogram(BasisExpansion):
    r"""Histogram with B bins per coordinate on a box: m = B^d cells of widths h_1, …, h_d.

    Centres μ_j are the cell centres, weights a_j = (count in cell j) / n and the kernel is
    k(x, μ_j) = 1[x in cell j] / vol(cell). The density is zero outside the box, and training
    points outside a given box are not counted: the weights then sum to the fraction inside.

    Args:
        bins: B, the number of bins per coordinate.
        bounds: the box, as one ``(low, high)`` pair for every coordinate or a sequence of d
            pairs; ``None`` takes the data's range, widened by 1% on each side.
        max_cells: refuse to build more than this many cells (B^d grows exponentially with d).
    """

    def __init__(
        self,
        bins: int = 30,
        bounds: tuple[float, float] | list[tuple[float, float]] | None = None,
        device: torch.device | str | None = None,
        max_cells: int = 1_000_000,
    ) -> None:
        super().__init__(device)
        self.bins = check_positive_int(bins, "bins")
        self.bounds = bounds
        self.max_cells = check_positive_int(max_cells, "max_cells")
        self.register_buffer("low", torch.empty(0, device=self._device))
        self.register_buffer("width", torch.empty(0, device=self._device))

    def _box(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d = x.shape[1]
        if self.bounds is None:
            lo, hi = x.min(0).values.double(), x.max(0).values.double()
            pad = 0.01 * torch.clamp(hi - lo, min=1e-6)
            return lo - pad, hi + pad
        b = torch.as_tensor(self.bounds, dtype=torch.float64)
        if b.shape == (2,):
            b = b.expand(d, 2)
        if b.shape != (d, 2):
            raise ValueError(
                f"bounds must be one (low, high) pair or {d} pairs, got shape {tuple(b.shape)}"
            )
        if not bool(torch.isfinite(b).all()) or bool((b[:, 1] <= b[:, 0]).any()):
            raise ValueError("bounds must be finite pairs with low < high")
        return b[:, 0].to(x.device), b[:, 1].to(x.device)

    def fit(self, x: torch.Tensor) -> Histogram:
        """Count the points of ``x`` (n, d) in each of the B^d cells."""
        x = self._data(x)
        d = x.shape[1]
        if self.bins**d > self.max_cells:
            raise ValueError(
                f"bins**d = {self.bins}**{d} cells exceeds max_cells={self.max_cells}: "
                "the histogram's size grows exponentially with the dimension"
            )
        lo, hi = self._box(x)
        width = (hi - lo) / self.bins
        self.low, self.width = lo.float(), width.float()
        index = self._cell_index(x)
        inside = index >= 0
        counts = torch.bincount(index[inside], minlength=self.bins**d).double()
        axes = [
            lo[i] + width[i] * (torch.arange(self.bins, device=x.device) + 0.5) for i in range(d)
        ]
        centres = torch.cartesian_prod(*axes).reshape(-1, d)
        self._set_basis(counts / x.shape[0], centres)
        return self

    def _cell_index(self, x: torch.Tensor) -> torch.Tensor:
        """Flat (row-major) index of the cell holding each point, −1 outside the box."""
        k = torch.floor((x.double() - self.low.double()) / self.width.double()).long()
        inside = ((k >= 0) & (k < self.bins)).all(dim=1)
        strides = self.bins ** torch.arange(x.shape[1] - 1, -1, -1, device=x.device)
        return torch.where(inside, (k.clamp(0, self.bins - 1) * strides).sum(dim=1), -1)

    def log_kernel(self, x: torch.Tensor) -> torch.Tensor:
        index = self._cell_index(x)
        log_vol = float(torch.log(self.width.double()).sum())
        out = torch.full(
            (x.shape[0], self.weights.shape[0]), -math.inf, dtype=x.dtype, device=x.device
        )
        rows = torch.nonzero(index >= 0).squeeze(1)
        out[rows, index[rows]] = -log_vol
        return out

    def _sample_kernel(
        self, index: torch.Tensor, generator: torch.Generator | None
    ) -> torch.Tensor:
        u = torch.rand(index.shape[0], self.dim, generator=generator) - 0.5
        return self.centres.cpu()[index] + u * self.width.cpu()


class GMM(BasisExpansion):
    r"""Gaussian mixture f̂(x) = Σ_j π_j N(x; μ_j, Σ_j) with full covariances, fitted by EM.

    EM alternates the E-step, responsibilities r_ij = π_j N(x_i; μ_j, Σ_j) / f̂(x_i), and the
    M-step, π_j = mean_i r_ij, μ_j = Σ_i r_ij x_i / Σ_i r_ij and Σ_j the r-weighted covariance
    plus ``reg`` · I. Each iteration cannot decrease the mean log-likelihood, recorded in
    :attr:`history`. Means start from k-means++ seeding.

    Args:
        n_components: K.
        max_iter: most EM iterations; ``tol``: stop when the mean log-likelihood improves less.
        reg: added to the covariances' diagonals to keep them positive definite.
        seed: seeds the initialisation (an int, a :class:`torch.Generator` or ``None``).

    Example:
        >>> z = torch.randn(400, 2, generator=torch.Generator().manual_seed(0))
        >>> x = torch.cat([z[:200] - 3, z[200:] + 3])
        >>> gmm = GMM(2, progress=False, device="cpu").fit(x)
        >>> sorted(round(float(m)) for m in gmm.centres[:, 0])
        [-3, 3]
    """

    covariances: torch.Tensor

    def __init__(
        self,
        n_components: int = 8,
        *,
        max_iter: int = 200,
        tol: float = 1e-5,
        reg: float = 1e-6,
        seed: int | torch.Generator | None = 0,
        device: torch.device | str | None = None,
        progress: bool = True,
    ) -> None:
        super().__init__(device)
        self.n_components = check_positive_int(n_components, "n_components")
        self.max_iter = check_positive_int(max_iter, "max_iter")
        self.tol = check_positive_float(tol, "tol")
        self.reg = check_positive_float(reg, "reg")
        self.seed = seed
        self.progress = progress
        self.history: list[float] = []
        self.register_buffer(
            "covariances", torch.empty(0, 0, 0, dtype=torch.float64, device=self._device)
        )

    def fit(self, x: torch.Tensor) -> GMM:
        """Fit by EM; ``x`` (n, d) with n ≥ K."""
        x = self._data(x, min_points=self.n_components).double()
        n, d = x.shape
        generator = make_generator(self.seed)
        means = _kmeans_plus_plus(x, self.n_components, generator)
        cov = torch.cov(x.T).reshape(d, d) + self.reg * torch.eye(
            d, dtype=x.dtype, device=x.device
        )
        covariances = cov.expand(self.n_components, d, d).clone()
        log_pi = torch.full(
            (self.n_components,), -math.log(self.n_components), dtype=x.dtype, device=x.device
        )
        self.history = []
        bar = progress_bar(range(self.max_iter), desc="EM", enabled=self.progress, leave=False)
        for _ in bar:
            # E-step: log r_ij = log π_j + log N(x_i; μ_j, Σ_j) − log f̂(x_i)
            joint = log_pi + _log_normal(x, means, covariances)
            log_f = torch.logsumexp(joint, dim=1, keepdim=True)
            self.history.append(float(log_f.mean()))
            bar.set_postfix(loglik=f"{self.history[-1]:.4f}")
            if len(self.history) > 1 and self.history[-1] - self.history[-2] < self.tol:
                break
            r = torch.exp(joint - log_f)  # (n, K)
            # M-step
            nk = r.sum(dim=0) + 1e-12
            log_pi = torch.log(nk / n)
            means = (r.T @ x) / nk[:, None]
            centred = x[None, :, :] - means[:, None, :]  # (K, n, d)
            covariances = (
                torch.einsum("kn,kni,knj->kij", r.T, centred, centred) / nk[:, None, None]
            )
            covariances = covariances + self.reg * torch.eye(d, dtype=x.dtype, device=x.device)
        self._set_basis(torch.exp(log_pi), means)
        self.covariances = covariances.to(
            self._device
        )  # kept in float64 for stable Cholesky factors
        return self

    def log_kernel(self, x: torch.Tensor) -> torch.Tensor:
        return _log_normal(x.double(), self.centres.double(), self.covariances).to(x.dtype)

    def _sample_kernel(
        self, index: torch.Tensor, generator: torch.Generator | None
    ) -> torch.Tensor:
        chol = torch.linalg.cholesky(self.covariances.cpu())
        noise = torch.randn(index.shape[0], self.dim, generator=generator, dtype=torch.float64)
        return (
            self.centres.cpu().double()[index] + (chol[index] @ noise[:, :, None]).squeeze(2)
        ).float()


def _log_normal(x: torch.Tensor, means: torch.Tensor, covariances: torch.Tensor) -> torch.Tensor:
    """log N(x_i; μ_j, Σ_j) for x (n, d), μ (K, d), Σ (K, d, d): shape (n, K), via Cholesky."""
    d = x.shape[1]
    chol = torch.linalg.cholesky(covariances)  # (K, d, d)
    diff = (x[None, :, :] - means[:, None, :]).transpose(1, 2)  # (K, d, n)
    solved = torch.linalg.solve_triangular(chol, diff, upper=False)  # L^{-1}(x − μ)
    maha = solved.square().sum(dim=1)  # (K, n)
    log_det = 2 * torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(dim=1)  # (K,)
    return (-0.5 * (maha + log_det[:, None] + d * _LOG_2PI)).T


def _kmeans_plus_plus(x: torch.Tensor, k: int, generator: torch.Generator | None) -> torch.Tensor:
    """k-means++ seeding: each new centre drawn with probability ∝ squared distance to the
    centres already chosen."""
    n = x.shape[0]
    first = torch.randint(0, n, (1,), generator=generator).item()
    centres = [x[first]]
    d2 = (x - x[first]).square().sum(dim=1)
    for _ in range(1, k):
        p = (
            (d2 / d2.sum()).cpu()
            if float(d2.sum()) > 0
            else torch.full((n,), 1.0 / n, dtype=x.dtype)
        )
        nxt = torch.multinomial(p, 1, generator=generator).item()
        centres.append(x[nxt])
        d2 = torch.minimum(d2, (x - x[nxt]).square().sum(dim=1))
    return torch.stack(centres)


# ---------------------------------------------------------------------------------------------
# The curse of dimensionality
# ---------------------------------------------------------------------------------------------


def total_variation_mc(log_p: torch.Tensor, log_q: torch.Tensor) -> float:
    r"""Monte Carlo estimate of TV(P, Q) = E_{x∼P}[(1 − q(x)/p(x))_+] ∈ [0, 1].

    ``log_p`` and ``log_q`` are log p and log q at the same i.i.d. draws x_i ∼ P, shape ``(n,)``.
    """
    if not isinstance(log_p, torch.Tensor) or not isinstance(log_q, torch.Tensor):
        raise TypeError("log_p and log_q must be torch.Tensor")
    if log_p.ndim != 1 or log_p.shape != log_q.shape or log_p.numel() == 0:
        raise ValueError(
            "log_p and log_q must have the same shape (n,), "
            f"got {tuple(log_p.shape)} and {tuple(log_q.shape)}"
        )
    if not bool(torch.isfinite(log_p).all()):
        raise ValueError("log_p must be finite at draws from P")
    ratio = torch.exp(log_q.double() - log_p.double())
    return float((1 - ratio).clamp(min=0).mean())


def kde_tv_error(
    target: Toy,
    n: int,
    *,
    seed: int = 0,
    n_test: int = 1000,
    factors: tuple[float, ...] = (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0),
    device: torch.device | str | None = None,
) -> tuple[float, float]:
    """TV distance between ``target`` (a toy with exact ``log_prob``) and a KDE of n draws.

    The bandwidth is the best of ``factors`` × Scott's rule, chosen on a validation draw with the
    true density (an oracle: the best within this grid, which no practical rule choosing from the
    same grid can beat; a bandwidth off the grid may do slightly better); the error is then
    measured on an independent test draw. Returns ``(tv, h)``. All the candidate bandwidths
    share one matrix of pairwise distances (:func:`kde_log_probs`).
    """
    n = check_positive_int(n, "n", minimum=2)
    n_test = check_positive_int(n_test, "n_test")
    factors = tuple(check_positive_float(f, "factors") for f in factors)
    if not factors:
        raise ValueError("factors must hold at least one multiple of Scott's bandwidth")
    return _kde_tv_error(target, n, seed, n_test, factors, resolve_device(device))


def _kde_tv_error(
    target: Toy,
    n: int,
    seed: int,
    n_test: int,
    factors: tuple[float, ...],
    device: torch.device,
) -> tuple[float, float]:
    """TV(ρ*, f̂_h) of a KDE of n draws, h the best of ``factors`` × Scott's on a validation
    draw, measured on an independent test draw; returns ``(tv, h)``."""
    x = target.sample(n, seed=seed, device=device)
    validation = target.sample(n_test, seed=seed + 1, device=device)
    test = target.sample(n_test, seed=seed + 2, device=device)
    candidates = [bandwidth_rule(x, "scott") * f for f in factors]
    log_rho = target.log_prob(validation)
    errors = [total_variation_mc(log_rho, row) for row in kde_log_probs(validation, x, candidates)]
    h = candidates[min(range(len(candidates)), key=errors.__getitem__)]
    return total_variation_mc(target.log_prob(test), kde_log_probs(test, x, [h])[0]), h


def curse_of_dimensionality(
    dims: tuple[int, ...],
    sample_sizes: tuple[int, ...],
    *,
    target: Callable[[int], object] | None = None,
    n_test: int = 1000,
    repeats: int = 1,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> torch.Tensor:
    """TV error of the best-bandwidth KDE of a family of targets, one per dimension.

    ``target(d)`` gives the distribution in dimension d (with ``sample`` and exact
    ``log_prob``); the default is :func:`gencourse.data.gaussian_pair`. Returns a tensor of shape
    ``(len(dims), len(sample_sizes))`` whose entry (i, j) is the error in dimension ``dims[i]``
    from ``sample_sizes[j]`` samples (:func:`kde_tv_error`), averaged over ``repeats``
    independent samples.
    """

    repeats = check_positive_int(repeats, "repeats")
    target = gaussian_pair if target is None else target
    if not callable(target):
        raise TypeError("target must be callable: dimension d -> distribution in R^d")
    if len(dims) == 0 or len(sample_sizes) == 0:
        raise ValueError("dims and sample_sizes must be non-empty")
    errors = torch.zeros(len(dims), len(sample_sizes), dtype=torch.float64)
    jobs = [
        (i, j, r)
        for i in range(len(dims))
        for j in range(len(sample_sizes))
        for r in range(repeats)
    ]
    for i, j, r in progress_bar(jobs, desc="KDE error", enabled=progress):
        rho = target(check_positive_int(dims[i], "dims"))
        tv, _ = kde_tv_error(rho, sample_sizes[j], seed=seed + 3 * r, n_test=n_test, device=device)
        errors[i, j] += tv / repeats
    return errors


def power_law_fit(sample_sizes: torch.Tensor, errors: torch.Tensor) -> tuple[float, float]:
    """Least-squares fit of log error = log C + slope · log n; returns ``(slope, C)``."""
    n = torch.as_tensor(sample_sizes, dtype=torch.float64)
    e = torch.as_tensor(errors, dtype=torch.float64)
    if n.ndim != 1 or n.shape != e.shape or n.numel() < 2:
        raise ValueError("sample_sizes and errors must be 1-D of the same length >= 2")
    if bool((n <= 0).any()) or bool((e <= 0).any()):
        raise ValueError("sample_sizes and errors must be > 0 for a log-log fit")
    design = torch.stack([torch.ones_like(n), torch.log(n)], dim=1)
    coef = torch.linalg.lstsq(design, torch.log(e)[:, None]).solution.squeeze(1)
    return float(coef[1]), float(torch.exp(coef[0]))


def samples_needed(slope: float, constant: float, epsilon: float) -> float:
    """n at which the fitted error C · n^slope reaches ε (``inf`` when slope ≥ 0)."""
    epsilon = check_positive_float(epsilon, "epsilon")
    if slope >= 0:
        return math.inf
    return math.exp(math.log(epsilon / constant) / slope)
