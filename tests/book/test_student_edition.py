"""Tests of the student edition (run after `bash scripts/build-student.sh`; scripts/test.sh does
both).

Every exercise of every chapter is in the student edition and no solution is: no solution box,
no prose of any solution, and none of the code that a gated solution (solution-start ...
solution-end) runs; its Colab badges open the student set of twins (notebooks/student/). Set
GENCOURSE_STUDENT_HTML to test another folder; with GENCOURSE_REQUIRE_HTML=1 a missing build is a
failure instead of a skip.
"""

import html
import os
import re
from pathlib import Path

import pytest
from _book import CHAPTERS, ROOT, require_build, solution_fragments

HTML = Path(
    os.environ.get("GENCOURSE_STUDENT_HTML", ROOT / "_build" / "student" / "_build" / "html")
)
require_build(HTML, "student edition", "bash scripts/build-student.sh")


def gated_solution_code(text: str) -> list[str]:
    """For every code cell between solution-start and solution-end, its first line of code that
    appears nowhere else in the chapter (so that finding it in a page means the solution is
    there)."""
    lines = []
    for block in re.findall(r"```\{solution-start\}.*?```\{solution-end\}", text, re.DOTALL):
        for cell in re.findall(
            r"```\{code-cell\}[^\n]*\n(?::[^\n]*\n)*\n?(.*?)```", block, re.DOTALL
        ):
            unique = (
                line.strip()
                for line in cell.splitlines()
                if len(line.strip()) > 15
                and not line.lstrip().startswith("#")
                and text.count(line.strip()) == 1
            )
            first = next(unique, None)
            if first:
                lines.append(first)
    return lines


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_exercises_without_solutions(path):
    page = (HTML / path.relative_to(ROOT)).with_suffix(".html").read_text()
    source = path.read_text()
    labels = re.findall(r"```\{exercise\}\n:label: (\S+)", source)
    assert labels, "the chapter has exercises"
    for label in labels:
        assert f'id="{label}"' in page, f"exercise {label} is missing from the student edition"
    assert not re.search(r'class="[^"]*\bsolution\b', page), (
        "a solution box reached the student edition"
    )
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for line in gated_solution_code(source):
        assert line not in text, f"solution code reached the student edition: {line!r}"


def test_the_solutions_exist_in_the_sources():
    # the check above must have something to find: the chapters do contain gated solution code
    assert sum(len(gated_solution_code(p.read_text())) for p in CHAPTERS) >= 5


def test_the_full_edition_does_show_solutions():
    full = [ROOT / "_build" / "html" / "chapters" / f"{p.stem}.html" for p in CHAPTERS]
    if not all(page.exists() for page in full):
        pytest.skip("no complete full build to compare with")
    pages = [page.read_text() for page in full]
    assert all(re.search(r'class="[^"]*\bsolution\b', page) for page in pages)


def page_text(page: str) -> str:
    """The visible text of an HTML page, whitespace normalised (as solution_fragments)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_solution_prose_reaches_the_student_edition(path):
    page = (HTML / path.relative_to(ROOT)).with_suffix(".html").read_text()
    text = page_text(page)
    fragments = solution_fragments(path.read_text())
    assert fragments
    for fragment in fragments:
        assert fragment not in text, f"solution text reached the student edition: {fragment!r}"
    full = (ROOT / "_build" / "html" / path.relative_to(ROOT)).with_suffix(".html")
    if full.exists():  # the check can fail: the same fragments are in the full edition
        full_text = page_text(full.read_text())
        assert all(fragment in full_text for fragment in fragments)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_student_edition_opens_the_student_twins(path):
    page = (HTML / path.relative_to(ROOT)).with_suffix(".html").read_text()
    links = re.findall(r'href="(https://colab[^"]+)"', page)
    assert links and all(link.endswith(f"/notebooks/student/{path.stem}.ipynb") for link in links)
