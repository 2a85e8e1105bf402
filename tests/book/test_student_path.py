"""The student path, end to end: no solution reaches a file a student receives.

What a student receives: the student edition of the book (``bash scripts/build-student.sh``, in
_build/student/_build/html), the student Colab twins its badges open (notebooks/student/, made by
``python scripts/notebooks.py sync``), and the homework's student notebooks (``python
scripts/homework.py assign``, in homework/dist/*/student/). What must not reach them: the text of
every solution of the book (plain ``{solution}`` blocks and gated ``solution-start`` ...
``solution-end`` blocks, prose and code), and the reference solutions, written answers and hidden
tests of the homework.

The check looks for distinctive fragments of that text (runs of plain words of 30 characters or
more, found nowhere else in their source) in every text file a student receives. So that it can
fail, each test also finds most of the fragments in the matching instructor files (the full
edition, the instructor twins, the homework's autograder notebooks) when those exist.

With GENCOURSE_REQUIRE_HTML=1 (scripts/test.sh) a missing student edition or homework build is a
failure; the student twins are skipped, with the reason, while notebooks/student/ does not exist.
"""

import html
import json
import os
import re
import zipfile
from pathlib import Path

import jupytext
import pytest
from _book import CHAPTERS, ROOT

STUDENT_HTML = Path(
    os.environ.get("GENCOURSE_STUDENT_HTML", ROOT / "_build" / "student" / "_build" / "html")
)
FULL_HTML = ROOT / "_build" / "html"
STUDENT_TWINS = (
    ROOT / "notebooks" / "student"
)  # issue 13's student set (/work/notes/i13-interface.md)
INSTRUCTOR_TWINS = ROOT / "notebooks"
HOMEWORK_DIST = ROOT / "homework" / "dist"
MASTERS = sorted((ROOT / "homework").glob("[0-9][0-9]_*.py"))
REQUIRE = os.environ.get("GENCOURSE_REQUIRE_HTML") == "1"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _plain_runs(text: str, minimum: int = 30) -> list[str]:
    """Runs of plain text: inline math, code and roles removed, split at markup characters."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`|\{[a-z-]+\}", "|", text, flags=re.S)
    runs = re.split(r"[|*_\[\]()<>\"'\\{}“”‘’]", text)
    return [_squash(r) for r in runs if len(_squash(r)) >= minimum]


def _book_solution_blocks(source: str) -> list[str]:
    plain = re.findall(r"```\{solution\}[^\n]*\n(.*?)\n```(?!\{)", source, re.S)
    gated = re.findall(r"```\{solution-start\}.*?```\n(.*?)```\{solution-end\}", source, re.S)
    return plain + gated


def book_fragments() -> list[str]:
    """Distinctive fragments of every solution of the book: found in no chapter's other text."""
    sources = {chapter: chapter.read_text() for chapter in CHAPTERS}
    blocks = {chapter: _book_solution_blocks(source) for chapter, source in sources.items()}
    outside = (ROOT / "intro.md").read_text()
    for chapter, source in sources.items():
        for block in blocks[chapter]:
            source = source.replace(block, "")
        outside += source
    outside = _squash(outside)
    fragments = [run for found in blocks.values() for block in found for run in _plain_runs(block)]
    return sorted({run for run in fragments if run not in outside})


def homework_fragments(kind: str = "all") -> list[str]:
    """Distinctive lines of the homework's solutions and written answers (``kind="solutions"``),
    of its hidden tests (``"hidden"``), or of both: found in no text a student is shown."""
    secret, visible = [], []
    for master in MASTERS:
        in_solution = False
        for cell in jupytext.read(master).cells:
            text = cell.source
            if cell.cell_type == "raw":
                marker = {"# BEGIN SOLUTION": True, "# END SOLUTION": False}
                in_solution = marker.get(text.strip(), in_solution)
                continue
            if "hidden: true" in text:
                secret += [text] if kind in ("all", "hidden") else []
            elif in_solution and cell.cell_type == "markdown":
                secret += [text] if kind in ("all", "solutions") else []
            elif cell.cell_type == "code" and "# BEGIN SOLUTION" in text:
                pattern = r"# BEGIN SOLUTION\n(.*?)# END SOLUTION"
                secret += re.findall(pattern, text, re.S) if kind in ("all", "solutions") else []
                visible.append(re.sub(pattern, "", text, flags=re.S))
            else:
                visible.append(text)
    # a line the book or the package also prints (``n, m = x.shape[0], y.shape[0]``) is no secret
    public = [*CHAPTERS, *sorted((ROOT / "gencourse").glob("*.py"))]
    shown = _squash("\n".join(visible + [path.read_text() for path in public]))
    lines = {_squash(line) for block in secret for line in block.splitlines()}
    return sorted(line for line in lines if len(line) >= 25 and line not in shown)


def html_text(path: Path) -> str:
    return _squash(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(errors="replace"))))


def notebook_text(path: Path) -> str:
    """Every cell's source and text output of a notebook, and its metadata (otter embeds tests
    there)."""
    nb = json.loads(path.read_text())
    parts = ["".join(cell.get("source", "")) for cell in nb["cells"]]
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            parts += [
                "".join(v) if isinstance(v, list) else str(v)
                for v in output.get("data", {}).values()
            ]
    parts.append(json.dumps(nb.get("metadata", {}), ensure_ascii=False))
    return _squash("\n".join(parts))


def file_text(path: Path) -> str | None:
    if path.suffix == ".ipynb":
        return notebook_text(path)
    if path.suffix in (".html", ".htm"):
        return html_text(path)
    if path.suffix in (".txt", ".md", ".py", ".js", ".json", ".otter"):
        return _squash(path.read_text(errors="replace"))
    return None


def leaks(files: list[Path], fragments: list[str]) -> list[str]:
    found = []
    for path in files:
        text = file_text(path)
        if text is not None:
            found += [f"{path}: {f!r}" for f in fragments if f in text]
    return found


def coverage(files: list[Path], fragments: list[str]) -> float:
    texts = " ".join(t for t in map(file_text, files) if t)
    return sum(f in texts for f in fragments) / len(fragments)


def _require(folder: Path, what: str, command: str) -> None:
    if folder.exists() and any(folder.iterdir()):
        return
    if REQUIRE:
        raise RuntimeError(f"no {what} at {folder}: run {command} first")
    pytest.skip(f"no {what} at {folder} ({command})")


def test_the_fragments_exist():
    assert len(book_fragments()) >= 40 and len(homework_fragments()) >= 40


def test_student_edition_holds_no_solution():
    _require(STUDENT_HTML, "student edition", "bash scripts/build-student.sh")
    files = sorted(p for p in STUDENT_HTML.rglob("*") if p.is_file() and "_static" not in p.parts)
    assert not leaks(files, book_fragments() + homework_fragments())
    # not even behind a link: the sources (with every solution) are not published
    pages = [p for p in files if p.suffix == ".html"]
    assert not [p.name for p in pages if "_sources/" in p.read_text()], "a page links to _sources/"
    full = [FULL_HTML / p.relative_to(STUDENT_HTML) for p in files if p.suffix == ".html"]
    if all(p.exists() for p in full) and (FULL_HTML / "index.html").exists():
        assert coverage(full, book_fragments()) > 0.5  # the fragments are found where they belong


def test_student_edition_opens_the_student_twins():
    _require(STUDENT_HTML, "student edition", "bash scripts/build-student.sh")
    if not STUDENT_TWINS.exists():
        pytest.skip("no notebooks/student/ yet: issue 13's student twins (hook for its interface)")
    links = [
        link
        for chapter in CHAPTERS
        for link in re.findall(
            r'href="(https://colab\.research\.google\.com/[^"]+)"',
            (STUDENT_HTML / "chapters" / f"{chapter.stem}.html").read_text(),
        )
    ]
    assert len(links) >= len(CHAPTERS)
    assert all("/notebooks/student/" in link for link in links), links


def test_student_twins_hold_no_solution():
    if not STUDENT_TWINS.exists():
        pytest.skip("no notebooks/student/ yet: issue 13's student twins (hook for its interface)")
    twins = sorted(STUDENT_TWINS.glob("*.ipynb"))
    assert len(twins) == len(CHAPTERS)
    assert not leaks(twins, book_fragments() + homework_fragments())
    instructor = sorted(INSTRUCTOR_TWINS.glob("*.ipynb"))
    assert coverage(instructor, book_fragments()) > 0.5


def test_homework_student_notebooks_hold_no_solution():
    _require(HOMEWORK_DIST, "homework build", "python scripts/homework.py assign")
    student = sorted(
        p for d in HOMEWORK_DIST.glob("*/student") for p in d.rglob("*") if p.is_file()
    )
    assert {p.stem for p in student if p.suffix == ".ipynb"} == {m.stem for m in MASTERS}
    assert not leaks(student, homework_fragments() + book_fragments())
    autograder = sorted(HOMEWORK_DIST.glob("*/autograder/*.ipynb"))
    assert coverage(autograder, homework_fragments("solutions")) > 0.5
    hidden_tests = []
    for archive in sorted(HOMEWORK_DIST.glob("*/autograder/*.zip")):
        with zipfile.ZipFile(archive) as opened:
            hidden_tests += [
                opened.read(n).decode() for n in opened.namelist() if n.startswith("tests/")
            ]
    text = _squash("\n".join(hidden_tests))
    fragments = homework_fragments("hidden")
    assert sum(f in text for f in fragments) > 0.5 * len(fragments)
