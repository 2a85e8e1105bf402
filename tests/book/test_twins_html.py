"""The Colab twins against the built book (run after the book build; scripts/test.sh step 4):
every link from a twin to the book lands on an existing anchor whose number, as the HTML
shows it, is the one the link's text gives ("Chapter 4", "Section 5.3", "Exercise 4.2", "(3.1)");
the twins' numbered headings and exercises follow the page's numbering; every "(Author, Year)"
of a twin is a citation the page shows. GENCOURSE_HTML picks another build folder; with
GENCOURSE_REQUIRE_HTML=1 a missing build is a failure instead of a skip."""

import html
import os
import re
from pathlib import Path

import bookcache  # scripts/, on the path through pyproject.toml's pytest pythonpath
import nbformat
import pytest
from _book import BOOK, CHAPTERS, ROOT, require_build
from booktools.twins import expected_outputs, twin_path

HTML = Path(os.environ.get("GENCOURSE_HTML", ROOT / "_build" / "html"))
require_build(HTML, "book build", "jupyter-book build .")

SETS = {"instructor": False, "student": True}
CASES = [(p, s) for p in CHAPTERS for s in SETS]
IDS = [f"{p.stem}-{s}" for p, s in CASES]


def markdown_of(path, edition):
    nb = nbformat.read(twin_path(BOOK, path, SETS[edition]), as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def plain(text):
    """Visible text: tags removed, entities decoded, Markdown emphasis removed, each piece of math
    (``$...$`` in a twin, ``\\(...\\)`` in the HTML, macros expanded or not) one placeholder,
    spaces joined."""
    text = re.sub(r"\$[^$]+\$|\\\(.*?\\\)", "[math]", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("*", "")
    text = text.translate(str.maketrans("’‘“”", "''\"\""))  # Sphinx's smart quotes
    return " ".join(text.split())


def after_anchor(page, anchor, pattern):
    """The first match of ``pattern`` after the element with id ``anchor`` in ``page``."""
    at = page.find(f'id="{anchor}"')
    assert at >= 0, f"no anchor {anchor!r}"
    m = re.compile(pattern).search(page, at)
    assert m, f"nothing like {pattern!r} after {anchor!r}"
    return m


@pytest.mark.parametrize(("path", "edition"), CASES, ids=IDS)
def test_links_to_the_book_carry_the_numbers_the_book_shows(path, edition):
    base = BOOK.book_url()
    links = re.findall(
        rf"\[([^\]]+)\]\({re.escape(base)}([^)#\s]+)(?:#([^)\s]+))?\)", markdown_of(path, edition)
    )
    assert links or "{ref}" not in path.read_text()
    for text, page_path, anchor in links:
        page_file = HTML / page_path
        assert page_file.exists(), f"{page_path} is not a page of the book"
        if not anchor:
            continue
        page = page_file.read_text()
        assert f'id="{anchor}"' in page, f"{page_path} has no anchor {anchor!r}"
        m = re.match(r"(Chapter|Section) ([\d.]+), (.+)", text)
        if m:
            number = after_anchor(page, anchor, r'class="section-number">([\d.]+)\. <')[1]
            assert number == m[2], f"{text!r}: the book numbers it {number}"
            title = after_anchor(
                page, anchor, r'class="section-number">[\d.]+\. </span>(.*?)<a class="headerlink"'
            )[1]
            assert plain(m[3]) == plain(title), f"{text!r}: the book's title is {title!r}"
        m = re.fullmatch(r"Exercise ([\d.]+)", text)
        if m:
            shown = after_anchor(page, anchor, r'caption-number">Exercise ([\d.]+)')[1]
            assert shown == m[1], f"{text!r}: the book numbers it {shown}"
        m = re.fullmatch(r"\(([\d.]+)\)", text)
        if m:
            shown = after_anchor(page, anchor, r'class="eqno">\(([\d.]+)\)')[1]
            assert shown == m[1], f"{text!r}: the book numbers it ({shown})"


@pytest.mark.parametrize(("path", "edition"), CASES, ids=IDS)
def test_twin_headings_and_exercises_follow_the_page(path, edition):
    page = (HTML / path.relative_to(ROOT)).with_suffix(".html").read_text()
    markdown = markdown_of(path, edition)
    body = page[page.find("<main") :]
    shown = re.findall(r'<h\d>\s*<span class="section-number">([\d.]+)\. </span>(.*?)<a', body)
    twin = re.findall(r"^#+ ([\d.]+)\. (.+)$", markdown, re.MULTILINE)
    assert [n for n, _ in twin] == [n for n, _ in shown]
    assert [plain(t) for _, t in twin] == [plain(t) for _, t in shown]
    exercises = re.findall(
        r'<div class="exercise[^"]*" id="[^"]+">\s*<p class="admonition-title">'
        r'<span class="caption-number">(Exercise [\d.]+) ',
        body,
    )
    assert exercises
    assert re.findall(r"^#+ (Exercise [\d.]+)", markdown, re.MULTILINE) == exercises


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_twin_citations_are_those_of_the_page(path):
    page = plain((HTML / path.relative_to(ROOT)).with_suffix(".html").read_text())
    markdown = markdown_of(path, "instructor").split("## References")[0]
    cited = re.findall(r"\(([A-Z][^()]*?, (?:19|20)\d\d[a-z]?)\)", markdown)
    for group in cited:
        for one in group.split("; "):
            assert plain(one) in page, f"the page shows no citation {one!r}"


CHECKED = [path for path in CHAPTERS if expected_outputs(path)]
# the execution cache of the build's budget, $GENCOURSE_BUDGET as the test run starts (the tests'
# fixtures then remove it: tests/conftest.py)
CACHE = ROOT / bookcache.CACHE_ROOT / bookcache.key(ROOT)


@pytest.mark.parametrize("path", CHECKED, ids=[p.stem for p in CHECKED])
def test_checked_cells_printed_their_expected_output(path):
    """What nbval compares in a twin (scripts/notebooks.py nbval): each '# NBVAL_CHECK_OUTPUT'
    cell's standard output, here as the build's execution printed it (in the test command, the
    chapters' code with gencourse from a wheel: scripts/bookcache.py execute). The executed
    chapter is the build's execution cache's latest record of it (myst-nb's copy in
    _build/jupyter_execute/ has no outputs when the build took the chapter from the cache); its
    cells are matched by their code."""
    from jupyter_cache import get_cache

    cache = get_cache(str(CACHE))
    records = [r for r in cache.list_cache_records() if r.uri == str(path)]
    assert records, f"{path.name} is not in the execution cache {CACHE.name}"
    latest = max(records, key=lambda r: r.created)
    executed = cache.get_cache_bundle(latest.pk).nb
    expected = expected_outputs(path)
    printed = {
        cell.source: "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        for cell in executed.cells
        if cell.cell_type == "code" and cell.source in expected
    }
    assert printed == expected
