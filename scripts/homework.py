"""Auto-graded homework with otter-grader: generate the assignments and check their grading.

    python scripts/homework.py assign [NAME ...]    # otter assign: homework/dist/NAME/
    python scripts/homework.py check  [NAME ...]    # assign, then check the grading (below)
    python scripts/homework.py grade NAME NOTEBOOK  # the per-question scores of one submission

The masters are Jupytext percent scripts, homework/NN_name.py (homework N belongs to chapter N), in
otter's assignment format: raw cells ``# BEGIN QUESTION`` ... ``# END QUESTION``, solutions between
``# BEGIN SOLUTION`` and ``# END SOLUTION``, exception-based tests (hidden ones marked
``hidden: true``), written questions marked ``manual: true``. ``otter assign`` writes for each one:

* ``homework/dist/NAME/student/NAME.ipynb``: the notebook to hand out, solutions removed, public
  tests embedded (``grader.check("q1")`` works alone, on Colab too);
* ``homework/dist/NAME/autograder/``: the solution notebook and ``NAME-autograder_*.zip`` (hidden
  tests, otter's configuration with the seed, and the environment built from
  homework/requirements.txt) for ``otter run``, ``otter grade`` and Gradescope.

``check`` fails unless, for every assignment:

1. the reference solution gets full marks: ``otter assign`` itself grades the solution notebook
   with the zip in a Jupyter kernel (its ``run_tests``) and stops otherwise;
2. the blank student notebook gets none of the code points;
3. every recorded wrong submission, ``homework/wrong/NAME/*.py`` (the classic mistakes: one
   function, with ``# question:`` and ``# mistake:`` header lines), loses points on its question,
   and the public tests alone reject those marked ``# public: rejects it`` (at least one per
   question: its most common mistake), so that a student is not told "passed" for it;
4. the zip carries the requirements (torch, gencourse) and the seed, and tests for every question.

Grading a notebook in a Jupyter kernel (``otter run``) costs seconds, most of them starting the
kernel and importing torch, and the check grades about 45 notebooks. So 2 and 3, and a second
grading of the reference solution, run through otter's own grading code in this process
(:func:`grade_in_process`: otter's grading mode, its intercell seeding, the zip's test files and
otter's test runner, as in the kernel), with torch imported once. The two paths are compared on
every run: the reference solution must get full marks both ways, and one wrong submission is
graded both ways and must get the same score per question.

The placeholder GENCOURSE_PIP_URL (in the masters' install cell and in homework/requirements.txt)
becomes the archive of the repository named in _config.yml, so that Colab and the grading images
install gencourse from it.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import yaml
from booktools.book import Book  # scripts/booktools: the repository's URL lives in _config.yml

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "homework"
DIST = HOMEWORK / "dist"
WRONG = HOMEWORK / "wrong"
REQUIREMENTS = HOMEWORK / "requirements.txt"


def masters(names: list[str] | None = None) -> list[Path]:
    found = sorted(HOMEWORK.glob("[0-9][0-9]_*.py"))
    if names:
        missing = set(names) - {p.stem for p in found}
        if missing:
            raise SystemExit(
                f"no homework named {sorted(missing)}; have {[p.stem for p in found]}"
            )
        found = [p for p in found if p.stem in names]
    return found


def pip_url() -> str:
    """The repository's archive (a GitHub URL): pip installs it without git."""
    url, branch = Book(ROOT).repository()
    return f"{url}/archive/refs/heads/{branch}.zip"


# ---------------------------------------------------------------------------------------------
# Reading a master: its configuration and its questions
# ---------------------------------------------------------------------------------------------


@dataclass
class Question:
    name: str
    points: float
    manual: bool
    functions: list[str]  # the functions its solution defines


def config(master: Path) -> dict:
    """The ASSIGNMENT CONFIG of a master (its first raw cell)."""
    for cell in jupytext.read(master).cells:
        if cell.cell_type == "raw" and cell.source.lstrip().startswith("# ASSIGNMENT CONFIG"):
            return yaml.safe_load(cell.source.split("\n", 1)[1])
    raise SystemExit(f"{master.name}: no ASSIGNMENT CONFIG cell")


def questions(master: Path) -> list[Question]:
    """The questions of a master, in order, with the functions each solution defines."""
    found, current, in_solution = [], None, False
    for cell in jupytext.read(master).cells:
        text = cell.source.strip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN QUESTION"):
            meta = yaml.safe_load(text.split("\n", 1)[1])
            current = Question(meta["name"], float(meta["points"]), bool(meta.get("manual")), [])
            found.append(current)
        elif cell.cell_type == "raw" and text.startswith("# BEGIN SOLUTION"):
            in_solution = True
        elif cell.cell_type == "raw" and text.startswith("# END SOLUTION"):
            in_solution = False
        elif in_solution and cell.cell_type == "code" and current is not None:
            current.functions += defined_functions(cell.source)
    return found


def defined_functions(source: str) -> list[str]:
    return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


@dataclass
class WrongSubmission:
    path: Path
    question: str
    mistake: str
    source: str
    public: bool  # a most common mistake: the public tests alone must reject it


def wrong_submissions(name: str) -> list[WrongSubmission]:
    found = []
    for path in sorted((WRONG / name).glob("*.py")):
        text = path.read_text()
        header = dict(re.findall(r"^# (question|mistake|public): (.+)$", text, re.M))
        if "question" not in header or "mistake" not in header:
            raise SystemExit(f"{path}: needs '# question: qN' and '# mistake: ...' header lines")
        public = header.get("public", "").startswith("rejects")
        found.append(
            WrongSubmission(path, header["question"].strip(), header["mistake"], text, public)
        )
    return found


# ---------------------------------------------------------------------------------------------
# otter assign
# ---------------------------------------------------------------------------------------------


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
        # the configuration names requirements.txt, next to the notebook
        (Path(tmp) / "requirements.txt").write_text(
            REQUIREMENTS.read_text().replace("GENCOURSE_PIP_URL", pip_url())
        )
        run = subprocess.run(
            [sys.executable, "-m", "otter", "assign", str(source), str(out)],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
    if run.returncode != 0:  # e.g. the reference solution does not get full marks
        tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
        raise AssignError(f"otter assign failed on {master.name}:\n{tail}")
    return out


class AssignError(RuntimeError):
    """otter assign failed (its run_tests: the reference solution did not get full marks)."""


def autograder_zip(out: Path) -> Path:
    zips = sorted((out / "autograder").glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise SystemExit(f"expected one autograder zip in {out / 'autograder'}, found {len(zips)}")
    return zips[0]


def zip_problems(master: Path, out: Path) -> list[str]:
    """What a grading image needs and the zip lacks: requirements, seed, tests per question."""
    problems = []
    with zipfile.ZipFile(autograder_zip(out)) as archive:
        names = set(archive.namelist())
        environment = yaml.safe_load(archive.read("environment.yml"))
        otter_config = json.loads(archive.read("otter_config.json"))
    pip = next((d["pip"] for d in environment["dependencies"] if isinstance(d, dict)), [])
    for requirement in requirement_lines():
        if requirement not in pip:
            problems.append(f"the zip's environment.yml lacks {requirement!r}")
    seed = config(master).get("seed", {})
    if not seed or otter_config.get("seed") != seed.get("autograder_value"):
        problems.append("the zip does not seed the grading with the autograder seed")
    if otter_config.get("seed_variable") != seed.get("variable"):
        problems.append("the zip's seed variable is not the one of the ASSIGNMENT CONFIG")
    for question in questions(master):
        if not question.manual and f"tests/{question.name}.py" not in names:
            problems.append(f"the zip has no tests for {question.name}")
    return problems


def requirement_lines() -> list[str]:
    lines = REQUIREMENTS.read_text().replace("GENCOURSE_PIP_URL", pip_url()).splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# ---------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------


def otter_run(out: Path, notebook: Path) -> dict[str, tuple[float, float]]:
    """``otter run`` (a Jupyter kernel, as ``otter grade`` in a container): score per question."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "otter",
                "run",
                "-a",
                str(autograder_zip(out)),
                "-o",
                tmp,
                str(notebook),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        results = json.loads((Path(tmp) / "results.json").read_text())
    scores: dict[str, tuple[float, float]] = {}
    for test in results["tests"]:
        if "max_score" in test:
            question = test["name"].split(" ")[0]
            score, possible = scores.get(question, (0.0, 0.0))
            scores[question] = (score + test.get("score", 0.0), possible + test["max_score"])
    return scores


def grade_in_process(out: Path, notebook: nbformat.NotebookNode) -> dict[str, tuple[float, float]]:
    """Grade ``notebook`` with the zip of ``out`` in this process: score per question, and the
    questions whose public tests all pass (:class:`Scores`).

    The steps of otter's kernel grading (otter.execute.grade_notebook), with otter's own code:
    GradingPreprocessor's cell filter and intercell seeding (``SEED = <autograder value>`` before
    every cell), grading mode (the notebook's ``grader.check`` cells run the zip's tests, hidden
    ones included), the cells executed in order with errors ignored, then every test file not yet
    run, and otter's GradingResults. What differs: the cells run in a fresh namespace of this
    interpreter instead of a new kernel, and IPython syntax (magics) is not supported. (Compared
    with ``otter run`` on every ``check``.)
    """
    import matplotlib.pyplot as plt
    import otter
    from otter.execute import Checker
    from otter.execute.preprocessor import GradingPreprocessor
    from otter.test_files import GradingResults

    nb = nbformat.from_dict(json.loads(json.dumps(notebook)))  # a copy
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(autograder_zip(out)) as archive:
        archive.extractall(tmp)
        settings = json.loads((Path(tmp) / "otter_config.json").read_text())
        tests = Path(tmp) / "tests"
        preprocessor = GradingPreprocessor(
            seed=settings.get("seed"), seed_variable=settings.get("seed_variable")
        )
        preprocessor.filter_ignored_cells(nb)
        preprocessor.add_seeds(nb)
        # the submission beside the tests, as in otter's grading directory: otter.Notebook reads it
        nbformat.write(nb, Path(tmp) / f"{out.name}.ipynb")
        otter.Notebook.init_grading_mode(str(tests))
        namespace: dict = {"__name__": "__main__"}
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    try:
                        exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)
                    except Exception:  # noqa: BLE001  (otter ignores errors: allow_errors)
                        pass
                for test in sorted(tests.glob("*.py")):
                    Checker.check_if_not_already_checked(str(test), global_env=namespace)
                results = GradingResults(Checker.get_results())
        finally:
            os.chdir(cwd)
            otter.Notebook._grading_mode = False
            otter.Notebook._tests_dir_override = None
            Checker.clear_results()
            Checker.disable_tracking()
            plt.close("all")
    scores = Scores(
        (name, (float(results.get_score(name)), float(results.get_result(name).possible)))
        for name in results.test_files
    )
    scores.public_passed = {
        name
        for name in results.test_files
        if all(
            r.passed for r in results.get_result(name).test_case_results if not r.test_case.hidden
        )
    }
    return scores


class Scores(dict):
    """Score and maximum per question; ``public_passed``: the questions whose public tests pass."""

    public_passed: set[str] = set()


def submission(out: Path, wrong: WrongSubmission) -> nbformat.NotebookNode:
    """The solution notebook, its cell defining the wrong submission's functions replaced."""
    name = out.name
    nb = nbformat.read(out / "autograder" / f"{name}.ipynb", as_version=4)
    replaced = defined_functions(wrong.source)
    for cell in nb.cells:
        if cell.cell_type == "code" and set(defined_functions(cell.source)) & set(replaced):
            cell.source = wrong.source
            return nb
    raise SystemExit(f"{wrong.path}: no cell of {name} defines {replaced}")


def grade(name: str, notebook: Path) -> dict[str, tuple[float, float]]:
    """Per-question scores of one submission, graded in process with homework/dist/NAME's zip."""
    return grade_in_process(DIST / name, nbformat.read(notebook, as_version=4))


def code_questions(master: Path) -> list[Question]:
    return [q for q in questions(master) if not q.manual]


def check(master: Path, out: Path, crosscheck: bool) -> list[str]:
    name = master.stem
    failures = [f"{name}: {problem}" for problem in zip_problems(master, out)]
    code = code_questions(master)
    if not code or not any(q.manual for q in questions(master)):
        failures.append(f"{name}: needs at least one code question and one written question")

    reference = grade_in_process(out, nbformat.read(out / "autograder" / f"{name}.ipynb", 4))
    missing = [
        q.name
        for q in code
        if reference.get(q.name, (0, 1))[0] != reference.get(q.name, (0, 1))[1]
    ]
    print(f"  reference solution: {format_scores(reference)}")
    if missing:
        failures.append(
            f"{name}: graded in process, the reference solution loses points on {missing}"
        )

    blank = grade_in_process(out, nbformat.read(out / "student" / f"{name}.ipynb", 4))
    print(f"  blank student notebook: {format_scores(blank)}")
    scored = [q for q, (score, _) in blank.items() if score > 0]
    if scored:
        failures.append(f"{name}: the blank notebook scores on {scored}: those tests cannot fail")

    wrongs = wrong_submissions(name)
    for question in code:
        if not any(w.question == question.name and w.public for w in wrongs):
            failures.append(f"{name}: {question.name} has no recorded most common wrong answer")
    for index, wrong in enumerate(wrongs):
        scores = grade_in_process(out, submission(out, wrong))
        score, possible = scores.get(wrong.question, (None, None))
        rejected = wrong.question not in scores.public_passed
        verdict = "loses points" if score is not None and score < possible else "KEEPS ITS POINTS"
        verdict += ", rejected by the public tests" if rejected else ", passes the public tests"
        print(f"  wrong {wrong.path.stem} ({wrong.question}): {format_scores(scores)}: {verdict}")
        if score is None or score >= possible:
            failures.append(f"{wrong.path.relative_to(ROOT)}: gets full marks on {wrong.question}")
        if wrong.public and not rejected:
            failures.append(f"{wrong.path.relative_to(ROOT)}: the public tests pass this mistake")
        if crosscheck and index == 0:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{name}.ipynb"
                nbformat.write(submission(out, wrong), path)
                kernel = otter_run(out, path)
            print(f"  the same graded by otter run in a kernel: {format_scores(kernel)}")
            # otter run's results.json rounds each score to 5 decimals (GradingResults.
            # to_gradescope_dict: 1.66667 for 5/3), hence the tolerance; a test that passes in
            # one path and fails in the other moves the score by a test's points, far more.
            if kernel.keys() != scores.keys() or any(
                abs(kernel[q][i] - scores[q][i]) > 1e-5 for q in kernel for i in (0, 1)
            ):
                failures.append(
                    f"{name}: otter run and the in-process grading disagree on "
                    f"{wrong.path.name}: {kernel} against {dict(scores)}"
                )
    return failures


def format_scores(scores: dict[str, tuple[float, float]]) -> str:
    return ", ".join(f"{q} {s:g}/{p:g}" for q, (s, p) in sorted(scores.items()))


def main(argv: list[str]) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    if argv[:1] == ["grade"] and len(argv) == 3:
        print(format_scores(grade(argv[1], Path(argv[2]))))
        return 0
    if not argv or argv[0] not in ("assign", "check"):
        print(__doc__)
        return 2
    failures = []
    if len(argv) == 1 and DIST.exists():  # every assignment: remove those of deleted masters
        for stale in set(DIST.iterdir()) - {DIST / m.stem for m in masters()}:
            shutil.rmtree(stale)
    for position, master in enumerate(masters(argv[1:])):
        try:
            out = assign(master)
        except AssignError as error:
            print(error)
            failures.append(f"{master.stem}: otter assign failed")
            continue
        print(f"{master.stem}: {out.relative_to(ROOT)}/student/{master.stem}.ipynb")
        if argv[0] == "check":
            failures += check(master, out, crosscheck=position == 0)
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
