"""Checks of the project's own files: dependencies, chapters, CI command (the Colab twins:
tests/book/test_twins.py)."""

import ast
import re

import jupytext
import pytest
import tomllib
import yaml
from _book import CHAPTERS, ROOT
from booktools import twins


def _normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower().replace("_", "-")


def test_environment_yml_lists_the_dependencies_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    expected = set(project["dependencies"])
    for extra in ("book", "test"):
        expected |= set(project["optional-dependencies"][extra])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {r for r in pip if not r.startswith("-e")}
    assert {_normalise(r) for r in listed} == {_normalise(r) for r in expected}
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert tuple(int(v) for v in python.split("=")[1].split(".")) >= (3, 10)


def test_torch_is_not_pinned_by_the_package():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    torch_dep = next(d for d in deps if d.startswith("torch"))
    assert torch_dep == "torch>=2.2", "Colab's preinstalled torch must satisfy the package"


def test_toc_is_a_numbered_book_with_every_chapter_present():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert toc["format"] == "jb-book"
    assert any(part.get("numbered") for part in toc["parts"])
    assert CHAPTERS, "the toc lists no chapter"
    for path in CHAPTERS:
        assert path.exists(), path


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_conventions(path):
    text = path.read_text()
    nb = jupytext.read(path, fmt="md:myst")
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert re.search(r"^\(ch-[a-z0-9-]+\)=\n# ", text, re.MULTILINE), (
        "a label before the chapter title"
    )
    assert "```{colab-badge}" in text
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "import gencourse" in code[0].source
    hidden = [c for c in code if "remove-cell" in c.metadata.get("tags", [])]
    assert any("assert" in c.source for c in hidden), "key results are asserted in hidden cells"
    exercises = re.findall(r"```\{exercise\}\n:label: (\S+)", text)
    solutions = re.findall(r"`{3,4}\{solution(?:-start)?\} (\S+)", text)
    assert len(exercises) >= 3 and set(exercises) <= set(solutions), (
        "at least 3 exercises, each with a solution"
    )
    assert "{literalinclude} ../gencourse/" in text, (
        "the chapter shows the package's code, not a copy"
    )
    # Executing a live widget unattended can leave the client waiting forever
    # (jupyter/nbclient#312, seen here): widget cells are shown but not executed by the build or
    # nbval.
    for cell in code:
        if "widgets.interact" in cell.source or "explore.explore(" in cell.source:
            assert "skip-execution" in cell.metadata.get("tags", []) and twins.nbval_markers(
                cell.source
            ).get("skip"), cell.source


# Every chapter of the toc has its interactive experiment (issue 19).
EXPERIMENTS = tuple(path.stem for path in CHAPTERS)


@pytest.mark.parametrize("stem", EXPERIMENTS)
def test_chapter_has_an_experiment_and_its_static_sweep(stem):
    # The convention (gencourse/explore.py, README "Writing a chapter"): the same drawing function
    # goes to explore.explore (a slider, in a skip-execution / NBVAL_SKIP cell) and to
    # explore.small_multiples (an executed cell: the book's figure), followed by a hidden assert.
    path = ROOT / "chapters" / f"{stem}.md"
    assert path in CHAPTERS, f"{stem} is not in the toc"
    code = [c for c in jupytext.read(path, fmt="md:myst").cells if c.cell_type == "code"]
    widget = [c for c in code if "explore.explore(" in c.source]
    assert len(widget) == 1, "one slider per chapter: a cell calling explore.explore(draw, ...)"
    tags = widget[0].metadata.get("tags", [])
    assert "skip-execution" in tags and widget[0].source.startswith("# NBVAL_SKIP\n"), (
        "the widget cell is tagged skip-execution and starts with the line # NBVAL_SKIP"
    )
    assert twins.nbval_markers(widget[0].source) == {"skip": True}, "as nbval reads it"
    draw = re.search(r"explore\.explore\(\s*([\w.]+)", widget[0].source).group(1)
    static = [
        i
        for i, c in enumerate(code)
        if re.search(rf"explore\.small_multiples\(\s*{re.escape(draw)}\b", c.source)
    ]
    assert static, f"no executed explore.small_multiples({draw}, ...): the book's static sweep"
    i = static[0]
    assert "skip-execution" not in code[i].metadata.get("tags", [])
    assert not twins.nbval_markers(code[i].source).get("skip")
    after = code[i + 1] if i + 1 < len(code) else None
    assert after is not None and "remove-cell" in after.metadata.get("tags", []), (
        "the static sweep is followed by a hidden (remove-cell) assertion on what it shows"
    )
    assert "assert" in after.source


def _line_length() -> int:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["line-length"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_code_cells_fit_in_the_line_length(path):
    # the package's limit ([tool.ruff] line-length): no code cell scrolls sideways in the book
    limit = _line_length()
    nb = jupytext.read(path, fmt="md:myst")
    long = [
        f"{len(line)} columns: {line.strip()[:70]}"
        for cell in nb.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > limit
    ]
    assert not long, (
        f"{len(long)} code line(s) over {limit} columns (python scripts/wrap_long_lines.py "
        f"{path.relative_to(ROOT)} wraps most): {long}"
    )


_LABELLED_MATH = re.compile(r"^\$\$ \((eq-[a-z0-9-]+)\)$|^:label: (eq-[a-z0-9-]+)$", re.MULTILINE)
# Calls whose value is None: a captioned cell may end with them without a trailing semicolon.
_NONE_CALLS = {"print", "plt.tight_layout", "plt.show"}


def _figure_cells(nb) -> list:
    return [
        c
        for c in nb.cells
        if c.cell_type == "code" and c.metadata.get("mystnb", {}).get("figure") is not None
    ]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_numbers_its_key_equations_and_captions_its_key_figures(path):
    # Issue 18: key equations labelled ($$ ... $$ (eq-name), cited with {eq}), key figures
    # captioned (cell metadata mystnb: figure: {caption, name}, cited with {numref}). That every
    # {eq} and {numref} target exists is checked elsewhere: the book build (warnings are errors)
    # and scripts/notebooks.py, which stops on an unknown label (tests/book/test_twins.py).
    text = path.read_text()
    equations = [a or b for a, b in _LABELLED_MATH.findall(text)]
    assert equations, "at least one numbered equation: $$ ... $$ (eq-name)"
    assert len(set(equations)) == len(equations), f"an equation label used twice: {equations}"
    figures = _figure_cells(jupytext.read(path, fmt="md:myst"))
    assert figures, "at least one captioned figure: a cell with mystnb: figure: {caption, name}"
    for cell in figures:
        figure = cell.metadata["mystnb"]["figure"]
        assert str(figure.get("name", "")).startswith("fig-"), figure
        assert len(str(figure.get("caption", ""))) > 20, f"{figure['name']}: a real caption"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_captioned_figure_cells_have_exactly_one_output_to_caption(path):
    # myst-nb wraps *every* display output of a captioned cell in a figure of that name: a second
    # figure, or the value of a last expression (`ax.legend()` shows a Legend object), would make
    # two figures with one label, which only the executed book build would report.
    for cell in _figure_cells(jupytext.read(path, fmt="md:myst")):
        name = cell.metadata["mystnb"]["figure"]["name"]
        created = len(re.findall(r"\bplt\.(?:subplots|figure)\(", cell.source))
        assert created <= 1, f"{name}: one figure per captioned cell, not {created}"
        last = ast.parse(cell.source).body[-1]
        if isinstance(last, ast.Expr) and not cell.source.rstrip().endswith(";"):
            call = ast.unparse(last.value.func) if isinstance(last.value, ast.Call) else None
            assert call in _NONE_CALLS, (
                f"{name}: the cell's last expression would be shown beside the figure; end it "
                "with ';'"
            )


def test_wrap_long_lines_wraps_only_long_lines_and_keeps_the_code(tmp_path):
    import wrap_long_lines  # scripts/, on the path through pyproject.toml's pytest pythonpath

    call = "result = compute(" + ", ".join(f"argument_{i}=value_{i}" for i in range(9)) + ")"
    text = "the next line is longer than the limit " * 3
    code = "\n".join(
        [
            "x  =  1",  # not ruff's style, but short: left as it is
            call,
            f'print(f"{text}{{x}} and {text}")',
            "# " + "a comment that is far too long to fit " * 3,
            "xa, ya = torch.randn(20, 3, generator=first_generator), "
            "torch.randn(15, 3, generator=second_generator) + 1",
            "y = 2  # " + "a trailing comment " * 5,
        ]
    )
    chapter = tmp_path / "c.md"
    chapter.write_text(f"# T\n\n```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n{code}\n```\n")
    wrap_long_lines.main([str(chapter)])
    wrapped = chapter.read_text().split("```{code-cell} ipython3\n:tags: [remove-cell]\n\n")[1]
    wrapped = wrapped.split("\n```")[0]
    assert wrapped.startswith("x  =  1\nresult = compute(argument_0=value_0, ")
    assert max(len(line) for line in wrapped.splitlines()) <= _line_length()
    assert ast.dump(ast.parse(wrapped)) == ast.dump(ast.parse(code)), "the code is unchanged"
    assert len(wrapped.splitlines()) <= 3 * len(code.splitlines()), "cells stay short"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = (
        re.search(r"<!-- test-command -->\s*```bash\n(.+?)\n```", readme, re.DOTALL)
        .group(1)
        .strip()
    )
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci
