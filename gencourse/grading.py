"""Helpers for the homework's autograder (``homework/``; not used by the chapters).

Each homework asks the student to write a function that gencourse (or a library it depends on)
already implements, or that could be assembled from a few gencourse calls. A test must not pass
because the submission calls that implementation, so the tests run the student's function inside
:func:`forbidden`, which makes the named functions raise for the duration of the block::

    with grading.forbidden(losses.mmd2, torch.linalg.slogdet, namespace=env):
        value = student_function(x, y)

How each function is disabled, so that no way of reaching it escapes:

* a Python function (or method) has its ``__code__`` swapped for one that raises, so every
  reference to the function object raises: ``losses.mmd2``, ``from gencourse.losses import mmd2``,
  an alias captured in a default argument or a closure; a decorated function (``functools.wraps``,
  e.g. ``torch.no_grad``) is disabled through ``__wrapped__``;
* any other callable (a builtin such as ``torch.linalg.slogdet``) is replaced wherever a loaded
  module of its package binds it (``torch.det`` and ``torch.linalg.det`` alike), on the class of
  its qualified name, and in ``namespace`` (the notebook's globals).

Everything is restored when the block exits, even when the student's function raises.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, NoReturn

__all__ = ["ForbiddenCallError", "forbidden"]


class ForbiddenCallError(RuntimeError):
    """Raised by a function that a homework question asks the student to write themselves."""


def _message(name: str) -> str:
    return (
        f"this question asks you to write the computation yourself: your code called {name}, "
        "which the tests disable while they run your function"
    )


def _qualified_name(fn: Callable) -> str:
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    return f"{module}.{name}" if module else name


_GLOBAL = "_gencourse_grading_ForbiddenCallError"  # set in a disabled function's globals


def _raising_code(name: str) -> types.CodeType:
    # The code runs with the disabled function's own globals, where forbidden() puts the
    # exception class under _GLOBAL for the duration of the block; the message is a constant.
    scope: dict[str, Any] = {}
    exec(f"def _disabled(*args, **kwargs):\n    raise {_GLOBAL}({_message(name)!r})", scope)
    return scope["_disabled"].__code__


def _innermost(fn: Callable) -> Callable:
    seen = set()
    while hasattr(fn, "__wrapped__") and id(fn) not in seen:
        seen.add(id(fn))
        fn = fn.__wrapped__
    return fn


def _owners(fn: Callable) -> list[tuple[Any, str]]:
    """Every ``(module or class, attribute)`` through which ``fn`` is reached: the attributes of
    the loaded modules of its package (``torch.det`` and ``torch.linalg.det`` are both found) and
    the class path of its qualified name."""
    root = (getattr(fn, "__module__", None) or "").split(".")[0]
    found: list[tuple[Any, str]] = []
    for name, module in list(sys.modules.items()):
        if module is None or (root and name.split(".")[0] != root):
            continue
        namespace = getattr(module, "__dict__", {})
        found += [(module, key) for key, value in list(namespace.items()) if value is fn]
    module_name = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None) or ""
    if module_name in sys.modules and "." in qualname:
        owner: Any = sys.modules[module_name]
        *path, attribute = qualname.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is not None and getattr(owner, attribute, None) is fn:
            found.append((owner, attribute))
    return found


def _raiser(name: str) -> Callable:
    def disabled(*args: object, **kwargs: object) -> NoReturn:
        raise ForbiddenCallError(_message(name))

    return disabled


@contextlib.contextmanager
def forbidden(
    *functions: Callable,
    namespace: MutableMapping[str, Any] | None = None,
) -> Iterator[None]:
    """Make each of ``functions`` raise :class:`ForbiddenCallError` inside the block.

    ``namespace`` (the notebook's globals, which otter passes to a test as ``env``) is searched for
    names bound to the functions.
    """
    undo: list[Callable[[], None]] = []
    try:
        for fn in functions:
            if not callable(fn):
                raise TypeError(f"forbidden takes functions, got {type(fn).__name__}")
            name = _qualified_name(fn)
            inner = _innermost(fn)
            if isinstance(inner, types.FunctionType) and not inner.__code__.co_freevars:
                module_globals = inner.__globals__
                if _GLOBAL not in module_globals:
                    module_globals[_GLOBAL] = ForbiddenCallError
                    undo.append(lambda g=module_globals: g.pop(_GLOBAL, None))
                original = inner.__code__
                inner.__code__ = _raising_code(name)
                undo.append(lambda f=inner, c=original: setattr(f, "__code__", c))
                continue
            replacement = _raiser(name)
            targets = _owners(fn)
            for owner, attribute in targets:
                setattr(owner, attribute, replacement)
                undo.append(lambda o=owner, a=attribute, f=fn: setattr(o, a, f))
            if namespace is not None:
                for key, value in list(namespace.items()):
                    if value is fn:
                        namespace[key] = replacement
                        undo.append(lambda k=key, f=fn: namespace.__setitem__(k, f))
        yield
    finally:
        for restore in reversed(undo):
            restore()
