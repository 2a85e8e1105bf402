import matplotlib
import pytest
import torch

matplotlib.use("Agg")  # tests draw off-screen


@pytest.fixture(autouse=True)
def _cpu_and_budget(monkeypatch):
    """Unit tests run on the CPU, whatever the machine, and do not inherit a forced budget."""
    monkeypatch.setenv("GENCOURSE_DEVICE", "cpu")
    monkeypatch.delenv("GENCOURSE_BUDGET", raising=False)
    torch.manual_seed(0)
