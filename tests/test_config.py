import random

import numpy as np
import pytest
import torch

import gencourse


def test_budget_defaults_to_full(monkeypatch):
    monkeypatch.delenv("GENCOURSE_BUDGET", raising=False)
    assert gencourse.budget() == "full"
    assert gencourse.by_budget(quick=1, full=2) == 2


def test_quick_budget_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("GENCOURSE_BUDGET", " Quick ")
    assert gencourse.budget() == "quick"
    assert gencourse.by_budget(quick=(1, 2), full=(3, 4)) == (1, 2)


def test_unknown_budget_is_rejected(monkeypatch):
    monkeypatch.setenv("GENCOURSE_BUDGET", "medium")
    with pytest.raises(ValueError, match="GENCOURSE_BUDGET"):
        gencourse.budget()


def test_device_follows_cuda_availability(monkeypatch):
    monkeypatch.delenv("GENCOURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert gencourse.device().type == expected
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert gencourse.device() == torch.device("cuda")


def test_device_can_be_forced(monkeypatch):
    monkeypatch.setenv("GENCOURSE_DEVICE", "meta")
    assert gencourse.device() == torch.device("meta")
    monkeypatch.setenv("GENCOURSE_DEVICE", "no-such-device")
    with pytest.raises(ValueError, match="GENCOURSE_DEVICE"):
        gencourse.device()


def test_manual_seed_makes_every_generator_reproducible():
    def draw():
        return random.random(), np.random.rand(), torch.rand(3)  # noqa: NPY002 (the global one)

    gencourse.manual_seed(7)
    a = draw()
    generator = gencourse.manual_seed(7)
    b = draw()
    assert a[0] == b[0] and a[1] == b[1] and torch.equal(a[2], b[2])
    assert torch.equal(
        torch.rand(2, generator=generator),
        torch.rand(2, generator=torch.Generator().manual_seed(7)),
    )


@pytest.mark.parametrize("seed, error", [(1.5, TypeError), (True, TypeError), (-1, ValueError)])
def test_manual_seed_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        gencourse.manual_seed(seed)


def test_progress_bars_can_be_switched_off_globally(monkeypatch):
    monkeypatch.setenv("GENCOURSE_PROGRESS", "1")
    assert not gencourse.progress_bar(range(3), desc="x").disable
    assert gencourse.progress_bar(range(3), desc="x", enabled=False).disable
    monkeypatch.setenv("GENCOURSE_PROGRESS", "0")
    assert gencourse.progress_bar(range(3), desc="x").disable
