"""The MyST syntax the converter reads: the book's own parser and a directive's options."""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml


@functools.cache
def parser(extensions: frozenset[str]) -> Any:
    """The MyST parser the book uses (markdown-it with myst-parser's plugins), with the MyST
    ``extensions`` the book enables."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)


def directive_options(block: str) -> tuple[dict[str, str], str]:
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
