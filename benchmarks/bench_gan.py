"""Benchmark: the recipes of gencourse.gan on the 2D mode-collapse problems, tuned the same way.

    python benchmarks/bench_gan.py tune      [--lrs 1e-3,...] [--seeds 100,101,102]
    python benchmarks/bench_gan.py report    [--seeds 0,1,2] [--settings JSON]
    python benchmarks/bench_gan.py save-tuning --json TUNE.json
    (tune and report: [--steps N] [--batch B] [--budget ring=2000x128,grid=4000x256]
           [--hidden-generator H] [--hidden-critic H] [--recipes gan,ns-gan,...]
           [--problems ring,grid] [--json FILE] [--device cpu|cuda])

``save-tuning`` copies the runs of a saved ``tune --json`` into the package
(gencourse/gan/toy_tuning.json, read by ``gan.toy_tuning()``: Chapter 7 shows every run's score).

Problems (VEEGAN / PacGAN): the ring of 8 Gaussians (radius 1, σ = 0.01) and the 5×5 grid (means
on {−4, −2, 0, 2, 4}², σ = 0.05); 20,000 training points (seed 0). Three further samples, none
trained on: a validation set (1000 points, seed 1) that ``tune`` scores on, a reference sample
(seed 2) that sets the W1 floor, and a test set (1000 points, seed 3) that ``report`` (and the
book) score on, so that no number reported was seen by a choice.

Budget: ``gan.toy_models`` (a generator of 3 hidden layers of 128 units, a critic of 3 of 64),
the learning rate of both players decayed linearly to 0, each recipe with its paper's losses, m
and optimiser (``gan.RECIPES``); ``--steps``/``--batch`` (default 2000 and 128) for every problem,
or ``--budget`` per problem. Chapter 7's budget, at which ``gan.TOY_SETTINGS`` was tuned, is
``--budget ring=2000x128,grid=4000x256``: on the grid, 2000 steps at batch 128 leave WGAN-GP, the
best recipe, with 18–40 % of its samples near a mode, and 4000 at batch 256 with about 90 % and
all 25 modes on every seed (benchmarks/results/gan_budget.md).

Equal tuning effort (``tune``): every recipe tunes the same number of configurations, the same
grid of learning rates (``LRS``, for both players), each trained on both problems with three
tuning seeds (100, 101, 102: not the seeds reported). The constraint of each WGAN is one fixed
value, tuned for neither (``CONSTRAINTS``): δ = 0.01, the WGAN paper's value (Arjovsky et al.;
the paper has no 2D experiment, so this is its image value; the
clipping sweep of Chapter 7 shows that a δ chosen after the fact would favour clipping) and
λ = 0.1 (Gulrajani et al.'s value for their 2D toys; their λ = 10 is for images). Spectral
normalisation has no value to choose. Tuning a constraint for one WGAN and not the others gave
it more configurations than the GANs, which the previous protocol did.

The criterion, per run, on the validation set: ``W1 / floor + (1 − HQ)``, where W1 is the exact
W1 (optimal transport) between 1000 generated points and the 1000 validation points, floor the
W1 between the reference sample and the validation points (so W1 / floor is 1 for a sample as
close as the data's own), and HQ the share of 2500 generated points within 3σ of a mode. The
first term rewards covering the modes in the right proportions, the second putting the samples
on them (W1 barely sees a spread of 3σ around a mode, which HQ does). Each recipe keeps the
learning rate with the smallest criterion averaged over both problems and the three seeds.
The chosen values are ``gan.TOY_SETTINGS``.

``report`` trains ``gan.TOY_SETTINGS`` (or ``--settings``, a JSON object recipe -> options) on
the reporting seeds and prints, per recipe and problem, the mean and the sample standard
deviation over seeds of: modes captured with PacGAN's protocol (2500 samples, a mode captured by
one sample within 3σ), modes captured with at least 10 such samples (out of reach of uniform
noise), the high-quality percentage and W1 / floor on the test set.

PacGAN's baseline (Lin et al. 2018, Table 1, 10 runs) is its "GAN", the non-saturating loss with
Adam, so the recipe to compare with it is ``ns-gan``: ring 6.3 ± 0.5 modes, 98.2 ± 0.2 % high
quality; grid 17.3 ± 0.8 modes, 94.8 ± 0.7 %. What still differs: PacGAN's generator has four
hidden layers of 400 units with batch normalisation and its discriminator three of 200 maxout
units (ours: 128 and 64 units, LeakyReLU, no normalisation); it trains 400 epochs of 100,000
points at batch 100, i.e. 400,000 generator steps (ours: 2000 at batch 128, or 4000 at 256),
with Adam at a fixed learning rate of 10⁻⁴ (ours: tuned, decayed to 0, β₁ = 0.5).

All the models of one recipe train together (``gan.train_gans``), which fills a GPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from gencourse import data, gan, losses, metrics, parallel

PROBLEMS = {"ring": (data.ring(), 0.01), "grid": (data.grid(), 0.05)}
STEPS, BATCH = 2000, 128  # the default budget of every problem (Chapter 7: the ring's)
ARCHITECTURE: dict[str, int] = {}  # toy_models' widths; set from the command line
LRS = (2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2)
# one fixed constraint per WGAN, tuned for neither (see the module's docstring)
CONSTRAINTS = {"wgan-clip": {"clip": 0.01}, "wgan-gp": {"gp_weight": 0.1}}
PACGAN_GAN = {"ring": (6.3, 0.5, 98.2, 0.2), "grid": (17.3, 0.8, 94.8, 0.7)}  # modes ±, HQ % ±


def problem_sets(device: str) -> dict[str, dict[str, torch.Tensor | float]]:
    """Per problem: training points, validation and test sets, and each set's W1 floor."""
    sets = {}
    for name, (toy, _) in PROBLEMS.items():
        reference = toy.sample(1000, seed=2, device="cpu")
        valid, test = (
            toy.sample(1000, seed=1, device="cpu"),
            toy.sample(1000, seed=3, device="cpu"),
        )
        sets[name] = {
            "train": toy.sample(20_000, seed=0, device=device),
            "valid": valid,
            "test": test,
            "floor_valid": losses.wasserstein(reference, valid, p=1),
            "floor_test": losses.wasserstein(reference, test, p=1),
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
    architecture: dict[str, int],
) -> tuple[list[gan.MLPGenerator], float]:
    generators, critics = [], []
    for _, _, seed in runs:
        torch.manual_seed(seed)
        generator, critic = gan.toy_models(recipe, device=device, **architecture)
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


def train_and_score(job: dict) -> tuple[list[dict[str, float]], float]:
    """One batch of runs (one recipe, one problem), trained and scored against ``job["against"]``;
    a function of one argument for ``parallel.map_jobs`` (one problem per core on a CPU)."""
    generators, seconds = train_recipe(
        job["recipe"], job["runs"], job["sets"], steps=job["steps"], batch_size=job["batch"],
        options=job["options"], device=job["device"], architecture=job["architecture"],
    )  # fmt: skip
    scores = [
        score(generator, problem, seed, job["sets"], job["against"])
        for (problem, _, seed), generator in zip(job["runs"], generators)
    ]
    return scores, seconds


def run_recipes(
    args: argparse.Namespace, plan: dict[str, tuple[list, dict]], sets: dict, against: str
) -> dict[str, tuple[list[dict[str, float]], float]]:
    """Train and score every recipe's runs: ``plan`` maps a recipe to its runs ``(problem, lr,
    seed)`` and its options; returns, per recipe, the scores in the order of its runs and the sum
    of its jobs' training times.

    One job per (recipe, problem, seed), each a batch of that seed's learning rates trained
    together, each problem at its own budget (``args.budget``); all jobs go to
    ``parallel.map_jobs`` at once, the costliest first (a worker that finishes takes the next),
    so that the two cores stay busy when one problem's budget is larger than the other's."""
    jobs = []
    for recipe, (runs, options) in plan.items():
        for problem in args.problems:
            steps, batch = args.budget[problem]
            for seed in sorted({r[2] for r in runs if r[0] == problem}):
                jobs.append({
                    "recipe": recipe,
                    "runs": [r for r in runs if r[0] == problem and r[2] == seed],
                    "sets": {problem: sets[problem]},
                    "steps": steps,
                    "batch": batch,
                    "options": options,
                    "device": args.device,
                    "architecture": dict(ARCHITECTURE),
                    "against": against,
                })  # fmt: skip
    # cost ∝ steps × batch × the recipe's critic work (m = 5 for the WGANs, the gradient
    # penalty's double backward for WGAN-GP): the longest first
    weight = {"gan": 1, "ns-gan": 1, "wgan-clip": 2, "wgan-sn": 4, "wgan-gp": 4}
    jobs.sort(key=lambda j: -j["steps"] * j["batch"] * weight.get(j["recipe"], 4) * len(j["runs"]))
    done = parallel.map_jobs(train_and_score, jobs)
    results = {}
    for recipe, (runs, _) in plan.items():
        by_run, seconds = {}, 0.0
        for job, (scores, job_seconds) in zip(jobs, done):
            if job["recipe"] == recipe:
                by_run.update(zip(job["runs"], scores))
                seconds += job_seconds
        results[recipe] = ([by_run[r] for r in runs], seconds)
    return results


def score(
    generator: gan.MLPGenerator, problem: str, seed: int, sets: dict, against: str
) -> dict[str, float]:
    """Mode statistics of 2500 samples, and W1 / floor against ``against`` ("valid" or "test")."""
    toy, std = PROBLEMS[problem]
    with torch.no_grad():
        samples = generator.sample(2500, torch.Generator().manual_seed(seed)).cpu()
    if not bool(torch.isfinite(samples).all()):  # diverged
        inf = float("inf")
        return {"modes": 0, "modes10": 0, "hq": 0.0, "kl": inf, "w1": inf, "w1_ratio": inf}
    one = metrics.mode_statistics(samples, toy.centres, std)
    ten = metrics.mode_statistics(samples, toy.centres, std, min_count=10)
    w1 = losses.wasserstein(samples[:1000], sets[problem][against], p=1)
    return {
        "modes": one.modes_captured,
        "modes10": ten.modes_captured,
        "hq": 100 * one.high_quality,
        "kl": one.kl_to_uniform,
        "w1": w1,
        "w1_ratio": w1 / sets[problem][f"floor_{against}"],
    }


def criterion(result: dict[str, float]) -> float:
    """The tuning criterion of one run: W1 / floor + (1 − the high-quality share)."""
    return result["w1_ratio"] + (1 - result["hq"] / 100)


def spread(values: list[float], digits: int = 1) -> str:
    """Mean ± sample standard deviation (n − 1 in the denominator)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.{digits}f} ± {sd:.{digits}f}"


def options_of(recipe: str) -> dict:
    """Everything but the learning rate: the decay and the recipe's fixed constraint."""
    return {"lr_decay": True, **CONSTRAINTS.get(recipe, {})}


def tune(args: argparse.Namespace, sets: dict) -> dict:
    lrs = [float(v) for v in args.lrs.split(",")] if args.lrs else list(LRS)
    seeds = [int(v) for v in args.seeds.split(",")] if args.seeds else [100, 101, 102]
    runs = [(p, lr, seed) for p in args.problems for lr in lrs for seed in seeds]
    plan = {recipe: (runs, options_of(recipe)) for recipe in args.recipes}
    done = run_recipes(args, plan, sets, "valid")
    results = {}
    for recipe in args.recipes:
        scores, seconds = done[recipe]
        rows = {}
        for (problem, lr, seed), result in zip(runs, scores):
            rows.setdefault(lr, []).append((problem, seed, result))
        table = {}
        for lr, entries in rows.items():
            table[lr] = {
                "criterion": statistics.mean(criterion(e[2]) for e in entries),
                "runs": [{"problem": p, "seed": s, **r} for p, s, r in entries],
            }
            line = "  ".join(
                f"{p}: {spread([e[2]['modes10'] for e in entries if e[0] == p])} modes (≥ 10), "
                f"{spread([e[2]['hq'] for e in entries if e[0] == p])} % HQ, "
                f"W1/floor {spread([e[2]['w1_ratio'] for e in entries if e[0] == p], 2)}"
                for p in args.problems
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
    settings = {**gan.TOY_SETTINGS, **json.loads(args.settings or "{}")}
    plan = {}
    for recipe in args.recipes:
        options = dict(settings[recipe])
        lr = options.pop("lr")
        plan[recipe] = ([(p, lr, seed) for p in args.problems for seed in seeds], options)
    done = run_recipes(args, plan, sets, "test")
    results = {}
    for recipe in args.recipes:
        runs = plan[recipe][0]
        scores, seconds = done[recipe]
        for problem in args.problems:
            own = [r for (p, _, _), r in zip(runs, scores) if p == problem]
            print(
                f"{recipe:9s} {problem}: {spread([r['modes'] for r in own])} modes (≥ 1), "
                f"{spread([r['modes10'] for r in own])} (≥ 10), "
                f"{spread([r['hq'] for r in own])} % HQ, "
                f"W1/floor {spread([r['w1_ratio'] for r in own], 2)}  "
                f"per seed: modes10 {[r['modes10'] for r in own]}, "
                f"HQ {[round(r['hq'], 1) for r in own]}",
                flush=True,
            )
        named = [dict(zip(("problem", "lr", "seed"), r)) | s for r, s in zip(runs, scores)]
        results[recipe] = {"options": settings[recipe], "seconds": seconds, "runs": named}
    for problem, (modes, modes_sd, hq, hq_sd) in PACGAN_GAN.items():
        print(
            f"PacGAN's GAN (non-saturating, Adam) {problem}: {modes} ± {modes_sd} modes (≥ 1), "
            f"{hq} ± {hq_sd} % HQ: compare ns-gan's row"
        )
    return results


TUNING_FILE = Path(__file__).resolve().parents[1] / "gencourse" / "gan" / "toy_tuning.json"


def save_tuning(path: str) -> None:
    """Write the runs of a saved ``tune --json`` run into the package (``TUNING_FILE``)."""
    saved = json.loads(Path(path).read_text())
    args, results = saved["args"], saved["results"]
    runs = []
    for recipe, result in results.items():
        for lr, entry in result["table"].items():
            for run in entry["runs"]:
                runs.append({
                    "recipe": recipe, "lr": float(lr), "problem": run["problem"],
                    "seed": run["seed"], "w1_ratio": run["w1_ratio"], "hq": run["hq"],
                    "modes10": run["modes10"], "criterion": criterion(run),
                })  # fmt: skip
    protocol = {
        "budget": args["budget"],
        "lrs": sorted({run["lr"] for run in runs}),
        "seeds": sorted({run["seed"] for run in runs}),
        "constraints": CONSTRAINTS,
        "criterion": "W1 / floor + (1 - HQ), on the validation set (seed 1)",
        "chosen": {recipe: float(result["chosen"]) for recipe, result in results.items()},
        "device": saved["device"],
    }
    lines = ",\n".join(json.dumps(run) for run in runs)  # one run per line
    TUNING_FILE.write_text(f'{{"protocol": {json.dumps(protocol)},\n"runs": [\n{lines}\n]}}\n')
    print(f"wrote {len(runs)} runs to {TUNING_FILE}")


def parse_budget(text: str, problems: list[str], steps: int, batch: int) -> dict:
    """``"ring=2000x128,grid=4000x256"`` -> {problem: (steps, batch)}; a problem not named gets
    ``steps`` and ``batch``."""
    budget = {problem: (steps, batch) for problem in problems}
    for part in filter(None, text.split(",")):
        problem, _, value = part.partition("=")
        n_steps, _, n_batch = value.partition("x")
        if problem not in budget or not n_steps.isdigit() or not n_batch.isdigit():
            raise SystemExit(f"--budget: expected problem=STEPSxBATCH, got {part!r}")
        budget[problem] = (int(n_steps), int(n_batch))
    return budget


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=("tune", "report", "save-tuning"))
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument(
        "--budget",
        default="",
        help="per problem, e.g. ring=2000x128,grid=4000x256 (steps x batch)",
    )
    parser.add_argument("--lrs", default="")
    parser.add_argument("--hidden-generator", type=int, default=0)
    parser.add_argument("--hidden-critic", type=int, default=0)
    parser.add_argument("--seeds", default="")
    parser.add_argument("--recipes", default=",".join(gan.RECIPES))
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--settings", default="", help="report: JSON recipe -> options")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    if args.mode == "save-tuning":
        if not args.json:
            raise SystemExit("save-tuning: give the saved tuning run with --json FILE")
        save_tuning(args.json)
        return
    args.recipes, args.problems = args.recipes.split(","), args.problems.split(",")
    args.budget = parse_budget(args.budget, args.problems, args.steps, args.batch)
    for name in ("hidden_generator", "hidden_critic"):
        if getattr(args, name):
            ARCHITECTURE[name] = getattr(args, name)
    for recipe in args.recipes:
        if recipe not in gan.RECIPES:
            raise SystemExit(f"unknown recipe {recipe!r}; choose from {sorted(gan.RECIPES)}")
    for problem in args.problems:
        if problem not in PROBLEMS:
            raise SystemExit(f"unknown problem {problem!r}; choose from {sorted(PROBLEMS)}")
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    budgets = ", ".join(f"{p} {s} steps at batch {b}" for p, (s, b) in args.budget.items())
    print(
        f"{args.mode}: {budgets}, widths {ARCHITECTURE or 'default'}, on {device_name}", flush=True
    )
    sets = problem_sets(args.device)
    results = (tune if args.mode == "tune" else report)(args, sets)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "device": device_name, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
