# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: 06_dirac_gan
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
# # Homework 6: the GAN training algorithm on the smallest GAN there is
#
# *Book: Chapter 6, "Generative adversarial networks".* Run the first cell (on Colab it installs
# `gencourse` and `otter-grader`), answer each question where you find `...`, and run the
# `grader.check(...)` cell below it for instant feedback. The public checks are a subset of the
# tests used for grading; the written question is graded by hand.
#
# The **Dirac GAN** (Mescheder et al., 2018) strips a GAN to two numbers. The data are a point
# mass at 0, $\rho^* = \delta_0$; the generator outputs the constant $\theta \in \mathbb R$,
# $P_\theta = \delta_\theta$; the discriminator is $D_\psi(x) = \sigma(\psi x)$ with logit $\psi x$.
# Following the chapter's algorithm (with the slide's labels corrected), one training step is
#
# 1. $m$ steps of gradient **ascent** on $\psi$ of $V(\psi, \theta) = \log D_\psi(0) + \log\bigl(1 - D_\psi(\theta)\bigr)$,
#    each with learning rate $\eta$;
# 2. one step of gradient **descent** on $\theta$ of the **non-saturating** generator loss
#    $L(\theta, \psi) = -\log D_\psi(\theta)$, against the updated discriminator, learning rate $\eta$.
#
# Both objectives have closed-form derivatives: derive them, and use no autograd.

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

from gencourse import gan

grader = otter.Notebook("06_dirac_gan.ipynb")
SEED = 7  # the autograder uses its own value: your answer must not depend on it
gencourse.manual_seed(SEED)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 5

# %% [markdown]
# **Question 1.** Write `dirac_gan_step(theta, psi, lr, m=1)`: one training step as above, from
# the floats `theta` and `psi`; return the new pair `(theta, psi)` as floats. Use only `math`
# (`gencourse.gan`'s losses and `torch.autograd` are disabled while the tests run your function).

# %% [raw]
# # BEGIN SOLUTION


# %%
def dirac_gan_step(theta, psi, lr, m=1):
    # BEGIN SOLUTION
    def sigmoid(t):
        return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))

    for _ in range(m):  # ∂V/∂ψ = −θ σ(ψθ): V = log ½ − softplus(ψθ)
        psi = psi + lr * (-theta * sigmoid(psi * theta))
    # ∂L/∂θ = −ψ (1 − σ(ψθ)): L = softplus(−ψθ), against the updated ψ
    theta = theta - lr * (-psi * (1 - sigmoid(psi * theta)))
    return theta, psi
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS


# %%
def test_each_player_moves_the_right_way(env, dirac_gan_step):
    import torch

    from gencourse import gan, grading

    disabled = (
        gan.discriminator_loss,
        gan.generator_loss,
        gan._losses._discriminator_loss,  # the computations behind the two
        gan._losses._generator_loss,
        torch.autograd.grad,
        torch.autograd.backward,
    )
    with grading.forbidden(*disabled, namespace=env):
        theta, psi = dirac_gan_step(1.0, 0.0, 0.1)
        theta2, psi2 = dirac_gan_step(-2.0, 1.0, 0.1, m=3)
    assert isinstance(theta, float) and isinstance(psi, float), "return two floats (theta, psi)"
    # a blind discriminator (ψ = 0) facing fakes at θ = 1 > 0 learns to reject them: ψ < 0
    assert psi < 0, (
        f"from θ = 1, ψ = 0 the discriminator should learn to reject the fakes (ψ < 0), got ψ = {psi:.4f}"
    )
    # ... and the generator then moves towards the data at 0
    assert 0 < theta < 1, (
        f"from θ = 1 the generator should move towards the data at 0, got θ = {theta:.4f}"
    )
    assert psi2 > 1 and -2 < theta2 < 0, (
        f"from θ = -2, ψ = 1 (fakes on the negative side): expected ψ to grow and θ to move up towards 0, "
        f"got θ = {theta2:.4f}, ψ = {psi2:.4f}"
    )


test_each_player_moves_the_right_way(env, dirac_gan_step)

# %%
""" # BEGIN TEST CONFIG
hidden: true
"""  # END TEST CONFIG


def test_against_autograd(env, dirac_gan_step):
    import torch
    import torch.nn.functional as F

    from gencourse import gan, grading

    def reference(theta, psi, lr, m):
        psi_t = torch.tensor(psi, dtype=torch.float64)
        for _ in range(m):
            psi_t.requires_grad_(True)
            value = F.logsigmoid(psi_t * 0.0) + F.logsigmoid(
                -psi_t * theta
            )  # log D(0) + log(1 − D(θ))
            (grad,) = torch.autograd.grad(value, psi_t)
            psi_t = (psi_t + lr * grad).detach()
        theta_t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
        loss = -F.logsigmoid(psi_t * theta_t)  # non-saturating: −log D(θ)
        (grad,) = torch.autograd.grad(loss, theta_t)
        return float(theta_t - lr * grad), float(psi_t)

    cases = [
        (1.0, 0.0, 0.1, 1),
        (0.5, -3.0, 0.3, 1),
        (2.0, -5.0, 0.05, 1),
        (-1.5, 2.0, 0.2, 5),
        (3.0, 0.5, 0.01, 2),
    ]
    expected = [reference(*case) for case in cases]
    disabled = (
        gan.discriminator_loss,
        gan.generator_loss,
        gan._losses._discriminator_loss,  # the computations behind the two
        gan._losses._generator_loss,
        torch.autograd.grad,
        torch.autograd.backward,
    )
    with grading.forbidden(*disabled, namespace=env):
        values = [dirac_gan_step(*case) for case in cases]
    for case, value, target in zip(cases, values, expected):
        assert abs(value[0] - target[0]) < 1e-12 and abs(value[1] - target[1]) < 1e-12, (
            case,
            value,
            target,
        )


test_against_autograd(env, dirac_gan_step)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# **Look at your answer.** The trajectory of $(\theta, \psi)$ over training, from $(1, 1)$:

# %%
import matplotlib.pyplot as plt

try:
    path = [(1.0, 1.0)]
    for _ in range(3000):
        path.append(dirac_gan_step(*path[-1], lr=0.1))
    path = torch.tensor(path)
    plt.plot(path[:, 0], path[:, 1], lw=0.6)
    plt.scatter([0], [0], c="k", marker="x", label="equilibrium (θ, ψ) = (0, 0)")
    plt.gca().set(xlabel="θ (generator)", ylabel="ψ (discriminator)", aspect="equal")
    plt.legend()
    print(
        f"distance to the equilibrium: start {math.hypot(1, 1):.3f}, end {float(path[-1].norm()):.3f}"
    )
except Exception as error:  # the blank notebook: nothing to plot yet
    print("dirac_gan_step is not written yet:", type(error).__name__, error)

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 4
# manual: true

# %% [markdown]
# **Question 2 (written).** (a) Show that $(\theta, \psi) = (0, 0)$ is the only stationary point of
# the training step (for $m = 1$), and that there the discriminator is blind, $D \equiv \frac12$, as the
# chapter's optimal discriminator predicts when $P_\theta = \rho^*$. (b) The chapter's section
# "Going further: simultaneous play cycles" shows that the continuous-time dynamics rotate around
# $(0, 0)$ and that *simultaneous* steps spiral out, but only measures that *alternating* steps circle.
# Prove it near the equilibrium: linearise your step (with $m = 1$) at $(0, 0)$, i.e. find the $2 \times 2$
# matrix $M$ with $(\theta', \psi') \approx M (\theta, \psi)$, show that $\det M = 1$ and that for
# $\eta < 4$ both eigenvalues of $M$ lie on the unit circle, and conclude that the linearised iterates
# neither converge nor diverge. Compare with your plot. (c) Add to the discriminator's objective the
# penalty $-\frac\gamma2 \psi^2$ (the "R1" gradient penalty of Mescheder et al.,
# $\frac\gamma2\|\nabla_x f_\psi(x)\|^2$ at the data, for $f_\psi(x) = \psi x$). Linearise the step again:
# what is $\det M$ now, and what happens to the trajectory for small $\eta\gamma > 0$? Which instance
# noise level $s$ of the chapter's section gives the same continuous-time Jacobian as the penalty?

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# (a) The ascent direction is $-\theta\sigma(\psi\theta)$ and the descent direction $\psi(1 - \sigma(\psi\theta))$
# (the step moves $\theta$ by $+\eta\psi(1 - \sigma)$). $\sigma > 0$ and $1 - \sigma > 0$, so a fixed point needs
# $\theta = 0$ (then $\psi$ is unchanged) and $\psi = 0$ after the update. At $\psi = 0$,
# $D_\psi(x) = \sigma(0) = \frac12$ for all $x$: $D^* = \rho^*/(\rho^* + P_\theta) = \frac12$ when $P_\theta = \rho^*$.
#
# (b) Near $(0, 0)$, $\sigma(\psi\theta) \approx \frac12$. The discriminator's step is
# $\psi' = \psi - \eta\theta\sigma(\psi\theta) \approx \psi - \frac\eta2\theta$, then the generator's, against $\psi'$,
# $\theta' = \theta + \eta\psi'(1 - \sigma(\psi'\theta)) \approx \theta + \frac\eta2\psi' = (1 - \frac{\eta^2}4)\theta + \frac\eta2\psi$. So
# $M = \begin{pmatrix} 1 - \eta^2/4 & \eta/2 \\ -\eta/2 & 1\end{pmatrix}$ in $(\theta, \psi)$, with
# $\det M = 1 - \frac{\eta^2}4 + \frac{\eta^2}4 = 1$ and $\operatorname{tr} M = 2 - \frac{\eta^2}4$. The eigenvalues solve
# $\lambda^2 - \operatorname{tr} M\,\lambda + 1 = 0$; for $|\operatorname{tr} M| < 2$, i.e. $0 < \eta < 4$, they are complex
# conjugate with product 1: $e^{\pm i\omega}$, $\cos\omega = 1 - \eta^2/8$. The linearised iterates rotate
# on ellipses (the invariant quadratic form of $M$), neither converging nor diverging: the plot's
# closed loop. The simultaneous step's $I + \eta J$ has $\det = 1 + \eta^2/4 > 1$ instead, and
# spirals out; alternating steps are area-preserving, which is why they circle. The generator
# overshoots the data, the discriminator flips, and so on: the oscillation of the chapter.
#
# (c) The discriminator's step gains $-\eta\gamma\psi$: $\psi' \approx (1 - \eta\gamma)\psi - \frac\eta2\theta$, then
# $\theta' \approx (1 - \frac{\eta^2}4)\theta + \frac\eta2(1 - \eta\gamma)\psi$, so
# $M = \begin{pmatrix} 1 - \eta^2/4 & \eta(1 - \eta\gamma)/2 \\ -\eta/2 & 1 - \eta\gamma\end{pmatrix}$ and
# $\det M = (1 - \eta\gamma)(1 - \frac{\eta^2}4) + \frac{\eta^2}4(1 - \eta\gamma) = 1 - \eta\gamma < 1$. For small $\eta$,
# $\operatorname{tr}^2 M - 4 \det M \approx \eta^2(\gamma^2 - 1)$: for $\gamma < 1$ the eigenvalues are complex
# conjugate, with modulus $\sqrt{1 - \eta\gamma} < 1$, and the trajectory spirals into $(0, 0)$; for
# $\gamma \ge 1$ they are real, in $(0, 1)$, and it converges without rotating. In continuous time the
# Jacobian becomes $\begin{pmatrix} 0 & 1/2 \\ -1/2 & -\gamma\end{pmatrix}$, with eigenvalues
# $(-\gamma \pm \sqrt{\gamma^2 - 1})/2$ (real part $-\gamma/2$ for $\gamma < 1$, both real and negative
# otherwise); the chapter's instance noise gives
# $\begin{pmatrix} 0 & 1/2 \\ -1/2 & -s^2/2\end{pmatrix}$, the same for $s = \sqrt{2\gamma}$.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
