"""Math: the MathJax macros of _config.yml, expanded as MathJax expands them, so that a twin's
math renders in front ends (KaTeX among them) that carry no macro from one cell to the next."""

from __future__ import annotations

import re

from booktools.book import ConversionError

_TEX_TOKEN = re.compile(r"\\\\|\\([A-Za-z]+)|\\.", re.DOTALL)
_CONTROL = re.compile(r"\\[A-Za-z]+|\\.")


def tex_argument(tex: str, pos: int) -> tuple[str, int]:
    """The TeX argument starting at ``pos`` (spaces skipped): a braced group (without its
    braces), a control sequence or one character. Returns (argument, end position)."""
    while pos < len(tex) and tex[pos] in " \t\n":
        pos += 1
    if pos >= len(tex):
        raise ConversionError(f"a macro lacks its argument in ${tex}$")
    if tex[pos] == "{":
        depth = 0
        for end in range(pos, len(tex)):
            if tex[end] == "\\":
                continue
            if tex[end] == "{" and (end == 0 or tex[end - 1] != "\\"):
                depth += 1
            elif tex[end] == "}" and tex[end - 1] != "\\":
                depth -= 1
                if depth == 0:
                    return tex[pos + 1 : end], end + 1
        raise ConversionError(f"unbalanced braces in ${tex}$")
    m = _CONTROL.match(tex, pos)
    if m:
        return m.group(0), m.end()
    return tex[pos], pos + 1


def expand_macros(tex: str, table: dict[str, tuple[str, int]]) -> str:
    """``tex`` with every macro of ``table`` (name -> (definition, number of arguments), as
    :meth:`booktools.book.Book.macros` reads them) replaced by its definition, arguments
    substituted for ``#1``..., as MathJax expands them."""
    for _ in range(20):  # macros may use macros
        out, pos, changed = [], 0, False
        for m in _TEX_TOKEN.finditer(tex):
            if m.start() < pos or m.group(1) not in table:
                continue
            body, nargs = table[m.group(1)]
            end = m.end()
            for i in range(1, nargs + 1):
                arg, end = tex_argument(tex, end)
                body = body.replace(f"#{i}", arg)
            before = tex[pos : m.start()]
            if body[:1].isalpha() and re.search(r"\\[A-Za-z]+$", "".join(out[-1:]) + before):
                body = " " + body  # \nabla\Gtheta -> \nabla G_{\theta}, not \nablaG_{\theta}
            if re.search(r"\\[A-Za-z]+$", body) and end < len(tex) and tex[end].isalpha():
                body += " "
            out.append(before + body)
            pos, changed = end, True
        out.append(tex[pos:])
        tex = "".join(out)
        if not changed:
            return tex
    raise ConversionError(f"macro expansion does not terminate in ${tex}$")
