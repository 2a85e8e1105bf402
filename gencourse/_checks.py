"""Input checks shared by the public functions.

Each check raises :class:`TypeError` (wrong kind of object or dtype) or :class:`ValueError`
(wrong shape, range or values) with a message that names the argument and what was expected;
an estimator used before ``fit`` raises :class:`NotFittedError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import torch

#: A vector of numbers as the public functions accept it: probability vectors, weights.
VectorLike = torch.Tensor | np.ndarray | Sequence[float]

__all__ = [
    "NotFittedError",
    "VectorLike",
    "as_points",
    "check_positive_float",
    "check_positive_int",
    "check_same_device",
    "make_generator",
    "module_device",
    "module_dtype",
]


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``.

    A :class:`ValueError` and an :class:`AttributeError`, as scikit-learn's
    ``sklearn.exceptions.NotFittedError``, so that code written for that convention
    (``except ValueError``, ``except AttributeError``) catches it.
    """


def as_points(
    x: torch.Tensor | np.ndarray,
    name: str,
    *,
    dim: int | None = None,
    min_points: int = 1,
    device: torch.device | None = None,
) -> torch.Tensor:
    """Check that ``x`` is a finite floating-point batch of points of shape ``(n, d)``.

    NumPy arrays are converted to tensors. With ``dim`` the last size must equal it; with
    ``device`` the tensor must already live there (it is not moved silently).
    """
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d), got shape {tuple(x.shape)}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(
            f"{name} must have {dim} columns (dimension d={dim}), got shape {tuple(x.shape)}"
        )
    if x.shape[0] < min_points:
        raise ValueError(f"{name} must hold at least {min_points} point(s), got {x.shape[0]}")
    if device is not None:
        check_same_device(x, name, device)
    if x.device.type != "meta" and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must be finite, but it contains NaN or infinite values")
    return x


def check_same_device(x: torch.Tensor, name: str, device: torch.device) -> None:
    """Raise if ``x`` is not on ``device`` (compared by type and index)."""
    expected = torch.device(device)
    if x.device.type != expected.type or (
        expected.index is not None and x.device.index not in (None, expected.index)
    ):
        raise ValueError(
            f"{name} is on device {x.device} but the model is on {expected}; "
            f"move it with {name}.to({str(expected)!r})"
        )


def check_positive_int(value: int, name: str, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer ``>= minimum`` (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_positive_float(value: float, name: str) -> float:
    """Check that ``value`` is a finite real number ``> 0``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of a module's first parameter or buffer (the CPU for a module with neither)."""
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")


def module_dtype(module: torch.nn.Module) -> torch.dtype:
    """The dtype of a module's first floating-point parameter or buffer (torch's default dtype
    for a module with none): the dtype its inputs are converted to."""
    for tensor in [*module.parameters(), *module.buffers()]:
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.get_default_dtype()


def make_generator(seed: int | torch.Generator | None) -> torch.Generator | None:
    """The package's one randomness argument, ``seed``, as a :class:`torch.Generator`.

    An int gives a fresh CPU generator seeded with it (the same numbers on every machine); a
    :class:`torch.Generator` is returned as it is (a caller that passes one continues its
    stream); ``None`` means torch's global generator.
    """
    if seed is None or isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(
            f"seed must be an int, a torch.Generator or None, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return torch.Generator().manual_seed(int(seed))
