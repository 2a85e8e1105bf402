"""Benchmark: few spline couplings against many affine ones on the book's four 2D toys.

    python benchmarks/bench_flows_toys.py            # every toy, seeds 0, 1, 2 (a few minutes)
    python benchmarks/bench_flows_toys.py --table    # the table of the saved runs

Chapter 4's spline section trains, on the checkerboard, a Real-NVP of eight affine couplings of
width 32 (9,488 parameters) and a spline flow of two rational-quadratic spline couplings of width
56 with K = 8 bins on [-4, 4] (9,230 parameters), at the same number of steps. This benchmark runs
that protocol on each of the four toys of the chapter's section on the 2D toys (two moons,
checkerboard, concentric rings, ring of 8 of radius 2 and width 0.1): 10,000 training points
(seed 0), 5,000 held-out points (seed 1), 1,000 Adam steps of batch 512 at learning rate 3e-3,
three seeds (each seeds the initialisation and the minibatches). Scores: the held-out NLL in nats
per point; the difference of two flows' NLLs on the same points is the difference of their
KL(ρ* ‖ P_θ), since the entropy of ρ* cancels, so the table needs no density of the toy. Time:
seconds of training per run (two threads, alone on the machine).

Runs are saved in ``benchmarks/results/flows_toys.csv``; Chapter 4 quotes ``--table``'s output
(``tests/package/test_flows.py`` checks it and the chapter's claims against the saved runs).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch
from _results import read_rows, write_rows  # benchmarks/_results.py

from gencourse import data, flows

RESULTS = Path(__file__).resolve().parent / "results" / "flows_toys.csv"
FIELDS = ["toy", "flow", "seed", "parameters", "valid_nll", "train_seconds"]
STEPS, BATCH, LR = 1000, 512, 3e-3

#: the toys of Chapter 4's section on the 2D toys, built as there
TOYS = {
    "two moons": data.TwoMoons,
    "checkerboard": data.Checkerboard,
    "concentric rings": data.ConcentricRings,
    "ring of 8": lambda: data.ring(radius=2.0, std=0.1),
}
#: the two flows of Chapter 4's spline section
FLOWS = {
    "Real-NVP, 8 affine couplings": lambda: flows.real_nvp(2, 8, 32, device="cpu"),
    "spline flow, 2 couplings": lambda: flows.spline_flow(
        2, 2, 56, bins=8, bound=4.0, device="cpu"
    ),
}


def run(toy_name: str, flow_name: str, seed: int) -> dict:
    toy = TOYS[toy_name]()
    train, valid = toy.sample(10_000, seed=0), toy.sample(5000, seed=1)
    torch.manual_seed(seed)
    model = FLOWS[flow_name]()
    history = flows.train_flow(
        model,
        train,
        valid=valid,
        n_steps=STEPS,
        batch_size=BATCH,
        lr=LR,
        eval_every=STEPS,
        seed=seed,
        progress=False,
    )
    return {
        "toy": toy_name,
        "flow": flow_name,
        "seed": seed,
        "parameters": sum(p.numel() for p in model.parameters()),
        "valid_nll": round(history.valid_nll[-1], 4),
        "train_seconds": round(history.seconds, 1),
    }


def load() -> list[dict]:
    return read_rows(RESULTS)


def save(rows: list[dict]) -> None:
    write_rows(RESULTS, FIELDS, rows)


def values(rows: list[dict], toy: str, flow: str, field: str = "valid_nll") -> list[float]:
    """One field (the held-out NLL by default) of one toy and flow, one value per seed (in the
    saved order)."""
    return [float(r[field]) for r in rows if r["toy"] == toy and r["flow"] == flow]


def table(rows: list[dict]) -> str:
    """Markdown: per toy, each flow's held-out NLL (mean ± std over seeds), the difference
    Real-NVP − spline per seed (= the difference of the two KLs) and the seconds per run."""
    affine, spline = FLOWS
    header = [
        "toy",
        "Real-NVP, 8 affine (nats)",
        "spline, 2 couplings (nats)",
        "Real-NVP − spline, per seed",
        "seconds per run (affine / spline)",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for toy in TOYS:
        a, s = values(rows, toy, affine), values(rows, toy, spline)
        if not a or not s:
            continue
        seconds = [
            statistics.mean(values(rows, toy, name, "train_seconds")) for name in (affine, spline)
        ]
        cells = [
            toy,
            f"{statistics.mean(a):.3f} ± {statistics.stdev(a):.3f}",
            f"{statistics.mean(s):.3f} ± {statistics.stdev(s):.3f}",
            ", ".join(f"{x - y:+.3f}" for x, y in zip(a, s)),
            f"{seconds[0]:.1f} / {seconds[1]:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--table", action="store_true", help="only print the saved runs' table")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    torch.set_num_threads(2)
    if not args.table:
        rows = []
        for toy in TOYS:
            for flow in FLOWS:
                for seed in args.seeds:
                    rows.append(run(toy, flow, seed))
                    print("   ", rows[-1], flush=True)
        save(rows)
    rows = load()
    params = {r["flow"]: int(r["parameters"]) for r in rows}
    print("\n" + ", ".join(f"{name}: {n:,} parameters" for name, n in params.items()) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
