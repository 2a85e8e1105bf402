"""Benchmark: the recipes of gencourse.gan on the 2D mode-collapse problems, tuned the same way.

    python benchmarks/bench_gan.py tune      [--steps N] [--lrs 1e-4,...] [--seeds 100,101,102]
    python benchmarks/bench_gan.py report    [--steps N] [--seeds 0,1,2]
    (both: [--recipes gan,ns-gan,...] [--json FILE] [--device cpu|cuda])

Problems (VEEGAN / PacGAN): the ring of 8 Gaussians (radius 1, σ = 0.01) and the 5×5 grid (means
on {−4, −2, 0, 2, 4}², σ = 0.05); 20,000 training points (seed 0), 1000 held-out validation
points (seed 1) that no run trains on.

Every recipe gets the same tuning effort (``tune``): the same architectures (``gan.toy_models``),
batch size (128), number of generator steps (2000) and linear learning-rate decay to 0, its
paper's losses, m, optimiser and constraint (δ = 0.01; λ = 0.1, Gulrajani et al.'s value for
their 2D toys; spectral norm), and the same grid of six learning rates (both players), each
trained on both problems with three tuning seeds (100, 101, 102: not the seeds the book
reports). The validation criterion: the exact W1 (optimal transport) between
1000 generated points and the 1000 validation points, divided by the W1 between 1000 fresh data
points and the validation points (1 = as close as a sample of the data), averaged over the two
problems and the three seeds; each recipe keeps the learning rate with the smallest criterion.
The chosen values are ``gan.TOY_SETTINGS``.

``report`` trains ``gan.TOY_SETTINGS`` on the reporting seeds and prints, per recipe and problem,
the mean and the sample standard deviation over seeds of: modes captured with PacGAN's protocol
(2500 samples, a mode captured by one sample within 3σ), modes captured with at least 10 such
samples (out of reach of uniform noise), the high-quality percentage and the held-out W1; then
the plain GAN of PacGAN (Lin et al. 2018, Table 1, 10 runs, 400 epochs of 100,000 points at
batch 100, i.e. 400,000 generator steps): ring 6.3 ± 0.5 modes, 98.2 ± 0.2 % high quality;
grid 17.3 ± 0.8 modes, 94.8 ± 0.7 %.

All the models of one recipe train together (``gan.train_gans``), which fills a GPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from gencourse import data, gan, losses, metrics

PROBLEMS = {"ring": (data.ring(), 0.01), "grid": (data.grid(), 0.05)}
ARCHITECTURE: dict[str, int] = {}  # toy_models' widths; set from the command line
LRS = (2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2)
PACGAN_GAN = {"ring": (6.3, 0.5, 98.2, 0.2), "grid": (17.3, 0.8, 94.8, 0.7)}  # modes ±, HQ % ±


def problem_sets(device: str) -> dict[str, dict[str, torch.Tensor]]:
    sets = {}
    for name, (toy, _) in PROBLEMS.items():
        valid = toy.sample(1000, seed=1, device="cpu")
        floor = losses.wasserstein(toy.sample(1000, seed=2, device="cpu"), valid, p=1)
        sets[name] = {
            "train": toy.sample(20_000, seed=0, device=device),
            "valid": valid,
            "floor": floor,
        }
    return sets


def train_recipe(
    recipe: str,
    runs: list[tuple[str, float, int]],  # (problem, lr, seed) per model
    sets: dict,
    *,
    steps: int,
    batch_size: int,
    options: dict,
    device: str,
) -> tuple[list[gan.MLPGenerator], float]:
    generators, critics = [], []
    for _, _, seed in runs:
        torch.manual_seed(seed)
        generator, critic = gan.toy_models(recipe, device=device, **ARCHITECTURE)
        generators.append(generator)
        critics.append(critic)
    start = time.perf_counter()
    gan.train_gans(
        generators,
        critics,
        [sets[problem]["train"] for problem, _, _ in runs],
        seeds=[seed for _, _, seed in runs],
        recipe=recipe,
        lr=[lr for _, lr, _ in runs],
        n_steps=steps,
        batch_size=batch_size,
        stop_on_nonfinite=False,  # a diverging learning rate is a result, not an error
        progress=False,
        **options,
    )
    return generators, time.perf_counter() - start


def score(generator: gan.MLPGenerator, problem: str, seed: int, sets: dict) -> dict[str, float]:
    toy, std = PROBLEMS[problem]
    with torch.no_grad():
        samples = generator.sample(2500, torch.Generator().manual_seed(seed)).cpu()
    if not bool(torch.isfinite(samples).all()):  # diverged
        inf = float("inf")
        return {"modes": 0, "modes10": 0, "hq": 0.0, "kl": inf, "w1": inf, "w1_ratio": inf}
    one = metrics.mode_statistics(samples, toy.centres, std)
    ten = metrics.mode_statistics(samples, toy.centres, std, min_count=10)
    w1 = losses.wasserstein(samples[:1000], sets[problem]["valid"], p=1)
    return {
        "modes": one.modes_captured,
        "modes10": ten.modes_captured,
        "hq": 100 * one.high_quality,
        "kl": one.kl_to_uniform,
        "w1": w1,
        "w1_ratio": w1 / sets[problem]["floor"],
    }


def spread(values: list[float], digits: int = 1) -> str:
    """Mean ± sample standard deviation (n − 1 in the denominator)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.{digits}f} ± {sd:.{digits}f}"


def tune(args: argparse.Namespace, sets: dict) -> dict:
    lrs = [float(v) for v in args.lrs.split(",")] if args.lrs else list(LRS)
    seeds = [int(v) for v in args.seeds.split(",")] if args.seeds else [100, 101, 102]
    results = {}
    for recipe in args.recipes:
        # everything but the learning rate as in gan.TOY_SETTINGS (decay; WGAN-GP's λ = 0.1)
        options = {k: v for k, v in gan.TOY_SETTINGS[recipe].items() if k != "lr"}
        runs = [(p, lr, seed) for p in PROBLEMS for lr in lrs for seed in seeds]
        generators, seconds = train_recipe(
            recipe, runs, sets, steps=args.steps, batch_size=args.batch, options=options,
            device=args.device,
        )  # fmt: skip
        rows = {}
        for (problem, lr, seed), generator in zip(runs, generators):
            rows.setdefault(lr, []).append((problem, seed, score(generator, problem, seed, sets)))
        table = {}
        for lr, entries in rows.items():
            table[lr] = {
                "criterion": statistics.mean(e[2]["w1_ratio"] for e in entries),
                "runs": [{"problem": p, "seed": s, **r} for p, s, r in entries],
            }
            line = "  ".join(
                f"{p}: {spread([e[2]['modes'] for e in entries if e[0] == p])} modes, "
                f"{spread([e[2]['hq'] for e in entries if e[0] == p])} % HQ, "
                f"W1 {spread([e[2]['w1'] for e in entries if e[0] == p], 3)}"
                for p in PROBLEMS
            )
            print(f"{recipe:9s} lr {lr:.0e}: criterion {table[lr]['criterion']:6.2f}  {line}")
        best = min(table, key=lambda lr: table[lr]["criterion"])
        print(
            f"{recipe:9s} chosen lr {best:.0e} ({seconds:.0f} s for {len(runs)} runs)", flush=True
        )
        results[recipe] = {"chosen": best, "seconds": seconds, "table": table}
    print(markdown_table(results, lrs))
    return results


def markdown_table(results: dict, lrs: list[float]) -> str:
    """The tuning table as Markdown (the chapter quotes it): the criterion of each recipe at each
    learning rate, the chosen one in bold."""
    lines = ["| recipe | " + " | ".join(f"{lr:.0e}" for lr in lrs) + " |"]
    lines.append("| --- |" + " ---: |" * len(lrs))
    for recipe, result in results.items():
        cells = []
        for lr in lrs:
            value = result["table"][lr]["criterion"]
            cell = f"{value:.2f}"
            cells.append(f"**{cell}**" if lr == result["chosen"] else cell)
        lines.append(f"| {recipe} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(args: argparse.Namespace, sets: dict) -> dict:
    seeds = [int(v) for v in args.seeds.split(",")] if args.seeds else [0, 1, 2]
    results = {}
    for recipe in args.recipes:
        options = dict(gan.TOY_SETTINGS[recipe])
        lr = options.pop("lr")
        runs = [(p, lr, seed) for p in PROBLEMS for seed in seeds]
        generators, seconds = train_recipe(
            recipe, runs, sets, steps=args.steps, batch_size=args.batch, options=options,
            device=args.device,
        )  # fmt: skip
        scores = [score(g, p, s, sets) for (p, _, s), g in zip(runs, generators)]
        for problem in PROBLEMS:
            own = [r for (p, _, _), r in zip(runs, scores) if p == problem]
            print(
                f"{recipe:9s} {problem}: {spread([r['modes'] for r in own])} modes (≥ 1), "
                f"{spread([r['modes10'] for r in own])} (≥ 10), "
                f"{spread([r['hq'] for r in own])} % HQ, W1 {spread([r['w1'] for r in own], 3)}"
            )
        named = [dict(zip(("problem", "lr", "seed"), r)) | s for r, s in zip(runs, scores)]
        results[recipe] = {"seconds": seconds, "runs": named}
    for problem, (modes, modes_se, hq, hq_se) in PACGAN_GAN.items():
        print(f"PacGAN's GAN  {problem}: {modes} ± {modes_se} modes, {hq} ± {hq_se} % HQ")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=("tune", "report"))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lrs", default="")
    parser.add_argument("--hidden-generator", type=int, default=0)
    parser.add_argument("--hidden-critic", type=int, default=0)
    parser.add_argument("--seeds", default="")
    parser.add_argument("--recipes", default=",".join(gan.RECIPES))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    args.recipes = args.recipes.split(",")
    for name in ("hidden_generator", "hidden_critic"):
        if getattr(args, name):
            ARCHITECTURE[name] = getattr(args, name)
    for recipe in args.recipes:
        if recipe not in gan.RECIPES:
            raise SystemExit(f"unknown recipe {recipe!r}; choose from {sorted(gan.RECIPES)}")
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print(
        f"{args.mode}: {args.steps} steps, batch {args.batch}, widths {ARCHITECTURE or 'default'},"
        f" on {device_name}",
        flush=True,
    )
    sets = problem_sets(args.device)
    results = (tune if args.mode == "tune" else report)(args, sets)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "device": device_name, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
