# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 01_change_of_variables
# init_cell: false
# check_all_cell: true
# export_cell: false
# run_tests: true
# solutions_pdf: false
# generate: true

# %% [markdown]
# # Homework 1: the change-of-variables formula in one dimension
#
# *Book: Chapter 3, "The change-of-variables formula".* Run the first cell (on Colab it installs
# `gencourse` and `otter-grader`), answer each question in the cell marked `...`, and run the
# `grader.check(...)` cell below it for instant feedback. The public checks are a subset of the
# tests used for grading.
#
# Let $z \sim Q = \mathcal N(0, 1)$ and $x = G(z) = \sinh(z) + z$, a smooth increasing bijection of
# $\mathbb R$. By the change-of-variables formula, the density of $P = G_\# Q$ is
#
# $$ \log p(x) = \log q\big(G^{-1}(x)\big) + \log \big| (G^{-1})'(x) \big| = \log q(z) - \log G'(z), \quad z = G^{-1}(x). $$

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

import math

import torch

from gencourse import classical, flows

grader = otter.Notebook("01_change_of_variables.ipynb")


def G(z):
    """The generator x = sinh(z) + z."""
    return torch.sinh(z) + z


def G_inverse(x, n_iter=60):
    """z = G^{-1}(x) by Newton's method (G is convex-concave and increasing: it converges)."""
    z = torch.asinh(x / 2)
    for _ in range(n_iter):
        z = z - (G(z) - x) / (torch.cosh(z) + 1)
    return z

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 4

# %% [markdown]
# **Question 1.** Write `log_density(x)`: the log-density $\log p(x)$ of $P = G_\# Q$ at a tensor `x`
# of shape `(n,)` (float64), using `G_inverse` and the formula above. The tests compare it with a
# histogram of 200 000 samples $G(z)$ and with `gencourse.flows.pushforward_log_prob`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def log_density(x):
    # BEGIN SOLUTION
    z = G_inverse(x)
    log_q = -0.5 * z**2 - 0.5 * math.log(2 * math.pi)
    return log_q - torch.log(torch.cosh(z) + 1)
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
x = torch.linspace(-5, 5, 11, dtype=torch.float64)
assert log_density(x).shape == (11,), "log_density must return one value per point"
assert bool(torch.isfinite(log_density(x)).all())

# %%
# the density integrates to 1 (trapezoid rule on [-60, 60])
grid = torch.linspace(-60, 60, 200_001, dtype=torch.float64)
assert abs(float(torch.trapezoid(log_density(grid).exp(), grid)) - 1) < 1e-3

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG
# against a histogram of samples of G(z): total variation below 0.02
samples = G(torch.randn(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
histogram = classical.Histogram(bins=80, bounds=((-8.0, 8.0),)).fit(samples[:, None])
centres = torch.linspace(-8 + 0.1, 8 - 0.1, 80, dtype=torch.float64)
tv = 0.5 * float((histogram.log_prob(centres[:, None]).exp() - log_density(centres).exp()).abs().sum() * 0.2)
assert tv < 0.02, tv

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG
# against gencourse's autograd implementation of the same formula
reference = flows.pushforward_log_prob(lambda x: G_inverse(x[:, 0])[:, None],
                                       torch.linspace(-20, 20, 41, dtype=torch.float64)[:, None])
assert torch.allclose(log_density(torch.linspace(-20, 20, 41, dtype=torch.float64)), reference, atol=1e-8)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** The density against the histogram:

# %%
import matplotlib.pyplot as plt

xs = torch.linspace(-8, 8, 400, dtype=torch.float64)
samples = G(torch.randn(100_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
plt.hist(samples.numpy(), bins=160, range=(-8, 8), density=True, alpha=0.4, label="samples of G(z)")
try:
    plt.plot(xs, log_density(xs).exp(), label="your p(x)")
except Exception as error:  # the blank notebook: nothing to plot yet
    print("log_density is not written yet:", type(error).__name__)
plt.legend();
