"""The book index: the numbers, titles, anchors and citations of the book as Sphinx resolves them.

:func:`book_index` reads the whole book with Sphinx (:mod:`booktools.sphinxread`), so that the
numbers in a twin are by construction those of the built book.
"""

from __future__ import annotations

import functools
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booktools.book import Book
from booktools.sphinxread import citation_texts, inline_markdown, read_book, top_level_sections

_CITE_ROLE = re.compile(r"\{cite(?::(?P<kind>\w+))?\}`(?P<keys>[^`]+)`")


@dataclass(frozen=True)
class Section:
    """A numbered section (a page's title included): its ids, number ("4.2" or None), title."""

    ids: tuple[str, ...]
    number: str | None
    title: str


@dataclass(frozen=True)
class Exercise:
    """An exercise of sphinx-exercise: its label and its name as the book shows it."""

    label: str
    name: str  # "Exercise 4.2"


@dataclass(frozen=True)
class Doc:
    """A page: its top-level sections and its exercises, in document order."""

    sections: tuple[Section, ...]
    exercises: tuple[Exercise, ...]


@dataclass(frozen=True)
class Label:
    """A target of {ref}/{numref}: its page, anchor and title; a numbered figure, table or code
    block has its ``figtype`` and ``number``, an exercise its name (``exercise``)."""

    docname: str
    anchor: str
    title: str
    figtype: str | None = None
    number: str | None = None
    exercise: str | None = None


@dataclass(frozen=True)
class Equation:
    """A labelled equation: its page, anchor, number and the text of an {eq} ("(3.1)")."""

    docname: str
    anchor: str
    number: str
    text: str


@dataclass(frozen=True)
class Reference:
    """A reference list's entry: its label ("Doe et al., 2020") and formatted text."""

    label: str
    text: str
    anchor: str = ""
    docname: str = ""


@dataclass(frozen=True)
class Citations:
    """The text of every {cite} the chapters use, by (kind, keys), and each key's entry."""

    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    entries: dict[str, Reference] = field(default_factory=dict)


@dataclass(frozen=True)
class BookIndex:
    """Everything the converter needs from the resolved book."""

    docs: dict[str, Doc]
    labels: dict[str, Label]
    equations: dict[str, Equation]
    citations: Citations
    titles: dict[str, str]
    numfig_format: dict[str, str]


def book_index(book: Book) -> BookIndex:
    """Numbers, titles, anchors and citations of ``book``, as Sphinx resolves them (read once
    per root and process).

    ``NOTEBOOKS_INDEX_CACHE=FILE`` (development only) keeps the result in FILE between runs;
    delete the file after changing a chapter's structure."""
    return _book_index(book.root)


@functools.cache
def _book_index(root: Path) -> BookIndex:
    cache = os.environ.get("NOTEBOOKS_INDEX_CACHE")
    if cache and Path(cache).exists():
        return pickle.loads(Path(cache).read_bytes())
    index = compute_book_index(Book(root))
    if cache:
        Path(cache).write_bytes(pickle.dumps(index))
    return index


def compute_book_index(book: Book) -> BookIndex:
    """Read ``book`` with Sphinx (nothing executed) and collect its :class:`BookIndex`."""
    with tempfile.TemporaryDirectory() as tmp:
        app = read_book(book, Path(tmp))
        docs = {docname: _doc(app, docname) for docname in sorted(app.env.found_docs)}
        used = set()
        for path in book.chapters():
            for m in _CITE_ROLE.finditer(path.read_text()):
                used.add((m["kind"] or "p", m["keys"]))
        texts, entries = citation_texts(app, used)
        return BookIndex(
            docs=docs,
            labels=_labels(app.env, docs),
            equations=_equations(app),
            citations=Citations(texts, {k: Reference(**e) for k, e in entries.items()}),
            titles={d: inline_markdown(t) for d, t in app.env.titles.items()},
            numfig_format=dict(app.config.numfig_format),
        )


def _doc(app: Any, docname: str) -> Doc:
    """The sections (numbered as the book's table of contents numbers them) and exercises
    (numbered as sphinx-exercise numbers them) of one page."""
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

    env, numfig_format = app.env, app.config.numfig_format
    doctree = env.get_doctree(docname)
    secnums = env.toc_secnumbers.get(docname, {})
    sections = []
    for i, section in enumerate(top_level_sections(doctree)):
        number = secnums.get("" if i == 0 else "#" + section["ids"][0])
        sections.append(
            Section(
                ids=tuple(section["ids"]),
                number=".".join(map(str, number)) if number else None,
                title=inline_markdown(section[0]),
            )
        )
    numbers = env.toc_fignumbers.get(docname, {}).get("exercise", {})
    exercises = []
    for node in doctree.findall(
        lambda n: isinstance(n, (exercise_node, exercise_enumerable_node))
    ):
        number = numbers.get(node["ids"][0]) if node["ids"] else None
        name = (
            numfig_format["exercise"] % ".".join(map(str, number))
            if number
            else numfig_format["exercise"].replace("%s", "").strip()
        )
        exercises.append(Exercise(label=node.get("label", ""), name=name))
    return Doc(tuple(sections), tuple(exercises))


def _labels(env: Any, docs: dict[str, Doc]) -> dict[str, Label]:
    """Every label of Sphinx's standard domain, then every exercise's label."""
    labels = {}
    for label, (docname, labelid, sectname) in env.domaindata["std"]["labels"].items():
        figtype = number = None
        # a numbered figure, table or code block (a myst-nb figure cell's `name` included):
        # its number as the book shows it, for {numref} and the caption of the twin
        for kind, numbers in env.toc_fignumbers.get(docname, {}).items():
            if kind not in ("exercise", "section") and labelid in numbers:
                figtype, number = kind, ".".join(map(str, numbers[labelid]))
        labels[label] = Label(docname, labelid, sectname, figtype=figtype, number=number)
    for docname, doc in docs.items():
        for ex in doc.exercises:
            if ex.label:
                labels[ex.label] = Label(docname, ex.label, ex.name, exercise=ex.name)
    return labels


def _equations(app: Any) -> dict[str, Equation]:
    """Every labelled equation, numbered as Sphinx's math domain numbers it."""
    from docutils import nodes

    env, config = app.env, app.config
    equations = {}
    for label, (docname, eqno) in env.domaindata.get("math", {}).get("objects", {}).items():
        number = str(eqno)
        anchor = nodes.make_id(f"equation-{label}")
        if config.math_numfig and config.numfig:  # as sphinx's MathDomain does
            fig = env.toc_fignumbers.get(docname, {}).get("displaymath", {})
            if anchor in fig:
                number = ".".join(map(str, fig[anchor]))
        text = (
            config.math_eqref_format.format(number=number)
            if config.math_eqref_format
            else f"({number})"
        )
        equations[label] = Equation(docname, anchor, number, text)
    return equations
