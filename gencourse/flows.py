r"""Flow-based models: G_θ = f_{w_K} ∘ … ∘ f_{w_1} with a tractable density.

Direction convention (the slides'): every layer f_w maps Q's side z to the data side x.

* ``forward(z)`` returns ``(x, log|det ∇f(z)|)``;
* ``inverse(x)`` returns ``(z, log|det ∇f^{-1}(x)|)`` = ``(z, −log|det ∇f(z)|)``.

Both log-determinants have shape ``(n,)`` for a batch of shape ``(n, d)``. A :class:`Flow`
composes layers and evaluates the change-of-variables formula

    log P_θ(x) = log Q(G_θ^{-1}(x)) + Σ_t log|det ∇f_{w_t}^{-1}(z_t)|,

with z_K = x, z_{t−1} = f_{w_t}^{-1}(z_t) and Q = N(0, I_d).

Layers: :class:`AdditiveCoupling` (NICE), :class:`AffineCoupling` (Real-NVP),
:class:`DiagonalScaling` (NICE's scaling layer), :class:`ActNorm` (Glow), :class:`Permutation`,
:class:`MaskedAutoregressive` (MAF/IAF with a MADE conditioner). Constructors: :func:`nice`,
:func:`real_nvp`, :func:`maf`. Training: :func:`train_flow`. Held-out bounds on discrete data:
:func:`evaluate_nll` (one dequantization draw) and :func:`importance_weighted_nll` (K draws).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from ._checks import (
    as_points,
    check_positive_float,
    check_positive_int,
    make_generator,
    module_device,
    module_dtype,
)
from ._deprecation import renamed_keywords
from .config import device as default_device
from .train import History, fit

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
    "Permutation",
    "alternating_mask",
    "autograd_jacobian",
    "autograd_log_abs_det",
    "checkerboard_mask",
    "evaluate_nll",
    "half_mask",
    "importance_weighted_nll",
    "log_mean_density",
    "maf",
    "nice",
    "pushforward_log_prob",
    "real_nvp",
    "soft_clamp",
    "standard_normal_log_prob",
    "train_flow",
]


# ----------------------------------------------------------------------------------------------
# The change-of-variables formula with autograd (the reference every layer is tested against)
# ----------------------------------------------------------------------------------------------


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    r"""log Q(z) for Q = N(0, I_d): −½‖z‖² − (d/2) log 2π, shape ``(n,)`` for z ``(n, d)``.

    Example:
        >>> standard_normal_log_prob(torch.zeros(1, 2)) + math.log(2 * math.pi)
        tensor([0.])
    """
    return -0.5 * (z * z).sum(-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)


def autograd_jacobian(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    r"""The Jacobians ∇fn(x_i), shape ``(n, d, d)``, by reverse-mode autograd (d backward passes).

    ``fn`` maps a batch ``(n, d)`` to ``(n, d)`` row by row (output row i depends on input row i
    only), as every layer and flow here does; entry ``[i, j, k]`` is ∂fn(x)_{ij} / ∂x_{ik}.
    """
    x = as_points(x, "x").detach().requires_grad_(True)
    with torch.enable_grad():
        y = fn(x)
        if not isinstance(y, torch.Tensor) or y.shape != x.shape:
            raise ValueError(
                f"fn must map shape {tuple(x.shape)} to the same shape, "
                f"got {getattr(y, 'shape', type(y))}"
            )
        rows = [
            torch.autograd.grad(y[:, j].sum(), x, retain_graph=True)[0] for j in range(x.shape[1])
        ]
    return torch.stack(rows, dim=1)


def autograd_log_abs_det(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> torch.Tensor:
    r"""log|det ∇fn(x_i)| for each row of ``x`` (shape ``(n, d)`` → ``(n,)``).

    The full d × d Jacobian from :func:`autograd_jacobian`, then ``torch.linalg.slogdet``:
    O(d³) per point, the general-purpose cost that flows are designed to avoid.

    Example:
        >>> a = torch.tensor([[2.0, 1.0], [0.0, 3.0]])
        >>> autograd_log_abs_det(lambda x: x @ a.T, torch.ones(4, 2))  # log 6 at every point
        tensor([1.7918, 1.7918, 1.7918, 1.7918])
    """
    return torch.linalg.slogdet(autograd_jacobian(fn, x)).logabsdet


def pushforward_log_prob(
    inverse: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    base_log_prob: Callable[[torch.Tensor], torch.Tensor] = standard_normal_log_prob,
) -> torch.Tensor:
    r"""log P(x) = log Q(G^{-1}(x)) + log|det ∇G^{-1}(x)| for P = G # Q (shape ``(n,)``).

    Arguments:
        inverse: G^{-1} on a batch, ``(n, d)`` → ``(n, d)`` row by row; its Jacobian comes from
            autograd (:func:`autograd_log_abs_det`).
        x: the points, shape ``(n, d)``.
        base_log_prob: log Q, ``(n, d)`` → ``(n,)``; N(0, I_d) by default.

    Example:
        G(z) = 2z + 1 pushes N(0, 1) forward to N(1, 2²):

        >>> x = torch.tensor([[0.0], [1.0], [3.0]])
        >>> log_p = pushforward_log_prob(lambda x: (x - 1) / 2, x)
        >>> torch.allclose(log_p, torch.distributions.Normal(1.0, 2.0).log_prob(x[:, 0]))
        True
    """
    x = as_points(x, "x")
    with torch.no_grad():
        z = inverse(x)
    return base_log_prob(z) + autograd_log_abs_det(inverse, x).detach()


# ----------------------------------------------------------------------------------------------
# Masks
# ----------------------------------------------------------------------------------------------


def half_mask(dim: int, split: int | None = None, *, flip: bool = False) -> torch.Tensor:
    r"""The slides' split z = (z_{1:s}, z_{s+1:d}): True on the s kept coordinates 1..s.

    ``split`` defaults to ⌊d/2⌋ and must satisfy 1 ≤ s ≤ d − 1. ``flip=True`` keeps s+1..d.
    """
    dim = check_positive_int(dim, "dim", minimum=2)
    split = dim // 2 if split is None else check_positive_int(split, "split")
    if not 1 <= split <= dim - 1:
        raise ValueError(
            f"split must lie in 1..dim-1 = 1..{dim - 1} so that both parts are non-empty, "
            f"got {split}"
        )
    mask = torch.arange(dim) < split
    return ~mask if flip else mask


def alternating_mask(dim: int, parity: int = 0) -> torch.Tensor:
    """True on the coordinates j with j % 2 == parity (j from 0): the even/odd split."""
    dim = check_positive_int(dim, "dim", minimum=2)
    if parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {parity!r}")
    return torch.arange(dim) % 2 == parity


def checkerboard_mask(height: int, width: int, parity: int = 0) -> torch.Tensor:
    """True on the pixels (i, j) with (i + j) % 2 == parity of an image flattened row by row.

    Real-NVP's spatial checkerboard: each kept pixel's neighbours are all transformed.
    """
    height, width = check_positive_int(height, "height"), check_positive_int(width, "width")
    if height * width < 2:
        raise ValueError(f"an image of {height}×{width} pixels cannot be split in two")
    if parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {parity!r}")
    i, j = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    return ((i + j) % 2 == parity).reshape(-1)


def _check_mask(mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a boolean torch.Tensor, got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must have dtype torch.bool, got {mask.dtype}")
    if mask.ndim != 1:
        raise ValueError(f"mask must be a vector of shape (d,), got shape {tuple(mask.shape)}")
    if dim is not None and mask.numel() != dim:
        raise ValueError(f"mask must have length dim={dim}, got length {mask.numel()}")
    kept = int(mask.sum())
    if kept == 0 or kept == mask.numel():
        raise ValueError(
            f"mask must keep between 1 and d-1 coordinates, it keeps {kept} of {mask.numel()}"
        )
    return mask.cpu()


# ----------------------------------------------------------------------------------------------
# The bijector interface
# ----------------------------------------------------------------------------------------------


class Bijector(nn.Module):
    r"""An invertible layer f_w: R^d → R^d with its log-determinant.

    Subclasses implement ``_forward(z) -> (x, log|det ∇f(z)|)`` and
    ``_inverse(x) -> (z, log|det ∇f^{-1}(x)|)``. The public :meth:`forward` and :meth:`inverse`
    check their input (shape ``(n, d)``, floating point, finite, on the layer's device) first.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = check_positive_int(dim, "dim")

    def _check(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return as_points(x, name, dim=self.dim, device=module_device(self))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._forward(self._check(z, "z"))

    def inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._inverse(self._check(x, "x"))

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError


def _check_dropout(dropout: float) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
        raise TypeError(f"dropout must be a number in [0, 1), got {type(dropout).__name__}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
    return float(dropout)


def _mlp(n_in: int, n_out: int, hidden: int, depth: int, dropout: float = 0.0) -> nn.Sequential:
    """ReLU MLP with ``depth`` hidden layers; the last layer starts at zero (the layer starts as
    the identity). With ``dropout`` > 0 each hidden activation is dropped with that probability
    in training mode (``nn.Dropout``); in evaluation mode the network is deterministic."""
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = hidden
    last = nn.Linear(width, n_out)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    layers.append(last)
    return nn.Sequential(*layers)


def soft_clamp(u: torch.Tensor, bound: float | None) -> torch.Tensor:
    r"""b · tanh(u / b): a smooth map onto (−b, b) with slope 1 at 0 (identity when b is None)."""
    return u if bound is None else bound * torch.tanh(u / bound)


class _Coupling(Bijector):
    """Shared split/merge of the coupling layers: ``mask`` is True on the kept part z_{1:s}."""

    def __init__(
        self, mask: torch.Tensor, n_params: int, hidden: int, depth: int, dropout: float = 0.0
    ) -> None:
        mask = _check_mask(mask)
        super().__init__(mask.numel())
        hidden, depth = check_positive_int(hidden, "hidden"), check_positive_int(depth, "depth")
        dropout = _check_dropout(dropout)
        kept = torch.nonzero(mask).squeeze(1)
        moved = torch.nonzero(~mask).squeeze(1)
        self.register_buffer("mask", mask)
        self.register_buffer("kept", kept)
        self.register_buffer("moved", moved)
        self.register_buffer("merge", torch.argsort(torch.cat([kept, moved])))
        self.n_params = n_params
        # v (and u) : R^s → R^{d−s}, one network for all of them
        self.net = _mlp(kept.numel(), n_params * moved.numel(), hidden, depth, dropout)

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.index_select(1, self.kept), x.index_select(1, self.moved)

    def _merge(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.cat([a, b], 1).index_select(1, self.merge)


class AdditiveCoupling(_Coupling):
    r"""NICE: x_{1:s} = z_{1:s}, x_{s+1:d} = z_{s+1:d} + v(z_{1:s}).

    Inverse z_{s+1:d} = x_{s+1:d} − v(x_{1:s}); with the kept coordinates listed first the
    Jacobian is unit lower triangular (for a general mask: after that permutation), so
    log|det ∇f| = 0: volume preserving. ``mask`` (bool, shape ``(d,)``) is True on the kept
    coordinates; v is an MLP with ``depth`` hidden layers of width ``hidden`` (``dropout``: see
    :class:`AffineCoupling`).
    """

    def __init__(
        self, mask: torch.Tensor, hidden: int = 64, depth: int = 2, dropout: float = 0.0
    ) -> None:
        super().__init__(mask, 1, hidden, depth, dropout)

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        za, zb = self._split(z)
        x = self._merge(za, zb + self.net(za))
        return x, z.new_zeros(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xa, xb = self._split(x)
        z = self._merge(xa, xb - self.net(xa))
        return z, x.new_zeros(x.shape[0])


class AffineCoupling(_Coupling):
    r"""Real-NVP: x_{1:s} = z_{1:s}, x_{s+1:d} = z_{s+1:d} ⊙ e^{u(z_{1:s})} + v(z_{1:s}).

    Inverse z_{s+1:d} = (x_{s+1:d} − v(x_{1:s})) ⊙ e^{−u(x_{1:s})}, and

        log|det ∇f(z)| = Σ_{j=1}^{d−s} u_j(z_{1:s})     (no absolute value: it can be < 0).

    The network outputs u and a shift t on Q's side, with v = −t ⊙ e^{u}; then the density
    direction z_{s+1:d} = x_{s+1:d} ⊙ e^{−u} + t is affine in the outputs (as in Glow and zuko),
    which trains measurably better than predicting v (benchmarks/bench_flows.py). For numerical
    stability the log-scale is soft-clamped, u = b·tanh(ũ/b) with b = ``scale_bound``
    (``None``: unbounded), so e^{±u} can neither overflow nor vanish. ``dropout`` > 0 drops the
    conditioner's hidden units in training mode (a regulariser for small data sets): for each
    draw of the dropout mask the layer is still an exact bijection with the log-determinant
    above, and in evaluation mode (``flow.eval()``, as :func:`evaluate_nll` uses) it is the
    deterministic network.
    """

    def __init__(
        self,
        mask: torch.Tensor,
        hidden: int = 64,
        depth: int = 2,
        scale_bound: float | None = 3.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(mask, 2, hidden, depth, dropout)
        self.scale_bound = (
            None if scale_bound is None else check_positive_float(scale_bound, "scale_bound")
        )

    def scale_shift(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(u, t) of the kept part ``a``, each of shape ``(n, d − s)``; shift v = −t ⊙ e^{u}."""
        u, t = self.net(a).chunk(2, dim=1)
        return soft_clamp(u, self.scale_bound), t

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        za, zb = self._split(z)
        u, t = self.scale_shift(za)
        return self._merge(za, (zb - t) * torch.exp(u)), u.sum(1)  # = zb ⊙ e^u + v

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xa, xb = self._split(x)
        u, t = self.scale_shift(xa)
        return self._merge(xa, xb * torch.exp(-u) + t), -u.sum(1)  # = (xb − v) ⊙ e^{−u}


class DiagonalScaling(Bijector):
    r"""NICE's scaling layer x = z ⊙ e^{s}, log|det| = Σ_j s_j (a learned vector s, 0 at start)."""

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        self.log_scale = nn.Parameter(torch.zeros(self.dim))

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z * torch.exp(self.log_scale), self.log_scale.sum().expand(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x * torch.exp(-self.log_scale), (-self.log_scale.sum()).expand(x.shape[0])


class ActNorm(Bijector):
    r"""Glow's activation normalisation x = z ⊙ e^{s} + b, log|det| = Σ_j s_j.

    Data-dependent initialisation: the first :meth:`inverse` in training mode sets b and s to the
    batch's mean and log standard deviation, so that its z has zero mean and unit variance per
    coordinate. The flag is a buffer, so a loaded checkpoint is not re-initialised.
    """

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__(dim)
        self.log_scale = nn.Parameter(torch.zeros(self.dim))
        self.shift = nn.Parameter(torch.zeros(self.dim))
        self.eps = check_positive_float(eps, "eps")
        self.register_buffer("initialized", torch.tensor(False))

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        """Set b = mean(x), s = log std(x) (per coordinate) from a batch of data-side points."""
        x = self._check(x, "x")
        if x.shape[0] < 2:
            raise ValueError(
                "ActNorm's data-dependent initialisation needs a batch of at least 2 points"
            )
        self.shift.copy_(x.mean(0))
        self.log_scale.copy_(torch.log(x.std(0) + self.eps))
        self.initialized.fill_(True)

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z * torch.exp(self.log_scale) + self.shift, self.log_scale.sum().expand(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training and not bool(self.initialized):
            self.initialize(x)
        return (x - self.shift) * torch.exp(-self.log_scale), (-self.log_scale.sum()).expand(
            x.shape[0]
        )


class Permutation(Bijector):
    """x = z[:, π]: a fixed permutation of the coordinates (log|det| = 0).

    ``permutation`` is ``"reverse"``, ``"random"`` (drawn with ``seed``) or a tensor holding a
    permutation of 0..d−1.
    """

    def __init__(
        self,
        dim: int,
        permutation: str | torch.Tensor = "reverse",
        seed: int | torch.Generator | None = 0,
    ) -> None:
        super().__init__(dim)
        if isinstance(permutation, str):
            if permutation == "reverse":
                perm = torch.arange(self.dim - 1, -1, -1)
            elif permutation == "random":
                perm = torch.randperm(self.dim, generator=make_generator(seed))
            else:
                raise ValueError(
                    f"permutation must be 'reverse', 'random' or a tensor, got {permutation!r}"
                )
        elif isinstance(permutation, torch.Tensor):
            perm = permutation.long().cpu()
            if perm.shape != (self.dim,) or not torch.equal(
                torch.sort(perm).values, torch.arange(self.dim)
            ):
                raise ValueError(f"permutation must hold each of 0..{self.dim - 1} exactly once")
        else:
            raise TypeError(
                f"permutation must be a string or a tensor, got {type(permutation).__name__}"
            )
        self.register_buffer("perm", perm)
        self.register_buffer("inverse_perm", torch.argsort(perm))

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z.index_select(1, self.perm), z.new_zeros(z.shape[0])

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.index_select(1, self.inverse_perm), x.new_zeros(x.shape[0])


# ----------------------------------------------------------------------------------------------
# Autoregressive layers (MADE conditioner)
# ----------------------------------------------------------------------------------------------


class _MaskedLinear(nn.Linear):
    def __init__(self, n_in: int, n_out: int, mask: torch.Tensor) -> None:
        super().__init__(n_in, n_out)
        self.register_buffer("connectivity", mask.float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.weight * self.connectivity, self.bias)


class MADE(nn.Module):
    r"""Masked autoencoder (Germain et al., 2015): outputs (u_i, v_i) that depend on y_{<i} only.

    Input i has degree i (1..d); hidden unit k has degree m_k ∈ {1..d−1}; a connection is kept
    when the receiving degree is ≥ the sending one (hidden) or > it (outputs), so output i sees
    exactly the inputs of degree < i: the Jacobian of the outputs is strictly lower triangular.
    ``dropout`` > 0 drops hidden units in training mode (which keeps the autoregressive property).
    A MAF layer's sampling direction makes d passes, each with a fresh dropout mask in training
    mode, so it is the inverse of the density direction only in evaluation mode: sample after
    ``flow.eval()`` (as :func:`train_flow` leaves the flow).
    """

    def __init__(self, dim: int, hidden: int = 64, depth: int = 2, dropout: float = 0.0) -> None:
        super().__init__()
        self.dim = check_positive_int(dim, "dim", minimum=2)
        hidden, depth = check_positive_int(hidden, "hidden"), check_positive_int(depth, "depth")
        dropout = _check_dropout(dropout)
        degrees = [torch.arange(1, dim + 1)]
        for _ in range(depth):
            degrees.append(torch.arange(hidden) % (dim - 1) + 1)
        layers: list[nn.Module] = []
        for previous, current in zip(degrees[:-1], degrees[1:]):
            layers += [
                _MaskedLinear(
                    previous.numel(), current.numel(), current[:, None] >= previous[None, :]
                ),
                nn.ReLU(),
            ]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        out_degrees = torch.arange(1, dim + 1).repeat(2)  # u_1..u_d, v_1..v_d
        last = _MaskedLinear(
            degrees[-1].numel(), 2 * dim, out_degrees[:, None] > degrees[-1][None, :]
        )
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        layers.append(last)
        self.net = nn.Sequential(*layers)

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u, v = self.net(y).chunk(2, dim=1)
        return u, v


class MaskedAutoregressive(Bijector):
    r"""Affine autoregressive layer with a MADE conditioner (MAF or IAF).

    * MAF (``inverse_autoregressive=False``, Papamakarios et al. 2017):
      x_i = z_i e^{u_i(x_{<i})} + v_i(x_{<i}).
      The density direction x → z is **one** pass of the MADE; sampling z → x needs **d** passes.
    * IAF (``True``, Kingma et al. 2016): x_i = z_i e^{u_i(z_{<i})} + v_i(z_{<i}): one pass to
      sample, d passes to evaluate the density of a given x.

    In both, log|det ∇f(z)| = Σ_i u_i (a triangular Jacobian). u is soft-clamped as in
    :class:`AffineCoupling`. ``passes`` counts the MADE evaluations (the chapter measures it);
    ``dropout`` is the MADE's (:class:`MADE`).
    """

    def __init__(
        self,
        dim: int,
        hidden: int = 64,
        depth: int = 2,
        inverse_autoregressive: bool = False,
        scale_bound: float | None = 3.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(dim)
        self.made = MADE(self.dim, hidden, depth, dropout)
        self.inverse_autoregressive = bool(inverse_autoregressive)
        self.scale_bound = (
            None if scale_bound is None else check_positive_float(scale_bound, "scale_bound")
        )
        self.passes = 0

    def _conditioner(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.passes += 1
        u, v = self.made(y)
        return soft_clamp(u, self.scale_bound), v

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.inverse_autoregressive:  # one pass
            u, v = self._conditioner(z)
            return z * torch.exp(u) + v, u.sum(1)
        x = torch.zeros_like(z)
        for _ in range(self.dim):  # pass i fixes x_i, since x_i depends on x_{<i} only
            u, v = self._conditioner(x)
            x = z * torch.exp(u) + v
        return x, u.sum(1)

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.inverse_autoregressive:  # one pass
            u, v = self._conditioner(x)
            return (x - v) * torch.exp(-u), -u.sum(1)
        z = torch.zeros_like(x)
        for _ in range(self.dim):
            u, v = self._conditioner(z)
            z = (x - v) * torch.exp(-u)
        return z, -u.sum(1)


# ----------------------------------------------------------------------------------------------
# The flow
# ----------------------------------------------------------------------------------------------


class Flow(Bijector):
    r"""G_θ = f_{w_K} ∘ … ∘ f_{w_1} with base Q = N(0, I_d).

    ``forward(z)`` applies the layers in order and sums their log-determinants;
    ``inverse(x)`` applies the inverses in reverse order,
    G_θ^{-1} = f_{w_1}^{-1} ∘ … ∘ f_{w_K}^{-1}.

    Arguments:
        layers: the bijectors f_{w_1}, …, f_{w_K}, all of the same dimension d.
        device: where the flow lives (default: :func:`gencourse.device`).

    Example:
        >>> flow = Flow([AffineCoupling(half_mask(2)), DiagonalScaling(2)], device="cpu")
        >>> x = flow.sample(5, seed=0)  # shape (5, 2)
        >>> flow.log_prob(x).shape
        torch.Size([5])
    """

    def __init__(
        self, layers: Sequence[Bijector], device: torch.device | str | None = None
    ) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("layers must hold at least one Bijector")
        for k, layer in enumerate(layers):
            if not isinstance(layer, Bijector):
                raise TypeError(f"layers[{k}] must be a Bijector, got {type(layer).__name__}")
        dims = {layer.dim for layer in layers}
        if len(dims) != 1:
            raise ValueError(f"all layers must have the same dimension, got {sorted(dims)}")
        super().__init__(dims.pop())
        self.layers = nn.ModuleList(layers)
        self.to(default_device() if device is None else device)

    def _forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_det = z.new_zeros(z.shape[0])
        for layer in self.layers:
            z, ld = layer._forward(z)
            log_det = log_det + ld
        return z, log_det

    def _inverse(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_det = x.new_zeros(x.shape[0])
        for layer in reversed(self.layers):
            x, ld = layer._inverse(x)
            log_det = log_det + ld
        return x, log_det

    def trajectory(self, z: torch.Tensor) -> list[torch.Tensor]:
        """[z_0, z_1, …, z_K]: the points after each layer, z_t = f_{w_t}(z_{t−1}), no gradient."""
        z = self._check(z, "z")
        points = [z]
        with torch.no_grad():
            for layer in self.layers:
                points.append(layer._forward(points[-1])[0])
        return points

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        r"""log P_θ(x) = log Q(G_θ^{-1}(x)) + log|det ∇G_θ^{-1}(x)|, shape ``(n,)``."""
        z, log_det = self.inverse(x)
        return standard_normal_log_prob(z) + log_det

    def _base_sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """z ~ Q, drawn on the CPU (so that a CPU ``generator`` works on every device) in the
        flow's floating dtype (a ``.double()`` flow samples in float64), then moved."""
        n = check_positive_int(n, "n")
        z = torch.randn(n, self.dim, generator=generator, dtype=_floating_dtype(self))
        return z.to(module_device(self))

    @renamed_keywords(generator="seed")
    def sample(self, n: int, seed: int | torch.Generator | None = None) -> torch.Tensor:
        """n points G_θ(z), z ~ Q (differentiable in θ); ``seed``: an int, a generator or None."""
        return self._forward(self._base_sample(n, make_generator(seed)))[0]

    @renamed_keywords(generator="seed")
    def sample_with_log_prob(
        self, n: int, seed: int | torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        r"""(x, log P_θ(x)) with x = G_θ(z), z ~ Q: log P_θ(x) = log Q(z) − log|det ∇G_θ(z)|.

        No inverse is needed: the density of a sample comes with it.
        """
        z = self._base_sample(n, make_generator(seed))
        x, log_det = self._forward(z)
        return x, standard_normal_log_prob(z) - log_det


def _floating_dtype(module: nn.Module) -> torch.dtype:
    """The dtype of a module's first floating-point parameter or buffer (torch's default dtype
    for a module with none, e.g. a flow of permutations)."""
    for tensor in [*module.parameters(), *module.buffers()]:
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.get_default_dtype()


def _coupling_masks(
    dim: int, n_couplings: int, image_shape: tuple[int, int] | None
) -> list[torch.Tensor]:
    """Alternating masks, counted from the data side: the last layer of G_θ (the first one the
    density evaluation meets) keeps the even coordinates, the one before it the odd ones, …"""
    parities = [(n_couplings - 1 - k) % 2 for k in range(n_couplings)]
    if image_shape is None:
        return [alternating_mask(dim, p) for p in parities]
    height, width = image_shape
    if height * width != dim:
        raise ValueError(
            f"image_shape {tuple(image_shape)} has {height * width} pixels but dim={dim}"
        )
    return [checkerboard_mask(height, width, p) for p in parities]


def nice(
    dim: int,
    n_couplings: int = 4,
    hidden: int = 64,
    depth: int = 2,
    *,
    scaling: bool = True,
    dropout: float = 0.0,
    device: torch.device | str | None = None,
) -> Flow:
    """NICE: ``n_couplings`` additive couplings on alternating halves, then (optionally) the
    diagonal scaling; ``dropout`` in the conditioners (training mode only)."""
    n_couplings = check_positive_int(n_couplings, "n_couplings")
    layers: list[Bijector] = [
        AdditiveCoupling(m, hidden, depth, dropout)
        for m in _coupling_masks(dim, n_couplings, None)
    ]
    if scaling:
        layers.append(DiagonalScaling(dim))
    return Flow(layers, device=device)


def real_nvp(
    dim: int,
    n_couplings: int = 6,
    hidden: int = 64,
    depth: int = 2,
    *,
    actnorm: bool = False,
    image_shape: tuple[int, int] | None = None,
    scale_bound: float | None = 3.0,
    dropout: float = 0.0,
    device: torch.device | str | None = None,
) -> Flow:
    """Real-NVP: affine couplings on alternating masks (checkerboards with ``image_shape``).

    With ``actnorm=True`` an :class:`ActNorm` precedes the couplings on the data side (the last
    layer of G_θ), standardising the data at initialisation. ``dropout`` > 0 drops hidden units
    of every conditioner in training mode (see :class:`AffineCoupling`).
    """
    n_couplings = check_positive_int(n_couplings, "n_couplings")
    dim = check_positive_int(dim, "dim", minimum=2)
    layers: list[Bijector] = [
        AffineCoupling(m, hidden, depth, scale_bound, dropout)
        for m in _coupling_masks(dim, n_couplings, image_shape)
    ]
    if actnorm:
        layers.append(ActNorm(dim))
    return Flow(layers, device=device)


def maf(
    dim: int,
    n_layers: int = 5,
    hidden: int = 64,
    depth: int = 2,
    *,
    inverse_autoregressive: bool = False,
    actnorm: bool = False,
    dropout: float = 0.0,
    device: torch.device | str | None = None,
) -> Flow:
    """MAF (or IAF): autoregressive layers with the order reversed between consecutive layers.

    ``actnorm`` and ``dropout`` as in :func:`real_nvp` (an :class:`ActNorm` on the data side;
    dropout in the MADEs in training mode).
    """
    n_layers = check_positive_int(n_layers, "n_layers")
    layers: list[Bijector] = []
    for k in range(n_layers):
        if k > 0:
            layers.append(Permutation(dim, "reverse"))
        layers.append(
            MaskedAutoregressive(dim, hidden, depth, inverse_autoregressive, dropout=dropout)
        )
    if actnorm:
        layers.append(ActNorm(dim))
    return Flow(layers, device=device)


# ----------------------------------------------------------------------------------------------
# Maximum-likelihood training
# ----------------------------------------------------------------------------------------------


class FlowHistory(History):
    """The :class:`~gencourse.train.History` of :func:`train_flow`, with its unit conversion.

    ``loss``: the minibatch NLL (nats per point) at every step; ``valid_steps`` and ``valid_nll``:
    the held-out NLL at the evaluation steps; ``best_step``: the step whose parameters
    ``keep_best`` restored; ``seconds``: the training time; ``dim`` and ``levels`` convert NLLs to
    bits per dimension (:meth:`bits_per_dim`).
    """

    def __init__(self, dim: int, levels: int | None = None) -> None:
        super().__init__()
        self.dim, self.levels = dim, levels

    @property
    def valid_steps(self) -> list[int]:
        """The steps after which the held-out NLL was evaluated."""
        return self.eval_steps

    @property
    def valid_nll(self) -> list[float]:
        """The held-out NLL (nats per point) at those steps."""
        return self.metrics.get("valid_nll", [])

    def bits_per_dim(self, nll: float) -> float:
        r"""NLL/(d log 2); for dequantized data ((x + u)/levels) add d log(levels) first.

        (See :func:`gencourse.data.bits_per_dim`.)
        """
        shift = 0.0 if self.levels is None else self.dim * math.log(self.levels)
        return (nll + shift) / (self.dim * math.log(2))


def _prepare(x: torch.Tensor, levels: int | None, rng: torch.Generator | None) -> torch.Tensor:
    """Dequantize grey levels afresh: y = (x + u)/levels, u ~ U[0,1)^d (levels=None: y = x)."""
    if levels is None:
        return x
    u = torch.rand(x.shape, generator=rng).to(x.device)
    return (x + u) / levels


def _check_levels(x: torch.Tensor, levels: int | None, name: str) -> int | None:
    if levels is None:
        return None
    levels = check_positive_int(levels, "levels", minimum=2)
    if bool((x != torch.round(x)).any()) or bool((x < 0).any()) or bool((x > levels - 1).any()):
        raise ValueError(
            f"{name} must hold integer grey levels in 0..{levels - 1} when levels={levels}"
        )
    return levels


@torch.no_grad()
def evaluate_nll(
    flow: Flow,
    x: torch.Tensor,
    *,
    levels: int | None = None,
    batch_size: int = 4096,
    seed: int | torch.Generator | None = 0,
) -> float:
    r"""Mean held-out NLL −(1/n) Σ log P_θ(x_i) in nats, in batches, without gradients.

    With ``levels`` the points are integer grey levels, dequantized once with ``seed``.

    Example:
        A flow at initialisation is the identity, so its NLL is the standard normal's:

        >>> nll = evaluate_nll(real_nvp(2, 2, 8, device="cpu"), torch.zeros(10, 2))
        >>> math.isclose(nll, math.log(2 * math.pi), rel_tol=1e-6)  # −log N(0; 0, I_2)
        True
    """
    if not isinstance(flow, Flow):
        raise TypeError(f"flow must be a Flow, got {type(flow).__name__}")
    x = as_points(x, "x", dim=flow.dim).to(module_device(flow), module_dtype(flow))
    levels = _check_levels(x, levels, "x")
    batch_size = check_positive_int(batch_size, "batch_size")
    y = _prepare(x, levels, make_generator(seed))
    was_training = flow.training
    flow.eval()
    try:
        total = sum(float(flow.log_prob(chunk).sum()) for chunk in y.split(batch_size))
    finally:
        flow.train(was_training)
    return -total / x.shape[0]


@torch.no_grad()
def importance_weighted_nll(
    flow: Flow,
    x: torch.Tensor,
    *,
    levels: int,
    n_samples: int = 1,
    batch_size: int = 4096,
    seed: int | torch.Generator | None = 0,
) -> float:
    r"""The importance-weighted dequantization bound with K = ``n_samples`` draws, in nats.

    For integer grey levels x (shape ``(n, d)``) and the flow's density p_θ of y = (x + u)/L,
    L = ``levels``, the flow gives the discrete image the probability of its cell,

        P_θ(x) = ∫_{[0,1)^d} p_θ((x + u)/L) L^{−d} du = E_{u ~ U[0,1)^d}[p_θ((x + u)/L)] L^{−d}.

    With u_1, …, u_K drawn independently, log (1/K) Σ_k p_θ((x + u_k)/L) − d log L is a lower
    bound on log P_θ(x) in expectation (Jensen's inequality); its expectation increases with K
    and tends to log P_θ(x) (Burda et al. 2016). K = 1 is the single-sample bound that
    :func:`evaluate_nll` computes (with the same ``seed`` it draws the same u).

    Returns −(1/n) Σ_i log (1/K) Σ_k p_θ(y_ik), in the units of :func:`evaluate_nll` (the density
    of y; ``FlowHistory.bits_per_dim`` adds d log L). The K draws are made one after the other,
    each for the whole batch, and combined by a running log-sum-exp: memory does not grow with K.
    """
    if not isinstance(flow, Flow):
        raise TypeError(f"flow must be a Flow, got {type(flow).__name__}")
    x = as_points(x, "x", dim=flow.dim).to(module_device(flow))
    levels = _check_levels(x, levels, "x")
    if levels is None:
        raise ValueError("levels must be given: the bound is for integer grey levels")
    n_samples = check_positive_int(n_samples, "n_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    was_training = flow.training
    flow.eval()
    try:
        log_mean = log_mean_density(flow, x, levels, n_samples, batch_size, seed)
    finally:
        flow.train(was_training)
    return -float(log_mean.mean())


def log_mean_density(
    flow: Flow,
    x: torch.Tensor,
    levels: int,
    n_samples: int,
    batch_size: int,
    seed: int | torch.Generator | None,
) -> torch.Tensor:
    r"""log (1/K) Σ_k p_θ((x + u_k)/L) for each row of ``x``, shape ``(n,)``, float64.

    The computation behind :func:`importance_weighted_nll` (which checks the arguments): K draws
    of the dequantization noise, one after the other, combined by a running log-sum-exp.
    """
    generator = make_generator(seed)
    log_sum = None
    for _ in range(n_samples):
        y = _prepare(x, levels, generator)  # (x + u_k)/L with u_k ~ U[0, 1)^d
        log_p = torch.cat([flow.log_prob(chunk) for chunk in y.split(batch_size)]).double()
        log_sum = log_p if log_sum is None else torch.logaddexp(log_sum, log_p)
    return log_sum - math.log(n_samples)


def train_flow(
    flow: Flow,
    data: torch.Tensor,
    *,
    valid: torch.Tensor | None = None,
    levels: int | None = None,
    n_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    max_grad_norm: float | None = 100.0,
    eval_every: int = 100,
    keep_best: bool = False,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> FlowHistory:
    r"""Maximum likelihood: minimise −(1/B) Σ_i log P_θ(x_i) over minibatches with Adam.

    ``data`` (and ``valid``) have shape ``(n, d)``. With ``levels`` they hold integer grey levels,
    each batch is dequantized afresh (y = (x + u)/levels) and the history converts to bits per
    dimension of the discrete data. The held-out NLL is evaluated every ``eval_every`` steps and
    at the end; gradients are clipped to norm ``max_grad_norm`` (None: no clipping). With
    ``keep_best`` (early stopping; ``valid`` must then be a validation split, not the test set) the
    parameters of the evaluation with the lowest held-out NLL are restored at the end and its step
    is recorded in ``history.best_step``. Stops with a clear error on a non-finite loss. The loop
    is :func:`gencourse.train.fit`; the seed drives the minibatches and the dequantization.

    References:
        | Density estimation using Real NVP (Dinh et al., 2017)
        | https://arxiv.org/abs/1605.08803

    Example:
        >>> x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0)) * 0.5 + 1
        >>> flow = real_nvp(2, 4, 16, device="cpu")
        >>> history = train_flow(flow, x, valid=x[:200], n_steps=200, lr=1e-2, progress=False)
        >>> history.valid_nll[-1] < evaluate_nll(real_nvp(2, 4, 16, device="cpu"), x[:200])
        True
    """
    if not isinstance(flow, Flow):
        raise TypeError(f"flow must be a Flow, got {type(flow).__name__}")
    device = module_device(flow)
    data = as_points(data, "data", dim=flow.dim, min_points=2).to(device, module_dtype(flow))
    levels = _check_levels(data, levels, "data")
    if valid is not None:
        valid = as_points(valid, "valid", dim=flow.dim).to(device, module_dtype(flow))
        _check_levels(valid, levels, "valid")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)  # ActNorm needs 2
    if keep_best and valid is None:
        raise ValueError(
            "keep_best=True needs a validation set valid to choose the best parameters on"
        )
    rng = make_generator(seed)  # one stream: the minibatches, then their dequantization noise
    flow.train()
    # ActNorm's data-dependent initialisation sees a large batch before training starts.
    first = data[torch.randperm(data.shape[0], generator=rng)[: max(batch_size, 512)].to(device)]
    with torch.no_grad():
        flow.log_prob(_prepare(first, levels, rng))

    def dequantize(x: torch.Tensor) -> torch.Tensor:  # y = (x + u)/levels, u afresh each batch
        return _prepare(x, levels, rng)

    def nll(y: torch.Tensor) -> torch.Tensor:  # the loss: −(1/B) Σ_i log P_θ(y_i)
        return -flow.log_prob(y).mean()

    def held_out() -> dict[str, float]:
        return {"valid_nll": evaluate_nll(flow, valid, levels=levels)}

    history = fit(
        flow,
        nll,
        data,
        n_steps=n_steps,
        batch_size=batch_size,
        transform=dequantize,
        lr=lr,
        weight_decay=weight_decay,
        max_grad_norm=max_grad_norm,
        evaluate=None if valid is None else held_out,
        eval_every=eval_every,
        keep_best="valid_nll" if keep_best else None,
        seed=rng,
        progress=progress,
        desc="flow MLE",
        hint="lower lr, bound the scales (scale_bound) or clip the gradients (max_grad_norm)",
        history=FlowHistory(dim=flow.dim, levels=levels),
    )
    flow.eval()
    return history
