"""Auto-graded homework with otter-grader.

    python scripts/homework.py assign [NAME ...]   # otter assign: homework/dist/NAME/
    python scripts/homework.py check  [NAME ...]   # assign, then grade each reference solution
                                                   # (must get full marks) and each blank student
                                                   # notebook (must not pass)

The masters are Jupytext percent scripts, homework/NN_name.py, in otter's assignment format
(raw cells ``# BEGIN QUESTION`` ... ``# END QUESTION``, ``# BEGIN SOLUTION``, ``# BEGIN TESTS``,
hidden tests marked ``hidden: true``). ``otter assign`` writes for each one:

* ``homework/dist/NAME/student/NAME.ipynb``: the notebook to distribute, solutions removed, with
  ``grader.check("qN")`` cells (public tests embedded, so it also works alone on Colab);
* ``homework/dist/NAME/autograder/``: the solution notebook and ``NAME-autograder_*.zip`` for
  ``otter run`` (or Gradescope).

The placeholder GENCOURSE_PIP_URL in a master's install cell becomes the repository of
_config.yml, so the student notebook installs gencourse on Colab.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "homework"
DIST = HOMEWORK / "dist"
sys.path.insert(0, str(ROOT / "scripts"))
import notebooks  # noqa: E402  (the repository's URL lives in _config.yml)


def masters(names: list[str]) -> list[Path]:
    found = sorted(HOMEWORK.glob("[0-9][0-9]_*.py"))
    if names:
        found = [p for p in found if p.stem in names]
        missing = set(names) - {p.stem for p in found}
        if missing:
            raise SystemExit(
                f"no homework named {sorted(missing)}; "
                f"have {[p.stem for p in sorted(HOMEWORK.glob('[0-9][0-9]_*.py'))]}"
            )
    return found


def pip_url() -> str:
    url, branch = notebooks.repository()
    return f"git+{url}@{branch}"


def assign(master: Path) -> Path:
    """Convert ``master`` to a notebook and run ``otter assign``; returns homework/dist/NAME."""
    out = DIST / master.stem
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(master)
    for cell in nb.cells:
        cell.source = cell.source.replace("GENCOURSE_PIP_URL", pip_url())
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{master.stem}.ipynb"
        nbformat.write(nb, source)
        subprocess.run(["otter", "assign", str(source), str(out)], check=True, cwd=tmp)
    return out


def grade(out: Path, notebook: Path) -> tuple[float, float]:
    """``otter run`` the autograder of ``out`` on ``notebook``: (score, maximum)."""
    zips = sorted((out / "autograder").glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise SystemExit(f"expected one autograder zip in {out / 'autograder'}, found {len(zips)}")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["otter", "run", "-a", str(zips[0]), "-o", tmp, str(notebook)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        results = json.loads((Path(tmp) / "results.json").read_text())
    scored = [t for t in results["tests"] if "max_score" in t]
    return sum(t.get("score", 0.0) for t in scored), sum(t["max_score"] for t in scored)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("assign", "check"):
        print(__doc__)
        return 2
    failures = []
    for master in masters(argv[1:]):
        out = assign(master)
        print(f"{master.stem}: student notebook {out / 'student' / (master.stem + '.ipynb')}")
        if argv[0] == "check":
            solution = grade(out, out / "autograder" / f"{master.stem}.ipynb")
            blank = grade(out, out / "student" / f"{master.stem}.ipynb")
            print(
                f"  reference solution {solution[0]:g}/{solution[1]:g}, "
                f"blank student notebook {blank[0]:g}/{blank[1]:g}"
            )
            if solution[1] == 0 or solution[0] != solution[1]:
                failures.append(f"{master.stem}: the reference solution does not get full marks")
            if blank[0] >= blank[1]:
                failures.append(f"{master.stem}: the blank notebook passes: its tests cannot fail")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
