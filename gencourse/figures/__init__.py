"""The chapters' drawing functions, one module per experiment.

Each follows :mod:`gencourse.explore`'s convention: ``draw(value, ax=..., **data)`` only selects
a precomputed run and draws it, so that a slider redraws at once. The steps they share (look up
a run by key, ``ax`` or the current axes, tensors to NumPy, bounds and aspect) and their checks
are in the private ``_common`` module. A new chapter's figure goes in a new module here,
re-exported below.

=========  =======================  ===============================================
Chapter    Module                   Drawing function
=========  =======================  ===============================================
1          ``kde``                  :func:`draw_kde` (the KDE's bandwidth)
2          ``langevin``             :func:`draw_chains` (ULA and MALA's step size)
3          ``change_of_variables``  :func:`draw_bend` (the 1D change of variables)
4          ``layers``               :func:`draw_layers` (a flow after t layers)
5          ``mmd``                  :func:`draw_mmd_gradient` (the MMD's kernel width)
6          ``critic_steps``         :func:`draw_critic_steps` (m critic steps)
7          ``clipping``             :func:`draw_critic` (the clipping bound δ)
8          ``fid``                  :func:`draw_fid_n` (the FID's sample size n)
9          ``plans``                :func:`draw_plan` (the optimal plan's exponent p)
=========  =======================  ===============================================
"""

from .change_of_variables import draw_bend
from .clipping import draw_critic
from .critic_steps import draw_critic_steps
from .fid import draw_fid_n
from .kde import draw_kde
from .langevin import draw_chains
from .layers import draw_layers
from .mmd import draw_mmd_gradient
from .plans import draw_plan

__all__ = [
    "draw_bend",
    "draw_chains",
    "draw_critic",
    "draw_critic_steps",
    "draw_fid_n",
    "draw_kde",
    "draw_layers",
    "draw_mmd_gradient",
    "draw_plan",
]
