"""Chapter notebooks: the Colab twins (instructor and student sets) and the notebooks CI executes.

Usage (from the repository root):

    python scripts/notebooks.py sync          # write both sets of twins for every chapter
    python scripts/notebooks.py check         # exit 1 if a twin of either set is missing or stale
    python scripts/notebooks.py nbval DIR     # write the instructor twins, with the expected
                                              # outputs of '# NBVAL_CHECK_OUTPUT' cells, into DIR

The chapters (``chapters/*.md`` listed in ``_toc.yml``) are the single source. Each chapter has
two twins, notebooks that read like the book's page in a stock notebook front end (Colab,
JupyterLab, nbconvert), with nothing left over from MyST:

* ``notebooks/NAME.ipynb``, the instructor set: every solution follows its exercise, marked
  "Solution to Exercise N.M" (collapsed in a ``<details>`` block; a gated solution, whose code
  cells run, under a heading instead, since a ``<details>`` block cannot span cells);
* ``notebooks/student/NAME.ipynb``, the student set: no solution at all, neither its text nor
  the code cells of a gated solution (``solution-start`` ... ``solution-end``).

In both, a first cell installs gencourse from the repository (``repository.url`` of
``_config.yml``; from PyPI, ``gencourse==X.Y.Z``, with ``GENCOURSE_RELEASE=X.Y.Z``, as the release
workflow writes them) when it is not importable, pinning the runtime's torch so that pip never
replaces it, and prints the device. Cells tagged ``remove-cell`` (the build's hidden assertions)
are dropped. Section headings carry the book's numbers; ``(label)=`` targets disappear; a
``{ref}``/``{numref}``/``{eq}``/``{doc}`` becomes a link to the page of the published book
(``html.baseurl``) with its visible title ("Chapter 4, *Title*", "Section 5.3, *Title*",
"Exercise 4.2", "(3.1)"); a ``{cite}`` becomes "(Author, Year)" and the twin ends with its
references from ``references.bib``; the MathJax macros of ``_config.yml`` are expanded in the
math; an exercise becomes a numbered heading, an admonition a quoted block with its title in
bold, a ``literalinclude`` the code it shows. A directive or role without a notebook form is an
error naming the chapter, so that new content never reaches a twin as raw MyST.

Why this converter and not QuantEcon's sphinx-tojupyter (0.6.0, a Sphinx builder that writes
notebooks from the resolved doctree; its source was read before deciding):

* its translator knows sphinx-exercise's exercise node but not its solution nodes, nor gated
  solutions (code cells between ``solution-start`` and ``solution-end``), so neither set could
  be made without a custom translator over its own;
* it turns a ``literalinclude`` of Python into an executable code cell (a student would run a
  copy of ``AffineCoupling`` that calls gencourse's private helpers), and serialises every
  paragraph again from the doctree instead of keeping the author's Markdown;
* it does not expand the MathJax macros: it prepends a ``$$\\newcommand...$$`` cell, which KaTeX
  and several front ends do not carry from one cell to the next, and it writes no reference list;
* it pulls dask[distributed] and nbdime into the book's environment.

So the Markdown is converted here from the chapter's source, located with the MyST parser the
book itself uses (markdown-it with myst-parser's plugins: targets, directives, math blocks, code
spans), while everything the book *resolves* (section, exercise and equation numbers, titles,
page addresses, citation texts, reference entries) is read from Sphinx itself: ``book_index()``
reads the whole book with ``jupyter-book``'s own configuration and extensions (the dummy builder,
nothing executed, ~10-20 s), so the numbers in a twin are by construction those of the built book.
"""

from __future__ import annotations

import argparse
import ast
import copy
import functools
import io
import os
import pickle
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TWINS = ROOT / "notebooks"
STUDENT_TWINS = TWINS / "student"

_COLAB_BADGE = re.compile(r"```\{colab-badge\}\s*\n```\n?")
_LITERALINCLUDE = re.compile(
    r"```\{literalinclude\}\s+(?P<path>\S+)\n(?P<options>(?::[^\n]*\n)*)```"
)


class ConversionError(ValueError):
    """A chapter holds something that has no notebook form (yet)."""


# ---------------------------------------------------------------------------------------------
# The book's configuration and chapters
# ---------------------------------------------------------------------------------------------


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository() -> tuple[str, str]:
    """(URL, branch) of the repository, from _config.yml: the one place it is written."""
    repo = config()["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def book_url() -> str:
    """The published book's address (``html.baseurl`` of _config.yml), ending with '/'."""
    return config()["html"]["baseurl"].rstrip("/") + "/"


def macros() -> dict[str, tuple[str, int]]:
    """The MathJax macros of _config.yml: name -> (replacement, number of arguments)."""
    tex = config()["sphinx"]["config"].get("mathjax3_config", {}).get("tex", {})
    out = {}
    for name, value in tex.get("macros", {}).items():
        if isinstance(value, str):
            out[name] = (value, 0)
        elif len(value) == 2:
            out[name] = (value[0], int(value[1]))
        else:  # [body, n, default of the first argument]: not used by the book
            raise ConversionError(f"macro \\{name}: optional arguments are not supported")
    return out


def chapters() -> list[Path]:
    """The chapter sources listed in _toc.yml, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files: list[str] = []

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [ROOT / f"{f}.md" for f in files if f.startswith("chapters/")]


def read_chapter(path: Path) -> nbformat.NotebookNode:
    return jupytext.read(path, fmt="md:myst")


# ---------------------------------------------------------------------------------------------
# What the book resolves, read from Sphinx
# ---------------------------------------------------------------------------------------------

_CITE_ROLE = re.compile(r"\{cite(?::(?P<kind>\w+))?\}`(?P<keys>[^`]+)`")


def _inline_markdown(node: Any) -> str:
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
            out.append(f"*{_inline_markdown(child)}*")
        elif isinstance(child, nodes.strong):
            out.append(f"**{_inline_markdown(child)}**")
        else:
            out.append(_inline_markdown(child))
    return "".join(out)


def _read_book(outdir: Path) -> Any:
    """Read the whole book with Sphinx as ``jupyter-book build`` configures it (the same
    _config.yml, _toc.yml and extensions), with the dummy builder and without executing
    anything. Returns the Sphinx application."""
    from jupyter_book.config import get_final_config

    overrides = {  # what `jupyter-book build` passes, plus: execute nothing
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nb_execution_mode": "off",
    }
    sphinx_config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml", cli_config=overrides, sourcedir=ROOT
    )
    import myst_nb.sphinx_

    # myst-nb makes the figure of a cell with `mystnb: figure: {caption, name}` around the
    # cell's output; unexecuted, a cell has none, and Sphinx would neither know the figure's
    # label nor count it (the numbers of the figures after it would shift). A placeholder
    # output stands in for the figure, so that the numbers are those of the executed book.
    create_nb_reader = myst_nb.sphinx_.create_nb_reader

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

    myst_nb.sphinx_.create_nb_reader = reader_with_figures
    try:
        return _build_dummy(outdir, sphinx_config)
    finally:
        myst_nb.sphinx_.create_nb_reader = create_nb_reader


def _build_dummy(outdir: Path, sphinx_config: dict) -> Any:
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    with patch_docutils(None), docutils_namespace():
        app = Sphinx(
            srcdir=ROOT,
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


def _top_level_sections(doctree: Any) -> list:
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


def _citation_texts(app: Any, keys_and_kinds: set[tuple[str, str]]) -> dict:
    """Markdown of each citation role used by the chapters, formatted by sphinxcontrib-bibtex's
    own referencing style (the book's ``bibtex_reference_style``), with parentheses: "(Author,
    Year)"; and the formatted reference entry of each key."""
    from sphinxcontrib.bibtex.plugin import find_plugin
    from sphinxcontrib.bibtex.style.referencing import BracketStyle, format_references
    from sphinxcontrib.bibtex.style.template import SphinxReferenceInfo

    domain = app.env.get_domain("cite")
    plugin = find_plugin(
        "sphinxcontrib.bibtex.style.referencing", app.config.bibtex_reference_style
    )
    parens = BracketStyle(left="(", right=")", sep="; ")
    try:
        style = plugin(bracket_parenthetical=parens, bracket_textual=parens)
    except TypeError:  # a style without these brackets: the book's own
        style = domain.reference_style
    citations = {c.key: c for c in domain.citations}
    texts, entries = {}, {}
    for kind, keys in keys_and_kinds:
        refs = []
        for key in keys.split(","):
            key = key.strip()
            if key not in citations:
                raise ConversionError(f"{{cite}}`{key}`: no such key in the bibliography")
            c = citations[key]
            info = SphinxReferenceInfo(
                builder=app.builder,
                fromdocname=c.bibliography_key.docname,
                todocname=c.bibliography_key.docname,
                citation_id=c.citation_id,
                title=None,
                pre_text="",
                post_text="",
            )
            refs.append((c.entry, c.formatted_entry, info))
            entries[key] = {
                "label": None,
                "text": " ".join(c.formatted_entry.text.render_as("markdown").split()),
                "anchor": c.citation_id,
                "docname": c.bibliography_key.docname,
            }
        rendered = format_references(style, kind, refs).render(domain.backend)
        from docutils import nodes

        para = nodes.paragraph("", "", *rendered)
        texts[(kind, keys)] = _inline_markdown(para)
    for key, entry in entries.items():
        ref = format_references(
            style,
            "p",
            [
                (
                    citations[key].entry,
                    citations[key].formatted_entry,
                    SphinxReferenceInfo(app.builder, "", "", "", None, "", ""),
                )
            ],
        ).render(domain.backend)
        from docutils import nodes

        entry["label"] = _inline_markdown(nodes.paragraph("", "", *ref)).strip("()")
    return {"texts": texts, "entries": entries}


def _compute_book_index() -> dict:
    from docutils import nodes
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

    with tempfile.TemporaryDirectory() as tmp:
        app = _read_book(Path(tmp))
        env = app.env
        numfig_format = app.config.numfig_format
        docs = {}
        for docname in sorted(env.found_docs):
            doctree = env.get_doctree(docname)
            secnums = env.toc_secnumbers.get(docname, {})
            sections = []
            for i, section in enumerate(_top_level_sections(doctree)):
                anchor = "" if i == 0 else "#" + section["ids"][0]
                number = secnums.get(anchor)
                sections.append(
                    {
                        "ids": list(section["ids"]),
                        "number": ".".join(map(str, number)) if number else None,
                        "title": _inline_markdown(section[0]),
                    }
                )
            fignums = env.toc_fignumbers.get(docname, {})
            exercises = []
            for node in doctree.findall(
                lambda n: isinstance(n, (exercise_node, exercise_enumerable_node))
            ):
                number = fignums.get("exercise", {}).get(node["ids"][0]) if node["ids"] else None
                name = (
                    numfig_format["exercise"] % ".".join(map(str, number))
                    if number
                    else numfig_format["exercise"].replace("%s", "").strip()
                )
                exercises.append({"label": node.get("label", ""), "name": name})
            docs[docname] = {"sections": sections, "exercises": exercises}

        labels = {}
        for label, (docname, labelid, sectname) in env.domaindata["std"]["labels"].items():
            labels[label] = {"docname": docname, "anchor": labelid, "title": sectname}
            # a numbered figure, table or code block (a myst-nb figure cell's `name` included):
            # its number as the book shows it, for {numref} and the caption of the twin
            for figtype, numbers in env.toc_fignumbers.get(docname, {}).items():
                if figtype not in ("exercise", "section") and labelid in numbers:
                    labels[label]["figtype"] = figtype
                    labels[label]["number"] = ".".join(map(str, numbers[labelid]))
        for docname, doc in docs.items():
            for ex in doc["exercises"]:
                if ex["label"]:
                    labels[ex["label"]] = {
                        "docname": docname,
                        "anchor": ex["label"],
                        "title": ex["name"],
                        "exercise": ex["name"],
                    }
        equations = {}
        math_objects = env.domaindata.get("math", {}).get("objects", {})
        for label, (docname, eqno) in math_objects.items():
            number = str(eqno)
            if app.config.math_numfig and app.config.numfig:  # as sphinx's MathDomain does
                fig = env.toc_fignumbers.get(docname, {}).get("displaymath", {})
                node_id = nodes.make_id(f"equation-{label}")
                if node_id in fig:
                    number = ".".join(map(str, fig[node_id]))
            equations[label] = {
                "docname": docname,
                "anchor": nodes.make_id(f"equation-{label}"),
                "number": number,
                "text": app.config.math_eqref_format.format(number=number)
                if app.config.math_eqref_format
                else f"({number})",
            }
        used = set()
        for path in chapters():
            for m in _CITE_ROLE.finditer(path.read_text()):
                used.add((m["kind"] or "p", m["keys"]))
        cites = _citation_texts(app, used)
        titles = {d: _inline_markdown(t) for d, t in env.titles.items()}
        numfig = dict(numfig_format)
    return {
        "docs": docs,
        "labels": labels,
        "equations": equations,
        "citations": cites,
        "titles": titles,
        "numfig_format": numfig,
    }


@functools.cache
def book_index() -> dict:
    """Numbers, titles, anchors and citations of the book, as Sphinx resolves them.

    ``NOTEBOOKS_INDEX_CACHE=FILE`` (development only) keeps the result in FILE between runs;
    delete the file after changing a chapter's structure."""
    cache = os.environ.get("NOTEBOOKS_INDEX_CACHE")
    if cache and Path(cache).exists():
        return pickle.loads(Path(cache).read_bytes())
    index = _compute_book_index()
    if cache:
        Path(cache).write_bytes(pickle.dumps(index))
    return index


# ---------------------------------------------------------------------------------------------
# Math: the macros of _config.yml, expanded
# ---------------------------------------------------------------------------------------------

_TEX_TOKEN = re.compile(r"\\\\|\\([A-Za-z]+)|\\.", re.DOTALL)


def _tex_argument(tex: str, pos: int) -> tuple[str, int]:
    """The TeX argument starting at ``pos`` (spaces skipped): a braced group (without its
    braces), a control sequence or one character. Returns (argument, end position)."""
    while pos < len(tex) and tex[pos] in " \t\n":
        pos += 1
    if pos >= len(tex):
        raise ConversionError(f"a macro lacks its argument in ${tex}$")
    if tex[pos] == "{":
        depth = 0
        for end in range(pos, len(tex)):
            if tex[end] == "\\":
                continue
            if tex[end] == "{" and (end == 0 or tex[end - 1] != "\\"):
                depth += 1
            elif tex[end] == "}" and tex[end - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return tex[pos + 1 : end], end + 1
        raise ConversionError(f"unbalanced braces in ${tex}$")
    m = re.compile(r"\\[A-Za-z]+|\\.").match(tex, pos)
    if m:
        return m.group(0), m.end()
    return tex[pos], pos + 1


def expand_macros(tex: str, table: dict[str, tuple[str, int]] | None = None) -> str:
    """``tex`` with every macro of ``table`` (default: those of _config.yml) replaced by its
    definition, arguments substituted for ``#1``..., as MathJax expands them."""
    table = macros() if table is None else table
    for _ in range(20):  # macros may use macros
        out, pos, changed = [], 0, False
        for m in _TEX_TOKEN.finditer(tex):
            if m.start() < pos or m.group(1) not in table:
                continue
            body, nargs = table[m.group(1)]
            end = m.end()
            for i in range(1, nargs + 1):
                arg, end = _tex_argument(tex, end)
                body = body.replace(f"#{i}", arg)
            before = tex[pos : m.start()]
            if body[:1].isalpha() and re.search(r"\\[A-Za-z]+$", "".join(out[-1:]) + before):
                body = " " + body  # \nabla\Gtheta -> \nabla G_{\theta}, not \nablaG_{\theta}
            if re.search(r"\\[A-Za-z]+$", body) and end < len(tex) and tex[end].isalpha():
                body += " "
            out.append(before + body)
            pos, changed = end, True
        out.append(tex[pos:])
        tex = "".join(out)
        if not changed:
            return tex
    raise ConversionError(f"macro expansion does not terminate in ${tex}$")


# ---------------------------------------------------------------------------------------------
# literalinclude: the code a reader sees in the book
# ---------------------------------------------------------------------------------------------


def _pyobject_source(path: Path, dotted: str) -> str:
    """Source of a (possibly nested, dotted) class or function in a Python file."""
    text = path.read_text()
    body = ast.parse(text).body
    node = None
    for name in dotted.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and n.name == name
            ),
            None,
        )
        if node is None:
            raise ValueError(f"{path}: no object {dotted!r} to include")
        body = node.body
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = text.splitlines()[first - 1 : node.end_lineno]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def _shown(path: Path) -> str:
    """The path as a reader of the twin sees it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _literalinclude(argument: str, options: dict[str, str], source: Path) -> str:
    path = (source.parent / argument).resolve()
    if "pyobject" in options:
        code = _pyobject_source(path, options["pyobject"])
        where = f"{_shown(path)}, {options['pyobject']}"
    else:
        code, where = path.read_text().rstrip("\n"), _shown(path)
    if "start-at" in options or "end-before" in options:  # Sphinx: first line containing it
        lines = code.splitlines()
        first = next(i for i, line in enumerate(lines) if options.get("start-at", "") in line)
        last = len(lines)
        if "end-before" in options:
            last = next(
                (
                    i
                    for i, line in enumerate(lines[first + 1 :], first + 1)
                    if options["end-before"] in line
                ),
                len(lines),
            )
        code = "\n".join(lines[first:last]).rstrip("\n")
    language = options.get("language", "python" if path.suffix == ".py" else "")
    comment = "# " if language == "python" else ""
    header = f"{comment}from {where}\n" if comment else ""
    return f"```{language}\n{header}{code}\n```"


def _inline_literalincludes(markdown: str, source: Path) -> str:
    """Every ``literalinclude`` fence of ``markdown`` replaced by the code it shows."""

    def replace(match: re.Match) -> str:
        return _literalinclude(match["path"], _directive_options(match["options"])[0], source)

    return _LITERALINCLUDE.sub(replace, markdown)


# ---------------------------------------------------------------------------------------------
# MyST Markdown -> notebook Markdown
# ---------------------------------------------------------------------------------------------


@functools.cache
def _parser() -> Any:
    """The MyST parser the book uses (markdown-it with myst-parser's plugins)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = set(config().get("parse", {}).get("myst_enable_extensions", []))
    return create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)


def _directive_options(block: str) -> tuple[dict[str, str], str]:
    """Split a directive's content into its options (``:key: value`` lines or a ``---`` YAML
    block) and its body."""
    lines = block.split("\n")
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        options = {k: str(v) for k, v in (yaml.safe_load("\n".join(lines[1:end])) or {}).items()}
        return options, "\n".join(lines[end + 1 :]).strip("\n")
    i = 0
    while i < len(lines) and re.match(r"^:[\w-]+:", lines[i]):
        key, _, value = lines[i][1:].partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]  # option values are YAML scalars in MyST
        options[key.strip()] = value
        i += 1
    return options, "\n".join(lines[i:]).strip("\n")


_ADMONITIONS = {
    "note": "Note",
    "warning": "Warning",
    "tip": "Tip",
    "important": "Important",
    "hint": "Hint",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "todo": "To do",
}
_DROPPED_DIRECTIVES = {"colab-badge", "bibliography", "tableofcontents", "toctree", "contents"}

_INLINE = re.compile(
    r"""
    (?P<role>\{(?P<rname>[A-Za-z][\w:+-]*)\}(?P<rticks>`+)(?P<rbody>.+?)(?P=rticks))
  | (?P<code>(?P<ticks>`+).+?(?P=ticks))
  | (?P<esc>\\[\\$`{\[\]])
  | (?P<dmath>\$\$(?P<dbody>.+?)\$\$)
  | (?P<math>\$(?P<mbody>(?:[^$\\]|\\.)+?)\$)
  | (?P<link>(?P<bang>!?)\[(?P<ltext>[^\]]*)\]\((?P<href>[^)\s]+)(?P<ltitle>\s+"[^"]*")?\))
  | (?P<sub>\{\{.*?\}\})
    """,
    re.DOTALL | re.VERBOSE,
)


class _Converter:
    """Converts one chapter's Markdown cells; keeps the state that spans cells (gated
    solutions and exercises, the heading level, the labels seen)."""

    def __init__(self, path: Path, index: dict, student: bool):
        self.path, self.index, self.student = path, index, student
        self.docname = path.relative_to(ROOT).with_suffix("").as_posix()
        doc = index["docs"].get(self.docname)
        if doc is None:
            raise ConversionError(f"{self.docname} is not in the book that Sphinx read")
        self.sections = list(doc["sections"])
        self.exercises = list(doc["exercises"])
        self.base = book_url()
        self.macros = macros()
        self.level = 1  # level of the last heading
        self.in_solution = False  # inside a gated solution (solution-start ... solution-end)
        self.cited: set[str] = set()

    # -- errors, links -------------------------------------------------------------------
    def error(self, what: str) -> ConversionError:
        return ConversionError(f"{_shown(self.path)}: {what}")

    def page_url(self, docname: str, anchor: str = "") -> str:
        return f"{self.base}{docname}.html" + (f"#{anchor}" if anchor else "")

    def _section_of(self, docname: str, anchor: str) -> dict | None:
        for section in self.index["docs"].get(docname, {}).get("sections", []):
            if anchor in section["ids"]:
                return section
        return None

    def ref(self, body: str, kind: str) -> str:
        m = re.fullmatch(r"(?s)(?P<text>.*?)\s*<(?P<label>[^<>]+)>", body.strip())
        text, label = (m["text"], m["label"]) if m else (None, body.strip())
        label = label.lower() if kind != "doc" else label
        if kind == "eq":
            eq = self.index["equations"].get(label)
            if eq is None:
                raise self.error(f"{{eq}}`{body}`: no such equation label")
            return f"[{text or eq['text']}]({self.page_url(eq['docname'], eq['anchor'])})"
        if kind == "doc":
            docname = os.path.normpath(
                (Path(self.docname).parent / label).as_posix()
                if not label.startswith("/")
                else label.lstrip("/")
            )
            docname = docname.removesuffix(".md").removesuffix(".ipynb")
            if docname not in self.index["titles"]:
                raise self.error(f"{{doc}}`{body}`: no such page")
            return f"[{text or self.index['titles'][docname]}]({self.page_url(docname)})"
        target = self.index["labels"].get(label)
        if target is None:
            raise self.error(f"{{{kind}}}`{body}`: no such label")
        url = self.page_url(target["docname"], target["anchor"])
        section = self._section_of(target["docname"], target["anchor"])
        number = section["number"] if section else None
        title = self.inline(section["title"] if section else target["title"])
        if kind == "numref":
            if "figtype" in target:
                number = target["number"]
                fmt = self.index["numfig_format"].get(target["figtype"], "%s")
            elif "exercise" in target:
                number = target["exercise"].split()[-1]
                fmt = self.index["numfig_format"]["exercise"]
            else:
                fmt = self.index["numfig_format"].get("section", "Section %s")
            if number is None:
                raise self.error(f"{{numref}}`{body}`: the target has no number")
            text = (text or fmt).replace("%s", number).replace("{number}", number)
            return f"[{text.replace('{name}', title)}]({url})"
        if text:
            return f"[{text}]({url})"
        if "exercise" in target:
            return f"[{target['exercise']}]({url})"
        if section is not None and number:
            emphasized = f"*{title}*" if "*" not in title else title
            top = section is self.index["docs"][target["docname"]]["sections"][0]
            word = "Chapter" if top else "Section"
            return f"[{word} {number}, {emphasized}]({url})"
        return f"[{title}]({url})"

    def figure_caption(self, cell: nbformat.NotebookNode) -> str | None:
        """Markdown of the caption of a myst-nb figure cell (``mystnb: figure: {caption, name}``
        in its metadata), numbered as the book numbers it: "Fig. 4.1 *caption*"."""
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if not figure.get("caption"):
            return None
        caption = self.markdown(str(figure["caption"]))
        target = self.index["labels"].get(str(figure.get("name", "")).lower(), {})
        if "number" not in target:
            return f"*{caption}*"
        fmt = self.index["numfig_format"].get(target["figtype"], "Fig. %s")
        return f"**{fmt.replace('%s', target['number'])}** *{caption}*"

    def cite(self, kind: str, keys: str) -> str:
        kind = kind or "p"
        text = self.index["citations"]["texts"].get((kind, keys))
        if text is None:
            raise self.error(f"{{cite:{kind}}}`{keys}`: not resolved (run sync again)")
        self.cited.update(k.strip() for k in keys.split(","))
        return text

    def link_target(self, href: str, image: bool) -> str:
        """An absolute address for a relative link or image of the chapter."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("#"):
            return href
        path, _, anchor = href.partition("#")
        target = (self.path.parent / path).resolve()
        if not target.is_relative_to(ROOT):
            raise self.error(f"link {href!r} leaves the repository")
        relative = target.relative_to(ROOT).as_posix()
        if not image and target.suffix in (".md", ".ipynb", ""):
            return self.page_url(relative.rsplit(".", 1)[0], anchor)
        url, branch = repository()
        owner_repo = url.removeprefix("https://github.com/")
        return f"https://raw.githubusercontent.com/{owner_repo}/{branch}/{relative}"

    # -- inline --------------------------------------------------------------------------
    def math(self, tex: str) -> str:
        return expand_macros(tex, self.macros)

    def inline(self, text: str) -> str:
        def replace(m: re.Match) -> str:
            if m["role"]:
                name, body = m["rname"], m["rbody"]
                if name in ("ref", "numref", "eq", "doc"):
                    return self.ref(body, name)
                if name == "cite" or name.startswith("cite:"):
                    return self.cite(name.partition(":")[2], body)
                if name == "math":
                    return f"${self.math(body)}$"
                if name in ("sub", "sup", "kbd", "abbr"):
                    if name == "abbr":
                        short, _, full = body.partition("(")
                        return f'<abbr title="{full.rstrip(")").strip()}">{short.strip()}</abbr>'
                    return f"<{name}>{body}</{name}>"
                if name in ("term", "dfn"):
                    return f"*{body}*"
                if name in ("code", "literal", "samp", "file", "command", "py:func"):
                    return f"`{body}`"
                if name == "download":
                    m2 = re.fullmatch(r"(?s)(?P<text>.*?)\s*<(?P<p>[^<>]+)>", body.strip())
                    text, href = (m2["text"], m2["p"]) if m2 else (Path(body).name, body)
                    return f"[{text}]({self.link_target(href, image=True)})"
                raise self.error(f"the role {{{name}}} has no notebook form")
            if m["code"] or m["esc"]:
                return m.group(0)
            if m["dmath"]:
                return f"$${self.math(m['dbody'])}$$"
            if m["math"]:
                return f"${self.math(m['mbody'])}$"
            if m["link"]:
                target = self.link_target(m["href"], image=bool(m["bang"]))
                title = m["ltitle"] or ""
                return f"{m['bang']}[{self.inline(m['ltext'])}]({target}{title})"
            raise self.error(f"MyST substitution {m.group(0)!r} has no notebook form")

        return _INLINE.sub(replace, text)

    # -- blocks --------------------------------------------------------------------------
    def markdown(self, text: str, nested: bool = False) -> str:
        """Convert a Markdown cell (or a directive's body when ``nested``)."""
        lines = text.split("\n")
        tokens = _parser().parse(text)
        out: list[str] = []
        covered = 0
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.level != 0 or token.map is None or token.nesting == -1:
                i += 1
                continue
            start, end = token.map
            if start > covered and not (self.student and self.in_solution):
                out.extend(lines[covered:start])  # blank lines between blocks
            covered = max(covered, end)
            close = i + 1
            if token.nesting == 1:  # skip to the matching close token
                depth = 1
                while depth:
                    depth += tokens[close].nesting
                    close += 1
            block = lines[start:end]
            out.extend(self.block(token, tokens[i:close], block, nested))
            i = close
        if not (self.student and self.in_solution):
            out.extend(lines[covered:])
        result = "\n".join(out)
        return re.sub(r"\n{3,}", "\n\n", result).strip("\n")

    def block(self, token: Any, tokens: list, lines: list[str], nested: bool) -> list[str]:
        kind = token.type
        if kind == "fence" and token.info.startswith("{"):
            m = re.match(r"\{([\w-]+)\}\s*(.*)", token.info)
            if not m:
                raise self.error(f"cannot read the directive {token.info!r}")
            return self.directive(m[1], m[2].strip(), token.content.rstrip("\n"), nested)
        if kind == "colon_fence" and token.info.startswith("{"):
            m = re.match(r"\{([\w-]+)\}\s*(.*)", token.info)
            return self.directive(m[1], m[2].strip(), token.content.rstrip("\n"), nested)
        if self.student and self.in_solution:
            return []
        if kind in ("myst_target", "myst_line_comment", "myst_block_break", "front_matter"):
            return []
        if kind in ("fence", "code_block", "colon_fence"):
            return lines
        if kind in ("math_block", "math_block_label", "amsmath"):
            if kind == "math_block_label":
                eq = self.index["equations"].get(token.info.lower())
                if eq is None:
                    raise self.error(f"equation label {token.info!r} unknown to Sphinx")
                tag = f"\n\\tag{{{eq['number']}}}"
                return ["$$", self.math(token.content.strip("\n")) + tag, "$$"]
            return [self.math(line) for line in lines]
        if kind == "heading_open":
            return [self.heading(token, tokens[1].content, nested)]
        if kind == "html_block":
            return lines
        for inner in tokens[1:]:
            if inner.type in ("fence", "colon_fence") and inner.info.startswith("{"):
                raise self.error(f"the directive {inner.info} inside a list or quote")
            if inner.type in ("myst_target", "heading_open"):
                raise self.error("a target or heading inside a list or quote")
        return self.inline("\n".join(lines)).split("\n")

    def heading(self, token: Any, title: str, nested: bool) -> str:
        level = int(token.tag[1])
        if nested:
            raise self.error(f"a heading ({title!r}) inside a directive")
        if not self.sections:
            raise self.error(f"heading {title!r}: Sphinx saw fewer sections")
        section = self.sections.pop(0)
        self.level = level
        number = f"{section['number']}. " if section["number"] else ""
        return "#" * level + " " + number + self.inline(title)

    def quote(self, title: str, body: str) -> list[str]:
        lines = [f"**{title}**", ""] if title else []
        lines += self.markdown(body, nested=True).split("\n") if body else []
        return [("> " + line).rstrip() for line in lines]

    def exercise_heading(self, argument: str) -> list[str]:
        if not self.exercises:
            raise self.error("Sphinx saw fewer exercises")
        name = self.exercises.pop(0)["name"]
        title = f"{name} ({self.inline(argument)})" if argument else name
        return ["#" * min(self.level + 1, 6) + " " + title, ""]

    def solution_title(self, argument: str) -> str:
        target = self.index["labels"].get(argument.strip().lower(), {})
        name = target.get("exercise")
        if name is None:
            raise self.error(f"solution of {argument!r}: no such exercise label")
        return f"Solution to {name}"

    def directive(self, name: str, argument: str, content: str, nested: bool) -> list[str]:
        options, body = _directive_options(content)
        if name == "solution-end":
            if not self.in_solution:
                raise self.error("solution-end without solution-start")
            self.in_solution = False
            return []
        if self.student and self.in_solution:
            return []
        if name in _DROPPED_DIRECTIVES:
            return []
        if name == "literalinclude":
            return _literalinclude(argument, options, self.path).split("\n")
        if name in ("exercise", "exercise-start"):
            return self.exercise_heading(argument) + (
                self.markdown(body, nested=True).split("\n") if body else []
            )
        if name == "exercise-end":
            return []
        if name == "solution":
            if self.student:
                return []
            title = self.solution_title(argument)
            return [
                "<details>",
                f"<summary><b>{title}</b></summary>",
                "",
                *self.markdown(body, nested=True).split("\n"),
                "",
                "</details>",
            ]
        if name == "solution-start":
            self.in_solution = True
            if self.student:
                return []
            title = self.solution_title(argument)
            lines = ["#" * min(self.level + 2, 6) + " " + title, ""]
            return lines + (self.markdown(body, nested=True).split("\n") if body else [])
        if name == "admonition":
            return self.quote(self.inline(argument), body)
        if name in _ADMONITIONS or name in ("dropdown", "margin", "sidebar", "topic"):
            title = self.inline(argument) if argument else _ADMONITIONS.get(name, "")
            return self.quote(title, body)
        if name in ("epigraph", "pull-quote", "highlights", "blockquote"):
            return self.quote("", body)
        if name in ("math",):
            tex = self.math(body)
            label = options.get("label")
            if label:
                eq = self.index["equations"].get(label.lower())
                if eq is None:
                    raise self.error(f"equation label {label!r} unknown to Sphinx")
                tex += f"\n\\tag{{{eq['number']}}}"
            return ["$$", tex, "$$"]
        if name in ("code-block", "code", "sourcecode"):
            return [f"```{argument}", body, "```"]
        if name in ("figure", "image"):
            alt = options.get("alt", "")
            lines = [f"![{alt}]({self.link_target(argument, image=True)})"]
            if name == "figure" and body:
                lines += ["", *self.quote("", body)]
            return lines
        if name == "table":
            return ([f"**{self.inline(argument)}**", ""] if argument else []) + self.markdown(
                body, nested=True
            ).split("\n")
        if name == "raw" and argument == "html":
            return body.split("\n")
        if name == "only":
            return self.markdown(body, nested=True).split("\n")
        raise self.error(f"the directive {{{name}}} has no notebook form")

    def references(self) -> str | None:
        if not self.cited:
            return None
        entries = self.index["citations"]["entries"]
        items = sorted((entries[k]["label"], entries[k]["text"]) for k in self.cited)
        return "\n".join(
            ["## References", ""] + [f"- **{label}.** {text}" for label, text in items]
        )


def setup_cell() -> nbformat.NotebookNode:
    # A release's twins (GENCOURSE_RELEASE=X.Y.Z, set by .github/workflows/release.yml) install
    # that version from PyPI or any mirror of it, so that a course keeps the code it started with;
    # the default branch's twins install the repository's branch.
    release = os.environ.get("GENCOURSE_RELEASE", "")
    if release:
        if not re.fullmatch(r"\d+\.\d+\.\d+", release):
            raise ValueError(f"GENCOURSE_RELEASE={release!r}: expected a version X.Y.Z")
        source, package = f"PyPI (version {release})", f"gencourse=={release}"
    else:
        url, branch = repository()
        source, package = "its repository", f"gencourse @ git+{url}@{branch}"
    code = f"""# Set-up (Colab): install gencourse from {source} when it is missing.
# The runtime's torch is pinned to its installed version: pip adds gencourse's other
# dependencies (POT, ...) but never replaces torch.
import importlib.metadata
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("gencourse") is None:
    package = "{package}"
    keep_torch = []
    if importlib.util.find_spec("torch") is not None:
        keep_torch = [f"torch=={{importlib.metadata.version('torch')}}"]
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", package, *keep_torch])

import gencourse

print(
    f"gencourse {{gencourse.__version__}} on {{gencourse.device()}},",
    f"{{gencourse.budget()}} budget",
)"""
    return nbformat.v4.new_code_cell(code)


_HIDDEN_TAGS = {"hide-input": "source_hidden", "hide-output": "outputs_hidden"}


def twin(path: Path, student: bool = False, index: dict | None = None) -> nbformat.NotebookNode:
    """The Colab notebook of the chapter ``path`` (no outputs): the instructor set's, or with
    ``student=True`` the student set's."""
    index = book_index() if index is None else index
    conv = _Converter(path, index, student)
    cells = []
    for cell in read_chapter(path).cells:
        cell = copy.deepcopy(cell)
        cell.pop("id", None)
        if cell.cell_type == "markdown":
            cell.source = conv.markdown(cell.source)
            cell.metadata = {}
            if not cell.source.strip():
                continue
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            if "remove-cell" in tags or (student and conv.in_solution):
                continue
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("expected_output", None)
            for tag in tags:  # the book's hide-* tags, as notebook front ends know them
                if tag in _HIDDEN_TAGS:
                    cell.metadata.setdefault("jupyter", {})[_HIDDEN_TAGS[tag]] = True
                if tag == "hide-cell":
                    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        else:
            continue
        cells.append(cell)
        caption = conv.figure_caption(cell) if cell.cell_type == "code" else None
        if caption:  # below the figure, as the book shows it
            cells.append(nbformat.v4.new_markdown_cell(caption))
    if conv.in_solution:
        raise conv.error("solution-start without solution-end")
    if conv.sections or conv.exercises:
        raise conv.error("Sphinx saw more sections or exercises than the converter")
    references = conv.references()
    if references:
        cells.append(nbformat.v4.new_markdown_cell(references))
    out = nbformat.v4.new_notebook()
    out.cells = [setup_cell()] + cells
    edition = "student set, no solutions" if student else "instructor set, with solutions"
    out.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "colab": {"provenance": [], "gpuType": "T4"},
        "source": f"generated from {path.relative_to(ROOT)} by scripts/notebooks.py ({edition}); "
        "edit the chapter, not this file",
    }
    _number_ids(out, path.stem)
    return out


def _number_ids(nb: nbformat.NotebookNode, stem: str) -> None:
    """Deterministic cell ids, so that regenerating an unchanged chapter changes nothing."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem[:40]}-{i}"


def twin_path(path: Path, student: bool = False) -> Path:
    return (STUDENT_TWINS if student else TWINS) / f"{path.stem}.ipynb"


def dump(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def twins() -> dict[Path, str]:
    """Every twin of both sets: path -> the notebook's text."""
    index = book_index()
    return {
        twin_path(path, student): dump(twin(path, student, index))
        for path in chapters()
        for student in (False, True)
    }


# ---------------------------------------------------------------------------------------------
# The notebooks CI executes
# ---------------------------------------------------------------------------------------------


def expected_outputs(path: Path) -> dict[str, str]:
    """Code cell source -> expected output, for the chapter's '# NBVAL_CHECK_OUTPUT' cells."""
    expected = {}
    for cell in read_chapter(path).cells:
        if cell.cell_type == "code" and "expected_output" in cell.metadata:
            if "NBVAL_CHECK_OUTPUT" not in cell.source:
                raise ValueError(
                    f"{path}: a cell has expected_output but no '# NBVAL_CHECK_OUTPUT' marker"
                )
            expected[cell.source] = cell.metadata["expected_output"]
    return expected


def nbval_notebook(path: Path) -> nbformat.NotebookNode:
    """The committed instructor twin of the chapter ``path``, with the expected output of every
    '# NBVAL_CHECK_OUTPUT' cell stored (from the chapter's ``expected_output`` metadata), for
    nbval to compare with what the cell prints."""
    nb = nbformat.read(twin_path(path), as_version=4)
    expected = expected_outputs(path)
    for cell in nb.cells:
        if cell.cell_type != "code" or "NBVAL_CHECK_OUTPUT" not in cell.source:
            continue
        if cell.source not in expected:
            raise ValueError(f"{twin_path(path)}: a checked cell has no expected output")
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=expected.pop(cell.source))
        ]
        cell.execution_count = 1  # nbval rejects stored outputs of a cell marked as never run
    if expected:
        raise ValueError(f"{twin_path(path)}: checked cells of the chapter missing (stale twin?)")
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="write both sets of Colab twins")
    sub.add_parser("check", help="fail if a Colab twin of either set is missing or stale")
    p_nbval = sub.add_parser("nbval", help="write the instructor twins for nbval into OUTDIR")
    p_nbval.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)

    if args.command == "nbval":
        args.outdir.mkdir(parents=True, exist_ok=True)
        for path in chapters():
            target = args.outdir / f"{path.stem}.ipynb"
            target.write_text(dump(nbval_notebook(path)))
            print(target)
        return 0

    expected = twins()
    existing = set(TWINS.glob("*.ipynb")) | set(STUDENT_TWINS.glob("*.ipynb"))
    if args.command == "sync":
        STUDENT_TWINS.mkdir(parents=True, exist_ok=True)
        for target, text in expected.items():
            if not target.exists() or target.read_text() != text:
                target.write_text(text)
                print(f"wrote {target.relative_to(ROOT)}")
        for extra in sorted(existing - set(expected)):
            extra.unlink()
            print(f"removed {extra.relative_to(ROOT)} (no such chapter)")
        return 0

    stale = [t for t, text in expected.items() if not t.exists() or t.read_text() != text]
    stale += sorted(existing - set(expected))
    for target in stale:
        print(f"stale Colab notebook: {target.relative_to(ROOT)}", file=sys.stderr)
    if stale:
        print("run: python scripts/notebooks.py sync", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
