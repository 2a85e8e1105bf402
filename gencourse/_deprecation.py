"""Old spellings that keep working for one release, with a :class:`DeprecationWarning`.

gencourse has one randomness keyword, ``seed`` (an int, a :class:`torch.Generator` or ``None``),
and one step-count keyword, ``n_steps``. The spellings they replace (``generator=`` in the
samplers, ``steps=`` in :func:`gencourse.losses.neural_distance`) and the per-model history
classes that :class:`gencourse.train.History` replaces are accepted until the next release.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: The release that removes the old spellings.
REMOVED_IN = "0.2"


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Accept each old keyword ``old=new`` of ``renames`` as ``new``, with a DeprecationWarning."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{function.__qualname__}() got both {old!r} and {new!r}; "
                            f"{old!r} is the old name of {new!r}: pass only {new!r}"
                        )
                    warnings.warn(
                        f"{function.__qualname__}(): the keyword {old!r} is deprecated, use "
                        f"{new!r} (it goes in gencourse {REMOVED_IN})",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_attribute(module: str, name: str, aliases: dict[str, tuple[Any, str]]) -> Any:
    """A module ``__getattr__``'s answer for the old names of ``aliases`` (old → (object, new)).

    Raises :class:`AttributeError` for any other name, as a module does.
    """
    if name not in aliases:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    value, new = aliases[name]
    warnings.warn(
        f"{module}.{name} is deprecated, use {new} (it goes in gencourse {REMOVED_IN})",
        DeprecationWarning,
        stacklevel=3,
    )
    return value
