r"""The generative moment-matching network (GMMN): a generator G_θ trained to minimise the
MMD² between its samples and the data, with no adversary.

It is the moment-matching loss :func:`gencourse.losses.mmd2` used as a training loss: the
kernel's unit ball plays the role of the critic, and its supremum has a closed form. The
generator is :class:`gencourse.gan.MLPGenerator`; ``gencourse.gan.train_moment_matching`` is
this module's function.

References:
    | Generative Moment Matching Networks (Li et al., 2015)
    | https://arxiv.org/abs/1502.02761
"""

from __future__ import annotations

import torch

from ._checks import (
    as_points,
    check_positive_float,
    check_positive_int,
    make_generator,
    module_device,
    module_dtype,
)
from .gan._models import MLPGenerator
from .losses import mmd2
from .train import History, fit

__all__ = ["train_moment_matching"]


def train_moment_matching(
    generator: MLPGenerator,
    data: torch.Tensor,
    *,
    n_steps: int = 2000,
    batch_size: int = 512,
    lr: float = 1e-3,
    bandwidths: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0),
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> History:
    r"""GMMN: minimise Σ_h MMD²_h(G_θ # Q, P̂_n) over θ with Adam, on minibatches.

    A sum of RBF kernels of several bandwidths h sees both fine and coarse structure. Each step
    compares a batch of generated points with a batch of data. Stops with a clear error on a
    non-finite loss. The loop is :func:`gencourse.train.fit`; the algorithm is
    :func:`_train_moment_matching`.

    References:
        | Generative Moment Matching Networks (Li et al., 2015)
        | https://arxiv.org/abs/1502.02761

    Example:
        >>> x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0)) + 2
        >>> generator = MLPGenerator(2, 2, hidden=32, depth=2, device="cpu")
        >>> history = train_moment_matching(
        ...     generator, x, n_steps=30, batch_size=128, progress=False
        ... )
        >>> history.loss[-1] < history.loss[0]
        True
    """
    if not isinstance(generator, MLPGenerator):
        raise TypeError(f"generator must be an MLPGenerator, got {type(generator).__name__}")
    data = as_points(data, "data", dim=generator.dim, min_points=2)
    data = data.to(module_device(generator), module_dtype(generator))
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    lr = check_positive_float(lr, "lr")
    if len(bandwidths) == 0:
        raise ValueError("bandwidths must hold at least one bandwidth")
    bandwidths = tuple(check_positive_float(h, "bandwidths") for h in bandwidths)
    rng = make_generator(seed)  # one stream: the data minibatches and the latent draws
    return _train_moment_matching(
        generator, data, n_steps, batch_size, lr, bandwidths, rng, progress
    )


def _train_moment_matching(
    generator: MLPGenerator,
    data: torch.Tensor,
    n_steps: int,
    batch_size: int,
    lr: float,
    bandwidths: tuple[float, ...],
    seed: torch.Generator,
    progress: bool,
) -> History:
    """The computation behind :func:`train_moment_matching` (which checks the arguments): Adam
    on Σ_h MMD²_h between a generated batch and a data batch, one stream ``seed`` for both."""

    def mmd_loss(real: torch.Tensor) -> torch.Tensor:  # Σ_h MMD²_h(generated batch, data batch)
        fake = generator.sample(batch_size, seed)
        if not bool(torch.isfinite(fake).all()):  # mmd2 rejects such points: let fit stop instead
            return fake.sum()  # NaN or ±inf
        return sum(mmd2(fake, real, bandwidth=h) for h in bandwidths)

    return fit(
        generator,
        mmd_loss,
        data,
        n_steps=n_steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        progress=progress,
        desc="GMMN",
    )
