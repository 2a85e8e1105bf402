# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 05_energy_distance
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
# # Homework 5: the energy distance, an unbiased weak loss
#
# *Book: Chapter 5, "Choosing the loss: strong and weak forms".* Run the first cell (on Colab it
# installs `gencourse` and `otter-grader`), answer each question where you find `...`, and run the
# `grader.check(...)` cell below it for instant feedback. The public checks are a subset of the
# tests used for grading; the written question is graded by hand.
#
# The **energy distance** between laws $P$ and $Q$ on $\mathbb R^d$ (Székely and Rizzo) is
#
# $$ \mathcal E(P, Q) = 2\, \mathbb E \|X - Y\| - \mathbb E \|X - X'\| - \mathbb E \|Y - Y'\|, \qquad
#    X, X' \sim P,\ Y, Y' \sim Q \text{ independent}. $$
#
# It is zero exactly when $P = Q$, and like the MMD of the chapter it needs only samples. From
# $x_1, \dots, x_n \sim P$ and $y_1, \dots, y_m \sim Q$ its **unbiased** estimator averages each
# expectation over pairs of *distinct* independent draws.

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

from gencourse import data, losses

grader = otter.Notebook("05_energy_distance.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `energy_distance(x, y)`: the unbiased estimator of $\mathcal E(P, Q)$ from
# `x` ``(n, d)`` and `y` ``(m, d)`` (float64, $n, m \ge 2$), as a 0-dimensional tensor. It can be
# negative. Use `torch.cdist` for the distances (the tests disable `gencourse.losses`' estimators
# while they run your function).

# %% [raw]
# # BEGIN SOLUTION


# %%
def energy_distance(x, y):
    # BEGIN SOLUTION
    n, m = x.shape[0], y.shape[0]
    xy = torch.cdist(x, y).mean()
    xx = torch.cdist(x, x).sum() / (n * (n - 1))  # the diagonal is 0: only i ≠ i' contribute
    yy = torch.cdist(y, y).sum() / (m * (m - 1))
    return 2 * xy - xx - yy
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_unbiased_for_equal_laws(env, energy_distance, SEED):
    import torch

    from gencourse import grading, losses

    g = torch.Generator().manual_seed(SEED)
    pairs = [
        (
            torch.randn(5, 2, generator=g, dtype=torch.float64),
            torch.randn(5, 2, generator=g, dtype=torch.float64),
        )
        for _ in range(2000)
    ]
    with grading.forbidden(losses.mmd2, losses.wasserstein, losses.moment_distance, namespace=env):
        first = energy_distance(*pairs[0])
        values = torch.tensor([float(energy_distance(a, b)) for a, b in pairs])
    assert isinstance(first, torch.Tensor) and first.ndim == 0, "return a 0-dimensional tensor"
    mean, error = float(values.mean()), float(values.std()) / len(values) ** 0.5
    # an unbiased estimator averages to 𝓔(P, P) = 0 over many small samples of one law
    assert abs(mean) < 5 * error + 1e-3, (
        f"over 2000 pairs of samples of size 5 from the same law the estimates average {mean:.4f} "
        f"± {error:.4f} (standard error); an unbiased estimator averages 0"
    )


test_unbiased_for_equal_laws(env, energy_distance, SEED)


# %%
def test_sees_more_than_moments(env, energy_distance, SEED):
    import math

    import torch

    from gencourse import grading, losses

    g = torch.Generator().manual_seed(SEED)
    gaussian = torch.randn(1500, 2, generator=g, dtype=torch.float64)
    angle = 2 * math.pi * torch.rand(1500, generator=g, dtype=torch.float64)
    circle = math.sqrt(2) * torch.stack([angle.cos(), angle.sin()], dim=1)  # mean 0, covariance I
    with grading.forbidden(losses.mmd2, losses.wasserstein, losses.moment_distance, namespace=env):
        different = float(energy_distance(gaussian, circle))
        same = float(
            energy_distance(gaussian, torch.randn(1500, 2, generator=g, dtype=torch.float64))
        )
    assert different > 0.05 and different > 10 * abs(same), (
        f"N(0, I) against the uniform law on a circle with the same mean and covariance: "
        f"estimate {different:.4f}, against {same:.4f} for two samples of N(0, I); "
        "the energy distance must tell them apart"
    )


test_sees_more_than_moments(env, energy_distance, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_against_pairwise_loops(env, energy_distance):
    import itertools

    import torch

    from gencourse import grading, losses

    g = torch.Generator().manual_seed(21)
    for n, m, d in ((3, 7, 1), (6, 4, 3), (2, 2, 2)):
        x = torch.randn(n, d, generator=g, dtype=torch.float64)
        y = torch.randn(m, d, generator=g, dtype=torch.float64) + 0.3

        def mean_distance(a, b, distinct):
            pairs = [
                (i, j)
                for i, j in itertools.product(range(len(a)), range(len(b)))
                if not (distinct and i == j)
            ]
            return sum(float((a[i] - b[j]).norm()) for i, j in pairs) / len(pairs)

        expected = (
            2 * mean_distance(x, y, False) - mean_distance(x, x, True) - mean_distance(y, y, True)
        )
        with grading.forbidden(
            losses.mmd2, losses.wasserstein, losses.moment_distance, namespace=env
        ):
            value = float(energy_distance(x, y))
        assert abs(value - expected) < 1e-10, (n, m, d, value, expected)


test_against_pairwise_loops(env, energy_distance)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_unbiased_with_unequal_sizes(env, energy_distance):
    import torch

    from gencourse import grading, losses

    g = torch.Generator().manual_seed(22)
    with grading.forbidden(losses.mmd2, losses.wasserstein, losses.moment_distance, namespace=env):
        values = torch.tensor(
            [
                float(
                    energy_distance(
                        torch.randn(3, 1, generator=g, dtype=torch.float64),
                        torch.randn(9, 1, generator=g, dtype=torch.float64),
                    )
                )
                for _ in range(4000)
            ]
        )
    mean, error = float(values.mean()), float(values.std()) / len(values) ** 0.5
    assert abs(mean) < 5 * error, (mean, error)


test_unbiased_with_unequal_sizes(env, energy_distance)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** The estimate against the number of points for equal and for different
# laws (the two moons against a shifted copy):

# %%
moons = data.TwoMoons()
try:
    for n in (50, 200, 800):
        a, b = (
            moons.sample(n, seed=SEED, device="cpu").double(),
            moons.sample(n, seed=SEED + 1, device="cpu").double(),
        )
        print(
            f"n = {n:4d}: equal laws {float(energy_distance(a, b)):+.4f}, "
            f"shifted by 0.5 {float(energy_distance(a, b + 0.5)):+.4f}"
        )
except Exception as error:  # the blank notebook: nothing to show yet
    print("energy_distance is not written yet:", type(error).__name__, error)

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 4
# manual: true

# %% [markdown]
# **Question 2 (written).** (a) Show that your estimator is unbiased. (b) Show that
# $\mathcal E(P, Q) = \mathrm{MMD}_k^2(P, Q)$ for the kernel $k(x, y) = \|x\| + \|y\| - \|x - y\|$
# (assume $\mathbb E\|X\| < \infty$), which puts the energy distance in the weak form (4) of the chapter.
# (c) Replace every distance by its square. Show that the result equals $2\,\|\mathbb E X - \mathbb E Y\|^2$,
# and explain, with the chapter's table of weak losses, what such a "loss" can and cannot see.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) Each average is over pairs of independent draws: $\mathbb E \|x_i - y_j\| = \mathbb E\|X - Y\|$ for all
# $(i, j)$, and for $i \ne i'$, $\mathbb E\|x_i - x_{i'}\| = \mathbb E\|X - X'\|$ (likewise for $y$); averages
# of unbiased terms are unbiased. (The $n$ diagonal terms $\|x_i - x_i\| = 0$ must be excluded from
# the count: dividing by $n^2$ instead of $n(n - 1)$ biases the estimate upwards by
# $\mathbb E\|X - X'\| / n + \mathbb E\|Y - Y'\| / m$.)
#
# (b) $\mathrm{MMD}^2_k = \mathbb E k(X, X') + \mathbb E k(Y, Y') - 2 \mathbb E k(X, Y)$. The terms
# $\|x\| + \|y\|$ give $2\mathbb E\|X\| + 2\mathbb E\|Y\| - 2(\mathbb E\|X\| + \mathbb E\|Y\|) = 0$, and the
# $-\|x - y\|$ terms give $-\mathbb E\|X - X'\| - \mathbb E\|Y - Y'\| + 2\mathbb E\|X - Y\| = \mathcal E(P, Q)$.
# ($k$ is positive definite on distributions with finite first moment: it is a distance-induced kernel.)
#
# (c) $\mathbb E\|X - Y\|^2 = \operatorname{tr}\Sigma_P + \operatorname{tr}\Sigma_Q + \|\mu_P - \mu_Q\|^2$ and
# $\mathbb E\|X - X'\|^2 = 2 \operatorname{tr}\Sigma_P$, so the squared version is
# $2\|\mu_P - \mu_Q\|^2$: only the means. It is the moment-matching loss with the test functions
# $f(x) = x$, blind to every difference of shape and even of variance (the Gaussian and the circle of
# the public test).

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
