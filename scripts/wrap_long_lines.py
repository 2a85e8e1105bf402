"""Wrap the chapters' code-cell lines longer than 99 columns, one line at a time.

    python scripts/wrap_long_lines.py chapters/*.md

(tests/book/test_project.py keeps every code cell within 99 columns, so that no cell scrolls
sideways in the book; the package itself is kept there by ``ruff format``.)

Only the long lines change, so that merges with other edits of the same chapter stay small, and a
cell grows by as few lines as possible (a chapter's cells should stay short):

* a trailing comment that pushes a line over the limit moves to its own line above;
* otherwise the outermost bracket that crosses the limit is opened: its comma-separated items
  are packed onto indented lines, as many per line as fit, and the closing bracket goes on a
  line of its own; an item still too long is wrapped the same way, and a long string literal is
  cut at spaces into adjacent literals (implicit concatenation);
* a line it cannot wrap so (a long string outside brackets) is reformatted with its statement by
  ``ruff format``, the package's formatter, and what is still too long is listed for a manual
  edit.

Why not a formatter for the whole cell: ``ruff format`` (or black) would also rewrite the lines
that are fine, and puts one argument per line, which makes the book's cells long; yapf's
``--lines`` keeps to the given lines but aligns continuation lines on the opening bracket.
"""

import ast
import io
import re
import subprocess
import sys
import textwrap
import tokenize
from collections.abc import Iterator
from pathlib import Path

LIMIT = 99
FENCE = re.compile(r"^```\{code-cell\}[^\n]*\n", re.M)
OPEN, CLOSE = "([{", ")]}"
KEYWORDS = {"and", "or", "if", "else", "not", "in", "is", "for", "lambda", "assert"}
# what may follow the closing bracket on its line: more closing brackets, a method call without
# arguments or with short ones, ":" (a compound statement), ";" (a silenced plot), ","
TAIL = re.compile(r"^[)\]}]+(\.\w+\([^()]{0,20}\))?[)\]}]*[:;,]?$")
STRING = re.compile(r"^([rRbBuUfF]{0,2})(\"\"\"|'''|\"|')(.*)\2$", re.S)


def cells(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) character offsets of each code cell's source (after its metadata)."""
    for m in FENCE.finditer(text):
        start = m.end()
        end = text.index("\n```", start - 1) + 1
        body = text[start:end]
        # metadata: a YAML block between --- lines, or :key: value lines
        if body.startswith("---\n"):
            start += body.index("\n---\n", 3) + 5
        else:
            while text[start:].startswith(":"):
                start = text.index("\n", start) + 1
        yield start, end


def _tokens(code: str) -> list[tokenize.TokenInfo] | None:
    """The tokens of one line of code (its brackets may be unbalanced), or None."""
    tokens = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
                continue
            tokens.append(token)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # an unclosed bracket at the end of a line: the tokens so far are what we need
    return tokens or None


def split_string(literal: str, indent: str, width: int) -> list[str] | None:
    """A string literal cut at spaces (outside an f-string's braces) into adjacent literals."""
    m = STRING.match(literal)
    if m is None or len(m[2]) == 3:
        return None
    prefix, quote, body = m[1], m[2], m[3]
    room = width - len(indent) - len(prefix) - 2 * len(quote) - 1
    pieces, depth, start, last_space = [], 0, 0, None
    for i, ch in enumerate(body):
        if "f" in prefix.lower():
            depth += (ch == "{") - (ch == "}")
        if ch == " " and depth == 0:
            last_space = i
        if i - start >= room and last_space is not None and last_space > start:
            pieces.append(body[start : last_space + 1])
            start, last_space = last_space + 1, None
    if body[start:] or not pieces:
        pieces.append(body[start:])
    if len(pieces) == 1:
        return None
    return [f"{indent}{prefix}{quote}{piece}{quote}" for piece in pieces]


def _items(line: str, tokens: list[tokenize.TokenInfo], first: int, last: int) -> list[str]:
    """The text between tokens ``first`` and ``last`` (exclusive) of ``line`` (the tokens of its
    stripped text, shifted by its indentation), cut after each comma at depth 0, and before each
    ``for``/``if`` of a comprehension when there is no such comma."""
    offset = len(line) - len(line.lstrip())
    commas, clauses, depth = [], [], 0
    for token in tokens[first:last]:
        if token.type == tokenize.OP and token.string in OPEN:
            depth += 1
        elif token.type == tokenize.OP and token.string in CLOSE:
            depth -= 1
        elif depth == 0 and token.type == tokenize.OP and token.string == ",":
            commas.append(token.end[1])
        elif depth == 0 and token.type == tokenize.NAME and token.string in ("for", "if"):
            clauses.append(token.start[1])
    start = tokens[first].start[1] if first < len(tokens) else 0
    end = tokens[last - 1].end[1]
    cuts = (
        clauses
        if any(  # a comprehension: its "for" target's commas are not items
            line[offset + c : offset + c + 4] == "for " for c in clauses
        )
        else commas or clauses
    )
    pieces = [line[offset + i : offset + j] for i, j in zip([start, *cuts], [*cuts, end])]
    return [piece.strip() for piece in pieces if piece.strip()]


def _pack(items: list[str], indent: str) -> list[str]:
    """``items`` on lines of ``indent``, as many per line as fit."""
    out, current = [], ""
    for item in items:
        candidate = f"{current} {item}" if current else indent + item
        if current and len(candidate) > LIMIT:
            out.append(current)
            candidate = indent + item
        current = candidate
    return [*out, current]


def _keyword_outside(tokens: list[tokenize.TokenInfo]) -> bool:
    """Whether an operator keyword stands outside every bracket among ``tokens`` (a statement's
    own keyword at the start, ``for x in`` for instance, does not count)."""
    depth, start = 0, 1 if tokens and tokens[0].string in ("for", "if", "elif", "while") else 0
    for token in tokens[start:]:
        if token.type == tokenize.OP and token.string in OPEN:
            depth += 1
        elif token.type == tokenize.OP and token.string in CLOSE:
            depth -= 1
        elif depth == 0 and token.type == tokenize.NAME and token.string in KEYWORDS:
            return not (start and token.string == "in")
    return False


def _visual(head: str, items: list[str], tail: str) -> list[str] | None:
    """The items after ``head`` (which ends with the opening bracket), continuation lines aligned
    with the bracket's content, ``tail`` after the last item; None if a line would not fit."""
    column = len(head)
    if column > LIMIT // 2:
        return None
    out, current = [], head
    for item in items:
        glue = "" if current == head else " "
        if current != head and len(current) + len(glue) + len(item) > LIMIT:
            out.append(current)
            current, glue = " " * column, ""
        current += glue + item
    current += tail
    out.append(current)
    return out if all(len(line) <= LIMIT for line in out) else None


def _finish(lines: list[str]) -> list[str] | None:
    """``lines`` with each line still too long wrapped in turn, or None."""
    out = []
    for line in lines:
        if len(line) <= LIMIT:
            out.append(line)
            continue
        again = wrap_line(line)
        if again is None:
            return None
        out += again
    return out


def wrap_line(line: str) -> list[str] | None:
    """``line`` as several lines within the limit, or None when it cannot be wrapped here."""
    indent = line[: len(line) - len(line.lstrip())]
    tokens = _tokens(line.strip())
    if tokens is None:
        return None
    offset = len(indent)
    if tokens[-1].type == tokenize.COMMENT and len(tokens) > 1:
        code = line[: offset + tokens[-1].start[1]].rstrip()
        comment = indent + tokens[-1].string
        if len(comment) <= LIMIT:
            return _finish([comment, code])
    if len(tokens) == 1 and tokens[0].type == tokenize.COMMENT:  # a comment line: refill it
        text = tokens[0].string.lstrip("#").strip()
        return textwrap.wrap(
            text, LIMIT, initial_indent=indent + "# ", subsequent_indent=indent + "# "
        )
    if len(tokens) == 1 and tokens[0].type == tokenize.STRING:
        return split_string(tokens[0].string, indent, LIMIT)
    # brackets opened and closed on this line, outermost and leftmost first
    stack, pairs = [], []
    for k, token in enumerate(tokens):
        if token.type == tokenize.OP and token.string in OPEN:
            stack.append(k)
        elif token.type == tokenize.OP and token.string in CLOSE and stack:
            opener = stack.pop()
            pairs.append((len(stack), tokens[opener].start[1], opener, k))
    # a bracket left open at the end of the line (its items go on below): pack this line's items
    # after it and align the rest on it, as the next line already is
    if stack and offset + tokens[stack[0]].end[1] <= LIMIT // 2:
        opener = stack[0]
        if not _keyword_outside(tokens[:opener]):
            head = line[: offset + tokens[opener].end[1]].rstrip()
            visual = _visual(head, _items(line, tokens, opener + 1, len(tokens)), "")
            if visual is not None:
                return visual
    wrapped = _cut_in_a_bracket(line, tokens, pairs)
    if wrapped is not None:
        return wrapped
    # a continuation line inside a bracket opened above: cut it at its own commas
    items = _items(line, tokens, 0, len(tokens))
    if len(items) > 1 and not line.lstrip().startswith(tuple(CLOSE)):
        return _finish(_pack(items, indent))
    return None


def _cut_in_a_bracket(
    line: str, tokens: list[tokenize.TokenInfo], pairs: list[tuple]
) -> list[str] | None:
    """``line`` cut inside the first bracket of ``pairs`` (opened and closed on the line,
    outermost and leftmost first) where a cut reads well, or None."""
    indent = line[: len(line) - len(line.lstrip())]
    offset = len(indent)
    for _, _, opener, closer in sorted(pairs):
        if closer == opener + 1 or offset + tokens[opener].end[1] > LIMIT:
            continue  # empty, or opened beyond the limit
        before = tokens[opener - 1] if opener else None
        if (
            tokens[opener].string == "["
            and before is not None
            and (before.type == tokenize.NAME or before.string in ")]")
        ):
            continue  # a subscript, not a list
        head = line[: offset + tokens[opener].end[1]].rstrip()
        tail = indent + line[offset + tokens[closer].start[1] :].strip()
        if not TAIL.match(tail.strip()):
            continue  # the bracket closes early in the line: cutting there reads badly
        if _keyword_outside(tokens[:opener]):
            continue  # "a and f(...)", "x if f(...) else y": ruff's parentheses read better
        items = _items(line, tokens, opener + 1, closer)
        visual = _visual(head, items, tail.strip())
        if visual is not None:
            return visual
        wrapped = _finish([head, *_pack(items, indent + "    "), tail])
        if wrapped is not None:
            return wrapped
    return None


def _statement_with_ruff(lines: list[str], lineno: int) -> list[str] | None:
    """The lines of the cell with the simple statement holding line ``lineno`` (from 1)
    reformatted by ruff, or None."""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    holders = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt)
        and not hasattr(node, "body")
        and node.lineno <= lineno <= node.end_lineno
    ]
    if not holders:
        return None
    node = max(holders, key=lambda n: n.lineno)
    chunk = lines[node.lineno - 1 : node.end_lineno]
    indent = len(chunk[0]) - len(chunk[0].lstrip())
    if node.col_offset != indent:
        return None
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--line-length", str(LIMIT)]
        + ["--stdin-filename", "cell.py", "-"],
        input=textwrap.dedent("\n".join(chunk)) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.rstrip("\n")
    new = [(" " * indent + line) if line else line for line in formatted.split("\n")]
    return lines[: node.lineno - 1] + new + lines[node.end_lineno :]


def _tree(lines: list[str]) -> str | None:
    """The cell's syntax tree, dumped (None if it does not parse; IPython's magics are left out):
    a wrap must leave it unchanged."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
    try:
        return ast.dump(ast.parse(code))
    except SyntaxError:
        return None


def fix_cell(code: str) -> tuple[str, list[str]]:
    """The cell's code with its long lines wrapped, and the lines left too long."""
    lines = code.split("\n")
    tree = _tree(lines)
    if tree is None:  # IPython magics or a syntax error: leave the cell to a manual edit
        return code, [line for line in lines if len(line) > LIMIT]
    i = 0
    while i < len(lines):
        if len(lines[i]) > LIMIT:
            wrapped = wrap_line(lines[i])  # lines within the limit, or None
            candidate = lines[:i] + wrapped + lines[i + 1 :] if wrapped else None
            if candidate is not None and _tree(candidate) == tree:
                lines = candidate
                i += len(wrapped)
                continue
            candidate = _statement_with_ruff(lines, i + 1)
            if candidate is not None and _tree(candidate) == tree:
                # ruff's lines replace the statement's; go on after them (no second pass)
                grown = len(candidate) - len(lines)
                lines = candidate
                i += grown
        i += 1
    return "\n".join(lines), [line for line in lines if len(line) > LIMIT]


def main(paths: list[str]) -> int:
    left = 0
    for path in map(Path, paths):
        text = path.read_text()
        pieces, pos, manual = [], 0, []
        for start, end in cells(text):
            code = text[start:end]
            if any(len(line) > LIMIT for line in code.split("\n")):
                fixed, todo = fix_cell(code)
                pieces += [text[pos:start], fixed]
                pos = end
                manual += todo
        pieces.append(text[pos:])
        new = "".join(pieces)
        if new != text:
            path.write_text(new)
        for line in manual:
            print(f"{path}: {len(line)} columns: {line.strip()[:90]}")
        left += len(manual)
    print(f"{left} line(s) left for a manual edit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
