r"""Processor time of a computation, for the chapters' cost measurements.

:func:`cpu_seconds` is the median processor time of one call on one thread, measured by
PyTorch's benchmark :class:`~torch.utils.benchmark.Timer` (a maintained tool that warms up,
repeats the call until the median is stable and sets the thread count) with
:func:`time.thread_time` as its clock, so that the time other programs take the processor away
does not count. Chapters 3 (the cost of a determinant) and 4 (one pass against d passes of an
autoregressive flow) compare such times: only their ratios and slopes carry the lesson, not the
machine.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from torch.utils.benchmark import Timer

__all__ = ["cpu_seconds"]


def cpu_seconds(fn: Callable[[], object], *, min_run_time: float = 0.1) -> float:
    r"""The median processor time of one call of ``fn()`` on one thread, in seconds.

    The timer calls ``fn`` in blocks until at least ``min_run_time`` seconds of processor time
    are measured and the median of the blocks' times per call is stable
    (:meth:`torch.utils.benchmark.Timer.blocked_autorange`); the clock is
    :func:`time.thread_time`, the processor time of the calling thread, so a call that waits
    (sleeps, or is descheduled for another program) is charged only for what it computes. Torch
    runs on one thread meanwhile (``num_threads=1``).

    Arguments:
        fn: the computation, called with no argument; its result is discarded.
        min_run_time: the least processor time, in seconds, spent measuring (> 0).

    Returns:
        The median seconds of processor time per call.

    Raises:
        TypeError: when ``fn`` is not callable.
        ValueError: when ``min_run_time`` is not a positive finite number.

    References:
        | PyTorch benchmark utilities, ``torch.utils.benchmark.Timer``
        | https://pytorch.org/docs/stable/benchmark_utils.html

    Example:
        >>> import torch
        >>> a = torch.randn(64, 64)
        >>> cpu_seconds(lambda: a @ a, min_run_time=0.01) > 0
        True
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable with no argument, got {type(fn).__name__}")
    if isinstance(min_run_time, bool) or not isinstance(min_run_time, (int, float)):
        raise TypeError(f"min_run_time must be a number, got {type(min_run_time).__name__}")
    if not (math.isfinite(min_run_time) and min_run_time > 0):
        raise ValueError(f"min_run_time must be a positive finite number, got {min_run_time}")
    timer = Timer("fn()", globals={"fn": fn}, timer=time.thread_time, num_threads=1)
    return float(timer.blocked_autorange(min_run_time=min_run_time).median)
