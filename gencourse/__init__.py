"""gencourse: the tested PyTorch code behind the course book
"High-Dimensional Distribution Learning with Generative Models".

Modules follow the lecture: :mod:`gencourse.data` (ρ* and its samples),
:mod:`gencourse.classical` (histogram, KDE, GMM), :mod:`gencourse.ebm` (energies, MCMC),
:mod:`gencourse.flows` (normalizing flows), :mod:`gencourse.losses` (strong and weak losses),
:mod:`gencourse.gan` (generators and discriminators), :mod:`gencourse.metrics` (evaluation),
:mod:`gencourse.classifier` (the digits classifier behind FID and IS), :mod:`gencourse.transport`
(optimal matchings, plans and the Kantorovich dual), :mod:`gencourse.plot`.
"""

from . import classical, classifier, data, ebm, flows, gan, losses, metrics, plot, transport
from .config import BUDGETS, budget, by_budget, device, manual_seed, progress_bar

__all__ = [
    "BUDGETS",
    "budget",
    "by_budget",
    "classical",
    "classifier",
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
    "transport",
]
__version__ = "0.1.0"
