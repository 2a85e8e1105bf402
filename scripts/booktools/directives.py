"""The notebook form of each MyST directive, in one registry.

A directive's handler is a function ``(converter, directive) -> lines of Markdown``, registered
by name with :func:`register`; :func:`convert` looks it up. A directive without a handler is an
error naming the chapter, so that new content never reaches a twin as raw MyST.

The one rule of order: in the student set, a gated solution (``solution-start`` ...
``solution-end``) leaves out every directive inside it, known or not, except those registered
with ``inside_hidden_solution=True`` (``solution-end``, which ends it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from booktools.include import literalinclude

if TYPE_CHECKING:
    from booktools.convert import Converter


@dataclass(frozen=True)
class Directive:
    """A directive as the chapter writes it: ``{name} argument``, options and body; ``nested``
    when it lies in another directive's body."""

    name: str
    argument: str
    options: dict[str, str]
    body: str
    nested: bool


Handler = Callable[["Converter", Directive], list[str]]


@dataclass(frozen=True)
class _Entry:
    handler: Handler
    inside_hidden_solution: bool


DIRECTIVES: dict[str, _Entry] = {}


def register(*names: str, inside_hidden_solution: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated handler for the directives ``names``."""

    def decorate(handler: Handler) -> Handler:
        for name in names:
            if name in DIRECTIVES:
                raise ValueError(f"the directive {name!r} has a handler already")
            DIRECTIVES[name] = _Entry(handler, inside_hidden_solution)
        return handler

    return decorate


def convert(conv: Converter, directive: Directive) -> list[str]:
    """The Markdown lines of ``directive`` in the twin that ``conv`` writes."""
    entry = DIRECTIVES.get(directive.name)
    if conv.hiding_solution and not (entry and entry.inside_hidden_solution):
        return []
    if entry is None:
        raise conv.error(f"the directive {{{directive.name}}} has no notebook form")
    return entry.handler(conv, directive)


def _body(conv: Converter, d: Directive) -> list[str]:
    return conv.markdown(d.body, nested=True).split("\n") if d.body else []


# -- the book's own directives ------------------------------------------------------------------
@register("colab-badge", "bibliography", "tableofcontents", "toctree", "contents")
def _dropped(conv: Converter, d: Directive) -> list[str]:
    """Navigation and the Colab badge: nothing in a notebook."""
    return []


@register("literalinclude")
def _literalinclude(conv: Converter, d: Directive) -> list[str]:
    """The code shown, as a Markdown code block (not a code cell)."""
    return literalinclude(conv.book, d.argument, d.options, conv.path).split("\n")


# -- exercises and solutions (sphinx-exercise) -------------------------------------------------
@register("exercise", "exercise-start")
def _exercise(conv: Converter, d: Directive) -> list[str]:
    """A heading one level below the section's, numbered as the book numbers the exercise."""
    if not conv.exercises:
        raise conv.error("Sphinx saw fewer exercises")
    name = conv.exercises.pop(0).name
    title = f"{name} ({conv.inline(d.argument)})" if d.argument else name
    return ["#" * min(conv.level + 1, 6) + " " + title, ""] + _body(conv, d)


@register("exercise-end")
def _exercise_end(conv: Converter, d: Directive) -> list[str]:
    return []


def _solution_title(conv: Converter, argument: str) -> str:
    target = conv.index.labels.get(argument.strip().lower())
    if target is None or target.exercise is None:
        raise conv.error(f"solution of {argument!r}: no such exercise label")
    return f"Solution to {target.exercise}"


@register("solution")
def _solution(conv: Converter, d: Directive) -> list[str]:
    """Instructor set: collapsed in a ``<details>`` block; student set: left out."""
    if conv.student:
        return []
    summary = f"<summary><b>{_solution_title(conv, d.argument)}</b></summary>"
    return [
        "<details>",
        summary,
        "",
        *conv.markdown(d.body, nested=True).split("\n"),
        "",
        "</details>",
        # a blank line ends the HTML block: without it, a heading that follows would be read as
        # part of the block and shown as raw text ("## 4.10. Exercises")
        "",
    ]


@register("solution-start")
def _solution_start(conv: Converter, d: Directive) -> list[str]:
    """A gated solution, whose code cells run: under a heading in the instructor set (a
    ``<details>`` block cannot span cells); left out, code cells included, in the student set."""
    conv.in_solution = True
    if conv.student:
        return []
    title = _solution_title(conv, d.argument)
    return ["#" * min(conv.level + 2, 6) + " " + title, ""] + _body(conv, d)


@register("solution-end", inside_hidden_solution=True)
def _solution_end(conv: Converter, d: Directive) -> list[str]:
    if not conv.in_solution:
        raise conv.error("solution-end without solution-start")
    conv.in_solution = False
    return []


# -- admonitions and quotes: a quoted block, its title in bold --------------------------------
ADMONITIONS = {
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


@register("admonition")
def _admonition(conv: Converter, d: Directive) -> list[str]:
    return conv.quote(conv.inline(d.argument), d.body)


@register(*ADMONITIONS, "dropdown", "margin", "sidebar", "topic")
def _titled(conv: Converter, d: Directive) -> list[str]:
    title = conv.inline(d.argument) if d.argument else ADMONITIONS.get(d.name, "")
    return conv.quote(title, d.body)


@register("epigraph", "pull-quote", "highlights", "blockquote")
def _untitled(conv: Converter, d: Directive) -> list[str]:
    return conv.quote("", d.body)


# -- math, code, figures, tables ---------------------------------------------------------------
@register("math")
def _math(conv: Converter, d: Directive) -> list[str]:
    """Display math, macros expanded, tagged with the book's number when labelled."""
    tex = conv.math(d.body)
    label = d.options.get("label")
    if label:
        tex += f"\n\\tag{{{conv.equation(label).number}}}"
    return ["$$", tex, "$$"]


@register("code-block", "code", "sourcecode")
def _code(conv: Converter, d: Directive) -> list[str]:
    return [f"```{d.argument}", d.body, "```"]


@register("figure", "image")
def _figure(conv: Converter, d: Directive) -> list[str]:
    """The image from the repository's raw files; a figure's caption quoted below it."""
    lines = [f"![{d.options.get('alt', '')}]({conv.link_target(d.argument, image=True)})"]
    if d.name == "figure" and d.body:
        lines += ["", *conv.quote("", d.body)]
    return lines


@register("table")
def _table(conv: Converter, d: Directive) -> list[str]:
    title = [f"**{conv.inline(d.argument)}**", ""] if d.argument else []
    return title + conv.markdown(d.body, nested=True).split("\n")


@register("raw")
def _raw(conv: Converter, d: Directive) -> list[str]:
    """Raw HTML, which notebook front ends render; any other format has no notebook form."""
    if d.argument != "html":
        raise conv.error("the directive {raw} has no notebook form")
    return d.body.split("\n")


@register("only")
def _only(conv: Converter, d: Directive) -> list[str]:
    return conv.markdown(d.body, nested=True).split("\n")
