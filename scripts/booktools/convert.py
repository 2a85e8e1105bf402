"""MyST Markdown -> notebook Markdown: one chapter's Markdown cells, block by block.

The blocks are located with the book's own MyST parser; a directive goes to
:mod:`booktools.directives`, a role to :mod:`booktools.roles` (their registries); the rest of
the Markdown is kept as the author wrote it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat

from booktools import directives, roles
from booktools.book import Book, ConversionError
from booktools.index import BookIndex, Equation, Section
from booktools.myst import directive_options, parser
from booktools.tex import expand_macros

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
_DIRECTIVE_INFO = re.compile(r"\{([\w-]+)\}\s*(.*)")
_DROPPED_BLOCKS = ("myst_target", "myst_line_comment", "myst_block_break", "front_matter")


class Converter:
    """Converts one chapter's Markdown cells; keeps the state that spans cells (gated
    solutions and exercises, the heading level, the labels seen)."""

    def __init__(self, book: Book, path: Path, index: BookIndex, student: bool):
        self.book, self.path, self.index, self.student = book, path, index, student
        self.docname = path.relative_to(book.root).with_suffix("").as_posix()
        doc = index.docs.get(self.docname)
        if doc is None:
            raise ConversionError(f"{self.docname} is not in the book that Sphinx read")
        self.sections = list(doc.sections)
        self.exercises = list(doc.exercises)
        self.base = book.book_url()
        self.macros = book.macros()
        self.level = 1  # level of the last heading
        self.in_solution = False  # inside a gated solution (solution-start ... solution-end)
        self.cited: set[str] = set()

    @property
    def hiding_solution(self) -> bool:
        """Inside a gated solution of the student set: everything is left out."""
        return self.student and self.in_solution

    # -- errors, links -------------------------------------------------------------------
    def error(self, what: str) -> ConversionError:
        return ConversionError(f"{self.book.shown(self.path)}: {what}")

    def page_url(self, docname: str, anchor: str = "") -> str:
        return f"{self.base}{docname}.html" + (f"#{anchor}" if anchor else "")

    def section_of(self, docname: str, anchor: str) -> Section | None:
        doc = self.index.docs.get(docname)
        for section in doc.sections if doc else ():
            if anchor in section.ids:
                return section
        return None

    def figure_caption(self, cell: nbformat.NotebookNode) -> str | None:
        """Markdown of the caption of a myst-nb figure cell (``mystnb: figure: {caption, name}``
        in its metadata), numbered as the book numbers it: "Fig. 4.1 *caption*"."""
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if not figure.get("caption"):
            return None
        caption = self.markdown(str(figure["caption"]))
        target = self.index.labels.get(str(figure.get("name", "")).lower())
        if target is None or target.number is None:
            return f"*{caption}*"
        fmt = self.index.numfig_format.get(target.figtype, "Fig. %s")
        return f"**{fmt.replace('%s', target.number)}** *{caption}*"

    def link_target(self, href: str, image: bool) -> str:
        """An absolute address for a relative link or image of the chapter."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("#"):
            return href
        path, _, anchor = href.partition("#")
        target = (self.path.parent / path).resolve()
        if not target.is_relative_to(self.book.root):
            raise self.error(f"link {href!r} leaves the repository")
        relative = target.relative_to(self.book.root).as_posix()
        if not image and target.suffix in (".md", ".ipynb", ""):
            return self.page_url(relative.rsplit(".", 1)[0], anchor)
        url, branch = self.book.repository()
        owner_repo = url.removeprefix("https://github.com/")
        return f"https://raw.githubusercontent.com/{owner_repo}/{branch}/{relative}"

    # -- inline --------------------------------------------------------------------------
    def math(self, tex: str) -> str:
        return expand_macros(tex, self.macros)

    def inline(self, text: str) -> str:
        """Inline Markdown: roles (:mod:`booktools.roles`), math with the macros expanded,
        links made absolute; code spans and escapes kept."""

        def replace(m: re.Match) -> str:
            if m["role"]:
                return roles.convert(self, m["rname"], m["rbody"])
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
        tokens = parser(self.book.myst_extensions()).parse(text)
        out: list[str] = []
        covered = 0
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.level != 0 or token.map is None or token.nesting == -1:
                i += 1
                continue
            start, end = token.map
            if start > covered and not self.hiding_solution:
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
        if not self.hiding_solution:
            out.extend(lines[covered:])
        result = "\n".join(out)
        return re.sub(r"\n{3,}", "\n\n", result).strip("\n")

    def block(self, token: Any, tokens: list, lines: list[str], nested: bool) -> list[str]:
        """One top-level block: a directive (first, since a gated solution's end is one), then,
        outside a hidden solution, targets and comments (dropped), code, math, headings, HTML
        and paragraphs, lists or quotes (their inline Markdown converted)."""
        kind = token.type
        if kind in ("fence", "colon_fence") and token.info.startswith("{"):
            m = _DIRECTIVE_INFO.match(token.info)
            if not m:
                raise self.error(f"cannot read the directive {token.info!r}")
            options, body = directive_options(token.content.rstrip("\n"))
            directive = directives.Directive(m[1], m[2].strip(), options, body, nested)
            return directives.convert(self, directive)
        if self.hiding_solution or kind in _DROPPED_BLOCKS:
            return []
        if kind in ("fence", "code_block", "colon_fence", "html_block"):
            return lines
        if kind in ("math_block", "amsmath"):
            return [self.math(line) for line in lines]
        if kind == "math_block_label":
            tag = f"\n\\tag{{{self.equation(token.info).number}}}"
            return ["$$", self.math(token.content.strip("\n")) + tag, "$$"]
        if kind == "heading_open":
            return [self.heading(token, tokens[1].content, nested)]
        for inner in tokens[1:]:
            if inner.type in ("fence", "colon_fence") and inner.info.startswith("{"):
                raise self.error(f"the directive {inner.info} inside a list or quote")
            if inner.type in ("myst_target", "heading_open"):
                raise self.error("a target or heading inside a list or quote")
        return self.inline("\n".join(lines)).split("\n")

    def equation(self, label: str) -> Equation:
        """The equation of a label (an error naming it when Sphinx does not know it)."""
        eq = self.index.equations.get(label.lower())
        if eq is None:
            raise self.error(f"equation label {label!r} unknown to Sphinx")
        return eq

    def heading(self, token: Any, title: str, nested: bool) -> str:
        level = int(token.tag[1])
        if nested:
            raise self.error(f"a heading ({title!r}) inside a directive")
        if not self.sections:
            raise self.error(f"heading {title!r}: Sphinx saw fewer sections")
        section = self.sections.pop(0)
        self.level = level
        number = f"{section.number}. " if section.number else ""
        return "#" * level + " " + number + self.inline(title)

    def quote(self, title: str, body: str) -> list[str]:
        lines = [f"**{title}**", ""] if title else []
        lines += self.markdown(body, nested=True).split("\n") if body else []
        return [("> " + line).rstrip() for line in lines]

    def references(self) -> str | None:
        """The twin's closing reference list: every entry cited, by label."""
        if not self.cited:
            return None
        entries = self.index.citations.entries
        items = sorted((entries[k].label, entries[k].text) for k in self.cited)
        return "\n".join(
            ["## References", ""] + [f"- **{label}.** {text}" for label, text in items]
        )
