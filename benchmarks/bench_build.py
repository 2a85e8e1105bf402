"""Benchmark of the book's build: seconds to execute each chapter, under each compute budget.

    python benchmarks/bench_build.py                          # every chapter, both budgets
    python benchmarks/bench_build.py --budgets quick --chapters 3 9
    python benchmarks/bench_build.py --ref main --budgets full --chapters 7   # before/after

Each chapter of ``_toc.yml`` is converted by Jupytext and executed top to bottom by nbclient in a
fresh kernel, in ``chapters/`` with ``GENCOURSE_BUDGET`` set and progress bars off, as the book's
build executes it (cells tagged ``skip-execution`` are skipped, as there). The time is the wall
clock from the kernel's start to the last cell: the figure the build's execution cache saves.

``--cells SECONDS`` profiles: every cell that runs for at least that long is printed as it
ends, with its seconds and its first line of code (where a chapter spends its time).

``--outputs DIR`` writes each executed chapter's printed text (streams and plain-text results,
cell by cell, figures left out) to ``DIR/<budget>/<chapter>.txt``: two runs' files diffed show
whether a change moved any number the book prints (``diff -r before after``).

``--ref GITREF`` also times the chapters of another commit, checked out in a temporary git
worktree that is removed afterwards, one chapter after the other of the two trees (so that a
change of the machine's load affects both columns alike). Its kernel imports the other commit's
``gencourse`` (``PYTHONPATH``; a first cell checks which one was imported) with this
environment's packages. The table gives both columns and their ratio.

Run one heavy job at a time: every budget and chapter run here holds both cores. The full budget
over every chapter is the longest run (benchmarks/results/timings.md): choose chapters with
``--chapters``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
# The tooling's shared code (scripts/booktools) is imported by its plain name with scripts/ on the
# path: `python scripts/X.py` and pytest (pyproject.toml's pythonpath) put it there; a benchmark,
# run from benchmarks/, adds it here, once.
sys.path.insert(0, str(ROOT / "scripts"))
from booktools.book import chapters  # noqa: E402

BUDGETS = ("quick", "full")


def select(paths: list[Path], wanted: list[str] | None) -> list[Path]:
    """Chapters by number (``7`` or ``07``) or by name (``07_wasserstein_gans``)."""
    if not wanted:
        return paths
    chosen = []
    for want in wanted:
        match = [
            p
            for p in paths
            if p.stem == want or (want.isdigit() and p.stem.split("_")[0] == f"{int(want):02d}")
        ]
        if not match:
            names = ", ".join(p.stem for p in paths)
            raise SystemExit(f"--chapters: no chapter {want!r} (there are: {names})")
        chosen += match
    return chosen


def printed_text(nb: nbformat.NotebookNode) -> str:
    """The text a reader sees printed by each code cell: streams and ``text/plain`` results
    (figures' reprs, which name memory addresses, left out), one block per cell."""
    blocks = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        texts = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                if "image/png" not in data and "text/plain" in data:
                    texts.append(data["text/plain"])
            elif output.output_type == "error":
                texts.append(f"{output.ename}: {output.evalue}")
        if texts:
            blocks.append(f"--- cell {index}\n" + "".join(t.rstrip("\n") + "\n" for t in texts))
    return "".join(blocks)


def execute(
    path: Path,
    tree: Path,
    budget: str,
    cell_timeout: int,
    profile: float | None = None,
    outputs: Path | None = None,
) -> tuple[float, str]:
    """Execute chapter ``path`` of ``tree`` under ``budget``; (seconds, '' or the error). With
    ``profile``, print each cell that runs at least ``profile`` seconds as it ends."""
    nb = jupytext.read(path, fmt="md:myst")
    check = (
        "import pathlib\nimport gencourse\n"
        f"_tree = pathlib.Path({str(tree.resolve())!r})\n"
        "assert pathlib.Path(gencourse.__file__).resolve().is_relative_to(_tree), "
        "gencourse.__file__"
    )
    nb.cells.insert(0, nbformat.v4.new_code_cell(check))
    env = {
        **os.environ,
        "GENCOURSE_BUDGET": budget,
        "GENCOURSE_PROGRESS": "0",
        "PYTHONPATH": os.pathsep.join(
            [str(tree.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    if profile is not None:
        started: dict[int, float] = {}

        def begin(cell: nbformat.NotebookNode, cell_index: int) -> None:
            started[cell_index] = time.perf_counter()

        def end(cell: nbformat.NotebookNode, cell_index: int, execute_reply: dict) -> None:
            seconds = time.perf_counter() - started.pop(cell_index, time.perf_counter())
            if seconds >= profile:
                code = [line for line in cell.source.splitlines() if line.strip()]
                first = next((line for line in code if not line.startswith("#")), "")
                print(f"  {seconds:7.1f} s  cell {cell_index:3d}  {first[:70]}", flush=True)

        client.on_cell_execute, client.on_cell_executed = begin, end
    start = time.perf_counter()
    try:
        client.execute(env=env)  # passed on to the kernel manager's start_kernel
        error = ""
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        error = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    seconds = time.perf_counter() - start
    if outputs is not None:
        (outputs / budget).mkdir(parents=True, exist_ok=True)
        (outputs / budget / f"{path.stem}.txt").write_text(printed_text(nb))
    return seconds, error


class Worktree:
    """``git worktree add --detach`` of ``ref`` in a temporary directory, removed on exit."""

    def __init__(self, ref: str):
        self.ref = ref
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-build-")
        self.path = Path(self._tmp.name) / "tree"

    def __enter__(self) -> Path:
        subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "worktree",
                "add",
                "--detach",
                "--quiet",
                str(self.path),
                self.ref,
            ],
            check=True,
        )
        return self.path

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(self.path)], check=False
        )
        self._tmp.cleanup()


def describe(ref: str) -> str:
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{ref} ({sha})" if sha and sha != ref else ref


def table(results: list[dict], columns: list[str]) -> str:
    """One row per chapter and budget, one column of seconds per tree, and their ratio."""

    def cell(entry: dict | None) -> str:
        if entry is None:
            return "-"
        return f"{entry['seconds']:.1f}" + (" FAILED" if entry["error"] else "")

    rows = [["chapter", "budget", *(f"{c} (s)" for c in columns)]]
    if len(columns) == 2:
        rows[0].append(f"{columns[1]} / {columns[0]}")
    keys = list(dict.fromkeys((r["chapter"], r["budget"]) for r in results))
    for budget in dict.fromkeys(b for _, b in keys):
        totals = dict.fromkeys(columns, 0.0)
        for chapter, _ in [k for k in keys if k[1] == budget]:
            found = {
                c: next(
                    (
                        r
                        for r in results
                        if (r["chapter"], r["budget"], r["tree"]) == (chapter, budget, c)
                    ),
                    None,
                )
                for c in columns
            }
            row = [chapter, budget, *(cell(found[c]) for c in columns)]
            for c in columns:
                totals[c] += found[c]["seconds"] if found[c] else 0.0
            if len(columns) == 2 and all(found.values()):
                row.append(f"{found[columns[1]]['seconds'] / found[columns[0]]['seconds']:.2f}")
            rows.append(row)
        total = ["total", budget, *(f"{totals[c]:.1f}" for c in columns)]
        if len(columns) == 2 and totals[columns[0]]:
            total.append(f"{totals[columns[1]] / totals[columns[0]]:.2f}")
        rows.append(total)
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(rows[0]))]
    lines = [
        "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--budgets", nargs="+", choices=BUDGETS, default=list(BUDGETS))
    parser.add_argument("--chapters", nargs="+", help="numbers or names (default: every chapter)")
    parser.add_argument("--ref", help="also time this git commit, branch or tag (before/after)")
    parser.add_argument("--cell-timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    parser.add_argument(
        "--outputs", type=Path, metavar="DIR", help="write each chapter's printed text here"
    )
    parser.add_argument(
        "--cells", type=float, metavar="SECONDS", help="print every cell that takes this long"
    )
    args = parser.parse_args(argv)

    results: list[dict] = []
    with Worktree(args.ref) if args.ref else _nothing() as other:
        trees = {"this tree": ROOT}
        if other is not None:
            trees = {describe(args.ref): other, **trees}
        mine = select(chapters(ROOT), args.chapters)
        for budget in args.budgets:
            for path in mine:
                for name, tree in trees.items():
                    source = tree / path.relative_to(ROOT)
                    if not source.exists():
                        print(f"{name}: no {source.relative_to(tree)}", flush=True)
                        continue
                    outputs = args.outputs
                    if outputs is not None and len(trees) == 2:
                        outputs = outputs / ("ref" if tree is not ROOT else "this")
                    seconds, error = execute(
                        source, tree, budget, args.cell_timeout, args.cells, outputs
                    )
                    results.append(
                        {
                            "chapter": path.stem,
                            "budget": budget,
                            "tree": name,
                            "seconds": round(seconds, 1),
                            "error": error,
                        }
                    )
                    status = f"FAILED: {error}" if error else "ok"
                    print(
                        f"{budget:5}  {path.stem:32}  {name:24}  {seconds:7.1f} s  {status}",
                        flush=True,
                    )
    print()
    print(table(results, list(trees)))
    if args.json:
        args.json.write_text(
            json.dumps({"argv": sys.argv[1:], "results": results}, indent=1) + "\n"
        )
    return 1 if any(r["error"] for r in results) else 0


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main())
