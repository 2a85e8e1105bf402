"""Chapter notebooks: the Colab twins in notebooks/ and the notebooks nbval executes.

Usage (from the repository root):

    python scripts/notebooks.py sync          # write notebooks/NAME.ipynb for every chapter
    python scripts/notebooks.py check         # exit 1 if a twin is missing or stale
    python scripts/notebooks.py nbval DIR     # write the chapters as .ipynb into DIR for nbval

The chapters (``chapters/*.md`` listed in ``_toc.yml``) are the single source. A Colab twin is
the chapter converted by Jupytext, without outputs, with

* a first cell that installs gencourse from the repository (``repository.url`` of
  ``_config.yml``) when it is not importable, and prints the device in use;
* the ``colab-badge`` directive removed (the reader is already on Colab);
* every ``literalinclude`` of gencourse replaced by the code it shows, so that the notebook
  reads the same as the book without Sphinx.

For nbval, a code cell whose metadata holds ``expected_output`` (a string) gets that text as its
stored output: nbval then compares it with the new output in cells marked ``# NBVAL_CHECK_OUTPUT``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TWINS = ROOT / "notebooks"

_LITERALINCLUDE = re.compile(
    r"```\{literalinclude\}\s+(?P<path>\S+)\n(?P<options>(?::[^\n]*\n)*)```"
)
_COLAB_BADGE = re.compile(r"```\{colab-badge\}\s*\n```\n?")


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository() -> tuple[str, str]:
    """(URL, branch) of the repository, from _config.yml: the one place it is written."""
    repo = config()["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def chapters() -> list[Path]:
    """The chapter sources listed in _toc.yml, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files: list[str] = []

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [ROOT / f"{f}.md" for f in files if f.startswith("chapters/")]


def _pyobject_source(path: Path, dotted: str) -> str:
    """Source of a (possibly nested, dotted) class or function in a Python file."""
    text = path.read_text()
    body = ast.parse(text).body
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
            raise ValueError(f"{path}: no object {dotted!r} to include")
        body = node.body
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = text.splitlines()[first - 1 : node.end_lineno]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def _shown(path: Path) -> str:
    """The path as a reader of the twin sees it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _inline_literalincludes(markdown: str, source: Path) -> str:
    def replace(match: re.Match) -> str:
        path = (source.parent / match["path"]).resolve()
        options = dict(
            line[1:].split(":", 1)
            for line in match["options"].splitlines()
            if line.startswith(":")
        )
        # option values are YAML scalars in MyST: a quoted value (needed when it holds ": ")
        # loses its quotes
        options = {k.strip(): v.strip() for k, v in options.items()}
        options = {
            k: v[1:-1] if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'" else v
            for k, v in options.items()
        }
        if "pyobject" in options:
            code = _pyobject_source(path, options["pyobject"])
            where = f"{_shown(path)}, {options['pyobject']}"
        else:
            code, where = path.read_text().rstrip("\n"), _shown(path)
        if (
            "start-at" in options or "end-before" in options
        ):  # Sphinx: first line containing the text
            lines = code.splitlines()
            first = next(i for i, line in enumerate(lines) if options.get("start-at", "") in line)
            last = (
                next(
                    (
                        i
                        for i, line in enumerate(lines[first + 1 :], first + 1)
                        if options["end-before"] in line
                    ),
                    len(lines),
                )
                if "end-before" in options
                else len(lines)
            )
            code = "\n".join(lines[first:last]).rstrip("\n")
        return f"```python\n# from {where}\n{code}\n```"

    return _LITERALINCLUDE.sub(replace, markdown)


def setup_cell() -> nbformat.NotebookNode:
    url, branch = repository()
    code = f"""# Set-up for Colab: install gencourse from the repository if it is not importable yet.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("gencourse") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "gencourse @ git+{url}@{branch}"])

import gencourse

print("gencourse", gencourse.__version__, "on", gencourse.device(), "with the", gencourse.budget(), "budget")"""  # noqa: E501 (the twin's own lines)
    return nbformat.v4.new_code_cell(code)


def read_chapter(path: Path) -> nbformat.NotebookNode:
    return jupytext.read(path, fmt="md:myst")


def twin(path: Path) -> nbformat.NotebookNode:
    """The Colab notebook of the chapter ``path`` (no outputs)."""
    nb = read_chapter(path)
    cells = []
    for cell in nb.cells:
        cell = copy.deepcopy(cell)
        if cell.cell_type == "markdown":
            cell.source = _inline_literalincludes(_COLAB_BADGE.sub("", cell.source), path)
            if not cell.source.strip():
                continue
        else:
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("expected_output", None)
        cell.pop("id", None)
        cells.append(cell)
    out = nbformat.v4.new_notebook()
    out.cells = [setup_cell()] + cells
    out.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "colab": {"provenance": [], "gpuType": "T4"},
        "source": f"generated from {path.relative_to(ROOT)} by scripts/notebooks.py; "
        "edit the chapter, not this file",
    }
    _number_ids(out, path.stem)
    return out


def _number_ids(nb: nbformat.NotebookNode, stem: str) -> None:
    """Deterministic cell ids, so that regenerating an unchanged chapter changes nothing."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem[:40]}-{i}"


def nbval_notebook(path: Path) -> nbformat.NotebookNode:
    """The chapter as a notebook for nbval, with the expected outputs of checked cells stored."""
    nb = read_chapter(path)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        expected = cell.metadata.pop("expected_output", None)
        cell.outputs = []
        if expected is not None:
            if "NBVAL_CHECK_OUTPUT" not in cell.source:
                raise ValueError(
                    f"{path}: a cell has expected_output but no '# NBVAL_CHECK_OUTPUT' marker"
                )
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=expected)]
            cell.execution_count = 1  # nbval rejects stored outputs of a cell marked as never run
    _number_ids(nb, path.stem)
    return nb


def dump(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="write the Colab twins into notebooks/")
    sub.add_parser("check", help="fail if a Colab twin is missing or stale")
    p_nbval = sub.add_parser("nbval", help="write the chapters as notebooks for nbval")
    p_nbval.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)

    if args.command == "nbval":
        args.outdir.mkdir(parents=True, exist_ok=True)
        for path in chapters():
            (args.outdir / f"{path.stem}.ipynb").write_text(dump(nbval_notebook(path)))
            print(args.outdir / f"{path.stem}.ipynb")
        return 0

    expected = {TWINS / f"{path.stem}.ipynb": dump(twin(path)) for path in chapters()}
    if args.command == "sync":
        TWINS.mkdir(exist_ok=True)
        for target, text in expected.items():
            if not target.exists() or target.read_text() != text:
                target.write_text(text)
                print(f"wrote {target.relative_to(ROOT)}")
        for extra in set(TWINS.glob("*.ipynb")) - set(expected):
            extra.unlink()
            print(f"removed {extra.relative_to(ROOT)} (no such chapter)")
        return 0

    stale = [t for t, text in expected.items() if not t.exists() or t.read_text() != text]
    stale += sorted(set(TWINS.glob("*.ipynb")) - set(expected))
    for target in stale:
        print(f"stale Colab notebook: {target.relative_to(ROOT)}", file=sys.stderr)
    if stale:
        print("run: python scripts/notebooks.py sync", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
