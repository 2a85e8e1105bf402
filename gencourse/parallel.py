"""Independent trainings side by side: one per CPU core, or one after another on a GPU.

A chapter that trains several independent batches of models (every recipe of a comparison, say)
calls ``map_jobs(train_one, items)`` instead of a loop. On a CPU the jobs run in worker
processes, one per core, each limited to its share of the cores' threads; on a GPU they run one
after another in this process, where each already fills the device.

Why joblib's ``loky`` backend, and not a hand-written pool (measured on a 2-core machine, the
five recipes of Chapter 7 for 200 generator steps: 29.3 s one after another, 20.2 s in two
Python threads, 19.3 s in two loky workers):

* its workers are fresh processes, not forks of a process whose OpenMP threads are running
  (a fork there can deadlock); :mod:`multiprocessing`'s own fresh processes (``spawn``) cannot
  run a function defined in a notebook, loky's can (it sends functions with cloudpickle);
* it sets the thread limits of each worker's libraries (OpenMP, hence torch's intra-op threads);
  ``map_jobs`` sets them to ``cpu_count // n_jobs`` (at most this process's own thread count),
  so the workers do not oversubscribe the cores, even where OMP_NUM_THREADS is set;
* Python threads share one interpreter lock, which the small operations of these models hold
  for much of their time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import joblib
import torch

from ._checks import check_positive_int
from .config import device as default_device

__all__ = ["map_jobs"]

T = TypeVar("T")
R = TypeVar("R")


def map_jobs(
    function: Callable[[T], R], items: Iterable[T], *, n_jobs: int | None = None
) -> list[R]:
    """``[function(item) for item in items]``, the calls side by side on a CPU.

    On a CPU, ``n_jobs`` worker processes (default: one per core, at most one per item) take
    the items in their order, each starting the next item as it finishes one (put the longest
    first); the results come back in the order of ``items``. ``function`` may be defined in a
    notebook. Its items and results travel between processes by pickling: return tensors,
    histories and ``state_dict()``s, not modules (a spectrally normalised module cannot be
    pickled). A job's randomness must come from its own seeds: the workers do not share this
    process's generators. The workers compute in this process's default dtype
    (``torch.get_default_dtype()``).

    On a GPU (``gencourse.device()`` is not the CPU), or with ``n_jobs=1``, the calls run one
    after another in this process.
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    items = list(items)
    if n_jobs is None:
        n_jobs = joblib.cpu_count() if default_device().type == "cpu" else 1
    n_jobs = check_positive_int(n_jobs, "n_jobs")
    n_jobs = max(1, min(n_jobs, len(items)))
    if n_jobs == 1:
        return [function(item) for item in items]
    job = _WithDefaultDtype(function, torch.get_default_dtype())
    # Each worker's share of the cores, never more than this process uses. Given explicitly:
    # joblib's default keeps an OMP_NUM_THREADS already set in the environment, and with
    # OMP_NUM_THREADS=2 two workers would run four threads on two cores, several times slower.
    threads = max(1, min(torch.get_num_threads(), joblib.cpu_count() // n_jobs))
    with joblib.parallel_config(backend="loky", inner_max_num_threads=threads):
        parallel = joblib.Parallel(n_jobs=n_jobs)
        return parallel(joblib.delayed(job)(item) for item in items)


class _WithDefaultDtype:
    """``function`` run in a worker under this process's torch default dtype (a worker starts
    with float32, and a job must compute in the worker what it computes here)."""

    def __init__(self, function: Callable[[T], R], dtype: torch.dtype) -> None:
        self.function, self.dtype = function, dtype

    def __call__(self, item: T) -> R:
        torch.set_default_dtype(self.dtype)
        return self.function(item)
