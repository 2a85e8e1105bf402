"""gencourse: the tested PyTorch code behind the course book
"High-Dimensional Distribution Learning with Generative Models".

Modules follow the lecture: :mod:`gencourse.data` (ρ* and its samples),
:mod:`gencourse.classical` (histogram, KDE, GMM), :mod:`gencourse.plot`.
"""

from . import classical, data, plot
from .config import BUDGETS, budget, by_budget, device, manual_seed

__all__ = ["BUDGETS", "budget", "by_budget", "classical", "data", "device", "manual_seed", "plot"]
__version__ = "0.1.0"
