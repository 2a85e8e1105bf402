"""S MLPs of one architecture run as one network, and their optimiser: the tensors of
:func:`gencourse.gan.train_gans`."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

_ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.SiLU, nn.GELU, nn.Softplus)


class _StackedMLP:
    r"""S MLPs of one architecture (``nn.Sequential`` of ``nn.Linear`` layers, spectrally
    normalised or not, and element-wise activations) as one network on inputs ``(S, n, d)``:
    each linear layer holds its S weight matrices in one tensor ``(S, out, in)`` and runs as one
    batched product x W_sᵀ + b_s (``torch.baddbmm``); model s only ever touches slice s.

    The stacked tensors are copies of the modules' parameters, trained in their place and
    copied back by :meth:`write_back`. A spectrally normalised layer repeats
    ``torch.nn.utils.parametrizations.spectral_norm`` in training mode: one power iteration per
    forward pass, then W / (uᵀ W v).
    """

    def __init__(self, nets: list[nn.Module], name: str) -> None:
        self.nets = nets
        shapes = [[tuple(p.shape) for p in net.parameters()] for net in nets]
        if any(shape != shapes[0] for shape in shapes):
            raise ValueError(f"the {name} must all have the same architecture (parameter shapes)")
        self.plan: list[tuple[str, int]] = []
        self.weight: dict[int, torch.Tensor] = {}
        self.bias: dict[int, torch.Tensor] = {}
        self.u: dict[int, torch.Tensor] = {}
        self.v: dict[int, torch.Tensor] = {}
        for i, layer in enumerate(nets[0]):
            if isinstance(layer, nn.Linear):
                kind = "linear"
                if nn.utils.parametrize.is_parametrized(layer, "weight"):
                    if type(layer.parametrizations.weight[0]).__name__ != "_SpectralNorm":
                        raise TypeError(
                            f"{name}: only spectral_norm parametrizations are supported"
                        )
                    kind = "spectral"
                    norms = [net[i].parametrizations.weight[0] for net in nets]
                    self.u[i] = torch.stack([norm._u for norm in norms]).detach().clone()
                    self.v[i] = torch.stack([norm._v for norm in norms]).detach().clone()
                    self.eps = norms[0].eps
                self.weight[i] = self._stack([self._weight(net[i]) for net in nets])
                if layer.bias is not None:
                    self.bias[i] = self._stack([net[i].bias for net in nets])
                self.plan.append((kind, i))
            elif isinstance(layer, _ELEMENTWISE):
                self.plan.append(("act", i))
            else:
                raise TypeError(
                    f"{name}: layer {i} is a {type(layer).__name__}; only Linear layers and "
                    "element-wise activations can be trained together"
                )

    @staticmethod
    def _weight(layer: nn.Linear) -> torch.Tensor:
        if nn.utils.parametrize.is_parametrized(layer, "weight"):
            return layer.parametrizations.weight.original
        return layer.weight

    @staticmethod
    def _stack(tensors: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack([t.detach() for t in tensors]).clone().requires_grad_(True)

    def parameters(self) -> list[torch.Tensor]:
        return list(self.weight.values()) + list(self.bias.values())

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        for kind, i in self.plan:
            if kind == "act":
                x = self.nets[0][i](x)
                continue
            weight = self.weight[i]
            if kind == "spectral":
                with torch.no_grad():  # one power iteration, as the parametrization does
                    w = weight.detach()
                    u = torch.bmm(w, self.v[i].unsqueeze(2)).squeeze(2)
                    self.u[i] = F.normalize(u, dim=1, eps=self.eps)
                    v = torch.bmm(w.transpose(1, 2), self.u[i].unsqueeze(2)).squeeze(2)
                    self.v[i] = F.normalize(v, dim=1, eps=self.eps)
                sigma = torch.einsum("so,soi,si->s", self.u[i], weight, self.v[i])
                weight = weight / sigma[:, None, None]
            if i in self.bias:
                x = torch.baddbmm(self.bias[i].unsqueeze(1), x, weight.transpose(1, 2))
            else:
                x = torch.bmm(x, weight.transpose(1, 2))
        return x

    @torch.no_grad()
    def write_back(self) -> None:
        """Copy the trained parameters (and spectral norm's u, v) into the S modules."""
        for kind, i in self.plan:
            if kind == "act":
                continue
            for s, net in enumerate(self.nets):
                self._weight(net[i]).copy_(self.weight[i][s])
                if i in self.bias:
                    net[i].bias.copy_(self.bias[i][s])
                if kind == "spectral":
                    norm = net[i].parametrizations.weight[0]
                    norm._u.copy_(self.u[i][s])
                    norm._v.copy_(self.v[i][s])


class _StackedOptimizer:
    r"""Adam or RMSprop with torch's defaults on stacked parameters ``(S, ...)``, with one
    learning rate per model: elementwise, so slice s follows the update that
    ``torch.optim.Adam`` / ``RMSprop`` would give model s alone, in a handful of tensor
    operations whatever S.

    Why not ``torch.optim`` itself. Its learning rate belongs to a parameter group, and a group
    holds whole tensors: S models with different rates (a learning-rate sweep) would need one
    tensor per model and layer, that is S times the optimiser's operations and a stacking copy
    per layer at every forward pass, where this class needs one. And the two round the step
    size differently: here lr·factor/(1 − β₁ᵗ) in the parameters' float32, there (with
    ``LambdaLR`` for the decay) in double precision; the steps agree to a few float32 ulps
    (``tests/package/test_gan.py`` compares them step by step), but a GAN's training amplifies such
    differences, and the book's numbers come from this class.
    """

    def __init__(
        self,
        name: str,
        parameters: Sequence[torch.Tensor],
        lr: torch.Tensor,
        betas: tuple[float, float],
    ) -> None:
        if name not in ("adam", "rmsprop"):
            raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {name!r}")
        self.name, self.parameters, self.lr, self.betas = name, list(parameters), lr, betas
        self.state = [[torch.zeros_like(p), torch.zeros_like(p)] for p in self.parameters]
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = None

    @torch.no_grad()
    def step(self, factor: float = 1.0) -> None:
        """One update with learning rates ``factor`` · lr (the schedule's factor)."""
        self.steps += 1
        beta1, beta2 = self.betas
        for p, (first, second) in zip(self.parameters, self.state):
            lr = (factor * self.lr).reshape(-1, *[1] * (p.ndim - 1))
            grad = p.grad
            if self.name == "adam":  # torch.optim.Adam, eps = 1e-8
                first.lerp_(grad, 1 - beta1)
                second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (second.sqrt() / (1 - beta2**self.steps) ** 0.5).add_(1e-8)
                p.sub_(lr / (1 - beta1**self.steps) * first / denom)
            else:  # torch.optim.RMSprop, alpha = 0.99, eps = 1e-8
                second.mul_(0.99).addcmul_(grad, grad, value=0.01)
                p.sub_(lr * grad / second.sqrt().add_(1e-8))
