"""gencourse: the tested PyTorch code behind the course book
"High-Dimensional Distribution Learning with Generative Models".

Modules follow the lecture: :mod:`gencourse.data` (ρ* and its samples),
:mod:`gencourse.classical` (histogram, KDE, GMM), :mod:`gencourse.ebm` (energies, MCMC),
:mod:`gencourse.flows` (normalizing flows), :mod:`gencourse.losses` (strong and weak losses),
:mod:`gencourse.gan` (generators), :mod:`gencourse.plot`.
"""

from . import classical, data, ebm, flows, gan, losses, metrics, plot
from .config import BUDGETS, budget, by_budget, device, manual_seed, progress_bar

__all__ = [
    "BUDGETS",
    "budget",
    "by_budget",
    "classical",
    "data",
    "device",
    "ebm",
    "flows",
    "gan",
    "losses",
    "metrics",
    "manual_seed",
    "plot",
    "progress_bar",
]
__version__ = "0.1.0"
