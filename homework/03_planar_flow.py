# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 03_planar_flow
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
# # Homework 3: the density of a planar flow
#
# *Book: Chapter 3, "The change-of-variables formula".* Run the first cell (on Colab it installs
# `gencourse` and `otter-grader`), answer each question where you find `...`, and run the
# `grader.check(...)` cell below it for instant feedback. The public checks are a subset of the
# tests used for grading; the written question is graded by hand.
#
# The chapter showed that a flow layer is useful when its log-determinant is cheap. The **planar
# flow** (Rezende and Mohamed, 2015) is a layer of $\mathbb R^d$ whose Jacobian is *not*
# triangular but still has an $O(d)$ determinant:
#
# $$ f(z) = z + u \tanh(w^\top z + b), \qquad u, w \in \mathbb R^d,\ b \in \mathbb R, $$
#
# invertible when $w^\top u \ge -1$ (Question 3). Its Jacobian is a rank-one update of the
# identity, $\nabla f(z) = I + u\, \psi(z)^\top$ with $\psi(z) = \tanh'(w^\top z + b)\, w$.

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

from gencourse import flows

grader = otter.Notebook("03_planar_flow.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)


def planar(z, w, u, b):
    """The planar map f(z) = z + u tanh(wᵀz + b) for a batch z of shape (n, d)."""
    return z + torch.tanh(z @ w + b)[:, None] * u


w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
u = torch.tensor([0.8, 0.3, -1.0], dtype=torch.float64)  # wᵀu = -0.3 ≥ -1: invertible
b = 0.4

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 4

# %% [markdown]
# **Question 1.** Write `planar_log_det(z, w, u, b)`: $\log |\det \nabla f(z)|$ for each row of
# `z` ``(n, d)`` (float64), shape ``(n,)``, in $O(d)$ operations per point: do not form the
# $d \times d$ Jacobian (the tests disable `torch`'s determinants and Jacobians, and
# `gencourse.flows`'s autograd helpers, while they run your function).

# %% [raw]
# # BEGIN SOLUTION


# %%
def planar_log_det(z, w, u, b):
    # BEGIN SOLUTION
    derivative = 1 - torch.tanh(z @ w + b).square()  # tanh'(wᵀz + b), shape (n,)
    return torch.log(torch.abs(1 + derivative * (w @ u)))
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_against_finite_differences(env, planar_log_det, planar, w, u, b, SEED):
    import torch

    from gencourse import flows, grading

    z = torch.randn(6, 3, generator=torch.Generator().manual_seed(SEED), dtype=torch.float64)
    eps = 1e-6  # central differences: the Jacobian to about 1e-9
    columns = [
        (planar(z + eps * e, w, u, b) - planar(z - eps * e, w, u, b)) / (2 * eps)
        for e in torch.eye(3, dtype=torch.float64)
    ]
    expected = torch.linalg.slogdet(torch.stack(columns, dim=2)).logabsdet
    disabled = (
        torch.linalg.slogdet,
        torch.linalg.det,
        torch.det,
        torch.logdet,
        torch.slogdet,
        torch.autograd.functional.jacobian,
        torch.func.jacrev,
        torch.func.jacfwd,
        flows.autograd_jacobian,
        flows.autograd_log_abs_det,
        flows.pushforward_log_prob,
    )
    with grading.forbidden(*disabled, namespace=env):
        value = planar_log_det(z, w, u, b)
    assert isinstance(value, torch.Tensor) and value.shape == (6,), "return a tensor of shape (n,)"
    gap = float((value - expected).abs().max())
    assert gap < 1e-6, (
        f"log|det ∇f(z)| differs from a finite-difference Jacobian by up to {gap:.2e}: "
        f"yours {value.tolist()}, expected {expected.tolist()}"
    )


test_against_finite_differences(env, planar_log_det, planar, w, u, b, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_saturation_and_high_dimension(env, planar_log_det, planar):
    import torch

    from gencourse import flows, grading

    g = torch.Generator().manual_seed(11)
    disabled = (
        torch.linalg.slogdet,
        torch.linalg.det,
        torch.det,
        torch.logdet,
        torch.slogdet,
        torch.autograd.functional.jacobian,
        torch.func.jacrev,
        torch.func.jacfwd,
        flows.autograd_jacobian,
        flows.autograd_log_abs_det,
        flows.pushforward_log_prob,
    )
    for d, scale, wu in ((40, 1.0, -0.95), (5, 4.0, 3.0), (2, 0.2, 0.0)):
        w = torch.randn(d, generator=g, dtype=torch.float64) * scale
        u = torch.randn(d, generator=g, dtype=torch.float64)
        u = u + (wu - float(w @ u)) * w / float(w @ w)  # set wᵀu exactly
        b = 0.3
        z = torch.randn(4, d, generator=g, dtype=torch.float64)
        eps = 1e-6
        columns = [
            (planar(z + eps * e, w, u, b) - planar(z - eps * e, w, u, b)) / (2 * eps)
            for e in torch.eye(d, dtype=torch.float64)
        ]
        expected = torch.linalg.slogdet(torch.stack(columns, dim=2)).logabsdet
        with grading.forbidden(*disabled, namespace=env):
            value = planar_log_det(z, w, u, b)
        assert torch.allclose(value, expected, atol=1e-5), (d, value.tolist(), expected.tolist())


test_saturation_and_high_dimension(env, planar_log_det, planar)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [markdown]
# **Question 2.** Let $Q = \mathcal N(0, I_d)$ and $P = f_\# Q$. A sample of $P$ is $x = f(z)$ with
# $z \sim Q$. Write `planar_sample_log_prob(z, w, u, b)`: $\log P(f(z))$ for each row of `z`,
# shape ``(n,)``, using your `planar_log_det` (the inverse of $f$ has no closed form, but at the
# point $f(z)$ you know $z$).

# %% [raw]
# # BEGIN SOLUTION


# %%
def planar_sample_log_prob(z, w, u, b):
    # BEGIN SOLUTION
    log_q = -0.5 * z.square().sum(dim=1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
    return log_q - planar_log_det(z, w, u, b)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_integrates_to_one_in_1d(env, planar_sample_log_prob, planar):
    import torch

    from gencourse import flows, grading

    w1, u1, b1 = (
        torch.tensor([2.0], dtype=torch.float64),
        torch.tensor([1.5], dtype=torch.float64),
        -0.5,
    )
    z = torch.linspace(-12, 12, 40_001, dtype=torch.float64)[:, None]
    x = planar(z, w1, u1, b1)[:, 0]  # increasing in z: a grid of the x axis
    with grading.forbidden(flows.pushforward_log_prob, flows.autograd_log_abs_det, namespace=env):
        density = planar_sample_log_prob(z, w1, u1, b1).exp()
    mass = float(torch.trapezoid(density, x))
    assert abs(mass - 1) < 1e-4, f"∫ P(x) dx over the x axis should be 1, got {mass:.6f}"


test_integrates_to_one_in_1d(env, planar_sample_log_prob, planar)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_against_change_of_variables(env, planar_sample_log_prob, planar):
    import math

    import torch

    from gencourse import flows, grading

    g = torch.Generator().manual_seed(12)
    w, u, b = (
        torch.randn(4, generator=g, dtype=torch.float64),
        torch.randn(4, generator=g, dtype=torch.float64),
        0.1,
    )
    u = u + (0.7 - float(w @ u)) * w / float(w @ w)
    z = torch.randn(5, 4, generator=g, dtype=torch.float64)
    eps = 1e-6
    columns = [
        (planar(z + eps * e, w, u, b) - planar(z - eps * e, w, u, b)) / (2 * eps)
        for e in torch.eye(4, dtype=torch.float64)
    ]
    log_q = torch.distributions.MultivariateNormal(
        torch.zeros(4, dtype=torch.float64), torch.eye(4, dtype=torch.float64)
    ).log_prob(z)
    expected = log_q - torch.linalg.slogdet(torch.stack(columns, dim=2)).logabsdet
    with grading.forbidden(flows.pushforward_log_prob, flows.autograd_log_abs_det, namespace=env):
        value = planar_sample_log_prob(z, w, u, b)
    assert torch.allclose(value, expected, atol=1e-5), (value.tolist(), expected.tolist())


test_against_change_of_variables(env, planar_sample_log_prob, planar)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** In one dimension the density of $f(z)$ against a histogram of samples:

# %%
import matplotlib.pyplot as plt

w1, u1, b1 = (
    torch.tensor([2.0], dtype=torch.float64),
    torch.tensor([1.5], dtype=torch.float64),
    -0.5,
)
samples = planar(
    torch.randn(100_000, 1, generator=torch.Generator().manual_seed(SEED), dtype=torch.float64),
    w1,
    u1,
    b1,
)
plt.hist(
    samples[:, 0].numpy(), bins=200, range=(-5, 5), density=True, alpha=0.4, label="samples f(z)"
)
try:
    grid = torch.linspace(-4, 4, 400, dtype=torch.float64)[:, None]
    plt.plot(
        planar(grid, w1, u1, b1)[:, 0],
        planar_sample_log_prob(grid, w1, u1, b1).exp(),
        label="your P(f(z))",
    )
except Exception as error:  # the blank notebook: nothing to plot yet
    print("planar_sample_log_prob is not written yet:", type(error).__name__, error)
plt.xlim(-5, 5)
plt.legend()

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 3
# manual: true

# %% [markdown]
# **Question 3 (written).** (a) Prove the matrix determinant lemma
# $\det(I + u v^\top) = 1 + v^\top u$ and deduce $\log|\det \nabla f(z)|$; compare the cost per
# point with the $O(d^3)$ of a general Jacobian (the chapter's section on the cost of a determinant).
# (b) Show that $f$ is a bijection of $\mathbb R^d$ when $w^\top u \ge -1$. (Hint: write
# $z = z_\perp + \alpha\, w / \|w\|^2$ with $w^\top z_\perp = 0$ and study the scalar map that $f$
# induces on $\alpha$.) (c) Why can a planar flow evaluate the density of its own samples cheaply but
# not the density of a data point?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) For $v^\top u \ne -1$, $(I + uv^\top)\,u = (1 + v^\top u)\,u$ and $(I + uv^\top)\,x = x$ for every
# $x \perp v$: the eigenvalues are $1 + v^\top u$ (once) and $1$ ($d - 1$ times), so the determinant is
# $1 + v^\top u$ (by continuity also when $v^\top u = -1$). With $v = \psi(z) = (1 - \tanh^2(w^\top z + b))\, w$:
# $\log|\det \nabla f(z)| = \log|1 + (1 - \tanh^2(w^\top z + b))\, w^\top u|$, two inner products, $O(d)$.
#
# (b) $f$ moves $z$ only along $u$. Write $f(z) = x$ and take the inner product with $w$:
# $w^\top x = \alpha + w^\top u \tanh(\alpha + b)$ with $\alpha = w^\top z$. The scalar map
# $h(\alpha) = \alpha + (w^\top u) \tanh(\alpha + b)$ has $h' = 1 + (w^\top u)\tanh'(\cdot) \ge 1 - \tanh'(\cdot) \ge 0$
# when $w^\top u \ge -1$, with equality at isolated points at most, and $h(\alpha) \to \pm\infty$: it is
# a bijection of $\mathbb R$. So $\alpha$ is determined by $x$, then $z = x - u \tanh(\alpha + b)$.
#
# (c) At a sample $x = f(z)$ we know $z$, and $\log P(x) = \log Q(z) - \log|\det \nabla f(z)|$ costs
# $O(d)$. For a data point $x$, $z = f^{-1}(x)$ needs the root of $h$ (and for $K$ stacked layers,
# $K$ root-findings in reverse order): planar flows suit variational inference, where only the
# model's own samples are scored, not maximum likelihood on data.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
