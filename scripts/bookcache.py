"""Build the book with an execution cache that also sees the package the chapters import.

Usage (from the repository root; scripts/build-book.sh and scripts/test.sh's steps 2 and 3 call
it):

    python scripts/bookcache.py build [--budget full|quick] [--fresh] [--quiet] [--cached-only]
    python scripts/bookcache.py execute [--budget full|quick] [--fresh]  # in parallel, no build
    python scripts/bookcache.py key [--budget full|quick]   # the cache's name, for CI cache keys

Why: Jupyter Book 1.x's ``execute_notebooks: cache`` (jupyter-cache, through myst-nb) keys a
notebook on its code cells only. A chapter whose cells did not change is served from the cache
even when ``gencourse`` (which computes every figure and number) or the installed numpy, torch,
... changed, or when it was executed under the other compute budget: the book would publish
stale results. We keep jupyter-cache, the well-kept tool that does the per-notebook part, and
give it one cache directory per *fingerprint* of everything else a chapter's outputs depend on:

* every file of the package(s) that ``pyproject.toml`` declares (``[tool.setuptools] packages``),
  the weights included;
* the dependency pins of ``pyproject.toml`` (``[project]`` dependencies and extras) and the
  installed versions of the runtime dependencies (torch's version names its build, CPU or CUDA)
  and of Python: these change the numbers without changing a line of the repository;
* the compute budget (``GENCOURSE_BUDGET``) and ``GENCOURSE_DEVICE``.

The cache lives in ``_build/jupyter-cache/<budget>-<fingerprint>/``. When the fingerprint
changes, a fresh directory is used and the old ones *of the same budget* are deleted; the full
and quick budgets keep separate caches, so a quick draft never evicts the published build's
cache. Within one directory jupyter-cache re-executes exactly the chapters whose code cells
changed (editing prose re-executes nothing). ``--fresh`` (or ``BOOK_FRESH=1``) deletes the
budget's cache first. ``fingerprint.json`` in each directory lists what the fingerprint covers,
so a diff of two of them says why a cache was started afresh.

Everything else a chapter reads would have to enter the fingerprint too: today the chapters read
no file outside the package (scikit-learn's digits ship with scikit-learn).

_config.yml keeps ``execute_notebooks: force``: a plain ``jupyter-book build .`` executes every
chapter and can never be stale. This script builds with a derived configuration
(``_build/_config.<budget>.yml``) that switches to ``cache`` in the fingerprinted directory.
tests/tools/test_bookcache.py builds a tiny book with this same code.

``execute`` fills the same cache before a build: a pool of one process per CPU (``os.cpu_count()``)
executes the chapters the cache lacks, each in a temporary folder with jupyter-cache's own
``single_nb_execution`` (as myst-nb does), and this process caches each one as it comes back, as
myst-nb would cache it. Not jupyter-cache's ``temp-parallel`` executor: its worker processes write
the cache's SQLite database through the connection pool they inherit by fork, which SQLAlchemy
warns against, and in one run of the test command a notebook that it had reported executed was
missing from the cache afterwards (tests/tools/test_bookcache.py). The build that follows finds
every chapter in the cache (``build --cached-only`` fails if it had to execute one, and never
starts afresh: it would delete what ``execute`` just cached). Jupyter Book 1.x executes a book's
notebooks one after another, so on the project's machine of two cores this halves the execution's
wall time (the test command, scripts/test.sh). It reads the chapters with myst-nb's reader for
jupyter-cache, whose MyST settings are the defaults: a chapter whose code cells only the book's own
settings would find (a ``{code-cell}`` inside a ``:::`` block, which no chapter has) would miss the
cache, and ``--cached-only`` says so. The kernels run the Python that runs ``execute`` (a
kernelspec for ``sys.executable`` comes first on JUPYTER_PATH, as nbval's ``--nbval-current-env``
does), so the test command executes the chapters with gencourse installed from a wheel.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml
from booktools.book import toc_files  # scripts/booktools, beside this script

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: Sphinx (the book's extra) brings tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = ("full", "quick")
# Settings read by gencourse that change what a chapter computes (besides the budget).
ENVIRONMENT = ("GENCOURSE_DEVICE",)
FORMAT = 1  # bump when the fingerprint's contents change meaning
CACHE_ROOT = Path("_build") / "jupyter-cache"


def _budget(budget: str | None) -> str:
    value = (budget or os.environ.get("GENCOURSE_BUDGET") or "full").strip().lower()
    if value not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}, got {value!r}")
    return value


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(@]", requirement.strip(), maxsplit=1)[0]


def _installed(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def inputs(root: Path = ROOT, budget: str | None = None) -> dict:
    """Everything the fingerprint covers, as a JSON-able dict (see the module docstring)."""
    project = tomllib.loads((root / "pyproject.toml").read_text())
    packages = project.get("tool", {}).get("setuptools", {}).get("packages", [])
    if not packages:
        raise ValueError(f"{root / 'pyproject.toml'}: no [tool.setuptools] packages to hash")
    files = {}
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[path.relative_to(root).as_posix()] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    meta = project["project"]
    runtime = meta.get("dependencies", [])
    pins = {"dependencies": sorted(runtime)}
    for extra, requirements in sorted(meta.get("optional-dependencies", {}).items()):
        pins[extra] = sorted(requirements)
    return {
        "format": FORMAT,
        "budget": _budget(budget),
        "environment": {key: os.environ.get(key, "") for key in ENVIRONMENT},
        "package_files": files,
        "pins": pins,
        "installed": {
            "python": platform.python_version(),
            **{_requirement_name(r): _installed(_requirement_name(r)) for r in runtime},
        },
    }


def fingerprint(root: Path = ROOT, budget: str | None = None) -> str:
    """Short hash of :func:`inputs`: the name of the cache directory, with the budget."""
    text = json.dumps(inputs(root, budget), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key(root: Path = ROOT, budget: str | None = None) -> str:
    """``<budget>-<fingerprint>``: the cache directory's name, and a CI cache key's prefix."""
    return f"{_budget(budget)}-{fingerprint(root, budget)}"


def prepare(
    root: Path = ROOT, budget: str | None = None, fresh: bool = False
) -> tuple[Path, Path]:
    """Choose (and clean) the cache directory and write the derived configuration.

    Returns ``(config, cache)``. Deletes the other caches of the same budget, and this one too
    when ``fresh``; leaves the other budget's cache alone.
    """
    budget = _budget(budget)
    name = key(root, budget)
    cache = root / CACHE_ROOT / name
    for old in (root / CACHE_ROOT).glob(f"{budget}-*"):
        if old.name != name or fresh:
            shutil.rmtree(old)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "fingerprint.json").write_text(
        json.dumps(inputs(root, budget), indent=1, sort_keys=True) + "\n"
    )

    config = yaml.safe_load((root / "_config.yml").read_text())
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    execute["cache"] = str(cache)
    # The derived file lives in _build/: local extensions' paths are relative to the config file.
    sphinx = config.get("sphinx", {})
    for extension, path in sphinx.get("local_extensions", {}).items():
        sphinx["local_extensions"][extension] = str((root / path).resolve())
    derived = root / "_build" / f"_config.{budget}.yml"
    derived.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return derived, cache


def _records(cache: Path) -> dict[int, str]:
    from jupyter_cache import get_cache

    return {r.pk: r.uri for r in get_cache(str(cache)).list_cache_records()}


def notebooks(root: Path = ROOT) -> list[Path]:
    """The pages of ``root``'s _toc.yml that myst-nb reads as notebooks, in the book's order
    (a Markdown page is one when its top matter says so: myst-nb's own test)."""
    from myst_nb.core.read import is_myst_markdown_notebook

    pages = []
    for name in toc_files(root):
        for suffix in (".ipynb", ".md"):
            path = root / f"{name}{suffix}"
            if path.exists():
                if suffix == ".ipynb" or is_myst_markdown_notebook(path.read_text()):
                    pages.append(path)
                break
    return pages


@contextlib.contextmanager
def _kernels(budget: str) -> Iterator[None]:
    """Within: kernels that run ``sys.executable`` (a kernelspec ``python3`` first on
    JUPYTER_PATH, which jupyter_client reads when it starts one) under ``budget``; the pool's
    processes and their kernels inherit the environment."""
    before = {key: os.environ.get(key) for key in ("JUPYTER_PATH", "GENCOURSE_BUDGET")}
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "kernels" / "python3"
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec.joinpath("kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
        )
        paths = (folder, before["JUPYTER_PATH"])
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in paths if p)
        os.environ["GENCOURSE_BUDGET"] = budget
        try:
            yield
        finally:
            for key, value in before.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _execute_one(
    uri: str, nb: dict, timeout: int, allow_errors: bool
) -> tuple[str, dict, float, str | None]:
    """In a worker process: execute one notebook in a temporary folder with jupyter-cache's own
    function; return it executed, its seconds and its traceback (None if it ran through)."""
    from jupyter_cache.executors.utils import single_nb_execution

    with tempfile.TemporaryDirectory() as cwd:
        result = single_nb_execution(nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors)
    return uri, result.nb, result.time, result.exc_string if result.err else None


def execute(root: Path = ROOT, budget: str | None = None, fresh: bool = False) -> list[str]:
    """Execute the book's notebooks that the cache lacks into it, in parallel (module docstring).

    Returns the notebooks executed; raises ``RuntimeError`` with each failure's traceback.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    budget = _budget(budget)
    _, folder = prepare(root, budget, fresh)
    config = yaml.safe_load((root / "_config.yml").read_text()).get("execute", {})
    limits = (config.get("timeout", 30), config.get("allow_errors", False))
    cache = get_cache(str(folder))
    for path in notebooks(root):  # read by myst-nb's reader for jupyter-cache, as the build reads
        reader = "myst_nb_md" if path.suffix == ".md" else "nbformat"
        cache.add_nb_to_project(str(path), read_data={"name": reader, "type": "plugin"})
    todo = [cache.get_project_notebook(r.pk) for r in cache.list_unexecuted()]
    executed, failures = [], []
    # spawned, not forked: a worker holds no copy of this process's connection to the database
    spawn = multiprocessing.get_context("spawn")
    with _kernels(budget), ProcessPoolExecutor(os.cpu_count(), mp_context=spawn) as pool:
        runs = [pool.submit(_execute_one, nb.uri, nb.nb, *limits) for nb in todo]
        for run in as_completed(runs):
            uri, nb, seconds, traceback = run.result()
            if traceback is not None:
                failures.append(f"{uri}:\n{traceback}")
                continue
            # here, in this process only: the cache's SQLite database is written by one process
            bundle = CacheBundleIn(nb, uri, data={"execution_seconds": seconds})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            executed.append(os.path.relpath(uri, root))
    if failures:
        raise RuntimeError("\n\n".join(["executing the book's notebooks failed:", *failures]))
    return sorted(executed)


def _executed(notebooks: list[str]) -> str:
    """What a run executed, as `execute` and `build` report it."""
    names = f" ({', '.join(notebooks)})" if notebooks else ""
    return f"executed {len(notebooks)} notebook(s){names}, the others from the cache"


def build(
    root: Path = ROOT,
    budget: str | None = None,
    fresh: bool = False,
    quiet: bool = False,
    cached_only: bool = False,
) -> tuple[int, list[str]]:
    """Build ``root`` into ``root/_build/html`` through the cache (warnings are errors).

    Returns jupyter-book's exit code and the notebooks this build executed (the others came
    from the cache); with ``cached_only``, a build that executed a notebook returns 1 (after
    :func:`execute`, every notebook must come from the cache). The Sphinx environment is always
    rebuilt: only execution is cached.
    """
    budget = _budget(budget)
    if cached_only and fresh:
        raise ValueError("fresh and cached_only: the build would delete the cache it must read")
    config, cache = prepare(root, budget, fresh)
    for stale in ("html", "jupyter_execute", ".doctrees"):
        shutil.rmtree(root / "_build" / stale, ignore_errors=True)
    before = _records(cache)
    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        *("build", str(root), "--config", str(config)),
        *("--warningiserror", "--nitpick", "--keep-going"),
    ]
    if quiet:
        command.append("--quiet")
    env = {**os.environ, "GENCOURSE_BUDGET": budget}
    start = time.monotonic()
    code = subprocess.run(command, cwd=root, env=env, check=False).returncode
    executed = sorted(
        os.path.relpath(uri, root) for pk, uri in _records(cache).items() if pk not in before
    )
    print(
        f"execution cache {cache.relative_to(root)}: {_executed(executed)};"
        f" build {time.monotonic() - start:.0f} s"
    )
    if cached_only and executed and code == 0:
        print("--cached-only: the build executed notebooks that `execute` had cached", flush=True)
        code = 1
    return code, executed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("build", "key", "execute"):
        p = sub.add_parser(name)
        p.add_argument("--budget", choices=BUDGETS, help="default: $GENCOURSE_BUDGET or full")
        p.add_argument("--root", type=Path, default=ROOT, help="the book (default: this one)")
    for name in ("build", "execute"):
        sub.choices[name].add_argument(
            "--fresh", action="store_true", help="delete this budget's cache first (or BOOK_FRESH)"
        )
    p_build = sub.choices["build"]
    p_build.add_argument("--quiet", action="store_true", help="pass --quiet to jupyter-book")
    p_build.add_argument(
        "--cached-only",
        action="store_true",
        help="fail if a notebook had to be executed (after `execute`; ignores BOOK_FRESH)",
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    asked_fresh, cached_only = getattr(args, "fresh", False), getattr(args, "cached_only", False)
    if asked_fresh and cached_only:
        parser.error("--fresh with --cached-only: the build would delete the cache it must read")
    # BOOK_FRESH=1 asks for a fresh execution, which a --cached-only build leaves to `execute`
    book_fresh = os.environ.get("BOOK_FRESH", "") not in ("", "0")
    fresh = asked_fresh or (book_fresh and not cached_only)
    if args.command == "key":
        print(key(root, args.budget))
        return 0
    if args.command == "execute":
        start = time.monotonic()
        try:
            executed = execute(root, args.budget, fresh)
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"{_executed(executed)}; execution {time.monotonic() - start:.0f} s")
        return 0
    code, _ = build(root, args.budget, fresh, args.quiet, cached_only)
    return code


if __name__ == "__main__":
    sys.exit(main())
