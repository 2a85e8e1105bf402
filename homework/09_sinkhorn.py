# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 09_sinkhorn
# requirements: requirements.txt
# python_version: "3.11"
# seed:
#   variable: SEED
#   autograder_value: 2024
#   student_value: 7
# tests:
#   ok_format: false
# init_cell: false
# check_all_cell: true
# export_cell: false
# run_tests: true
# solutions_pdf: false
# generate: true

# %% [markdown]
# # Homework 9: entropic optimal transport and Sinkhorn's algorithm
#
# *Book: Chapter 9, "Supplement: the Wasserstein metric".* Run the first cell (on Colab it installs
# `gencourse` and `otter-grader`), answer each question where you find `...`, and run the
# `grader.check(...)` cell below it for instant feedback. The public checks are a subset of the
# tests used for grading; the written question is graded by hand.
#
# The chapter solved the transport linear program exactly. Adding an entropy term makes it strictly
# convex and solvable by a simple iteration that runs on a GPU and can be differentiated:
#
# $$ \min_{\pi \in \Pi(a, b)} \sum_{ij} \pi_{ij} C_{ij} + \varepsilon \sum_{ij} \pi_{ij} (\log \pi_{ij} - 1). $$
#
# Its solution has the form $\pi_{ij} = \exp\bigl((f_i + g_j - C_{ij}) / \varepsilon\bigr)$ (Question 2), and
# **Sinkhorn's algorithm** alternately chooses $f$ so that the rows sum to $a$, and $g$ so that the
# columns sum to $b$:
#
# $$ f_i \leftarrow \varepsilon \log a_i - \varepsilon \log \sum_j e^{(g_j - C_{ij})/\varepsilon}, \qquad
#    g_j \leftarrow \varepsilon \log b_j - \varepsilon \log \sum_i e^{(f_i - C_{ij})/\varepsilon}. $$

# %%
import subprocess
import sys

try:
    import gencourse
    import otter
except ImportError:  # on Colab: install the book's package and the grader, then import them
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "otter-grader",
            "gencourse @ GENCOURSE_PIP_URL",
        ],
        check=True,
    )
    import gencourse
    import otter

import math

import torch

from gencourse import losses, transport

grader = otter.Notebook("09_sinkhorn.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)


def point_clouds(n, m, shift, seed):
    """Two clouds in the plane, uniform weights, and their squared-distance cost."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g, dtype=torch.float64)
    y = 0.5 * torch.randn(m, 2, generator=g, dtype=torch.float64) + shift
    a = torch.full((n,), 1 / n, dtype=torch.float64)
    b = torch.full((m,), 1 / m, dtype=torch.float64)
    return x, y, a, b, torch.cdist(x, y).square()


# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `sinkhorn_plan(a, b, cost, epsilon, n_iter)`: run `n_iter` Sinkhorn iterations
# (one update of $f$ and one of $g$ each) from $f = g = 0$ and return the plan $\pi$ ``(n, m)``, for weights
# `a` ``(n,)`` and `b` ``(m,)`` (float64, positive, each summing to 1) and a cost matrix `cost` ``(n, m)``.
# It must stay finite when $\varepsilon$ is a thousandth of the smallest cost, where every $e^{-C_{ij}/\varepsilon}$
# underflows: compute in the log domain (`torch.logsumexp`). POT's solvers and gencourse's transport
# functions are disabled while the tests run your function.

# %% [raw]
# # BEGIN SOLUTION


# %%
def sinkhorn_plan(a, b, cost, epsilon, n_iter):
    # BEGIN SOLUTION
    f = torch.zeros_like(a)
    g = torch.zeros_like(b)
    for _ in range(n_iter):
        f = epsilon * a.log() - epsilon * torch.logsumexp((g[None, :] - cost) / epsilon, dim=1)
        g = epsilon * b.log() - epsilon * torch.logsumexp((f[:, None] - cost) / epsilon, dim=0)
    return torch.exp((f[:, None] + g[None, :] - cost) / epsilon)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_marginals(env, sinkhorn_plan, point_clouds, SEED):
    import ot
    import torch

    from gencourse import grading, losses, transport

    x, y, a, b, cost = point_clouds(20, 30, 1.0, seed=SEED)
    disabled = (
        ot.sinkhorn,
        ot.sinkhorn2,
        ot.bregman.sinkhorn_log,
        ot.bregman.sinkhorn_knopp,
        ot.bregman.sinkhorn_stabilized,
        ot.emd,
        ot.emd2,
        transport.transport_plan,
        losses.wasserstein,
    )
    with grading.forbidden(*disabled, namespace=env):
        plan = sinkhorn_plan(a, b, cost, 0.5, 300)
    assert isinstance(plan, torch.Tensor) and plan.shape == (20, 30), (
        "return the plan, shape (n, m)"
    )
    assert bool(torch.isfinite(plan).all()) and bool((plan >= 0).all()), (
        "the plan must be finite and ≥ 0"
    )
    rows, columns = float((plan.sum(1) - a).abs().sum()), float((plan.sum(0) - b).abs().sum())
    assert rows < 1e-8 and columns < 1e-8, (
        f"the plan's row sums must be a and its column sums b: errors {rows:.2e} and {columns:.2e} (L1)"
    )


test_marginals(env, sinkhorn_plan, point_clouds, SEED)


# %%
def test_small_epsilon(env, sinkhorn_plan, point_clouds, SEED):
    import ot
    import torch

    from gencourse import grading, losses, transport

    x, y, a, b, cost = point_clouds(20, 30, 8.0, seed=SEED)  # far apart: every cost is above 40
    epsilon = float(cost.min()) / 1000  # every e^(-C/ε) is below e^(-1000): 0 in float64
    disabled = (
        ot.sinkhorn,
        ot.sinkhorn2,
        ot.bregman.sinkhorn_log,
        ot.bregman.sinkhorn_knopp,
        ot.bregman.sinkhorn_stabilized,
        ot.emd,
        ot.emd2,
        transport.transport_plan,
        losses.wasserstein,
    )
    with grading.forbidden(*disabled, namespace=env):
        plan = sinkhorn_plan(a, b, cost, epsilon, 200)
    assert bool(torch.isfinite(plan).all()), (
        f"with ε = {epsilon:.3f} every e^(-C/ε) is below e^(-1000) and the plan came out non-finite: "
        "compute in the log domain"
    )
    columns = float((plan.sum(0) - b).abs().sum())
    assert columns < 1e-6 or float((plan.sum(1) - a).abs().sum()) < 1e-6, (
        "one marginal is exact after an update"
    )


test_small_epsilon(env, sinkhorn_plan, point_clouds, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_against_pot_and_exact_transport(env, sinkhorn_plan, point_clouds):
    import ot
    import torch

    from gencourse import grading, losses, transport

    x, y, a, b, cost = point_clouds(15, 25, 0.5, seed=41)
    reference = torch.from_numpy(
        ot.sinkhorn(
            a.numpy(),
            b.numpy(),
            cost.numpy(),
            0.3,
            method="sinkhorn_log",
            numItermax=5000,
            stopThr=1e-15,
        )
    )
    _, w2 = transport.transport_plan(x, y, p=2)
    disabled = (
        ot.sinkhorn,
        ot.sinkhorn2,
        ot.bregman.sinkhorn_log,
        ot.bregman.sinkhorn_knopp,
        ot.bregman.sinkhorn_stabilized,
        ot.emd,
        ot.emd2,
        transport.transport_plan,
        losses.wasserstein,
    )
    with grading.forbidden(*disabled, namespace=env):
        plan = sinkhorn_plan(a, b, cost, 0.3, 3000)
        sharp = sinkhorn_plan(a, b, cost, 0.005, 3000)
    assert torch.allclose(plan, reference, atol=1e-10), float((plan - reference).abs().max())
    entropic_cost = float((sharp * cost).sum())
    assert abs(entropic_cost - w2**2) < 0.02, (entropic_cost, w2**2)


test_against_pot_and_exact_transport(env, sinkhorn_plan, point_clouds)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** The entropic cost $\sum_{ij} \pi_{ij} C_{ij}$ approaches the exact $W_2^2$ of the
# chapter's linear program as $\varepsilon$ shrinks, and the plan concentrates on a permutation:

# %%
x, y, a, b, cost = point_clouds(30, 30, 1.0, seed=SEED)
_, w2 = transport.transport_plan(x, y, p=2)
try:
    for epsilon in (1.0, 0.1, 0.01):
        plan = sinkhorn_plan(a, b, cost, epsilon, 2000)
        print(
            f"ε = {epsilon:5}: Σ π C = {float((plan * cost).sum()):.4f} (W2² = {w2**2:.4f}), "
            f"largest entry per row {float(plan.max(1).values.mean() * 30):.3f} × 1/n"
        )
except Exception as error:  # the blank notebook: nothing to show yet
    print("sinkhorn_plan is not written yet:", type(error).__name__, error)

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 4
# manual: true

# %% [markdown]
# **Question 2 (written).** (a) Write the Lagrangian of the entropic problem with multipliers $f$ for the
# row constraints and $g$ for the column constraints, and show that the optimal plan has the form
# $\pi_{ij} = e^{(f_i + g_j - C_{ij})/\varepsilon}$, i.e. $\pi = \operatorname{diag}(u)\, K \operatorname{diag}(v)$ with
# $K = e^{-C/\varepsilon}$. (b) Show that each Sinkhorn update is exactly the choice of $f$ (resp. $g$) that
# makes the rows (resp. columns) sum to $a$ (resp. $b$). (c) Why does the plain-exponential version
# ($u \leftarrow a / Kv$, $v \leftarrow b / K^\top u$) fail for small $\varepsilon$, and why does subtracting the
# maximum inside `logsumexp` fix it?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) $\mathcal L = \sum_{ij} \pi_{ij} C_{ij} + \varepsilon \sum_{ij} \pi_{ij}(\log \pi_{ij} - 1) - \sum_i f_i (\sum_j \pi_{ij} - a_i)
# - \sum_j g_j (\sum_i \pi_{ij} - b_j)$. Setting $\partial \mathcal L / \partial \pi_{ij} = C_{ij} + \varepsilon \log \pi_{ij} - f_i - g_j = 0$
# gives $\pi_{ij} = e^{(f_i + g_j - C_{ij})/\varepsilon} = u_i K_{ij} v_j$ with $u = e^{f/\varepsilon}$, $v = e^{g/\varepsilon}$. (The
# objective is strictly convex, so this stationary point is the unique minimiser; positivity is automatic.)
#
# (b) $\sum_j \pi_{ij} = e^{f_i/\varepsilon} \sum_j e^{(g_j - C_{ij})/\varepsilon} = a_i$ $\iff$
# $f_i = \varepsilon \log a_i - \varepsilon \log \sum_j e^{(g_j - C_{ij})/\varepsilon}$, the $f$ update; likewise for $g$. (It is
# block coordinate ascent on the concave dual.)
#
# (c) When every $C_{ij}/\varepsilon$ exceeds about 745, every $K_{ij}$ is 0 in float64, $Kv = 0$ and $a / Kv$ is
# infinite, then NaN. In the log domain the sums are computed as
# $\max_j s_j + \log \sum_j e^{s_j - \max_j s_j}$, whose largest term is $e^0 = 1$: nothing underflows entirely.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
