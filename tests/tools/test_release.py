"""What a release is made of (README.md, "Releases"; .github/workflows/release.yml): the version
written once, CITATION.cff and .zenodo.json, the package's wheel and sdist, and the Colab
notebooks of a release, which install the released version from PyPI.

The wheel and the sdist are built here as the release workflow builds them (``python -m build``,
without build isolation: nothing is downloaded), checked with ``twine check`` and the wheel
installed alone into a fresh directory, away from the repository, and imported.
"""

import ast
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
import tomllib
import yaml
from _book import BOOK, ROOT
from booktools import twins
from booktools.book import Book
from booktools.index import BookIndex, Citations, Doc, Section

# The Citation File Format's schema for 1.2.0 (citation-file-format/citation-file-format, as
# shipped in cffconvert 2.0.0): cffconvert itself pins jsonschema 3, which the book's
# environment cannot take, so the test validates with the schema and the environment's jsonschema.
CFF_SCHEMA = ROOT / "tests" / "tools" / "data" / "citation-file-format-1.2.0.schema.json"


def _version() -> str:
    """gencourse.__version__, read from the source as setuptools reads it (no import)."""
    tree = ast.parse((ROOT / "gencourse" / "__init__.py").read_text())
    (value,) = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == "__version__" for target in node.targets)
    ]
    return value


def _citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def _cff_errors(citation: dict) -> list[str]:
    schema = json.loads(CFF_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [error.message for error in validator.iter_errors(citation)]


# ---------------------------------------------------------------------------------------------
# The version, CITATION.cff, .zenodo.json
# ---------------------------------------------------------------------------------------------


def test_the_version_is_written_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "gencourse.__version__"}
    assert _version().count(".") == 2 and all(p.isdigit() for p in _version().split("."))


def test_citation_cff_is_valid_cff_1_2_0():
    citation = _citation()
    assert citation["cff-version"] == "1.2.0"
    assert _cff_errors(citation) == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"authors": []}, "should be non-empty"),
        ({"version": None}, "is not valid"),
        ({"cff-version": "1.2"}, "1.2"),
        ({"repository-code": "not a url"}, "does not match"),
        ({"extra": 1}, "Additional properties"),
    ],
)
def test_the_cff_check_rejects_a_broken_citation(change, message):
    assert any(message in error for error in _cff_errors({**_citation(), **change}))


def test_citation_and_zenodo_agree_with_the_package_and_the_book():
    citation = _citation()
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert citation["version"] == _version(), "CITATION.cff's version is gencourse.__version__"
    assert citation["repository-code"] == config["repository"]["url"]
    assert citation["url"] == config["html"]["baseurl"]
    assert citation["title"] == config["title"]
    assert citation["license"] == project["license"]
    zenodo = json.loads((ROOT / ".zenodo.json").read_text())
    assert zenodo["title"] == citation["title"]
    assert zenodo["license"] == citation["license"]
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in citation["authors"]]
    # Zenodo takes the version from the release's tag; written here it would be a second place
    assert "version" not in zenodo and "publication_date" not in zenodo
    assert zenodo["upload_type"] == "software" and zenodo["access_right"] == "open"


# ---------------------------------------------------------------------------------------------
# The wheel and the sdist
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return out


def test_wheel_and_sdist_carry_the_version_and_pass_twine_check(dist):
    version = _version()
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"gencourse-{version}-py3-none-any.whl", f"gencourse-{version}.tar.gz"]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_holds_every_module_and_the_weights_and_nothing_else(dist):
    (wheel,) = dist.glob("*.whl")
    members = set(zipfile.ZipFile(wheel).namelist())
    package = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "gencourse").rglob("*")
        if p.is_file() and (p.suffix == ".py" or p.parent.name == "weights")
    }
    assert package <= members, f"missing from the wheel: {sorted(package - members)}"
    outside = {m for m in members if not m.startswith(("gencourse/", "gencourse-"))}
    assert outside == set(), "only the package and its metadata"
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = {Path(m).parts[1] for m in archive.getnames() if len(Path(m).parts) > 1}
    assert top <= {
        "gencourse",
        "gencourse.egg-info",
        "PKG-INFO",
        "README.md",
        "pyproject.toml",
        "setup.cfg",
        "MANIFEST.in",
        "LICENSE",
    }, "no homework, tests, chapters or notebooks"


def test_wheel_installs_alone_and_imports(dist, tmp_path):
    """The wheel, installed without its dependencies (they are this environment's) into an empty
    directory that comes first on the path, is the gencourse Python imports, whole."""
    (wheel,) = dist.glob("*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    program = (
        "import importlib, importlib.metadata, importlib.resources, pkgutil, gencourse\n"
        "print(gencourse.__file__)\n"
        "print(gencourse.__version__, importlib.metadata.version('gencourse'))\n"
        "for m in pkgutil.walk_packages(gencourse.__path__, 'gencourse.'):\n"
        "    importlib.import_module(m.name)\n"
        "weights = importlib.resources.files('gencourse') / 'weights/digits_classifier.pt'\n"
        "print(weights.is_file())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    where, versions, weights = result.stdout.split("\n")[:3]
    assert Path(where).is_relative_to(target), "the installed wheel, not the repository"
    assert versions == f"{_version()} {_version()}" and weights == "True"


# ---------------------------------------------------------------------------------------------
# The Colab notebooks of a release
# ---------------------------------------------------------------------------------------------

CHAPTER = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

(ch-x)=
# Title

```{code-cell} ipython3
x = 1
```
"""

INDEX = BookIndex(
    docs={"chapters/07_x": Doc(sections=(Section(("ch-x",), "7", "Title"),), exercises=())},
    labels={},
    equations={},
    citations=Citations(),
    titles={"chapters/07_x": "Title"},
    numfig_format={},
)


def _twin(tmp_path: Path, student: bool):
    chapter = tmp_path / "chapters" / "07_x.md"
    chapter.parent.mkdir(exist_ok=True)
    chapter.write_text(CHAPTER)
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    return twins.twin(Book(tmp_path), chapter, student=student, index=INDEX)


def _pip_install(setup_source: str, monkeypatch) -> list[str]:
    """The pip command the set-up cell runs where gencourse is missing."""
    import importlib.util

    calls = []
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "gencourse" else find_spec(name, *a),
    )
    monkeypatch.setattr(subprocess, "check_call", lambda command: calls.append(command))
    exec(compile(setup_source, "setup-cell", "exec"), {})
    (command,) = calls
    return command


@pytest.mark.parametrize("student", [False, True], ids=["instructor", "student"])
def test_release_twins_install_the_released_version_from_pypi(tmp_path, monkeypatch, student):
    default = _twin(tmp_path, student)
    monkeypatch.setenv("GENCOURSE_RELEASE", "1.2.3")
    released = _twin(tmp_path, student)
    url, branch = BOOK.repository()
    assert f"gencourse @ git+{url}@{branch}" in default.cells[0].source
    assert (
        "gencourse==1.2.3" in released.cells[0].source and "git+" not in released.cells[0].source
    )
    assert released.cells[1:] == default.cells[1:], "only the install cell differs"
    command = _pip_install(released.cells[0].source, monkeypatch)
    assert command[1:5] == ["-m", "pip", "install", "-q"]
    assert command[5] == "gencourse==1.2.3" and command[6].startswith("torch==")
    monkeypatch.delenv("GENCOURSE_RELEASE")
    assert (
        _pip_install(default.cells[0].source, monkeypatch)[5] == f"gencourse @ git+{url}@{branch}"
    )


@pytest.mark.parametrize("bad", ["v1.2.3", "1.2", "1.2.3; rm -rf", "latest"])
def test_a_release_version_that_is_not_x_y_z_is_an_error(monkeypatch, bad):
    monkeypatch.setenv("GENCOURSE_RELEASE", bad)
    with pytest.raises(ValueError, match="GENCOURSE_RELEASE"):
        twins.setup_cell(BOOK)


def test_the_committed_twins_install_the_repository():
    """The default branch's twins (what `python scripts/notebooks.py check` compares) keep the
    repository's branch: GENCOURSE_RELEASE is for the release workflow only."""
    url, branch = BOOK.repository()
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        first = json.loads(path.read_text())["cells"][0]
        assert f"git+{url}@{branch}" in "".join(first["source"]), path
