"""Benchmark: gencourse's Real-NVP against zuko's RealNVP built the same way.

    pip install -e ".[bench]"        # zuko
    python benchmarks/bench_flows.py [--seeds 3] [--moons-steps 3000] [--digits-steps 300]

Both flows have the same number of affine couplings, the same conditioner MLPs (two hidden
layers, ReLU), the same alternating masks in the density direction (the coupling next to the data
conditions on the even coordinates) and a standard normal base. They are trained by maximum
likelihood with Adam (lr 1e-3) on the same minibatches (batch 256, same seeds):

* two moons (noise 0.1): 4000 training points, 2000 held-out points; 6 couplings of width 64;
* the 8×8 digits: the training split (1437 images), dequantized afresh at every batch,
  y = (x + u)/17, and the held-out split dequantized once; 6 couplings of width 128. With so few
  images both libraries overfit after a few hundred steps (the held-out NLL then grows and its
  spread over seeds explodes), so the digits run stops at 300 steps, near the best held-out value.

Prints, per data set, the held-out NLL (nats per point; bits per dimension for the digits) and the
time per training step of each library, mean ± std over the seeds, and the differences.
Goal (issue 4): gencourse's NLL within 0.02 nats of zuko's or better, time per step no slower.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch

from gencourse import data, flows

try:
    import zuko
except ImportError as error:  # pragma: no cover
    raise SystemExit('this benchmark needs zuko: pip install -e ".[bench]"') from error


def _dequantize(x: torch.Tensor, levels: int | None, rng: torch.Generator) -> torch.Tensor:
    return x if levels is None else (x + torch.rand(x.shape, generator=rng)) / levels


def train_zuko(
    train: torch.Tensor,
    valid: torch.Tensor,
    *,
    n_couplings: int,
    hidden: int,
    steps: int,
    levels: int | None,
    seed: int,
) -> tuple[float, float]:
    torch.manual_seed(seed)
    flow = zuko.flows.RealNVP(
        train.shape[1], transforms=n_couplings, hidden_features=(hidden, hidden)
    )
    optimizer = torch.optim.Adam(flow.parameters(), lr=1e-3)
    rng = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(steps):
        batch = train[torch.randint(0, train.shape[0], (256,), generator=rng)]
        loss = -flow().log_prob(_dequantize(batch, levels, rng)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        y = _dequantize(
            valid, levels, torch.Generator().manual_seed(0)
        )  # as flows.evaluate_nll(seed=0)
        nll = -float(flow().log_prob(y).mean())
    return nll, seconds / steps


def train_gencourse(
    train: torch.Tensor,
    valid: torch.Tensor,
    *,
    n_couplings: int,
    hidden: int,
    steps: int,
    levels: int | None,
    seed: int,
) -> tuple[float, float]:
    torch.manual_seed(seed)
    flow = flows.real_nvp(train.shape[1], n_couplings, hidden, device="cpu")
    history = flows.train_flow(
        flow,
        train,
        levels=levels,
        n_steps=steps,
        batch_size=256,
        lr=1e-3,
        seed=seed,
        progress=False,
    )
    return flows.evaluate_nll(flow, valid, levels=levels, seed=0), history.seconds / steps


def _summary(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {spread:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--moons-steps", type=int, default=3000)
    parser.add_argument("--digits-steps", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))

    moons = data.TwoMoons()
    images, _ = data.digits("train", device="cpu")
    test_images, _ = data.digits("test", device="cpu")
    problems = {
        "two moons": dict(
            train=moons.sample(4000, seed=0, device="cpu"),
            valid=moons.sample(2000, seed=1, device="cpu"),
            n_couplings=6,
            hidden=64,
            steps=args.moons_steps,
            levels=None,
        ),
        "digits 8x8": dict(
            train=images.reshape(-1, 64),
            valid=test_images.reshape(-1, 64),
            n_couplings=6,
            hidden=128,
            steps=args.digits_steps,
            levels=data.DIGIT_LEVELS,
        ),
    }
    print(
        f"torch {torch.__version__}, zuko {zuko.__version__}, "
        f"{torch.get_num_threads()} threads, seeds 0..{args.seeds - 1}"
    )
    header = (
        f"{'data':<11} {'library':<10} {'held-out NLL (nats)':>22} {'bits/dim':>9} {'ms/step':>17}"
    )
    print(header)
    print("-" * len(header))
    for name, problem in problems.items():
        results = {}
        for library, train in (("zuko", train_zuko), ("gencourse", train_gencourse)):
            runs = [train(**problem, seed=seed) for seed in range(args.seeds)]
            results[library] = ([r[0] for r in runs], [1e3 * r[1] for r in runs])
            nll, ms = results[library]
            dim = problem["train"].shape[1]
            bpd = ""
            if problem["levels"] is not None:
                shift = dim * math.log(problem["levels"])
                bpd = f"{(statistics.mean(nll) + shift) / (dim * math.log(2)):.3f}"
            print(f"{name:<11} {library:<10} {_summary(nll):>22} {bpd:>9} {_summary(ms):>17}")
        gap = statistics.mean(results["gencourse"][0]) - statistics.mean(results["zuko"][0])
        ratio = statistics.mean(results["gencourse"][1]) / statistics.mean(results["zuko"][1])
        verdict = "met" if gap <= 0.02 and ratio <= 1.0 else "NOT met"
        print(
            f"{name:<11} gencourse − zuko: NLL {gap:+.4f} nats, "
            f"time ratio {ratio:.2f} → goal {verdict}"
        )


if __name__ == "__main__":
    main()
