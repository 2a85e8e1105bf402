"""The execution cache of the book's builds (scripts/bookcache.py), on a tiny throwaway book.

The book: two MyST notebooks that import a tiny package and print one of its values, built with
the same code as scripts/build-book.sh. Each notebook appends its name to a log file when a kernel
executes it: the log, not the cache's own bookkeeping, says what a build executed.
"""

import json
import sys
import textwrap

import bookcache  # scripts/bookcache.py, on the path through pyproject.toml's pytest pythonpath
import pytest

NOTEBOOK = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# Notebook {name}

Some prose.

```{{code-cell}} python
import os

import tinypkg

with open(os.environ["TINY_BOOK_LOG"], "a") as log:
    print("{name}", file=log)
print("{name} sees VALUE =", tinypkg.VALUE)
```
"""


@pytest.fixture
def book(tmp_path, monkeypatch):
    root = tmp_path / "book"
    (root / "tinypkg").mkdir(parents=True)
    (root / "tinypkg" / "__init__.py").write_text("VALUE = 1\n")
    (root / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [project]
        name = "tinypkg"
        version = "0"
        dependencies = ["pyyaml>=6"]
        [tool.setuptools]
        packages = ["tinypkg"]
        """)
    )
    (root / "_config.yml").write_text(
        "title: Tiny\nonly_build_toc_files: true\nexclude_patterns: [_build]\n"
        "execute:\n  execute_notebooks: force\n"
        "sphinx:\n  config:\n    nb_execution_raise_on_error: true\n"
    )
    (root / "_toc.yml").write_text("format: jb-book\nroot: a\nchapters:\n  - file: b\n")
    for name in "ab":
        (root / f"{name}.md").write_text(NOTEBOOK.format(name=name))
    log = tmp_path / "executed.log"
    monkeypatch.setenv("TINY_BOOK_LOG", str(log))
    monkeypatch.delenv("GENCOURSE_DEVICE", raising=False)
    return root


def _build(root, budget="full", fresh=False) -> set[str]:
    """Build the tiny book; return the notebooks whose kernel ran, from the log."""
    log = root.parent / "executed.log"
    log.unlink(missing_ok=True)
    code, executed = bookcache.build(root, budget, fresh=fresh, quiet=True)
    assert code == 0
    ran = set(log.read_text().split()) if log.exists() else set()
    assert {name.removesuffix(".md") for name in executed} == ran  # the script's own report
    return ran


def _shown(root, name) -> str:
    return (root / "_build" / "html" / f"{name}.html").read_text()


def test_fingerprint_sees_the_package_the_pins_and_the_budget_not_the_chapters(book, monkeypatch):
    full = bookcache.key(book, "full")
    assert bookcache.key(book, "quick") != full and full.startswith("full-")
    (book / "a.md").write_text((book / "a.md").read_text().replace("VALUE", "VALUE + 0"))
    assert bookcache.key(book, "full") == full, "chapters are jupyter-cache's part, not the key's"
    monkeypatch.setenv("GENCOURSE_DEVICE", "cpu")
    assert bookcache.key(book, "full") != full
    monkeypatch.delenv("GENCOURSE_DEVICE")
    pyproject = book / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("pyyaml>=6", "pyyaml>=6.0.1"))
    pinned = bookcache.key(book, "full")
    assert pinned != full
    (book / "tinypkg" / "data.bin").write_bytes(b"\x00")  # any file of the package, not only .py
    assert bookcache.key(book, "full") != pinned


def test_warm_cache_executes_only_what_changed(book):
    """One test, seven builds of the tiny book."""
    assert _build(book) == {"a", "b"}
    assert _build(book) == set(), "no change: every notebook comes from the cache"
    assert "a sees VALUE = 1" in _shown(book, "a"), "cached outputs reach the page"

    (book / "b.md").write_text(NOTEBOOK.format(name="b").replace("VALUE =", "VALUE is"))
    assert _build(book) == {"b"}, "an edited notebook re-executes alone"
    assert "b sees VALUE is 1" in _shown(book, "b")

    (book / "tinypkg" / "__init__.py").write_text("VALUE = 2\n")
    assert _build(book) == {"a", "b"}, "a package edit re-executes every notebook"
    assert "a sees VALUE = 2" in _shown(book, "a")
    assert len(list((book / "_build" / "jupyter-cache").glob("full-*"))) == 1, "old cache deleted"

    assert _build(book, "quick") == {"a", "b"}, "the quick budget does not reuse full outputs"
    assert _build(book, "full") == set(), "a quick build leaves the full budget's cache alone"
    assert _build(book, "full", fresh=True) == {"a", "b"}, "--fresh executes everything"


def test_execute_fills_the_cache_the_build_reads(book, tmp_path, monkeypatch):
    # each notebook runs in a temporary folder: the package comes from the path, as installed
    monkeypatch.setenv("PYTHONPATH", str(book))
    log = tmp_path / "executed.log"
    assert bookcache.notebooks(book) == [book / "a.md", book / "b.md"]
    assert bookcache.execute(book, "quick") == ["a.md", "b.md"]
    assert set(log.read_text().split()) == {"a", "b"}
    assert bookcache.execute(book, "quick") == [], "a second run finds both in the cache"
    log.unlink()
    monkeypatch.setenv("BOOK_FRESH", "1")  # ignored by --cached-only (it would empty the cache)
    args = ["build", "--root", str(book), "--budget", "quick", "--quiet", "--cached-only"]
    assert bookcache.main(args) == 0 and not log.exists(), "the build executes nothing"
    assert "a sees VALUE = 1" in _shown(book, "a")
    (book / "a.md").write_text(NOTEBOOK.format(name="a").replace("VALUE =", "VALUE is"))
    code, executed = bookcache.build(book, "quick", quiet=True, cached_only=True)
    assert (code, executed) == (1, ["a.md"]), "--cached-only: a notebook executed fails the build"


def test_execute_runs_the_kernels_in_this_python_and_reports_a_failure(
    book, tmp_path, monkeypatch
):
    monkeypatch.setenv("PYTHONPATH", str(book))
    # a user's own kernelspec "python3" (a decoy that marks its kernels) must not be the one used
    decoy = tmp_path / "user-data" / "kernels" / "python3"
    decoy.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (decoy / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "decoy", "env": {"KERNEL": "decoy"}})
    )
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "user-data"))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")  # the user's before the environment's
    check = 'import os\nimport sys\n\nassert sys.executable == "/", os.environ.get("KERNEL")'
    (book / "b.md").write_text(
        NOTEBOOK.format(name="b") + f"\n```{{code-cell}} python\n{check}\n```\n"
    )
    with pytest.raises(RuntimeError, match=r"b\.md:(.|\n)*AssertionError") as failure:
        bookcache.execute(book, "quick")
    assert "decoy" not in str(failure.value), "the kernel ran this process's Python"
