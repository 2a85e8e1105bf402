# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 01_kde_bandwidth
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
# # Homework 1: choosing a KDE's bandwidth by leave-one-out likelihood
#
# *Book: Chapter 1, "Distribution learning and classical estimators".* Run the first cell (on
# Colab it installs `gencourse` and `otter-grader`), answer each question where you find `...`,
# and run the `grader.check(...)` cell below it for instant feedback. The public checks are a
# subset of the tests used for grading; the written question is graded by hand.
#
# The chapter chose the bandwidth $h$ of a Gaussian kernel density estimator by the log-likelihood
# of a **held-out** sample. With a single sample $x_1, \dots, x_n \in \mathbb R^d$ one can instead
# hold out each point in turn: the **leave-one-out** (LOO) log-likelihood
#
# $$ \mathrm{LOO}(h) = \frac1n \sum_{i=1}^n \log \hat f_{h, -i}(x_i), \qquad
#    \hat f_{h, -i}(x) = \frac{1}{n - 1} \sum_{j \ne i} \mathcal N(x;\, x_j,\, h^2 I_d), $$
#
# where $\hat f_{h,-i}$ is the KDE fitted to every point but $x_i$.

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

from gencourse import classical, data

grader = otter.Notebook("01_kde_bandwidth.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)
moons = data.TwoMoons().sample(400, seed=SEED, device="cpu").double()

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `loo_log_likelihood(x, h)`: $\mathrm{LOO}(h)$ for a sample `x` of shape
# ``(n, d)`` (float64) and a bandwidth `h > 0`, as a 0-dimensional tensor. Compute it with
# `torch` only (not with `gencourse.classical`, which the tests disable while they run your
# function), in $O(n^2 d)$ operations, and make it finite even for a bandwidth as small as
# $h = 10^{-3}$, where every kernel value underflows (work with log-kernels and
# `torch.logsumexp`, as `BasisExpansion.log_prob` does in the chapter).

# %% [raw]
# # BEGIN SOLUTION


# %%
def loo_log_likelihood(x, h):
    # BEGIN SOLUTION
    n, d = x.shape
    log_kernel = -torch.cdist(x, x).square() / (2 * h**2) - d * math.log(
        h * math.sqrt(2 * math.pi)
    )
    log_kernel = log_kernel.masked_fill(torch.eye(n, dtype=torch.bool, device=x.device), -math.inf)
    return (torch.logsumexp(log_kernel, dim=1) - math.log(n - 1)).mean()
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_value_and_tiny_bandwidth(env, loo_log_likelihood, moons):
    import math

    import torch

    from gencourse import classical, grading

    with grading.forbidden(
        classical.KDE.log_kernel,
        classical.BasisExpansion.log_prob,
        classical.kde_log_probs,
        namespace=env,
    ):
        value = loo_log_likelihood(moons, 0.1)
        tiny = loo_log_likelihood(moons, 1e-3)
    assert isinstance(value, torch.Tensor) and value.ndim == 0, "return a 0-dimensional tensor"
    assert math.isfinite(float(value)), f"LOO(0.1) must be finite, got {float(value)}"
    # With h = 0.001 each point's neighbours are hundreds of bandwidths away: a held-out point
    # is very unlikely under the others' kernels, so LOO(0.001) is far below LOO(0.1).
    assert float(tiny) < float(value) - 50, (
        f"LOO(0.001) = {float(tiny):.1f} should be far below LOO(0.1) = {float(value):.2f}: "
        "is the held-out point x_i left out of its own estimate?"
    )


test_value_and_tiny_bandwidth(env, loo_log_likelihood, moons)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_against_brute_force(env, loo_log_likelihood):
    import math

    import torch

    from gencourse import classical, grading

    g = torch.Generator().manual_seed(3)
    for n, d, h in ((12, 3, 0.7), (30, 1, 0.2), (9, 5, 1.5)):
        x = torch.randn(n, d, generator=g, dtype=torch.float64)
        log_norm = d * math.log(h * math.sqrt(2 * math.pi))
        total = 0.0
        for i in range(n):  # a loop over the held-out point, as in the definition
            terms = [
                -float((x[i] - x[j]).square().sum()) / (2 * h**2) - log_norm
                for j in range(n)
                if j != i
            ]
            top = max(terms)
            total += top + math.log(sum(math.exp(t - top) for t in terms)) - math.log(n - 1)
        expected = total / n
        with grading.forbidden(
            classical.KDE.log_kernel,
            classical.BasisExpansion.log_prob,
            classical.kde_log_probs,
            namespace=env,
        ):
            ours = loo_log_likelihood(x, h)
        assert abs(float(ours) - expected) < 1e-9, (
            f"n = {n}, d = {d}, h = {h}: LOO = {float(ours):.6f}, expected {expected:.6f}"
        )


test_against_brute_force(env, loo_log_likelihood)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_finite_where_kernels_underflow(env, loo_log_likelihood):
    import math

    import torch

    from gencourse import classical, grading

    x = torch.tensor([[0.0], [1.0], [3.0]], dtype=torch.float64)
    with grading.forbidden(
        classical.KDE.log_kernel,
        classical.BasisExpansion.log_prob,
        classical.kde_log_probs,
        namespace=env,
    ):
        value = float(loo_log_likelihood(x, 0.02))  # kernels e^{-1250} and smaller: 0 in float64
    # nearest neighbours at distances 1, 1 and 2; the farther ones add less than e^{-10000}
    log_norm = math.log(0.02 * math.sqrt(2 * math.pi)) + math.log(2)  # kernel constant, 1/(n-1)
    expected = sum(-(r**2) / (2 * 0.02**2) - log_norm for r in (1, 1, 2)) / 3
    assert math.isfinite(value) and abs(value - expected) < 1e-6 * abs(expected), (value, expected)


test_finite_where_kernels_underflow(env, loo_log_likelihood)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** The LOO curve on the two moons of the chapter, its maximiser, and
# Scott's rule:

# %%
bandwidths = torch.logspace(-1.7, 0.0, 12, dtype=torch.float64).tolist()
try:
    scores = [float(loo_log_likelihood(moons, h)) for h in bandwidths]
    best = bandwidths[max(range(len(scores)), key=scores.__getitem__)]
    print(f"LOO bandwidth {best:.3f}; Scott's rule {classical.bandwidth_rule(moons, 'scott'):.3f}")
except Exception as error:  # the blank notebook: nothing to show yet
    print("loo_log_likelihood is not written yet:", type(error).__name__, error)

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3
# manual: true

# %% [markdown]
# **Question 2 (written).** (a) Let $x_1, \dots, x_n$ be i.i.d. from $\rho^*$. Show that
# $\mathbb E[\mathrm{LOO}(h)]$ equals the expected held-out log-likelihood
# $\mathbb E\, \log \hat f_{h, n-1}(x')$ of a KDE fitted to $n - 1$ points and evaluated at an
# independent point $x' \sim \rho^*$. (b) The *resubstitution* score keeps the point in its own
# estimate, $\frac1n \sum_i \log \hat f_h(x_i)$ with $\hat f_h$ fitted to all $n$ points. Show that
# for any sample of distinct points it tends to $+\infty$ as $h \to 0$, so that it always picks the
# smallest bandwidth on offer. Write your answer in the cell below (Markdown and LaTeX).

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) By linearity, $\mathbb E[\mathrm{LOO}(h)] = \frac1n \sum_i \mathbb E \log \hat f_{h,-i}(x_i)$.
# For each $i$, $\hat f_{h,-i}$ is a function of the $n - 1$ other points only, which are i.i.d.
# from $\rho^*$ and independent of $x_i \sim \rho^*$: the pair $(\hat f_{h,-i}, x_i)$ has the law of
# $(\hat f_{h,n-1}, x')$. So every term equals $\mathbb E \log \hat f_{h,n-1}(x')$, and so does their
# mean. (It is an unbiased estimate of the held-out criterion, for a sample one point smaller.)
#
# (b) $\hat f_h(x_i) \ge \frac1n \mathcal N(x_i; x_i, h^2 I) = \frac{1}{n (2\pi h^2)^{d/2}}$, so
# $\frac1n \sum_i \log \hat f_h(x_i) \ge -\log n - \frac d2 \log(2\pi) - d \log h \to +\infty$ as
# $h \to 0$. The other kernels vanish (the points are distinct), so the score is dominated by each
# point's own kernel: the estimate that memorises the sample wins. Leaving the point out removes
# exactly that term.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
