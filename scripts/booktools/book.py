"""The book's sources as the tooling reads them: _config.yml, _toc.yml and the chapters.

Every function takes the repository's root explicitly (a :class:`Book`), so that tests convert a
throwaway book in a temporary directory without touching module state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat
import yaml


class ConversionError(ValueError):
    """A chapter holds something that has no notebook form (yet)."""


def toc_files(root: Path) -> list[str]:
    """Every page of ``root``'s _toc.yml (its root first), as the toc names them (no suffix), in
    book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files: list[str] = [toc["root"]] if "root" in toc else []

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return files


def chapters(root: Path) -> list[Path]:
    """The chapter sources listed in ``root``'s _toc.yml, in book order."""
    return [root / f"{f}.md" for f in toc_files(root) if f.startswith("chapters/")]


def read_chapter(path: Path) -> nbformat.NotebookNode:
    """A MyST chapter as a notebook, read by Jupytext as the book's build reads it."""
    return jupytext.read(path, fmt="md:myst")


@dataclass(frozen=True)
class Book:
    """The book whose sources lie under ``root`` (the repository's root)."""

    root: Path
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def config(self) -> dict:
        """_config.yml, read once per :class:`Book`."""
        if "config" not in self._cache:
            self._cache["config"] = yaml.safe_load((self.root / "_config.yml").read_text())
        return self._cache["config"]

    def repository(self) -> tuple[str, str]:
        """(URL, branch) of the repository, from _config.yml: the one place it is written."""
        repo = self.config()["repository"]
        return repo["url"].rstrip("/"), repo.get("branch", "main")

    def book_url(self) -> str:
        """The published book's address (``html.baseurl`` of _config.yml), ending with '/'."""
        return self.config()["html"]["baseurl"].rstrip("/") + "/"

    def macros(self) -> dict[str, tuple[str, int]]:
        """The MathJax macros of _config.yml: name -> (replacement, number of arguments)."""
        return _macros(self.config())

    def myst_extensions(self) -> frozenset[str]:
        """The MyST extensions the book enables (``parse.myst_enable_extensions``)."""
        return frozenset(self.config().get("parse", {}).get("myst_enable_extensions", []))

    def chapters(self) -> list[Path]:
        """The chapter sources listed in _toc.yml, in book order."""
        return chapters(self.root)

    def shown(self, path: Path) -> str:
        """The path as a reader sees it: relative to the repository when inside it."""
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else path.name


def _macros(config: dict) -> dict[str, tuple[str, int]]:
    tex = config["sphinx"]["config"].get("mathjax3_config", {}).get("tex", {})
    out = {}
    for name, value in tex.get("macros", {}).items():
        if isinstance(value, str):
            out[name] = (value, 0)
        elif len(value) == 2:
            out[name] = (value[0], int(value[1]))
        else:  # [body, n, default of the first argument]: not used by the book
            raise ConversionError(f"macro \\{name}: optional arguments are not supported")
    return out
