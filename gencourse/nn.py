"""The package's one network builder and the small module helpers every model shares.

Every MLP of the book (the flows' coupling conditioners, the generators G_θ, the critics f_w,
the neural energies V_θ) is :func:`mlp`: ``depth`` hidden layers of width ``hidden``, each a
linear map followed by the activation, then a linear read-out. The models differ only in the
activation (ReLU, LeakyReLU(0.2), SiLU), in optional dropout, in spectral normalisation of the
linear maps, and in whether the read-out starts at zero (a coupling layer that starts as the
identity). Layers are created in the order of the network, so a seeded model draws the same
initial weights as the per-module builders this function replaced.

:func:`evaluating` is the "evaluation mode, then restore" block of held-out evaluations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from torch import nn

from ._checks import check_positive_int

__all__ = ["evaluating", "mlp"]


def _check_dropout(dropout: float) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
        raise TypeError(f"dropout must be a number in [0, 1), got {type(dropout).__name__}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
    return float(dropout)


def mlp(
    n_in: int,
    n_out: int,
    hidden: int,
    depth: int,
    *,
    activation: Callable[[], nn.Module] = nn.ReLU,
    dropout: float = 0.0,
    spectral_norm: bool = False,
    zero_last: bool = False,
) -> nn.Sequential:
    r"""x ↦ W_{L+1} σ(W_L ⋯ σ(W_1 x + b_1) ⋯ + b_L) + b_{L+1}, from R^{n_in} to R^{n_out}.

    Arguments:
        n_in, n_out: the input and output widths.
        hidden, depth: the width and the number L of the hidden layers.
        activation: σ, a module factory (``nn.ReLU``, ``lambda: nn.LeakyReLU(0.2)``, ``nn.SiLU``).
        dropout: p > 0 appends ``nn.Dropout(p)`` after each hidden activation (training mode
            only; the network is deterministic in evaluation mode).
        spectral_norm: divide every linear map by its largest singular value
            (``torch.nn.utils.parametrizations.spectral_norm``, Miyato et al. 2018); with a
            1-Lipschitz σ the network is then 1-Lipschitz (up to the power iteration's error).
        zero_last: start the read-out at zero (W_{L+1} = 0, b_{L+1} = 0), so that a coupling
            layer whose conditioner this is starts as the identity.

    Returns an ``nn.Sequential`` mapping ``(..., n_in)`` to ``(..., n_out)``.

    Example:
        >>> net = mlp(2, 1, hidden=8, depth=2, activation=nn.SiLU)
        >>> [type(m).__name__ for m in net]
        ['Linear', 'SiLU', 'Linear', 'SiLU', 'Linear']
    """
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    hidden, depth = check_positive_int(hidden, "hidden"), check_positive_int(depth, "depth")
    dropout = _check_dropout(dropout)

    def linear(a: int, b: int) -> nn.Module:  # created in network order: the same initial draws
        layer = nn.Linear(a, b)
        return nn.utils.parametrizations.spectral_norm(layer) if spectral_norm else layer

    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [linear(width, hidden), activation()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = hidden
    last = linear(width, n_out)
    if zero_last:
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
    layers.append(last)
    return nn.Sequential(*layers)


@contextmanager
def evaluating(module: nn.Module) -> Iterator[nn.Module]:
    """Put ``module`` in evaluation mode (dropout off, batch norm on its running statistics) for
    the ``with`` block, then restore the mode it had.

    Example:
        >>> net = nn.Sequential(nn.Dropout(0.5)).train()
        >>> with evaluating(net):
        ...     net.training
        False
        >>> net.training
        True
    """
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)
