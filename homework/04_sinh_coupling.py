# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 02_affine_coupling
# init_cell: false
# check_all_cell: true
# export_cell: false
# run_tests: true
# solutions_pdf: false
# generate: true

# %% [markdown]
# # Homework 2: the affine coupling layer's inverse and log-determinant
#
# *Book: Chapter 4, "Coupling flows".* Run the first cell, answer each question in the cell
# marked `...`, and run the `grader.check(...)` cell below it for instant feedback.
#
# A Real-NVP affine coupling layer (`gencourse.flows.AffineCoupling`) keeps the coordinates where
# `layer.mask` is True and transforms the others. In gencourse's parametrisation, with
# $(u, t) = $ `layer.scale_shift(a)` computed from the kept part $a$,
#
# $$ x_{\text{kept}} = z_{\text{kept}}, \qquad x_{\text{moved}} = (z_{\text{moved}} - t) \odot e^{u}, \qquad \log|\det \nabla f(z)| = \sum_j u_j . $$
#
# (The slides write $|\sum_j u_j|$: the absolute value is a typo, the log-determinant can be negative.)

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

from gencourse import flows

grader = otter.Notebook("02_affine_coupling.ipynb")


def random_layer(mask, seed=0):
    """An affine coupling with random weights (a fresh layer starts as the identity: u = t = 0)."""
    torch.manual_seed(seed)
    layer = flows.AffineCoupling(mask, hidden=32).double()
    with torch.no_grad():
        for parameter in layer.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    return layer


layer = random_layer(flows.alternating_mask(6))
x = torch.randn(8, 6, dtype=torch.float64)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 3

# %% [markdown]
# **Question 1.** Write `coupling_inverse(layer, x)`, which returns $z = f^{-1}(x)$ with the same shape
# as `x` ``(n, d)``, using only `layer.mask` and `layer.scale_shift` (not `layer.inverse`).

# %% [raw]
# # BEGIN SOLUTION

# %%
def coupling_inverse(layer, x):
    # BEGIN SOLUTION
    kept, moved = x[:, layer.mask], x[:, ~layer.mask]
    u, t = layer.scale_shift(kept)
    z = x.clone()
    z[:, ~layer.mask] = moved * torch.exp(-u) + t
    return z
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
z = coupling_inverse(layer, x)
assert z.shape == x.shape
assert torch.allclose(layer.forward(z)[0], x, atol=1e-10), "f(f^{-1}(x)) must give x back"

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG
for mask in (flows.alternating_mask(6, parity=1), flows.half_mask(6, 2), flows.checkerboard_mask(4, 4)):
    other = random_layer(mask, seed=1)
    points = torch.randn(5, mask.numel(), dtype=torch.float64)
    assert torch.allclose(coupling_inverse(other, points), other.inverse(points)[0], atol=1e-12)
    assert torch.equal(coupling_inverse(other, points)[:, mask], points[:, mask])  # the kept part is unchanged

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [markdown]
# **Question 2.** Write `coupling_inverse_log_det(layer, x)`: $\log|\det \nabla f^{-1}(x)|$ for each row of `x`,
# shape ``(n,)``. (Hint: the Jacobian of the inverse is triangular too; what is on its diagonal?)

# %% [raw]
# # BEGIN SOLUTION

# %%
def coupling_inverse_log_det(layer, x):
    # BEGIN SOLUTION
    u, _ = layer.scale_shift(x[:, layer.mask])
    return -u.sum(dim=1)
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
log_det = coupling_inverse_log_det(layer, x)
assert log_det.shape == (8,)
assert torch.allclose(log_det, -layer.forward(layer.inverse(x)[0])[1], atol=1e-10), "log|det ∇f^{-1}(x)| = −log|det ∇f(z)|"

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG
# against the log-determinant of the Jacobian computed by autograd, row by row
reference = flows.autograd_log_abs_det(lambda points: layer.inverse(points)[0], x)
assert torch.allclose(coupling_inverse_log_det(layer, x), reference, atol=1e-8)
assert bool((coupling_inverse_log_det(layer, 3 * x) != 0).any())  # not identically zero

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
