"""The one training loop: each feature of gencourse.train.fit against a check computed apart."""

import math
import pickle

import pytest
import torch
from torch import nn

from gencourse import train


class _Mean(nn.Module):
    """θ ∈ R^d; the least-squares loss mean_B ‖x − θ‖² is minimised by the sample mean."""

    def __init__(self, dim: int = 2) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(dim))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.theta).square().sum(1).mean()


def _data(n: int = 500, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed)) + 3.0


def test_fit_finds_the_least_squares_minimiser():
    x, model = _data(), _Mean()
    history = train.fit(model, model.loss, x, n_steps=400, lr=0.05, progress=False)
    assert torch.allclose(model.theta.detach(), x.mean(0), atol=0.15)
    assert len(history.loss) == 400 and history.loss[-1] < 0.2 * history.loss[0]
    assert history.seconds > 0


def test_full_batch_gradient_descent_matches_the_closed_form_iteration():
    # sgd with lr η on mean ‖x − θ‖² over the whole sample: θ ← θ − 2η(θ − x̄), exactly
    x, model = _data(4), _Mean()
    train.fit(
        model,
        model.loss,
        x,
        n_steps=5,
        batch_size=4,
        sampling="epochs",
        optimizer=lambda p: torch.optim.SGD(p, lr=0.1),
        progress=False,
    )
    theta = torch.zeros(2)
    for _ in range(5):
        theta = theta - 0.2 * (theta - x.mean(0))
    assert torch.allclose(model.theta.detach(), theta, atol=1e-6)


def test_a_seed_reproduces_a_run_and_a_generator_continues_its_stream():
    x = _data()
    runs = []
    for seed in (3, 3, torch.Generator().manual_seed(3), 4):
        model = _Mean()
        train.fit(model, model.loss, x, n_steps=20, batch_size=8, seed=seed, progress=False)
        runs.append(model.theta.detach().clone())
    assert torch.equal(runs[0], runs[1]) and torch.equal(runs[0], runs[2])
    assert not torch.equal(runs[0], runs[3])
    # a shared generator: the loss's own draws and the minibatches come from one stream
    g = torch.Generator().manual_seed(0)
    seen = []
    model = _Mean()
    train.fit(
        model,
        lambda b: seen.append(torch.rand(1, generator=g)) or model.loss(b),
        x,
        n_steps=3,
        batch_size=2,
        seed=g,
        progress=False,
    )
    g_ref = torch.Generator().manual_seed(0)
    expected = []
    for _ in range(3):
        torch.randint(0, len(x), (2,), generator=g_ref)
        expected.append(torch.rand(1, generator=g_ref))
    assert torch.equal(torch.cat(seen), torch.cat(expected))


def test_minibatches_with_replacement_use_the_documented_indices():
    x = torch.arange(10.0)[:, None]
    batches = []
    model = _Mean(1)
    train.fit(
        model,
        lambda b: batches.append(b) or model.loss(b),
        x,
        n_steps=3,
        batch_size=4,
        seed=7,
        progress=False,
    )
    g = torch.Generator().manual_seed(7)
    expected = [x[torch.randint(0, 10, (4,), generator=g)] for _ in range(3)]
    assert all(torch.equal(a, b) for a, b in zip(batches, expected, strict=True))
    assert torch.equal(train.minibatch(x, 4, seed=7), expected[0])


def test_epochs_visit_every_row_once_per_pass_and_keep_rows_and_labels_together():
    x = torch.arange(10.0)[:, None]
    labels = torch.arange(10) * 100
    seen = []
    model = _Mean(1)

    def loss(b, y):
        assert torch.equal(b[:, 0].long() * 100, y)  # a row and its label stay together
        seen.append(b[:, 0].long())
        return model.loss(b)

    train.fit(
        model,
        loss,
        (x, labels),
        n_steps=8,
        batch_size=3,
        sampling="epochs",
        seed=0,
        progress=False,
    )
    assert [len(s) for s in seen] == [3, 3, 3, 1] * 2
    for first in (0, 4):
        assert sorted(torch.cat(seen[first : first + 4]).tolist()) == list(range(10))


def test_independent_samples_get_one_index_each_in_order():
    x, y = torch.arange(10.0)[:, None], 100 + torch.arange(7.0)[:, None]
    pairs = []
    model = _Mean(1)
    train.fit(
        model,
        lambda a, b: pairs.append((a, b)) or model.loss(a) + model.loss(b),
        (x, y),
        joint=False,
        n_steps=2,
        batch_size=5,
        seed=1,
        progress=False,
    )
    g = torch.Generator().manual_seed(1)
    for a, b in pairs:
        assert torch.equal(a, x[torch.randint(0, 10, (5,), generator=g)])
        assert torch.equal(b, y[torch.randint(0, 7, (5,), generator=g)])


def test_transform_hook_after_step_hook_and_recorded_values():
    x, model = _data(), _Mean()
    calls = []
    history = train.fit(
        model,
        lambda b: (model.loss(b), {"mean": b.mean(), "twice": 2.0}),
        x,
        n_steps=4,
        batch_size=16,
        transform=lambda b: b * 0.0,  # every batch becomes 0: the loss is ‖θ‖²
        after_step=lambda: calls.append(model.theta.detach().clone()),
        progress=False,
    )
    assert history.values["mean"] == [0.0] * 4 and history.twice == [2.0] * 4
    assert len(calls) == 4 and torch.equal(calls[-1], model.theta.detach())
    assert history.loss[0] == 0.0  # θ = 0 at the first step


def test_gradient_clipping_bounds_the_first_step():
    # SGD with lr 1: the first step moves θ by the (clipped) gradient 2(θ − x̄), |·| ≈ 2·√18
    x = _data()
    for clip, expected in ((None, (2 * x.mean(0)).norm()), (0.5, torch.tensor(0.5))):
        model = _Mean()
        train.fit(
            model,
            model.loss,
            x,
            n_steps=1,
            batch_size=len(x),
            sampling="epochs",
            optimizer=lambda p: torch.optim.SGD(p, lr=1.0),
            max_grad_norm=clip,
            progress=False,
        )
        assert abs(float(model.theta.detach().norm()) - float(expected)) < 1e-4


def test_evaluation_every_k_steps_and_keep_best_restores_the_best_parameters():
    x, model = _data(), _Mean()
    target = torch.tensor([1.0, 1.0])  # a "validation" criterion the training does not minimise
    states = {}

    def evaluate():
        states[len(states)] = model.theta.detach().clone()
        return {"distance": float((model.theta - target).norm()), "other": 1.0}

    history = train.fit(
        model,
        model.loss,
        x,
        n_steps=50,
        lr=0.05,
        evaluate=evaluate,
        eval_every=3,
        keep_best="distance",
        progress=False,
    )
    assert history.eval_steps == [*range(3, 50, 3), 50]
    assert history.metrics["other"] == [1.0] * len(history.eval_steps)
    best = min(range(len(history.distance)), key=history.distance.__getitem__)
    assert history.best_step == history.eval_steps[best]
    assert torch.equal(model.theta.detach(), states[best])  # restored, not the last parameters
    assert history.best_step < 50  # θ passes (1, 1) on its way from 0 to x̄ ≈ (3, 3)


def test_a_non_finite_loss_stops_with_the_step_and_the_hint():
    model, calls = _Mean(), []

    def loss(b):
        calls.append(b)
        return model.loss(b) * (math.inf if len(calls) == 4 else 1.0)  # inf at step 3

    with pytest.raises(RuntimeError, match=r"non-finite loss at step 3: the value is inf; cut"):
        train.fit(model, loss, _data(), n_steps=10, hint="cut", progress=False)
    with pytest.raises(RuntimeError, match="non-finite critic objective at step 0"):
        train.fit(
            model,
            lambda: torch.tensor(math.nan, requires_grad=True),
            n_steps=1,
            name="critic objective",
            progress=False,
        )


def test_history_attributes_copies_and_pickles():
    history = train.History(loss=[1.0], values={"gap": [0.5]}, metrics={"nll": [2.0]})
    assert history.gap == [0.5] and history.nll == [2.0]
    with pytest.raises(AttributeError, match="recorded values"):
        _ = history.missing
    assert pickle.loads(pickle.dumps(history)) == history


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(model=nn.Identity()), ValueError, "no trainable parameters"),
        (dict(model=lambda x: x), TypeError, "model must be an nn.Module"),
        (dict(loss=3), TypeError, "loss must be callable"),
        (dict(n_steps=0), ValueError, "n_steps"),
        (dict(batch_size=1.5), TypeError, "batch_size"),
        (dict(lr=-1.0), ValueError, "lr"),
        (dict(weight_decay=-1.0), ValueError, "weight_decay"),
        (dict(max_grad_norm=0.0), ValueError, "max_grad_norm"),
        (dict(optimizer="sgd"), ValueError, "optimizer must be one of"),
        (dict(sampling="bootstrap"), ValueError, "sampling"),
        (dict(data=(torch.zeros(3, 2), torch.zeros(4))), ValueError, "same number of rows"),
        (dict(data=[torch.zeros(3, 2), "labels"]), TypeError, r"data\[1\]"),
        (dict(data=torch.zeros(0, 2)), ValueError, "at least one row"),
        (dict(keep_best="nll"), ValueError, "evaluate"),
        (dict(eval_every=0, evaluate=dict), ValueError, "eval_every"),
        (dict(seed=1.5), TypeError, "seed must be an int, a torch.Generator or None"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(transform=3), TypeError, "transform"),
        (dict(data=None, transform=abs), ValueError, "transform needs data"),
        (dict(sampling="epochs", joint=False), ValueError, "joint"),
    ],
)
def test_bad_arguments_get_a_clear_error(kwargs, error, match):
    model = _Mean()
    args = dict(model=model, loss=model.loss, data=_data(10), n_steps=2, progress=False)
    with pytest.raises(error, match=match):
        train.fit(**(args | kwargs))


def test_keep_best_names_an_existing_metric():
    model = _Mean()
    with pytest.raises(KeyError, match="keep_best='nll'"):
        train.fit(
            model,
            model.loss,
            _data(10),
            n_steps=2,
            evaluate=lambda: {"distance": 0.0},
            keep_best="nll",
            progress=False,
        )


@pytest.mark.parametrize(
    "name, expected, settings",
    [
        ("adam", torch.optim.Adam, dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.1)),
        ("adamw", torch.optim.AdamW, dict(lr=0.02, betas=(0.0, 0.99), weight_decay=0.01)),
        ("rmsprop", torch.optim.RMSprop, dict(lr=0.03, weight_decay=0.0)),
    ],
)
def test_make_optimizer_builds_torchs_optimizer_with_the_settings(name, expected, settings):
    layer = nn.Linear(2, 1)
    opt = train.make_optimizer(name, layer.parameters(), **settings)
    assert type(opt) is expected
    group = opt.param_groups[0]
    assert group["params"] == list(layer.parameters())
    assert all(group[key] == value for key, value in settings.items())
    # one step equals the step of the optimiser built by hand
    twin = nn.Linear(2, 1)
    twin.load_state_dict(layer.state_dict())
    by_hand = expected(twin.parameters(), **settings)
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    for module, optimizer in ((layer, opt), (twin, by_hand)):
        module(x).square().mean().backward()
        optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(layer.parameters(), twin.parameters()))


def test_make_optimizer_accepts_a_factory_and_rejects_bad_settings():
    parameters = list(nn.Linear(2, 1).parameters())
    sgd = train.make_optimizer(lambda p: torch.optim.SGD(p, lr=0.1), parameters)
    assert isinstance(sgd, torch.optim.SGD)
    with pytest.raises(TypeError, match="must return a torch.optim.Optimizer"):
        train.make_optimizer(lambda p: None, parameters)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train.make_optimizer("sgd", parameters)
    with pytest.raises(ValueError, match="lr"):
        train.make_optimizer("adam", parameters, lr=0.0)
    with pytest.raises(TypeError, match="weight_decay"):
        train.make_optimizer("adam", parameters, weight_decay="0")
