# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 04_sinh_coupling
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
# # Homework 4: a coupling layer that is not affine
#
# *Book: Chapter 4, "Coupling flows: NICE, Real-NVP and autoregressive flows".* Run the first
# cell (on Colab it installs `gencourse` and `otter-grader`), answer each question where you find
# `...`, and run the `grader.check(...)` cell below it for instant feedback. The public checks are
# a subset of the tests used for grading; the written question is graded by hand.
#
# A coupling layer keeps the coordinates where `mask` is True and transforms each of the others by
# a monotone map whose parameters are computed from the kept part. Real-NVP's map is affine. Here
# it is a **sinh coupling**, with $(s, t)$ = `layer.scale_shift(z_kept)` (the conditioner network of a
# `gencourse.flows.AffineCoupling`, of which we use nothing else):
#
# $$ x_{\text{kept}} = z_{\text{kept}}, \qquad x_{\text{moved}} = t + e^{s} \odot \sinh(z_{\text{moved}}) . $$
#
# The map `sinh_coupling` below computes $x = f(z)$.

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

grader = otter.Notebook("04_sinh_coupling.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)


def random_layer(mask, seed):
    """A conditioner with random weights (a fresh one outputs s = t = 0: the map would be sinh)."""
    torch.manual_seed(seed)
    layer = flows.AffineCoupling(mask, hidden=16).double()
    with torch.no_grad():
        for parameter in layer.parameters():
            parameter.add_(0.4 * torch.randn_like(parameter))
    return layer


def sinh_coupling(layer, z):
    """x = f(z): the kept coordinates are copied, the moved ones become t + e^s sinh(z)."""
    s, t = layer.scale_shift(z[:, layer.mask])
    x = z.clone()
    x[:, ~layer.mask] = t + torch.exp(s) * torch.sinh(z[:, ~layer.mask])
    return x


layer = random_layer(flows.alternating_mask(6), seed=SEED)
z = torch.randn(8, 6, generator=torch.Generator().manual_seed(SEED), dtype=torch.float64)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 3

# %% [markdown]
# **Question 1.** Write `sinh_coupling_log_det(layer, z)`: $\log|\det \nabla f(z)|$ for each row of
# `z` ``(n, d)``, shape ``(n,)``, from `layer.mask` and `layer.scale_shift` (no Jacobian matrix, no
# autograd: the tests disable them, and the affine layer's own methods, while they run your function).

# %% [raw]
# # BEGIN SOLUTION


# %%
def sinh_coupling_log_det(layer, z):
    # BEGIN SOLUTION
    s, _ = layer.scale_shift(z[:, layer.mask])
    moved = z[:, ~layer.mask]
    log_cosh = torch.logaddexp(moved, -moved) - math.log(2)
    return (s + log_cosh).sum(dim=1)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_log_det_against_autograd(env, sinh_coupling_log_det, sinh_coupling, layer, z):
    import torch

    from gencourse import flows, grading

    expected = flows.autograd_log_abs_det(lambda points: sinh_coupling(layer, points), z)
    disabled = (
        flows.AffineCoupling.forward,
        flows.AffineCoupling.inverse,
        flows.autograd_jacobian,
        flows.autograd_log_abs_det,
        torch.linalg.slogdet,
        torch.autograd.functional.jacobian,
    )
    with grading.forbidden(*disabled, namespace=env):
        value = sinh_coupling_log_det(layer, z)
    assert isinstance(value, torch.Tensor) and value.shape == (8,), "return a tensor of shape (n,)"
    gap = float((value - expected).abs().max())
    assert gap < 1e-8, (
        f"log|det ∇f(z)| differs from autograd's Jacobian by up to {gap:.2e}: "
        f"yours {[round(v, 4) for v in value.tolist()]}, expected {[round(v, 4) for v in expected.tolist()]}"
    )


test_log_det_against_autograd(env, sinh_coupling_log_det, sinh_coupling, layer, z)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_log_det_other_masks(env, sinh_coupling_log_det, sinh_coupling, random_layer):
    import torch

    from gencourse import flows, grading

    disabled = (
        flows.AffineCoupling.forward,
        flows.AffineCoupling.inverse,
        flows.autograd_jacobian,
        flows.autograd_log_abs_det,
        torch.linalg.slogdet,
        torch.autograd.functional.jacobian,
    )
    for mask in (flows.half_mask(5, 2), flows.checkerboard_mask(3, 3, parity=1)):
        other = random_layer(mask, seed=3)
        points = 2 * torch.randn(
            6, mask.numel(), generator=torch.Generator().manual_seed(4), dtype=torch.float64
        )
        expected = flows.autograd_log_abs_det(lambda p: sinh_coupling(other, p), points)
        with grading.forbidden(*disabled, namespace=env):
            value = sinh_coupling_log_det(other, points)
        assert torch.allclose(value, expected, atol=1e-8), (value.tolist(), expected.tolist())


test_log_det_other_masks(env, sinh_coupling_log_det, sinh_coupling, random_layer)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 4

# %% [markdown]
# **Question 2.** Write `sinh_coupling_inverse(layer, x)`: returns `(z, log_det)` with
# $z = f^{-1}(x)$ (same shape as `x`) and $\log|\det \nabla f^{-1}(x)|$ for each row, shape ``(n,)``:
# the density direction, which maximum-likelihood training evaluates on every data point.

# %% [raw]
# # BEGIN SOLUTION


# %%
def sinh_coupling_inverse(layer, x):
    # BEGIN SOLUTION
    s, t = layer.scale_shift(x[:, layer.mask])
    y = (x[:, ~layer.mask] - t) * torch.exp(-s)
    z = x.clone()
    z[:, ~layer.mask] = torch.asinh(y)
    # d asinh(y)/dy = 1/sqrt(1 + y²) and dy/dx = e^{-s}
    return z, (-s - 0.5 * torch.log1p(y.square())).sum(dim=1)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_inverse_round_trip_and_log_det(env, sinh_coupling_inverse, sinh_coupling, layer, z):
    import torch

    from gencourse import flows, grading

    x = sinh_coupling(layer, z).detach()
    disabled = (
        flows.AffineCoupling.forward,
        flows.AffineCoupling.inverse,
        flows.autograd_jacobian,
        flows.autograd_log_abs_det,
        torch.linalg.slogdet,
        torch.autograd.functional.jacobian,
    )
    with grading.forbidden(*disabled, namespace=env):
        z_back, log_det = sinh_coupling_inverse(layer, x)
    assert z_back.shape == x.shape and log_det.shape == (8,), (
        "return (z of shape (n, d), log_det of shape (n,))"
    )
    gap = float((sinh_coupling(layer, z_back) - x).abs().max())
    assert gap < 1e-9, f"f(f⁻¹(x)) should give x back; it is off by up to {gap:.2e}"
    expected = flows.autograd_log_abs_det(
        lambda points: sinh_coupling_inverse(layer, points)[0], x
    )
    gap = float((log_det - expected).abs().max())
    assert gap < 1e-8, (
        f"log|det ∇f⁻¹(x)| differs from autograd's Jacobian of your inverse by up to {gap:.2e}: "
        f"yours {[round(v, 4) for v in log_det.tolist()]}, expected {[round(v, 4) for v in expected.tolist()]}"
    )


test_inverse_round_trip_and_log_det(env, sinh_coupling_inverse, sinh_coupling, layer, z)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_inverse_other_masks(env, sinh_coupling_inverse, sinh_coupling, random_layer):
    import torch

    from gencourse import flows, grading

    disabled = (
        flows.AffineCoupling.forward,
        flows.AffineCoupling.inverse,
        flows.autograd_jacobian,
        flows.autograd_log_abs_det,
        torch.linalg.slogdet,
        torch.autograd.functional.jacobian,
    )
    for mask in (flows.half_mask(5, 2, flip=True), flows.checkerboard_mask(3, 3)):
        other = random_layer(mask, seed=5)
        z = 1.5 * torch.randn(
            7, mask.numel(), generator=torch.Generator().manual_seed(6), dtype=torch.float64
        )
        x = sinh_coupling(other, z).detach()
        forward_log_det = flows.autograd_log_abs_det(lambda p: sinh_coupling(other, p), z)
        with grading.forbidden(*disabled, namespace=env):
            z_back, log_det = sinh_coupling_inverse(other, x)
        assert torch.allclose(z_back, z, atol=1e-9)
        assert torch.equal(z_back[:, mask], x[:, mask]), (
            "the kept coordinates pass through unchanged"
        )
        assert torch.allclose(log_det, -forward_log_det, atol=1e-8), (
            "log|det ∇f⁻¹(x)| = −log|det ∇f(z)|"
        )


test_inverse_other_masks(env, sinh_coupling_inverse, sinh_coupling, random_layer)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 3
# manual: true

# %% [markdown]
# **Question 3 (written).** (a) Show that $z \mapsto t + e^{s} \sinh(z)$ is a bijection of
# $\mathbb R$ for all $s, t$, give its inverse and its derivative, and deduce that the sinh coupling is a
# bijection of $\mathbb R^d$ with a triangular Jacobian (after ordering the kept coordinates first).
# (b) A flow stacks $K$ such layers with alternating masks. Write its log-likelihood
# $\log P_\theta(x)$ of a data point with your two functions, saying in which order the layers are
# visited. (c) Compared with the affine coupling, what can a sinh coupling do in one layer that an
# affine one cannot? (Think of the tails of $x_{\text{moved}}$ when $z \sim \mathcal N(0, 1)$.)

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) $g(z) = t + e^{s}\sinh z$ has $g'(z) = e^{s}\cosh z > 0$ and $g(z) \to \pm\infty$: it is a strictly
# increasing bijection of $\mathbb R$, with inverse $g^{-1}(x) = \operatorname{asinh}((x - t)e^{-s})$.
# The kept part is copied, so $(s, t)$ are known from $x_{\text{kept}}$ and each moved coordinate is
# inverted by $g^{-1}$. With the kept coordinates first, $\nabla f = \begin{pmatrix} I & 0 \\ * & \operatorname{diag}(e^{s}\cosh z_{\text{moved}})\end{pmatrix}$,
# so $\log|\det \nabla f(z)| = \sum_j s_j + \log\cosh z_{\text{moved}, j}$.
#
# (b) With $G_\theta = f_K \circ \dots \circ f_1$ and $x_K = x$:
# $x_{k-1}, \ell_k = $ `sinh_coupling_inverse(layer_k, x_k)` for $k = K, \dots, 1$ (reverse order), then
# $\log P_\theta(x) = \log \mathcal N(x_0; 0, I) + \sum_{k=1}^K \ell_k$.
#
# (c) $\sinh$ makes the tails heavier: $x$ grows like $e^{|z|}$, so a single layer maps a Gaussian
# coordinate to a heavy-tailed (log-normal-like tailed) one, and its asymmetric shift/scale can skew it;
# an affine map of a Gaussian stays Gaussian given the kept part, so affine layers can only change the
# tails through many layers.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
