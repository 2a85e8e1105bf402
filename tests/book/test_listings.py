"""The chapters' listings show the mathematics (issue 27).

Every ``literalinclude`` of ``chapters/*.md`` names a Python object with ``:pyobject:`` (a
function, a class or ``Class.method``), never a text marker (``:start-at:``, ``:end-before:``,
``:lines:``, ...), which can match twice or drift when the module is reordered. The object shown
is the algorithm alone: no ``raise``, no call of an argument check (``check_*`` or ``_check*``)
and no decorator anywhere in it. The pattern: the public function checks its arguments and calls
a private one, which the book shows (``Bijector.forward`` and ``_forward``). A whole file may be
shown without ``:pyobject:`` only when it defines no function or class (a table of settings,
``gan/_toy_settings.py``): nothing in it can drift out of the listing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import NamedTuple

import pytest
from booktools.include import find_pyobject as find_object

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
TEXT_MARKERS = frozenset({"start-at", "start-after", "end-before", "end-at", "lines"})
DIRECTIVE = re.compile(
    r"^(`{3,}|~{3,})\{literalinclude\}[ \t]+(\S+)[ \t]*\n((?:[ \t]*:.*\n)*)", re.M
)
OPTION = re.compile(r"^[ \t]*:([\w-]+):[ \t]*(.*?)[ \t]*$")


class Listing(NamedTuple):
    chapter: Path
    line: int
    target: Path
    options: dict[str, str]

    @property
    def name(self) -> str:
        shown = self.options.get("pyobject", "<whole file>")
        return f"{self.chapter.stem}:{self.line}:{self.target.name}:{shown}"


def parse_listings(text: str, chapter: Path) -> list[Listing]:
    """Every ``literalinclude`` of a MyST chapter: its line, the included file and its options."""
    listings = []
    for match in DIRECTIVE.finditer(text):
        options = {}
        for line in match.group(3).splitlines():
            option = OPTION.match(line)
            if option:
                options[option.group(1)] = option.group(2).strip("\"'")
        line = text.count("\n", 0, match.start()) + 1
        target = (chapter.parent / match.group(2)).resolve()
        listings.append(Listing(chapter, line, target, options))
    return listings


LISTINGS = [item for path in CHAPTERS for item in parse_listings(path.read_text(), path)]


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def plumbing(node: ast.AST) -> list[str]:
    """What a listing of ``node`` must not show: ``raise`` statements, calls of ``check_*`` or
    ``_check*`` helpers and decorators, each with its line in the module."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Raise):
            found.append(f"line {sub.lineno}: raise")
        elif isinstance(sub, ast.Call) and _called_name(sub).startswith(("check_", "_check")):
            found.append(f"line {sub.lineno}: calls {_called_name(sub)}")
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found += [f"line {d.lineno}: decorator on {sub.name}" for d in sub.decorator_list]
    return found


def test_the_parser_reads_every_literalinclude():
    # the regular expression must not skip a directive: count them by plain text, too
    written = sum(path.read_text().count("{literalinclude}") for path in CHAPTERS)
    assert LISTINGS and written == len(LISTINGS)


def test_the_checks_find_planted_plumbing():
    # the test itself can fail: each kind of plumbing, planted in a tiny module, is reported
    source = """
import functools


def clean(x):
    return x + 1


@functools.cache
def decorated(x):
    return x


def raising(x):
    if x < 0:
        raise ValueError("x")
    return x


class Model:
    def forward(self, x):
        x = check_positive_int(x, "x")
        return x

    def inverse(self, x):
        return _check_points(x)
"""
    tree = ast.parse(source)
    assert plumbing(find_object(tree, "clean")) == []
    assert plumbing(find_object(tree, "decorated")) == ["line 9: decorator on decorated"]
    assert plumbing(find_object(tree, "raising")) == ["line 16: raise"]
    assert plumbing(find_object(tree, "Model.forward")) == ["line 22: calls check_positive_int"]
    assert plumbing(find_object(tree, "Model")) == [
        "line 22: calls check_positive_int",
        "line 26: calls _check_points",
    ]
    assert find_object(tree, "Model.missing") is None
    text = '```{literalinclude} ../gencourse/x.py\n:pyobject: f\n:start-at: "a = 1"\n```\n'
    (listing,) = parse_listings(text, ROOT / "chapters" / "00_test.md")
    assert listing.options == {"pyobject": "f", "start-at": "a = 1"}
    assert listing.target == ROOT / "gencourse" / "x.py"


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda item: item.name)
def test_listing_shows_only_the_mathematics(listing: Listing):
    where = f"{listing.chapter.name}, line {listing.line}"
    markers = sorted(TEXT_MARKERS & set(listing.options))
    assert not markers, (
        f"{where}: the listing of {listing.target.name} uses the text marker(s) {markers}; "
        "name a function with :pyobject: instead (a marker can match twice, and drifts when the "
        "module changes)"
    )
    assert listing.target.is_file(), f"{where}: {listing.target} does not exist"
    if listing.target.suffix != ".py":
        return
    dotted = listing.options.get("pyobject")
    tree = ast.parse(listing.target.read_text())
    if dotted is None:  # a whole file: only a file of settings, with no code that could drift
        definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        assert not any(isinstance(n, definitions) for n in ast.walk(tree)), (
            f"{where}: a listing of Python code names its object with :pyobject:"
        )
    node = tree if dotted is None else find_object(tree, dotted)
    assert node is not None, f"{where}: {listing.target.name} has no object {dotted}"
    found = plumbing(node)
    assert not found, (
        f"{where}: {dotted} in {listing.target.name} shows argument checks or decorators "
        f"({'; '.join(found)}): let the public function check and call a private one the book "
        "shows"
    )
