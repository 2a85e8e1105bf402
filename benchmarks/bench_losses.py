"""Benchmark of gencourse.losses against direct references.

    python benchmarks/bench_losses.py

1. Exact W2 between two samples of n = 500, 1000, 2000 points in d = 2 and 64: gencourse's
   `losses.wasserstein` against POT's `ot.emd2` called directly on the same cost matrix. The
   values must agree to 1e-6 relative; the time ratio shows the wrapper's overhead.
2. MMD² (unbiased, RBF kernel) on n = 5000 points in torch against a straightforward NumPy
   implementation: the values must agree to 1e-6 relative.

Prints one table per part. Timings are the best of `--repeats` runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import ot
import torch

from gencourse import losses


def best_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def pot_w2(x: np.ndarray, y: np.ndarray) -> float:
    cost = ot.dist(x, y, metric="sqeuclidean")
    return float(
        np.sqrt(
            ot.emd2(
                np.full(len(x), 1 / len(x)),
                np.full(len(y), 1 / len(y)),
                cost,
                numItermax=10_000_000,
            )
        )
    )


def numpy_mmd2(x: np.ndarray, y: np.ndarray, h: float) -> float:
    def k(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
        return np.exp(-np.maximum(sq, 0) / (2 * h * h))

    n, m = len(x), len(y)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return float(
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * kxy.mean()
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    ok = True

    print("Exact W2: gencourse.losses.wasserstein vs ot.emd2")
    print(
        f"{'d':>4} {'n':>6} {'W2 gencourse':>14} {'W2 POT':>14} {'rel. diff':>10} "
        f"{'t gencourse':>12} {'t POT':>8} {'ratio':>6}"
    )
    for d in (2, 64):
        for n in (500, 1000, 2000):
            g = torch.Generator().manual_seed(n + d)
            x = torch.randn(n, d, generator=g, dtype=torch.float64)
            y = torch.randn(n, d, generator=g, dtype=torch.float64) * 1.2 + 0.3
            t_ours, ours = best_time(lambda x=x, y=y: losses.wasserstein(x, y, p=2), args.repeats)
            t_pot, ref = best_time(lambda x=x, y=y: pot_w2(x.numpy(), y.numpy()), args.repeats)
            rel = abs(ours - ref) / ref
            ok &= rel < 1e-6
            print(
                f"{d:>4} {n:>6} {ours:>14.8f} {ref:>14.8f} {rel:>10.1e} "
                f"{t_ours:>11.3f}s {t_pot:>7.3f}s {t_ours / t_pot:>6.2f}"
            )

    print("\nMMD² (unbiased, RBF, median bandwidth), n = 5000, d = 2: torch vs NumPy")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5000, 2, generator=g, dtype=torch.float64)
    y = torch.randn(5000, 2, generator=g, dtype=torch.float64) + 0.2
    h = losses.median_heuristic(x, y)
    t_ours, ours = best_time(lambda: float(losses.mmd2(x, y, bandwidth=h)), args.repeats)
    t_np, ref = best_time(lambda: numpy_mmd2(x.numpy(), y.numpy(), h), args.repeats)
    rel = abs(ours - ref) / abs(ref)
    ok &= rel < 1e-6
    print(
        f"torch {ours:.10f} in {t_ours:.3f}s; NumPy {ref:.10f} in {t_np:.3f}s; "
        f"rel. diff {rel:.1e}; speed-up {t_np / t_ours:.2f}x"
    )
    print("\nall values agree" if ok else "\nVALUES DISAGREE")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
