"""The Colab twins of the chapters (instructor and student sets), and the notebooks nbval runs."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import nbformat

from booktools.book import Book, read_chapter
from booktools.convert import Converter
from booktools.index import BookIndex, book_index

_HIDDEN_TAGS = {"hide-input": "source_hidden", "hide-output": "outputs_hidden"}


def setup_cell(book: Book) -> nbformat.NotebookNode:
    """The twin's first cell: install gencourse when it is missing (the runtime's torch pinned),
    then print the device and the budget.

    A release's twins (``GENCOURSE_RELEASE=X.Y.Z``, set by .github/workflows/release.yml) install
    that version from PyPI or any mirror of it, so that a course keeps the code it started with;
    the default branch's twins install the repository's branch (``repository`` of _config.yml).
    """
    release = os.environ.get("GENCOURSE_RELEASE", "")
    if release:
        if not re.fullmatch(r"\d+\.\d+\.\d+", release):
            raise ValueError(f"GENCOURSE_RELEASE={release!r}: expected a version X.Y.Z")
        source, package = f"PyPI (version {release})", f"gencourse=={release}"
    else:
        url, branch = book.repository()
        source, package = "its repository", f"gencourse @ git+{url}@{branch}"
    code = f"""# Set-up (Colab): install gencourse from {source} when it is missing.
# The runtime's torch is pinned to its installed version: pip adds gencourse's other
# dependencies (POT, ...) but never replaces torch.
import importlib.metadata
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("gencourse") is None:
    package = "{package}"
    keep_torch = []
    if importlib.util.find_spec("torch") is not None:
        keep_torch = [f"torch=={{importlib.metadata.version('torch')}}"]
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", package, *keep_torch])

import gencourse

print(
    f"gencourse {{gencourse.__version__}} on {{gencourse.device()}},",
    f"{{gencourse.budget()}} budget",
)"""
    return nbformat.v4.new_code_cell(code)


def _code_cell(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A chapter's code cell without outputs, its hide-* tags as notebook front ends know them."""
    cell.outputs, cell.execution_count = [], None
    cell.metadata.pop("expected_output", None)
    for tag in cell.metadata.get("tags", []):
        if tag in _HIDDEN_TAGS:
            cell.metadata.setdefault("jupyter", {})[_HIDDEN_TAGS[tag]] = True
        if tag == "hide-cell":
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return cell


def _cells(conv: Converter, path: Path) -> list[nbformat.NotebookNode]:
    """The chapter's cells, converted: Markdown through ``conv``, code cells kept unless hidden
    (``remove-cell``, or a gated solution's in the student set), each figure's caption below."""
    cells = []
    for cell in read_chapter(path).cells:
        cell = copy.deepcopy(cell)
        cell.pop("id", None)
        if cell.cell_type == "markdown":
            cell.source = conv.markdown(cell.source)
            cell.metadata = {}
            if not cell.source.strip():
                continue
        elif cell.cell_type == "code":
            if "remove-cell" in cell.metadata.get("tags", []) or conv.hiding_solution:
                continue
            cell = _code_cell(cell)
        else:
            continue
        cells.append(cell)
        caption = conv.figure_caption(cell) if cell.cell_type == "code" else None
        if caption:  # below the figure, as the book shows it
            cells.append(nbformat.v4.new_markdown_cell(caption))
    return cells


def twin(
    book: Book, path: Path, student: bool = False, index: BookIndex | None = None
) -> nbformat.NotebookNode:
    """The Colab notebook of the chapter ``path`` (no outputs): the instructor set's, or with
    ``student=True`` the student set's."""
    index = book_index(book) if index is None else index
    conv = Converter(book, path, index, student)
    cells = _cells(conv, path)
    if conv.in_solution:
        raise conv.error("solution-start without solution-end")
    if conv.sections or conv.exercises:
        raise conv.error("Sphinx saw more sections or exercises than the converter")
    references = conv.references()
    if references:
        cells.append(nbformat.v4.new_markdown_cell(references))
    out = nbformat.v4.new_notebook()
    out.cells = [setup_cell(book)] + cells
    edition = "student set, no solutions" if student else "instructor set, with solutions"
    out.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "colab": {"provenance": [], "gpuType": "T4"},
        "source": f"generated from {path.relative_to(book.root)} by scripts/notebooks.py "
        f"({edition}); edit the chapter, not this file",
    }
    _number_ids(out, path.stem)
    return out


def _number_ids(nb: nbformat.NotebookNode, stem: str) -> None:
    """Deterministic cell ids, so that regenerating an unchanged chapter changes nothing."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem[:40]}-{i}"


def twin_path(book: Book, path: Path, student: bool = False) -> Path:
    """Where the twin of the chapter ``path`` lives: notebooks/ or notebooks/student/."""
    twins = book.root / "notebooks"
    return (twins / "student" if student else twins) / f"{path.stem}.ipynb"


def dump(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def all_twins(book: Book) -> dict[Path, str]:
    """Every twin of both sets: path -> the notebook's text."""
    index = book_index(book)
    return {
        twin_path(book, path, student): dump(twin(book, path, student, index))
        for path in book.chapters()
        for student in (False, True)
    }


def nbval_markers(source: str) -> dict[str, bool]:
    """The comment markers nbval sees in a cell's source (``{"check": True}`` for
    ``# NBVAL_CHECK_OUTPUT``, ``{"skip": True}`` for ``# NBVAL_SKIP``), read by nbval's own
    function: a marker is a comment line of its own, not a comment at the end of a line."""
    from nbval.plugin import find_comment_markers

    return dict(find_comment_markers(source))


def expected_outputs(path: Path) -> dict[str, str]:
    """Code cell source -> expected output, for the chapter's '# NBVAL_CHECK_OUTPUT' cells."""
    expected = {}
    for cell in read_chapter(path).cells:
        if cell.cell_type == "code" and "expected_output" in cell.metadata:
            if not nbval_markers(cell.source).get("check"):
                raise ValueError(
                    f"{path}: a cell has expected_output but no '# NBVAL_CHECK_OUTPUT' line"
                )
            expected[cell.source] = cell.metadata["expected_output"]
    return expected


def nbval_notebook(book: Book, path: Path) -> nbformat.NotebookNode:
    """The committed instructor twin of the chapter ``path``, with the expected output of every
    '# NBVAL_CHECK_OUTPUT' cell stored (from the chapter's ``expected_output`` metadata), for
    nbval to compare with what the cell prints."""
    committed = twin_path(book, path)
    nb = nbformat.read(committed, as_version=4)
    expected = expected_outputs(path)
    for cell in nb.cells:
        if cell.cell_type != "code" or not nbval_markers(cell.source).get("check"):
            continue
        if cell.source not in expected:
            raise ValueError(f"{committed}: a checked cell has no expected output")
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=expected.pop(cell.source))
        ]
        cell.execution_count = 1  # nbval rejects stored outputs of a cell marked as never run
    if expected:
        raise ValueError(f"{committed}: checked cells of the chapter missing (stale twin?)")
    return nb
