r"""Losses L(P, P′) between distributions, in the lecture's two families.

**Strong form** (needs densities): the negative log-likelihood, which is
KL(P̂_n ‖ P_θ) up to a constant, and the KL and Jensen–Shannon divergences, between probability
vectors (:func:`kl_divergence`, :func:`js_divergence`) or, by Monte Carlo, between
distributions with known densities (:func:`kl_monte_carlo`, :func:`js_monte_carlo`).

**Both at once**: an f-divergence D_f(P ‖ Q) = E_Q f(p/q) (KL, JS, TV) is also the supremum
sup_T (E_P T − E_Q f*(T)) over all test functions T, which only needs samples; a critic's outputs
give the lower bound :func:`f_divergence_bound`, for each divergence of :data:`F_DIVERGENCES`.

**Weak form**: L(P, P′) = sup_{f ∈ F} (E_P f − E_{P′} f), which only needs samples:

* F = polynomials up to a degree, one term of unit norm per degree: :func:`moment_distance`;
* ‖f‖_∞ ≤ 1: total variation, :func:`total_variation` (for probability vectors, e.g.
  histograms; the sup equals 2 TV with the convention TV = ½ Σ|p − q|);
* ‖f‖_Lip ≤ 1: Wasserstein-1, exactly by optimal transport (:func:`wasserstein`, POT's network
  simplex), in 1D by quantiles (:func:`wasserstein_1d`), approximately by random 1D projections
  (:func:`sliced_wasserstein`);
* the unit ball of an RKHS: the maximum mean discrepancy :func:`mmd2`.

Samples are tensors of shape ``(n, d)``; weights, where accepted, are probability vectors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch

from ._checks import (
    VectorLike,
    as_points,
    check_positive_float,
    check_positive_int,
    make_generator,
    module_device,
    module_dtype,
)
from ._deprecation import renamed_keywords
from .config import resolve_device
from .nn import mlp
from .train import History, LossValue, fit

__all__ = [
    "F_DIVERGENCES",
    "FDivergence",
    "KERNELS",
    "LipschitzCritic",
    "as_pair",
    "as_weights",
    "f_divergence_bound",
    "fit_critic",
    "gradient_penalty",
    "js_divergence",
    "js_monte_carlo",
    "kl_divergence",
    "kl_monte_carlo",
    "median_heuristic",
    "mmd2",
    "mmd_gradients",
    "moment_distance",
    "neural_distance",
    "nll",
    "sliced_wasserstein",
    "total_variation",
    "wasserstein",
    "wasserstein_1d",
]


# ------------------------------------------------------------------------------ strong form


def nll(log_prob: torch.Tensor) -> torch.Tensor:
    r"""Mean negative log-likelihood −(1/n) Σ log P_θ(x_i) = KL(P̂_n ‖ P_θ) − const.

    (The slides' equation (3).)
    """
    if not isinstance(log_prob, torch.Tensor) or log_prob.ndim != 1 or log_prob.numel() == 0:
        raise ValueError("log_prob must be a non-empty tensor of shape (n,)")
    if bool(torch.isnan(log_prob).any()):
        raise ValueError("log_prob contains NaN")
    return -log_prob.mean()


def _probability_vector(p: VectorLike, name: str) -> torch.Tensor:
    p = torch.as_tensor(p, dtype=torch.float64)
    if p.ndim != 1 or p.numel() == 0:
        raise ValueError(f"{name} must be a non-empty vector of probabilities")
    if not bool(torch.isfinite(p).all()) or bool((p < 0).any()):
        raise ValueError(f"{name} must be finite and >= 0")
    if abs(float(p.sum()) - 1) > 1e-6:
        raise ValueError(f"{name} must sum to 1, got {float(p.sum()):.6g}")
    return p


def kl_divergence(p: VectorLike, q: VectorLike) -> float:
    """KL(p ‖ q) = Σ p_i log(p_i / q_i) for probability vectors (``inf`` where q_i = 0 < p_i).

    Example:
        >>> round(kl_divergence([0.5, 0.5], [0.9, 0.1]), 4)  # ½ log(5/9) + ½ log 5
        0.5108
        >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
        inf
    """
    p, q = _probability_vector(p, "p"), _probability_vector(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same length, got {p.numel()} and {q.numel()}")
    support = p > 0
    if bool((q[support] == 0).any()):
        return math.inf
    return float((p[support] * torch.log(p[support] / q[support])).sum())


def js_divergence(p: VectorLike, q: VectorLike) -> float:
    """JS(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2; in [0, log 2] (log 2: disjoint).

    Example:
        >>> js_divergence([1.0, 0.0], [0.0, 1.0]) == math.log(2)  # disjoint supports
        True
    """
    p, q = _probability_vector(p, "p"), _probability_vector(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same length, got {p.numel()} and {q.numel()}")
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)


def _log_densities(*tensors: torch.Tensor, names: tuple[str, ...]) -> list[torch.Tensor]:
    out = []
    for t, name in zip(tensors, names):
        if not isinstance(t, torch.Tensor) or t.ndim != 1 or t.numel() == 0:
            raise ValueError(f"{name} must be a non-empty tensor of shape (n,)")
        if bool(torch.isnan(t).any()):
            raise ValueError(f"{name} contains NaN")
        out.append(t.double())
    return out


def kl_monte_carlo(log_p: torch.Tensor, log_q: torch.Tensor) -> float:
    r"""KL(P ‖ Q) = E_{x∼P}[log p(x) − log q(x)] for known densities, from draws x_i ∼ P.

    ``log_p`` and ``log_q`` are both densities evaluated at the same draws of P, shape ``(n,)``.
    """
    log_p, log_q = _log_densities(log_p, log_q, names=("log_p", "log_q"))
    if log_p.shape != log_q.shape:
        raise ValueError("log_p and log_q must be evaluated at the same points")
    return float((log_p - log_q).mean())


def js_monte_carlo(
    log_p_x: torch.Tensor, log_q_x: torch.Tensor, log_p_y: torch.Tensor, log_q_y: torch.Tensor
) -> float:
    r"""JS(P, Q) for known densities, from draws x_i ∼ P and y_j ∼ Q:

    ½ E_P[log 2p/(p + q)] + ½ E_Q[log 2q/(p + q)], with p, q evaluated at the x's and the y's.
    """
    lpx, lqx, lpy, lqy = _log_densities(
        log_p_x, log_q_x, log_p_y, log_q_y, names=("log_p_x", "log_q_x", "log_p_y", "log_q_y")
    )
    if lpx.shape != lqx.shape or lpy.shape != lqy.shape:
        raise ValueError("each pair of log-densities must be evaluated at the same points")
    log2 = math.log(2)
    term_p = (log2 + lpx - torch.logaddexp(lpx, lqx)).mean()
    term_q = (log2 + lqy - torch.logaddexp(lpy, lqy)).mean()
    return float(0.5 * (term_p + term_q))


def total_variation(p: VectorLike, q: VectorLike) -> float:
    """TV(p, q) = ½ Σ |p_i − q_i| = sup over events |P(A) − Q(A)|, for probability vectors.

    In the weak form sup_{‖f‖_∞ ≤ 1} (E_p f − E_q f) = Σ |p_i − q_i| = 2 TV: the two differ by the
    factor 2 of the convention.
    """
    p, q = _probability_vector(p, "p"), _probability_vector(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same length, got {p.numel()} and {q.numel()}")
    return 0.5 * float((p - q).abs().sum())


# ------------------------------------------------------ f-divergences in their variational form


class FDivergence(NamedTuple):
    r"""An f-divergence D_f(P ‖ Q) = E_Q f(p/q), f convex with f(1) = 0, and the pieces of its
    variational form D_f(P ‖ Q) = sup_T (E_P T − E_Q f*(T)).

    Each field maps a tensor to a tensor of the same shape, elementwise:

    * ``f``: the generator u ↦ f(u), at the density ratio u = p/q ≥ 0;
    * ``conjugate``: its convex conjugate f*(t) = sup_{u ≥ 0} (ut − f(u)) (``inf`` outside its
      domain);
    * ``activation``: v ↦ T = g(v), from a critic's unconstrained output v ∈ ℝ into the domain
      of f* (the output activations of the f-GAN);
    * ``conjugate_of_activation``: v ↦ f*(g(v)), the same composition in a form that does not
      overflow at large |v|;
    * ``derivative``: f′, so that the supremum is attained at T* = f′(p/q).

    References:
        | f-GAN: Training Generative Neural Samplers using Variational Divergence Minimization
        | (Nowozin, Cseke and Tomioka, 2016), table 2. https://arxiv.org/abs/1606.00709
    """

    f: Callable[[torch.Tensor], torch.Tensor]
    conjugate: Callable[[torch.Tensor], torch.Tensor]
    activation: Callable[[torch.Tensor], torch.Tensor]
    conjugate_of_activation: Callable[[torch.Tensor], torch.Tensor]
    derivative: Callable[[torch.Tensor], torch.Tensor]


_LOG2 = math.log(2)


def _outside(t: torch.Tensor, inside: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``value`` where ``inside``, +inf elsewhere (the conjugate outside its domain)."""
    return torch.where(inside, value, torch.full_like(t, math.inf))


F_DIVERGENCES: dict[str, FDivergence] = {
    # KL(P ‖ Q): f(u) = u log u, f*(t) = e^{t−1} on ℝ, T* = 1 + log(p/q)
    "kl": FDivergence(
        f=lambda u: torch.special.xlogy(u, u),
        conjugate=lambda t: torch.exp(t - 1),
        activation=lambda v: v,
        conjugate_of_activation=lambda v: torch.exp(v - 1),
        derivative=lambda u: 1 + torch.log(u),
    ),
    # JS(P, Q) = ½ KL(P ‖ M) + ½ KL(Q ‖ M): f(u) = ½ (u log u − (u + 1) log((u + 1)/2)),
    # f*(t) = −½ log(2 − e^{2t}) for t < ½ log 2; T = ½ (log 2 + log σ(v)), T* = ½ log(2p/(p + q))
    "js": FDivergence(
        f=lambda u: 0.5 * (torch.special.xlogy(u, u) - (u + 1) * torch.log((u + 1) / 2)),
        conjugate=lambda t: _outside(
            t, t < _LOG2 / 2, -0.5 * torch.log(2 - torch.exp(2 * t.clamp(max=_LOG2 / 2)))
        ),
        activation=lambda v: 0.5 * (_LOG2 - torch.nn.functional.softplus(-v)),
        conjugate_of_activation=lambda v: 0.5 * (torch.nn.functional.softplus(v) - _LOG2),
        derivative=lambda u: 0.5 * torch.log(2 * u / (u + 1)),
    ),
    # TV(P, Q) = ½ ∫ |p − q|: f(u) = ½ |u − 1|, f*(t) = t for |t| ≤ ½, T* = ½ sign(p − q)
    "tv": FDivergence(
        f=lambda u: 0.5 * (u - 1).abs(),
        conjugate=lambda t: _outside(t, t.abs() <= 0.5, t),
        activation=lambda v: 0.5 * torch.tanh(v),
        conjugate_of_activation=lambda v: 0.5 * torch.tanh(v),
        derivative=lambda u: 0.5 * torch.sign(u - 1),
    ),
}


def f_divergence_bound(
    critic_p: torch.Tensor, critic_q: torch.Tensor, divergence: str = "kl"
) -> torch.Tensor:
    r"""The variational lower bound E_P T − E_Q f*(T) ≤ D_f(P ‖ Q), from a critic's outputs.

    For f convex with f(1) = 0 and f** = f, f(u) = sup_t (ut − f*(t)); putting u = p(x)/q(x)
    and t = T(x) in D_f(P ‖ Q) = ∫ q f(p/q) gives, for every test function T,

        D_f(P ‖ Q) ≥ E_{x∼P} T(x) − E_{y∼Q} f*(T(y)),

    with equality at T = f′(p/q). The critic's raw outputs v are mapped to T = g(v) by the
    divergence's activation (:data:`F_DIVERGENCES`), so that f*(T) is finite. The averages over
    samples estimate the bound without bias; maximised over a class of critics, they give the
    class's lower bound of D_f. Differentiable: minus it is the critic's training loss.

    References:
        | Estimating divergence functionals and the likelihood ratio by convex risk minimization
        | (Nguyen, Wainwright and Jordan, 2010). https://doi.org/10.1109/TIT.2010.2068870
        | f-GAN (Nowozin, Cseke and Tomioka, 2016). https://arxiv.org/abs/1606.00709

    Arguments:
        critic_p: the critic's outputs v(x_i) at samples x_i ∼ P, shape ``(n,)``.
        critic_q: its outputs v(y_j) at samples y_j ∼ Q, shape ``(m,)``.
        divergence: a key of :data:`F_DIVERGENCES`: ``"kl"``, ``"js"`` or ``"tv"``.

    Example:
        A constant critic sees nothing: T = 1 gives 1 − f*(1) = 0 for the KL. Between N(0, 1)
        and N(1, 1) the optimal critic T* = 1 + log(p/q) = 1.5 − x attains KL = ½:

        >>> float(f_divergence_bound(torch.ones(3), torch.ones(5), "kl"))
        0.0
        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.randn(10**5, generator=g), 1 + torch.randn(10**5, generator=g)
        >>> round(float(f_divergence_bound(1.5 - x, 1.5 - y, "kl")), 2)
        0.5
    """
    if divergence not in F_DIVERGENCES:
        raise ValueError(f"divergence must be one of {sorted(F_DIVERGENCES)}, got {divergence!r}")
    for t, name in ((critic_p, "critic_p"), (critic_q, "critic_q")):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a tensor of shape (n,), got {type(t).__name__}")
        if t.ndim != 1 or t.numel() == 0:
            raise ValueError(
                f"{name} must be a non-empty tensor of shape (n,), got {tuple(t.shape)}"
            )
    return _f_divergence_bound(critic_p, critic_q, F_DIVERGENCES[divergence])


def _f_divergence_bound(v_p: torch.Tensor, v_q: torch.Tensor, f: FDivergence) -> torch.Tensor:
    """The computation behind :func:`f_divergence_bound` (which checks the arguments):
    E_P T − E_Q f*(T), T = g(v), from the raw outputs v of a critic at samples of P and of Q."""
    return f.activation(v_p).mean() - f.conjugate_of_activation(v_q).mean()


# -------------------------------------------------------------------------------- weak form


def as_pair(
    x: torch.Tensor, y: torch.Tensor, name_x: str = "x", name_y: str = "y"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two samples ``(n, d)`` and ``(m, d)`` of one dimension d, on one device: the arguments of
    every two-sample loss, checked (a ``ValueError`` names the argument).

    Example:
        >>> x, y = as_pair(torch.zeros(3, 2), torch.ones(5, 2))
        >>> as_pair(torch.zeros(3, 2), torch.ones(5, 3))
        Traceback (most recent call last):
        ...
        ValueError: y must have 2 columns (dimension d=2), got shape (5, 3)
    """
    x = as_points(x, name_x)
    y = as_points(y, name_y, dim=x.shape[1])
    if x.device != y.device:
        raise ValueError(
            f"{name_x} and {name_y} must be on the same device, got {x.device} and {y.device}"
        )
    return x, y


def moment_distance(x: torch.Tensor, y: torch.Tensor, order: int = 2) -> float:
    r"""Moment matching: the weak loss of polynomial test functions up to degree ``order``.

    L = ‖m_1(x) − m_1(y)‖ + ‖M_2(x) − M_2(y)‖_F + Σ_{k=3}^{order} ‖m_k(x) − m_k(y)‖ with the raw
    (uncentred) empirical moments m_1 = mean(x), M_2 = mean(x xᵀ) (every monomial x_i x_j of
    degree 2) and m_k = mean(x^k), coordinate-wise powers (the monomials x_i^k, without the mixed
    ones of degree k ≥ 3). It is the weak form sup_{f ∈ F} (E_x f − E_y f) over the class of sums
    with one term per degree,

        F = {f(x) = aᵀx + xᵀBx + Σ_{k=3}^{order} c_kᵀ x^k : ‖a‖ ≤ 1, ‖B‖_F ≤ 1, ‖c_k‖ ≤ 1},

    because the terms have separate parameters, so the supremum of the sum is the sum of the
    suprema, each the norm of one moment's difference (Cauchy–Schwarz, attained at a = Δm_1/‖Δm_1‖
    and so on). In d = 1, F = {Σ_k c_k x^k : |c_k| ≤ 1} and L = Σ_k |Δm_k|; the smaller class
    {±x, ±x², …} would give max_k |Δm_k|. L is zero whenever those moments agree, however
    different the distributions. Shapes: x ``(n, d)``, y ``(m, d)``; ``order`` ≥ 1.
    """
    x, y = as_pair(x, y)
    order = check_positive_int(order, "order")
    x, y = x.double(), y.double()
    total = float((x.mean(0) - y.mean(0)).norm())  # degree 1: ‖Δm_1‖
    if order >= 2:  # degree 2: ‖ΔM_2‖_F, the raw second moments mean(x xᵀ)
        total += float((x.T @ x / x.shape[0] - y.T @ y / y.shape[0]).norm())
    for k in range(3, order + 1):  # degree k: ‖Δm_k‖, coordinate-wise powers
        total += float((x.pow(k).mean(0) - y.pow(k).mean(0)).norm())
    return total


def median_heuristic(x: torch.Tensor, y: torch.Tensor, max_points: int = 2000) -> float:
    """Median of the pairwise distances within the pooled sample (a common RBF bandwidth)."""
    x, y = as_pair(x, y)
    z = torch.cat([x, y]).double()
    if z.shape[0] > max_points:
        z = z[
            torch.randperm(z.shape[0], generator=torch.Generator().manual_seed(0))[:max_points].to(
                z.device
            )
        ]
    d = torch.pdist(z)
    if d.numel() == 0 or float(d.median()) == 0:
        raise ValueError("the median heuristic needs at least two distinct points")
    return float(d.median())


def _rbf(sq: torch.Tensor, h: float) -> torch.Tensor:
    return torch.exp(-sq / (2 * h * h))


def _laplacian(sq: torch.Tensor, h: float) -> torch.Tensor:
    return torch.exp(-torch.sqrt(sq.clamp(min=0)) / h)


def _imq(sq: torch.Tensor, h: float) -> torch.Tensor:
    return (1 + sq / (h * h)).rsqrt()


KERNELS = {"rbf": _rbf, "laplacian": _laplacian, "imq": _imq}


def mmd2(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    kernel: str = "rbf",
    bandwidth: float | str = "median",
    unbiased: bool = True,
) -> torch.Tensor:
    r"""Squared maximum mean discrepancy MMD²(P, Q) = ‖μ_P − μ_Q‖²_H for kernel k.

    MMD²= E k(x, x′) + E k(y, y′) − 2 E k(x, y). The unbiased estimator (U-statistic) leaves out
    the diagonal terms k(x_i, x_i) and can be negative; the biased one (V-statistic) keeps them
    and is always ≥ 0. Differentiable in x and y, so usable as a training loss.

    References:
        | A Kernel Two-Sample Test (Gretton et al., 2012)
        | https://jmlr.org/papers/v13/gretton12a.html

    Arguments:
        x, y: samples of P and Q, shapes ``(n, d)`` and ``(m, d)``.
        kernel: ``"rbf"`` exp(−‖x − y‖²/2h²), ``"laplacian"`` exp(−‖x − y‖/h) or ``"imq"``
            (1 + ‖x − y‖²/h²)^{−1/2}.
        bandwidth: h > 0, or ``"median"`` (:func:`median_heuristic`).
        unbiased: the U-statistic (``True``) or the V-statistic.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.randn(500, 2, generator=g), torch.randn(500, 2, generator=g)
        >>> same, shifted = mmd2(x, y, bandwidth=1.0), mmd2(x, y + 1, bandwidth=1.0)
        >>> exact = 2 / 3 * (1 - math.exp(-1 / 3))  # N(0, I_2) against N((1, 1), I_2), h = 1
        >>> abs(float(same)) < 0.01, abs(float(shifted) - exact) < 0.02
        (True, True)
    """
    x, y = as_pair(x, y)
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {sorted(KERNELS)}, got {kernel!r}")
    if bandwidth == "median":
        h = median_heuristic(x.detach(), y.detach())
    elif isinstance(bandwidth, str):
        raise ValueError(f"bandwidth must be a positive number or 'median', got {bandwidth!r}")
    else:
        h = check_positive_float(bandwidth, "bandwidth")
    if unbiased and (x.shape[0] < 2 or y.shape[0] < 2):
        raise ValueError("the unbiased estimator needs at least 2 points in x and in y")
    return _mmd2(x, y, KERNELS[kernel], h, unbiased)


def _mmd2(
    x: torch.Tensor,
    y: torch.Tensor,
    k: Callable[[torch.Tensor, float], torch.Tensor],
    h: float,
    unbiased: bool,
) -> torch.Tensor:
    """The computation behind :func:`mmd2` (which checks the arguments): the U- or V-statistic
    of MMD² for the kernel k(‖a − b‖², h) (a function of :data:`KERNELS`) of bandwidth h."""
    n, m = x.shape[0], y.shape[0]
    kxx, kyy, kxy = (k(torch.cdist(a, b).square(), h) for a, b in ((x, x), (y, y), (x, y)))
    if unbiased:  # the U-statistic: leave out the diagonal terms k(x_i, x_i), k(y_j, y_j)
        xx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
        yy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    else:
        xx, yy = kxx.mean(), kyy.mean()
    return xx + yy - 2 * kxy.mean()


def mmd_gradients(
    bandwidth: float, thetas: torch.Tensor, *, segment0: torch.Tensor, z: torch.Tensor
) -> torch.Tensor:
    """d MMD²(P_0, P_θ)/dθ by autograd at each θ of ``thetas``, P_θ = Law(θ, z) against the
    sample ``segment0`` of P_0, RBF kernel of width ``bandwidth`` (unbiased estimator)."""
    out = []
    for value in thetas.tolist():
        theta = torch.tensor(value, dtype=z.dtype, requires_grad=True)
        segment = torch.stack([theta.expand(len(z)), z], dim=1)
        loss = mmd2(segment, segment0, bandwidth=bandwidth)
        out.append(torch.autograd.grad(loss, theta)[0])
    return torch.stack(out)


def as_weights(w: VectorLike | None, n: int, name: str) -> np.ndarray:
    """The weights of ``n`` points as a probability vector ``(n,)`` in float64 (uniform 1/n for
    ``None``): the ``a``, ``b`` arguments of the transport problems here and in
    :mod:`gencourse.transport`; a ``ValueError`` names ``name`` when they are not one."""
    if w is None:
        return np.full(n, 1.0 / n)
    w = _probability_vector(w, name)
    if w.numel() != n:
        raise ValueError(f"{name} must have {n} entries, one per point, got {w.numel()}")
    return w.numpy()


def wasserstein(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    p: int = 2,
    a: VectorLike | None = None,
    b: VectorLike | None = None,
) -> float:
    r"""Exact W_p between the empirical measures Σ a_i δ_{x_i} and Σ b_j δ_{y_j} (uniform a, b
    by default).

    W_p^p = min_{π ∈ Π(a, b)} Σ π_ij ‖x_i − y_j‖^p, a linear program solved exactly by POT's
    network simplex (:func:`ot.emd2`) in float64. Returns W_p (the p-th root). Not
    differentiable.

    Example:
        Translating a sample by v moves it by exactly ‖v‖:

        >>> x = torch.randn(50, 2, generator=torch.Generator().manual_seed(0))
        >>> round(wasserstein(x, x + torch.tensor([3.0, 4.0])), 4)
        5.0
    """
    x, y = as_pair(x, y)
    p = check_positive_int(p, "p")
    return _wasserstein(x, y, p, as_weights(a, x.shape[0], "a"), as_weights(b, y.shape[0], "b"))


def _wasserstein(x: torch.Tensor, y: torch.Tensor, p: int, a: np.ndarray, b: np.ndarray) -> float:
    """The computation behind :func:`wasserstein` (which checks the arguments): W_p by POT's
    linear program, between Σ a_i δ_{x_i} and Σ b_j δ_{y_j} (NumPy weights)."""
    import ot  # POT, imported when first needed

    cost = torch.cdist(x.double(), y.double()).pow(p).cpu().numpy()  # C_ij = ‖x_i − y_j‖^p
    value = float(ot.emd2(a, b, cost, numItermax=10_000_000))  # min_π Σ π_ij C_ij
    return max(value, 0.0) ** (1.0 / p)


def wasserstein_1d(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    p: int = 1,
    a: VectorLike | None = None,
    b: VectorLike | None = None,
) -> float:
    r"""W_p on the real line by quantile functions: W_p^p = ∫_0^1 |F_x^{-1}(t) − F_y^{-1}(t)|^p dt.

    ``x`` and ``y`` are ``(n, 1)`` or ``(n,)``; optional weights. Exact for empirical measures:
    the quantile functions are step functions, integrated between the merged breakpoints.

    Example:
        >>> wasserstein_1d(torch.tensor([0.0, 1.0]), torch.tensor([2.0]))  # ½·2 + ½·1
        1.5
    """
    x = x.reshape(-1, 1) if isinstance(x, torch.Tensor) and x.ndim == 1 else x
    y = y.reshape(-1, 1) if isinstance(y, torch.Tensor) and y.ndim == 1 else y
    x, y = as_pair(x, y)
    if x.shape[1] != 1:
        raise ValueError(
            f"wasserstein_1d needs one-dimensional samples, got dimension {x.shape[1]}"
        )
    p = check_positive_int(p, "p")
    xs, xi = torch.sort(x[:, 0].double().cpu())
    ys, yi = torch.sort(y[:, 0].double().cpu())
    wa = torch.from_numpy(as_weights(a, x.shape[0], "a"))[xi]
    wb = torch.from_numpy(as_weights(b, y.shape[0], "b"))[yi]
    ca, cb = torch.cumsum(wa, 0), torch.cumsum(wb, 0)
    ca[-1] = cb[-1] = 1.0
    t = torch.unique(
        torch.cat([torch.zeros(1, dtype=torch.float64), ca, cb])
    )  # breakpoints in [0, 1]
    mid = (t[:-1] + t[1:]) / 2
    qa = xs[torch.searchsorted(ca, mid).clamp(max=xs.numel() - 1)]
    qb = ys[torch.searchsorted(cb, mid).clamp(max=ys.numel() - 1)]
    return float(((qa - qb).abs().pow(p) * (t[1:] - t[:-1])).sum()) ** (1.0 / p)


def sliced_wasserstein(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    p: int = 2,
    n_projections: int = 200,
    seed: int | torch.Generator | None = 0,
) -> torch.Tensor:
    r"""Sliced W_p: (E_θ W_p^p(θᵀx, θᵀy))^{1/p} over random directions θ on the unit sphere.

    Needs equal sample sizes (sorted projections are matched); differentiable in x and y.

    References:
        | Sliced and Radon Wasserstein Barycenters of Measures (Bonneel et al., 2015)
        | https://doi.org/10.1007/s10851-014-0506-3

    Example:
        >>> x = torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
        >>> float(sliced_wasserstein(x, x))
        0.0
    """
    x, y = as_pair(x, y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"sliced_wasserstein needs equal sample sizes, got {x.shape[0]} and {y.shape[0]}"
        )
    p = check_positive_int(p, "p")
    n_projections = check_positive_int(n_projections, "n_projections")
    theta = torch.randn(x.shape[1], n_projections, generator=make_generator(seed)).to(
        x.device, x.dtype
    )
    theta = theta / theta.norm(dim=0, keepdim=True)
    px, _ = torch.sort(x @ theta, dim=0)
    py, _ = torch.sort(y @ theta, dim=0)
    return (px - py).abs().pow(p).mean().pow(1.0 / p)


# --------------------------------------------------------------------------- neural critics


class LipschitzCritic(torch.nn.Module):
    r"""An MLP test function f_w: R^d → R, kept (approximately) 1-Lipschitz by ``constraint``:

    * ``"gp"``: no constraint on the weights; the training objective adds the gradient penalty
      λ E[(‖∇_x f(x̂)‖ − 1)²] at random interpolates x̂ (Gulrajani et al. 2017);
    * ``"spectral"``: every linear layer is divided by its largest singular value
      (``torch.nn.utils.parametrizations.spectral_norm``, Miyato et al. 2018); with 1-Lipschitz
      activations the whole network is then 1-Lipschitz;
    * ``"clip"``: weights are clipped to [−δ, δ] after each step (the original WGAN).
    """

    def __init__(
        self,
        dim: int,
        hidden: int = 64,
        depth: int = 2,
        constraint: str = "gp",
        clip: float = 0.01,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()

        if constraint not in ("gp", "spectral", "clip"):
            raise ValueError(f"constraint must be 'gp', 'spectral' or 'clip', got {constraint!r}")
        self.constraint = constraint
        self.clip = check_positive_float(clip, "clip")
        self.net = mlp(
            check_positive_int(dim, "dim"),
            1,
            hidden,
            depth,
            activation=functools.partial(torch.nn.LeakyReLU, 0.2),  # 1-Lipschitz
            spectral_norm=constraint == "spectral",
        )
        self.to(resolve_device(device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)

    @torch.no_grad()
    def clip_weights(self) -> None:
        """Clip every parameter to [−δ, δ] (used after each step when constraint='clip')."""
        for parameter in self.parameters():
            parameter.clamp_(-self.clip, self.clip)


@renamed_keywords(generator="seed")
def gradient_penalty(
    critic: torch.nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    seed: int | torch.Generator | None = None,
) -> torch.Tensor:
    r"""E[(‖∇_x f(x̂)‖ − 1)²] at x̂ = t·real + (1 − t)·fake, t ~ U[0, 1] per pair (equal sizes).

    References:
        | Improved Training of Wasserstein GANs (Gulrajani et al., 2017)
        | https://arxiv.org/abs/1704.00028

    Example:
        A linear critic f(x) = wᵀx has ‖∇f‖ = ‖w‖ everywhere: the penalty is (‖w‖ − 1)².

        >>> critic = lambda x: x @ torch.tensor([3.0, 4.0])
        >>> gradient_penalty(critic, torch.zeros(8, 2), torch.ones(8, 2), seed=0)
        tensor(16.)
    """
    real, fake = as_pair(real, fake, "real", "fake")
    if real.shape[0] != fake.shape[0]:
        raise ValueError(
            f"real and fake must have the same batch size, got {real.shape[0]} and {fake.shape[0]}"
        )
    t = torch.rand(real.shape[0], 1, generator=make_generator(seed)).to(real.device, real.dtype)
    return _gradient_penalty(critic, real, fake, t)


def _gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    t: torch.Tensor,
) -> torch.Tensor:
    """The computation behind :func:`gradient_penalty` (which checks the arguments and draws t):
    E[(‖∇f(x̂)‖ − 1)²] at x̂ = t·real + (1 − t)·fake, batches ``(..., B, d)``, t ``(..., B, 1)``
    (with a leading dimension, S critics at once: one penalty each)."""
    x_hat = (t * real.detach() + (1 - t) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return (grad.norm(dim=-1) - 1).square().mean(-1)


@renamed_keywords(steps="n_steps")
def neural_distance(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    critic: LipschitzCritic | None = None,
    n_steps: int = 1000,
    batch_size: int = 256,
    lr: float = 1e-3,
    penalty: float = 10.0,
    seed: int | torch.Generator | None = 0,
    progress: bool = False,
) -> tuple[float, LipschitzCritic, list[float]]:
    r"""Weak loss sup_f (E_x f − E_y f) over a neural critic family, by gradient ascent.

    Trains ``critic`` (default: a gradient-penalty :class:`LipschitzCritic`) on minibatches and
    returns ``(E_x f − E_y f on all the samples, critic, history of the minibatch objective)``.
    With a 1-Lipschitz critic (``constraint="spectral"``) the value is a lower bound of the W_1
    distance between the two empirical measures. The gradient penalty enforces the constraint
    only softly (gradient norms near 1, not at most 1), so its value can exceed W_1 somewhat.
    Stops with a clear error if the objective becomes non-finite. The loop is
    :func:`gencourse.train.fit` (Adam with β = (0.5, 0.9)).

    References:
        | Wasserstein GAN (Arjovsky et al., 2017)
        | https://arxiv.org/abs/1701.07875

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(500, 1, generator=g)
        >>> critic = LipschitzCritic(1, constraint="spectral", device="cpu")
        >>> value, _, _ = neural_distance(x, x + 2, critic=critic, n_steps=300, lr=3e-3)
        >>> 1.5 < value <= 2.0  # a lower bound of W_1 = 2
        True
    """
    x, y = as_pair(x, y)
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    lr = check_positive_float(lr, "lr")
    critic = critic if critic is not None else LipschitzCritic(x.shape[1], device=x.device)
    if not isinstance(critic, LipschitzCritic):
        raise TypeError(f"critic must be a LipschitzCritic, got {type(critic).__name__}")
    x, y = (t.to(dtype=module_dtype(critic)) for t in (x, y))  # the critic's dtype
    rng = make_generator(seed)  # one stream: the minibatches and the penalty's interpolates

    def objective(bx: torch.Tensor, by: torch.Tensor) -> tuple[torch.Tensor, dict]:
        gap = critic(bx).mean() - critic(by).mean()  # E_x f − E_y f, to be maximised
        loss = -gap
        if critic.constraint == "gp":
            loss = loss + penalty * gradient_penalty(critic, bx, by, rng)
        return loss, {"gap": gap}

    history = fit_critic(
        critic,
        x,
        y,
        objective,
        n_steps=n_steps,
        batch_size=batch_size,
        lr=lr,
        betas=(0.5, 0.9),
        after_step=critic.clip_weights if critic.constraint == "clip" else None,
        seed=rng,
        progress=progress,
        name="critic objective",
        hint="lower lr or check the inputs",
    )
    with torch.no_grad():
        value = float(critic(x).mean() - critic(y).mean())
    return value, critic, history.gap


def fit_critic(
    critic: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    objective: Callable[[torch.Tensor, torch.Tensor], LossValue],
    *,
    n_steps: int,
    batch_size: int,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    after_step: Callable[[], None] | None = None,
    seed: int | torch.Generator | None = 0,
    progress: bool = False,
    desc: str = "critic",
    name: str = "critic loss",
    hint: str = "lower the learning rate lr",
) -> History:
    r"""Train a critic f_w between two fixed samples x ∼ P and y ∼ P′: minimise
    ``objective(x_B, y_B)`` over w with Adam(``lr``, ``betas``), on a fresh minibatch of each
    sample per step (the inner maximisation of a weak loss, solved on its own).

    The one critic-fitting routine of the package: :func:`neural_distance` (E_x f − E_y f for a
    Lipschitz critic) and :func:`gencourse.gan.fit_discriminator` (the GAN discriminator) pass it
    their objectives. ``x`` and ``y`` are moved to the critic's device and dtype. The loop is
    :func:`gencourse.train.fit` (``joint=False``: two independent samples, a minibatch of each;
    ``after_step``, e.g. weight clipping, runs after each step); it stops with a clear error on a
    non-finite objective (``name`` and ``hint`` word the message). Returns the run's
    :class:`gencourse.train.History` (with the objective's extra values, if it returns any).

    Example:
        The best affine critic f(x) = wx + b with |w| ≤ 1 between N(0, 1) and N(2, 1) has
        E_x f − E_y f = 2, reached by w = −1:

        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.randn(2000, 1, generator=g), 2 + torch.randn(2000, 1, generator=g)
        >>> f = torch.nn.Linear(1, 1)
        >>> gap = lambda bx, by: -(f(bx).mean() - f(by).mean())
        >>> clip = lambda: f.weight.data.clamp_(-1, 1)
        >>> _ = fit_critic(f, x, y, gap, n_steps=200, batch_size=128, lr=0.05, after_step=clip)
        >>> round(float(f.weight), 3)
        -1.0
    """
    if not isinstance(critic, torch.nn.Module):
        raise TypeError(f"critic must be an nn.Module, got {type(critic).__name__}")
    x, y = (t.to(module_device(critic), module_dtype(critic)) for t in (x, y))
    return fit(
        critic,
        objective,
        (x, y),
        joint=False,  # two independent samples, a minibatch of each
        n_steps=n_steps,
        batch_size=batch_size,
        lr=lr,
        betas=betas,
        after_step=after_step,
        seed=seed,
        progress=progress,
        desc=desc,
        name=name,
        hint=hint,
    )
