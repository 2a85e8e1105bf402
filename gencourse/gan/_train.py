"""Adversarial training of one generator–discriminator pair: :func:`train_gan`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from .._checks import (
    as_points,
    check_positive_float,
    check_positive_int,
    make_generator,
    module_device,
)
from ..losses import _gradient_penalty
from ..train import make_optimizer
from ._losses import _clip_weights
from ._recipes import RECIPES, Recipe
from ._step import run


@dataclass
class GANHistory:
    """Per generator step: ``d_loss`` (the last critic step's loss, penalty excluded), ``g_loss``
    ``gap`` = E f(x) − E f(G(z)) on the last critic batch (for a WGAN, the critic's estimate of
    W1) and ``lr``, the generator's learning rate used at that step; at the evaluation steps
    ``eval_steps``: the values returned by ``evaluate`` in ``metrics`` and a few samples in
    ``snapshots``."""

    recipe: str
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    gap: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    snapshots: dict[int, torch.Tensor] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class _Common:
    """The settings that :func:`train_gan` and :func:`gencourse.gan.train_gans` check alike."""

    name: str
    recipe: Recipe
    n_steps: int
    batch_size: int
    n_critic: int
    gp_weight: float | None
    eval_every: int
    n_eval: int
    n_snapshot: int


def _common(
    recipe: str,
    n_steps: int,
    batch_size: int,
    n_critic: int | None,
    gp_weight: float | None,
    eval_every: int,
    n_eval: int,
    n_snapshot: int,
) -> _Common:
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, got {recipe!r}")
    config = RECIPES[recipe]
    return _Common(
        name=recipe,
        recipe=config,
        n_steps=check_positive_int(n_steps, "n_steps"),
        batch_size=check_positive_int(batch_size, "batch_size", minimum=2),
        n_critic=config.n_critic if n_critic is None else check_positive_int(n_critic, "n_critic"),
        gp_weight=(
            config.gp_weight if gp_weight is None else check_positive_float(gp_weight, "gp_weight")
        ),
        eval_every=check_positive_int(eval_every, "eval_every", minimum=0),  # 0: only at the end
        n_eval=check_positive_int(n_eval, "n_eval"),
        n_snapshot=check_positive_int(n_snapshot, "n_snapshot", minimum=0),
    )


def _check_pair(generator: nn.Module, discriminator: nn.Module, recipe: str) -> torch.device:
    if not isinstance(generator, nn.Module) or not callable(getattr(generator, "sample", None)):
        raise TypeError(
            "generator must be an nn.Module with a sample(n, seed) method, e.g. MLPGenerator"
        )
    if not isinstance(discriminator, nn.Module):
        raise TypeError(f"discriminator must be an nn.Module, got {type(discriminator).__name__}")
    if RECIPES[recipe].spectral_norm and not getattr(discriminator, "spectral_norm", False):
        raise ValueError(f"recipe {recipe!r} needs a discriminator built with spectral_norm=True")
    device = module_device(generator)
    if module_device(discriminator) != device:
        raise ValueError(
            f"generator is on {device} but discriminator on {module_device(discriminator)}"
        )
    return device


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    data: torch.Tensor,
    *,
    recipe: str = "wgan-gp",
    n_steps: int = 2000,
    batch_size: int = 256,
    n_critic: int | None = None,
    lr: float | None = None,
    lr_generator: float | None = None,
    clip: float | None = None,
    gp_weight: float | None = None,
    lr_decay: bool = False,
    eval_every: int = 0,
    evaluate: Callable[[torch.Tensor], dict[str, float]] | None = None,
    n_eval: int = 2500,
    n_snapshot: int = 0,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> GANHistory:
    r"""Alternating training of min_θ max_w (the slides' algorithm, with its step labels in order):

    repeat ``n_steps`` times:
      1. **update the discriminator** (critic): m = ``n_critic`` steps of descent on the
         discriminator loss over w (ascent on the game's value), each on a fresh data batch and a
         fresh generated batch; for ``wgan-clip`` clip w to [−δ, δ] after each step;
      2. **update the generator**: one step of descent on the generator loss over θ.

    ``recipe`` picks the losses and the paper defaults of :data:`RECIPES`; ``n_critic``, ``lr``
    (both players; ``lr_generator`` overrides the generator's), ``clip`` and ``gp_weight``
    override them; ``lr_decay=True`` decays both learning rates linearly to 0 over the
    ``n_steps`` generator steps (as in the WGAN-GP paper's image experiments), which lets the
    samples settle at the end of training. ``generator`` needs a ``sample(n, seed)`` method
    (:class:`MLPGenerator`, :class:`ConvGenerator`). Every ``eval_every`` steps (and at the end)
    ``evaluate`` receives ``n_eval`` generated points (no gradient) and returns a dict of numbers,
    and ``n_snapshot`` samples are stored. Stops with a clear error on a non-finite loss.

    The step is :func:`gencourse.gan._step.alternating_step`, the one that
    :func:`gencourse.gan.train_gans` runs on S pairs at once.
    """
    common = _common(recipe, n_steps, batch_size, n_critic, gp_weight, eval_every, n_eval,
                     n_snapshot)  # fmt: skip
    device = _check_pair(generator, discriminator, recipe)
    data = as_points(data, "data", dim=getattr(generator, "dim", None), min_points=2).to(device)
    lr_d = common.recipe.lr if lr is None else check_positive_float(lr, "lr")
    lr_g = lr_d if lr_generator is None else check_positive_float(lr_generator, "lr_generator")
    clip = common.recipe.clip if clip is None else check_positive_float(clip, "clip")
    if evaluate is not None and not callable(evaluate):
        raise TypeError("evaluate must be callable: samples (n, d) -> dict of floats")
    players = _OnePair(generator, discriminator, data, common, GANHistory(recipe=recipe),
                       lr=(lr_d, lr_g), clip=clip, lr_decay=lr_decay, evaluate=evaluate,
                       seed=seed)  # fmt: skip
    generator.train()
    discriminator.train()
    players.history.seconds = run(
        players,
        common.recipe,
        n_critic=common.n_critic,
        gp_weight=common.gp_weight,
        n_steps=common.n_steps,
        eval_every=common.eval_every,
        recording=evaluate is not None or common.n_snapshot > 0,
        progress=progress,
        desc=f"train {recipe}",
    )
    generator.eval()
    return players.history


class _OnePair:
    """One generator G_θ and one discriminator f_w, each with its torch optimiser: the
    :class:`gencourse.gan._step.Players` of :func:`train_gan`. One random generator draws the
    minibatches, the latent points and the penalty's interpolation weights, in that order."""

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data: torch.Tensor,
        common: _Common,
        history: GANHistory,
        *,
        lr: tuple[float, float],
        clip: float | None,
        lr_decay: bool,
        evaluate: Callable[[torch.Tensor], dict[str, float]] | None,
        seed: int | torch.Generator | None,
    ) -> None:
        self.generator, self.discriminator, self.data = generator, discriminator, data
        self.common, self.history, self.clip, self.evaluate = common, history, clip, evaluate
        self.step = 0
        self.rng = make_generator(seed)
        recipe = common.recipe
        self.opt_d = make_optimizer(
            recipe.optimizer, discriminator.parameters(), lr=lr[0], betas=recipe.betas
        )
        self.opt_g = make_optimizer(
            recipe.optimizer, generator.parameters(), lr=lr[1], betas=recipe.betas
        )
        n_steps = common.n_steps
        self.schedules = []
        if lr_decay:  # both rates linearly to 0 over the n_steps generator steps
            self.schedules = [
                torch.optim.lr_scheduler.LambdaLR(o, lambda k: 1 - k / n_steps)
                for o in (self.opt_d, self.opt_g)
            ]

    def real(self) -> torch.Tensor:
        n, size = self.data.shape[0], (self.common.batch_size,)
        return self.data[torch.randint(0, n, size, generator=self.rng).to(self.data.device)]

    def fake(self) -> torch.Tensor:
        return self.generator.sample(self.common.batch_size, self.rng)

    def critic(self, x: torch.Tensor) -> torch.Tensor:
        return self.discriminator(x)

    def penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        t = torch.rand(real.shape[0], 1, generator=self.rng).to(real.device, real.dtype)
        return _gradient_penalty(self.discriminator, real, fake, t)

    def _check(self, loss: torch.Tensor, who: str) -> None:
        if not torch.isfinite(loss):
            raise RuntimeError(
                f"non-finite {who} loss at step {self.step}: lower the learning rate"
            )

    def update_critic(self, loss: torch.Tensor) -> None:
        self._check(loss, "discriminator")
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        if self.clip is not None:  # wgan-clip: w ← clip(w, −δ, δ)
            _clip_weights(self.discriminator.parameters(), self.clip)

    def update_generator(self, loss: torch.Tensor) -> None:
        self._check(loss, "generator")
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()

    def end_step(self, values: list[list[float]]) -> None:
        self.history.lr.append(self.opt_g.param_groups[0]["lr"])
        for schedule in self.schedules:
            schedule.step()
        self.history.d_loss.append(values[0][0])
        self.history.g_loss.append(values[1][0])
        self.history.gap.append(values[2][0])

    def record(self, step: int) -> None:
        self.generator.eval()
        with torch.no_grad():
            if self.evaluate is not None:
                samples = self.generator.sample(self.common.n_eval, self.rng)
                for name, value in self.evaluate(samples).items():
                    self.history.metrics.setdefault(name, []).append(float(value))
            if self.common.n_snapshot:
                snapshot = self.generator.sample(self.common.n_snapshot, self.rng)
                self.history.snapshots[step] = snapshot.cpu()
        self.generator.train()
        self.history.eval_steps.append(step)
