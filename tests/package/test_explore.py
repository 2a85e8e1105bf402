"""Tests of gencourse.explore: the slider machinery and the mathematics it still holds (the drawing
functions are tested in test_figures.py)."""

import ipywidgets as widgets
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gencourse import explore, metrics  # noqa: E402


def test_small_multiples_draws_one_panel_per_value():
    seen = []

    def draw(value, ax, *, offset):
        seen.append(value + offset)
        ax.plot([0, 1], [value, value])
        return ax

    fig = explore.small_multiples(draw, [1, 2, 3], offset=10)
    assert seen == [11, 12, 13] and len(fig.axes) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="values"):
        explore.small_multiples(draw, [])
    with pytest.raises(TypeError, match="draw"):
        explore.small_multiples(None, [1])


def test_explore_redraws_through_the_slider():
    seen = []

    def draw(value, ax, *, offset):
        seen.append(value + offset)
        return ax

    callback = explore.explore(draw, widgets.IntSlider(value=2, min=0, max=5), offset=1)
    assert seen == [3], "interact draws once at the slider's initial value"
    callback.widget.children[0].value = 4
    assert seen[-1] == 5
    plt.close("all")
    with pytest.raises(TypeError, match="slider"):
        explore.explore(draw, 3, offset=1)


def test_explore_still_names_the_drawing_functions():
    from gencourse import figures

    for name in figures.__all__:
        assert getattr(explore, name) is getattr(figures, name)
        assert name in explore.__all__
    assert explore.subset_fids is metrics.subset_fids
    with pytest.raises(AttributeError, match="draw_nothing"):
        explore.draw_nothing  # noqa: B018
