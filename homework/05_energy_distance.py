# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 03_mmd
# init_cell: false
# check_all_cell: true
# export_cell: false
# run_tests: true
# solutions_pdf: false
# generate: true

# %% [markdown]
# # Homework 3: the unbiased estimator of MMD²
#
# *Book: Chapter 5, "Loss functions".* Run the first cell, answer the question in the cell marked
# `...`, and run the `grader.check(...)` cell below it for instant feedback.
#
# For a kernel $k$, $\mathrm{MMD}^2(P, Q) = \mathbb E\, k(x, x') + \mathbb E\, k(y, y') - 2\, \mathbb E\, k(x, y)$ with
# $x, x' \sim P$ and $y, y' \sim Q$ independent. From samples $x_1, \dots, x_n$ and $y_1, \dots, y_m$ the
# **unbiased** estimator (a U-statistic) leaves out the pairs $(x_i, x_i)$ and $(y_j, y_j)$:
#
# $$ \widehat{\mathrm{MMD}}^2_u = \frac{1}{n(n-1)} \sum_{i \ne i'} k(x_i, x_{i'}) + \frac{1}{m(m-1)} \sum_{j \ne j'} k(y_j, y_{j'}) - \frac{2}{nm} \sum_{i, j} k(x_i, y_j) . $$

# %%
import subprocess
import sys

try:
    import gencourse
    import otter
except ImportError:  # on Colab: install the book's package and the grader, then import them
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "otter-grader", "gencourse @ GENCOURSE_PIP_URL"], check=True)
    import gencourse
    import otter

import torch

from gencourse import data, losses

grader = otter.Notebook("03_mmd.ipynb")


def gaussian_kernel(a, b, h):
    """k(a_i, b_j) = exp(−‖a_i − b_j‖² / (2h²)) for all pairs: shape (len(a), len(b))."""
    return torch.exp(-torch.cdist(a, b).square() / (2 * h * h))

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `mmd2_unbiased(x, y, h)` for samples `x` ``(n, d)`` and `y` ``(m, d)`` and the Gaussian
# kernel of bandwidth `h` (use `gaussian_kernel`). Return a 0-dimensional tensor. It can be negative.

# %% [raw]
# # BEGIN SOLUTION

# %%
def mmd2_unbiased(x, y, h):
    # BEGIN SOLUTION
    n, m = x.shape[0], y.shape[0]
    kxx, kyy, kxy = gaussian_kernel(x, x, h), gaussian_kernel(y, y, h), gaussian_kernel(x, y, h)
    xx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
    yy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    return xx + yy - 2 * kxy.mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
moons = data.toy("two_moons")
x, y = moons.sample(300, seed=0, device="cpu").double(), moons.sample(200, seed=1, device="cpu").double()
value = mmd2_unbiased(x, y, 0.5)
assert value.ndim == 0, "return a 0-dimensional tensor"
assert abs(float(value)) < 0.01, "two samples of the same distribution: close to 0"
assert float(mmd2_unbiased(x, x + 2.0, 0.5)) > 0.1, "shifted samples: clearly positive"

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG
for seed, (n, m, h) in enumerate(((50, 80, 0.3), (120, 40, 1.0), (10, 10, 2.0))):
    g = torch.Generator().manual_seed(seed)
    a, b = torch.randn(n, 3, generator=g, dtype=torch.float64), torch.randn(m, 3, generator=g, dtype=torch.float64) + 0.2
    assert torch.allclose(mmd2_unbiased(a, b, h), losses.mmd2(a, b, bandwidth=h, unbiased=True), atol=1e-12)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG
# unbiased: averaged over many small samples of the same distribution it is 0 (the biased estimator is not)
g = torch.Generator().manual_seed(7)
pairs = [(torch.randn(8, 2, generator=g, dtype=torch.float64), torch.randn(8, 2, generator=g, dtype=torch.float64))
         for _ in range(3000)]
values = [float(mmd2_unbiased(a, b, 1.0)) for a, b in pairs]
biased = [float(losses.mmd2(a, b, bandwidth=1.0, unbiased=False)) for a, b in pairs]
assert abs(sum(values) / len(values)) < 0.01, sum(values) / len(values)  # about 5 standard errors
assert sum(biased) / len(biased) > 0.05, sum(biased) / len(biased)  # the V-statistic is biased upwards
assert min(values) < 0, "the unbiased estimator takes negative values"

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
