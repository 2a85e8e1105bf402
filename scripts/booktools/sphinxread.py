"""Reading the book with Sphinx: what ``jupyter-book build`` resolves, without executing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import nbformat

from booktools.book import Book, ConversionError


def inline_markdown(node: Any) -> str:
    """Markdown of the inline content of a docutils node (a title, a citation)."""
    from docutils import nodes

    out = []
    for child in node.children:
        if isinstance(child, nodes.Text):
            out.append(child.astext())
        elif isinstance(child, nodes.math):
            out.append(f"${child.astext()}$")
        elif isinstance(child, nodes.literal):
            out.append(f"`{child.astext()}`")
        elif isinstance(child, nodes.emphasis):
            out.append(f"*{inline_markdown(child)}*")
        elif isinstance(child, nodes.strong):
            out.append(f"**{inline_markdown(child)}**")
        else:
            out.append(inline_markdown(child))
    return "".join(out)


def read_book(book: Book, outdir: Path) -> Any:
    """Read the whole book with Sphinx as ``jupyter-book build`` configures it (the same
    _config.yml, _toc.yml and extensions), with the dummy builder and without executing
    anything. Returns the Sphinx application."""
    from jupyter_book.config import get_final_config

    overrides = {  # what `jupyter-book build` passes, plus: execute nothing
        "external_toc_path": (book.root / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nb_execution_mode": "off",
    }
    sphinx_config, _ = get_final_config(
        user_yaml=book.root / "_config.yml", cli_config=overrides, sourcedir=book.root
    )
    import myst_nb.sphinx_

    create_nb_reader = myst_nb.sphinx_.create_nb_reader
    myst_nb.sphinx_.create_nb_reader = _with_figure_placeholders(create_nb_reader)
    try:
        return _build_dummy(book.root, outdir, sphinx_config)
    finally:
        myst_nb.sphinx_.create_nb_reader = create_nb_reader


def _with_figure_placeholders(create_nb_reader: Any) -> Any:
    """myst-nb's reader factory, whose notebooks give each figure cell a placeholder output.

    myst-nb makes the figure of a cell with `mystnb: figure: {caption, name}` around the cell's
    output; unexecuted, a cell has none, and Sphinx would neither know the figure's label nor
    count it (the numbers of the figures after it would shift). A placeholder output stands in
    for the figure, so that the numbers are those of the executed book."""

    def reader_with_figures(*args: Any, **kwargs: Any) -> Any:
        nb_reader = create_nb_reader(*args, **kwargs)
        if nb_reader is None:
            return None
        read = nb_reader.read

        def read_with_figures(text: str) -> nbformat.NotebookNode:
            notebook = read(text)
            for cell in notebook.cells:
                figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
                if cell.cell_type == "code" and figure and not cell.get("outputs"):
                    cell.outputs = [
                        nbformat.v4.new_output("display_data", data={"text/plain": "figure"})
                    ]
            return notebook

        nb_reader.read = read_with_figures
        return nb_reader

    return reader_with_figures


def _build_dummy(root: Path, outdir: Path, sphinx_config: dict) -> Any:
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    with patch_docutils(None), docutils_namespace():
        app = Sphinx(
            srcdir=root,
            confdir=None,
            outdir=outdir / "out",
            doctreedir=outdir / "doctrees",
            buildername="dummy",
            confoverrides=sphinx_config,
            status=None,
            warning=io.StringIO(),  # the book build reports warnings; here they are noise
            freshenv=True,
        )
        if app.config["use_multitoc_numbering"]:  # as jupyter_book.sphinx.build_sphinx does
            app.setup_extension("sphinx_multitoc_numbering")
        app.build(force_all=True)
    return app


def top_level_sections(doctree: Any) -> list:
    """Sections in document order, without those nested in other nodes (sphinx-exercise puts
    a section inside each exercise): the ones Sphinx numbers."""
    from docutils import nodes

    def is_top(node: Any) -> bool:
        parent = node.parent
        while parent is not None:
            if not isinstance(parent, (nodes.section, nodes.document)):
                return False
            parent = parent.parent
        return True

    return [s for s in doctree.findall(nodes.section) if is_top(s)]


def _reference_style(app: Any, domain: Any) -> Any:
    """The book's ``bibtex_reference_style`` with parentheses: "(Author, Year)"."""
    from sphinxcontrib.bibtex.plugin import find_plugin
    from sphinxcontrib.bibtex.style.referencing import BracketStyle

    plugin = find_plugin(
        "sphinxcontrib.bibtex.style.referencing", app.config.bibtex_reference_style
    )
    parens = BracketStyle(left="(", right=")", sep="; ")
    try:
        return plugin(bracket_parenthetical=parens, bracket_textual=parens)
    except TypeError:  # a style without these brackets: the book's own
        return domain.reference_style


def _render(domain: Any, style: Any, kind: str, refs: list) -> str:
    from docutils import nodes
    from sphinxcontrib.bibtex.style.referencing import format_references

    rendered = format_references(style, kind, refs).render(domain.backend)
    return inline_markdown(nodes.paragraph("", "", *rendered))


def citation_texts(
    app: Any, keys_and_kinds: set[tuple[str, str]]
) -> tuple[dict[tuple[str, str], str], dict[str, dict[str, str]]]:
    """Markdown of each citation role used by the chapters, formatted by sphinxcontrib-bibtex's
    own referencing style (the book's ``bibtex_reference_style``), with parentheses: "(Author,
    Year)"; and the formatted reference entry of each key (label, text, anchor, docname)."""
    from sphinxcontrib.bibtex.style.template import SphinxReferenceInfo

    domain = app.env.get_domain("cite")
    style = _reference_style(app, domain)
    citations = {c.key: c for c in domain.citations}
    texts, entries = {}, {}
    for kind, keys in keys_and_kinds:
        refs = []
        for key in keys.split(","):
            key = key.strip()
            if key not in citations:
                raise ConversionError(f"{{cite}}`{key}`: no such key in the bibliography")
            c = citations[key]
            docname = c.bibliography_key.docname
            info = SphinxReferenceInfo(app.builder, docname, docname, c.citation_id, None, "", "")
            refs.append((c.entry, c.formatted_entry, info))
            entries[key] = {
                "text": " ".join(c.formatted_entry.text.render_as("markdown").split()),
                "anchor": c.citation_id,
                "docname": docname,
            }
        texts[(kind, keys)] = _render(domain, style, kind, refs)
    for key, entry in entries.items():
        c = citations[key]
        info = SphinxReferenceInfo(app.builder, "", "", "", None, "", "")
        entry["label"] = _render(domain, style, "p", [(c.entry, c.formatted_entry, info)])
        entry["label"] = entry["label"].strip("()")
    return texts, entries
