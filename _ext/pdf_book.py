"""Sphinx extension: the book's PDF (LaTeX builder) and the link to it on every HTML page.

**Math macros for LaTeX.** The macros of the book are written once, for MathJax, in
``_config.yml`` (``sphinx.config.mathjax3_config.tex.macros``: a name maps to a body, or to
``[body, number of arguments]`` or ``[body, number of arguments, default of the first]``). The
LaTeX builder knows nothing of MathJax's configuration, so at ``config-inited`` this extension
turns each macro into ``\\providecommand`` + ``\\renewcommand`` (a name that a LaTeX package
already defines is overridden, as MathJax overrides its own) and appends them to
``latex_elements['preamble']``: the PDF and the web page read the same definitions. It also
puts ``_ext/latex/bbm.sty`` beside the ``.tex`` (a stand-in: the file says why).

**The "Download PDF" link.** With the environment variable ``GENCOURSE_BOOK_PDF=1`` (set by
``scripts/build-book.sh --pdf`` and the test command for an HTML build that ships the PDF),
every HTML page gets a link to :data:`PDF_NAME` (``PDF_NAME_STUDENT`` in the student edition) at
the root of the HTML output, in its footer and as the entry "Book (PDF)" of the theme's download
menu; ``scripts/bookpdf.py pdf --into HTML_DIR`` then builds the PDF and puts it there (and
tests/book/test_pdf.py checks both). Without the variable, no page links to a PDF. An environment
variable rather than a configuration value because the HTML builds' configurations are derived
from ``_config.yml`` by scripts this extension does not own (``scripts/bookcache.py``,
``scripts/build-student.sh``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError, ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform

PDF_NAME = "gencourse.pdf"
PDF_NAME_STUDENT = "gencourse-student.pdf"
ENVIRONMENT = "GENCOURSE_BOOK_PDF"


def latex_macros(macros: dict[str, Any]) -> str:
    """LaTeX definitions of MathJax 3 macros (``tex.macros``), one line each.

    ``{"rhostar": "\\rho^{*}", "W": ["W_{#1}", 1]}`` gives
    ``\\providecommand{\\rhostar}{}\\renewcommand{\\rhostar}{\\rho^{*}}`` and
    ``\\providecommand{\\W}{}\\renewcommand{\\W}[1]{W_{#1}}``.
    """
    lines = []
    for name, value in macros.items():
        if not name.isalpha():
            raise ConfigError(f"mathjax3_config macro {name!r}: LaTeX needs a name of letters")
        if isinstance(value, str):
            body, arity, default = value, 0, None
        elif isinstance(value, (list, tuple)) and len(value) in (2, 3):
            body, arity = value[0], int(value[1])
            default = value[2] if len(value) == 3 else None
        else:
            raise ConfigError(
                f"mathjax3_config macro {name!r}: expected a string or [body, n(, default)],"
                f" got {value!r}"
            )
        signature = f"[{arity}]" if arity else ""
        if default is not None:
            signature += f"[{default}]"
        lines.append(
            f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{signature}{{{body}}}"
        )
    return "\n".join(lines)


def add_macros_to_preamble(app: Sphinx, config: Config) -> None:
    """``config-inited``: append the MathJax macros, as LaTeX, to the LaTeX preamble."""
    macros = (config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    if not macros:
        return
    elements = dict(config.latex_elements)
    preamble = elements.get("preamble", "")
    elements["preamble"] = (
        f"{preamble}\n% the math macros of _config.yml (mathjax3_config), by _ext/pdf_book.py\n"
        f"{latex_macros(macros)}\n"
    )
    config.latex_elements = elements


# Files copied beside the .tex (latex_additional_files): bbm.sty says why.
LATEX_FILES = [Path(__file__).resolve().parent / "latex" / "bbm.sty"]


def add_latex_files(app: Sphinx, config: Config) -> None:
    """``config-inited``: the stand-ins of :data:`LATEX_FILES`, beside the .tex."""
    config.latex_additional_files = [*config.latex_additional_files, *map(str, LATEX_FILES)]


class UnnumberedParts(SphinxPostTransform):
    """Chapters of a part that ``_toc.yml`` leaves unnumbered are unnumbered in the PDF too.

    sphinx-jupyterbook-latex turns each part of the toc into a ``\\part`` (a section node whose
    ``docname`` is the part's caption), but LaTeX numbers every ``\\chapter``: the back matter
    (instructors' page, references) would become Chapters 10 and 11. After the title of an
    unnumbered part, ``secnumdepth`` is set to -1: its chapters stay in the table of contents,
    without a number, as on the web page.
    """

    default_priority = 800  # after sphinx-jupyterbook-latex's LatexRootDocPostTransforms (700)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        sitemap = getattr(self.config, "external_site_map", None)
        if sitemap is None:
            return
        unnumbered = {t.caption for t in sitemap.root.subtrees if t.caption and not t.numbered}
        for section in list(self.document.findall(nodes.section)):
            if section.get("docname") in unnumbered:
                index = section.first_child_matching_class(nodes.title)
                raw = nodes.raw("", "\\setcounter{secnumdepth}{-1}\n", format="latex")
                section.insert(0 if index is None else index + 1, raw)


class ExerciseReferences(SphinxPostTransform):
    """A reference to an exercise of another page reads "Exercise 2.4" in the PDF, as on the web.

    sphinx-exercise 1.2.1 labels an exercise ``exercise:LABEL`` in LaTeX and rewrites only the
    references within one page; one from another page stays Sphinx's
    ``Exercise \\ref{PAGE:LABEL}``, a label that does not exist
    ("Exercise ??"). This post-transform gives it sphinx-exercise's own LaTeX reference node,
    with the exercise's number as the web page shows it.
    """

    default_priority = 30  # after sphinx-exercise's post-transforms (20 to 22)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_latex_number_reference
        from sphinx_exercise.utils import get_node_number

        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in list(self.document.findall(addnodes.number_reference)):
            label = node.get("refid") or node.get("refuri", "").rpartition("#")[2]
            target = registry.get(label, {}).get("node")
            if not isinstance(target, exercise_enumerable_node):
                continue
            number = get_node_number(self.app, target, "exercise")
            reference = exercise_latex_number_reference()
            reference["refid"] = label
            reference += nodes.Text(self.config.numfig_format["exercise"] % number)
            node.replace_self(reference)


def keep_web_numbering(app: Sphinx, web_depth: int) -> None:
    """``builder-inited``: exercises numbered as on the web page ("Exercise 4.2", not "4.1.2").

    For a book of parts sphinx-jupyterbook-latex sets ``numfig_secnum_depth`` to 2 at
    ``builder-inited`` (in LaTeX, figures and equations then restart at each chapter, not at each
    part). Sphinx also numbers sphinx-exercise's exercises with it, by section, while the web page
    numbers them by chapter. So the web page's depth is used while Sphinx numbers the document,
    and sphinx-jupyterbook-latex's is restored for the LaTeX writer (``env-get-updated``).
    """
    if app.builder.format != "latex":
        return
    latex_depth = app.config.numfig_secnum_depth
    app.config.numfig_secnum_depth = web_depth

    def restore(app: Sphinx, env: Any) -> list[str]:
        app.config.numfig_secnum_depth = latex_depth
        return []

    # after Sphinx's TocTreeCollector numbers the figures and exercises (env-get-updated, 500)
    app.connect("env-get-updated", restore, priority=900)


def links_pdf(app: Sphinx) -> bool:
    """Whether this build's HTML pages link to the book's PDF (:data:`ENVIRONMENT` is ``1``)."""
    value = os.environ.get(ENVIRONMENT, "").strip()
    if value not in ("", "0", "1"):
        raise ExtensionError(f"{ENVIRONMENT} must be 1 (link the PDF) or 0/unset, got {value!r}")
    return value == "1" and app.builder.format == "html"


def _target_name(app: Sphinx) -> str:
    return PDF_NAME_STUDENT if getattr(app.config, "student_edition", False) else PDF_NAME


def add_pdf_link(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """``html-page-context``: the footer link and the download menu's entry, on every page."""
    if not links_pdf(app):
        return
    url = context["pathto"](_target_name(app), 1)
    link = f'<a class="gencourse-pdf-link" href="{url}">Download the book as a PDF</a>'
    footer = context.get("theme_extra_footer") or ""
    context["theme_extra_footer"] = f"{footer}<p>{link}</p>"
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(
                0,
                {
                    "type": "link",
                    "url": url,
                    "text": "Book (PDF)",
                    "tooltip": "Download the whole book as a PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                },
            )


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_macros_to_preamble)
    app.connect("config-inited", add_latex_files)
    app.add_post_transform(UnnumberedParts)
    app.add_post_transform(ExerciseReferences)
    # the web page's depth, as configured (config-inited), kept for keep_web_numbering, which
    # runs after sphinx-jupyterbook-latex's setup_latex_transforms (builder-inited, 500)
    web: dict[str, int] = {}
    app.connect("config-inited", lambda app, config: web.update(depth=config.numfig_secnum_depth))
    app.connect("builder-inited", lambda app: keep_web_numbering(app, web["depth"]), priority=600)
    # after sphinx-book-theme's add_header_buttons (priority 501)
    app.connect("html-page-context", add_pdf_link, priority=503)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
