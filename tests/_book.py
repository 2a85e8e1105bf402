"""What the tests of the project's files and of the built books share: the repository root, the
book as the tooling reads it (scripts/booktools, importable through pyproject.toml's pytest
``pythonpath``), the chapters of _toc.yml, and the rule for a missing build (a skip, or a failure
with GENCOURSE_REQUIRE_HTML=1)."""

import os
import re
from pathlib import Path

import pytest
from booktools.book import Book

ROOT = Path(__file__).resolve().parents[1]
BOOK = Book(ROOT)
CHAPTERS = BOOK.chapters()


def require_build(html: Path, what: str, command: str) -> None:
    """Skip the calling test module when ``html/index.html`` is missing (fail instead when
    GENCOURSE_REQUIRE_HTML=1); ``what`` names the build, ``command`` says how to make it."""
    if (html / "index.html").exists():
        return
    if os.environ.get("GENCOURSE_REQUIRE_HTML") == "1":
        raise RuntimeError(f"no {what} at {html}: run {command} first")
    pytest.skip(f"no {what} at {html} (scripts/test.sh builds it)", allow_module_level=True)


def solution_fragments(source: str, per_solution: int = 3) -> list[str]:
    """Pieces of plain prose (>= 30 characters of letters, digits, spaces and ,.;:) from the
    solutions of a MyST chapter, plain ones (``{solution}``) and gated ones (``solution-start`` ...
    ``solution-end``, text and code), each found nowhere else in the chapter: finding one in a
    page or a notebook means a solution reached it. Whitespace is normalised to single spaces."""
    solutions = re.findall(r"(`{3,})\{solution\}[^\n]*\n(.*?)\n\1", source, re.DOTALL)
    bodies = [body for _, body in solutions]
    bodies += re.findall(
        r"```\{solution-start\}.*?```\n(.*?)```\{solution-end\}", source, re.DOTALL
    )
    rest = source
    for body in bodies:
        rest = rest.replace(body, "")
    rest = " ".join(rest.split())
    fragments = []
    for body in bodies:
        body = re.sub(r"(?m)^:[\w-]+:.*$", "", body)  # directive options
        body = " ".join(body.split())
        body = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\{[^}]*\}|\([^)]*\)=", "|", body)
        runs = [r.strip(" ,.;:") for r in re.findall(r"[A-Za-z0-9 ,.;:]{30,}", body)]
        runs = [r for r in runs if len(r) >= 30 and r not in rest]
        fragments += runs[:per_solution]
    return fragments
