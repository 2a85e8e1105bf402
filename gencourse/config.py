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

__all__ = [
    "BUDGETS",
    "budget",
    "by_budget",
    "device",
    "manual_seed",
    "progress_bar",
    "resolve_device",
]

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
    (e.g. ``cpu``, ``cuda:1``, ``mps``) forces another choice; a value that names no torch
    device, or a device this machine does not have (``cuda:7`` with one GPU, ``mps`` off a Mac),
    raises a :class:`ValueError` here rather than deep inside torch at the first tensor moved.
    """
    forced = os.environ.get(_DEVICE_VARIABLE, "").strip()
    if forced:
        return _check_available(forced, _DEVICE_VARIABLE)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


_default_device = device  # for resolve_device, whose argument shadows the name


def resolve_device(device: torch.device | str | None = None, name: str = "device") -> torch.device:
    """The device a ``device=`` argument asks for: :func:`device` for ``None``, else the named
    device, checked to exist on this machine.

    The one place where the package turns a ``device`` argument into a :class:`torch.device`, so
    that a missing device is reported, naming the argument and the devices available, before any
    model or sample is built.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
        >>> resolve_device("no-such-device")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: device must name a torch device such as 'cpu' or 'cuda', got 'no-such...' ...
    """
    if device is None:
        return _default_device()
    # an int is a CUDA ordinal, as torch.device(0) reads it; a bool is no device
    if isinstance(device, bool) or not isinstance(device, (torch.device, str, int)):
        raise TypeError(
            f"{name} must be a torch.device, a string such as 'cuda:0', a CUDA ordinal or None, "
            f"got {type(device).__name__}"
        )
    return _check_available(device, name)


def _check_available(value: torch.device | str, name: str) -> torch.device:
    """``value`` as a :class:`torch.device`, or a :class:`ValueError` naming ``name``, the value
    and the devices this machine has."""
    try:
        chosen = torch.device(value)
    except RuntimeError as error:
        raise ValueError(
            f"{name} must name a torch device such as 'cpu' or 'cuda', got {str(value)!r} "
            f"(available here: {', '.join(_available_devices())})"
        ) from error
    count = _device_count(chosen.type)
    if count is not None and not (count > 0 and (chosen.index is None or chosen.index < count)):
        raise ValueError(
            f"{name} names device {str(chosen)!r}, which this machine does not have "
            f"(available here: {', '.join(_available_devices())})"
        )
    return chosen


#: Accelerator backends whose availability torch reports without initialising them.
_ACCELERATORS = ("cuda", "mps", "xpu")


def _device_count(kind: str) -> int | None:
    """How many devices of type ``kind`` this machine has; ``None`` for the always-present CPU
    and ``meta`` (shapes only), whose index carries no meaning."""
    if kind in ("cpu", "meta"):
        return None
    if kind == "mps":  # Apple's one GPU; torch.mps has no device_count before torch 2.4
        return int(torch.backends.mps.is_available())
    backend = getattr(torch, kind, None)
    if hasattr(backend, "is_available") and hasattr(backend, "device_count"):
        return backend.device_count() if backend.is_available() else 0
    try:  # another backend: ask torch to make an empty tensor there
        torch.empty(0, device=kind)
    except (RuntimeError, AssertionError, NotImplementedError, ModuleNotFoundError):
        return 0
    return 1


def _available_devices() -> list[str]:
    """The devices this machine has, e.g. ``["cpu", "cuda:0", "cuda:1"]``."""
    found = ["cpu"]
    for kind in _ACCELERATORS:
        count = _device_count(kind)
        if kind == "mps":
            found += ["mps"] * bool(count)
        else:
            found += [f"{kind}:{i}" for i in range(count or 0)]
    return found


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
