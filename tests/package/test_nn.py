"""gencourse.nn: the one network builder, against networks written out layer by layer."""

import pytest
import torch
from torch import nn

from gencourse.nn import evaluating, mlp


def _same_parameters(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        torch.testing.assert_close(sa[key], sb[key], rtol=0, atol=0)


def test_mlp_draws_the_weights_of_the_network_written_out() -> None:
    torch.manual_seed(0)
    built = mlp(3, 2, hidden=5, depth=2, activation=nn.SiLU)
    torch.manual_seed(0)
    reference = nn.Sequential(
        nn.Linear(3, 5), nn.SiLU(), nn.Linear(5, 5), nn.SiLU(), nn.Linear(5, 2)
    )
    _same_parameters(built, reference)
    x = torch.randn(4, 3)
    torch.testing.assert_close(built(x), reference(x))


def test_spectral_norm_is_applied_as_each_layer_is_made() -> None:
    sn = nn.utils.parametrizations.spectral_norm
    torch.manual_seed(1)
    built = mlp(2, 1, hidden=4, depth=1, activation=lambda: nn.LeakyReLU(0.2), spectral_norm=True)
    torch.manual_seed(1)
    first = sn(nn.Linear(2, 4))
    reference = nn.Sequential(first, nn.LeakyReLU(0.2), sn(nn.Linear(4, 1)))
    _same_parameters(built, reference)


def test_zero_last_and_dropout() -> None:
    net = mlp(2, 3, hidden=4, depth=2, dropout=0.5, zero_last=True)
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Dropout] * 2 + [nn.Linear]
    assert torch.count_nonzero(net[-1].weight) == 0 and torch.count_nonzero(net[-1].bias) == 0
    with evaluating(net):
        assert torch.equal(net(torch.ones(1, 2)), torch.zeros(1, 3))


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"hidden": 0}, ValueError, "hidden"),
        ({"depth": 1.5}, TypeError, "depth"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"dropout": "0.1"}, TypeError, "dropout"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict, error: type, name: str) -> None:
    args = {"hidden": 4, "depth": 2} | kwargs
    with pytest.raises(error, match=name):
        mlp(2, 1, **args)


def test_evaluating_restores_the_mode_after_an_error() -> None:
    net = nn.Sequential(nn.Dropout(0.1)).train()
    with pytest.raises(RuntimeError), evaluating(net):
        assert not net.training
        raise RuntimeError("inside")
    assert net.training
    net.eval()
    with evaluating(net):
        pass
    assert not net.training
