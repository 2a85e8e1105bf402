"""Tests of the built book (run after `jupyter-book build .`; scripts/test.sh does both).

Every chapter of _toc.yml has its page; no page shows an error or a traceback; every image a page
references exists; every chapter has its figures; and each chapter's Colab link points at the
chapter's notebook in this repository. Set GENCOURSE_HTML to test another build folder.
With GENCOURSE_REQUIRE_HTML=1 a missing build is a failure instead of a skip.
"""

import os
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from _book import BOOK, CHAPTERS, ROOT, require_build

HTML = Path(os.environ.get("GENCOURSE_HTML", ROOT / "_build" / "html"))
require_build(HTML, "built book", "jupyter-book build .")


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[tuple[str, list[str]]] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        self.classes += classes
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], classes))


def parse(path: Path) -> tuple[Page, str]:
    text = path.read_text()
    page = Page()
    page.feed(text)
    return page, text


def pages() -> list[Path]:
    return [HTML / "index.html", HTML / "intro.html"] + [
        HTML / "chapters" / f"{p.stem}.html" for p in CHAPTERS
    ]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_its_page_with_figures(path):
    html = HTML / "chapters" / f"{path.stem}.html"
    assert html.exists(), f"{html} was not built"
    page, _ = parse(html)
    local = [src for src in page.images if not src.startswith(("http:", "https:", "data:"))]
    assert len(local) >= 3, "a chapter shows its experiments as figures"


@pytest.mark.parametrize("path", pages(), ids=lambda p: p.name)
def test_no_page_shows_an_error_or_a_warning(path):
    page, text = parse(path)
    assert "Traceback (most recent call last)" not in text
    # myst-nb renders a cell's exception as an output of class "traceback", and anything written
    # to stderr (warnings, text progress bars) as "stderr": readers should see neither.
    found = {"traceback", "stderr"} & set(page.classes)
    assert not found, f"{path.name} renders an output of class {sorted(found)}"


@pytest.mark.parametrize("path", pages(), ids=lambda p: p.name)
def test_every_image_exists(path):
    page, _ = parse(path)
    for src in page.images:
        if src.startswith(("http:", "https:", "data:")):
            continue
        target = (path.parent / unquote(urlparse(src).path)).resolve()
        assert target.exists(), f"{path.name} references a missing image {src}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_colab_link_opens_the_chapters_notebook(path):
    page, _ = parse(HTML / "chapters" / f"{path.stem}.html")
    links = [href for href, classes in page.links if "colab-link" in classes]
    assert len(links) == 1, "one Colab link per chapter"
    url, branch = BOOK.repository()
    repo = urlparse(url).path.strip("/").removesuffix(".git")
    prefix = f"https://colab.research.google.com/github/{repo}/blob/{branch}/"
    assert links[0].startswith(prefix)
    notebook = links[0][len(prefix) :]
    assert notebook == f"notebooks/{path.stem}.ipynb"
    assert (ROOT / notebook).exists(), f"the Colab link points at a missing notebook {notebook}"


def test_exercise_solutions_are_in_dropdowns():
    for path in CHAPTERS:
        page, _ = parse(HTML / "chapters" / f"{path.stem}.html")
        assert page.classes.count("exercise") >= 3
        assert "solution" in page.classes and "dropdown" in page.classes
