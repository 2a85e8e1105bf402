"""A grid of independent GAN runs (recipes × benchmarks × seeds × clipping bounds), trained in
one call: :func:`train_grid`.

The runs of one recipe form one job: :func:`gencourse.gan.train_gans` trains them together
when the models are MLPs (one batched network), :func:`gencourse.gan.train_gan` one after
another otherwise. :func:`gencourse.parallel.map_jobs` runs the jobs side by side on a CPU (one
worker process per core) and one after another on a GPU; the trained weights come back from the
workers as state dicts and are loaded into fresh modules here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
from torch import nn

from .._checks import as_points
from ..config import resolve_device
from ..parallel import map_jobs
from ._batched import train_gans
from ._models import MLPDiscriminator, MLPGenerator
from ._recipes import RECIPES, TOY_SETTINGS, toy_models
from ._train import GANHistory, train_gan

Models = Callable[..., tuple[nn.Module, nn.Module]]  # models(recipe, device=...) -> (G, f)


class RunKey(NamedTuple):
    """One run of a grid: its recipe, its benchmark (a name of the data), its seed (the models'
    initialisation, the minibatches and the latent draws) and, for a recipe that clips the
    critic's weights (``wgan-clip``), the bound δ (``None`` for the others)."""

    recipe: str
    benchmark: str
    seed: int
    clip: float | None = None


@dataclass
class Run:
    """A trained run: its :class:`GANHistory`, its generator G_θ and critic f_w (``None`` with
    ``keep_models=False``) and what ``summary`` returned for it (``None`` without)."""

    history: GANHistory
    generator: nn.Module | None = None
    critic: nn.Module | None = None
    summary: Any = None


def grid(
    recipes: Iterable[str],
    benchmarks: Iterable[str],
    seeds: Iterable[int],
    *,
    clips: Iterable[float] | None = None,
) -> list[RunKey]:
    """The keys of recipes × benchmarks × seeds (× clipping bounds), recipe by recipe, then
    benchmark by benchmark, then seed by seed.

    A recipe that clips its critic's weights runs once per bound of ``clips`` (default: its
    paper's δ); the others have no bound.

    Example:
        >>> [tuple(key) for key in grid(["gan", "wgan-clip"], ["ring"], [0, 1])]
        [('gan', 'ring', 0, None), ('gan', 'ring', 1, None), ('wgan-clip', 'ring', 0, 0.01), ('wgan-clip', 'ring', 1, 0.01)]
    """  # noqa: E501
    recipes, benchmarks, seeds = list(recipes), list(benchmarks), list(seeds)
    for recipe in recipes:
        if recipe not in RECIPES:
            raise ValueError(f"recipes: each must be one of {sorted(RECIPES)}, got {recipe!r}")
    keys = []
    for recipe in recipes:
        default = RECIPES[recipe].clip
        bounds = [None] if default is None else list(clips) if clips is not None else [default]
        keys += [RunKey(recipe, name, seed, clip)
                 for name in benchmarks for seed in seeds for clip in bounds]  # fmt: skip
    return keys


def train_grid(
    keys: Sequence[RunKey],
    data: Mapping[str, torch.Tensor],
    *,
    n_steps: int | Mapping[str, int],
    batch_size: int | Mapping[str, int],
    settings: Mapping[str, Mapping[str, Any]] = TOY_SETTINGS,
    models: Models = toy_models,
    evaluate: Callable[[RunKey], Callable | None] | None = None,
    eval_every: int = 0,
    summary: Callable[[RunKey, Run], Any] | None = None,
    keep_models: bool = True,
    device: torch.device | str | None = None,
) -> dict[RunKey, Run]:
    """Train every run of ``keys`` (see :func:`grid`) on ``data[key.benchmark]`` and return the
    trained runs under their keys.

    Run ``key`` trains ``models(key.recipe, device=device)``, built after
    ``torch.manual_seed(key.seed)`` (so every recipe and bound of a seed starts from the same
    generator), for ``n_steps`` generator steps on minibatches of ``batch_size`` (each an int,
    or a mapping from a benchmark's name to its own budget), with
    ``settings[key.recipe]`` (learning rate, decay, penalty weight: the keywords of
    :func:`train_gan`), ``seed=key.seed`` and ``clip=key.clip``; ``evaluate(key)`` is its
    ``evaluate`` (or None) every ``eval_every`` steps. ``summary(key, run)``, if given, runs
    where the run trained and its result is kept in ``Run.summary`` (for what must be computed
    before the models travel, or instead of keeping them: ``keep_models=False``).

    The runs of one recipe with one budget are one job, and the jobs run in the order in which
    they first appear in ``keys``, side by side on a CPU (:func:`gencourse.parallel.map_jobs`:
    put the longest first). The result keeps that order: job by job, each job's keys in their
    order. The runs of a job are trained as :func:`train_gan` would train each alone.
    """
    keys = [RunKey(*key) for key in keys]
    if not keys:
        raise ValueError("keys must hold at least one run")
    for key in keys:
        if key.recipe not in RECIPES:
            raise ValueError(f"keys: recipe must be one of {sorted(RECIPES)}, got {key.recipe!r}")
        if key.benchmark not in data:
            raise ValueError(
                f"keys: benchmark {key.benchmark!r} is not a name of data {list(data)}"
            )
        if key.recipe not in settings:
            raise ValueError(f"settings has no entry for recipe {key.recipe!r}")
    data = {name: as_points(x, f"data[{name!r}]", min_points=2) for name, x in data.items()}
    steps_of = _per_benchmark(n_steps, "n_steps", keys)
    batch_of = _per_benchmark(batch_size, "batch_size", keys)
    device = resolve_device(device)
    jobs = []
    budget = {key: (key.recipe, steps_of[key.benchmark], batch_of[key.benchmark]) for key in keys}
    for recipe, steps, batch in dict.fromkeys(budget.values()):  # first appearance
        job_keys = [key for key in keys if budget[key] == (recipe, steps, batch)]
        jobs.append(_Job(recipe, job_keys, {k.benchmark: data[k.benchmark] for k in job_keys},
                         steps, batch, dict(settings[recipe]), models,
                         [None if evaluate is None else evaluate(key) for key in job_keys],
                         eval_every, summary, keep_models, device))  # fmt: skip
    runs = {}
    for job, results in zip(jobs, map_jobs(_train_job, jobs)):
        for key, (weights, history, summarised) in zip(job.keys, results):
            run = Run(history=history, summary=summarised)
            if keep_models:  # fresh modules, with the weights trained where the job ran
                run.generator, run.critic = models(key.recipe, device=device)
                run.generator.load_state_dict(weights[0])
                run.critic.load_state_dict(weights[1])
            runs[key] = run
    return runs


def _per_benchmark(
    value: int | Mapping[str, int], name: str, keys: Sequence[RunKey]
) -> dict[str, int]:
    """``value`` for every benchmark of ``keys``: the same int, or each one's from a mapping."""
    benchmarks = dict.fromkeys(key.benchmark for key in keys)
    if isinstance(value, Mapping):
        missing = [b for b in benchmarks if b not in value]
        if missing:
            raise ValueError(f"{name}: no entry for benchmark(s) {missing}")
        values = {b: value[b] for b in benchmarks}
    else:
        values = dict.fromkeys(benchmarks, value)
    for benchmark, v in values.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(
                f"{name} must be a positive int per benchmark, got {v!r} for {benchmark!r}"
            )
    return values


@dataclass
class _Job:
    """The runs of one recipe: what a worker process needs to train them (it pickles)."""

    recipe: str
    keys: list[RunKey]
    data: dict[str, torch.Tensor]
    n_steps: int
    batch_size: int
    settings: dict[str, Any]
    models: Models
    evaluates: list[Callable | None]
    eval_every: int
    summary: Callable[[RunKey, Run], Any] | None
    keep_models: bool
    device: torch.device


def _train_job(job: _Job) -> list[tuple[tuple[dict, dict] | None, GANHistory, Any]]:
    """Train one job's runs; returns per run its weights (state dicts), history and summary."""
    pairs = []
    for key in job.keys:
        torch.manual_seed(key.seed)  # the same initialisation for every recipe and δ of a seed
        pairs.append(job.models(key.recipe, device=job.device))
    options = dict(recipe=job.recipe, n_steps=job.n_steps, batch_size=job.batch_size,
                   eval_every=job.eval_every, progress=False, **job.settings)  # fmt: skip
    clips = [key.clip for key in job.keys] if RECIPES[job.recipe].clip is not None else None
    batched = all(isinstance(g, MLPGenerator) and isinstance(f, MLPDiscriminator)
                  for g, f in pairs)  # fmt: skip
    if batched:  # one batched network for all the runs of the recipe
        histories = train_gans(
            [g for g, _ in pairs], [f for _, f in pairs],
            [job.data[key.benchmark] for key in job.keys], seeds=[key.seed for key in job.keys],
            clip=clips, evaluate=job.evaluates, **options,
        )  # fmt: skip
    else:  # other architectures (convolutions, batch norm): one run after another
        histories = [
            train_gan(g, f, job.data[key.benchmark], seed=key.seed, evaluate=evaluate,
                      clip=None if clips is None else key.clip, **options)
            for key, (g, f), evaluate in zip(job.keys, pairs, job.evaluates)
        ]  # fmt: skip
    results = []
    for key, (generator, critic), history in zip(job.keys, pairs, histories):
        run = Run(history=history, generator=generator, critic=critic)
        summarised = None if job.summary is None else job.summary(key, run)
        weights = (generator.state_dict(), critic.state_dict()) if job.keep_models else None
        results.append((weights, history, summarised))
    return results
