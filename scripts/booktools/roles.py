"""The notebook form of each MyST role, in one registry.

A role's handler is a function ``(converter, name, body) -> Markdown``, registered by name with
:func:`register`; a name ending in ``:*`` serves every variant (``{cite:p}``, ``{cite:t}``).
:func:`convert` looks it up; a role without a handler is an error naming the chapter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from booktools.index import Label

if TYPE_CHECKING:
    from booktools.convert import Converter

Handler = Callable[["Converter", str, str], str]
ROLES: dict[str, Handler] = {}
_EXPLICIT = re.compile(r"(?s)(?P<text>.*?)\s*<(?P<label>[^<>]+)>")


def register(*names: str) -> Callable[[Handler], Handler]:
    """Register the decorated handler for the roles ``names``."""

    def decorate(handler: Handler) -> Handler:
        for name in names:
            if name in ROLES:
                raise ValueError(f"the role {name!r} has a handler already")
            ROLES[name] = handler
        return handler

    return decorate


def convert(conv: Converter, name: str, body: str) -> str:
    """The Markdown of the role ``{name}`body``` in the twin that ``conv`` writes."""
    handler = ROLES.get(name)
    if handler is None and ":" in name:
        handler = ROLES.get(name.partition(":")[0] + ":*")
    if handler is None:
        raise conv.error(f"the role {{{name}}} has no notebook form")
    return handler(conv, name, body)


def _text_and_label(body: str) -> tuple[str | None, str]:
    """``text <label>`` -> (text, label); ``label`` -> (None, label)."""
    m = _EXPLICIT.fullmatch(body.strip())
    return (m["text"], m["label"]) if m else (None, body.strip())


# -- cross-references: links to the published book, with the book's numbers -------------------
@register("eq")
def _eq(conv: Converter, name: str, body: str) -> str:
    text, label = _text_and_label(body)
    eq = conv.index.equations.get(label.lower())
    if eq is None:
        raise conv.error(f"{{eq}}`{body}`: no such equation label")
    return f"[{text or eq.text}]({conv.page_url(eq.docname, eq.anchor)})"


@register("doc")
def _doc(conv: Converter, name: str, body: str) -> str:
    text, label = _text_and_label(body)
    docname = os.path.normpath(
        (Path(conv.docname).parent / label).as_posix()
        if not label.startswith("/")
        else label.lstrip("/")
    )
    docname = docname.removesuffix(".md").removesuffix(".ipynb")
    if docname not in conv.index.titles:
        raise conv.error(f"{{doc}}`{body}`: no such page")
    return f"[{text or conv.index.titles[docname]}]({conv.page_url(docname)})"


def _target(conv: Converter, name: str, body: str) -> tuple[str | None, Label]:
    text, label = _text_and_label(body)
    target = conv.index.labels.get(label.lower())
    if target is None:
        raise conv.error(f"{{{name}}}`{body}`: no such label")
    return text, target


@register("numref")
def _numref(conv: Converter, name: str, body: str) -> str:
    """ "Fig. 4.1", "Exercise 4.2", "Section 5.3" (or the text given, with its ``%s``,
    ``{number}`` and ``{name}`` filled in)."""
    text, target = _target(conv, name, body)
    formats = conv.index.numfig_format
    section = conv.section_of(target.docname, target.anchor)
    number = section.number if section else None
    title = conv.inline(section.title if section else target.title)
    if target.figtype is not None:
        number, fmt = target.number, formats.get(target.figtype, "%s")
    elif target.exercise is not None:
        number, fmt = target.exercise.split()[-1], formats["exercise"]
    else:
        fmt = formats.get("section", "Section %s")
    if number is None:
        raise conv.error(f"{{numref}}`{body}`: the target has no number")
    text = (text or fmt).replace("%s", number).replace("{number}", number)
    return f"[{text.replace('{name}', title)}]({conv.page_url(target.docname, target.anchor)})"


@register("ref")
def _ref(conv: Converter, name: str, body: str) -> str:
    """The text given, or "Exercise 4.2", "Chapter 4, *Title*", "Section 5.3, *Title*", or the
    target's title."""
    text, target = _target(conv, name, body)
    url = conv.page_url(target.docname, target.anchor)
    section = conv.section_of(target.docname, target.anchor)
    title = conv.inline(section.title if section else target.title)
    if text:
        return f"[{text}]({url})"
    if target.exercise is not None:
        return f"[{target.exercise}]({url})"
    if section is not None and section.number:
        emphasized = f"*{title}*" if "*" not in title else title
        top = section is conv.index.docs[target.docname].sections[0]
        word = "Chapter" if top else "Section"
        return f"[{word} {section.number}, {emphasized}]({url})"
    return f"[{title}]({url})"


@register("cite", "cite:*")
def _cite(conv: Converter, name: str, body: str) -> str:
    """ "(Author, Year)" as sphinxcontrib-bibtex formats it; the key joins the twin's
    reference list."""
    kind = name.partition(":")[2] or "p"
    text = conv.index.citations.texts.get((kind, body))
    if text is None:
        raise conv.error(f"{{cite:{kind}}}`{body}`: not resolved (run sync again)")
    conv.cited.update(k.strip() for k in body.split(","))
    return text


# -- inline formatting ---------------------------------------------------------------------------
@register("math")
def _math(conv: Converter, name: str, body: str) -> str:
    return f"${conv.math(body)}$"


@register("sub", "sup", "kbd")
def _html(conv: Converter, name: str, body: str) -> str:
    return f"<{name}>{body}</{name}>"


@register("abbr")
def _abbr(conv: Converter, name: str, body: str) -> str:
    short, _, full = body.partition("(")
    return f'<abbr title="{full.rstrip(")").strip()}">{short.strip()}</abbr>'


@register("term", "dfn")
def _emphasis(conv: Converter, name: str, body: str) -> str:
    return f"*{body}*"


@register("code", "literal", "samp", "file", "command", "py:func")
def _literal(conv: Converter, name: str, body: str) -> str:
    return f"`{body}`"


@register("download")
def _download(conv: Converter, name: str, body: str) -> str:
    m = _EXPLICIT.fullmatch(body.strip())
    text, href = (m["text"], m["label"]) if m else (Path(body).name, body)
    return f"[{text}]({conv.link_target(href, image=True)})"
