r"""Optimal transport between finite point sets (the slides' supplementary section on W_p).

* :func:`optimal_matching`: the slides' distance between two sets of n points,
  min_{π ∈ S_n} ( (1/n) Σ_i ‖x_i − y_{π(i)}‖² )^{1/2}, an assignment problem (Hungarian algorithm);
* :func:`transport_plan`: the optimal coupling π ∈ Π(a, b) of Σ a_i δ_{x_i} and Σ b_j δ_{y_j} for
  the cost ‖x − y‖^p, a linear program (POT's network simplex); W_p^p = Σ π_ij ‖x_i − y_j‖^p;
* :func:`kantorovich_dual`: the Kantorovich–Rubinstein dual of W_1,
  max { Σ a_i f(x_i) − Σ b_j f(y_j) : |f(u) − f(v)| ≤ ‖u − v‖ on the points }, another linear
  program;
* :func:`kantorovich_potentials`: Kantorovich's dual of W_p^p for any p ≥ 1, with two potentials,
  max { Σ a_i f_i + Σ b_j g_j : f_i + g_j ≤ ‖x_i − y_j‖^p }, the linear program dual to the plan's.

Exact and in float64, for the small sets that illustrate the definitions; for W_p values alone
use :func:`gencourse.losses.wasserstein`. Each public function checks its arguments and calls a
private one, the mathematics alone, which the book shows. SciPy and POT are imported inside those
functions: ``import ot`` takes seconds, and only these solvers need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from ._checks import (
    VectorLike,
    as_points,
    check_positive_float,
    check_positive_int,
    make_generator,
)
from .losses import as_pair, as_weights

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult

__all__ = [
    "entropic_ot",
    "kantorovich_dual",
    "kantorovich_potentials",
    "optimal_matching",
    "sinkhorn_divergence",
    "sliced_wasserstein",
    "transport_plan",
]


def _sets(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The losses' checks of a pair of samples, then float64 on the CPU (SciPy and POT's home)."""
    x, y = as_pair(x, y)
    return x.detach().cpu().double(), y.detach().cpu().double()


def optimal_matching(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, float]:
    r"""The permutation π minimising Σ_i ‖x_i − y_{π(i)}‖² for ``x``, ``y`` of shape ``(n, d)``,
    and the slides' distance ((1/n) Σ_i ‖x_i − y_{π(i)}‖²)^{1/2}, W_2 of the two empirical
    measures.

    Returns ``(permutation (n,) int64, distance)``; solved exactly by
    :func:`scipy.optimize.linear_sum_assignment`.

    Example:
        >>> x = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
        >>> optimal_matching(x, x.flip(0) + 1.0)  # each point to its shifted copy: √2 each
        (tensor([1, 0]), 1.4142135623730951)
    """
    x, y = _sets(x, y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"x and y must hold the same number of points, got {x.shape[0]} and {y.shape[0]}"
        )
    return _optimal_matching(x, y)


def _optimal_matching(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, float]:
    """argmin_π Σ_i ‖x_i − y_{π(i)}‖² by the Hungarian algorithm, and the distance
    ((1/n) Σ_i ‖x_i − y_{π(i)}‖²)^{1/2} (:func:`optimal_matching` checks the arguments)."""
    from scipy.optimize import linear_sum_assignment

    cost = torch.cdist(x, y).square().numpy()
    rows, columns = linear_sum_assignment(cost)
    permutation = torch.from_numpy(columns[np.argsort(rows)]).long()
    return permutation, float(np.sqrt(cost[rows, columns].mean()))


def transport_plan(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    p: int = 2,
    a: VectorLike | None = None,
    b: VectorLike | None = None,
) -> tuple[torch.Tensor, float]:
    r"""Optimal coupling π ``(n, m)`` between Σ a_i δ_{x_i} and Σ b_j δ_{y_j} for the cost
    ‖x − y‖^p (uniform weights by default) and W_p = (Σ π_ij ‖x_i − y_j‖^p)^{1/p}.

    π has row sums a and column sums b (its marginals are the two measures). Solved exactly by
    POT's network simplex (:func:`ot.emd`).
    """
    x, y = _sets(x, y)
    p = check_positive_int(p, "p")
    a_w, b_w = as_weights(a, x.shape[0], "a"), as_weights(b, y.shape[0], "b")
    return _transport_plan(x, y, p, a_w, b_w)


def _transport_plan(
    x: torch.Tensor, y: torch.Tensor, p: int, a: np.ndarray, b: np.ndarray
) -> tuple[torch.Tensor, float]:
    """argmin_{π ∈ Π(a, b)} Σ π_ij ‖x_i − y_j‖^p by the network simplex, and W_p
    (:func:`transport_plan` checks the arguments)."""
    import ot

    cost = torch.cdist(x, y).pow(p).numpy()
    plan = ot.emd(a, b, cost, numItermax=10_000_000)
    value = float((plan * cost).sum())
    return torch.from_numpy(plan), max(value, 0.0) ** (1.0 / p)


def kantorovich_dual(
    x: torch.Tensor, y: torch.Tensor, *, a: VectorLike | None = None, b: VectorLike | None = None
) -> tuple[float, torch.Tensor, torch.Tensor]:
    r"""The Kantorovich–Rubinstein dual of W_1 between Σ a_i δ_{x_i} and Σ b_j δ_{y_j}, solved as a
    linear program over the values of f at the n + m points:

    max_f Σ_i a_i f(x_i) − Σ_j b_j f(y_j)  subject to  f(u) − f(v) ≤ ‖u − v‖ for all points u ≠ v.

    A function satisfying the constraints on the points extends to a 1-Lipschitz function on R^d
    (McShane: f̃(z) = min_u f(u) + ‖z − u‖), so the value is sup over 1-Lipschitz f, which equals
    W_1 by the duality theorem. Returns ``(value, f at x (n,), f at y (m,))`` with f normalised by
    f(x_0) = 0 (the objective does not change when a constant is added). Solved with SciPy's HiGHS.
    """
    x, y = _sets(x, y)
    a_w, b_w = as_weights(a, x.shape[0], "a"), as_weights(b, y.shape[0], "b")
    n_total = x.shape[0] + y.shape[0]
    if n_total > 400:
        raise ValueError(
            f"kantorovich_dual builds (n + m)² constraints; use at most 400 points, got {n_total}"
        )
    result = _kantorovich_dual(x, y, a_w, b_w)
    if result.status != 0:
        raise RuntimeError(f"the dual linear program failed: {result.message}")
    f = torch.from_numpy(result.x)
    return float(-result.fun), f[: x.shape[0]], f[x.shape[0] :]


def _kantorovich_dual(
    x: torch.Tensor, y: torch.Tensor, a: np.ndarray, b: np.ndarray
) -> OptimizeResult:
    """max_f Σ a_i f(x_i) − Σ b_j f(y_j) s.t. f(u) − f(v) ≤ ‖u − v‖ on the points, f(x_0) = 0,
    as SciPy's linear program (:func:`kantorovich_dual` checks the arguments and reads the
    result)."""
    from scipy.optimize import linprog

    points = torch.cat([x, y])
    n_total = points.shape[0]
    distances = torch.cdist(points, points).numpy()
    u, v = np.nonzero(~np.eye(n_total, dtype=bool))
    constraints = np.zeros((u.size, n_total))
    constraints[np.arange(u.size), u] = 1.0
    constraints[np.arange(u.size), v] = -1.0
    objective = -np.concatenate([a, -b])  # linprog minimises
    bounds = [(0.0, 0.0)] + [(None, None)] * (n_total - 1)
    return linprog(
        objective, A_ub=constraints, b_ub=distances[u, v], bounds=bounds, method="highs"
    )


def kantorovich_potentials(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    p: int = 2,
    a: VectorLike | None = None,
    b: VectorLike | None = None,
) -> tuple[float, torch.Tensor, torch.Tensor]:
    r"""Kantorovich's dual of W_p^p between Σ a_i δ_{x_i} and Σ b_j δ_{y_j}, for any p ≥ 1:

    max_{f, g} Σ_i a_i f_i + Σ_j b_j g_j  subject to  f_i + g_j ≤ ‖x_i − y_j‖^p for all i, j,

    the linear program dual to :func:`transport_plan`'s (one variable per point, one constraint
    per pair (i, j), the coupling π_ij being its multiplier). Its value is W_p^p (strong duality of
    linear programs). For p = 1 an optimal pair is (f, −f) with f 1-Lipschitz, which is
    :func:`kantorovich_dual`; for p > 1 the two potentials are genuinely different. Returns
    ``(value, f (n,), g (m,))`` with f normalised by f_0 = 0 (the pair (f + c, g − c) has the same
    value). Solved with SciPy's HiGHS, independently of POT's primal solver.
    """
    x, y = _sets(x, y)
    p = check_positive_int(p, "p")
    a_w, b_w = as_weights(a, x.shape[0], "a"), as_weights(b, y.shape[0], "b")
    n, m = x.shape[0], y.shape[0]
    if n * m > 250_000:
        raise ValueError(
            f"kantorovich_potentials builds n·m constraints; use n·m ≤ 250000, got {n}·{m}"
        )
    result = _kantorovich_potentials(x, y, p, a_w, b_w)
    if result.status != 0:
        raise RuntimeError(f"the dual linear program failed: {result.message}")
    potentials = torch.from_numpy(result.x)
    return float(-result.fun), potentials[:n], potentials[n:]


def _kantorovich_potentials(
    x: torch.Tensor, y: torch.Tensor, p: int, a: np.ndarray, b: np.ndarray
) -> OptimizeResult:
    """max_{f, g} Σ a_i f_i + Σ b_j g_j s.t. f_i + g_j ≤ ‖x_i − y_j‖^p, f_0 = 0, as SciPy's
    linear program (:func:`kantorovich_potentials` checks the arguments and reads the result)."""
    from scipy import sparse
    from scipy.optimize import linprog

    n, m = x.shape[0], y.shape[0]
    cost = torch.cdist(x, y).pow(p).numpy()
    # constraint k = i·m + j reads f_i + g_j: ones in columns i and n + j of its row
    rows, columns = np.divmod(np.arange(n * m), m)
    entries = (np.repeat(np.arange(n * m), 2), np.stack([rows, n + columns], axis=1).ravel())
    constraints = sparse.csr_array((np.ones(2 * n * m), entries), shape=(n * m, n + m))
    objective = -np.concatenate([a, b])  # linprog minimises
    bounds = [(0.0, 0.0)] + [(None, None)] * (n + m - 1)
    return linprog(objective, A_ub=constraints, b_ub=cost.ravel(), bounds=bounds, method="highs")


def _positive_weights(w: VectorLike | None, n: int, name: str) -> np.ndarray:
    """:func:`gencourse.losses.as_weights`, and every weight > 0 (the entropy's log needs it)."""
    weights = as_weights(w, n, name)
    if not (weights > 0).all():
        raise ValueError(f"{name} must be positive: entropic transport takes log({name})")
    return weights


def entropic_ot(
    x: torch.Tensor,
    y: torch.Tensor,
    epsilon: float,
    *,
    a: VectorLike | None = None,
    b: VectorLike | None = None,
    n_iter: int = 10_000,
    tol: float = 1e-6,
) -> float:
    r"""Entropic optimal transport between Σ a_i δ_{x_i} and Σ b_j δ_{y_j} (``x`` ``(n, d)``, ``y``
    ``(m, d)``, uniform weights by default) for the cost C_ij = ‖x_i − y_j‖²:

    OT_ε = min_{π ∈ Π(a, b)} Σ_ij π_ij C_ij + ε KL(π | a ⊗ b)
         = max_{f, g} Σ_i a_i f_i + Σ_j b_j g_j − ε Σ_ij a_i b_j (e^{(f_i + g_j − C_ij)/ε} − 1),

    computed by POT's log-domain Sinkhorn iterations (:func:`ot.sinkhorn2`, ``n_iter`` at most,
    stopped at a marginal error ``tol``) and returned as the dual value Σ a f + Σ b g, which equals
    the primal once the marginals hold (its error is second order in the marginal error: the
    self-transport OT_ε(α, α) converges slowly in the marginals, quickly in value).
    W_2² ≤ OT_ε ≤ W_2² + ε KL(π* | a ⊗ b): the entropy biases it upwards, and
    OT_ε(α, α) > 0. Peyré & Cuturi, *Computational Optimal Transport* (2019), ch. 4;
    Genevay et al. (2019), "Sample complexity of Sinkhorn divergences".
    """
    return _entropic_ot(*_entropic_arguments(x, y, epsilon, a, b, n_iter, tol))


def _entropic_arguments(
    x: object, y: object, epsilon: object, a: object, b: object, n_iter: object, tol: object
) -> tuple[torch.Tensor, torch.Tensor, float, np.ndarray, np.ndarray, int, float]:
    """The checked arguments of :func:`entropic_ot` and :func:`sinkhorn_divergence`, in the order
    of their private functions: the two sets, ε, the weights a and b, the iterations, the
    tolerance."""
    x, y = _sets(x, y)
    epsilon = check_positive_float(epsilon, "epsilon")
    n_iter = check_positive_int(n_iter, "n_iter")
    tol = check_positive_float(tol, "tol")
    a_w, b_w = _positive_weights(a, x.shape[0], "a"), _positive_weights(b, y.shape[0], "b")
    return x, y, epsilon, a_w, b_w, n_iter, tol


def _entropic_ot(
    x: torch.Tensor,
    y: torch.Tensor,
    epsilon: float,
    a: np.ndarray,
    b: np.ndarray,
    n_iter: int,
    tol: float,
) -> float:
    """OT_ε as the dual value Σ a_i f_i + Σ b_j g_j of POT's Sinkhorn potentials, the plan being
    π_ij = a_i b_j e^{(f_i + g_j − C_ij)/ε} (:func:`entropic_ot` checks the arguments)."""
    import ot

    cost = torch.cdist(x, y).square().numpy()
    _, log = ot.sinkhorn2(
        a, b, cost, epsilon, method="sinkhorn_log", numItermax=n_iter, stopThr=tol, log=True
    )
    # POT's plan is exp(log_u_i − C_ij/ε + log_v_j): f = ε (log_u − log a), g = ε (log_v − log b)
    f = epsilon * (log["log_u"] - np.log(a))
    g = epsilon * (log["log_v"] - np.log(b))
    return float(a @ f + b @ g)


def sinkhorn_divergence(
    x: torch.Tensor,
    y: torch.Tensor,
    epsilon: float,
    *,
    a: VectorLike | None = None,
    b: VectorLike | None = None,
    n_iter: int = 10_000,
    tol: float = 1e-6,
) -> float:
    r"""The Sinkhorn divergence between α = Σ a_i δ_{x_i} and β = Σ b_j δ_{y_j} (``x`` ``(n, d)``,
    ``y`` ``(m, d)``, uniform weights by default), for the cost ‖x − y‖²:

    S_ε(α, β) = OT_ε(α, β) − ½ OT_ε(α, α) − ½ OT_ε(β, β),

    with OT_ε of :func:`entropic_ot`. S_ε(α, α) = 0, S_ε ≥ 0 with equality only for α = β
    (Feydy et al. 2019, Theorem 1), S_ε → W_2² as ε → 0 and → ‖E_α x − E_β y‖² as ε → ∞ (the
    squared MMD of the linear kernel).
    Genevay et al. (2019), "Sample complexity of Sinkhorn divergences"; Peyré & Cuturi (2019),
    ch. 4 and 8.
    """
    return _sinkhorn_divergence(*_entropic_arguments(x, y, epsilon, a, b, n_iter, tol))


def _sinkhorn_divergence(
    x: torch.Tensor,
    y: torch.Tensor,
    epsilon: float,
    a: np.ndarray,
    b: np.ndarray,
    n_iter: int,
    tol: float,
) -> float:
    """S_ε = OT_ε(α, β) − ½ OT_ε(α, α) − ½ OT_ε(β, β) (:func:`sinkhorn_divergence` checks the
    arguments)."""
    cross = _entropic_ot(x, y, epsilon, a, b, n_iter, tol)
    self_x = _entropic_ot(x, x, epsilon, a, a, n_iter, tol)
    self_y = _entropic_ot(y, y, epsilon, b, b, n_iter, tol)
    return cross - 0.5 * self_x - 0.5 * self_y


def sliced_wasserstein(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    p: int = 2,
    n_projections: int = 50,
    projections: torch.Tensor | None = None,
    seed: int | torch.Generator | None = None,
) -> torch.Tensor:
    r"""The sliced Wasserstein distance between two samples ``x``, ``y`` of the same size
    ``(n, d)`` (uniform weights), estimated on L directions θ_l ∈ S^{d−1}:

    SW_p(α, β) = ( ∫_{S^{d−1}} W_p^p(θ#α, θ#β) dσ(θ) )^{1/p}
              ≈ ( (1/L) Σ_l (1/n) Σ_i |⟨θ_l, x⟩_(i) − ⟨θ_l, y⟩_(i)|^p )^{1/p},

    where ⟨θ, x⟩_(i) is the i-th smallest projection: in one dimension the optimal coupling
    matches sorted points. ``projections`` ``(d, L)`` holds the unit directions as columns (POT's
    convention); without it, ``n_projections`` directions are drawn uniformly on the sphere with
    ``seed``. Returns a 0-dim tensor, differentiable in ``x`` and ``y`` (a loss for generative
    models). SW_p ≤ W_p. Rabin et al. (2011); Bonneel et al. (2015), "Sliced and Radon Wasserstein
    barycenters of measures".

    Example:
        A shift by (3, 0) seen along e_1 (3) and e_2 (0): SW_2 = ((3² + 0²)/2)^{1/2}.

        >>> x = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
        >>> shift = torch.tensor([3.0, 0.0])
        >>> round(float(sliced_wasserstein(x, x + shift, projections=torch.eye(2))), 5)
        2.12132
    """
    x, y = as_pair(x, y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            "x and y must hold the same number of points (sorting matches them one to one), "
            f"got {x.shape[0]} and {y.shape[0]}"
        )
    p = check_positive_int(p, "p")
    if projections is None:
        n_projections = check_positive_int(n_projections, "n_projections")
        directions = torch.randn(
            x.shape[1], n_projections, generator=make_generator(seed), dtype=torch.float64
        )
        projections = directions / directions.norm(dim=0, keepdim=True)
    else:
        projections = as_points(projections, "projections").to(x.device, x.dtype)
        if projections.shape[0] != x.shape[1]:
            raise ValueError(
                f"projections must have shape (d, L) with d = {x.shape[1]}, got "
                f"{tuple(projections.shape)}"
            )
        norms = projections.norm(dim=0)
        if not torch.allclose(norms, torch.ones_like(norms), atol=1e-5):
            raise ValueError("projections must have unit columns (directions on the sphere)")
    return _sliced_wasserstein(x, y, projections.to(x.device, x.dtype), p)


def _sliced_wasserstein(
    x: torch.Tensor, y: torch.Tensor, projections: torch.Tensor, p: int
) -> torch.Tensor:
    """((1/L) Σ_l W_p^p of the projections on θ_l)^{1/p}, each one-dimensional W_p^p by sorting
    (:func:`sliced_wasserstein` checks the arguments)."""
    x_sorted = (x @ projections).sort(dim=0).values  # (n, L): column l holds ⟨θ_l, x_i⟩, sorted
    y_sorted = (y @ projections).sort(dim=0).values
    return (x_sorted - y_sorted).abs().pow(p).mean().pow(1.0 / p)
