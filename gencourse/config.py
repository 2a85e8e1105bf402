"""Run-time settings shared by every chapter: the device, seeding and the compute budget.

The compute budget is the *one* setting that decides how much work a chapter does:

* ``quick``: few training steps and small samples, so that CI can execute every chapter
  on a 2-core CPU;
* ``full``: the budget of the published book and of a student's run on Colab.

It is read from the environment variable ``GENCOURSE_BUDGET`` (default ``full``), so the
same chapter source serves both. Chapters never invent their own switch: they call
:func:`by_budget`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import torch

if TYPE_CHECKING:
    from tqdm.auto import tqdm

__all__ = ["BUDGETS", "budget", "by_budget", "device", "manual_seed", "progress_bar"]

T = TypeVar("T")

BUDGETS = ("quick", "full")
_BUDGET_VARIABLE = "GENCOURSE_BUDGET"
_DEVICE_VARIABLE = "GENCOURSE_DEVICE"


def budget() -> str:
    """The compute budget in force: ``"quick"`` or ``"full"`` (from ``GENCOURSE_BUDGET``)."""
    value = os.environ.get(_BUDGET_VARIABLE, "full").strip().lower() or "full"
    if value not in BUDGETS:
        raise ValueError(
            f"{_BUDGET_VARIABLE} must be one of {BUDGETS}, got {os.environ[_BUDGET_VARIABLE]!r}"
        )
    return value


def by_budget(*, quick: T, full: T) -> T:
    """Return ``quick`` under the quick budget and ``full`` under the full one.

    Example: ``n_steps = by_budget(quick=200, full=5000)``.
    """
    return quick if budget() == "quick" else full


def device() -> torch.device:
    """The device models and trainers default to.

    CUDA when it is available, else the CPU. The environment variable ``GENCOURSE_DEVICE``
    (e.g. ``cpu``, ``cuda:1``, ``mps``) forces another choice.
    """
    forced = os.environ.get(_DEVICE_VARIABLE, "").strip()
    if forced:
        try:
            return torch.device(forced)
        except RuntimeError as error:
            raise ValueError(
                f"{_DEVICE_VARIABLE} must name a torch device such as 'cpu' or 'cuda', "
                f"got {forced!r}"
            ) from error
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def manual_seed(seed: int) -> torch.Generator:
    """Seed Python's, NumPy's and torch's global generators (CPU and CUDA).

    Returns a fresh CPU :class:`torch.Generator` seeded with ``seed`` for code that prefers an
    explicit generator. On the CPU, runs seeded this way are reproducible.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed must lie in [0, 2**63), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (seeding the legacy global generator is the point)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def progress_bar(iterable: Iterable[T], *, desc: str, enabled: bool = True, **kwargs: Any) -> tqdm:
    """A tqdm.auto progress bar (a widget in Jupyter and Colab, text in a terminal).

    ``GENCOURSE_PROGRESS=0`` switches every bar off: automated executions (the book build, nbval)
    set it, since a bar's frequent widget updates only flood the kernel's message channel there.
    """
    from tqdm.auto import tqdm  # imported when a bar is made: tqdm.auto probes for Jupyter

    off = os.environ.get("GENCOURSE_PROGRESS", "1").strip() == "0"
    return tqdm(iterable, desc=desc, disable=off or not enabled, mininterval=0.5, **kwargs)
