"""S independent GANs of one MLP architecture, trained at once: :func:`train_gans`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from .._checks import as_points, check_positive_float, make_generator, module_device
from ..losses import _gradient_penalty
from ._losses import _clip_weights
from ._models import MLPDiscriminator, MLPGenerator
from ._recipes import RECIPES
from ._stacked import _StackedMLP, _StackedOptimizer
from ._step import run
from ._train import GANHistory, _Common, _common


def train_gans(
    generators: Sequence[MLPGenerator],
    discriminators: Sequence[MLPDiscriminator],
    data: torch.Tensor | Sequence[torch.Tensor],
    *,
    seeds: Sequence[int],
    recipe: str = "wgan-gp",
    n_steps: int = 2000,
    batch_size: int = 256,
    n_critic: int | None = None,
    lr: float | Sequence[float] | None = None,
    lr_generator: float | Sequence[float] | None = None,
    clip: float | Sequence[float] | None = None,
    gp_weight: float | None = None,
    lr_decay: bool = False,
    eval_every: int = 0,
    evaluate: Callable | Sequence[Callable] | None = None,
    n_eval: int = 2500,
    n_snapshot: int = 0,
    stop_on_nonfinite: bool = True,
    progress: bool = True,
) -> list[GANHistory]:
    r""":func:`train_gan` for S independent pairs (G_s, f_s) of one MLP architecture, at once.

    Model s is trained as ``train_gan(generators[s], discriminators[s], data[s], seed=seeds[s],
    lr=lr[s], lr_generator=lr_generator[s], clip=clip[s], ...)`` would train it (the same
    minibatches, latent draws and updates, up to floating-point rounding), but every layer of
    the S networks runs as one batched matrix product: on a GPU, small networks trained one
    after another leave the device idle, and on a CPU the per-operation overhead is paid once
    instead of S times. ``data``, ``lr``, ``lr_generator``, ``clip`` and ``evaluate`` take one
    value for all models or a sequence of one per model (``evaluate``: None for a model that
    records no metric); the other arguments are shared. The S models' parameters and optimiser
    states are stacked (one tensor per layer), so a step costs a fixed number of tensor
    operations whatever S; the trained parameters are copied back into the modules at the end.
    Returns one :class:`GANHistory` per model; its ``seconds`` is the batch's wall time divided
    by S. A non-finite loss stops training with a message naming the model; with
    ``stop_on_nonfinite=False`` that model's parameters turn NaN while the others train on
    unaffected (for sweeps, where a learning rate too large is a result).

    The step is :func:`gencourse.gan._step.alternating_step`, the one :func:`train_gan` runs.
    """
    common = _common(recipe, n_steps, batch_size, n_critic, gp_weight, eval_every, n_eval,
                     n_snapshot)  # fmt: skip
    gens, discs = _check_models(generators, discriminators, recipe)
    n_models, device = len(gens), module_device(gens[0])
    seeds = list(seeds)
    if len(seeds) != n_models:
        raise ValueError(f"seeds must hold one seed per model ({n_models}), got {len(seeds)}")
    if isinstance(data, torch.Tensor):
        data = [data] * n_models
    if len(data) != n_models:
        raise ValueError(f"data must be one tensor or one per model ({n_models}), got {len(data)}")
    datas = [as_points(x, "data", dim=gens[0].dim, min_points=2).to(device) for x in data]
    lr_d = _per_model(lr, "lr", n_models, common.recipe.lr)
    lr_g = lr_d if lr_generator is None else _per_model(lr_generator, "lr_generator", n_models, 0)
    clips = _per_model(clip, "clip", n_models, common.recipe.clip)
    evaluates = list(evaluate) if isinstance(evaluate, (list, tuple)) else [evaluate] * n_models
    if len(evaluates) != n_models or not all(e is None or callable(e) for e in evaluates):
        raise TypeError(
            "evaluate must be a callable, or a sequence of one callable (or None) per model"
        )
    players = _StackedPairs(gens, discs, datas, common, seeds=seeds, lr=(lr_d, lr_g),
                            clips=clips, lr_decay=lr_decay, evaluates=evaluates,
                            stop_on_nonfinite=stop_on_nonfinite)  # fmt: skip
    seconds = run(
        players,
        common.recipe,
        n_critic=common.n_critic,
        gp_weight=common.gp_weight,
        n_steps=common.n_steps,
        eval_every=common.eval_every,
        recording=any(e is not None for e in evaluates) or common.n_snapshot > 0,
        progress=progress,
        desc=f"train {n_models}× {recipe}",
    )
    players.G.write_back()
    players.D.write_back()
    for generator, discriminator, history in zip(gens, discs, players.histories):
        generator.eval()  # as train_gan leaves them
        discriminator.train()
        history.seconds = seconds / n_models
    return players.histories


def _check_models(
    generators: Sequence[MLPGenerator], discriminators: Sequence[MLPDiscriminator], recipe: str
) -> tuple[list[MLPGenerator], list[MLPDiscriminator]]:
    gens, discs = list(generators), list(discriminators)
    if not gens or len(gens) != len(discs):
        raise ValueError(
            f"generators and discriminators must be non-empty and of equal length, got "
            f"{len(gens)} and {len(discs)}"
        )
    if not all(isinstance(g, MLPGenerator) for g in gens):
        raise TypeError("generators must all be MLPGenerator (use train_gan for other models)")
    if not all(isinstance(d, MLPDiscriminator) for d in discs):
        raise TypeError("discriminators must all be MLPDiscriminator (use train_gan otherwise)")
    if RECIPES[recipe].spectral_norm and not all(d.spectral_norm for d in discs):
        raise ValueError(f"recipe {recipe!r} needs discriminators built with spectral_norm=True")
    device = module_device(gens[0])
    if any(module_device(m) != device for m in gens + discs):
        raise ValueError(f"every generator and discriminator must be on {device}")
    return gens, discs


def _per_model(
    value: float | Sequence[float] | None, name: str, n_models: int, default: float | None
) -> list[float | None]:
    """``value`` (a number, a sequence of one number per model, or None for ``default``) as a
    list of ``n_models`` positive floats (or Nones)."""
    if value is None:
        return [default] * n_models
    if isinstance(value, (list, tuple)):
        if len(value) != n_models:
            raise ValueError(
                f"{name} must hold one value per model ({n_models}), got {len(value)}"
            )
        return [check_positive_float(v, name) for v in value]
    return [check_positive_float(value, name)] * n_models


class _StackedPairs:
    """S pairs as stacked networks (:class:`_StackedMLP`) with stacked optimisers: the
    :class:`gencourse.gan._step.Players` of :func:`train_gans`. Pair s draws its minibatches,
    latent points and interpolation weights from its own random generator, in the order
    :func:`train_gan` draws them, so that each pair is trained as it would be alone."""

    def __init__(
        self,
        gens: list[MLPGenerator],
        discs: list[MLPDiscriminator],
        datas: list[torch.Tensor],
        common: _Common,
        *,
        seeds: list[int],
        lr: tuple[list[float], list[float]],
        clips: list[float | None],
        lr_decay: bool,
        evaluates: list[Callable | None],
        stop_on_nonfinite: bool,
    ) -> None:
        self.gens, self.datas, self.common, self.evaluates = gens, datas, common, evaluates
        self.rngs = [make_generator(seed) for seed in seeds]
        self.device = module_device(gens[0])
        self.G = _StackedMLP([g.net for g in gens], "generators")
        self.D = _StackedMLP([d.net for d in discs], "discriminators")
        as_tensor = lambda values: torch.tensor(values, dtype=torch.float32, device=self.device)  # noqa: E731
        recipe = common.recipe
        self.opt_d = _StackedOptimizer(recipe.optimizer, self.D.parameters(), as_tensor(lr[0]),
                                       recipe.betas)  # fmt: skip
        self.opt_g = _StackedOptimizer(recipe.optimizer, self.G.parameters(), as_tensor(lr[1]),
                                       recipe.betas)  # fmt: skip
        self.lr_g = lr[1]
        self.clip_bound = None if clips[0] is None else as_tensor(clips)
        self.lr_decay, self.stop_on_nonfinite = lr_decay, stop_on_nonfinite
        self.histories = [GANHistory(recipe=common.name) for _ in gens]
        self.step, self.factor = 0, 1.0  # factor: the linear decay's, train_gan's LambdaLR

    def _latent(self, n: int, draw: Sequence[bool] | None = None) -> torch.Tensor:
        # (S, n, D), z ~ Q, pair s from its own generator; zeros (no draw) where draw[s] is False
        shape = (n, self.gens[0].latent_dim)
        draw = [True] * len(self.rngs) if draw is None else draw
        z = [torch.randn(shape, generator=rng) if d else torch.zeros(shape)
             for d, rng in zip(draw, self.rngs)]  # fmt: skip
        return torch.stack(z).to(self.device)

    def real(self) -> torch.Tensor:  # (S, B, d): pair s draws from its own data and generator
        size = (self.common.batch_size,)
        return torch.stack(
            [
                x[torch.randint(0, x.shape[0], size, generator=rng).to(self.device)]
                for x, rng in zip(self.datas, self.rngs)
            ]
        )

    def fake(self) -> torch.Tensor:
        return self.G(self._latent(self.common.batch_size))

    def critic(self, x: torch.Tensor) -> torch.Tensor:
        return self.D(x).squeeze(-1)

    def penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        # t ~ U[0, 1] per pair of points, from each pair's generator
        t = torch.stack([torch.rand(real.shape[1], 1, generator=rng) for rng in self.rngs])
        return _gradient_penalty(self.critic, real, fake, t.to(self.device, real.dtype))

    def _check(self, loss: torch.Tensor, who: str) -> None:
        if not self.stop_on_nonfinite:
            return
        bad = (~torch.isfinite(loss)).nonzero()
        if len(bad):
            raise RuntimeError(
                f"non-finite {who} loss at step {self.step} (model {int(bad[0])}): "
                "lower the learning rate"
            )

    def update_critic(self, loss: torch.Tensor) -> None:
        self._check(loss, "discriminator")
        self.opt_d.zero_grad()
        loss.sum().backward()  # slice s of each tensor gets the gradient of pair s's loss
        self.opt_d.step(self.factor)
        if self.clip_bound is not None:  # wgan-clip: w_s ← clip(w_s, −δ_s, δ_s)
            _clip_weights(self.D.parameters(), self.clip_bound)

    def update_generator(self, loss: torch.Tensor) -> None:
        self._check(loss, "generator")
        self.opt_g.zero_grad()
        loss.sum().backward()
        self.opt_g.step(self.factor)

    def end_step(self, values: list[list[float]]) -> None:
        for s, history in enumerate(self.histories):
            history.d_loss.append(values[0][s])
            history.g_loss.append(values[1][s])
            history.gap.append(values[2][s])
            history.lr.append(self.lr_g[s] * self.factor)
        if self.lr_decay:
            self.factor = 1 - self.step / self.common.n_steps

    def record(self, step: int) -> None:  # as train_gan's: evaluate, then snapshot, from each rng
        evaluated = [e is not None for e in self.evaluates]  # a pair with no metric draws nothing
        n_eval, n_snapshot = self.common.n_eval, self.common.n_snapshot
        with torch.no_grad():
            samples = self.G(self._latent(n_eval, evaluated)) if any(evaluated) else None
            snapshots = self.G(self._latent(n_snapshot)).cpu() if n_snapshot else None
        for s, (history, evaluate) in enumerate(zip(self.histories, self.evaluates)):
            if evaluate is not None:
                for name, value in evaluate(samples[s]).items():
                    history.metrics.setdefault(name, []).append(float(value))
            if n_snapshot:
                history.snapshots[step] = snapshots[s]
            if evaluate is not None or n_snapshot:
                history.eval_steps.append(step)
