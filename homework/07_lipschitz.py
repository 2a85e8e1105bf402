# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 07_lipschitz
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
# # Homework 7: keeping a critic Lipschitz, by power iteration and by a gradient penalty
#
# *Book: Chapter 7, "Wasserstein GANs".* Run the first cell (on Colab it installs `gencourse` and
# `otter-grader`), answer each question where you find `...`, and run the `grader.check(...)` cell
# below it for instant feedback. The public checks are a subset of the tests used for grading; the
# written question is graded by hand.
#
# The chapter compared two ways of constraining the critic $f_w$: **spectral normalisation**, which
# divides each weight matrix $W$ by its largest singular value $\sigma_{\max}(W) = \|W\|_2$, estimated
# by power iteration, and a **gradient penalty**. This homework builds the power iteration, and the
# zero-centred "R1" penalty of Mescheder et al. (2018), $\frac12\, \mathbb E_{x \sim \hat P}\, \|\nabla_x f_w(x)\|^2$
# at the *data* points, a relative of WGAN-GP's penalty that is popular for GANs.

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

from gencourse import gan, losses

grader = otter.Notebook("07_lipschitz.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)


def matrix_with_singular_values(values, rows, columns, seed):
    """A random rows × columns matrix whose singular values are `values` (the rest are 0)."""
    g = torch.Generator().manual_seed(seed)
    left, _ = torch.linalg.qr(torch.randn(rows, rows, generator=g, dtype=torch.float64))
    right, _ = torch.linalg.qr(torch.randn(columns, columns, generator=g, dtype=torch.float64))
    middle = torch.zeros(rows, columns, dtype=torch.float64)
    middle[range(len(values)), range(len(values))] = torch.tensor(values, dtype=torch.float64)
    return left @ middle @ right.T


# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 4

# %% [markdown]
# **Question 1.** Write `spectral_norm_estimate(weight, n_iter, generator)`: the estimate of
# $\sigma_{\max}$ of a matrix `weight` ``(rows, columns)`` after `n_iter` steps of power iteration,
# as a float, starting from a random vector drawn from `generator`. It must work for rectangular
# matrices and for any scale of the entries, and use no decomposition: `torch`'s SVD, eigenvalue
# and matrix-norm routines are disabled while the tests run your function.

# %% [raw]
# # BEGIN SOLUTION


# %%
def spectral_norm_estimate(weight, n_iter, generator):
    # BEGIN SOLUTION
    v = torch.randn(weight.shape[1], generator=generator, dtype=weight.dtype)
    v = v / v.norm()
    for _ in range(n_iter):  # power iteration on WᵀW, one factor at a time
        u = weight @ v
        u = u / u.norm()
        v = weight.T @ u
        v = v / v.norm()
    return float((weight @ v).norm())
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_rectangular_matrix(env, spectral_norm_estimate, matrix_with_singular_values, SEED):
    import torch

    from gencourse import grading

    weight = matrix_with_singular_values([3.0, 1.5, 1.0, 0.2], 30, 50, seed=SEED)
    disabled = (
        torch.linalg.svd,
        torch.linalg.svdvals,
        torch.svd,
        torch.linalg.matrix_norm,
        torch.linalg.eig,
        torch.linalg.eigvals,
        torch.linalg.eigh,
        torch.linalg.eigvalsh,
        torch.lobpcg,
        torch.nn.utils.parametrizations.spectral_norm,
    )
    with grading.forbidden(*disabled, namespace=env):
        value = spectral_norm_estimate(weight, 60, torch.Generator().manual_seed(SEED))
    assert isinstance(value, float), "return a float"
    assert abs(value - 3.0) < 1e-6, (
        f"a 30 × 50 matrix with singular values 3, 1.5, 1, 0.2: after 60 iterations the estimate "
        f"should be 3 to 6 decimals, got {value}"
    )


test_rectangular_matrix(env, spectral_norm_estimate, matrix_with_singular_values, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_non_normal_and_scaled(env, spectral_norm_estimate, matrix_with_singular_values):
    import torch

    from gencourse import grading

    disabled = (
        torch.linalg.svd,
        torch.linalg.svdvals,
        torch.svd,
        torch.linalg.matrix_norm,
        torch.linalg.eig,
        torch.linalg.eigvals,
        torch.linalg.eigh,
        torch.linalg.eigvalsh,
        torch.lobpcg,
        torch.nn.utils.parametrizations.spectral_norm,
    )
    # eigenvalues 1 and 2 but σ_max = 10.2: the singular value, not the spectral radius
    triangular = torch.tensor([[1.0, 10.0], [0.0, 2.0]], dtype=torch.float64)
    exact = float(torch.linalg.matrix_norm(triangular, ord=2))
    huge = matrix_with_singular_values(
        [2e3, 1e3, 1.0], 20, 10, seed=1
    ).float()  # float32, large entries
    with grading.forbidden(*disabled, namespace=env):
        value = spectral_norm_estimate(triangular, 100, torch.Generator().manual_seed(0))
        scaled = spectral_norm_estimate(huge, 500, torch.Generator().manual_seed(0))
        again = spectral_norm_estimate(huge, 3, torch.Generator().manual_seed(0))
        repeat = spectral_norm_estimate(huge, 3, torch.Generator().manual_seed(0))
    assert abs(value - exact) < 1e-8, (value, exact)
    assert abs(scaled - 2e3) < 1e-2, scaled
    assert again == repeat, "draw the start vector from `generator`"


test_non_normal_and_scaled(env, spectral_norm_estimate, matrix_with_singular_values)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 4

# %% [markdown]
# **Question 2.** Write `r1_penalty(critic, real)`: $\frac12 \cdot \frac1n \sum_i \|\nabla_x f(x_i)\|^2$ for
# the rows $x_i$ of `real` ``(n, d)``, where `critic` maps ``(n, d)`` to ``(n,)``, as a 0-dimensional
# tensor. The penalty is added to the critic's loss, so it must be differentiable with respect to the
# critic's parameters. Treat `real` as a constant. (`gencourse.losses.gradient_penalty` is disabled
# while the tests run your function.)

# %% [raw]
# # BEGIN SOLUTION


# %%
def r1_penalty(critic, real):
    # BEGIN SOLUTION
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return 0.5 * grad.square().sum(dim=1).mean()
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_linear_critic(env, r1_penalty, SEED):
    import torch

    from gencourse import grading, losses

    linear = torch.nn.Linear(2, 1)
    with torch.no_grad():
        _ = linear.weight.copy_(torch.tensor([[3.0, 4.0]]))
    real = torch.randn(16, 2, generator=torch.Generator().manual_seed(SEED))
    disabled = (losses.gradient_penalty, losses._gradient_penalty)
    with grading.forbidden(*disabled, namespace=env):
        penalty = r1_penalty(lambda x: linear(x).squeeze(-1), real)
    assert isinstance(penalty, torch.Tensor) and penalty.ndim == 0, "return a 0-dimensional tensor"
    assert abs(float(penalty.detach()) - 12.5) < 1e-4, (
        f"for f(x) = wᵀx + b with w = (3, 4), ∇f = w everywhere: expected ½‖w‖² = 12.5, got {float(penalty.detach()):.4f}"
    )
    assert penalty.requires_grad, (
        "the penalty does not depend on the critic's parameters: the gradient ∇_x f must itself be "
        "differentiable (see torch.autograd.grad's create_graph)"
    )
    (grad_w,) = torch.autograd.grad(penalty, linear.weight)
    assert torch.allclose(grad_w, torch.tensor([[3.0, 4.0]])), (
        f"∂(½‖w‖²)/∂w = w = (3, 4), got {grad_w.tolist()}"
    )


test_linear_critic(env, r1_penalty, SEED)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_mlp_critic_against_per_sample_gradients(env, r1_penalty):
    import torch

    from gencourse import gan, grading, losses

    torch.manual_seed(0)
    critic = gan.MLPDiscriminator(3, hidden=16, depth=2, device="cpu").double()
    real = torch.randn(24, 3, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    params = dict(critic.named_parameters())

    def reference(parameters):
        def f(x):
            return torch.func.functional_call(critic, parameters, (x[None],))[0]

        grads = torch.func.vmap(torch.func.grad(f))(real)  # ∇_x f at each point, one by one
        return 0.5 * grads.square().sum(dim=1).mean()

    expected = reference(params)
    # ∇_x f does not depend on the last bias (and on the others only through LeakyReLU's pieces)
    expected_grads = torch.autograd.grad(expected, list(params.values()), allow_unused=True)
    disabled = (losses.gradient_penalty, losses._gradient_penalty)
    with grading.forbidden(*disabled, namespace=env):
        ours = r1_penalty(critic, real)
    assert torch.allclose(ours, expected, atol=1e-10), (float(ours), float(expected))
    ours_grads = torch.autograd.grad(ours, list(params.values()), allow_unused=True)
    for (name, p), a, b in zip(params.items(), ours_grads, expected_grads):
        if "weight" in name:
            assert a is not None, f"the penalty must be differentiable in {name}"
        a = torch.zeros_like(p) if a is None else a
        b = torch.zeros_like(p) if b is None else b
        assert torch.allclose(a, b, atol=1e-10), name


test_mlp_critic_against_per_sample_gradients(env, r1_penalty)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** The product of the layers' spectral norms of a critic, an upper bound
# on its Lipschitz constant, and the R1 penalty of the same critic at a sample of the ring:

# %%
from gencourse import data

torch.manual_seed(SEED)
critic = gan.MLPDiscriminator(2, hidden=64, depth=3, device="cpu")
layers = [m.weight.detach() for m in critic.net if isinstance(m, torch.nn.Linear)]
try:
    norms = [spectral_norm_estimate(w, 50, torch.Generator().manual_seed(SEED)) for w in layers]
    print(
        "spectral norms of the layers:",
        [round(v, 3) for v in norms],
        "product",
        round(math.prod(norms), 3),
    )
    ring = data.ring().sample(512, seed=SEED, device="cpu")
    print(f"R1 penalty at the ring: {float(r1_penalty(critic, ring)):.4f}")
except Exception as error:  # the blank notebook: nothing to show yet
    print("not written yet:", type(error).__name__, error)

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 4
# manual: true

# %% [markdown]
# **Question 3 (written).** (a) Show that $\|W v\|$ for a unit vector $v$ never exceeds $\sigma_{\max}(W)$,
# and that power iteration on $W^\top W$ converges to $\sigma_{\max}$ at the rate $(\sigma_2/\sigma_1)^{2k}$
# (assume $\sigma_1 > \sigma_2$ and a start vector not orthogonal to the top right singular vector). Why
# does iterating with $W$ alone fail, even for square matrices? (b) Spectral normalisation runs *one*
# iteration per training step, carrying $u$ and $v$ over from the previous step: why is one enough?
# (c) Compare the R1 penalty with WGAN-GP's $\lambda\, \mathbb E (\|\nabla f(\hat x)\| - 1)^2$: where is each
# evaluated, what gradient norm does each push towards, and which one is a constraint for the
# Kantorovich–Rubinstein duality?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) With the SVD $W = \sum_i \sigma_i u_i v_i^\top$, $\|Wv\|^2 = \sum_i \sigma_i^2 \langle v_i, v\rangle^2 \le \sigma_1^2 \|v\|^2$.
# Power iteration multiplies by $W^\top W = \sum_i \sigma_i^2 v_i v_i^\top$: after $k$ steps the component on
# $v_i$ is scaled by $\sigma_i^{2k}$, so the direction converges to $v_1$ with error $O((\sigma_2/\sigma_1)^{2k})$,
# and $\|Wv\| \to \sigma_1$. Iterating with $W$ alone needs a square matrix and finds the eigenvalue of
# largest modulus, the spectral radius, which for a non-normal matrix is smaller than $\sigma_{\max}$
# (e.g. $\begin{pmatrix}1 & 10\\ 0 & 2\end{pmatrix}$: 2 against 10.2); it may also oscillate with complex eigenvalues.
#
# (b) The weights change little from one step to the next, so the previous $v$ is already close to the
# new top singular vector; one iteration per step keeps tracking it (a warm start), at the cost of two
# matrix-vector products.
#
# (c) WGAN-GP evaluates at interpolates between data and samples and pushes $\|\nabla f\|$ towards 1,
# the slope of the optimal critic along transport paths: a soft version of the 1-Lipschitz constraint of
# the duality. R1 evaluates at the data only and pushes the gradient towards 0 there: it is not a
# Lipschitz constraint, but it removes the rotation around the equilibrium (the Dirac GAN of
# Homework 6), which stabilises GAN training.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
