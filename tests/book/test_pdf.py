"""Tests of the book's PDFs (``python scripts/bookpdf.py pdf``; scripts/test.sh builds the quick
ones) and of the "Download PDF" link of the built HTML.

The PDF's text is read with poppler's ``pdftotext``: every chapter of _toc.yml is there with its
number and title (table of contents and chapter opening); no reference is unresolved (LaTeX
prints "??" for one, and its log says so); TeX met no undefined control sequence (a math macro
of _config.yml missing from the PDF, for one) and no character its fonts lack; the page count
is within :data:`PAGES`; equations, figures and exercises carry the web page's numbers
(chapter.number); the bibliography lists every entry of references.bib. The student PDF holds
no solution: none of the distinctive fragments of the book's solutions that the student path's
leak test uses (tests/book/test_student_path.py), which the instructor PDF must mostly contain, so
that the check can fail.

Set GENCOURSE_PDF_DIR to test PDFs elsewhere than _build/pdf. A missing PDF is a skip, or a
failure with GENCOURSE_REQUIRE_PDF=1 (scripts/test.sh).
"""

import os
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from _book import CHAPTERS, ROOT
from test_student_path import _squash, book_fragments

PDF_DIR = Path(os.environ.get("GENCOURSE_PDF_DIR", ROOT / "_build" / "pdf"))
INSTRUCTOR = PDF_DIR / "gencourse.pdf"
STUDENT = PDF_DIR / "gencourse-student.pdf"
REQUIRE = os.environ.get("GENCOURSE_REQUIRE_PDF") == "1"
# Pages of the PDFs, either budget (the quick build: 160 and 146 pages on 2026-12-06; the full
# build's figures are the same in number and size, its printed outputs barely longer).
PAGES = {"instructor": (120, 320), "student": (100, 300)}
NUMBERS = ["ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN"]


def _require(path: Path) -> None:
    if path.is_file():
        return
    if REQUIRE:
        raise RuntimeError(f"no PDF at {path}: run python scripts/bookpdf.py pdf first")
    pytest.skip(f"no PDF at {path} (python scripts/bookpdf.py pdf)")


@cache
def pdf_text(path: Path) -> str:
    """The PDF's text in reading order, ligatures and other compatibility forms unfolded."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: run bash scripts/setup-env.sh (poppler-utils)")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return unicodedata.normalize("NFKC", text)


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def chapter_titles() -> list[str]:
    """Each chapter's title: the first level-1 heading of its source."""
    return [re.search(r"^# (.+)$", path.read_text(), re.M).group(1).strip() for path in CHAPTERS]


def flat(text: str) -> str:
    """Whitespace squashed, and words that TeX hyphenated at a line end joined again."""
    return _squash(re.sub(r"(\w)-\n(\w)", r"\1\2", text))


@pytest.fixture(scope="module")
def instructor() -> str:
    _require(INSTRUCTOR)
    return pdf_text(INSTRUCTOR)


@pytest.fixture(scope="module")
def student() -> str:
    _require(STUDENT)
    return pdf_text(STUDENT)


@pytest.mark.parametrize("edition", ["instructor", "student"])
def test_every_chapter_with_its_number_and_title(edition):
    path = INSTRUCTOR if edition == "instructor" else STUDENT
    _require(path)
    text = flat(pdf_text(path))
    for number, title in enumerate(chapter_titles(), start=1):
        # the table of contents ("4 Coupling flows: ...") and the chapter's opening page
        # ("CHAPTER FOUR COUPLING FLOWS: ...")
        assert f"{number} {_squash(title)}" in text, f"contents: chapter {number} {title!r}"
        opening = f"CHAPTER {NUMBERS[number - 1]} {_squash(title).upper()}"
        assert opening in text.upper(), f"no opening page {opening!r}"


@pytest.mark.parametrize("edition", ["instructor", "student"])
def test_no_unresolved_reference_nor_undefined_macro(edition):
    path = INSTRUCTOR if edition == "instructor" else STUDENT
    _require(path)
    assert "??" not in pdf_text(path), "an unresolved reference prints as ??"
    log = path.with_suffix(".log").read_text(errors="replace")
    assert "Undefined control sequence" not in log
    assert "Missing character" not in log, "a glyph the fonts lack prints as nothing"
    assert not re.search(r"LaTeX Warning: (Reference|Citation) .* undefined", log)
    assert "There were undefined references" not in log


@pytest.mark.parametrize("edition", ["instructor", "student"])
def test_page_count_within_range(edition):
    path = INSTRUCTOR if edition == "instructor" else STUDENT
    _require(path)
    low, high = PAGES[edition]
    assert low <= page_count(path) <= high


def test_numbered_equations_figures_and_exercises(instructor):
    text = flat(instructor)
    for number, source in enumerate(CHAPTERS, start=1):
        markdown = source.read_text()
        if re.search(r"^\$\$ *\([\w-]+\)\s*$", markdown, re.M):  # a labelled equation
            assert f"({number}.1)" in text, f"chapter {number}: no equation ({number}.1)"
        if re.search(r"^```\{exercise\}", markdown, re.M):
            assert f"Exercise {number}.1" in text, f"chapter {number}: no Exercise {number}.1"
        if re.search(r"^\s*(figure|caption):", markdown, re.M):
            assert f"Fig. {number}.1" in text, f"chapter {number}: no Fig. {number}.1"


def test_bibliography_lists_every_reference(instructor):
    entries = re.findall(r"^@\w+\{", (ROOT / "references.bib").read_text(), re.M)
    assert "BIBLIOGRAPHY" in instructor, (
        "no bibliography"
    )  # its heading (the contents: Title case)
    labels = re.findall(r"^\[[^\]\n]+\]", instructor[instructor.index("BIBLIOGRAPHY") :], re.M)
    assert len(labels) == len(entries)


def test_student_pdf_holds_no_solution(instructor, student):
    fragments = book_fragments()
    found = [f for f in fragments if f in flat(student) or f in _squash(student)]
    assert not found, f"the student PDF holds solution text: {found[:5]}"
    assert "Solution to Exercise" not in student
    # the check can fail: the instructor PDF holds most of the fragments, and its solutions
    full = flat(instructor) + " " + _squash(instructor)
    assert sum(f in full for f in fragments) > 0.5 * len(fragments)
    assert "Solution to Exercise" in instructor


def test_every_page_links_to_the_pdf():
    """The HTML books that ship a PDF link to it from every page (footer and download menu)."""
    books = [
        (ROOT / "_build" / "html", "gencourse.pdf"),
        (ROOT / "_build" / "student" / "_build" / "html", "gencourse-student.pdf"),
    ]
    books = [(html, name) for html, name in books if (html / name).is_file()]
    if not books:
        if REQUIRE:
            raise RuntimeError("no HTML book ships a PDF: scripts/build-book.sh --pdf")
        pytest.skip("no HTML book ships a PDF (scripts/build-book.sh --pdf)")
    for html, name in books:
        pages = sorted(p for p in html.rglob("*.html") if "_static" not in p.parts)
        # not the search page, the index, nor index.html (a redirect to the root page)
        pages = [p for p in pages if p.name not in ("search.html", "genindex.html", "index.html")]
        assert len(pages) >= len(CHAPTERS)
        for page in pages:
            target = os.path.relpath(html / name, page.parent)
            links = re.findall(r'href="([^"]+\.pdf)"', page.read_text())
            assert links.count(target) == 2, f"{page}: links to {name}: {links}"


def test_every_mathjax_macro_is_defined_for_latex():
    """The PDF's macros are _config.yml's MathJax macros, translated at build time."""
    import sys

    import yaml
    from sphinx.errors import ConfigError

    sys.path.insert(0, str(ROOT / "_ext"))
    from pdf_book import latex_macros

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    latex = latex_macros(macros).splitlines()
    assert len(latex) == len(macros)
    for line, (name, value) in zip(latex, macros.items()):
        body, arity = (value, 0) if isinstance(value, str) else (value[0], value[1])
        signature = f"[{arity}]" if arity else ""
        assert (
            line
            == f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{signature}{{{body}}}"
        )
    assert latex_macros({"W": ["W_{#1}", 1, "1"]}).endswith("\\renewcommand{\\W}[1][1]{W_{#1}}")
    with pytest.raises(ConfigError, match="letters"):
        latex_macros({"x2": "y"})
