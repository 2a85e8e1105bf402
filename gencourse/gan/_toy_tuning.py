"""The tuning run that chose :data:`~gencourse.gan.TOY_SETTINGS`, as saved with the package.

``benchmarks/bench_gan.py tune`` trains every recipe at every learning rate of one grid, on both
2D benchmarks, with three tuning seeds, and scores each run on a validation set;
``bench_gan.py save-tuning`` writes its runs to ``toy_tuning.json`` beside this module, so that a
chapter (and a test) can read every run's score, not only the chosen rates.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["toy_tuning"]


@cache
def _load() -> str:
    return resources.files("gencourse.gan").joinpath("toy_tuning.json").read_text()


def toy_tuning() -> dict[str, Any]:
    """The saved tuning run of the 2D benchmarks.

    Returns a dict with ``"protocol"`` (the budget per problem, ``{problem: [steps, batch]}``; the
    learning rates; the tuning seeds; the criterion, in words) and ``"runs"``, one record per
    trained run: ``recipe``, ``lr``, ``problem``, ``seed``, the validation scores ``w1_ratio``
    (the exact W1 to the validation set over the data's own W1), ``hq`` (the percentage of
    samples within 3σ of a mode), ``modes10`` (modes with at least 10 such samples), and
    ``criterion`` = w1_ratio + (1 − hq / 100), the number the tuning minimised (averaged over
    problems and seeds, per learning rate). A fresh copy on each call.
    """
    return json.loads(_load())
