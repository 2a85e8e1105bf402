r"""Flow-based models: G_θ = f_{w_K} ∘ … ∘ f_{w_1} with a tractable density.

Direction convention (the slides'): every layer f_w maps Q's side z to the data side x.

* ``forward(z)`` returns ``(x, log|det ∇f(z)|)``;
* ``inverse(x)`` returns ``(z, log|det ∇f^{-1}(x)|)`` = ``(z, −log|det ∇f(z)|)``.

Both log-determinants have shape ``(n,)`` for a batch of shape ``(n, d)``. A :class:`Flow`
composes layers and evaluates the change-of-variables formula

    log P_θ(x) = log Q(G_θ^{-1}(x)) + Σ_t log|det ∇f_{w_t}^{-1}(z_t)|,

with z_K = x, z_{t−1} = f_{w_t}^{-1}(z_t) and Q = N(0, I_d).

Where each concept lives (private modules; import everything from ``gencourse.flows``):

==========================  =======================================================================
``_reference.py``           the formula with autograd: :func:`standard_normal_log_prob`,
                            :func:`autograd_jacobian`, :func:`autograd_log_abs_det`,
                            :func:`pushforward_log_prob` (the reference every layer is tested on)
``_examples.py``            Chapter 3's map of the line G_a: :func:`bend`, :func:`bend_inverse`
``_masks.py``               :func:`half_mask`, :func:`alternating_mask`, :func:`checkerboard_mask`
``_bijector.py``            :class:`Bijector`, the interface of every layer (checks, then math)
``_coupling.py``            :class:`AdditiveCoupling` (NICE), :class:`AffineCoupling` (Real-NVP),
                            :func:`soft_clamp`
``_elementwise.py``         :class:`DiagonalScaling` (NICE), :class:`ActNorm` (Glow),
                            :class:`Permutation`
``_autoregressive.py``      :class:`MADE`, :class:`MaskedAutoregressive` (MAF and IAF)
``_spline.py``              :class:`SplineCoupling` (neural spline flows),
                            :func:`rational_quadratic_spline`, :func:`spline_flow`
``_flow.py``                :class:`Flow`, the composition with its density and sampler
``_constructors.py``        :func:`nice`, :func:`real_nvp`, :func:`maf`
``_layerwise.py``           the flow after t layers: :func:`warp`, :func:`layer_log_prob`
``_dequantization.py``      y = (x + u)/L for integer grey levels (private)
``_train.py``               maximum likelihood: :func:`train_flow`, :class:`FlowHistory`, and
                            :class:`NonFiniteLossError` (from :mod:`gencourse.train`)
``_bounds.py``              held-out NLLs: :func:`evaluate_nll`, :func:`importance_weighted_nll`,
                            :func:`log_mean_density`
==========================  =======================================================================

A new layer is a :class:`Bijector` subclass with ``_forward`` and ``_inverse`` in the module of
its family, re-exported here and tested against :func:`autograd_log_abs_det` in
``tests/package/test_flows.py``.
"""

from ._autoregressive import MADE, MaskedAutoregressive
from ._bijector import Bijector
from ._bounds import evaluate_nll, importance_weighted_nll, log_mean_density
from ._constructors import maf, nice, real_nvp
from ._coupling import AdditiveCoupling, AffineCoupling, soft_clamp
from ._elementwise import ActNorm, DiagonalScaling, Permutation
from ._examples import bend, bend_inverse
from ._flow import Flow
from ._layerwise import layer_log_prob, warp
from ._masks import alternating_mask, checkerboard_mask, half_mask
from ._reference import (
    autograd_jacobian,
    autograd_log_abs_det,
    pushforward_log_prob,
    standard_normal_log_prob,
)
from ._spline import SplineCoupling, rational_quadratic_spline, spline_flow
from ._train import FlowHistory, NonFiniteLossError, train_flow

__all__ = [
    "ActNorm",
    "AdditiveCoupling",
    "AffineCoupling",
    "Bijector",
    "DiagonalScaling",
    "Flow",
    "FlowHistory",
    "MADE",
    "MaskedAutoregressive",
    "NonFiniteLossError",
    "Permutation",
    "SplineCoupling",
    "alternating_mask",
    "autograd_jacobian",
    "autograd_log_abs_det",
    "bend",
    "bend_inverse",
    "checkerboard_mask",
    "evaluate_nll",
    "half_mask",
    "importance_weighted_nll",
    "layer_log_prob",
    "log_mean_density",
    "maf",
    "nice",
    "pushforward_log_prob",
    "rational_quadratic_spline",
    "real_nvp",
    "soft_clamp",
    "spline_flow",
    "standard_normal_log_prob",
    "train_flow",
    "warp",
]
