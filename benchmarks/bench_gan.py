"""Benchmark: mode collapse on the ring of 8 and the 5×5 grid, against published numbers.

    python benchmarks/bench_gan.py [--seeds 3] [--steps 5000] [--recipes wgan-gp,ns-gan]

Protocol (VEEGAN / PacGAN): the ring of 8 Gaussians (radius 1, σ = 0.01) and the 5×5 grid
(means on {−4, −2, 0, 2, 4}², σ = 0.05); after training, 2500 samples; a sample is high quality
within 3σ of its nearest centre, a mode is captured when it is the nearest centre of at least one
high-quality sample. Generator and discriminator: ``gan.toy_models`` (MLPs, 3 hidden layers of 256
and of 128 units), batch 256, the recipes' losses, m and optimisers with ``gan.TOY_SETTINGS``
(learning rates raised for these 2D problems, since the papers' values are for images, decayed
linearly to 0; λ = 1 for the gradient penalty, where Gulrajani et al. use 0.1 on their 2D toys
and 10 on images).

Published (PacGAN, Lin et al. 2018, Table 1, grid): GAN 17.3 modes, 94.8 % high quality;
PacGAN4 24.8 modes, 93.6 %; ring of 8: PacGAN2 7.9 modes.
Goal for gencourse's WGAN-GP: 25/25 modes and ≥ 90 % high quality on the grid, 8/8 on the ring,
for every seed. Prints one line per run, then a summary per recipe and the verdict.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gencourse import data, gan, metrics


def run(
    recipe: str, toy: data.GaussianMixture, std: float, steps: int, seed: int
) -> tuple[metrics.ModeStatistics, float]:
    torch.manual_seed(seed)
    generator, critic = gan.toy_models(recipe, device="cpu")
    start = time.perf_counter()
    gan.train_gan(
        generator,
        critic,
        toy.sample(20_000, seed=0, device="cpu"),
        recipe=recipe,
        n_steps=steps,
        seed=seed,
        progress=False,
        **gan.TOY_SETTINGS[recipe],
    )
    seconds = time.perf_counter() - start
    with torch.no_grad():
        samples = generator.sample(2500, torch.Generator().manual_seed(seed))
    return metrics.mode_statistics(samples, toy.centres, std), seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--recipes", default="wgan-gp,ns-gan")
    args = parser.parse_args()
    toys = {"ring of 8": (data.ring(), 0.01), "grid of 25": (data.grid(), 0.05)}
    verdict = True
    for recipe in args.recipes.split(","):
        if recipe not in gan.TOY_SETTINGS:
            raise SystemExit(f"unknown recipe {recipe!r}; choose from {sorted(gan.TOY_SETTINGS)}")
        for name, (toy, std) in toys.items():
            results = []
            for seed in range(args.seeds):
                stats, seconds = run(recipe, toy, std, args.steps, seed)
                results.append(stats)
                print(f"{recipe:9s} {name:10s} seed {seed}: {stats} ({seconds:.0f} s)", flush=True)
            modes = [r.modes_captured for r in results]
            quality = [100 * r.high_quality for r in results]
            print(
                f"{recipe:9s} {name:10s} mean: {statistics.mean(modes):.1f} modes, "
                f"{statistics.mean(quality):.1f} % high quality"
            )
            if recipe == "wgan-gp":
                if name == "grid of 25":
                    verdict &= all(m == 25 for m in modes) and all(q >= 90 for q in quality)
                else:
                    verdict &= all(m == 8 for m in modes)
    if "wgan-gp" in args.recipes.split(","):
        print(
            "goal (WGAN-GP: 25/25 and ≥ 90 % on the grid, 8/8 on the ring, every seed):",
            "met" if verdict else "NOT met",
        )


if __name__ == "__main__":
    main()
