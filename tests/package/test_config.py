import random

import numpy as np
import pytest
import torch

import gencourse
from gencourse import classifier, data, ebm, flows
from gencourse.config import resolve_device


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


def _missing_devices():
    """Devices this machine lacks, found without gencourse: one past the last GPU, and CUDA or
    MPS where torch reports none."""
    missing = [f"cuda:{torch.cuda.device_count()}"]
    if not torch.cuda.is_available():
        missing.append("cuda")
    if not torch.backends.mps.is_available():
        missing.append("mps")
    return missing


@pytest.mark.parametrize("value", _missing_devices())
def test_a_forced_device_this_machine_lacks_is_rejected_at_once(monkeypatch, value):
    monkeypatch.setenv("GENCOURSE_DEVICE", value)
    with pytest.raises(ValueError, match=rf"GENCOURSE_DEVICE names device '{value}'.*available"):
        gencourse.device()


def test_the_message_lists_the_devices_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setenv("GENCOURSE_DEVICE", "cuda:1")
    assert gencourse.device() == torch.device("cuda:1")
    monkeypatch.setenv("GENCOURSE_DEVICE", "cuda:2")
    with pytest.raises(ValueError, match=r"'cuda:2'.*\(available here: cpu, cuda:0, cuda:1"):
        gencourse.device()
    monkeypatch.setenv("GENCOURSE_DEVICE", "mps")
    with pytest.raises(ValueError, match="'mps', which this machine does not have"):
        gencourse.device()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_a_gpu_this_machine_has_is_accepted(monkeypatch):
    for value in ("cuda", f"cuda:{torch.cuda.device_count() - 1}"):
        monkeypatch.setenv("GENCOURSE_DEVICE", value)
        assert gencourse.device() == torch.device(value)


def test_resolve_device_checks_a_device_argument(monkeypatch):
    monkeypatch.setenv("GENCOURSE_DEVICE", "meta")
    assert resolve_device(None) == torch.device("meta")  # the default, gencourse.device()
    assert resolve_device("cpu") == resolve_device(torch.device("cpu")) == torch.device("cpu")
    missing = f"cuda:{torch.cuda.device_count()}"
    with pytest.raises(ValueError, match=rf"^device names device '{missing}'"):
        resolve_device(missing)
    with pytest.raises(ValueError, match=r"^where must name a torch device.*'gpu please'"):
        resolve_device("gpu please", name="where")
    with pytest.raises(TypeError, match="device must be a torch.device, a string"):
        resolve_device(0.5)


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


@pytest.mark.parametrize(
    "make",
    [
        lambda device: data.TwoMoons().sample(3, seed=0, device=device),
        lambda device: ebm.MLPEnergy(2, device=device),
        lambda device: flows.real_nvp(2, device=device),
        lambda device: classifier.digits_classifier(device),
    ],
    ids=["data.sample", "ebm.MLPEnergy", "flows.real_nvp", "classifier.digits_classifier"],
)
def test_a_missing_device_argument_is_named_before_anything_is_built(make):
    # cuda:7 exists on no machine the tests run on (eight GPUs would be needed)
    if torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    with pytest.raises(ValueError, match=r"device names device 'cuda:7'.*available here"):
        make("cuda:7")
