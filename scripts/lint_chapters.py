"""Lint the code the chapters run with ruff (scripts/test.sh, step 1).

    python scripts/lint_chapters.py     # exit 1, with each finding at its line, if ruff objects

Every code cell of every chapter of _toc.yml, hidden assertions included, checked with the
project's ruff settings (see scripts/booktools/lint.py); pyproject.toml's per-file rules for
``chapters/**`` say what a chapter may do that the package may not, and why.
"""

import sys
from pathlib import Path

from booktools.book import Book
from booktools.lint import lint

if __name__ == "__main__":
    findings = lint(Book(Path(__file__).resolve().parents[1]))
    print("\n".join(findings) if findings else "the chapters' code: all checks passed")
    sys.exit(1 if findings else 0)
