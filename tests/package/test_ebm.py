import pytest
import torch

from gencourse import data, ebm


def gaussian_2d():
    return ebm.GaussianEnergy(torch.tensor([1.0, -0.5]), torch.tensor([[1.0, 0.6], [0.6, 0.8]]))


def test_quadrature_partition_function_matches_the_closed_form():
    energy = gaussian_2d()
    log_z, points, log_density, cell = ebm.partition_function(energy, (-8, 8), resolution=300)
    assert log_z == pytest.approx(energy.log_z, abs=1e-4)
    assert float(log_density.exp().sum() * cell) == pytest.approx(1.0, abs=1e-4)
    assert points.shape == (300**2, 2)


def test_banana_partition_function_matches_the_closed_form():
    banana = ebm.BananaEnergy(curvature=0.5, width=0.5)
    log_z, *_ = ebm.partition_function(banana, [(-8, 8), (-6, 30)], resolution=600)
    assert log_z == pytest.approx(banana.log_z, abs=1e-3)


def test_quadrature_cost_grows_exponentially_with_the_dimension():
    cost = ebm.quadrature_cost(
        lambda d: ebm.LogDensityEnergy(data.gaussian_pair(d)), lambda d: 0.0, (1, 2, 3), (-7, 7)
    )
    assert [m for _, m, _ in cost] == [cost[0][1]] * 3 and [t for *_, t in cost] == [
        cost[0][1] ** d for d in (1, 2, 3)
    ]


def test_histogram_tv_is_small_for_exact_samples_and_large_for_wrong_ones():
    ring4 = data.ring(n_modes=4, radius=1.5, std=0.5)
    energy = ebm.LogDensityEnergy(ring4)
    window = ((-3.5, 3.5), (-3.5, 3.5))
    exact = ebm.histogram_tv(ring4.sample(20000, seed=0), energy, window, bins=15)
    wrong = ebm.histogram_tv(
        torch.randn(20000, 2, generator=torch.Generator().manual_seed(1)), energy, window, bins=15
    )
    assert exact < 0.04 < 0.3 < wrong


def test_the_gibbs_density_of_minus_log_rho_is_rho():
    mixture = data.ring(std=0.3)
    log_z, points, log_density, _ = ebm.partition_function(
        ebm.LogDensityEnergy(mixture), (-3, 3), 200
    )
    assert log_z == pytest.approx(0.0, abs=1e-3)
    assert torch.allclose(log_density, mixture.log_prob(points), atol=1e-3)


def test_grad_energy_matches_the_closed_form():
    energy = gaussian_2d()
    x = torch.randn(10, 2)
    v, g = ebm.grad_energy(energy, x)
    precision = torch.linalg.inv(torch.tensor([[1.0, 0.6], [0.6, 0.8]]))
    assert torch.allclose(g, (x - energy.mean) @ precision, atol=1e-5)
    assert torch.allclose(
        v, 0.5 * (((x - energy.mean) @ precision) * (x - energy.mean)).sum(1), atol=1e-5
    )


def test_mala_samples_a_known_gaussian():
    energy = gaussian_2d()
    x0 = torch.randn(4000, 2, generator=torch.Generator().manual_seed(0))
    result = ebm.mala(energy, x0, step_size=0.2, n_steps=300, seed=1)
    x = result.samples.double()
    assert torch.allclose(x.mean(0), energy.mean.double(), atol=0.05)
    assert torch.allclose(
        torch.cov(x.T), torch.tensor([[1.0, 0.6], [0.6, 0.8]], dtype=torch.float64), atol=0.06
    )
    assert 0.5 < result.acceptance < 1


def test_langevin_bias_on_a_gaussian_is_the_known_one_and_mala_removes_it():
    # For V = x²/2, ULA is x' = (1 − η) x + √(2η) ξ, whose stationary variance is 1 / (1 − η/2).
    energy = ebm.GaussianEnergy(torch.zeros(1), torch.eye(1))
    x0 = torch.zeros(20000, 1)
    for eta in (0.1, 0.5):
        ula = ebm.langevin(energy, x0, eta, 200, seed=2).samples
        assert float(ula.var()) == pytest.approx(1 / (1 - eta / 2), rel=0.04)
    exact = ebm.mala(energy, x0, 0.5, 300, seed=3).samples
    assert float(exact.var()) == pytest.approx(1.0, rel=0.04)


def test_langevin_with_a_small_step_approximates_a_known_1d_density():
    rho = data.GaussianMixture(torch.tensor([[-1.5], [1.5]]), 0.7)
    energy = ebm.LogDensityEnergy(rho)
    x = ebm.langevin(
        energy,
        torch.randn(20000, 1, generator=torch.Generator().manual_seed(4)),
        0.01,
        1500,
        seed=5,
    ).samples
    edges = torch.linspace(-4, 4, 41)
    counts = torch.histc(x[:, 0], bins=40, min=-4, max=4) / x.shape[0]
    centres = (edges[:-1] + edges[1:]) / 2
    expected = rho.log_prob(centres[:, None]).exp() * 0.2
    assert 0.5 * float((counts - expected).abs().sum()) < 0.03


def test_mala_acceptance_falls_as_the_step_grows():
    energy = gaussian_2d()
    x0 = torch.randn(2000, 2, generator=torch.Generator().manual_seed(6)) + energy.mean
    rates = [
        ebm.mala(energy, x0, eta, 50, seed=7).acceptance for eta in (0.01, 0.1, 0.5, 1.5, 4.0)
    ]
    assert all(a > b for a, b in zip(rates, rates[1:])), rates
    assert rates[0] > 0.95 and rates[-1] < 0.3


def test_mala_trace_records_the_chain():
    result = ebm.mala(gaussian_2d(), torch.zeros(5, 2), 0.1, 20, seed=0, trace_every=5)
    assert result.trace.shape == (4, 5, 2)
    assert torch.equal(result.trace[-1], result.samples)


def test_training_moves_the_model_towards_the_data():
    torch.manual_seed(0)
    target = torch.tensor([1.5, -1.0])
    x = target + 0.3 * torch.randn(2000, 2, generator=torch.Generator().manual_seed(8))
    energy = ebm.MLPEnergy(2, hidden=32, depth=2, device="cpu")
    before = _model_mean(energy)
    history = ebm.train_ebm(
        energy,
        x,
        n_steps=300,
        batch_size=128,
        lr=3e-3,
        mcmc_steps=10,
        step_size=0.02,
        n_chains=512,
        progress=False,
    )
    after = _model_mean(energy)
    assert len(history.loss) == 300
    assert float((after - target).norm()) < 0.3 < float((before - target).norm())


def _model_mean(energy):
    _, points, log_density, cell = ebm.partition_function(energy, (-4, 4), 120)
    return (points * (log_density.exp() * cell)[:, None]).sum(0)


class _InfiniteFarAway(ebm.Energy):
    def __init__(self):
        super().__init__(2)
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, x):
        v = self.scale * x.square().sum(1)
        return torch.where(x[:, 0] > 100, torch.full_like(v, float("inf")), v)


def test_a_non_finite_loss_stops_training_with_a_clear_message():
    far = torch.full((10, 2), 1000.0)
    with pytest.raises(RuntimeError, match="non-finite loss at step 0"):
        ebm.train_ebm(
            _InfiniteFarAway(), far, n_steps=5, n_chains=16, batch_size=8, progress=False
        )


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ebm.langevin(gaussian_2d(), torch.zeros(3, 2), 0.0, 10), ValueError, "step_size"),
        (lambda: ebm.mala(gaussian_2d(), torch.zeros(3, 2), -0.1, 10), ValueError, "step_size"),
        (lambda: ebm.mala(gaussian_2d(), torch.zeros(3, 2), 0.1, 0), ValueError, "n_steps"),
        (
            lambda: ebm.langevin(gaussian_2d(), torch.zeros(3, 3), 0.1, 10),
            ValueError,
            "x0 must have 2 columns",
        ),
        (
            lambda: ebm.langevin(gaussian_2d(), torch.full((3, 2), float("nan")), 0.1, 10),
            ValueError,
            "finite",
        ),
        (
            lambda: ebm.langevin(_InfiniteFarAway(), torch.full((3, 2), 500.0), 0.1, 10),
            ValueError,
            "non-finite",
        ),
        (
            lambda: ebm.langevin(lambda x: x.sum(1), torch.zeros(3, 2), 0.1, 10),
            TypeError,
            "Energy",
        ),
        (lambda: ebm.partition_function(gaussian_2d(), [(0, 1)], 10), ValueError, "bounds"),
        (lambda: ebm.partition_function(gaussian_2d(), (1, -1), 10), ValueError, "bounds"),
        (
            lambda: ebm.GaussianEnergy(torch.zeros(2), -torch.eye(2)),
            ValueError,
            "positive definite",
        ),
        (lambda: ebm.GaussianEnergy(torch.zeros(2), torch.eye(3)), ValueError, "covariance"),
        (
            lambda: ebm.train_ebm(gaussian_2d(), torch.zeros(10, 2), reinit=1.5),
            ValueError,
            "reinit",
        ),
        (
            lambda: ebm.train_ebm(ebm.MLPEnergy(2, device="cpu"), torch.zeros(10, 3)),
            ValueError,
            "data must have 2 columns",
        ),
        (lambda: ebm.MLPEnergy(2, confinement=0.0), ValueError, "confinement"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_trained_energy_checkpoint_loads_with_weights_only(tmp_path):
    energy = ebm.MLPEnergy(2, hidden=8, depth=2, device="cpu")
    ebm.train_ebm(energy, torch.randn(64, 2), n_steps=3, n_chains=16, batch_size=8, progress=False)
    torch.save(energy.state_dict(), tmp_path / "energy.pt")
    restored = ebm.MLPEnergy(2, hidden=8, depth=2, device="cpu")
    restored.load_state_dict(torch.load(tmp_path / "energy.pt", weights_only=True))
    x = torch.randn(5, 2)
    assert torch.equal(restored(x), energy(x))


# score matching: the losses against closed forms for Gaussians, N(m*, S) for the data and the
# Gaussian energy V = ½ (x − m)ᵀ P (x − m), P = Σ⁻¹, for the model


def _gaussian_fisher(data_mean, data_cov, energy):
    """½ E ‖∇ log ρ* + ∇V‖² for ρ* = N(m*, S): ∇ log ρ* + ∇V = A (x − m*) + P (m* − m) with
    A = P − S⁻¹, so the divergence is ½ (tr(A S Aᵀ) + ‖P (m* − m)‖²)."""
    precision, mean = energy.precision.double(), energy.mean.double()
    a = precision - torch.linalg.inv(data_cov)
    shift = precision @ (data_mean - mean)
    return 0.5 * float(torch.trace(a @ data_cov @ a.T) + shift.square().sum())


def _data_gaussian():
    return torch.tensor([0.3, -0.2], dtype=torch.float64), torch.tensor(
        [[0.7, -0.2], [-0.2, 0.5]], dtype=torch.float64
    )


def _samples(mean, cov, n, seed):
    z = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return (mean + z @ torch.linalg.cholesky(cov).T).to(torch.get_default_dtype())


def test_score_matching_loss_is_the_hand_computed_value_for_a_gaussian_energy():
    energy = gaussian_2d()  # ∇V = P (x − m), ΔV = tr P
    x = torch.randn(7, 2, generator=torch.Generator().manual_seed(0))
    by_hand = 0.5 * ((x - energy.mean) @ energy.precision).square().sum(1) - torch.trace(
        energy.precision
    )
    assert float(ebm.score_matching_loss(energy, x).detach()) == pytest.approx(
        float(by_hand.mean()), rel=1e-5
    )


def test_score_matching_laplacian_matches_the_trace_of_autograds_hessian():
    torch.manual_seed(0)
    energy = ebm.MLPEnergy(2, hidden=8, depth=2, device="cpu")
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    reference = []
    for point in x:  # an independent path: the full Hessian of V at one point at a time
        grad = torch.autograd.functional.jacobian(lambda p: energy(p[None])[0], point)
        hessian = torch.autograd.functional.hessian(lambda p: energy(p[None])[0], point)
        reference.append(0.5 * grad.square().sum() - torch.trace(hessian))
    loss = float(ebm.score_matching_loss(energy, x).detach())
    assert loss == pytest.approx(float(torch.stack(reference).mean()), rel=1e-4, abs=1e-5)


def test_score_matching_loss_plus_fisher_information_is_the_fisher_divergence():
    # J(θ) + ½ E‖∇ log ρ*‖² = F(ρ* ‖ p_θ), and E‖∇ log ρ*‖² = tr S⁻¹ for a Gaussian ρ*
    data_mean, data_cov = _data_gaussian()
    x = _samples(data_mean, data_cov, 200_000, seed=2)
    energy = gaussian_2d()
    sm = float(ebm.score_matching_loss(energy, x).detach())
    fisher = _gaussian_fisher(data_mean, data_cov, energy)
    # the loss is an average of 200,000 terms of spread about 2: 4 standard errors ≈ 0.02
    assert sm + 0.5 * float(torch.trace(torch.linalg.inv(data_cov))) == pytest.approx(
        fisher, abs=0.03
    )


def test_score_matching_loss_carries_the_gradient_in_the_parameters():
    class Scaled(ebm.Energy):  # V = ½ a ‖x‖²: J = ½ a² mean‖x‖² − 2a, dJ/da = a mean‖x‖² − 2
        def __init__(self):
            super().__init__(2)
            self.a = torch.nn.Parameter(torch.tensor(1.5))

        def forward(self, x):
            return 0.5 * self.a * x.square().sum(1)

    energy, x = Scaled(), torch.randn(50, 2, generator=torch.Generator().manual_seed(3))
    (grad,) = torch.autograd.grad(ebm.score_matching_loss(energy, x), energy.a)
    assert float(grad) == pytest.approx(1.5 * float(x.square().sum(1).mean()) - 2, rel=1e-5)


def test_denoising_score_matching_is_score_matching_of_the_smoothed_law_up_to_a_constant():
    # E DSM = F(ρ_σ ‖ p_θ) + ½ d/σ² − ½ tr (S + σ²I)⁻¹, with ρ_σ = N(m*, S + σ²I)
    data_mean, data_cov = _data_gaussian()
    sigma = 0.5
    smoothed = data_cov + sigma**2 * torch.eye(2, dtype=torch.float64)
    constant = 0.5 * 2 / sigma**2 - 0.5 * float(torch.trace(torch.linalg.inv(smoothed)))
    x = _samples(data_mean, data_cov, 200_000, seed=4)
    near = torch.tensor([[0.8, 0.1], [0.1, 0.6]])
    models = [gaussian_2d(), ebm.GaussianEnergy(torch.tensor([-0.2, 0.3]), near)]
    losses = [
        float(ebm.denoising_score_matching_loss(e, x, sigma, seed=5).detach()) for e in models
    ]
    fishers = [_gaussian_fisher(data_mean, smoothed, e) for e in models]
    # averages of 200,000 terms whose spread is below 9 (measured): 4 standard errors ≈ 0.08
    for loss, fisher in zip(losses, fishers):
        assert loss == pytest.approx(fisher + constant, abs=0.08)
    # the same noise for both models: the constant cancels in the difference
    assert losses[1] - losses[0] == pytest.approx(fishers[1] - fishers[0], abs=0.08)


def test_denoising_score_matching_is_reproducible_with_a_seed():
    x = torch.randn(20, 2, generator=torch.Generator().manual_seed(6))
    a, b = (ebm.denoising_score_matching_loss(gaussian_2d(), x, 0.3, seed=7) for _ in range(2))
    assert torch.equal(a, b)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: ebm.score_matching_loss(lambda x: x.sum(1), torch.zeros(3, 2)),
            TypeError,
            "Energy",
        ),
        (lambda: ebm.score_matching_loss(gaussian_2d(), torch.zeros(3, 3)), ValueError, "x must"),
        (
            lambda: ebm.denoising_score_matching_loss(gaussian_2d(), torch.zeros(3, 2), 0.0),
            ValueError,
            "sigma",
        ),
        (
            lambda: ebm.denoising_score_matching_loss(gaussian_2d(), torch.zeros(3, 2), "1"),
            TypeError,
            "sigma",
        ),
        (
            lambda: ebm.denoising_score_matching_loss(
                gaussian_2d(), torch.zeros(3, 2), 1, seed=-1
            ),
            ValueError,
            "seed",
        ),
    ],
)
def test_score_matching_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
