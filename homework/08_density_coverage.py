# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 08_density_coverage
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
# # Homework 8: density and coverage, a sturdier precision and recall
#
# *Book: Chapter 8, "Evaluating generative models".* Run the first cell (on Colab it installs
# `gencourse` and `otter-grader`), answer each question where you find `...`, and run the
# `grader.check(...)` cell below it for instant feedback. The public checks are a subset of the
# tests used for grading; the written question is graded by hand.
#
# The chapter's improved precision and recall build a ball $B(x_i, r_i)$ around every real point,
# with $r_i$ the distance from $x_i$ to its $k$-th nearest neighbour among the *other* real points,
# and a ball around every sample. Naeem et al. (2020) keep only the real balls, which outliers among
# the samples cannot inflate. For real points $x_1, \dots, x_N$ and samples $y_1, \dots, y_M$:
#
# $$ \text{density} = \frac{1}{kM} \sum_{j=1}^M \sum_{i=1}^N \mathbf 1\bigl[y_j \in B(x_i, r_i)\bigr], \qquad
#    \text{coverage} = \frac1N \sum_{i=1}^N \mathbf 1\bigl[\exists j:\ y_j \in B(x_i, r_i)\bigr], $$
#
# with closed balls ($\|y - x_i\| \le r_i$). Density counts how many real balls hold each sample (it
# can exceed 1); coverage is the fraction of real balls that hold at least one sample.

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

import torch

from gencourse import data, metrics

grader = otter.Notebook("08_density_coverage.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `density_coverage(real, fake, k)`: returns the pair of floats
# `(density, coverage)` for `real` ``(N, d)`` and `fake` ``(M, d)`` (float64) and an integer
# $1 \le k < N$. Use `torch.cdist`; `gencourse.metrics`' precision and recall (and their helpers) are
# disabled while the tests run your function.

# %% [raw]
# # BEGIN SOLUTION


# %%
def density_coverage(real, fake, k):
    # BEGIN SOLUTION
    radii = torch.cdist(real, real).kthvalue(k + 1, dim=1).values  # index 1 is the point itself
    inside = torch.cdist(fake, real) <= radii[None, :]  # (M, N): is y_j in B(x_i, r_i)?
    density = float(inside.sum()) / (k * fake.shape[0])
    coverage = float(inside.any(dim=0).double().mean())
    return density, coverage
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_same_law(env, density_coverage, SEED):
    import torch

    from gencourse import grading, metrics

    g = torch.Generator().manual_seed(SEED)
    real = torch.randn(1000, 2, generator=g, dtype=torch.float64)
    fake = torch.randn(1000, 2, generator=g, dtype=torch.float64)
    disabled = (metrics.precision_recall, metrics._kth_neighbour_radius, metrics._inside_balls)
    with grading.forbidden(*disabled, namespace=env):
        density, coverage = density_coverage(real, fake, 5)
        copy_density, copy_coverage = density_coverage(real, real.clone(), 5)
    assert isinstance(density, float) and isinstance(coverage, float), "return two floats"
    assert copy_coverage == 1.0, (
        f"samples equal to the real points cover every ball: got coverage {copy_coverage}"
    )
    # for samples of the same law as the data, E[density] = 1 exactly (Question 2)
    assert abs(density - 1) < 0.1, (
        f"two samples of N(0, I): density should be close to 1 (its expectation), got {density:.3f}"
    )
    assert 0.9 < coverage <= 1, (
        f"two samples of N(0, I), k = 5: coverage should be above 0.9, got {coverage:.3f}"
    )


test_same_law(env, density_coverage, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_against_loops(env, density_coverage):
    import torch

    from gencourse import grading, metrics

    g = torch.Generator().manual_seed(31)
    for n, m, k, shift in ((15, 9, 3, 0.5), (8, 20, 1, 0.0), (12, 12, 4, 2.0)):
        real = torch.randn(n, 2, generator=g, dtype=torch.float64)
        fake = torch.randn(m, 2, generator=g, dtype=torch.float64) + shift
        radii = []
        for i in range(n):
            others = sorted(float((real[i] - real[j]).norm()) for j in range(n) if j != i)
            radii.append(others[k - 1])
        hits = [
            [float((fake[j] - real[i]).norm()) <= radii[i] for i in range(n)] for j in range(m)
        ]
        density = sum(map(sum, hits)) / (k * m)
        coverage = sum(any(hits[j][i] for j in range(m)) for i in range(n)) / n
        disabled = (metrics.precision_recall, metrics._kth_neighbour_radius, metrics._inside_balls)
        with grading.forbidden(*disabled, namespace=env):
            ours = density_coverage(real, fake, k)
        assert abs(ours[0] - density) < 1e-12 and abs(ours[1] - coverage) < 1e-12, (
            n,
            m,
            k,
            ours,
            (density, coverage),
        )


test_against_loops(env, density_coverage)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_outliers_and_collapse(env, density_coverage):
    import torch

    from gencourse import grading, metrics

    g = torch.Generator().manual_seed(32)
    real = torch.randn(600, 2, generator=g, dtype=torch.float64)
    collapsed = 0.05 * torch.randn(600, 2, generator=g, dtype=torch.float64)  # all near one point
    outliers = torch.cat(
        [
            torch.randn(540, 2, generator=g, dtype=torch.float64),
            30 + torch.randn(60, 2, generator=g, dtype=torch.float64),
        ]
    )
    disabled = (metrics.precision_recall, metrics._kth_neighbour_radius, metrics._inside_balls)
    with grading.forbidden(*disabled, namespace=env):
        collapsed_scores = density_coverage(real, collapsed, 3)
        outlier_scores = density_coverage(real, outliers, 3)
    assert collapsed_scores[1] < 0.2, (
        collapsed_scores
    )  # a collapsed generator covers few real balls
    assert collapsed_scores[0] > 0.5, collapsed_scores  # ... though its samples are realistic
    assert abs(outlier_scores[0] - 0.9) < 0.12 and outlier_scores[1] > 0.85, outlier_scores


test_outliers_and_collapse(env, density_coverage)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** The chapter's simulated mode collapse on the digits' classifier features
# is expensive; here the same experiment on the $5 \times 5$ grid: keep the samples of the first $c$
# modes only.

# %%
grid = data.grid()
real = grid.sample(1000, seed=SEED, device="cpu").double()
fake = grid.sample(2000, seed=SEED + 1, device="cpu").double()
nearest = torch.cdist(fake, grid.centres.double()).argmin(dim=1)
try:
    for kept in (25, 15, 5, 1):
        density, coverage = density_coverage(real, fake[nearest < kept], 5)
        print(f"{kept:2d} modes kept: density {density:.3f}, coverage {coverage:.3f}")
except Exception as error:  # the blank notebook: nothing to show yet
    print("density_coverage is not written yet:", type(error).__name__, error)

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 4
# manual: true

# %% [markdown]
# **Question 2 (written).** (a) Let $x_1, \dots, x_N$ and $y$ be i.i.d. from a law with a density. Show
# that $P\bigl(y \in B(x_i, r_i)\bigr) = k/N$ (hint: among the $N$ points $\{x_j\}_{j \ne i} \cup \{y\}$, the rank of
# $\|y - x_i\|$ is uniform), and deduce $\mathbb E[\text{density}] = 1$ when the samples follow the data's
# law. What does this become if $r_i$ is mistakenly taken as the $k$-th smallest distance from $x_i$
# to *all* real points, itself included? (b) Why can a single far outlier among the samples raise the
# chapter's recall but not the coverage? (c) Which of precision, recall, density and coverage does the
# memoriser of the chapter (samples = training images) fool, when the real set is (i) the training set,
# (ii) a held-out set?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) Given $x_i$, the $N$ distances $\|x_j - x_i\|$ ($j \ne i$) and $\|y - x_i\|$ are i.i.d. and a.s. distinct,
# so the rank of $\|y - x_i\|$ among them is uniform on $\{1, \dots, N\}$. $y \in B(x_i, r_i)$ means that it is at
# most the $k$-th smallest of the other $N - 1$ distances, i.e. its rank is $\le k$: probability $k/N$. Then
# $\mathbb E[\text{density}] = \frac{1}{kM} \cdot M \cdot N \cdot \frac kN = 1$. Counting $x_i$ itself makes $r_i$ the
# $(k-1)$-th neighbour's distance, and $\mathbb E[\text{density}] = (k-1)/k$ (0 for $k = 1$): the off-by-one
# shrinks every ball.
#
# (b) Recall puts a ball around each *sample*, with the distance to its $k$-th nearest sample as radius:
# an isolated outlier gets a huge ball, which can contain many real points. Coverage uses the real
# points' balls only, whose radii do not depend on the samples.
#
# (c) Against the training set the memoriser's samples coincide with the real points: precision, recall,
# coverage 1 and density near 1, every metric is fooled. Against a held-out set it is scored like a fresh
# sample of the data, so it is fooled too, up to sampling noise: none of these metrics detects copying;
# that needs a comparison of the samples' distances to the training set and to a held-out set.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
