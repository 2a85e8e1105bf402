# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 04_gradient_penalty
# init_cell: false
# check_all_cell: true
# export_cell: false
# run_tests: true
# solutions_pdf: false
# generate: true

# %% [markdown]
# # Homework 4: the WGAN-GP gradient penalty
#
# *Book: Chapter 7, "Wasserstein GANs".* Run the first cell, answer the question in the cell marked
# `...`, and run the `grader.check(...)` cell below it for instant feedback.
#
# WGAN-GP keeps the critic $f_w$ close to 1-Lipschitz by adding $\lambda\, \mathbb E\, (\|\nabla_x f_w(\hat x)\| - 1)^2$
# to the critic's loss, at random interpolates $\hat x = t\, x + (1 - t)\, G(z)$ between real and generated
# points, $t \sim U[0, 1]$ drawn once per pair.

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

from gencourse import gan, losses

grader = otter.Notebook("04_gradient_penalty.ipynb")

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `gradient_penalty(critic, real, fake, t)`: the mean over the batch of
# $(\|\nabla_x f(\hat x_i)\| - 1)^2$ with $\hat x_i = t_i\, \text{real}_i + (1 - t_i)\, \text{fake}_i$, for `real` and `fake` of
# shape ``(n, d)`` and `t` of shape ``(n, 1)``. `critic` maps ``(n, d)`` to ``(n,)``. The penalty is part of the
# critic's loss, so it must be differentiable with respect to the critic's parameters
# (`torch.autograd.grad(..., create_graph=True)`). Treat `real` and `fake` as constants.

# %% [raw]
# # BEGIN SOLUTION

# %%
def gradient_penalty(critic, real, fake, t):
    # BEGIN SOLUTION
    x_hat = (t * real.detach() + (1 - t) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return (grad.norm(dim=1) - 1).square().mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
linear = torch.nn.Linear(2, 1)
with torch.no_grad():
    _ = linear.weight.copy_(torch.tensor([[3.0, 4.0]]))
real, fake, t = torch.randn(16, 2), torch.randn(16, 2) + 1, torch.rand(16, 1)
penalty = gradient_penalty(lambda x: linear(x).squeeze(-1), real, fake, t)
assert penalty.ndim == 0
assert abs(float(penalty.detach()) - 16.0) < 1e-4, "a linear critic with ‖w‖ = 5 has penalty (5 − 1)² = 16"

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG
# against gencourse's implementation with the same interpolation weights t
_ = torch.manual_seed(0)
critic = gan.MLPDiscriminator(3, hidden=16, depth=2, device="cpu").double()
real, fake = torch.randn(32, 3, dtype=torch.float64), torch.randn(32, 3, dtype=torch.float64) * 2
t = torch.rand(32, 1, generator=torch.Generator().manual_seed(5)).double()
ours = gradient_penalty(critic, real, fake, t)
reference = losses.gradient_penalty(critic, real, fake, torch.Generator().manual_seed(5))
assert torch.allclose(ours, reference, atol=1e-10)
# differentiable in the critic's parameters, with the same gradient as the reference
params = [p for name, p in critic.named_parameters() if "weight" in name]  # biases of the last layer do not enter ∇_x f
mine = torch.autograd.grad(gradient_penalty(critic, real, fake, t), params)
theirs = torch.autograd.grad(losses.gradient_penalty(critic, real, fake, torch.Generator().manual_seed(5)), params)
assert all(torch.allclose(a, b, atol=1e-10) for a, b in zip(mine, theirs))

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION
