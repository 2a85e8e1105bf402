"""The command line of scripts/notebooks.py: sync, check and nbval."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from booktools.book import Book
from booktools.twins import all_twins, dump, nbval_notebook

USAGE = """\
Chapter notebooks: the Colab twins (instructor and student sets) and the notebooks CI executes.

    python scripts/notebooks.py sync          # write both sets of twins for every chapter
    python scripts/notebooks.py check         # exit 1 if a twin of either set is missing or stale
    python scripts/notebooks.py nbval DIR     # write the instructor twins, with the expected
                                              # outputs of '# NBVAL_CHECK_OUTPUT' cells, into DIR

What the twins hold, and where a new directive or role goes: scripts/booktools/__init__.py.
"""


def main(argv: list[str] | None, root: Path) -> int:
    """Run the command line ``argv`` on the book under ``root``; the exit status."""
    parser = argparse.ArgumentParser(
        description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="write both sets of Colab twins")
    sub.add_parser("check", help="fail if a Colab twin of either set is missing or stale")
    p_nbval = sub.add_parser("nbval", help="write the instructor twins for nbval into OUTDIR")
    p_nbval.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)
    book = Book(root)
    if args.command == "nbval":
        return _nbval(book, args.outdir)
    if args.command == "sync":
        return _sync(book)
    return _check(book)


def _existing(book: Book) -> set[Path]:
    twins = book.root / "notebooks"
    return set(twins.glob("*.ipynb")) | set((twins / "student").glob("*.ipynb"))


def _nbval(book: Book, outdir: Path) -> int:
    outdir.mkdir(parents=True, exist_ok=True)
    for path in book.chapters():
        target = outdir / f"{path.stem}.ipynb"
        target.write_text(dump(nbval_notebook(book, path)))
        print(target)
    return 0


def _sync(book: Book) -> int:
    expected = all_twins(book)
    existing = _existing(book)
    (book.root / "notebooks" / "student").mkdir(parents=True, exist_ok=True)
    for target, text in expected.items():
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            print(f"wrote {target.relative_to(book.root)}")
    for extra in sorted(existing - set(expected)):
        extra.unlink()
        print(f"removed {extra.relative_to(book.root)} (no such chapter)")
    return 0


def _check(book: Book) -> int:
    expected = all_twins(book)
    stale = [t for t, text in expected.items() if not t.exists() or t.read_text() != text]
    stale += sorted(_existing(book) - set(expected))
    for target in stale:
        print(f"stale Colab notebook: {target.relative_to(book.root)}", file=sys.stderr)
    if stale:
        print("run: python scripts/notebooks.py sync", file=sys.stderr)
    return 1 if stale else 0
