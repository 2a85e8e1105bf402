"""Checks of the project's own files: dependencies, chapters, Colab twins, CI command."""

import ast
import re
import sys

import jupytext
import nbformat
import pytest
import tomllib
import yaml
from _book import CHAPTERS, ROOT, notebooks

sys.path.insert(0, str(ROOT / "_ext"))
import colab  # noqa: E402


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
    assert re.search(r"^\(ch-[a-z0-9-]+\)=\n# ", text, re.M), "a label before the chapter title"
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
        if "widgets.interact" in cell.source:
            assert (
                "skip-execution" in cell.metadata.get("tags", []) and "NBVAL_SKIP" in cell.source
            ), cell.source


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


def test_wrap_long_lines_wraps_only_long_lines_and_keeps_the_code(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import wrap_long_lines

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


def test_colab_twins_are_up_to_date():
    assert notebooks.main(["check"]) == 0, "run: python scripts/notebooks.py sync"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_colab_twin_installs_gencourse_and_reads_without_sphinx(path):
    twin = nbformat.read(ROOT / "notebooks" / f"{path.stem}.ipynb", as_version=4)
    nbformat.validate(twin)
    url, branch = notebooks.repository()
    first = twin.cells[0]
    assert (
        first.cell_type == "code"
        and f"git+{url}@{branch}" in first.source
        and "gencourse.device()" in first.source
    )
    text = "\n".join(c.source for c in twin.cells)
    assert "{literalinclude}" not in text and "{colab-badge}" not in text
    assert all(c.get("outputs", []) == [] for c in twin.cells if c.cell_type == "code")
    assert twin.metadata["accelerator"] == "GPU"


def test_pyobject_extraction_returns_the_method_source():
    source = notebooks._pyobject_source(ROOT / "gencourse" / "classical.py", "KDE.log_kernel")
    assert source.startswith("def log_kernel(self, x") and "cdist" in source


def test_start_at_end_before_inlining_follows_sphinx(tmp_path):
    (tmp_path / "m.py").write_text(
        "a = 1\n    for step in bar:\n        go(step)\n        history.append(1)\nz = 2\n"
    )
    chapter = tmp_path / "c.md"
    markdown = (
        "```{literalinclude} m.py\n:start-at: for step in bar:\n:end-before: history.append\n```\n"
    )
    inlined = notebooks._inline_literalincludes(markdown, chapter)
    assert "    for step in bar:\n        go(step)\n```" in inlined and "history" not in inlined


def test_nbval_notebooks_carry_the_expected_outputs():
    for path in CHAPTERS:
        nb = notebooks.nbval_notebook(path)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.outputs:
                assert "NBVAL_CHECK_OUTPUT" in cell.source and cell.execution_count == 1


def test_colab_url_is_built_from_the_repository():
    url = colab.colab_url("https://github.com/me/book.git", "main", "chapters/01_x")
    assert url == "https://colab.research.google.com/github/me/book/blob/main/notebooks/01_x.ipynb"
    with pytest.raises(ValueError, match="repository.url"):
        colab.colab_url("https://gitlab.com/me/book", "main", "chapters/01_x")


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = (
        re.search(r"<!-- test-command -->\s*```bash\n(.+?)\n```", readme, re.S).group(1).strip()
    )
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci
