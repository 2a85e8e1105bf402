r"""One training loop for every model trained by minimising one loss.

Flows (maximum likelihood), energy-based models (persistent contrastive divergence), the
moment-matching generator, a discriminator between two fixed samples, a neural critic and the
digits classifier all minimise *one* loss L(θ) by minibatch stochastic gradient descent. They
differ only in that loss; :func:`fit` owns the rest, once:

* the optimiser (Adam, AdamW or RMSprop, from :func:`make_optimizer`, the package's one
  optimiser factory) and its settings, optional gradient clipping;
* the randomness: one ``seed`` (an int or a :class:`torch.Generator`) drives every draw, so a
  seed reproduces a run exactly;
* the minibatches: drawn with replacement (``sampling="replacement"``) or by passes over a
  shuffled data set (``sampling="epochs"``), with an optional ``transform`` of each batch
  (dequantization, data augmentation);
* a stop with a clear message when the loss stops being finite;
* an evaluation every ``eval_every`` steps, optionally keeping the best parameters;
* a hook after each step (for instance weight clipping), a progress bar and one
  :class:`History`.

The alternating GAN game (:func:`gencourse.gan.train_gan`) optimises two losses and keeps its own
loop, the slides' algorithm.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from ._checks import check_positive_float, check_positive_int, make_generator
from .config import progress_bar

__all__ = ["History", "NonFiniteLossError", "OptimizerSpec", "fit", "make_optimizer", "minibatch"]

#: What a loss function returns: the loss, or the loss and other values to record at each step.
LossValue = torch.Tensor | tuple[torch.Tensor, dict[str, torch.Tensor | float]]


@dataclass
class History:
    """The records of a training run.

    Attributes:
        loss: the minimised (minibatch) loss at every step.
        values: the other values the loss function reported at every step, by name.
        eval_steps: the steps (counted from 1) after which ``evaluate`` ran.
        metrics: ``evaluate``'s values at those steps, by name.
        best_step: with ``keep_best``, the evaluation step whose parameters were restored.
        seconds: the duration of the training loop.

    A recorded value is also an attribute: ``history.valid_nll`` is
    ``history.metrics["valid_nll"]`` and ``history.energy_data`` is
    ``history.values["energy_data"]``.

    Example:
        >>> history = History(loss=[2.0, 1.5], values={"gap": [0.1, 0.2]})
        >>> history.gap
        [0.1, 0.2]
    """

    loss: list[float] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)
    eval_steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    best_step: int | None = None
    seconds: float = 0.0

    def __getattr__(self, name: str) -> list[float]:
        # Only called when normal lookup fails; never for the fields themselves (copy, pickle).
        if name.startswith("__") or name in ("values", "metrics"):
            raise AttributeError(name)
        for table in (self.values, self.metrics):
            if name in table:
                return table[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r} (recorded values: "
            f"{sorted(self.values)}, metrics: {sorted(self.metrics)})"
        )


class NonFiniteLossError(RuntimeError):
    """:func:`fit` stopped: the minibatch loss was not finite (NaN or ±inf).

    ``step``: the number of optimiser steps taken before it (the failing step's index, from 0);
    ``history``: the :class:`History` of those steps. The model keeps the parameters whose loss
    was not finite (those after ``step`` updates; the failing step takes none).
    """

    def __init__(self, message: str, step: int, history: History) -> None:
        super().__init__(message)
        self.step, self.history = step, history


def minibatch(
    x: torch.Tensor, batch_size: int, *, seed: int | torch.Generator | None = None
) -> torch.Tensor:
    """``batch_size`` rows of ``x`` drawn uniformly with replacement.

    The indices are drawn on the generator's device (the CPU for an int ``seed``), then moved to
    ``x``'s device, so a seed draws the same rows on every machine.

    Example:
        >>> x = torch.arange(10.0).reshape(5, 2)
        >>> minibatch(x, 3, seed=0).shape
        torch.Size([3, 2])
    """
    if not isinstance(x, torch.Tensor) or x.ndim == 0 or x.shape[0] == 0:
        raise ValueError("x must be a tensor with at least one row")
    batch_size = check_positive_int(batch_size, "batch_size")
    return x[_indices(x.shape[0], batch_size, make_generator(seed)).to(x.device)]


def _indices(n: int, size: int, rng: torch.Generator | None) -> torch.Tensor:
    return torch.randint(0, n, (size,), generator=rng, device=_rng_device(rng))


def _rng_device(rng: torch.Generator | None) -> torch.device:
    return torch.device("cpu") if rng is None else rng.device


def _as_tuple(data: torch.Tensor | Sequence[torch.Tensor] | None) -> tuple[torch.Tensor, ...]:
    if data is None:
        return ()
    tensors = (data,) if isinstance(data, torch.Tensor) else tuple(data)
    if not tensors:
        raise ValueError("data must be a tensor, a non-empty sequence of tensors, or None")
    for k, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"data[{k}] must be a torch.Tensor, got {type(t).__name__}")
        if t.ndim == 0 or t.shape[0] == 0:
            raise ValueError(f"data[{k}] must hold at least one row, got shape {tuple(t.shape)}")
    return tensors


_OPTIMIZERS = ("adam", "adamw", "rmsprop")

#: An optimiser by name, or a callable that builds one from the parameters.
OptimizerSpec = str | Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]


def make_optimizer(
    optimizer: OptimizerSpec,
    parameters: Iterable[nn.Parameter],
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
) -> torch.optim.Optimizer:
    """The package's one optimiser factory: torch's Adam, AdamW or RMSprop by name.

    Arguments:
        optimizer: ``"adam"`` (:class:`torch.optim.Adam`), ``"adamw"``
            (:class:`torch.optim.AdamW`), ``"rmsprop"`` (:class:`torch.optim.RMSprop`, torch's
            α = 0.99), or a callable that builds an optimiser from ``parameters`` (then ``lr``,
            ``betas`` and ``weight_decay`` are its business).
        parameters: the parameters θ to optimise (or torch's parameter groups).
        lr: the learning rate η > 0.
        betas: Adam's and AdamW's decay rates of the moment estimates (unused by RMSprop).
        weight_decay: the L2 penalty (Adam, RMSprop) or decoupled decay (AdamW), ≥ 0.

    Example:
        >>> layer = nn.Linear(2, 1)
        >>> make_optimizer("rmsprop", layer.parameters(), lr=0.01)  # doctest: +ELLIPSIS
        RMSprop (...
    """
    if callable(optimizer):
        made = optimizer(parameters)
        if not isinstance(made, torch.optim.Optimizer):
            raise TypeError(f"optimizer must return a torch.optim.Optimizer, got {type(made)}")
        return made
    lr = check_positive_float(lr, "lr")
    weight_decay = _check_weight_decay(weight_decay)
    if optimizer == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=betas, weight_decay=weight_decay)
    if optimizer == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, betas=betas, weight_decay=weight_decay)
    if optimizer == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, weight_decay=weight_decay)
    raise ValueError(
        f"optimizer must be one of {_OPTIMIZERS} or a callable parameters -> Optimizer, "
        f"got {optimizer!r}"
    )


def _check_weight_decay(weight_decay: float) -> float:
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)):
        raise TypeError(f"weight_decay must be a number, got {type(weight_decay).__name__}")
    if not 0 <= weight_decay < math.inf:
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
    return float(weight_decay)


class _Batches:
    """The minibatches of :func:`fit`: one index per step for the joint data (rows of one data
    set), one per tensor for independent samples; with replacement, or by shuffled passes."""

    def __init__(
        self,
        data: tuple[torch.Tensor, ...],
        batch_size: int,
        joint: bool,
        sampling: str,
        rng: torch.Generator | None,
    ) -> None:
        self.data, self.batch_size, self.joint, self.rng = data, batch_size, joint, rng
        self.epochs = sampling == "epochs"
        self.pending: list[torch.Tensor] = []

    def __len__(self) -> int:
        """Batches per pass over the data (epochs only)."""
        return math.ceil(self.data[0].shape[0] / self.batch_size)

    def _next_index(self, n: int) -> torch.Tensor:
        if not self.epochs:
            return _indices(n, self.batch_size, self.rng)
        if not self.pending:  # a new pass: a fresh permutation, cut into batches
            order = torch.randperm(n, generator=self.rng, device=_rng_device(self.rng))
            self.pending = list(torch.split(order, self.batch_size))
        return self.pending.pop(0)

    def next(self) -> tuple[torch.Tensor, ...]:
        if self.joint:
            index = self._next_index(self.data[0].shape[0])
            return tuple(t[index.to(t.device)] for t in self.data)
        return tuple(t[self._next_index(t.shape[0]).to(t.device)] for t in self.data)


def fit(
    model: nn.Module,
    loss: Callable[..., LossValue],
    data: torch.Tensor | Sequence[torch.Tensor] | None = None,
    *,
    n_steps: int,
    batch_size: int = 256,
    joint: bool = True,
    sampling: str = "replacement",
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    optimizer: OptimizerSpec = "adam",
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    max_grad_norm: float | None = None,
    after_step: Callable[[], None] | None = None,
    evaluate: Callable[[], dict[str, float]] | None = None,
    eval_every: int | None = None,
    keep_best: str | None = None,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
    desc: str = "training",
    name: str = "loss",
    hint: str = "lower the learning rate lr",
    history: History | None = None,
) -> History:
    r"""Minimise a loss L(θ) over ``model``'s parameters θ by minibatch gradient descent.

    Each of the ``n_steps`` steps draws a minibatch B of ``data``, computes L_B(θ) =
    ``loss(*B)`` and takes one optimiser step θ ← θ − η · update(∇_θ L_B(θ)). Without ``data``
    the loss is called with no argument and draws what it needs itself (with the same generator,
    see ``seed``).

    Arguments:
        model: the module whose parameters θ are trained; put in training mode first.
        loss: the loss of one minibatch, a scalar tensor, or ``(loss, {name: value})`` to also
            record other values at every step (in ``history.values``).
        data: a tensor ``(n, ...)`` or a sequence of tensors. With ``joint=True`` they are the
            columns of one data set (points and their labels: one index draws a row of each);
            with ``joint=False`` independent samples (a two-sample loss: one index per tensor,
            drawn in order).
        n_steps: the number of optimiser steps.
        batch_size: the rows per minibatch (the last batch of a pass may be smaller).
        sampling: ``"replacement"`` (rows drawn uniformly with replacement) or ``"epochs"``
            (shuffled passes over the data set, a new permutation each pass; joint data only).
        transform: applied to the minibatch of the first tensor (the points) before the loss,
            e.g. dequantization or data augmentation.
        optimizer: ``"adam"``, ``"adamw"``, ``"rmsprop"``, or a callable that builds an optimiser
            from the parameters (then ``lr``, ``betas`` and ``weight_decay`` are its business).
        lr, betas, weight_decay: the optimiser's settings (``betas`` for Adam and AdamW).
        max_grad_norm: clip the gradients' global norm to this value before each step
            (``None``: no clipping).
        after_step: called after each optimiser step, e.g. to clip weights to [−δ, δ].
        evaluate: returns ``{name: value}`` (run without gradients), called after every
            ``eval_every`` steps and after the last one; recorded in ``history.metrics``.
        eval_every: the evaluation period in steps (``None``: after the last step only).
        keep_best: the name of a metric of ``evaluate`` to minimise: the parameters of the
            evaluation where it was lowest are restored at the end (early stopping: evaluate on a
            validation split, not on the test set).
        seed: an int (a fresh CPU generator seeded with it), a :class:`torch.Generator` (used, and
            advanced, as it is: pass the same one to the loss to share one stream of random
            numbers) or ``None`` (torch's global generator). It draws the minibatches.
        progress: show a progress bar (``GENCOURSE_PROGRESS=0`` hides every bar).
        desc: the progress bar's label.
        name, hint: the non-finite stop's message reads
            "non-finite {name} at step {step}: the value is {value}; {hint}".
        history: a :class:`History` (or subclass) to fill; a new one by default.

    Returns:
        The :class:`History` of the run.

    Raises:
        NonFiniteLossError: a ``RuntimeError``, when the loss is not finite (the parameters are
            those before the step; ``step`` and ``history`` say when).

    Example:
        Least squares for the mean of a sample: L(θ) = mean_B ‖x − θ‖².

        >>> x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0)) + 3.0
        >>> mean = nn.Linear(1, 2, bias=False)
        >>> history = fit(mean, lambda b: (b - mean.weight.T).square().sum(1).mean(), x,
        ...               n_steps=300, lr=0.1, progress=False)
        >>> torch.allclose(mean.weight.detach().T, x.mean(0), atol=0.2)
        True
    """
    tensors, n_steps, batch_size, max_grad_norm, eval_every = _check_fit_arguments(
        model,
        loss,
        data,
        n_steps=n_steps,
        batch_size=batch_size,
        joint=joint,
        sampling=sampling,
        transform=transform,
        after_step=after_step,
        lr=lr,
        weight_decay=weight_decay,
        max_grad_norm=max_grad_norm,
        evaluate=evaluate,
        eval_every=eval_every,
        keep_best=keep_best,
    )
    rng = make_generator(seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    if not parameters:
        raise ValueError("model has no trainable parameters")
    opt = make_optimizer(optimizer, parameters, lr=lr, betas=betas, weight_decay=weight_decay)
    history = History() if history is None else history
    batches = _Batches(tensors, batch_size, joint, sampling, rng) if tensors else None
    best_state: dict[str, torch.Tensor] | None = None

    model.train()
    start = time.perf_counter()
    bar = progress_bar(range(n_steps), desc=desc, enabled=progress)
    for step in bar:
        value, extra = _minibatch_loss(loss, batches, transform)
        if not torch.isfinite(value):
            raise NonFiniteLossError(
                f"non-finite {name} at step {step}: the value is {float(value.detach())}; {hint}",
                step,
                history,
            )
        opt.zero_grad()
        value.backward()
        if max_grad_norm is not None:
            nn.utils.clip_grad_norm_(parameters, max_grad_norm)
        opt.step()
        if after_step is not None:
            after_step()
        _record_step(history, value, extra)
        if evaluate is not None and ((step + 1) % eval_every == 0 or step + 1 == n_steps):
            if _record_evaluation(history, evaluate, step + 1, keep_best):
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in history.metrics.items()})
        elif step % 50 == 0:
            bar.set_postfix({name: f"{history.loss[-1]:.4g}"})
    history.seconds = time.perf_counter() - start
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def _check_fit_arguments(
    model: nn.Module,
    loss: Callable[..., LossValue],
    data: torch.Tensor | Sequence[torch.Tensor] | None,
    *,
    n_steps: int,
    batch_size: int,
    joint: bool,
    sampling: str,
    transform: Callable[[torch.Tensor], torch.Tensor] | None,
    after_step: Callable[[], None] | None,
    lr: float,
    weight_decay: float,
    max_grad_norm: float | None,
    evaluate: Callable[[], dict[str, float]] | None,
    eval_every: int | None,
    keep_best: str | None,
) -> tuple[tuple[torch.Tensor, ...], int, int, float | None, int]:
    """:func:`fit`'s argument checks; returns the data as a tuple of tensors, ``n_steps``,
    ``batch_size``, ``max_grad_norm`` and ``eval_every`` (``n_steps`` for ``None``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}")
    tensors = _as_tuple(data)
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    if sampling not in ("replacement", "epochs"):
        raise ValueError(f"sampling must be 'replacement' or 'epochs', got {sampling!r}")
    if tensors and joint and len({t.shape[0] for t in tensors}) != 1:
        raise ValueError(
            f"joint data must have the same number of rows, got {[t.shape[0] for t in tensors]}"
        )
    if sampling == "epochs" and not (tensors and joint):
        raise ValueError("sampling='epochs' needs joint data (one data set to pass over)")
    for hook, label in ((transform, "transform"), (after_step, "after_step")):
        if hook is not None and not callable(hook):
            raise TypeError(f"{label} must be callable or None, got {type(hook).__name__}")
    if transform is not None and not tensors:
        raise ValueError("transform needs data: it is applied to the minibatches of data")
    check_positive_float(lr, "lr")
    _check_weight_decay(weight_decay)
    if max_grad_norm is not None:
        max_grad_norm = check_positive_float(max_grad_norm, "max_grad_norm")
    if evaluate is not None and not callable(evaluate):
        raise TypeError(f"evaluate must be callable or None, got {type(evaluate).__name__}")
    eval_every = n_steps if eval_every is None else check_positive_int(eval_every, "eval_every")
    if keep_best is not None and evaluate is None:
        raise ValueError(f"keep_best={keep_best!r} needs an evaluate function to choose with")
    return tensors, n_steps, batch_size, max_grad_norm, eval_every


def _minibatch_loss(
    loss: Callable[..., LossValue],
    batches: _Batches | None,
    transform: Callable[[torch.Tensor], torch.Tensor] | None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor | float]]:
    """L_B(θ) = ``loss(*B)`` on the next minibatch B (``loss()`` without data), and the other
    values it reports (``{}`` when it returns the loss alone)."""
    if batches is None:
        out = loss()
    else:
        batch = batches.next()
        if transform is not None:
            batch = (transform(batch[0]), *batch[1:])
        out = loss(*batch)
    return out if isinstance(out, tuple) else (out, {})


def _record_step(
    history: History, value: torch.Tensor, extra: dict[str, torch.Tensor | float]
) -> None:
    """Append a step's loss and its other reported values to ``history``."""
    history.loss.append(float(value.detach()))
    for key, v in extra.items():
        history.values.setdefault(key, []).append(float(torch.as_tensor(v).detach()))


def _record_evaluation(
    history: History,
    evaluate: Callable[[], dict[str, float]],
    steps_done: int,
    keep_best: str | None,
) -> bool:
    """Run ``evaluate`` without gradients after ``steps_done`` steps and record its values;
    True when ``keep_best``'s metric is at its lowest so far (the parameters to keep)."""
    history.eval_steps.append(steps_done)
    with torch.no_grad():
        measured = evaluate()
    for key, v in measured.items():
        history.metrics.setdefault(key, []).append(float(v))
    if keep_best is None:
        return False
    if keep_best not in history.metrics:
        raise KeyError(f"keep_best={keep_best!r} is not a metric of evaluate")
    scores = history.metrics[keep_best]
    if scores[-1] <= min(scores):
        history.best_step = steps_done
        return True
    return False
