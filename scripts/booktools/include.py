"""``literalinclude``: the code a reader sees in the book, inlined as a Markdown code block (not
a code cell: a student would otherwise run a copy of the library's private code)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from booktools.book import Book
from booktools.myst import directive_options

_LITERALINCLUDE = re.compile(
    r"```\{literalinclude\}\s+(?P<path>\S+)\n(?P<options>(?::[^\n]*\n)*)```"
)


def find_pyobject(tree: ast.Module, dotted: str) -> ast.AST | None:
    """The definition named ``dotted`` (``f``, ``Class`` or ``Class.method``) in a parsed module,
    as Sphinx's ``:pyobject:`` finds it, or None (tests/book/test_listings.py reads the listings
    with it too)."""
    body: list[ast.stmt] = tree.body
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
            return None
        body = node.body
    return node


def pyobject_source(path: Path, dotted: str) -> str:
    """Source of a (possibly nested, dotted) class or function in a Python file."""
    text = path.read_text()
    node = find_pyobject(ast.parse(text), dotted)
    if node is None:
        raise ValueError(f"{path}: no object {dotted!r} to include")
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = text.splitlines()[first - 1 : node.end_lineno]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def _between_markers(code: str, options: dict[str, str]) -> str:
    """The lines from the first containing ``start-at`` to the first after it containing
    ``end-before`` (excluded), as Sphinx's literalinclude selects them."""
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
    return "\n".join(lines[first:last]).rstrip("\n")


def literalinclude(book: Book, argument: str, options: dict[str, str], source: Path) -> str:
    """The Markdown code block a ``literalinclude`` of the chapter ``source`` shows, headed by a
    comment naming the file (and object) it comes from."""
    path = (source.parent / argument).resolve()
    if "pyobject" in options:
        code = pyobject_source(path, options["pyobject"])
        where = f"{book.shown(path)}, {options['pyobject']}"
    else:
        code, where = path.read_text().rstrip("\n"), book.shown(path)
    if "start-at" in options or "end-before" in options:
        code = _between_markers(code, options)
    language = options.get("language", "python" if path.suffix == ".py" else "")
    comment = "# " if language == "python" else ""
    header = f"{comment}from {where}\n" if comment else ""
    return f"```{language}\n{header}{code}\n```"


def inline_literalincludes(book: Book, markdown: str, source: Path) -> str:
    """Every ``literalinclude`` fence of ``markdown`` replaced by the code it shows."""

    def replace(match: re.Match) -> str:
        options = directive_options(match["options"])[0]
        return literalinclude(book, match["path"], options, source)

    return _LITERALINCLUDE.sub(replace, markdown)
