import math
import statistics

import pytest
import torch
from scipy import optimize, stats

from gencourse import data, flows


def _perturb(module: torch.nn.Module, seed: int = 0, std: float = 0.1) -> torch.nn.Module:
    """Random parameters (the layers start at the identity), so the checks are not trivial."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(std * torch.randn(p.shape, generator=g))
    return module.eval()


def _layers(dim: int = 6) -> dict[str, flows.Bijector]:
    return {
        "additive": flows.AdditiveCoupling(flows.half_mask(dim)),
        "affine": flows.AffineCoupling(flows.alternating_mask(dim, 1)),
        "affine-unbounded": flows.AffineCoupling(flows.half_mask(dim, 2), scale_bound=None),
        "scaling": flows.DiagonalScaling(dim),
        "actnorm": flows.ActNorm(dim),
        "permutation": flows.Permutation(dim, "random", seed=3),
        "maf": flows.MaskedAutoregressive(dim),
        "iaf": flows.MaskedAutoregressive(dim, inverse_autoregressive=True),
        "nice": flows.nice(dim, 3, device="cpu"),
        "real-nvp": flows.real_nvp(dim, 4, actnorm=True, device="cpu"),
        "real-nvp-image": flows.real_nvp(dim, 4, image_shape=(2, 3), device="cpu"),
        "maf-flow": flows.maf(dim, 3, device="cpu"),
        "spline": flows.SplineCoupling(flows.alternating_mask(dim, 1), 32, bound=2.0),
        "spline-flow": flows.spline_flow(dim, 3, 32, bins=5, actnorm=True, device="cpu"),
        "iaf-flow": flows.maf(dim, 2, inverse_autoregressive=True, device="cpu"),
    }


@pytest.mark.parametrize("name", list(_layers()))
def test_inverse_and_log_det_match_autograd(name):
    layer = _perturb(_layers()[name])
    z = torch.randn(64, 6, generator=torch.Generator().manual_seed(1))
    x, log_det = layer(z)
    z_back, log_det_inverse = layer.inverse(x)
    assert torch.allclose(z_back, z, atol=1e-5)
    reference = flows.autograd_log_abs_det(
        lambda t: layer(t)[0], z
    )  # slogdet of the full Jacobian
    assert torch.allclose(log_det, reference, atol=1e-4)
    assert torch.allclose(log_det_inverse, -log_det, atol=1e-5)
    inverse_reference = flows.autograd_log_abs_det(lambda t: layer.inverse(t)[0], x)
    assert torch.allclose(log_det_inverse, inverse_reference, atol=1e-4)


def test_autograd_jacobian_matches_a_linear_map():
    a = torch.tensor([[2.0, 1.0], [0.5, -3.0]])
    jac = flows.autograd_jacobian(lambda z: z @ a.T, torch.randn(5, 2))
    assert torch.allclose(jac, a.expand(5, 2, 2))
    assert torch.allclose(
        flows.autograd_log_abs_det(lambda z: z @ a.T, torch.randn(3, 2)),
        torch.full((3,), math.log(6.5)),
    )


def test_pushforward_log_prob_of_an_affine_map_is_the_gaussian_density():
    a = torch.tensor([[1.5, 0.0], [0.7, 0.4]], dtype=torch.float64)
    b = torch.tensor([1.0, -2.0], dtype=torch.float64)
    x = torch.randn(20, 2, dtype=torch.float64)
    log_p = flows.pushforward_log_prob(lambda y: torch.linalg.solve(a, (y - b).T).T, x)
    reference = torch.distributions.MultivariateNormal(b, a @ a.T).log_prob(x)
    assert torch.allclose(log_p, reference, atol=1e-10)


def test_additive_coupling_preserves_volume():
    layer = _perturb(flows.AdditiveCoupling(flows.half_mask(5), hidden=32), std=0.5)
    z = torch.randn(32, 5)
    x, log_det = layer(z)
    assert torch.equal(log_det, torch.zeros(32))
    assert torch.allclose(
        flows.autograd_log_abs_det(lambda t: layer(t)[0], z), torch.zeros(32), atol=1e-5
    )
    assert torch.equal(x[:, :2], z[:, :2])  # the kept half is unchanged


def test_affine_log_det_is_the_signed_sum_of_u():
    layer = flows.AffineCoupling(flows.half_mask(4), scale_bound=None)
    with torch.no_grad():
        layer.net[-1].bias[:2] = -1.0  # u ≡ −1 on the two moved coordinates: a contraction
    z = torch.randn(10, 4)
    _, log_det = layer(z)
    assert torch.allclose(log_det, torch.full((10,), -2.0))
    assert torch.allclose(flows.autograd_log_abs_det(lambda t: layer(t)[0], z), log_det, atol=1e-5)


def test_soft_clamp_bounds_the_log_scale():
    u = torch.tensor([-100.0, -1e-3, 0.0, 2.0, 1e4])
    clamped = flows.soft_clamp(u, 3.0)
    assert (
        bool((clamped.abs() <= 3.0).all())
        and abs(float(clamped[1]) + 1e-3) < 1e-8
        and float(clamped[3]) < 2.0
    )
    assert torch.equal(flows.soft_clamp(u, None), u)


def test_masks():
    assert flows.half_mask(5).tolist() == [True, True, False, False, False]
    assert flows.half_mask(5, 3, flip=True).tolist() == [False, False, False, True, True]
    assert flows.alternating_mask(4, 1).tolist() == [False, True, False, True]
    board = flows.checkerboard_mask(8, 8, 0).reshape(8, 8)
    assert (
        int(board.sum()) == 32
        and bool(board[0, 0])
        and not bool(board[0, 1])
        and not bool(board[1, 0])
    )
    assert torch.equal(flows.checkerboard_mask(8, 8, 1), ~flows.checkerboard_mask(8, 8, 0))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: flows.half_mask(1), "dim"),
        (lambda: flows.half_mask(4, split=4), "split"),
        (lambda: flows.half_mask(4, split=0), "split"),
        (lambda: flows.alternating_mask(4, 2), "parity"),
        (lambda: flows.checkerboard_mask(1, 1), "split"),
        (lambda: flows.AffineCoupling(torch.tensor([1, 0, 1])), "torch.bool"),
        (lambda: flows.AffineCoupling(torch.ones(4, dtype=torch.bool)), "between 1 and d-1"),
        (lambda: flows.AffineCoupling(torch.ones(2, 2, dtype=torch.bool)), "vector"),
        (lambda: flows.AffineCoupling(flows.half_mask(4), scale_bound=0.0), "scale_bound"),
        (
            lambda: flows.Flow(
                [flows.AffineCoupling(flows.half_mask(4)), flows.DiagonalScaling(3)]
            ),
            "same dimension",
        ),
        (lambda: flows.Flow([]), "at least one"),
        (lambda: flows.Flow([torch.nn.Linear(2, 2)]), "Bijector"),
        (lambda: flows.Permutation(3, torch.tensor([0, 0, 1])), "exactly once"),
        (lambda: flows.Permutation(3, "shuffle"), "permutation"),
        (lambda: flows.real_nvp(64, image_shape=(8, 7), device="cpu"), "image_shape"),
        (lambda: flows.MaskedAutoregressive(1), "dim"),
        (lambda: flows.SplineCoupling(flows.half_mask(4), bins=1), "bins"),
        (lambda: flows.SplineCoupling(flows.half_mask(4), bound=0.0), "bound"),
    ],
)
def test_bad_construction_is_rejected(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_inputs_are_rejected():
    flow = flows.real_nvp(4, 2, device="cpu")
    with pytest.raises(ValueError, match="4 columns"):
        flow.log_prob(torch.randn(3, 5))
    with pytest.raises(ValueError, match="finite"):
        flow.log_prob(torch.tensor([[0.0, float("nan"), 0.0, 0.0]]))
    with pytest.raises(TypeError, match="floating-point"):
        flow.inverse(torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="device"):
        flow.log_prob(torch.zeros(3, 4, device="meta"))
    with pytest.raises(ValueError, match="n must be"):
        flow.sample(0)
    with pytest.raises(ValueError, match="levels"):
        flows.train_flow(flow, torch.full((10, 4), 0.5), levels=17, n_steps=1, progress=False)


def test_made_is_autoregressive_and_maf_counts_passes():
    made = _perturb(flows.MADE(5, hidden=16), std=0.5)
    jac = flows.autograd_jacobian(lambda y: made(y)[0], torch.randn(4, 5))
    assert float(torch.triu(jac).abs().max()) == 0.0  # u_i depends on y_{<i} only
    assert float(torch.tril(jac, -1).abs().max()) > 0
    layer = flows.MaskedAutoregressive(5)
    layer.inverse(torch.randn(3, 5))
    assert layer.passes == 1  # MAF: density in one pass
    layer(torch.randn(3, 5))
    assert layer.passes == 1 + 5  # sampling: d passes
    iaf = flows.MaskedAutoregressive(5, inverse_autoregressive=True)
    iaf(torch.randn(3, 5))
    assert iaf.passes == 1


def test_actnorm_initialises_from_data():
    x = 3.0 + 2.0 * torch.randn(1000, 3)
    layer = flows.ActNorm(3).train()
    z, _ = layer.inverse(x)
    assert bool(layer.initialized)
    assert torch.allclose(z.mean(0), torch.zeros(3), atol=1e-5) and torch.allclose(
        z.std(0), torch.ones(3), atol=1e-4
    )


def test_sample_with_log_prob_agrees_with_log_prob():
    flow = _perturb(flows.real_nvp(3, 4, device="cpu"))
    x, log_p = flow.sample_with_log_prob(50, seed=0)
    assert torch.allclose(log_p, flow.log_prob(x), atol=1e-4)
    points = flow.trajectory(torch.randn(7, 3))
    assert len(points) == 5 and torch.allclose(points[-1], flow(points[0])[0])


def test_the_loss_and_dequantization_chapter_4_shows():
    # the listings of Chapter 4: −(1/B) Σ log P_θ(y_i), checked against the autograd reference
    # (not flow.log_prob), and y = (x + u)/L with u ~ U[0, 1)^d drawn from the given generator
    from gencourse.flows._dequantization import _dequantize
    from gencourse.flows._train import _negative_log_likelihood

    flow = _perturb(flows.real_nvp(3, 4, 16, device="cpu"))
    y = torch.randn(20, 3)
    reference = flows.pushforward_log_prob(lambda x: flow.inverse(x)[0], y)
    assert torch.allclose(_negative_log_likelihood(flow, y), -reference.mean(), atol=1e-4)
    x = torch.randint(0, 17, (500, 3)).to(torch.get_default_dtype())
    y = _dequantize(x, 17, torch.Generator().manual_seed(5))
    u = torch.rand(x.shape, generator=torch.Generator().manual_seed(5))
    assert torch.equal(y, (x + u) / 17)
    assert bool(((y * 17 >= x) & (y * 17 < x + 1)).all())
    assert _dequantize(x, None, None) is x


def test_layerwise_and_bend_live_in_flows_and_explore_reexports_them():
    from gencourse import explore

    for name in ("warp", "layer_log_prob", "bend", "bend_inverse"):
        assert getattr(explore, name) is getattr(flows, name), name
    flow = _perturb(flows.real_nvp(2, 3, 8, device="cpu"))
    x = torch.randn(4, 2)
    assert torch.allclose(flows.layer_log_prob(flow, 3, x), flow.log_prob(x), atol=1e-5)
    assert torch.equal(flows.layer_log_prob(flow, 0, x), flows.standard_normal_log_prob(x))
    z = torch.linspace(-3, 3, 13)
    assert torch.allclose(flows.bend_inverse(flows.bend(z, 2.0), 2.0), z, atol=1e-6)


@pytest.fixture(scope="module")
def moons_flow():
    moons = data.TwoMoons()
    train, valid = (
        moons.sample(3000, seed=0, device="cpu"),
        moons.sample(2000, seed=1, device="cpu"),
    )
    flow = flows.real_nvp(2, 6, 64, device="cpu")
    history = flows.train_flow(
        flow, train, valid=valid, n_steps=600, eval_every=300, progress=False
    )
    return flow, history, train, valid


def test_training_beats_a_gaussian_and_the_density_integrates_to_one(moons_flow):
    flow, history, train, valid = moons_flow
    gaussian = torch.distributions.MultivariateNormal(
        train.mean(0).double(), torch.cov(train.T.double())
    )
    gaussian_nll = float(-gaussian.log_prob(valid.double()).mean())
    assert history.valid_nll[-1] < gaussian_nll - 0.8, (history.valid_nll, gaussian_nll)
    assert history.valid_steps == [300, 600] and len(history.loss) == 600
    assert abs(flows.evaluate_nll(flow, valid) - history.valid_nll[-1]) < 1e-5
    side = torch.linspace(-6, 6, 601)
    xx, yy = torch.meshgrid(side, side, indexing="ij")
    with torch.no_grad():
        density = flow.log_prob(torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)).exp()
    mass = float(density.sum()) * float(side[1] - side[0]) ** 2
    assert abs(mass - 1) < 0.01, mass


def test_checkpoint_round_trip_with_weights_only(moons_flow, tmp_path):
    flow = flows.real_nvp(2, 6, 64, actnorm=True, device="cpu")
    _, _, train, valid = moons_flow
    flows.train_flow(flow, train, n_steps=5, progress=False)
    torch.save(flow.state_dict(), tmp_path / "flow.pt")
    clone = flows.real_nvp(2, 6, 64, actnorm=True, device="cpu")
    clone.load_state_dict(torch.load(tmp_path / "flow.pt", weights_only=True))
    clone.train()
    assert torch.allclose(
        clone.log_prob(valid), flow.log_prob(valid)
    )  # ActNorm is not re-initialised
    assert bool(clone.layers[-1].initialized)


def test_digits_training_with_dequantization_lowers_bits_per_dim():
    images, _ = data.digits("train", device="cpu")
    test_images, _ = data.digits("test", device="cpu")
    flow = flows.real_nvp(64, 4, 64, actnorm=True, image_shape=(8, 8), device="cpu")
    history = flows.train_flow(
        flow,
        images.reshape(-1, 64),
        valid=test_images.reshape(-1, 64),
        levels=data.DIGIT_LEVELS,
        n_steps=150,
        eval_every=150,
        progress=False,
    )
    bpd = history.bits_per_dim(history.valid_nll[-1])
    assert bpd < math.log2(data.DIGIT_LEVELS) - 1.0, (
        bpd
    )  # far better than the uniform model's 4.09
    log_p = -torch.tensor(history.valid_nll[-1])
    assert abs(bpd - float(data.bits_per_dim(log_p, 64))) < 1e-6


class _Exploding(flows.Bijector):
    """A layer whose log-determinant becomes NaN: training must stop with a clear message."""

    def __init__(self):
        super().__init__(2)
        self.weight = torch.nn.Parameter(torch.zeros(()))

    def _forward(self, z):
        return z, self.weight.expand(z.shape[0])

    def _inverse(self, x):
        return x, torch.log(self.weight - 1).expand(x.shape[0])


def test_non_finite_loss_stops_training():
    flow = flows.Flow([_Exploding()], device="cpu")
    with pytest.raises(RuntimeError, match="non-finite loss at step 0"):
        flows.train_flow(flow, torch.randn(100, 2), n_steps=10, progress=False)


class _Climbing(flows.Bijector):
    """log|det ∇f^{-1}| = w, NaN once w ≥ 2.5: the NLL's gradient in w is −1 at every step, so
    Adam (lr 1, its first steps of exactly lr) takes w to 1, 2, 3 and the loss of step 3 is NaN."""

    def __init__(self):
        super().__init__(2)
        self.weight = torch.nn.Parameter(torch.zeros(()))

    def _forward(self, z):
        return z, -self._log_det(z.shape[0])

    def _inverse(self, x):
        return x, self._log_det(x.shape[0])

    def _log_det(self, n):
        nan = torch.full((), float("nan"))
        return torch.where(self.weight < 2.5, self.weight, nan).expand(n)


def test_non_finite_loss_error_says_at_which_step():
    flow = flows.Flow([_Climbing()], device="cpu")
    with pytest.raises(flows.NonFiniteLossError, match="non-finite loss at step 3") as caught:
        flows.train_flow(flow, torch.randn(100, 2), n_steps=10, lr=1.0, progress=False)
    assert isinstance(caught.value, RuntimeError)
    assert caught.value.step == 3 and len(caught.value.history.loss) == 3
    # the parameters whose loss was NaN: three updates, the failing step's not taken
    assert float(flow.layers[0].weight.detach()) == pytest.approx(3.0, abs=1e-4)


class _Failing(flows.Bijector):
    """A layer that fails for another reason once training has started (its first call is the
    initialisation pass before the loop): its error must reach the caller unchanged."""

    def __init__(self):
        super().__init__(2)
        self.weight = torch.nn.Parameter(torch.zeros(()))
        self.calls = 0

    def _forward(self, z):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("a bug, not a non-finite loss")
        return z, self.weight.expand(z.shape[0])

    _inverse = _forward


def test_other_runtime_errors_are_not_reported_as_non_finite_losses():
    with pytest.raises(RuntimeError, match="a bug") as caught:
        flows.train_flow(
            flows.Flow([_Failing()], device="cpu"), torch.randn(100, 2), n_steps=3, progress=False
        )
    assert not isinstance(caught.value, flows.NonFiniteLossError)


def test_keep_best_restores_the_best_validation_parameters(moons_flow):
    _, _, train, valid = moons_flow
    flow = flows.real_nvp(2, 2, 16, device="cpu")
    history = flows.train_flow(
        flow,
        train[:200],
        valid=valid,
        n_steps=60,
        eval_every=10,
        lr=3e-2,
        keep_best=True,
        progress=False,
    )
    best = min(history.valid_nll)
    assert history.best_step == history.valid_steps[history.valid_nll.index(best)]
    assert abs(flows.evaluate_nll(flow, valid) - best) < 1e-5
    with pytest.raises(ValueError, match="validation"):
        flows.train_flow(flow, train, n_steps=1, keep_best=True, progress=False)


# ----------------------------------------------------------------------------------------------
# float64 flows, dropout in the conditioners, the importance-weighted dequantization bound
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: flows.real_nvp(3, 4, actnorm=True, device="cpu"),
        lambda: flows.maf(3, 2, device="cpu"),
        lambda: flows.nice(3, 2, device="cpu"),
    ],
)
def test_a_float64_flow_samples_in_float64(make):
    flow = _perturb(make()).double()
    x = flow.sample(20, seed=0)
    assert x.dtype == torch.float64
    x, log_p = flow.sample_with_log_prob(20, seed=0)
    assert x.dtype == log_p.dtype == torch.float64
    assert torch.allclose(log_p, flow.log_prob(x), atol=1e-10)  # float64 precision


def test_a_flow_without_floating_tensors_samples_in_the_default_dtype():
    flow = flows.Flow([flows.Permutation(3)], device="cpu")
    assert flow.sample(4).dtype == torch.get_default_dtype()


@pytest.mark.parametrize(
    "make, round_trip_atol",
    [
        (lambda p: flows.real_nvp(6, 2, 32, dropout=p, device="cpu"), 1e-5),
        (lambda p: flows.nice(6, 2, 32, dropout=p, device="cpu"), 1e-5),
        (lambda p: flows.maf(6, 2, 32, dropout=p, device="cpu"), None),
        # the spline's inverse is a quadratic's root: its float32 rounding is amplified by
        # 1/g' where the (randomly perturbed, dropout-scaled) spline is flat
        (lambda p: flows.spline_flow(6, 2, 32, dropout=p, device="cpu"), 1e-3),
    ],
)
def test_dropout_acts_in_training_mode_only_and_keeps_the_layers_exact(make, round_trip_atol):
    torch.manual_seed(0)
    flow = _perturb(make(0.5), std=0.3)
    assert any(isinstance(m, torch.nn.Dropout) for m in flow.modules())
    x = torch.randn(16, 6, generator=torch.Generator().manual_seed(1))
    assert torch.equal(flow.log_prob(x), flow.log_prob(x))  # eval: deterministic
    flow.train()
    assert not torch.allclose(flow.log_prob(x), flow.log_prob(x))  # a fresh mask per call
    # for one dropout mask, the density direction's log-determinant is autograd's
    layer = flow.layers[0]
    torch.manual_seed(2)
    z, log_det_inverse = layer.inverse(x)
    torch.manual_seed(2)
    reference = flows.autograd_log_abs_det(lambda t: layer.inverse(t)[0], x)
    assert torch.allclose(log_det_inverse, reference, atol=1e-4)
    if round_trip_atol is not None:  # a coupling: one mask in each direction, a bijection
        torch.manual_seed(2)
        assert torch.allclose(layer(z)[0], x, atol=round_trip_atol)
    assert not any(isinstance(m, torch.nn.Dropout) for m in make(0.0).modules())


@pytest.mark.parametrize(
    "dropout, error", [(1.0, ValueError), (-0.1, ValueError), ("0", TypeError)]
)
def test_bad_dropout_is_rejected(dropout, error):
    with pytest.raises(error, match="dropout"):
        flows.real_nvp(4, 2, dropout=dropout, device="cpu")


def _cell_nll_by_quadrature(flow: flows.Flow, x: torch.Tensor, levels: int, m: int = 400):
    """−log P_θ(x) = −log ∫_cell p_θ(y) dy for 2D points x, by the midpoint rule (m² nodes)."""
    side = (torch.arange(m, dtype=torch.float64) + 0.5) / m  # offsets u in [0, 1)
    u = torch.stack(torch.meshgrid(side, side, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        mass = [float(flow.log_prob((point + u) / levels).exp().mean()) for point in x]
    return -torch.log(torch.tensor(mass, dtype=torch.float64))  # density of y: no L^{-d}


@pytest.fixture(scope="module")
def tiny_discrete():
    """A float64 flow on the unit square seen through L = 3 levels: 9 cells, each with its exact
    probability by quadrature, the brute-force reference of the importance-weighted bound. A
    fixed ActNorm squeezes Q's mass into the square (mean 0.5, scale 0.25), so that the density
    varies strongly within a cell and the single-sample bound is visibly loose."""
    torch.manual_seed(0)
    squeeze = flows.ActNorm(2)
    with torch.no_grad():
        squeeze.shift.fill_(0.5)
        squeeze.log_scale.fill_(math.log(0.25))
        squeeze.initialized.fill_(True)
    # mild couplings: with std 0.4 some cells get probability ~e^-100, where neither the midpoint
    # rule nor 2000 draws resolve the peak (the test compared two poor estimates)
    couplings = _perturb(flows.real_nvp(2, 4, 16, device="cpu"), std=0.1).layers
    flow = flows.Flow([*couplings, squeeze], device="cpu").double().eval()
    levels = 3
    x = torch.cartesian_prod(torch.arange(3.0), torch.arange(3.0)).double()
    return flow, x, levels, _cell_nll_by_quadrature(flow, x, levels)


def test_importance_weighted_bound_with_one_sample_is_the_single_sample_bound(tiny_discrete):
    flow, x, levels, _ = tiny_discrete
    for seed in (0, 5):
        single = flows.evaluate_nll(flow, x, levels=levels, seed=seed)
        weighted = flows.importance_weighted_nll(flow, x, levels=levels, n_samples=1, seed=seed)
        assert abs(single - weighted) < 1e-12


def test_importance_weighted_bound_tightens_with_k_towards_the_exact_cell_probability(
    tiny_discrete,
):
    flow, x, levels, exact = tiny_discrete
    exact_nll = float(exact.mean())
    # 300 independent copies of the 9 cells: the mean is the bound's expectation to ~1e-3
    copies = x.repeat(300, 1)
    expected = {
        k: flows.importance_weighted_nll(flow, copies, levels=levels, n_samples=k, seed=k)
        for k in (1, 4, 32)
    }
    assert expected[1] > expected[4] > expected[32] > exact_nll, (expected, exact_nll)
    assert expected[1] - exact_nll > 0.1, (expected, exact_nll)  # visibly loose at K = 1
    tight = flows.importance_weighted_nll(
        flow, x.repeat(20, 1), levels=levels, n_samples=2000, seed=0
    )
    assert exact_nll <= tight < exact_nll + 1e-2, (tight, exact_nll)


def test_importance_weighted_bound_rejects_bad_input(tiny_discrete):
    flow, x, levels, _ = tiny_discrete
    with pytest.raises(ValueError, match="levels"):
        flows.importance_weighted_nll(flow, x + 0.5, levels=levels)
    with pytest.raises(ValueError, match="n_samples"):
        flows.importance_weighted_nll(flow, x, levels=levels, n_samples=0)
    with pytest.raises(TypeError, match="Flow"):
        flows.importance_weighted_nll(torch.nn.Linear(2, 2), x, levels=levels)


def _benchmark(name: str = "bench_flows_digits"):
    """The module benchmarks/NAME.py (a script, not a package: loaded from its file)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chapter_4_shows_the_digits_benchmark_and_runs_its_choice():
    """One source of truth: the ablation table in Chapter 4 is the one the benchmark's saved
    runs give, every remedy has three seeds, and the chapter trains the chosen configuration."""
    bench = _benchmark()
    rows = bench.load()
    assert rows, "no saved runs: python benchmarks/bench_flows_digits.py --all"
    counts = {name: sum(r["remedy"] == name for r in rows) for name in bench.REMEDIES}
    assert set(counts.values()) == {3}, counts
    chapter = (bench.RESULTS.parents[2] / "chapters" / "04_coupling_flows.md").read_text()
    assert bench.markdown_table(rows) in chapter, "rerun --table and paste it into Chapter 4"
    assert bench.chosen(rows) == bench.CHAPTER
    remedy = bench.REMEDIES[bench.CHAPTER]
    shown = [
        f"dropout={remedy['arch']['dropout']}",
        f"lr={remedy['train']['lr']:.0e}".replace("e-0", "e-"),
        f"full={remedy['train']['n_steps']}",
        f"n_couplings={remedy['arch']['n_couplings']}, hidden={remedy['arch']['hidden']}",
        "data.one_pixel_shifts(fit_x.reshape(-1, 8, 8))",
    ]
    assert all(text in chapter for text in shown), [t for t in shown if t not in chapter]


def test_chapter_4_quotes_the_benchmark_of_the_spline_flow():
    """Chapter 4's spline section shows the benchmark's comparison table and its configuration."""
    bench = _benchmark()
    rows = bench.load()
    assert sum(r["remedy"] == bench._SPLINE for r in rows) == 3
    chapter = (bench.RESULTS.parents[2] / "chapters" / "04_coupling_flows.md").read_text()
    assert bench.comparison_table(rows) in chapter, "rerun --table and paste it into Chapter 4"
    # what the chapter says of the table: the spline flow reaches zuko's NSF, below it by the
    # single-sample bound (by more than two of the NSF's standard deviations over seeds), level
    # with it by the importance-weighted bound (not above it by more than one)
    scores = {
        name: {
            key: [float(r[key]) for r in rows if r["remedy"] == name]
            for key in ("test_bpd", "test_bpd_iw100")
        }
        for name in (bench._SPLINE, "zuko NSF")
    }
    spline, nsf = scores[bench._SPLINE], scores["zuko NSF"]
    assert len(nsf["test_bpd"]) == 3, nsf
    assert statistics.mean(spline["test_bpd"]) < statistics.mean(nsf["test_bpd"]) - 2 * (
        statistics.stdev(nsf["test_bpd"])
    ), scores
    assert statistics.mean(spline["test_bpd_iw100"]) < statistics.mean(
        nsf["test_bpd_iw100"]
    ) + statistics.stdev(nsf["test_bpd_iw100"]), scores


def test_chapter_4_quotes_the_toys_benchmark_of_the_spline_flow():
    """Chapter 4 shows the saved runs' table of benchmarks/bench_flows_toys.py, and what it says
    of it holds on them: the spline flow's mean held-out NLL is the lower on every toy, by more
    than the larger of the two seeds' standard deviations on all but the two moons, it wins 11 of
    the 12 pairs of runs, and it trains faster on every toy."""
    bench = _benchmark("bench_flows_toys")
    rows = bench.load()
    affine, spline = bench.FLOWS
    chapter = (bench.RESULTS.parents[2] / "chapters" / "04_coupling_flows.md").read_text()
    assert bench.table(rows) in chapter, "rerun the benchmark and paste its table into Chapter 4"
    wins = 0
    for toy in bench.TOYS:
        a, s = bench.values(rows, toy, affine), bench.values(rows, toy, spline)
        assert len(a) == len(s) == 3, (toy, a, s)
        gap = statistics.mean(a) - statistics.mean(s)
        spread = max(statistics.stdev(a), statistics.stdev(s))
        assert gap > (0 if toy == "two moons" else spread), (toy, gap, spread)
        wins += sum(x > y for x, y in zip(a, s))
        seconds = {
            name: statistics.mean(bench.values(rows, toy, name, "train_seconds"))
            for name in (affine, spline)
        }
        assert seconds[spline] < seconds[affine], (toy, seconds)
    assert wins == 11, wins


def test_bend_inverse_against_brentq_and_the_density_integrates_to_one():
    x = torch.linspace(-4, 4, 9, dtype=torch.float64)
    for a in (-0.8, 0.0, 3.0):
        w = flows.bend_inverse(x, a)
        ref = [
            optimize.brentq(lambda t, a=a, v=v: t + a / 3 * math.tanh(3 * t) - v, -9, 9) for v in x
        ]
        assert torch.allclose(w, torch.tensor(ref, dtype=torch.float64), atol=1e-10)
        grid = torch.linspace(-12, 12, 20001, dtype=torch.float64)
        z = flows.bend_inverse(grid, a)
        density = torch.from_numpy(stats.norm.pdf(z.numpy())) / (1 + a / torch.cosh(3 * z) ** 2)
        assert abs(float(torch.trapezoid(density, grid)) - 1) < 1e-6
    with pytest.raises(ValueError, match="a must be"):
        flows.bend_inverse(x, -1.0)


def test_layer_log_prob_against_the_autograd_jacobian_of_the_first_layers(small_flow):
    # log P_t(z_t) = log Q(z_0) − log|det ∂z_t/∂z_0|, the Jacobian of warp by autograd
    flow = small_flow
    z0 = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    log_q = torch.from_numpy(stats.multivariate_normal(mean=[0, 0]).logpdf(z0.numpy()))
    for t in range(len(flow.layers) + 1):
        x = flows.warp(flow, t, z0)
        jacobians = [
            torch.autograd.functional.jacobian(lambda v, t=t: flows.warp(flow, t, v[None])[0], v)
            for v in z0
        ]
        log_det = torch.stack([torch.linalg.slogdet(j)[1] for j in jacobians])
        assert torch.allclose(flows.layer_log_prob(flow, t, x), log_q - log_det, atol=1e-10)
    x = torch.randn(5, 2, dtype=torch.float64)
    assert torch.allclose(flows.layer_log_prob(flow, 3, x), flow.log_prob(x), atol=1e-12)
    assert torch.allclose(flows.warp(flow, 3, z0), flow(z0)[0], atol=1e-12)
    for bad in (-1, 4, 1.5):
        with pytest.raises(ValueError, match="t must be"):
            flows.layer_log_prob(flow, bad, x)
    with pytest.raises(TypeError, match="flow"):
        flows.warp(torch.nn.Linear(2, 2), 1, x)


def _random_spline(n: int, m: int, bins: int, seed: int = 0, std: float = 2.0):
    """Unconstrained spline parameters far from the identity's (zero) ones."""
    g = torch.Generator().manual_seed(seed)
    return [std * torch.randn(n, m, k, generator=g) for k in (bins, bins, bins - 1)]


def test_the_spline_interpolates_its_knots_and_their_derivatives():
    # the definition of the rational-quadratic spline: g(x_k) = y_k and g'(x_k) = δ_k at every
    # knot, checked with autograd's derivative (not the formula's)
    from gencourse.flows._spline import _knots

    params = _random_spline(1, 1, 6)
    x_knots, y_knots, delta = (t[0, 0] for t in _knots(*params, bound=2.5))
    x = x_knots.clone().requires_grad_(True)
    y, log_slope = flows.rational_quadratic_spline(
        x[:, None], *(p.expand(7, 1, -1) for p in params), 2.5
    )
    (slope,) = torch.autograd.grad(y.sum(), x)
    assert torch.allclose(y[:, 0], y_knots, atol=1e-5)
    assert x_knots[0] == y_knots[0] == -2.5 and torch.isclose(y_knots[-1], torch.tensor(2.5))
    # one-sided at the knots: inside the bins the derivative is continuous, so compare both
    assert torch.allclose(slope, delta, rtol=1e-3)
    assert torch.allclose(log_slope[:, 0].exp(), delta, rtol=1e-3)


def test_the_spline_is_increasing_invertible_and_the_identity_outside_the_bound():
    n, bound = 400, 3.0
    params = _random_spline(1, 1, 8)
    z = torch.linspace(-5, 5, n)[:, None]
    wide = [p.expand(n, 1, -1) for p in params]
    x, log_slope = flows.rational_quadratic_spline(z, *wide, bound)
    assert bool((x[1:] > x[:-1]).all())  # strictly increasing
    outside = z.abs() > bound
    assert torch.equal(x[outside], z[outside]) and bool((log_slope[outside] == 0).all())
    z_back, log_slope_inverse = flows.rational_quadratic_spline(x, *wide, bound, inverse=True)
    assert torch.allclose(z_back, z, atol=1e-4)
    assert torch.allclose(log_slope_inverse, -log_slope, atol=1e-4)
    # zero parameters: uniform bins and unit derivatives, the identity
    zero = [torch.zeros_like(p) for p in wide]
    assert torch.allclose(flows.rational_quadratic_spline(z, *zero, bound)[0], z, atol=1e-5)


def test_a_spline_coupling_starts_as_the_identity_and_keeps_its_half():
    layer = flows.SplineCoupling(flows.half_mask(4))
    z = torch.randn(10, 4, generator=torch.Generator().manual_seed(0))
    x, log_det = layer(z)
    assert torch.allclose(x, z, atol=1e-5) and torch.allclose(log_det, torch.zeros(10), atol=1e-5)
    layer = _perturb(layer, std=0.5)
    assert torch.equal(layer(z)[0][:, :2], z[:, :2])
