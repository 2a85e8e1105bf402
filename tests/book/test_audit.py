"""Accessibility and rendered math of every page, in headless Chromium (scripts/audit.mjs):
axe-core's WCAG 2.1 A/AA rules find no serious or critical violation on any page of the book (in
the theme's light and dark modes) or of the student edition (light); MathJax typesets every page
of the book, of the student edition and of the Colab twins (rendered by nbconvert) without one
error node (``mjx-merror``: an undefined macro, a double subscript, ...), and gives screen
readers its assistive MathML.

scripts/test.sh runs the book's and the twins' tests after the book build (step 4) and the student
edition's after its build (step 6): ``-k "not student"`` and ``-k student``. Each report is kept in
``_build/audit/`` (violations with their nodes, MathJax counts per page). Chromium is Debian's
``chromium``; axe-core, puppeteer-core and MathJax come from npm into ``.venv/audit``
(scripts/setup-env.sh), or from GENCOURSE_AUDIT_MODULES. Without them, or without a build, the
tests skip (fail with GENCOURSE_REQUIRE_HTML=1).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _book import CHAPTERS, ROOT

MODULES = Path(
    os.environ.get("GENCOURSE_AUDIT_MODULES", Path(sys.prefix) / "audit" / "node_modules")
)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BOOK = Path(os.environ.get("GENCOURSE_HTML", ROOT / "_build" / "html"))
STUDENT = Path(
    os.environ.get("GENCOURSE_STUDENT_HTML", ROOT / "_build" / "student" / "_build" / "html")
)
TWINS = ROOT / "notebooks"
REPORTS = ROOT / "_build" / "audit"
REQUIRE = os.environ.get("GENCOURSE_REQUIRE_HTML") == "1"


def missing(reason: str) -> None:
    if REQUIRE:
        pytest.fail(reason)
    pytest.skip(reason)


def audit(name: str, paths: list[Path], *options: str) -> list[dict]:
    """Run scripts/audit.mjs on ``paths``; its report's results, one per page and mode."""
    if shutil.which("node") is None or not Path(CHROMIUM).exists():
        missing(f"the audit needs node and {CHROMIUM} (scripts/setup-env.sh)")
    if not (MODULES / "axe-core").is_dir():
        missing(f"no axe-core in {MODULES} (scripts/setup-env.sh installs it)")
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{name}.json"
    command = ["node", str(ROOT / "scripts" / "audit.mjs"), "--modules", str(MODULES)]
    command += ["--out", str(report), *options, *map(str, paths)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    print(run.stdout, run.stderr)
    assert run.returncode == 0, run.stderr[-3000:] or run.stdout[-3000:]
    results = json.loads(report.read_text())["results"]
    # a page that only redirects (Jupyter Book's index.html) is audited where it leads
    results = [r for r in results if not r.get("redirect")]
    assert results, f"no page audited in {paths}"
    return results


def serious(results: list[dict]) -> list[str]:
    return [
        f"{Path(r['page']).name} ({r['mode']}): {v['id']} ({v['impact']}, {v['nodes']} nodes: "
        f"{v['targets'][:3]}) {v['summary'][:200]}"
        for r in results
        for v in r["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def math_errors(results: list[dict]) -> list[str]:
    return [
        f"{'/'.join(Path(r['page']).parts[-2:])}: {r['mathjax']['errors']} MathJax errors "
        f"{r['mathjax']['errorMessages']}"
        for r in results
        if r["mathjax"]["errors"]
    ]


def check_book(results: list[dict], html: Path, modes: set[str]) -> None:
    assert not serious(results), "\n".join(serious(results))
    assert not math_errors(results), "\n".join(math_errors(results))
    assert {r["mode"] for r in results} == modes
    # each pass audited the page in the theme it asked for
    assert all(r["mathjax"]["theme"] == r["mode"] for r in results), [
        (r["page"], r["mode"], r["mathjax"]["theme"]) for r in results
    ]
    by_page = {Path(r["page"]).relative_to(html).as_posix(): r for r in results}
    for chapter in CHAPTERS:
        r = by_page[f"chapters/{chapter.stem}.html"]
        # MathJax ran (a page whose MathJax failed to load would show no error node either),
        # and every formula carries the assistive MathML a screen reader reads
        assert r["mathjax"]["version"] == 3 and r["mathjax"]["typeset"] > 0, chapter.stem
        assert r["mathjax"]["assistive"] == r["mathjax"]["typeset"], chapter.stem


def test_book_pages_pass_axe_and_render_math():
    if not (BOOK / "index.html").exists():
        missing(f"no book build at {BOOK} (scripts/bookcache.py build)")
    check_book(audit("book", [BOOK], "--dark"), BOOK, {"light", "dark"})


def test_student_pages_pass_axe_and_render_math():
    """The student edition in the light theme. Its pages are the book's with the solutions
    removed (and, in the test command, unexecuted): the same theme, fewer components. What
    unexecuted pages add (a caption's {numref} left as inline code, code highlighted as plain
    Python) carries no colour of its own, so the dark theme, which the book's audit checks on
    every page, adds nothing here."""
    if not (STUDENT / "index.html").exists():
        missing(f"no student edition at {STUDENT} (scripts/build-student.sh)")
    check_book(audit("student", [STUDENT]), STUDENT, {"light"})


def test_twins_render_math_without_errors(tmp_path):
    """Both sets of Colab twins, rendered by nbconvert (its MathJax 2 with its TeX extensions, as
    a notebook viewer shows them), typeset with no error node."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    pages = []
    # the twins' places (notebooks/ and notebooks/student/, one per chapter)
    for edition, folder in (("instructor", TWINS), ("student", TWINS / "student")):
        for chapter in CHAPTERS:
            body, _ = exporter.from_filename(str(folder / f"{chapter.stem}.ipynb"))
            page = tmp_path / edition / f"{chapter.stem}.html"
            page.parent.mkdir(exist_ok=True)
            page.write_text(body)
            pages.append(page)
    results = audit("twins", pages, "--no-axe")
    assert not math_errors(results), "\n".join(math_errors(results))
    for r in results:
        assert r["mathjax"]["version"] == 2 and r["mathjax"]["typeset"] > 0, r["page"]
