# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 02_metropolis
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
# # Homework 2: random-walk Metropolis for an energy-based model
#
# *Book: Chapter 2, "Representing distributions by energies and by transforms".* Run the first
# cell (on Colab it installs `gencourse` and `otter-grader`), answer each question where you find
# `...`, and run the `grader.check(...)` cell below it for instant feedback. The public checks are
# a subset of the tests used for grading; the written question is graded by hand.
#
# The chapter sampled $p \propto e^{-V}$ with Langevin proposals (ULA, MALA), which need
# $\nabla V$. The oldest MCMC method needs only $V$: the **random-walk Metropolis** algorithm
# proposes $y = x + \sigma \xi$ with $\xi \sim \mathcal N(0, I_d)$ and accepts it with probability
# $\min\bigl(1, e^{V(x) - V(y)}\bigr)$; on rejection the chain stays at $x$.

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

from gencourse import data, ebm

grader = otter.Notebook("02_metropolis.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)
standard = ebm.GaussianEnergy(torch.zeros(1), torch.eye(1))  # V(x) = x²/2: p = N(0, 1)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `metropolis_step(energy, x, step, generator)`: one step of random-walk
# Metropolis for every chain of the batch `x` ``(n, d)`` (float32) at once, with proposal scale
# `step` $= \sigma$. `energy(x)` returns $V$ at each row, shape ``(n,)``. Draw every random number
# from `generator` (a `torch.Generator`: pass `generator=generator` to `torch.randn` and
# `torch.rand`), so that a seeded run is reproducible. Return `(x_new, accepted)`: the new states
# ``(n, d)`` and a boolean tensor ``(n,)`` that says which proposals were accepted. (Do not call
# `gencourse.ebm`'s samplers; the tests disable them while they run your function.)

# %% [raw]
# # BEGIN SOLUTION


# %%
def metropolis_step(energy, x, step, generator):
    # BEGIN SOLUTION
    proposal = x + step * torch.randn(x.shape, generator=generator, dtype=x.dtype)
    log_ratio = energy(x) - energy(proposal)
    accepted = torch.rand(x.shape[0], generator=generator, dtype=x.dtype).log() < log_ratio
    return torch.where(accepted[:, None], proposal, x), accepted
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_one_step(env, metropolis_step, standard, SEED):
    import torch

    from gencourse import ebm, grading

    x = torch.randn(500, 1, generator=torch.Generator().manual_seed(SEED))
    with grading.forbidden(ebm.mala, ebm.langevin, namespace=env):
        x_new, accepted = metropolis_step(standard, x, 1.0, torch.Generator().manual_seed(SEED))
    assert x_new.shape == x.shape, f"x_new must have the shape of x, {tuple(x.shape)}"
    assert accepted.dtype == torch.bool and accepted.shape == (500,), "accepted: bool, shape (n,)"
    assert torch.equal(x_new[~accepted], x[~accepted]), "a rejected chain must stay where it is"
    assert bool((x_new[accepted] != x[accepted]).all()), "an accepted chain moves to its proposal"


test_one_step(env, metropolis_step, standard, SEED)


# %%
def test_stationary_gaussian(env, metropolis_step, standard, SEED):
    import torch

    from gencourse import ebm, grading

    g = torch.Generator().manual_seed(SEED)
    x = torch.zeros(8000, 1)
    with grading.forbidden(ebm.mala, ebm.langevin, namespace=env):
        for _ in range(60):
            x, _ = metropolis_step(standard, x, 2.0, g)
    mean, var = float(x.mean()), float(x.var())
    # 8000 independent chains: the standard errors are 0.011 (mean) and 0.016 (variance)
    assert abs(mean) < 0.08 and abs(var - 1) < 0.1, (
        f"after 60 steps the chains should sample p = N(0, 1): mean {mean:.3f} (expected 0), "
        f"variance {var:.3f} (expected 1)"
    )


test_stationary_gaussian(env, metropolis_step, standard, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_two_wells(env, metropolis_step, SEED):
    import math

    import torch

    from gencourse import data, ebm, grading

    mixture = data.GaussianMixture(torch.tensor([[-1.5], [1.5]]), 0.6)
    energy = ebm.LogDensityEnergy(mixture)
    g = torch.Generator().manual_seed(SEED + 1)
    x = torch.randn(20_000, 1, generator=g)
    with grading.forbidden(ebm.mala, ebm.langevin, namespace=env):
        for _ in range(400):
            x, _ = metropolis_step(energy, x, 1.5, g)
    edges = torch.linspace(-4, 4, 31)
    counts = torch.histc(x[:, 0], bins=30, min=-4, max=4) / x.shape[0]
    cdf = [
        sum(0.5 * (1 + math.erf((e - m) / (0.6 * math.sqrt(2)))) for m in (-1.5, 1.5)) / 2
        for e in edges.tolist()
    ]
    exact = torch.tensor([b - a for a, b in zip(cdf, cdf[1:])])
    tv = 0.5 * float((counts - exact).abs().sum())
    assert tv < 0.04, (
        f"TV between the chains and p on 30 bins: {tv:.3f} (sampling noise about 0.015)"
    )


test_two_wells(env, metropolis_step, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_acceptance_and_reproducibility(env, metropolis_step, standard, SEED):
    import math

    import torch

    from gencourse import ebm, grading

    # at stationarity on N(0, 1), a proposal N(x, s²) is accepted with probability (2/π) arctan(2/s)
    for s in (0.5, 2.0, 6.0):
        g = torch.Generator().manual_seed(SEED + 2)
        x = torch.randn(20_000, 1, generator=g)
        with grading.forbidden(ebm.mala, ebm.langevin, namespace=env):
            rates = []
            for _ in range(20):
                x, accepted = metropolis_step(standard, x, s, g)
                rates.append(float(accepted.float().mean()))
        rate, expected = sum(rates) / len(rates), 2 / math.pi * math.atan(2 / s)
        assert abs(rate - expected) < 0.01, (s, rate, expected)
    x0 = torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
    gauss3 = ebm.GaussianEnergy(torch.zeros(3), torch.eye(3))
    with grading.forbidden(ebm.mala, ebm.langevin, namespace=env):
        first = metropolis_step(gauss3, x0, 0.7, torch.Generator().manual_seed(5))
        second = metropolis_step(gauss3, x0, 0.7, torch.Generator().manual_seed(5))
    assert torch.equal(first[0], second[0]), "draw every random number from `generator`"


test_acceptance_and_reproducibility(env, metropolis_step, standard, SEED)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** Chains on the four Gaussians of the chapter's ring, with three
# proposal scales: the acceptance rate falls as the step grows.

# %%
ring4 = ebm.LogDensityEnergy(data.ring(n_modes=4, radius=1.5, std=0.5))
try:
    for step in (0.3, 1.5, 6.0):
        g = torch.Generator().manual_seed(SEED)
        x, rate = torch.zeros(2000, 2), 0.0
        for _ in range(200):
            x, accepted = metropolis_step(ring4, x, step, g)
            rate += float(accepted.float().mean()) / 200
        print(
            f"step {step}: acceptance {rate:.2f}, mean distance to the origin {float(x.norm(dim=1).mean()):.2f}"
        )
except Exception as error:  # the blank notebook: nothing to show yet
    print("metropolis_step is not written yet:", type(error).__name__, error)

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3
# manual: true

# %% [markdown]
# **Question 2 (written).** Let $K(x, \mathrm dy)$ be the transition kernel of random-walk
# Metropolis with a Gaussian proposal $q(y \mid x) = \mathcal N(y; x, \sigma^2 I)$. (a) Show that
# it satisfies detailed balance with respect to $p \propto e^{-V}$,
# $p(x)\, q(y \mid x)\, \alpha(x, y) = p(y)\, q(x \mid y)\, \alpha(y, x)$ for $x \ne y$, and conclude
# that $p$ is stationary. (b) Why is the partition function $Z$ never needed? (c) What changes in the
# acceptance probability if the proposal is not symmetric, e.g. MALA's?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) With $\alpha(x, y) = \min(1, e^{V(x) - V(y)}) = \min(1, p(y)/p(x))$ and the symmetric proposal
# $q(y \mid x) = q(x \mid y)$: $p(x) q(y \mid x) \alpha(x, y) = q(y \mid x) \min(p(x), p(y))$, which is
# symmetric in $(x, y)$, hence detailed balance for $x \ne y$ (the rejection part of $K$ is a point
# mass at $x$ and balances trivially). Integrating detailed balance over $x$ gives
# $\int p(x) K(x, \mathrm dy)\,\mathrm dx = p(y)\,\mathrm dy$: $p$ is stationary.
#
# (b) $p$ enters only through the ratio $p(y)/p(x) = e^{V(x) - V(y)}$, in which $Z$ cancels.
#
# (c) The acceptance ratio must include the proposal densities, Metropolis–Hastings:
# $\alpha(x, y) = \min\bigl(1, \frac{p(y) q(x \mid y)}{p(x) q(y \mid x)}\bigr)$, as MALA's does in the
# chapter; without them $p$ is not stationary.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
