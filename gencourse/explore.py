"""Interactive experiments: a slider on Colab or Jupyter, the same sweep as a static figure.

The convention every chapter's experiment follows (``tests/book/test_project.py`` checks it):

- the expensive work (training, sampling) is precomputed in the cells before; a *drawing
  function* ``draw(value, ax=..., **data)`` only selects and draws (about a second at most);
- an executed cell passes it to :func:`small_multiples` over a few values: the figure the book
  shows, followed by a hidden assertion on what the sweep shows;
- a cell tagged ``skip-execution`` whose first line is ``# NBVAL_SKIP`` passes the same function
  to :func:`explore` (an ipywidgets slider; a live widget needs a kernel, so neither the book's
  build nor nbval runs it).

The chapters' drawing functions live in :mod:`gencourse.figures`, one module per chapter (a new
figure goes there); ``gencourse.explore.draw_*`` still names them. ``bend``, ``bend_inverse``,
``warp`` and ``layer_log_prob`` (:mod:`gencourse.flows`), :func:`gencourse.metrics.subset_fids`
and :func:`gencourse.losses.mmd_gradients` are re-exported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from . import figures
from .figures import *  # noqa: F403 (gencourse.explore.draw_* still names every drawing function)
from .flows import bend, bend_inverse, layer_log_prob, warp
from .losses import mmd_gradients
from .metrics import subset_fids

__all__ = [
    "bend",
    "bend_inverse",
    *figures.__all__,
    "explore",
    "layer_log_prob",
    "mmd_gradients",
    "small_multiples",
    "subset_fids",
    "warp",
]


Draw = Callable[..., Axes]


def small_multiples(
    draw: Draw,
    values: Sequence[Any],
    *,
    panel: tuple[float, float] = (3.6, 3.2),
    **data: Any,
) -> Figure:
    """One panel per value, in a row: ``draw(value, ax=ax, **data)``. Returns the figure."""
    if not callable(draw):
        raise TypeError("draw must be callable: draw(value, ax=..., **data)")
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one value of the parameter")
    fig, axes = plt.subplots(
        1, len(values), figsize=(panel[0] * len(values), panel[1]), squeeze=False
    )
    for ax, value in zip(axes[0], values):
        draw(value, ax=ax, **data)
    fig.tight_layout()
    return fig


def explore(
    draw: Draw, slider: Any, *, figsize: tuple[float, float] = (5.0, 3.8), **data: Any
) -> Callable[[Any], None]:
    """A slider (an ``ipywidgets`` widget, e.g. ``FloatSlider``) that redraws ``draw`` on a new
    figure at each move. Returns the callback; ``callback.widget`` is the ipywidgets box."""
    import ipywidgets as widgets  # in the dependencies; imported here: only a live kernel needs it

    if not callable(draw):
        raise TypeError("draw must be callable: draw(value, ax=..., **data)")
    if not isinstance(slider, widgets.ValueWidget):
        raise TypeError(f"slider must be an ipywidgets value widget, got {type(slider).__name__}")

    def redraw(value: Any) -> None:
        _, ax = plt.subplots(figsize=figsize)
        draw(value, ax=ax, **data)
        plt.show()

    return widgets.interact(redraw, value=slider)


# Chapter 5: the MMD's bandwidth on the parallel lines ----------------------------------------


# Chapter 4: a flow's density after t of its layers -------------------------------------------
