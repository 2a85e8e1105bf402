"""gencourse: the tested PyTorch code behind the course book
"High-Dimensional Distribution Learning with Generative Models".

Modules follow the lecture: :mod:`gencourse.data` (ρ* and its samples),
:mod:`gencourse.classical` (histogram, KDE, GMM), :mod:`gencourse.ebm` (energies, MCMC),
:mod:`gencourse.flows` (normalizing flows), :mod:`gencourse.losses` (strong and weak losses),
:mod:`gencourse.gan` (generators and discriminators), :mod:`gencourse.gmmn` (the
moment-matching generator), :mod:`gencourse.metrics` (evaluation),
:mod:`gencourse.classifier` (the digits classifier behind FID and IS), :mod:`gencourse.transport`
(optimal matchings, plans and the Kantorovich dual), :mod:`gencourse.plot`, :mod:`gencourse.nn`
(the one network builder), :mod:`gencourse.explore` (the chapters' interactive experiments),
:mod:`gencourse.figures` (their drawing functions, one module per chapter),
:mod:`gencourse.train` (the one training loop of the models that minimise one loss),
:mod:`gencourse.triangular` (the Knothe–Rosenblatt map), :mod:`gencourse.variational` (a flow
trained towards an energy by the reverse KL),
:mod:`gencourse.parallel` (independent trainings side by side, one per CPU core) and
:mod:`gencourse.timing` (the processor time of a computation, for the chapters' cost curves).

Conventions: randomness is one keyword, ``seed`` (an int, a :class:`torch.Generator` or ``None``
for torch's global generator); a number of optimisation or sampling steps is ``n_steps``.
"""

from . import (
    classical,
    classifier,
    data,
    ebm,
    explore,
    figures,
    flows,
    gan,
    gmmn,
    losses,
    metrics,
    nn,
    parallel,
    plot,
    timing,
    train,
    transport,
    triangular,
    variational,
)
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
    "explore",
    "figures",
    "flows",
    "gan",
    "gmmn",
    "losses",
    "metrics",
    "manual_seed",
    "nn",
    "parallel",
    "plot",
    "progress_bar",
    "timing",
    "train",
    "transport",
    "triangular",
    "variational",
]
__version__ = "0.1.0"
