import math

import pytest
import torch

from gencourse import data, gan, losses, metrics


def test_generator_maps_latent_samples_to_data_space():
    g = gan.MLPGenerator(latent_dim=3, dim=2, hidden=16, depth=2, device="cpu")
    x = g.sample(7, torch.Generator().manual_seed(0))
    assert x.shape == (7, 2) and x.requires_grad
    assert torch.equal(x, g.sample(7, torch.Generator().manual_seed(0)))


def test_moment_matching_brings_the_generator_to_the_data():
    torch.manual_seed(0)
    target = data.ring(std=0.1)
    x = target.sample(2000, seed=0, device="cpu")
    g = gan.MLPGenerator(2, 2, hidden=64, depth=2, device="cpu")
    with torch.no_grad():
        before = float(
            losses.mmd2(g.sample(1000, torch.Generator().manual_seed(1)), x[:1000], bandwidth=0.2)
        )
    history = gan.train_moment_matching(g, x, n_steps=300, batch_size=128, lr=2e-3, progress=False)
    with torch.no_grad():
        after = float(
            losses.mmd2(g.sample(1000, torch.Generator().manual_seed(1)), x[:1000], bandwidth=0.2)
        )
    assert len(history.loss) == 300
    assert after < 0.2 * before


def test_a_trained_generator_checkpoint_loads_with_weights_only(tmp_path):
    g = gan.MLPGenerator(2, 2, hidden=8, depth=1, device="cpu")
    torch.save(g.state_dict(), tmp_path / "g.pt")
    h = gan.MLPGenerator(2, 2, hidden=8, depth=1, device="cpu")
    h.load_state_dict(torch.load(tmp_path / "g.pt", weights_only=True))
    z = torch.randn(4, 2)
    assert torch.equal(g(z), h(z))


class _NaNGenerator(gan.MLPGenerator):
    def forward(self, z):
        return super().forward(z) * float("nan")


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: gan.MLPGenerator(latent_dim=0), ValueError, "latent_dim"),
        (
            lambda: gan.train_moment_matching(torch.nn.Linear(2, 2), torch.zeros(4, 2)),
            TypeError,
            "MLPGenerator",
        ),
        (
            lambda: gan.train_moment_matching(gan.MLPGenerator(device="cpu"), torch.zeros(4, 3)),
            ValueError,
            "data must have 2 columns",
        ),
        (
            lambda: gan.train_moment_matching(
                gan.MLPGenerator(device="cpu"), torch.randn(4, 2), bandwidths=()
            ),
            ValueError,
            "bandwidths",
        ),
        (
            lambda: gan.train_moment_matching(
                gan.MLPGenerator(device="cpu"), torch.randn(4, 2), lr=0.0
            ),
            ValueError,
            "lr",
        ),
        (
            lambda: gan.train_moment_matching(
                _NaNGenerator(device="cpu"),
                torch.randn(8, 2),
                n_steps=2,
                batch_size=4,
                progress=False,
            ),
            RuntimeError,
            "non-finite loss at step 0",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- adversarial training


def test_losses_on_known_inputs():
    zero = torch.zeros(4)
    assert abs(float(gan.discriminator_loss(zero, zero, "gan")) - 2 * math.log(2)) < 1e-6
    # a perfect discriminator (logits ±20) has loss ≈ 0
    assert (
        float(gan.discriminator_loss(torch.full((4,), 20.0), torch.full((4,), -20.0), "gan"))
        < 1e-8
    )
    assert (
        float(
            gan.discriminator_loss(
                torch.tensor([1.0, 3.0]), torch.tensor([0.5, 0.5]), "wasserstein"
            )
        )
        == -1.5
    )
    d = torch.tensor([0.3])  # D(G(z)) = 0.3: logit log(0.3/0.7)
    logit = torch.log(d / (1 - d))
    assert abs(float(gan.generator_loss(logit, "saturating")) - math.log(0.7)) < 1e-6
    assert abs(float(gan.generator_loss(logit, "non-saturating")) + math.log(0.3)) < 1e-6
    assert float(gan.generator_loss(torch.tensor([2.0, 4.0]), "wasserstein")) == -3.0
    with pytest.raises(ValueError, match="kind"):
        gan.generator_loss(zero, "hinge")


def test_recipes_follow_the_papers():
    assert gan.RECIPES["wgan-clip"].optimizer == "rmsprop" and gan.RECIPES["wgan-clip"].lr == 5e-5
    assert gan.RECIPES["wgan-clip"].clip == 0.01 and gan.RECIPES["wgan-clip"].n_critic == 5
    gp = gan.RECIPES["wgan-gp"]
    assert (gp.gp_weight, gp.lr, gp.betas, gp.n_critic) == (10.0, 1e-4, (0.5, 0.9), 5)


def test_spectral_norm_bounds_the_largest_singular_value():
    critic = gan.MLPDiscriminator(2, 32, 2, spectral_norm=True, device="cpu")
    ring = data.ring(std=0.05)
    g = gan.MLPGenerator(2, 2, 32, 2, device="cpu")
    gan.train_gan(
        g,
        critic,
        ring.sample(500, seed=0, device="cpu"),
        recipe="wgan-sn",
        n_steps=20,
        progress=False,
    )
    critic.eval()
    for layer in critic.net:
        if isinstance(layer, torch.nn.Linear):
            sigma = float(torch.linalg.matrix_norm(layer.weight.detach(), ord=2))
            assert sigma < 1.02, sigma


def test_clipping_keeps_every_weight_in_range():
    critic = gan.MLPDiscriminator(2, 32, 2, device="cpu")
    g = gan.MLPGenerator(2, 2, 32, 2, device="cpu")
    gan.train_gan(
        g,
        critic,
        torch.randn(300, 2),
        recipe="wgan-clip",
        clip=0.02,
        n_steps=5,
        lr=0.1,
        progress=False,
    )
    assert max(float(p.detach().abs().max()) for p in critic.parameters()) <= 0.02 + 1e-7


def test_the_clipping_listing_is_a_projection_onto_the_box_of_each_model():
    """_clip_weights (the listing of Chapter 7) is the projection onto U = {w : |w_i| ≤ δ}: it
    moves only the entries outside [−δ, δ], onto ±δ; with stacked weights, slice s onto its own
    δ_s. The reference is elementwise arithmetic on a copy, not torch.clamp."""
    from gencourse.gan._losses import _clip_weights

    g = torch.Generator().manual_seed(0)
    weights = [torch.randn(3, 4, 5, generator=g), torch.randn(3, 4, generator=g)]
    deltas = torch.tensor([0.1, 0.5, 2.0])
    expected = []
    for w in weights:
        bound = deltas.reshape(-1, *[1] * (w.ndim - 1)).expand_as(w)
        inside = w.abs() <= bound
        expected.append(torch.where(inside, w, bound * w.sign()))
    _clip_weights(weights, deltas)
    for w, e in zip(weights, expected):
        assert torch.equal(w, e)
    single = [torch.tensor([-1.0, -0.005, 0.0, 0.3])]
    _clip_weights(single, 0.01)
    assert single[0].tolist() == pytest.approx([-0.01, -0.005, 0.0, 0.01])


def test_a_spectrally_normalised_convolution_is_not_a_unit_norm_map():
    """ConvDiscriminator's docstring: spectral_norm normalises the kernel reshaped to
    (out, in·k·k), not the convolution as a map on images, whose norm (computed here from its
    matrix, the convolution of every basis image, by an SVD) exceeds 1 and is at most twice the
    reshaped kernel's (4×4 kernels, stride 2: each pixel meets four kernel positions)."""
    torch.manual_seed(0)
    critic = gan.ConvDiscriminator(spectral_norm=True, device="cpu")
    with torch.no_grad():
        for _ in range(100):  # converge the power iteration
            critic(torch.rand(8, 64))
    critic.eval()
    kernel = critic.net[0].weight.detach()  # (32, 1, 4, 4), on 8×8 images
    reshaped = float(torch.linalg.matrix_norm(kernel.reshape(32, -1), ord=2))
    basis = torch.eye(64).reshape(64, 1, 8, 8)
    matrix = torch.nn.functional.conv2d(basis, kernel, stride=2, padding=1).flatten(1).T
    operator = float(torch.linalg.matrix_norm(matrix, ord=2))
    assert reshaped == pytest.approx(1.0, abs=1e-3)
    assert 1.2 < operator <= 2 * reshaped + 1e-4, (reshaped, operator)


def test_a_short_wgan_gp_run_captures_more_modes():
    torch.manual_seed(0)
    ring = data.ring(std=0.02)
    g = gan.MLPGenerator(2, 2, 64, 3, device="cpu")
    critic = gan.MLPDiscriminator(2, 64, 3, device="cpu")

    def evaluate(samples):
        stats = metrics.mode_statistics(samples, ring.centres, 0.02)
        return {"modes": stats.modes_captured, "high_quality": stats.high_quality}

    history = gan.train_gan(
        g,
        critic,
        ring.sample(5000, seed=0, device="cpu"),
        recipe="wgan-gp",
        n_steps=400,
        eval_every=400,
        evaluate=evaluate,
        n_snapshot=16,
        progress=False,
        **gan.TOY_SETTINGS["wgan-gp"],  # (Adam at 1e-3 and λ = 10 fail in float64 in 400 steps)
    )
    assert history.eval_steps == [0, 400] and set(history.snapshots) == {0, 400}
    assert history.metrics["modes"][-1] >= history.metrics["modes"][0] + 3, history.metrics
    assert len(history.d_loss) == len(history.g_loss) == len(history.gap) == 400


class _NaNCritic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(()))

    def forward(self, x):
        return x.sum(1) * self.w * float("nan")


def test_non_finite_loss_stops_training():
    g = gan.MLPGenerator(2, 2, 16, 1, device="cpu")
    with pytest.raises(RuntimeError, match="non-finite discriminator loss at step 1"):
        gan.train_gan(
            g, _NaNCritic(), torch.randn(50, 2), recipe="ns-gan", n_steps=3, progress=False
        )


def test_bad_recipes_and_pairs():
    g = gan.MLPGenerator(2, 2, 16, 1, device="cpu")
    with pytest.raises(ValueError, match="recipe"):
        gan.train_gan(
            g,
            gan.MLPDiscriminator(device="cpu"),
            torch.randn(50, 2),
            recipe="lsgan",
            progress=False,
        )
    with pytest.raises(ValueError, match="spectral_norm=True"):
        gan.train_gan(
            g,
            gan.MLPDiscriminator(device="cpu"),
            torch.randn(50, 2),
            recipe="wgan-sn",
            progress=False,
        )
    with pytest.raises(ValueError, match="2 columns"):
        gan.train_gan(g, gan.MLPDiscriminator(device="cpu"), torch.randn(50, 3), progress=False)
    with pytest.raises(TypeError, match="sample"):
        gan.train_gan(
            torch.nn.Linear(2, 2),
            gan.MLPDiscriminator(device="cpu"),
            torch.randn(50, 2),
            progress=False,
        )


def test_conv_pair_shapes_and_checkpoint(tmp_path):
    g = gan.ConvGenerator(latent_dim=8, width=16, device="cpu")
    d = gan.ConvDiscriminator(width=16, spectral_norm=True, device="cpu")
    x = g.sample(5).detach()
    assert x.shape == (5, 64) and float(x.min()) >= 0 and float(x.max()) <= 1
    assert d(x).shape == (5,)
    torch.save(d.state_dict(), tmp_path / "d.pt")
    clone = gan.ConvDiscriminator(width=16, spectral_norm=True, device="cpu")
    clone.load_state_dict(torch.load(tmp_path / "d.pt", weights_only=True))
    d.eval(), clone.eval()
    assert torch.allclose(clone(x), d(x))


def test_fit_discriminator_recovers_the_optimal_discriminator():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(20000, 1, generator=g), 1.0 + 0.5 * torch.randn(20000, 1, generator=g)
    d = gan.MLPDiscriminator(1, 32, 2, device="cpu")
    gan.fit_discriminator(d, real, fake, n_steps=1500, progress=False)
    x = torch.linspace(-1.5, 1.5, 61)[:, None]
    p = torch.exp(-0.5 * x**2)
    q = torch.exp(-0.5 * ((x - 1) / 0.5) ** 2) / 0.5
    with torch.no_grad():
        assert float((torch.sigmoid(d(x)) - (p / (p + q))[:, 0]).abs().max()) < 0.08


def test_linear_learning_rate_decay():
    g = gan.MLPGenerator(2, 2, 16, 1, device="cpu")
    d = gan.MLPDiscriminator(2, 16, 1, device="cpu")
    history = gan.train_gan(
        g,
        d,
        torch.randn(100, 2),
        recipe="ns-gan",
        n_steps=4,
        lr=1e-3,
        lr_decay=True,
        progress=False,
    )
    assert history.lr == pytest.approx([1e-3, 7.5e-4, 5e-4, 2.5e-4])
    flat = gan.train_gan(
        g, d, torch.randn(100, 2), recipe="ns-gan", n_steps=3, lr=1e-3, progress=False
    )
    assert flat.lr == pytest.approx([1e-3] * 3)


def test_toy_settings_cover_every_recipe_and_train():
    assert set(gan.TOY_SETTINGS) == set(gan.RECIPES)
    data_ = torch.randn(64, 2)
    for recipe, options in gan.TOY_SETTINGS.items():
        generator, critic = gan.toy_models(recipe, device="cpu")
        assert critic.spectral_norm == gan.RECIPES[recipe].spectral_norm
        history = gan.train_gan(
            generator,
            critic,
            data_,
            recipe=recipe,
            n_steps=2,
            batch_size=16,
            progress=False,
            **options,
        )
        assert len(history.d_loss) == 2
        if options.get("lr_decay"):
            assert history.lr[0] == options["lr"] and history.lr[1] == pytest.approx(
                options["lr"] / 2
            )


def test_toy_models_reject_unknown_recipe():
    with pytest.raises(ValueError, match="recipe"):
        gan.toy_models("vae")


# ---------------------------------------------------------------- many GANs trained together


def _pairs(recipe, seeds, hidden=16):
    pairs = []
    for seed in seeds:
        torch.manual_seed(seed)
        pairs.append(
            (
                gan.MLPGenerator(2, 2, hidden=hidden, depth=2, device="cpu"),
                gan.MLPDiscriminator(
                    2, hidden, 2, spectral_norm=gan.RECIPES[recipe].spectral_norm, device="cpu"
                ),
            )
        )
    return pairs


@pytest.mark.parametrize(
    "recipe, options",
    [
        ("ns-gan", {"lr": [1e-3, 3e-3, 2e-3], "lr_decay": True}),
        ("gan", {"lr": 2e-3, "lr_generator": [1e-3, 5e-4, 2e-3]}),
        ("wgan-clip", {"lr": 1e-3, "clip": [0.01, 0.1, 1.0]}),
        ("wgan-gp", {"lr": [1e-3, 2e-3, 5e-4], "gp_weight": 1.0}),
        ("wgan-sn", {"lr": 2e-3, "n_critic": 2}),
    ],
)
def test_training_together_equals_training_one_by_one(recipe, options):
    """train_gans gives model s what train_gan gives it alone, with the same seed and settings."""
    seeds = [0, 1, 2]
    ring, grid = data.ring(std=0.05), data.grid()
    datasets = [ring.sample(300, seed=0, device="cpu"), grid.sample(300, seed=1, device="cpu")]
    datasets.append(datasets[0])

    def evaluate(samples):
        return {"mean": float(samples.mean()), "spread": float(samples.std())}

    alone = _pairs(recipe, seeds)
    together = _pairs(recipe, seeds)
    common = dict(
        recipe=recipe, n_steps=12, batch_size=32, eval_every=5, n_eval=64, progress=False
    )
    histories = gan.train_gans(
        [g for g, _ in together],
        [d for _, d in together],
        datasets,
        seeds=seeds,
        evaluate=evaluate,
        n_snapshot=4,
        **common,
        **options,
    )
    for s, ((g, d), history) in enumerate(zip(alone, histories)):
        own = {k: (v[s] if isinstance(v, list) else v) for k, v in options.items()}
        reference = gan.train_gan(
            g, d, datasets[s], seed=seeds[s], evaluate=evaluate, n_snapshot=4, **common, **own
        )
        assert history.eval_steps == reference.eval_steps == [0, 5, 10, 12]
        for name in ("d_loss", "g_loss", "gap", "lr"):  # abs: the clipped critic's gaps ≈ 1e-6
            # are differences of near-equal float32 means, equal only to about 1e-9
            assert getattr(history, name) == pytest.approx(
                getattr(reference, name), rel=1e-4, abs=1e-8
            )
        for name, values in reference.metrics.items():
            assert history.metrics[name] == pytest.approx(values, rel=1e-4, abs=1e-6)
        assert torch.allclose(history.snapshots[12], reference.snapshots[12], atol=1e-5)
        g_together, d_together = together[s]
        for a, b in zip(g.state_dict().values(), g_together.state_dict().values()):
            assert torch.allclose(a, b, atol=1e-5)
        for a, b in zip(d.state_dict().values(), d_together.state_dict().values()):
            assert torch.allclose(a, b, atol=1e-5)  # spectral norm's u and v included
        d.eval(), d_together.eval()
        x = torch.randn(10, 2)
        with torch.no_grad():
            assert torch.allclose(d(x), d_together(x), atol=1e-5)


def test_training_together_evaluates_only_the_models_that_ask():
    """evaluate=[f, None, f]: the middle model records no metric and trains as it would alone."""
    seeds = [0, 1, 2]
    points = data.ring(std=0.05).sample(300, seed=0, device="cpu")

    def evaluate(samples):
        return {"mean": float(samples.mean())}

    together = _pairs("ns-gan", seeds)
    common = dict(recipe="ns-gan", n_steps=6, batch_size=32, eval_every=2, n_eval=64,
                  progress=False)  # fmt: skip
    histories = gan.train_gans(
        [g for g, _ in together],
        [d for _, d in together],
        points,
        seeds=seeds,
        evaluate=[evaluate, None, evaluate],
        **common,
    )
    for s, ((g, d), history) in enumerate(zip(_pairs("ns-gan", seeds), histories)):
        own = None if s == 1 else evaluate
        reference = gan.train_gan(g, d, points, seed=seeds[s], evaluate=own, **common)
        assert history.eval_steps == reference.eval_steps
        assert history.metrics.keys() == reference.metrics.keys()
        for name, values in reference.metrics.items():
            assert history.metrics[name] == pytest.approx(values, rel=1e-4, abs=1e-6)
        assert history.d_loss == pytest.approx(reference.d_loss, rel=1e-4)
        assert history.g_loss == pytest.approx(reference.g_loss, rel=1e-4)
    assert histories[1].metrics == {} and histories[1].eval_steps == []


def test_training_together_stops_on_a_non_finite_loss_and_names_the_model():
    pairs = _pairs("ns-gan", [0, 1])
    with torch.no_grad():
        pairs[1][1].net[0].weight[0, 0] = float("nan")  # only the second critic is broken
    with pytest.raises(RuntimeError, match=r"non-finite discriminator loss at step 1 \(model 1\)"):
        gan.train_gans(
            [g for g, _ in pairs],
            [d for _, d in pairs],
            torch.randn(64, 2),
            seeds=[0, 1],
            recipe="ns-gan",
            n_steps=2,
            batch_size=8,
            progress=False,
        )
    alone = _pairs("ns-gan", [0])[0]
    reference = gan.train_gan(*alone, torch.ones(64, 2), seed=0, n_steps=3, batch_size=8,
                              recipe="ns-gan", progress=False)  # fmt: skip
    histories = gan.train_gans(
        [g for g, _ in pairs],  # untouched by the failed call: models change only at its end
        [d for _, d in pairs],
        torch.ones(64, 2),
        seeds=[0, 1],
        recipe="ns-gan",
        n_steps=3,
        batch_size=8,
        stop_on_nonfinite=False,
        progress=False,
    )
    assert all(math.isnan(v) for v in histories[1].d_loss)  # the broken model diverges ...
    assert histories[0].d_loss == pytest.approx(reference.d_loss, rel=1e-4)  # ... alone


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"seeds": [0]}, ValueError, "one seed per model"),
        ({"lr": [1e-3]}, ValueError, "lr must hold one value per model"),
        ({"data": [torch.randn(50, 2)]}, ValueError, "one per model"),
        ({"data": torch.randn(50, 3)}, ValueError, "2 columns"),
        ({"recipe": "lsgan"}, ValueError, "recipe"),
        ({"recipe": "wgan-sn"}, ValueError, "spectral_norm=True"),
        ({"generators": [torch.nn.Linear(2, 2)] * 2}, TypeError, "MLPGenerator"),
        (
            {
                "generators": [
                    gan.MLPGenerator(device="cpu"),
                    gan.MLPGenerator(hidden=8, device="cpu"),
                ]
            },
            ValueError,
            "same architecture",
        ),
        ({"evaluate": [print]}, TypeError, "one callable \\(or None\\) per model"),
        ({"evaluate": [print, 3]}, TypeError, "one callable \\(or None\\) per model"),
    ],
)
def test_training_together_rejects_bad_input(change, error, match):
    pairs = _pairs("ns-gan", [0, 1], hidden=128)
    arguments = dict(
        generators=[g for g, _ in pairs],
        discriminators=[d for _, d in pairs],
        data=torch.randn(50, 2),
        seeds=[0, 1],
        recipe="ns-gan",
        n_steps=1,
        progress=False,
    )
    arguments.update(change)
    with pytest.raises(error, match=match):
        gan.train_gans(**arguments)


# ---------------------------------------------------------------- the engines' shared parts


def test_the_generator_and_critic_are_nn_mlp_in_network_order():
    """MLPGenerator and MLPDiscriminator are gencourse.nn.mlp, with the seeded initial weights of
    networks written out layer by layer (Linear, activation, ..., Linear)."""
    from torch import nn

    def written_out(n_in, n_out, hidden, depth, activation, spectral=False):
        layers, width = [], n_in
        for _ in range(depth):
            linear = nn.Linear(width, hidden)
            layers += [nn.utils.parametrizations.spectral_norm(linear) if spectral else linear]
            layers += [activation()]
            width = hidden
        last = nn.Linear(width, n_out)
        layers.append(nn.utils.parametrizations.spectral_norm(last) if spectral else last)
        return nn.Sequential(*layers)

    torch.manual_seed(0)
    reference = written_out(3, 2, 16, 3, nn.ReLU)
    torch.manual_seed(0)
    generator = gan.MLPGenerator(3, 2, hidden=16, depth=3, device="cpu")
    for spectral in (False, True):
        torch.manual_seed(0)
        ref_d = written_out(2, 1, 8, 2, lambda: nn.LeakyReLU(0.2), spectral)
        torch.manual_seed(0)
        d = gan.MLPDiscriminator(2, 8, 2, spectral_norm=spectral, device="cpu")
        assert [type(m).__name__ for m in d.net] == [type(m).__name__ for m in ref_d]
        assert all(m.negative_slope == 0.2 for m in d.net if isinstance(m, nn.LeakyReLU))
        for (ka, a), (kb, b) in zip(d.net.state_dict().items(), ref_d.state_dict().items()):
            assert ka == kb and torch.equal(a, b)
    for a, b in zip(generator.net.state_dict().values(), reference.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("name", ["adam", "rmsprop"])
def test_the_stacked_optimiser_is_torch_optim_step_by_step(name):
    """_StackedOptimizer gives slice s the steps torch.optim gives model s alone, with its own
    rate, constant or decayed, up to the float32 rounding of the step size."""
    from gencourse.gan._stacked import _StackedOptimizer

    g = torch.Generator().manual_seed(0)
    lrs, betas, n_steps = [1e-3, 5e-3, 2e-4], (0.5, 0.9), 30
    for decay in (False, True):
        start = torch.randn(3, 7, 5, generator=g)
        stacked = start.clone().requires_grad_(True)
        mine = _StackedOptimizer(name, [stacked], torch.tensor(lrs), betas)
        alone = [start[s].clone().requires_grad_(True) for s in range(3)]
        refs = [
            torch.optim.Adam([p], lr=lr, betas=betas)
            if name == "adam"
            else torch.optim.RMSprop([p], lr=lr)
            for p, lr in zip(alone, lrs)
        ]
        schedules = [torch.optim.lr_scheduler.LambdaLR(o, lambda k: 1 - k / n_steps) for o in refs]
        for step in range(1, n_steps):
            grad = torch.randn(3, 7, 5, generator=g)
            stacked.grad = grad.clone()
            mine.step(1 - (step - 1) / n_steps if decay else 1.0)
            for s, (p, opt, schedule) in enumerate(zip(alone, refs, schedules)):
                p.grad = grad[s].clone()
                opt.step()
                if decay:
                    schedule.step()
            for s, p in enumerate(alone):  # a few float32 ulps (the rate's rounding)
                assert torch.allclose(stacked[s], p, rtol=0, atol=1e-6), (step, s)
        assert not torch.equal(stacked, start)  # (they moved)


def test_both_engines_run_the_alternating_step_the_book_shows(monkeypatch):
    """train_gan and train_gans both take every generator step by _step.alternating_step (the
    listing of Chapter 6): replace it by a counting wrapper and count the calls."""
    from gencourse.gan import _step

    calls = []
    original = _step.alternating_step

    def counting(players, recipe, n_critic, gp_weight):
        calls.append(type(players).__name__)
        return original(players, recipe, n_critic, gp_weight)

    monkeypatch.setattr(_step, "alternating_step", counting)
    x = data.ring().sample(200, seed=0, device="cpu")
    torch.manual_seed(0)
    g, d = gan.toy_models("wgan-gp", device="cpu")
    gan.train_gan(g, d, x, recipe="wgan-gp", n_steps=3, batch_size=16, progress=False)
    gan.train_gans([g], [d], x, seeds=[0], recipe="wgan-gp", n_steps=2, batch_size=16,
                   progress=False)  # fmt: skip
    assert calls == ["_OnePair"] * 3 + ["_StackedPairs"] * 2


def test_the_grid_of_runs_trains_each_run_as_train_gans_would():
    """train_grid: named keys in the jobs' order, each run what train_gans gives it (the weights
    come back from a worker process into fresh modules), evaluations where asked."""
    x = {"ring": data.ring().sample(300, seed=0, device="cpu"),
         "grid": data.grid().sample(300, seed=1, device="cpu")}  # fmt: skip
    keys = gan.grid(["wgan-clip", "ns-gan"], ["ring", "grid"], [0, 1])
    keys += gan.grid(["wgan-clip"], ["ring"], [0], clips=[0.1])
    assert keys[:2] == [("wgan-clip", "ring", 0, 0.01), ("wgan-clip", "ring", 1, 0.01)]
    assert keys[4] == gan.RunKey("ns-gan", "ring", 0, None) and len(keys) == 9

    def mean_x(samples):
        return {"mean": float(samples[:, 0].mean())}

    def evaluate(key):
        return mean_x if key.benchmark == "grid" else None

    options = dict(n_steps=4, batch_size=16, eval_every=2)
    runs = gan.train_grid(keys, x, evaluate=evaluate, device="cpu", **options)
    order = [k for k in keys if k.recipe == "wgan-clip"] + [
        k for k in keys if k.recipe == "ns-gan"
    ]
    assert list(runs) == order  # recipe by recipe, each recipe's keys in their order
    for recipe in ("wgan-clip", "ns-gan"):
        own = [k for k in order if k.recipe == recipe]
        pairs = []
        for key in own:
            torch.manual_seed(key.seed)
            pairs.append(gan.toy_models(recipe, device="cpu"))
        histories = gan.train_gans(
            [p[0] for p in pairs], [p[1] for p in pairs], [x[k.benchmark] for k in own],
            seeds=[k.seed for k in own], recipe=recipe, progress=False,
            clip=[k.clip for k in own] if recipe == "wgan-clip" else None,
            evaluate=[evaluate(k) for k in own], **options, **gan.TOY_SETTINGS[recipe],
        )  # fmt: skip
        for key, (g, f), history in zip(own, pairs, histories):
            run = runs[key]
            assert run.history.d_loss == pytest.approx(history.d_loss, rel=1e-4, abs=1e-8)
            assert set(run.history.metrics) == set(history.metrics)
            assert ("mean" in run.history.metrics) == (key.benchmark == "grid")
            for name, values in history.metrics.items():
                assert run.history.metrics[name] == pytest.approx(values, rel=1e-4)
            for a, b in zip(run.generator.state_dict().values(), g.state_dict().values()):
                assert torch.allclose(a, b, atol=1e-5)
            for a, b in zip(run.critic.state_dict().values(), f.state_dict().values()):
                assert torch.allclose(a, b, atol=1e-5)


def test_the_grid_trains_other_models_one_by_one_and_keeps_summaries():
    """Models that cannot be stacked (convolutions) train one after another with train_gan; a
    summary computed where the run trained comes back without the modules."""
    digits = torch.rand(64, 64, generator=torch.Generator().manual_seed(0))

    def conv(recipe, device):
        return (gan.ConvGenerator(4, width=8, device=device),
                gan.ConvDiscriminator(8, spectral_norm=gan.RECIPES[recipe].spectral_norm,
                                      device=device))  # fmt: skip

    def summary(key, run):
        return (key.recipe, run.generator.sample(3, seed=0).shape[1])

    settings = {"gan": {"lr": 1e-3}, "wgan-sn": {}}
    runs = gan.train_grid(gan.grid(["gan", "wgan-sn"], ["digits"], [0]), {"digits": digits},
                          n_steps=2, batch_size=8, settings=settings, models=conv,
                          summary=summary, keep_models=False, device="cpu")  # fmt: skip
    torch.manual_seed(0)
    g, f = conv("gan", "cpu")
    alone = gan.train_gan(g, f, digits, recipe="gan", n_steps=2, batch_size=8, lr=1e-3,
                          progress=False)  # fmt: skip
    run = runs["gan", "digits", 0, None]
    assert run.generator is None and run.summary == ("gan", 64)
    assert run.history.g_loss == pytest.approx(alone.g_loss, rel=1e-4)
    assert runs["wgan-sn", "digits", 0, None].summary == ("wgan-sn", 64)


def test_the_grid_trains_each_benchmark_at_its_own_budget():
    """Budgets per benchmark: the runs of one recipe split into one job per budget, each run as
    train_gans trains it at its benchmark's steps and batch."""
    x = {"ring": data.ring().sample(200, seed=0, device="cpu"),
         "grid": data.grid().sample(200, seed=1, device="cpu")}  # fmt: skip
    keys = gan.grid(["ns-gan"], ["grid", "ring"], [0])
    steps, batch = {"ring": 2, "grid": 5}, {"ring": 8, "grid": 16}
    runs = gan.train_grid(keys, x, n_steps=steps, batch_size=batch, device="cpu")
    assert list(runs) == keys
    for key in keys:
        torch.manual_seed(key.seed)
        g, f = gan.toy_models("ns-gan", device="cpu")
        (alone,) = gan.train_gans([g], [f], [x[key.benchmark]], seeds=[key.seed],
                                  recipe="ns-gan", n_steps=steps[key.benchmark],
                                  batch_size=batch[key.benchmark], progress=False,
                                  **gan.TOY_SETTINGS["ns-gan"])  # fmt: skip
        assert len(runs[key].history.g_loss) == steps[key.benchmark]
        assert runs[key].history.g_loss == pytest.approx(alone.g_loss, rel=1e-4, abs=1e-8)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: gan.train_grid([("gan", "a", 0, None)], x, n_steps={"b": 1}, batch_size=2),
         r"n_steps: no entry for benchmark\(s\) \['a'\]"),
        (lambda x: gan.train_grid([("gan", "a", 0, None)], x, n_steps=1, batch_size={"a": 0}),
         "batch_size must be a positive int per benchmark, got 0 for 'a'"),
        (lambda x: gan.grid(["wgan"], ["a"], [0]), "recipes: each must be one of"),
        (lambda x: gan.train_grid([], x, n_steps=1, batch_size=2), "at least one run"),
        (lambda x: gan.train_grid([("gan", "b", 0, None)], x, n_steps=1, batch_size=2),
         "benchmark 'b' is not a name of data"),
        (lambda x: gan.train_grid([("gan", "a", 0, None)], x, n_steps=1, batch_size=2,
                                  settings={}), "settings has no entry for recipe 'gan'"),
    ],
)  # fmt: skip
def test_the_grid_rejects_bad_keys(call, match):
    with pytest.raises(ValueError, match=match):
        call({"a": torch.zeros(4, 2)})


def test_the_toy_settings_are_the_choice_of_the_saved_tuning_run():
    """gan.TOY_SETTINGS's learning rates are those with the smallest mean criterion in the saved
    tuning run (recomputed here from each run's W1 ratio and high-quality share), and every recipe
    had the same effort: the same learning rates, problems and seeds, one constraint value each."""
    tuning = gan.toy_tuning()
    runs, protocol = tuning["runs"], tuning["protocol"]
    grids = {}
    for recipe in gan.RECIPES:
        own = [r for r in runs if r["recipe"] == recipe]
        grids[recipe] = sorted((r["lr"], r["problem"], r["seed"]) for r in own)
        means = {}
        for lr in protocol["lrs"]:
            scores = [r["w1_ratio"] + 1 - r["hq"] / 100 for r in own if r["lr"] == lr]
            means[lr] = sum(scores) / len(scores)
        assert gan.TOY_SETTINGS[recipe]["lr"] == min(means, key=means.get), (recipe, means)
        assert protocol["chosen"][recipe] == gan.TOY_SETTINGS[recipe]["lr"]
        for name, value in protocol["constraints"].get(recipe, {}).items():
            assert gan.TOY_SETTINGS[recipe].get(name, getattr(gan.RECIPES[recipe], name)) == value
    assert len({tuple(g) for g in grids.values()}) == 1  # the same configurations per recipe
    assert len(grids["gan"]) == len(protocol["lrs"]) * len(protocol["seeds"]) * 2
