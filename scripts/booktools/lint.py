"""Lint the code the chapters run: every code cell of every chapter (the hidden assertions of
``remove-cell`` cells included), read by Jupytext as the book's build reads it, checked by ruff
with the project's settings (pyproject.toml: ``[tool.ruff]``, with the per-file rules of
``chapters/**``), and each finding reported at its line of the chapter's Markdown.

ruff reads notebooks natively: each chapter goes to it as a notebook on standard input, named
``chapters/NAME.ipynb`` (so that ruff treats its cells as a notebook's, and the per-file rules
apply); no file is written.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat

from booktools.book import Book, read_chapter

_CODE_CELL = re.compile(r"^(`{3,}|:{3,})\{code-cell\}[^\n]*\n", re.MULTILINE)


def _cell_lines(path: Path, sources: list[str]) -> list[int]:
    """The line (0-based) of the chapter's Markdown where each code cell's source starts."""
    text = path.read_text()
    starts = []
    for fence, source in zip(_CODE_CELL.finditer(text), sources):
        at = text.find(source, fence.end()) if source else -1
        starts.append(text.count("\n", 0, at if at >= 0 else fence.start()))
    return starts


def lint_chapter(book: Book, path: Path) -> list[str]:
    """ruff's findings in the code cells of the chapter ``path``: "FILE:LINE:COLUMN: CODE
    message" lines, LINE counted in the chapter's Markdown."""
    cells = [c for c in read_chapter(path).cells if c.cell_type == "code"]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["language_info"] = {"name": "python"}
    name = path.relative_to(book.root).with_suffix(".ipynb").as_posix()
    result = subprocess.run(
        ["ruff", "check", "--output-format=json", "--stdin-filename", name, "-"],
        input=nbformat.writes(notebook),
        capture_output=True,
        text=True,
        cwd=book.root,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"ruff failed on {name}: {result.stderr.strip()}")
    starts = _cell_lines(path, [c.source for c in cells])
    shown = path.relative_to(book.root).as_posix()
    findings = []
    for found in json.loads(result.stdout):
        row, column = found["location"]["row"], found["location"]["column"]
        line = starts[found["cell"] - 1] + row
        findings.append(f"{shown}:{line}:{column}: {found['code']} {found['message']}")
    return findings


def lint(book: Book) -> list[str]:
    """ruff's findings in the code cells of every chapter of ``book``."""
    return [finding for path in book.chapters() for finding in lint_chapter(book, path)]
