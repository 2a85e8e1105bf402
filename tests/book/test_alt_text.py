"""Every figure of the book has alt text that says what it shows (WCAG 2.1 success criterion
1.1.1, non-text content): set where the figure is made, in the chapter's code cell
(``mystnb: image: alt:``, myst-nb's option for a cell's image outputs), one or more sentences
that are neither the file name nor the caption repeated.

The source test reads the chapters; the HTML test reads every ``<img>`` of every chapter page of
the executed book (scripts/test.sh step 4), where a figure cell without alt text shows up as an
image whose alt is empty or its file name (myst-nb's default), whatever the cell's metadata says.
"""

import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import pytest
from _book import CHAPTERS, ROOT

HTML = Path(os.environ.get("GENCOURSE_HTML", ROOT / "_build" / "html"))
FILE_NAME = re.compile(r"\.(png|jpe?g|svg|gif|webp)\b|_images/|^[\w.-]+$", re.IGNORECASE)


def plain(text: str) -> str:
    """Text without tags, math delimiters and entities, spaces joined: to compare an alt text with
    a caption."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"[$\\()]", "", text)
    return " ".join(text.split()).lower()


def alt_problem(alt: str | None, caption: str | None) -> str | None:
    """Why ``alt`` does not describe a figure, or None."""
    if alt is None or not alt.strip():
        return "no alt text"
    alt = alt.strip()
    if FILE_NAME.search(alt):
        return f"alt text is a file name: {alt!r}"
    if len(alt.split()) < 8 or not alt.endswith("."):
        return f"alt text is not a sentence (8 words or more, ending with a full stop): {alt!r}"
    if caption and (plain(alt) in plain(caption) or plain(caption) in plain(alt)):
        return f"alt text repeats the caption: {alt!r}"
    return None


def figure_cells(path: Path):
    nb = jupytext.read(path, fmt="md:myst")
    for cell in nb.cells:
        if cell.cell_type == "code" and "mystnb" in cell.metadata:
            yield cell.source.splitlines()[0], cell.metadata["mystnb"]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_figure_cells_carry_alt_text(path):
    """Every captioned figure cell (mystnb: figure) has image alt text, and every alt text in the
    chapter is a description, not its caption or a file name."""
    problems = []
    for first_line, options in figure_cells(path):
        caption = options.get("figure", {}).get("caption")
        alt = options.get("image", {}).get("alt")
        if "figure" in options or "image" in options:
            problem = alt_problem(alt, caption)
            if problem:
                problems.append(f"cell {first_line!r}: {problem}")
    assert not problems, "\n".join(problems)


class Images(HTMLParser):
    """The ``<img>`` tags of a page (their attributes), and each figure's caption text."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.captions: list[str] = []
        self._in_caption = 0
        self._caption: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs) | {"caption_index": str(len(self.captions))})
        if tag == "figcaption":
            self._in_caption += 1
            self._caption = []

    def handle_endtag(self, tag):
        if tag == "figcaption" and self._in_caption:
            self._in_caption -= 1
            self.captions.append(" ".join(self._caption))

    def handle_data(self, data):
        if self._in_caption:
            self._caption.append(data)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_image_of_a_chapter_page_has_alt_text(path):
    page = HTML / "chapters" / f"{path.stem}.html"
    if not page.exists():
        if os.environ.get("GENCOURSE_REQUIRE_HTML") == "1":
            pytest.fail(f"no built page {page}: build the book first")
        pytest.skip(f"no built page {page} (scripts/test.sh builds it)")
    parser = Images()
    parser.feed(page.read_text())
    # the figures of a cell follow its image and precede its caption: compare each image's alt
    # with the next caption on the page
    figures = [image for image in parser.images if "_images/" in (image.get("src") or "")]
    assert figures, f"{page.name} shows no figure: was the book executed?"
    problems = []
    for image in parser.images:
        index = int(image["caption_index"])
        caption = parser.captions[index] if index < len(parser.captions) else None
        problem = alt_problem(image.get("alt"), caption)
        if problem:
            problems.append(f"{image.get('src')}: {problem}")
    assert not problems, "\n".join(problems)
