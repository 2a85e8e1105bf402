"""Options of the unit tests: the device gencourse builds its models on, and torch's dtype.

    pytest tests                                  # the CPU, float32 (the defaults)
    pytest tests --dtype float64                  # the same tests in double precision
    pytest tests --device cuda --dtype float64    # on a GPU

``--device`` sets ``GENCOURSE_DEVICE``, so every model built without an explicit ``device`` (and
every :func:`gencourse.device` default) lives there; tests that pin ``device="cpu"`` stay on the
CPU. ``--dtype`` sets torch's default dtype (:func:`torch.set_default_dtype`), so the tests'
tensors, every model's parameters and the package's samples use it.
"""

import matplotlib
import pytest
import torch

matplotlib.use("Agg")  # tests draw off-screen

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gencourse")
    group.addoption(
        "--device",
        default="cpu",
        help="device of gencourse's models in the unit tests (GENCOURSE_DEVICE), e.g. cuda; "
        "default: cpu",
    )
    group.addoption(
        "--dtype",
        default="float32",
        choices=sorted(DTYPES),
        help="torch's default dtype in the unit tests; default: float32",
    )


def pytest_configure(config: pytest.Config) -> None:
    # before collection and before any fixture, module-scoped ones included
    torch.set_default_dtype(DTYPES[config.getoption("--dtype")])


def pytest_report_header(config: pytest.Config) -> str:
    return f"gencourse: device {config.getoption('--device')}, dtype {config.getoption('--dtype')}"


@pytest.fixture(scope="session")
def device(pytestconfig: pytest.Config) -> torch.device:
    """The device chosen with ``--device``."""
    return torch.device(pytestconfig.getoption("--device"))


@pytest.fixture(scope="session")
def dtype(pytestconfig: pytest.Config) -> torch.dtype:
    """The dtype chosen with ``--dtype``."""
    return DTYPES[pytestconfig.getoption("--dtype")]


@pytest.fixture(autouse=True)
def _device_dtype_and_budget(monkeypatch, device, dtype):
    """Every test runs on ``--device`` in ``--dtype``, seeded, without an inherited budget."""
    monkeypatch.setenv("GENCOURSE_DEVICE", str(device))
    monkeypatch.delenv("GENCOURSE_BUDGET", raising=False)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    torch.manual_seed(0)
    yield
    torch.set_default_dtype(previous)
