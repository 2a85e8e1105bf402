"""Benchmark of the chapters' sliders (issue 19): seconds per redraw, and the chapter's own time.

    python benchmarks/bench_widgets.py --chapters 2 3 9 [--budget full]

Each chapter is converted by Jupytext and executed top to bottom by nbclient in a fresh kernel in
``chapters/`` (``GENCOURSE_BUDGET`` set, progress bars off; its widget cell, tagged
``skip-execution``, left out as the build leaves it out). Then the widget cell runs with
``explore.explore`` replaced by a timer: the same drawing function, the same data, redrawn on a
new figure and rendered (Agg, as the inline backend renders it) at five values across the
slider's range. A redraw's seconds are the callback's work; the browser's display of the PNG is
not counted (a few milliseconds).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

TIMER = """
import time as _time
import matplotlib.pyplot as _plt
import numpy as _np


def _timed_explore(draw, slider, *, figsize=(5.0, 3.8), **data):
    values = list(getattr(slider, "_options_values", ()) or ())
    if not values:
        values = _np.linspace(slider.min, slider.max, 5)
        if hasattr(slider, "base"):  # FloatLogSlider: min and max are exponents
            values = slider.base**values
        values = [type(slider.value)(v) for v in values]
    values = [values[i] for i in _np.linspace(0, len(values) - 1, min(5, len(values))).astype(int)]
    seconds = []
    for value in values:
        start = _time.perf_counter()
        fig, ax = _plt.subplots(figsize=figsize)
        draw(value, ax=ax, **data)
        fig.canvas.draw()
        _plt.close(fig)
        seconds.append(_time.perf_counter() - start)
    print(f"REDRAW median {_np.median(seconds):.3f} max {max(seconds):.3f} over {values}")
"""


def bench(path: Path, budget: str) -> tuple[float, str]:
    nb = jupytext.read(path, fmt="md:myst")
    widget = [c for c in nb.cells if c.cell_type == "code" and "explore.explore(" in c.source]
    if len(widget) != 1:
        raise SystemExit(f"{path.name}: expected one explore.explore cell, found {len(widget)}")
    nb.cells = [c for c in nb.cells if "skip-execution" not in c.metadata.get("tags", [])]
    timed = re.sub(r"explore\.explore\(", "_timed_explore(", widget[0].source)
    nb.cells += [nbformat.v4.new_code_cell(TIMER), nbformat.v4.new_code_cell(timed)]
    os.environ.update(GENCOURSE_BUDGET=budget, GENCOURSE_PROGRESS="0")
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend, as in Jupyter
    start = time.perf_counter()
    NotebookClient(nb, timeout=1200, resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return elapsed, text.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="+", type=int, required=True)
    parser.add_argument("--budget", choices=("quick", "full"), default="full")
    args = parser.parse_args()
    for number in args.chapters:
        (path,) = sorted((ROOT / "chapters").glob(f"{number:02d}_*.md"))
        elapsed, redraw = bench(path, args.budget)
        print(f"{path.stem} ({args.budget}): chapter {elapsed:.1f} s; {redraw}", flush=True)


if __name__ == "__main__":
    main()
