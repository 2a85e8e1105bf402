"""The benchmarks' saved runs: one CSV file per benchmark in benchmarks/results/, one row per run.

The benchmarks that keep their runs (bench_flows_digits.py, bench_flows_toys.py) read and write
them here; each one keeps its own file, fields and order. The tests read the saved runs through
the benchmark (tests/package/test_flows.py), so a table in a chapter and its checks see one file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path


def read_rows(path: Path) -> list[dict[str, str]]:
    """The runs saved in ``path``, one dict per row (values as the CSV's text); none before the
    first save."""
    if not path.exists():
        return []
    with path.open() as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, fields: list[str], rows: Iterable[dict]) -> None:
    """Save ``rows`` (each with exactly ``fields``) to ``path``, replacing what was there."""
    path.parent.mkdir(exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
