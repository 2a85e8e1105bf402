import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from IPython.core.pylabtools import print_figure
from matplotlib.colors import to_rgb, to_rgba

from gencourse import classical, data, plot


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_grid_points_cover_the_window_with_equal_cells():
    points, area = plot.grid_points(((-1, 3), (0, 2)), resolution=4)
    assert points.shape == (16, 2) and area == pytest.approx(0.5)
    assert torch.allclose(points[:4, 0], torch.tensor([-0.5, 0.5, 1.5, 2.5]))  # x runs fastest
    assert torch.allclose(points[::4, 1], torch.tensor([0.25, 0.75, 1.25, 1.75]))


def test_density_heatmap_draws_the_density_on_the_window():
    rho = data.ring(std=0.2)
    ax = plot.density_heatmap(rho.log_prob, ((-2, 2), (-2, 2)), resolution=50)
    image = ax.get_images()[0]
    assert image.get_extent() == [-2, 2, -2, 2]
    values = np.asarray(image.get_array())
    points, area = plot.grid_points(((-2, 2), (-2, 2)), 50)
    np.testing.assert_allclose(values.reshape(-1), rho.log_prob(points).exp().numpy(), rtol=1e-5)


def test_density_heatmap_uses_the_device_of_a_fitted_model():
    kde = classical.KDE(0.3, device="cpu").fit(torch.randn(20, 2))
    plot.density_heatmap(kde.log_prob, resolution=10)  # would raise if the grid went elsewhere


def test_scatter_and_image_grid_draw_what_they_are_given():
    ax = plot.scatter(torch.randn(30, 2), bounds=((-3, 3), (-3, 3)))
    assert ax.collections[0].get_offsets().shape == (30, 2)
    images, _ = data.digits("test", device="cpu")
    ax = plot.image_grid(images[:12], nrow=5)
    canvas = ax.get_images()[0].get_array()
    assert canvas.shape == (3 * 9 + 1, 5 * 9 + 1)  # 3 rows of 5 images, 1-pixel gaps
    flat = plot.image_grid(images[:4].reshape(4, 64), nrow=4, ax=plt.figure().gca())
    assert flat.get_images()[0].get_array().shape == (10, 37)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: plot.grid_points(((0, -1), (0, 1))), ValueError, "bounds"),
        (lambda: plot.grid_points((0, 1)), TypeError, "bounds"),
        (lambda: plot.grid_points(((0, 1), (0, 1)), resolution=1), ValueError, "resolution"),
        (lambda: plot.density_heatmap("not callable"), TypeError, "callable"),
        (lambda: plot.density_heatmap(lambda x: x, resolution=5), ValueError, "shape"),
        (lambda: plot.scatter(torch.randn(5, 3)), ValueError, "2 columns"),
        (lambda: plot.image_grid(torch.randn(3, 10)), ValueError, "image_shape"),
        (lambda: plot.image_grid(np.zeros((2, 8, 8))), TypeError, "torch.Tensor"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


# The palette of Okabe and Ito (2008), "Color Universal Design", https://jfly.uni-koeln.de/color/,
# in their sRGB values (0-255), written out here independently of gencourse.plot.OKABE_ITO.
OKABE_ITO_RGB = {
    "black": (0, 0, 0),
    "orange": (230, 159, 0),
    "sky blue": (86, 180, 233),
    "bluish green": (0, 158, 115),
    "yellow": (240, 228, 66),
    "blue": (0, 114, 178),
    "vermillion": (213, 94, 0),
    "reddish purple": (204, 121, 167),
}


def test_the_default_colour_cycle_is_the_okabe_ito_palette():
    cycle = [
        tuple(round(255 * c) for c in to_rgb(colour))
        for colour in plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ]
    assert sorted(cycle) == sorted(OKABE_ITO_RGB.values())
    # matplotlib's C0..C4 keep their hue, so that code asking for "C3" gets a red
    names = {rgb: name for name, rgb in OKABE_ITO_RGB.items()}
    assert [names[rgb] for rgb in cycle[:5]] == [
        "blue",
        "orange",
        "bluish green",
        "vermillion",
        "reddish purple",
    ]
    # a line drawn without a colour takes the first one
    line = plt.figure().gca().plot([0, 1])[0]
    assert tuple(round(255 * c) for c in to_rgb(line.get_color())) == OKABE_ITO_RGB["blue"]


def test_a_figure_has_an_opaque_white_background():
    """Saved the way the notebook shows a figure (IPython's inline backend: print_figure, which
    passes the figure's facecolor to savefig) and by plt.savefig: no transparent pixel, so the
    figure stays readable on the book's dark theme; the axes' face is white too."""
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [0, 1])
    assert to_rgba(ax.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    for saved in (print_figure(fig, "png"), _savefig_png(fig)):
        pixels = plt.imread(io.BytesIO(saved))
        assert pixels.shape[2] == 4 and pixels[..., 3].min() == 1.0
        corner = pixels[0, 0, :3]
        np.testing.assert_allclose(corner, 1.0)  # the figure's face is white


def _savefig_png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_use_style_restores_the_style_after_rcdefaults():
    with plt.rc_context():
        plt.rcdefaults()
        assert plt.rcParams["axes.prop_cycle"].by_key()["color"][0] != plot.OKABE_ITO[0]
        plot.use_style()
        assert plt.rcParams["axes.prop_cycle"].by_key()["color"][0] == plot.OKABE_ITO[0]
        assert plt.rcParams["figure.facecolor"] == "white"
