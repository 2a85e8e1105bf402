r"""The digits classifier C(x) whose features and predictions the FID and the Inception score use.

The FID and the Inception score of the literature read an ImageNet Inception network; for the
8×8 digits of scikit-learn, gencourse ships a small convolutional classifier instead, trained
deterministically by :func:`train_digits_classifier` (``python scripts/train_digits_classifier.py``
rewrites the weights file) and loaded without any download by :func:`digits_classifier`
(``torch.load(..., weights_only=True)``).

**Which digits it is trained on.** The generators of the book train on ``data.digits("train")``
(1437 images). A feature network trained on those same images would be fitted to the generators'
own training set (the FID would then favour models that copy it), so the classifier trains on
images no generator sees: half of the held-out split ``data.digits("test")`` (360 images), split
in two by class (:func:`held_out_digits`): ``"classifier"`` (180 images, about 18 per class)
trains it, ``"evaluation"`` (180) stays unseen by every network and plays the perfect model in
the chapters. Its accuracy is measured on the 1617 digits it never saw (the generators' split and
the evaluation half). The ImageNet Inception network is likewise trained on other images than the
ones it scores.

Inputs are digits with grey levels scaled to [0, 1], shape ``(n, 64)`` or ``(n, 8, 8)``, on the
data's scale levels / 16, the scale on which every model and the reference are compared. Models
of the dequantized data y = (x + u) / 17 (:func:`gencourse.data.dequantize`) are mapped to it by
:func:`from_dequantized`. The classifier trains on levels jittered by up to half a level, so it
reads the continuous values that generators produce.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from ._checks import (
    check_positive_float,
    check_positive_int,
    make_generator,
    module_device,
    module_dtype,
)
from .config import resolve_device
from .data import DIGIT_LEVELS, digits
from .nn import evaluating
from .train import fit

__all__ = [
    "WEIGHTS",
    "ClassifierReport",
    "DigitsClassifier",
    "accuracy",
    "as_digit_batch",
    "digits_classifier",
    "from_dequantized",
    "held_out_digits",
    "jitter",
    "train_digits_classifier",
]

WEIGHTS = Path(__file__).with_name("weights") / "digits_classifier.pt"


def held_out_digits(
    part: str, *, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One half of the held-out digits ``data.digits("test")``, split by class with a fixed seed.

    ``part="classifier"``: the 180 images the shipped classifier is trained on;
    ``part="evaluation"``: the other 180, which neither the generators (trained on
    ``data.digits("train")``) nor the classifier ever see. Returns ``(images (n, 8, 8) in levels
    0..16, labels (n,))`` like :func:`gencourse.data.digits`.
    """
    from sklearn.model_selection import train_test_split

    if part not in ("classifier", "evaluation"):
        raise ValueError(f"part must be 'classifier' or 'evaluation', got {part!r}")
    images, labels = digits("test", device="cpu")
    first, second = train_test_split(
        torch.arange(len(labels)).numpy(), test_size=0.5, random_state=0, stratify=labels.numpy()
    )
    idx = torch.from_numpy(first if part == "classifier" else second).sort().values
    target = resolve_device(device)
    return images[idx].to(target), labels[idx].to(target)


def from_dequantized(y: torch.Tensor, *, levels: int = DIGIT_LEVELS) -> torch.Tensor:
    r"""Digits on the dequantized scale y = (x + u) / levels (:func:`gencourse.data.dequantize`)
    mapped to the data's scale x / (levels − 1): (levels · y − ½) / (levels − 1), clamped to
    [0, 1].

    The map inverts the dequantization up to its jitter u − ½ ∈ [−½, ½): a level x lands within
    half a level of x / 16, the value the reference digits have.
    """
    levels = check_positive_int(levels, "levels", minimum=2)
    if not isinstance(y, torch.Tensor) or not y.is_floating_point():
        raise TypeError("y must be a floating-point torch.Tensor")
    return ((levels * y - 0.5) / (levels - 1)).clamp(0, 1)


def as_digit_batch(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """Check digits in [0, 1] of shape ``(n, 64)``, ``(n, 8, 8)`` or ``(n, 1, 8, 8)``; return them
    as ``(n, 1, 8, 8)``."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(images).__name__}")
    if not images.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {images.dtype}")
    if images.shape[1:] not in ((64,), (8, 8), (1, 8, 8)):
        raise ValueError(f"{name} must have shape (n, 64) or (n, 8, 8), got {tuple(images.shape)}")
    if images.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one image")
    if not bool(torch.isfinite(images).all()):
        raise ValueError(f"{name} must be finite, but it contains NaN or infinite values")
    low, high = float(images.min()), float(images.max())
    if low < -0.05 or high > 1.05:
        raise ValueError(
            f"{name} must hold grey levels scaled to [0, 1] "
            "(divide the digits' 0..16 levels by 16), "
            f"got values in [{low:.3g}, {high:.3g}]"
        )
    return images.reshape(-1, 1, 8, 8)


class DigitsClassifier(nn.Module):
    """C: [0, 1]^{8×8} → 10 logits. Two 3×3 convolutions (the second with stride 2: 8×8 → 4×4),
    a 64-unit ReLU layer whose activations are the **features** φ(x) used by the FID, and a
    linear read-out to the class logits."""

    def __init__(self, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 16, 64),
            nn.ReLU(),
        )
        self.head = nn.Linear(64, 10)
        self.to(resolve_device(device))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """φ(x), shape ``(n, 64)``."""
        return self.body(as_digit_batch(images).to(module_device(self), module_dtype(self)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits, shape ``(n, 10)``."""
        return self.head(self.features(images))

    @torch.no_grad()
    def predict(
        self, images: torch.Tensor, batch_size: int = 2048
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(features (n, 64), class probabilities (n, 10))`` without gradients, in batches."""
        batch_size = check_positive_int(batch_size, "batch_size")
        features, probabilities = [], []
        with evaluating(self):
            for chunk in torch.split(as_digit_batch(images), batch_size):
                phi = self.features(chunk)
                features.append(phi)
                probabilities.append(torch.softmax(self.head(phi), dim=1))
        return torch.cat(features), torch.cat(probabilities)


@dataclass
class ClassifierReport:
    """Result of :func:`train_digits_classifier`: the accuracy on the ``n_unseen`` digits the
    classifier did not train on (levels / 16), and the training loss per epoch."""

    accuracy: float
    n_unseen: int
    loss: list[float]


@torch.no_grad()
def accuracy(model: DigitsClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``images`` whose predicted class is ``labels``."""
    _, probabilities = model.predict(images)
    return float((probabilities.argmax(dim=1).cpu() == labels.cpu()).double().mean())


def _augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random affine map of each ``(8, 8)`` image (bilinear, zero fill): rotation by up to ±10°,
    scaling by up to ±10 %, translation by up to one pixel in each direction."""
    n = images.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(10)
    scale = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.1
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * (2 / 8)  # one pixel of [−1, 1]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = nn.functional.affine_grid(theta, [n, 1, 8, 8], align_corners=False)
    return nn.functional.grid_sample(images[:, None], grid, align_corners=False)[:, 0]


def jitter(images: torch.Tensor, seed: int | torch.Generator | None = None) -> torch.Tensor:
    """Levels ``images`` (0..16) to the data's scale with a uniform jitter of up to half a level:
    (x + u − ½) / 16 clamped to [0, 1], u ~ U[0, 1) (the classifier's training inputs); ``seed``:
    an int, a :class:`torch.Generator` (its stream continues) or None (torch's global one)."""
    u = torch.rand(images.shape, generator=make_generator(seed))
    return ((images + u - 0.5) / (DIGIT_LEVELS - 1)).clamp(0, 1)


def train_digits_classifier(
    *,
    epochs: int = 1200,
    batch_size: int = 60,
    lr: float = 1e-3,
    weight_decay: float = 1e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[DigitsClassifier, ClassifierReport]:
    """Train :class:`DigitsClassifier` on ``held_out_digits("classifier")`` (cross-entropy, AdamW;
    inputs rotated, scaled and translated a little and jittered by up to half a level, since 180
    images are few; fixed seed, on the CPU for reproducibility) and report its accuracy on the
    digits it never saw: ``data.digits("train")`` and ``held_out_digits("evaluation")``."""
    epochs, batch_size = (
        check_positive_int(epochs, "epochs"),
        check_positive_int(batch_size, "batch_size"),
    )
    lr = check_positive_float(lr, "lr")
    if (
        isinstance(weight_decay, bool)
        or not isinstance(weight_decay, (int, float))
        or not 0 <= weight_decay < 1
    ):
        raise ValueError(f"weight_decay must be a number in [0, 1), got {weight_decay!r}")
    torch.manual_seed(seed)
    rng = make_generator(seed)
    images, labels = held_out_digits("classifier", device="cpu")
    unseen = [digits("train", device="cpu"), held_out_digits("evaluation", device="cpu")]
    unseen_images = torch.cat([u[0] for u in unseen])
    unseen_labels = torch.cat([u[1] for u in unseen])
    model = DigitsClassifier(device="cpu")

    def augment(x: torch.Tensor) -> torch.Tensor:  # a small affine map, then levels / 16 ± ½ level
        return jitter(_augment(x, rng), rng)

    def cross_entropy(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(model(x), y)

    n = len(labels)
    per_epoch = math.ceil(n / batch_size)  # shuffled passes; the last batch of each is smaller
    history = fit(
        model,
        cross_entropy,
        (images, labels),
        sampling="epochs",
        n_steps=epochs * per_epoch,
        batch_size=batch_size,
        transform=augment,
        optimizer="adamw",
        lr=lr,
        weight_decay=weight_decay,
        seed=rng,
        progress=progress,
        desc="digits classifier",
    )
    sizes = [min(batch_size, n - k * batch_size) for k in range(per_epoch)]
    losses: list[float] = []  # the mean training loss of each epoch
    for epoch in range(epochs):
        total = 0.0
        for k, size in enumerate(sizes):
            total += history.loss[epoch * per_epoch + k] * size
        losses.append(total / n)
    model.eval()
    report = ClassifierReport(
        accuracy=accuracy(model, unseen_images / (DIGIT_LEVELS - 1), unseen_labels),
        n_unseen=len(unseen_labels),
        loss=losses,
    )
    return model, report


@lru_cache(maxsize=4)
def _load(device: str) -> DigitsClassifier:
    if not WEIGHTS.exists():
        raise FileNotFoundError(
            f"{WEIGHTS} is missing: reinstall gencourse or run "
            "python scripts/train_digits_classifier.py"
        )
    model = DigitsClassifier(device="cpu")
    model.load_state_dict(torch.load(WEIGHTS, map_location="cpu", weights_only=True))
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.to(device)


def digits_classifier(device: torch.device | str | None = None) -> DigitsClassifier:
    """The shipped, trained :class:`DigitsClassifier` in evaluation mode with frozen weights
    (loaded once per device with ``weights_only=True``)."""
    return _load(str(resolve_device(device)))
