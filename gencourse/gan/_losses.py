r"""The losses of the two players, and the discriminator trained alone between two samples.

With D = σ(f) for the GANs (f returns logits) and f the critic for the WGANs:

* discriminator: −E log D(x) − E log(1 − D(G(z))); WGAN critic: E f(G(z)) − E f(x) (+ λ·GP);
* generator: E log(1 − D(G(z))) (saturating, the minimax game), −E log D(G(z)) (non-saturating),
  −E f(G(z)) (WGAN);
* the clipped WGAN's constraint on the critic (:func:`_clip_weights`): every weight in [−δ, δ].
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import as_points, check_positive_float, check_positive_int
from ..losses import fit_critic
from ._models import MLPDiscriminator  # noqa: F401 (the doctest's discriminator)


def discriminator_loss(real: torch.Tensor, fake: torch.Tensor, kind: str) -> torch.Tensor:
    r"""The discriminator's (critic's) loss, to be *minimised* over w.

    ``real`` and ``fake`` are f_w's outputs on data and on generated points, shape ``(n,)``
    (or ``(S, n)`` for S models trained together: the means run over the last dimension and the
    result has shape ``(S,)``).
    ``kind="gan"``: −E log σ(f(x)) − E log(1 − σ(f(G(z))))
    = E softplus(−f(x)) + E softplus(f(G(z)));
    at the optimal discriminator its value is log 4 − 2 JS(ρ*, P_θ).
    ``kind="wasserstein"``: E f(G(z)) − E f(x).

    Example:
        A discriminator that cannot tell (f = 0, D = ½) pays log 4:

        >>> round(float(discriminator_loss(torch.zeros(4), torch.zeros(4), "gan")), 4)  # log 4
        1.3863
    """
    if kind not in ("gan", "wasserstein"):
        raise ValueError(f"kind must be 'gan' or 'wasserstein', got {kind!r}")
    return _discriminator_loss(real, fake, kind)


def _discriminator_loss(real: torch.Tensor, fake: torch.Tensor, kind: str) -> torch.Tensor:
    """:func:`discriminator_loss`: the means run over the last dimension (the batch)."""
    if kind == "gan":  # −E log σ(f(x)) − E log(1 − σ(f(G(z))))
        return F.softplus(-real).mean(-1) + F.softplus(fake).mean(-1)
    return fake.mean(-1) - real.mean(-1)  # "wasserstein": E f(G(z)) − E f(x)


def generator_loss(fake: torch.Tensor, kind: str) -> torch.Tensor:
    r"""The generator's loss, to be *minimised* over θ, from f_w(G_θ(z)) of shape ``(n,)``
    (or ``(S, n)``: one loss per model, the mean over the last dimension).

    ``"saturating"``: E log(1 − D(G(z))) = −E softplus(f) (the minimax game itself);
    ``"non-saturating"``: −E log D(G(z)) = E softplus(−f); ``"wasserstein"``: −E f(G(z)).

    Example:
        Against a confident discriminator (logit −10, D ≈ 0) the saturating loss is flat, the
        non-saturating one is not:

        >>> f = torch.tensor([-10.0], requires_grad=True)
        >>> [round(float(torch.autograd.grad(generator_loss(f, kind), f)[0]), 4)
        ...  for kind in ("saturating", "non-saturating")]
        [-0.0, -1.0]
    """
    if kind not in ("saturating", "non-saturating", "wasserstein"):
        raise ValueError(
            f"kind must be 'saturating', 'non-saturating' or 'wasserstein', got {kind!r}"
        )
    return _generator_loss(fake, kind)


def _generator_loss(fake: torch.Tensor, kind: str) -> torch.Tensor:
    """:func:`generator_loss`: the mean runs over the last dimension (the batch)."""
    if kind == "saturating":  # E log(1 − σ(f(G(z))))
        return -F.softplus(fake).mean(-1)
    if kind == "non-saturating":  # −E log σ(f(G(z)))
        return F.softplus(-fake).mean(-1)
    return -fake.mean(-1)  # "wasserstein": −E f(G(z))


def _clip_weights(weights: Iterable[torch.Tensor], delta: float | torch.Tensor) -> None:
    r"""The clipped WGAN's constraint set U = {w : max_i |w_i| ≤ δ}: after each critic step,
    w_i ← min(max(w_i, −δ), δ) for every weight (and bias), in place.

    ``delta`` is a number, or a tensor ``(S,)`` of one bound per model when the weights are
    stacked ``(S, ...)`` (S critics trained together).

    References:
        | Wasserstein GAN (Arjovsky et al., 2017), Algorithm 1
        | https://arxiv.org/abs/1701.07875
    """
    with torch.no_grad():
        for w in weights:
            bound = torch.as_tensor(delta, dtype=w.dtype, device=w.device)
            bound = bound.reshape(-1, *[1] * (w.ndim - 1))  # δ_s for the slice of model s
            w.copy_(torch.minimum(torch.maximum(w, -bound), bound))


def fit_discriminator(
    discriminator: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    kind: str = "gan",
    n_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> list[float]:
    r"""Train only the discriminator between two fixed samples (the inner maximisation, solved).

    Minimises :func:`discriminator_loss` of ``kind`` with Adam on minibatches of ``real`` (from P)
    and ``fake`` (from P'); with ``kind="gan"`` the optimum over all functions is
    D*(x) = p(x) / (p(x) + p'(x)). Returns the minibatch losses. Stops on a non-finite loss.
    The loop is :func:`gencourse.losses.fit_critic`, a minibatch of each sample per
    step.

    Example:
        Between N(0, 1) and N(1, 1), D*(x) = σ(½ − x): about ½ at x = ½.

        >>> g = torch.Generator().manual_seed(0)
        >>> real, fake = torch.randn(5000, 1, generator=g), 1 + torch.randn(5000, 1, generator=g)
        >>> d = MLPDiscriminator(1, hidden=16, depth=2, device="cpu")
        >>> _ = fit_discriminator(d, real, fake, n_steps=300, progress=False)
        >>> abs(float(torch.sigmoid(d(torch.tensor([[0.5]]))).detach()) - 0.5) < 0.1
        True
    """
    if not isinstance(discriminator, nn.Module):
        raise TypeError(f"discriminator must be an nn.Module, got {type(discriminator).__name__}")
    real = as_points(real, "real", min_points=2)
    fake = as_points(fake, "fake", dim=real.shape[1], min_points=2)
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    lr = check_positive_float(lr, "lr")
    discriminator_loss(torch.zeros(1), torch.zeros(1), kind)  # validates kind

    def loss(xr: torch.Tensor, xf: torch.Tensor) -> torch.Tensor:
        return discriminator_loss(discriminator(xr), discriminator(xf), kind)

    history = fit_critic(
        discriminator,
        real,
        fake,
        loss,
        n_steps=n_steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        progress=progress,
        desc="discriminator",
        name="discriminator loss",
    )
    discriminator.eval()
    return history.loss
