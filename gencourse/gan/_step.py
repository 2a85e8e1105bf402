r"""The slides' alternating algorithm, one generator step at a time, and the loop around it.

:func:`alternating_step` is the algorithm: m critic steps, then one generator step. It runs on
"players" (the :class:`Players` protocol) that draw the minibatches, evaluate the critic and take
the optimiser steps: one pair (:func:`gencourse.gan.train_gan`) or S pairs stacked into batched
tensors (:func:`gencourse.gan.train_gans`). Both engines run this step and this loop
(:func:`run`), so the step the book shows is the step that trains every model of the book.
"""

from __future__ import annotations

import time
from typing import Protocol

import torch

from ..config import progress_bar
from ._losses import discriminator_loss, generator_loss
from ._recipes import Recipe


class Players(Protocol):
    """The generator(s) G_θ and critic(s) f_w of one training run, with their optimisers.

    Tensors carry a leading model dimension S for S pairs trained together (none for one pair):
    a batch is ``(B, d)`` or ``(S, B, d)``, a critic's output ``(B,)`` or ``(S, B)``, a loss a
    scalar or ``(S,)``. Each pair draws from its own random generator.
    """

    step: int  # the generator step being taken, for the non-finite stop's message

    def real(self) -> torch.Tensor:
        """A fresh minibatch x_1, …, x_B of the data."""

    def fake(self) -> torch.Tensor:
        """G_θ(z_1), …, G_θ(z_B) for fresh z_j ~ Q (differentiable in θ)."""

    def critic(self, x: torch.Tensor) -> torch.Tensor:
        """f_w(x), one value per point."""

    def penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """The gradient penalty E[(‖∇f(x̂)‖ − 1)²] at fresh random interpolates x̂."""

    def update_critic(self, loss: torch.Tensor) -> None:
        """One optimiser step of descent on ``loss`` over w, then the constraint (clipping)."""

    def update_generator(self, loss: torch.Tensor) -> None:
        """One optimiser step of descent on ``loss`` over θ."""

    def end_step(self, values: list[list[float]]) -> None:
        """Record ``[d_loss, g_loss, gap]`` (one value per pair each), then advance the
        learning-rate schedule."""

    def record(self, step: int) -> None:
        """Evaluate the generator(s) and keep snapshots at ``step`` (when asked to)."""


def alternating_step(
    players: Players, recipe: Recipe, n_critic: int, gp_weight: float | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One generator step of min_θ max_w: returns the last critic loss (penalty excluded), the
    generator loss and the critic's gap E f(x) − E f(G(z)) on the last critic batch."""
    # 1. update the discriminator (critic): m steps on w
    for _ in range(n_critic):
        real = players.real()  # x_1, …, x_B from the data
        with torch.no_grad():
            fake = players.fake()  # G_θ(z_1), …, G_θ(z_B), z_j ~ Q (no gradient to θ here)
        f_real, f_fake = players.critic(real), players.critic(fake)  # wgan-sn: W_l / σ(W_l)
        d_loss = discriminator_loss(f_real, f_fake, recipe.discriminator_loss)
        total = d_loss
        if gp_weight is not None:  # wgan-gp: + λ E (‖∇f(x̂)‖ − 1)²
            total = total + gp_weight * players.penalty(real, fake)
        players.update_critic(total)  # one optimiser step on w; wgan-clip: w ← clip(w, −δ, δ)
    # 2. update the generator: one step on θ
    g_loss = generator_loss(players.critic(players.fake()), recipe.generator_loss)
    players.update_generator(g_loss)
    gap = f_real.mean(-1) - f_fake.mean(-1)
    return d_loss.detach(), g_loss.detach(), gap.detach()


def run(
    players: Players,
    recipe: Recipe,
    *,
    n_critic: int,
    gp_weight: float | None,
    n_steps: int,
    eval_every: int,
    recording: bool,
    progress: bool,
    desc: str,
) -> float:
    """``n_steps`` alternating steps, recording every ``eval_every`` steps (0: at the start and the
    end only) when ``recording``; returns the wall time in seconds."""
    start = time.perf_counter()
    if recording:
        players.record(0)
    bar = progress_bar(range(1, n_steps + 1), desc=desc, enabled=progress)
    for step in bar:
        players.step = step
        d_loss, g_loss, gap = alternating_step(players, recipe, n_critic, gp_weight)
        values = torch.stack([d_loss, g_loss, gap]).reshape(3, -1).cpu().tolist()
        players.end_step(values)
        if eval_every and step % eval_every == 0 and step != n_steps and recording:
            players.record(step)
        if step % 100 == 0:
            n = len(values[0])
            bar.set_postfix(d=f"{sum(values[0]) / n:.3f}", g=f"{sum(values[1]) / n:.3f}")
    if recording:
        players.record(n_steps)
    return time.perf_counter() - start
