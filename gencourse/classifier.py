r"""The digits classifier C(x) whose features and predictions the FID and the Inception score use.

The FID and the Inception score of the literature read an ImageNet Inception network; for the
8×8 digits of scikit-learn, gencourse ships a small convolutional classifier instead, trained
deterministically by :func:`train_digits_classifier` (``python scripts/train_digits_classifier.py``
rewrites the weights file) and loaded without any download by :func:`digits_classifier`
(``torch.load(..., weights_only=True)``).

Inputs are digits with grey levels scaled to [0, 1], shape ``(n, 64)`` or ``(n, 8, 8)``:
levels / 16 (the GANs' scale) or dequantized (levels + u) / 17 (the flows' scale,
:func:`gencourse.data.dequantize`).
The classifier is trained on dequantized images, so it reads the continuous values that generators
produce, and it is checked on both scales.
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
from .config import device as default_device
from .data import DIGIT_LEVELS, digits
from .train import fit

__all__ = [
    "ClassifierReport",
    "DigitsClassifier",
    "WEIGHTS",
    "accuracy",
    "as_digit_batch",
    "digits_classifier",
    "train_digits_classifier",
]

WEIGHTS = Path(__file__).with_name("weights") / "digits_classifier.pt"


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
        self.to(default_device() if device is None else device)

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
        was_training = self.training
        self.eval()
        features, probabilities = [], []
        for chunk in torch.split(as_digit_batch(images), batch_size):
            phi = self.features(chunk)
            features.append(phi)
            probabilities.append(torch.softmax(self.head(phi), dim=1))
        self.train(was_training)
        return torch.cat(features), torch.cat(probabilities)


@dataclass
class ClassifierReport:
    """Result of :func:`train_digits_classifier`: held-out accuracy on levels / 16 and on
    (levels + ½) / 17, and the training loss per epoch."""

    test_accuracy: float
    test_accuracy_dequantized: float
    loss: list[float]


@torch.no_grad()
def accuracy(model: DigitsClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``images`` whose predicted class is ``labels``."""
    _, probabilities = model.predict(images)
    return float((probabilities.argmax(dim=1).cpu() == labels.cpu()).double().mean())


def _shift(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Translate each ``(8, 8)`` image by −1, 0 or +1 pixel in each direction (zero fill)."""
    padded = nn.functional.pad(images, (1, 1, 1, 1))
    offsets = torch.randint(0, 3, (images.shape[0], 2), generator=generator)
    return torch.stack([p[i : i + 8, j : j + 8] for p, (i, j) in zip(padded, offsets.tolist())])


def train_digits_classifier(
    *,
    epochs: int = 150,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 1e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[DigitsClassifier, ClassifierReport]:
    """Train :class:`DigitsClassifier` on the training split of :func:`gencourse.data.digits`
    (cross-entropy, AdamW, dequantized inputs translated by up to one pixel, fixed seed, on the
    CPU for reproducibility) and report its accuracy on the held-out split."""
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
    images, labels = digits("train", device="cpu")
    test_images, test_labels = digits("test", device="cpu")
    model = DigitsClassifier(device="cpu")

    def augment(x: torch.Tensor) -> torch.Tensor:  # shift by ≤ 1 pixel, dequantize: (x + u)/17
        return (_shift(x, rng) + torch.rand(x.shape, generator=rng)) / DIGIT_LEVELS

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
        test_accuracy=accuracy(model, test_images / (DIGIT_LEVELS - 1), test_labels),
        test_accuracy_dequantized=accuracy(model, (test_images + 0.5) / DIGIT_LEVELS, test_labels),
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
    return _load(str(torch.device(default_device() if device is None else device)))
