r"""The flow: G_θ = f_{w_K} ∘ … ∘ f_{w_1} with base Q = N(0, I_d) and the change-of-variables
formula

    log P_θ(x) = log Q(G_θ^{-1}(x)) + Σ_t log|det ∇f_{w_t}^{-1}(z_t)|,

with z_K = x and z_{t−1} = f_{w_t}^{-1}(z_t).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._checks import check_positive_int, make_generator, module_device, module_dtype
from .._deprecation import renamed_keywords
from ..config import resolve_device
from ._bijector import Bijector
from ._reference import standard_normal_log_prob

__all__ = ["Flow"]


class Flow(Bijector):
    r"""G_θ = f_{w_K} ∘ … ∘ f_{w_1} with base Q = N(0, I_d).

    ``forward(z)`` applies the layers in order and sums their log-determinants;
    ``inverse(x)`` applies the inverses in reverse order,
    G_θ^{-1} = f_{w_1}^{-1} ∘ … ∘ f_{w_K}^{-1}.

    Arguments:
        layers: the bijectors f_{w_1}, …, f_{w_K}, all of the same dimension d.
        device: where the flow lives (default: :func:`gencourse.device`).

    Example:
        >>> from gencourse.flows import AffineCoupling, DiagonalScaling, half_mask
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
        self.to(resolve_device(device))

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
        z = torch.randn(n, self.dim, generator=generator, dtype=module_dtype(self))
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
