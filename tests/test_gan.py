import pytest
import torch

from gencourse import data, gan, losses


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
        before = float(losses.mmd2(g.sample(1000, torch.Generator().manual_seed(1)), x[:1000], bandwidth=0.2))
    history = gan.train_moment_matching(g, x, n_steps=300, batch_size=256, lr=2e-3, progress=False)
    with torch.no_grad():
        after = float(losses.mmd2(g.sample(1000, torch.Generator().manual_seed(1)), x[:1000], bandwidth=0.2))
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
        (lambda: gan.train_moment_matching(torch.nn.Linear(2, 2), torch.zeros(4, 2)), TypeError, "MLPGenerator"),
        (lambda: gan.train_moment_matching(gan.MLPGenerator(device="cpu"), torch.zeros(4, 3)), ValueError, "data must have 2 columns"),
        (lambda: gan.train_moment_matching(gan.MLPGenerator(device="cpu"), torch.randn(4, 2), bandwidths=()), ValueError, "bandwidths"),
        (lambda: gan.train_moment_matching(gan.MLPGenerator(device="cpu"), torch.randn(4, 2), lr=0.0), ValueError, "lr"),
        (lambda: gan.train_moment_matching(_NaNGenerator(device="cpu"), torch.randn(8, 2), n_steps=2, batch_size=4, progress=False), RuntimeError, "non-finite loss at step 0"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
