r"""Generators G_θ: R^D → R^d and their training with weak losses.

* :class:`MLPGenerator` and the *generative moment-matching network* (GMMN,
  :func:`train_moment_matching`): a generator trained to minimise MMD² with no adversary;
* adversarial training (:func:`train_gan`): a discriminator or critic f_w
  (:class:`MLPDiscriminator`, or the convolutional pair :class:`ConvGenerator` /
  :class:`ConvDiscriminator` for the 8×8 digits) and the generator play min_θ max_w of one of the
  :data:`RECIPES`: the original GAN, the non-saturating GAN, WGAN with weight clipping, WGAN-GP
  and WGAN with spectral normalisation.

Losses, with D = σ(f) for the GANs (f returns logits) and f the critic for the WGANs:

* discriminator: −E log D(x) − E log(1 − D(G(z))); WGAN critic: E f(G(z)) − E f(x) (+ λ·GP);
* generator: E log(1 − D(G(z))) (saturating, the minimax game), −E log D(G(z)) (non-saturating),
  −E f(G(z)) (WGAN).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import (
    as_points,
    check_positive_float,
    check_positive_int,
    make_generator,
    module_device,
    module_dtype,
)
from ._deprecation import renamed_attribute, renamed_keywords
from .config import device as default_device
from .config import progress_bar
from .losses import gradient_penalty, leaky_mlp, mmd2
from .train import History, fit

__all__ = [
    "ConvDiscriminator",
    "ConvGenerator",
    "GANHistory",
    "MLPDiscriminator",
    "MLPGenerator",
    "RECIPES",
    "Recipe",
    "TOY_SETTINGS",
    "discriminator_loss",
    "fit_discriminator",
    "generator_loss",
    "toy_models",
    "train_gan",
    "train_gans",
    "train_moment_matching",
]


class MLPGenerator(nn.Module):
    """G_θ(z): an MLP from the latent space R^D to R^d, with Q = N(0, I_D).

    ``sample(n, seed)`` draws z ~ Q and returns G_θ(z) (differentiable in θ).

    Arguments:
        latent_dim: D.
        dim: d.
        hidden, depth: the width and the number of the hidden ReLU layers.
        device: where the generator lives (default: :func:`gencourse.device`).

    Example:
        >>> generator = MLPGenerator(latent_dim=3, dim=2, device="cpu")
        >>> generator.sample(5, seed=0).shape
        torch.Size([5, 2])
    """

    def __init__(
        self,
        latent_dim: int = 2,
        dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.dim = check_positive_int(dim, "dim")
        hidden, depth = check_positive_int(hidden, "hidden"), check_positive_int(depth, "depth")
        layers: list[nn.Module] = []
        width = latent_dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, dim))
        self.net = nn.Sequential(*layers)
        self.to(default_device() if device is None else device)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)

    @renamed_keywords(generator="seed")
    def sample(self, n: int, seed: int | torch.Generator | None = None) -> torch.Tensor:
        """n points G_θ(z), z ~ Q = N(0, I_D); ``seed``: an int, a generator or None."""
        n = check_positive_int(n, "n")
        z = torch.randn(n, self.latent_dim, generator=make_generator(seed))
        return self(z.to(module_device(self)))


def __getattr__(name: str) -> object:  # the old per-model history class, for one release
    return renamed_attribute(
        __name__, name, {"GeneratorHistory": (History, "gencourse.train.History")}
    )


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
    non-finite loss. The loop is :func:`gencourse.train.fit`.

    References:
        | Generative Moment Matching Networks (Li et al., 2015)
        | https://arxiv.org/abs/1502.02761

    Example:
        >>> x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0)) + 2
        >>> generator = MLPGenerator(2, 2, hidden=32, depth=2, device="cpu")
        >>> history = train_moment_matching(generator, x, n_steps=100, progress=False)
        >>> history.loss[-1] < history.loss[0]
        True
    """
    if not isinstance(generator, MLPGenerator):
        raise TypeError(f"generator must be an MLPGenerator, got {type(generator).__name__}")
    device = module_device(generator)
    data = as_points(data, "data", dim=generator.dim, min_points=2)
    data = data.to(device, module_dtype(generator))
    n_steps, batch_size = (
        check_positive_int(n_steps, "n_steps"),
        check_positive_int(batch_size, "batch_size", minimum=2),
    )
    lr = check_positive_float(lr, "lr")
    if len(bandwidths) == 0:
        raise ValueError("bandwidths must hold at least one bandwidth")
    bandwidths = tuple(check_positive_float(h, "bandwidths") for h in bandwidths)
    rng = make_generator(seed)  # one stream: the data minibatches and the latent draws

    def mmd_loss(real: torch.Tensor) -> torch.Tensor:  # Σ_h MMD²_h(generated batch, data batch)
        fake = generator.sample(batch_size, rng)
        if not bool(torch.isfinite(fake).all()):  # mmd2 rejects such points: let fit stop instead
            return fake.sum()  # NaN or ±inf
        return sum(mmd2(fake, real, bandwidth=h) for h in bandwidths)

    history = fit(
        generator,
        mmd_loss,
        data,
        n_steps=n_steps,
        batch_size=batch_size,
        lr=lr,
        seed=rng,
        progress=progress,
        desc="GMMN",
    )
    return history


# ----------------------------------------------------------------------------------------------
# Discriminators and the convolutional pair for the digits
# ----------------------------------------------------------------------------------------------


def _maybe_spectral(layer: nn.Module, spectral: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if spectral else layer


class MLPDiscriminator(nn.Module):
    """f_w: R^d → R, an MLP with LeakyReLU(0.2): one real number per point, shape ``(n,)``.

    For a GAN the output is the logit of D(x) = σ(f_w(x)); for a WGAN it is the critic's value.
    ``spectral_norm=True`` divides every linear layer by its largest singular value
    (``torch.nn.utils.parametrizations.spectral_norm``), making f_w 1-Lipschitz.
    """

    def __init__(
        self,
        dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        *,
        spectral_norm: bool = False,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.dim = check_positive_int(dim, "dim")
        self.net = leaky_mlp(self.dim, hidden, depth, spectral_norm=spectral_norm)
        self.spectral_norm = bool(spectral_norm)
        self.to(default_device() if device is None else device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class ConvGenerator(nn.Module):
    """G_θ: R^D → [0, 1]^64 for the 8×8 digits: a linear map to 64×2×2, two transposed
    convolutions (2×2 → 4×4 → 8×8) and a sigmoid. Output flattened to ``(n, 64)``."""

    def __init__(
        self, latent_dim: int = 16, width: int = 64, device: torch.device | str | None = None
    ) -> None:
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.dim = 64
        w = check_positive_int(width, "width")
        self.width = w
        self.project = nn.Sequential(
            nn.Linear(self.latent_dim, w * 4), nn.BatchNorm1d(w * 4), nn.ReLU()
        )
        self.net = nn.Sequential(
            nn.ConvTranspose2d(w, w // 2, 4, stride=2, padding=1),
            nn.BatchNorm2d(w // 2),
            nn.ReLU(),
            nn.ConvTranspose2d(w // 2, 1, 4, stride=2, padding=1),
            nn.Sigmoid(),
        )
        self.to(default_device() if device is None else device)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).reshape(-1, self.width, 2, 2)
        return self.net(h).reshape(-1, 64)

    sample = MLPGenerator.sample  # z ~ N(0, I_D) on the module's device, then G_θ(z)


class ConvDiscriminator(nn.Module):
    """f_w: [0, 1]^64 → R for the 8×8 digits: two strided convolutions (8×8 → 4×4 → 2×2) with
    LeakyReLU and a linear read-out; optional spectral normalisation of every layer."""

    def __init__(
        self,
        width: int = 64,
        *,
        spectral_norm: bool = False,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.dim = 64
        w = check_positive_int(width, "width")
        self.net = nn.Sequential(
            _maybe_spectral(nn.Conv2d(1, w // 2, 4, stride=2, padding=1), spectral_norm),
            nn.LeakyReLU(0.2),
            _maybe_spectral(nn.Conv2d(w // 2, w, 4, stride=2, padding=1), spectral_norm),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            _maybe_spectral(nn.Linear(w * 4, 1), spectral_norm),
        )
        self.spectral_norm = bool(spectral_norm)
        self.to(default_device() if device is None else device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(-1, 1, 8, 8)).squeeze(-1)


# ----------------------------------------------------------------------------------------------
# Losses and recipes
# ----------------------------------------------------------------------------------------------


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
    if kind == "gan":
        return F.softplus(-real).mean(-1) + F.softplus(fake).mean(-1)
    if kind == "wasserstein":
        return fake.mean(-1) - real.mean(-1)
    raise ValueError(f"kind must be 'gan' or 'wasserstein', got {kind!r}")


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
    if kind == "saturating":
        return -F.softplus(fake).mean(-1)
    if kind == "non-saturating":
        return F.softplus(-fake).mean(-1)
    if kind == "wasserstein":
        return -fake.mean(-1)
    raise ValueError(f"kind must be 'saturating', 'non-saturating' or 'wasserstein', got {kind!r}")


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
    The loop is :func:`gencourse.train.fit`, a minibatch of each sample per step.

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
    device = module_device(discriminator)
    dtype = module_dtype(discriminator)
    real = as_points(real, "real", min_points=2).to(device, dtype)
    fake = as_points(fake, "fake", dim=real.shape[1], min_points=2).to(device, dtype)
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    lr = check_positive_float(lr, "lr")
    discriminator_loss(torch.zeros(1), torch.zeros(1), kind)  # validates kind

    def loss(xr: torch.Tensor, xf: torch.Tensor) -> torch.Tensor:
        return discriminator_loss(discriminator(xr), discriminator(xf), kind)

    history = fit(
        discriminator,
        loss,
        (real, fake),
        joint=False,  # two independent samples, a minibatch of each
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


@dataclass(frozen=True)
class Recipe:
    """A training recipe: losses, the number m of critic steps per generator step, the optimiser
    and its settings, and the constraint on the critic (``clip`` δ, gradient-penalty weight λ,
    or spectral normalisation, which the discriminator must carry)."""

    discriminator_loss: str
    generator_loss: str
    n_critic: int
    optimizer: str
    lr: float
    betas: tuple[float, float] = (0.5, 0.999)
    clip: float | None = None
    gp_weight: float | None = None
    spectral_norm: bool = False


RECIPES: dict[str, Recipe] = {
    # Goodfellow et al. 2014 (m = 1 as in their experiments), DCGAN's Adam settings
    "gan": Recipe("gan", "saturating", 1, "adam", 2e-4),
    "ns-gan": Recipe("gan", "non-saturating", 1, "adam", 2e-4),
    # Arjovsky et al. 2017: RMSprop 5e-5, clip 0.01, m = 5
    "wgan-clip": Recipe("wasserstein", "wasserstein", 5, "rmsprop", 5e-5, clip=0.01),
    # Gulrajani et al. 2017: Adam(1e-4, β = (0.5, 0.9)), λ = 10, m = 5
    "wgan-gp": Recipe(
        "wasserstein", "wasserstein", 5, "adam", 1e-4, betas=(0.5, 0.9), gp_weight=10.0
    ),
    # Miyato et al. 2018 with the Wasserstein loss: Adam(1e-4, β = (0.5, 0.9)), m = 5
    "wgan-sn": Recipe(
        "wasserstein", "wasserstein", 5, "adam", 1e-4, betas=(0.5, 0.9), spectral_norm=True
    ),
}


# Settings for the 2D mode-collapse benchmarks (ring of 8, 5×5 grid) with toy_models, batch 128
# and 2000 generator steps. The papers' learning rates (set for images) need far more steps, so
# each recipe's rate was tuned with the same effort: benchmarks/bench_gan.py tune (one grid of
# six rates, both problems, three tuning seeds, a held-out W1 criterion). Every recipe decays its
# rate linearly to 0, which lets the samples settle on the modes. The constraints are the
# papers': δ = 0.01 (Arjovsky et al.) and λ = 0.1, Gulrajani et al.'s value for their 2D toys
# (their λ = 10 is for images; here it left WGAN-GP's samples off the modes).
TOY_SETTINGS: dict[str, dict[str, float | bool]] = {
    "gan": dict(lr=2e-3, lr_decay=True),
    "ns-gan": dict(lr=5e-3, lr_decay=True),
    "wgan-clip": dict(lr=5e-4, lr_decay=True),
    "wgan-gp": dict(lr=5e-3, gp_weight=0.1, lr_decay=True),
    "wgan-sn": dict(lr=5e-4, lr_decay=True),
}


def toy_models(
    recipe: str,
    dim: int = 2,
    *,
    latent_dim: int = 2,
    hidden_generator: int = 128,
    hidden_critic: int = 64,
    device: torch.device | str | None = None,
) -> tuple[MLPGenerator, MLPDiscriminator]:
    """The generator G_θ (3 hidden layers of ``hidden_generator``) and discriminator f_w (3 hidden
    layers of ``hidden_critic``, spectrally normalised when ``recipe`` needs it) used on the 2D
    benchmarks with :data:`TOY_SETTINGS`."""
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, got {recipe!r}")
    generator = MLPGenerator(latent_dim, dim, hidden=hidden_generator, depth=3, device=device)
    discriminator = MLPDiscriminator(
        dim, hidden_critic, 3, spectral_norm=RECIPES[recipe].spectral_norm, device=device
    )
    return generator, discriminator


@dataclass
class GANHistory:
    """Per generator step: ``d_loss`` (the last critic step's loss, penalty excluded), ``g_loss``
    ``gap`` = E f(x) − E f(G(z)) on the last critic batch (for a WGAN, the critic's estimate of
    W1) and ``lr``, the generator's learning rate used at that step; at the evaluation steps
    ``eval_steps``: the values returned by ``evaluate`` in ``metrics`` and a few samples in
    ``snapshots``."""

    recipe: str
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    gap: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    snapshots: dict[int, torch.Tensor] = field(default_factory=dict)
    seconds: float = 0.0


def _optimizer(
    name: str, parameters: Iterable[nn.Parameter], lr: float, betas: tuple[float, float]
) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=betas)
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr)
    raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {name!r}")


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    data: torch.Tensor,
    *,
    recipe: str = "wgan-gp",
    n_steps: int = 2000,
    batch_size: int = 256,
    n_critic: int | None = None,
    lr: float | None = None,
    lr_generator: float | None = None,
    clip: float | None = None,
    gp_weight: float | None = None,
    lr_decay: bool = False,
    eval_every: int = 0,
    evaluate: Callable[[torch.Tensor], dict[str, float]] | None = None,
    n_eval: int = 2500,
    n_snapshot: int = 0,
    seed: int | torch.Generator | None = 0,
    progress: bool = True,
) -> GANHistory:
    r"""Alternating training of min_θ max_w (the slides' algorithm, with its step labels in order):

    repeat ``n_steps`` times:
      1. **update the discriminator** (critic): m = ``n_critic`` steps of descent on the
         discriminator loss over w (ascent on the game's value), each on a fresh data batch and a
         fresh generated batch; for ``wgan-clip`` clip w to [−δ, δ] after each step;
      2. **update the generator**: one step of descent on the generator loss over θ.

    ``recipe`` picks the losses and the paper defaults of :data:`RECIPES`; ``n_critic``, ``lr``
    (both players; ``lr_generator`` overrides the generator's), ``clip`` and ``gp_weight``
    override them; ``lr_decay=True`` decays both learning rates linearly to 0 over the
    ``n_steps`` generator steps (as in the WGAN-GP paper's image experiments), which lets the
    samples settle at the end of training. ``generator`` needs a ``sample(n, seed)`` method
    (:class:`MLPGenerator`, :class:`ConvGenerator`). Every ``eval_every`` steps (and at the end)
    ``evaluate`` receives ``n_eval`` generated points (no gradient) and returns a dict of numbers,
    and ``n_snapshot`` samples are stored. Stops with a clear error on a non-finite loss.
    """
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, got {recipe!r}")
    config = RECIPES[recipe]
    if not isinstance(generator, nn.Module) or not callable(getattr(generator, "sample", None)):
        raise TypeError(
            "generator must be an nn.Module with a sample(n, seed) method, e.g. MLPGenerator"
        )
    if not isinstance(discriminator, nn.Module):
        raise TypeError(f"discriminator must be an nn.Module, got {type(discriminator).__name__}")
    if config.spectral_norm and not getattr(discriminator, "spectral_norm", False):
        raise ValueError(f"recipe {recipe!r} needs a discriminator built with spectral_norm=True")
    device = module_device(generator)
    if module_device(discriminator) != device:
        raise ValueError(
            f"generator is on {device} but discriminator on {module_device(discriminator)}"
        )
    data = as_points(data, "data", dim=getattr(generator, "dim", None), min_points=2).to(device)
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    n_critic = config.n_critic if n_critic is None else check_positive_int(n_critic, "n_critic")
    lr_d = config.lr if lr is None else check_positive_float(lr, "lr")
    lr_g = lr_d if lr_generator is None else check_positive_float(lr_generator, "lr_generator")
    clip = config.clip if clip is None else check_positive_float(clip, "clip")
    gp_weight = (
        config.gp_weight if gp_weight is None else check_positive_float(gp_weight, "gp_weight")
    )
    eval_every = check_positive_int(eval_every, "eval_every", minimum=0)  # 0: only at the end
    if evaluate is not None and not callable(evaluate):
        raise TypeError("evaluate must be callable: samples (n, d) -> dict of floats")
    n_eval = check_positive_int(n_eval, "n_eval")
    n_snapshot = check_positive_int(n_snapshot, "n_snapshot", minimum=0)

    rng = make_generator(seed)
    opt_d = _optimizer(config.optimizer, discriminator.parameters(), lr_d, config.betas)
    opt_g = _optimizer(config.optimizer, generator.parameters(), lr_g, config.betas)
    history = GANHistory(recipe=recipe)
    schedules = []
    if lr_decay:
        schedules = [
            torch.optim.lr_scheduler.LambdaLR(o, lambda k: 1 - k / n_steps) for o in (opt_d, opt_g)
        ]

    def record(step: int) -> None:
        generator.eval()
        with torch.no_grad():
            if evaluate is not None:
                for name, value in evaluate(generator.sample(n_eval, rng)).items():
                    history.metrics.setdefault(name, []).append(float(value))
            if n_snapshot:
                history.snapshots[step] = generator.sample(n_snapshot, rng).cpu()
        generator.train()
        history.eval_steps.append(step)

    def batch() -> torch.Tensor:
        return data[torch.randint(0, data.shape[0], (batch_size,), generator=rng).to(device)]

    start = time.perf_counter()
    generator.train()
    discriminator.train()
    if evaluate is not None or n_snapshot:
        record(0)
    bar = progress_bar(range(1, n_steps + 1), desc=f"train {recipe}", enabled=progress)
    for step in bar:
        # 1. update the discriminator (critic): m steps on w
        for _ in range(n_critic):
            real = batch()
            with torch.no_grad():
                fake = generator.sample(batch_size, rng)
            f_real, f_fake = discriminator(real), discriminator(fake)
            d_loss = discriminator_loss(f_real, f_fake, config.discriminator_loss)
            total = d_loss
            if gp_weight is not None:
                total = total + gp_weight * gradient_penalty(discriminator, real, fake, rng)
            if not torch.isfinite(total):
                raise RuntimeError(
                    f"non-finite discriminator loss at step {step}: lower the learning rate"
                )
            opt_d.zero_grad()
            total.backward()
            opt_d.step()
            if clip is not None:
                with torch.no_grad():
                    for parameter in discriminator.parameters():
                        parameter.clamp_(-clip, clip)
        # 2. update the generator: one step on θ
        g_loss = generator_loss(
            discriminator(generator.sample(batch_size, rng)), config.generator_loss
        )
        if not torch.isfinite(g_loss):
            raise RuntimeError(
                f"non-finite generator loss at step {step}: lower the learning rate"
            )
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        history.lr.append(opt_g.param_groups[0]["lr"])
        for schedule in schedules:
            schedule.step()
        history.d_loss.append(float(d_loss.detach()))
        history.g_loss.append(float(g_loss.detach()))
        history.gap.append(float((f_real.mean() - f_fake.mean()).detach()))
        if (eval_every and step % eval_every == 0 and step != n_steps) and (
            evaluate is not None or n_snapshot
        ):
            record(step)
        if step % 100 == 0:
            bar.set_postfix(d=f"{history.d_loss[-1]:.3f}", g=f"{history.g_loss[-1]:.3f}")
    if evaluate is not None or n_snapshot:
        record(n_steps)
    history.seconds = time.perf_counter() - start
    generator.eval()
    return history


# ----------------------------------------------------------------------------------------------
# Many small GANs of one architecture, trained together
# ----------------------------------------------------------------------------------------------

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
    learning rate per model: elementwise, so slice s follows exactly the update that
    ``torch.optim.Adam`` / ``RMSprop`` would give model s alone (up to rounding), in a handful of
    tensor operations whatever S."""

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


def _per_model(
    value: float | Sequence[float] | None, name: str, n_models: int, default: float | None
) -> list[float | None]:
    """``value`` (a number, a sequence of one number per model, or None for ``default``) as a
    list of ``n_models`` positive floats (or Nones)."""
    if value is None:
        return [default] * n_models
    if isinstance(value, (list, tuple)):
        if len(value) != n_models:
            raise ValueError(
                f"{name} must hold one value per model ({n_models}), got {len(value)}"
            )
        return [check_positive_float(v, name) for v in value]
    return [check_positive_float(value, name)] * n_models


def train_gans(
    generators: Sequence[MLPGenerator],
    discriminators: Sequence[MLPDiscriminator],
    data: torch.Tensor | Sequence[torch.Tensor],
    *,
    seeds: Sequence[int],
    recipe: str = "wgan-gp",
    n_steps: int = 2000,
    batch_size: int = 256,
    n_critic: int | None = None,
    lr: float | Sequence[float] | None = None,
    lr_generator: float | Sequence[float] | None = None,
    clip: float | Sequence[float] | None = None,
    gp_weight: float | None = None,
    lr_decay: bool = False,
    eval_every: int = 0,
    evaluate: Callable | Sequence[Callable] | None = None,
    n_eval: int = 2500,
    n_snapshot: int = 0,
    stop_on_nonfinite: bool = True,
    progress: bool = True,
) -> list[GANHistory]:
    r""":func:`train_gan` for S independent pairs (G_s, f_s) of one MLP architecture, at once.

    Model s is trained as ``train_gan(generators[s], discriminators[s], data[s], seed=seeds[s],
    lr=lr[s], lr_generator=lr_generator[s], clip=clip[s], ...)`` would train it (the same
    minibatches, latent draws and updates, up to floating-point rounding), but every layer of
    the S networks runs as one batched matrix product: on a GPU, small networks trained one
    after another leave the device idle, and on a CPU the per-operation overhead is paid once
    instead of S times. ``data``, ``lr``, ``lr_generator``, ``clip`` and ``evaluate`` take one
    value for all models or a sequence of one per model (``evaluate``: None for a model that
    records no metric); the other arguments are shared. The S models' parameters and optimiser
    states are stacked (one tensor per layer), so a step costs a fixed number of tensor
    operations whatever S; the trained parameters are copied back into the modules at the end.
    Returns one :class:`GANHistory` per model; its ``seconds`` is the batch's wall time divided
    by S. A non-finite loss stops training with a message naming the model; with
    ``stop_on_nonfinite=False`` that model's parameters turn NaN while the others train on
    unaffected (for sweeps, where a learning rate too large is a result).
    """
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, got {recipe!r}")
    config = RECIPES[recipe]
    gens, discs = list(generators), list(discriminators)
    if not gens or len(gens) != len(discs):
        raise ValueError(
            f"generators and discriminators must be non-empty and of equal length, got "
            f"{len(gens)} and {len(discs)}"
        )
    if not all(isinstance(g, MLPGenerator) for g in gens):
        raise TypeError("generators must all be MLPGenerator (use train_gan for other models)")
    if not all(isinstance(d, MLPDiscriminator) for d in discs):
        raise TypeError("discriminators must all be MLPDiscriminator (use train_gan otherwise)")
    if config.spectral_norm and not all(d.spectral_norm for d in discs):
        raise ValueError(f"recipe {recipe!r} needs discriminators built with spectral_norm=True")
    n_models = len(gens)
    device = module_device(gens[0])
    if any(module_device(m) != device for m in gens + discs):
        raise ValueError(f"every generator and discriminator must be on {device}")
    seeds = list(seeds)
    if len(seeds) != n_models:
        raise ValueError(f"seeds must hold one seed per model ({n_models}), got {len(seeds)}")
    rngs = [make_generator(seed) for seed in seeds]
    if isinstance(data, torch.Tensor):
        data = [data] * n_models
    if len(data) != n_models:
        raise ValueError(f"data must be one tensor or one per model ({n_models}), got {len(data)}")
    dim = gens[0].dim
    datas = [as_points(x, "data", dim=dim, min_points=2).to(device) for x in data]
    n_steps = check_positive_int(n_steps, "n_steps")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    n_critic = config.n_critic if n_critic is None else check_positive_int(n_critic, "n_critic")
    lr_d = _per_model(lr, "lr", n_models, config.lr)
    lr_g = lr_d if lr_generator is None else _per_model(lr_generator, "lr_generator", n_models, 0)
    clips = _per_model(clip, "clip", n_models, config.clip)
    gp_weight = (
        config.gp_weight if gp_weight is None else check_positive_float(gp_weight, "gp_weight")
    )
    eval_every = check_positive_int(eval_every, "eval_every", minimum=0)
    evaluates = list(evaluate) if isinstance(evaluate, (list, tuple)) else [evaluate] * n_models
    if len(evaluates) != n_models or not all(e is None or callable(e) for e in evaluates):
        raise TypeError(
            "evaluate must be a callable, or a sequence of one callable (or None) per model"
        )
    n_eval = check_positive_int(n_eval, "n_eval")
    n_snapshot = check_positive_int(n_snapshot, "n_snapshot", minimum=0)

    G = _StackedMLP([g.net for g in gens], "generators")
    D = _StackedMLP([d.net for d in discs], "discriminators")
    as_tensor = lambda values: torch.tensor(values, dtype=torch.float32, device=device)  # noqa: E731
    opt_d = _StackedOptimizer(config.optimizer, D.parameters(), as_tensor(lr_d), config.betas)
    opt_g = _StackedOptimizer(config.optimizer, G.parameters(), as_tensor(lr_g), config.betas)
    clip_bound = None if clips[0] is None else as_tensor(clips)
    histories = [GANHistory(recipe=recipe) for _ in range(n_models)]
    evaluated = [e is not None for e in evaluates]  # a model with no metric draws nothing
    evaluating = any(evaluated)
    recording = evaluating or n_snapshot > 0

    def latent(n: int, draw: Sequence[bool] = (True,) * n_models) -> torch.Tensor:
        # (S, n, D), z ~ Q, model s from its own generator; zeros (no draw) where draw[s] is False
        shape = (n, gens[0].latent_dim)
        z = [torch.randn(shape, generator=rng) if d else torch.zeros(shape)
             for d, rng in zip(draw, rngs)]  # fmt: skip
        return torch.stack(z).to(device)

    def record(step: int) -> None:  # as train_gan's: evaluate, then snapshot, from each rng
        with torch.no_grad():
            samples = G(latent(n_eval, evaluated)) if evaluating else None
            snapshots = G(latent(n_snapshot)).cpu() if n_snapshot else None
        for s, (history, evaluate_) in enumerate(zip(histories, evaluates)):
            if evaluate_ is not None:
                for name, value in evaluate_(samples[s]).items():
                    history.metrics.setdefault(name, []).append(float(value))
            if n_snapshot:
                history.snapshots[step] = snapshots[s]
            if evaluate_ is not None or n_snapshot:
                history.eval_steps.append(step)

    def batch() -> torch.Tensor:  # (S, B, d): model s draws from its own data and generator
        return torch.stack(
            [
                x[torch.randint(0, x.shape[0], (batch_size,), generator=rng).to(device)]
                for x, rng in zip(datas, rngs)
            ]
        )

    def penalty(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        # losses.gradient_penalty for each model: t ~ U[0, 1] per pair, from the model's generator
        t = torch.stack([torch.rand(batch_size, 1, generator=rng) for rng in rngs])
        t = t.to(device, real.dtype)
        x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
        return (grad.norm(dim=-1) - 1).square().mean(-1)

    def check(loss: torch.Tensor, who: str, step: int) -> None:
        if not stop_on_nonfinite:
            return
        bad = (~torch.isfinite(loss)).nonzero()
        if len(bad):
            raise RuntimeError(
                f"non-finite {who} loss at step {step} (model {int(bad[0])}): "
                "lower the learning rate"
            )

    start = time.perf_counter()
    if recording:
        record(0)
    bar = progress_bar(range(1, n_steps + 1), desc=f"train {n_models}× {recipe}", enabled=progress)
    for step in bar:
        factor = 1 - (step - 1) / n_steps if lr_decay else 1.0  # train_gan's LambdaLR
        # 1. update the discriminators (critics): m steps on each w_s
        for _ in range(n_critic):
            real = batch()
            with torch.no_grad():
                fake = G(latent(batch_size))
            f_real, f_fake = D(real).squeeze(-1), D(fake).squeeze(-1)
            d_loss = discriminator_loss(f_real, f_fake, config.discriminator_loss)
            total = d_loss
            if gp_weight is not None:
                total = total + gp_weight * penalty(real, fake)
            check(total, "discriminator", step)
            opt_d.zero_grad()
            total.sum().backward()  # slice s of each tensor gets the gradient of model s's loss
            opt_d.step(factor)
            if clip_bound is not None:
                with torch.no_grad():
                    for parameter in D.parameters():
                        bound = clip_bound.reshape(-1, *[1] * (parameter.ndim - 1))
                        parameter.copy_(torch.maximum(torch.minimum(parameter, bound), -bound))
        # 2. update the generators: one step on each θ_s
        g_loss = generator_loss(D(G(latent(batch_size))).squeeze(-1), config.generator_loss)
        check(g_loss, "generator", step)
        opt_g.zero_grad()
        g_loss.sum().backward()
        opt_g.step(factor)
        gap = f_real.mean(-1) - f_fake.mean(-1)
        values = torch.stack([d_loss, g_loss, gap]).detach().cpu().tolist()
        for s, history in enumerate(histories):
            history.d_loss.append(values[0][s])
            history.g_loss.append(values[1][s])
            history.gap.append(values[2][s])
            history.lr.append(lr_g[s] * factor)
        if eval_every and step % eval_every == 0 and step != n_steps and recording:
            record(step)
        if step % 100 == 0:
            bar.set_postfix(
                d=f"{sum(values[0]) / n_models:.3f}", g=f"{sum(values[1]) / n_models:.3f}"
            )
    if recording:
        record(n_steps)
    G.write_back()
    D.write_back()
    seconds = (time.perf_counter() - start) / n_models
    for generator, discriminator, history in zip(gens, discs, histories):
        generator.eval()  # as train_gan leaves them
        discriminator.train()
        history.seconds = seconds
    return histories
