"""Fixtures shared by the package's unit tests."""

import pytest
import torch

from gencourse import flows


@pytest.fixture
def small_flow() -> flows.Flow:
    """A Real-NVP of three couplings in float64 with random conditioners (a fresh coupling is the
    identity, which would hide a wrong layer-wise density)."""
    torch.manual_seed(0)
    flow = flows.real_nvp(2, n_couplings=3, hidden=8, device="cpu").double()
    with torch.no_grad():
        for p in flow.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return flow
