"""gencourse.parallel: jobs side by side give what the same calls give one after another."""

import os

import joblib
import pytest
import torch

from gencourse import data, gan, parallel


def _train(seed):
    """One small spectrally normalised GAN, trained from its own seed; returns what pickles."""
    torch.manual_seed(seed)
    generator, critic = gan.toy_models("wgan-sn", device="cpu")
    points = data.ring().sample(256, seed=seed, device="cpu")
    history = gan.train_gan(generator, critic, points, recipe="wgan-sn", n_steps=3,
                            batch_size=32, seed=seed, progress=False)  # fmt: skip
    return seed, history, generator.state_dict(), critic.state_dict()


def test_jobs_in_workers_return_what_they_return_in_this_process_in_order():
    seeds = [3, 1, 2]
    here = parallel.map_jobs(_train, seeds, n_jobs=1)
    there = parallel.map_jobs(_train, seeds, n_jobs=2)
    assert [result[0] for result in there] == seeds  # the order of the items
    for (_, h_here, g_here, f_here), (_, h_there, g_there, f_there) in zip(here, there):
        # a worker has one thread here, this process two: equal up to the order of additions
        assert h_there.d_loss == pytest.approx(h_here.d_loss, rel=1e-4)
        for a, b in zip(g_here.values(), g_there.values()):
            assert torch.allclose(a, b, atol=1e-5)
        for a, b in zip(f_here.values(), f_there.values()):  # spectral norm's u, v included
            assert torch.allclose(a, b, atol=1e-5)
        generator, critic = gan.toy_models("wgan-sn", device="cpu")
        critic.load_state_dict(f_there)  # a worker's weights load into a fresh module
        generator.load_state_dict(g_there)


def test_workers_run_in_other_processes_with_their_share_of_the_threads():
    def where(_):
        return os.getpid(), torch.get_num_threads(), torch.get_default_dtype()

    results = parallel.map_jobs(where, range(4), n_jobs=2)  # a function defined here travels
    assert all(pid != os.getpid() for pid, _, _ in results)
    share = max(1, min(torch.get_num_threads(), joblib.cpu_count() // 2))
    assert all(threads == share for _, threads, _ in results)
    assert all(dtype == torch.get_default_dtype() for _, _, dtype in results)  # as here
    assert all(pid == os.getpid() for pid, _, _ in parallel.map_jobs(where, range(3), n_jobs=1))


def test_workers_compute_in_this_process_default_dtype():
    default = torch.get_default_dtype()
    try:
        for dtype in (torch.float64, torch.float32):
            torch.set_default_dtype(dtype)
            dtypes = parallel.map_jobs(lambda _: torch.zeros(1).dtype, range(2), n_jobs=2)
            assert dtypes == [dtype, dtype]
    finally:
        torch.set_default_dtype(default)


def test_on_a_gpu_jobs_run_one_after_another_here(monkeypatch):
    monkeypatch.setattr(parallel, "default_device", lambda: torch.device("cuda"))
    assert parallel.map_jobs(lambda _: os.getpid(), range(3)) == [os.getpid()] * 3


@pytest.mark.parametrize(
    "function, options, error, match",
    [
        (len, {"n_jobs": 0}, ValueError, "n_jobs must be an integer >= 1, got 0"),
        (len, {"n_jobs": 2.0}, TypeError, "n_jobs must be an int, got float"),
        (len, {"n_jobs": True}, TypeError, "n_jobs must be an int, got bool"),
        (3, {}, TypeError, "function must be callable, got int"),
    ],
)
def test_bad_input_is_named(function, options, error, match):
    with pytest.raises(error, match=match):
        parallel.map_jobs(function, [[1]], **options)


def test_workers_keep_their_share_when_the_environment_sets_more_threads(monkeypatch):
    # joblib keeps an OMP_NUM_THREADS set in the parent's environment: with every core's worth
    # of threads in each of two workers, the cores would be oversubscribed
    monkeypatch.setenv("OMP_NUM_THREADS", str(joblib.cpu_count()))
    monkeypatch.setenv("MKL_NUM_THREADS", str(joblib.cpu_count()))
    threads = parallel.map_jobs(lambda _: torch.get_num_threads(), range(2), n_jobs=2)
    assert all(t <= max(1, joblib.cpu_count() // 2) for t in threads), threads
