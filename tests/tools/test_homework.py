"""Tests of the homework's sources (homework/, fast, nothing executed) and of gencourse.grading.

The grading itself (reference solutions, blanks, recorded wrong submissions, the zips) is checked
by ``python scripts/homework.py check`` (step 5 of scripts/test.sh); what a student receives, by
tests/book/test_student_path.py.
"""

import ast
import re

import pytest
import torch
from _book import CHAPTERS, ROOT

import homework  # scripts/homework.py, on the path through pyproject.toml's pytest pythonpath
from gencourse import flows, grading, losses, metrics

MASTERS = homework.masters()
PACKAGE = sorted((ROOT / "gencourse").glob("*.py"))


def test_one_assignment_per_chapter():
    assert len(MASTERS) == len(CHAPTERS) == 9
    for number, (master, chapter) in enumerate(zip(MASTERS, CHAPTERS), start=1):
        assert master.stem.startswith(f"{number:02d}_"), (master.name, chapter.name)
        assert chapter.stem.startswith(f"{number:02d}_")
        title = re.search(r"^# (.+)$", chapter.read_text(), re.M).group(1)
        assert f'*Book: Chapter {number}, "{title}"' in master.read_text(), (master.name, title)


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_assignment_config(master):
    config = homework.config(master)
    assert config["name"] == master.stem
    assert (
        config["requirements"] == "requirements.txt"
    )  # homework.assign writes it beside the notebook
    seed = config["seed"]  # otter seeds every cell with SEED = autograder_value when grading
    assert seed["variable"] == "SEED" and seed["autograder_value"] != seed["student_value"]
    assert f"SEED = {seed['student_value']}" in master.read_text()
    assert config["tests"] == {"ok_format": False} and config["run_tests"] is True


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_questions_tests_and_wrong_submissions(master):
    found = homework.questions(master)
    code = [q for q in found if not q.manual]
    assert code and any(q.manual for q in found), "a code question and a written question"
    text = master.read_text()
    wrongs = homework.wrong_submissions(master.stem)
    for question in code:
        assert question.functions, f"{question.name}: its solution defines the function asked for"
        block = text[
            text.index(f"name: {question.name}\n") : text.index(
                "# END QUESTION", text.index(f"name: {question.name}\n")
            )
        ]
        tests = block[block.index("# BEGIN TESTS") :]
        cells = tests.split("# %%")[1:]
        hidden = [cell for cell in cells if "hidden: true" in cell]
        public = [cell for cell in cells if "def test_" in cell and cell not in hidden]
        assert public and hidden, (
            f"{question.name}: public tests (instant feedback) and hidden tests"
        )
        for cell in (
            public + hidden
        ):  # every test runs the student's function with the answers disabled
            assert "grading.forbidden(" in cell, (
                f"{question.name}: a test without grading.forbidden"
            )
        targeted = [w for w in wrongs if w.question == question.name]
        assert any(w.public for w in targeted), f"{question.name}: no recorded most common mistake"
        for wrong in targeted:
            assert set(homework.defined_functions(wrong.source)) <= set(question.functions), (
                wrong.path
            )
    assert {w.question for w in wrongs} <= {q.name for q in code}


def _solution_code(master):
    """The code between BEGIN SOLUTION and END SOLUTION markers of a master."""
    text = master.read_text()
    return re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", text, re.S)


def test_answers_are_neither_printed_nor_callable():
    """No function a student writes exists in gencourse or in a chapter, and no line of a reference
    solution appears in the book or in the package."""
    package_functions = {
        node.name
        for path in PACKAGE
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }
    book = "\n".join(p.read_text() for p in CHAPTERS)
    sources = book + "\n".join(p.read_text() for p in PACKAGE)
    lines = 0
    for master in MASTERS:
        for question in homework.questions(master):
            for name in question.functions:
                assert name not in package_functions, f"gencourse defines {name}"
                assert f"def {name}(" not in book, f"a chapter defines {name}"
        for block in _solution_code(master):
            for line in block.splitlines():
                line = line.strip()
                if len(line) >= 30 and not line.startswith("#"):
                    lines += 1
                    assert line not in sources, (
                        f"{master.name}: {line!r} is in the book or gencourse"
                    )
    assert lines >= 20  # the check has solution lines to look for


def test_requirements_name_a_cpu_torch_and_gencourse():
    lines = homework.requirement_lines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert any(line.startswith("torch") for line in lines)
    assert f"gencourse @ {homework.pip_url()}" in lines
    assert homework.pip_url().endswith(".zip")


# ---------------------------------------------------------------------------------------------
# gencourse.grading.forbidden
# ---------------------------------------------------------------------------------------------


def test_forbidden_python_function_every_way_it_is_reached():
    from gencourse.losses import mmd2 as alias

    def captured(x, y, _f=losses.mmd2):
        return _f(x, y)

    x = torch.randn(5, 2)
    namespace = {"mmd2": losses.mmd2}
    with grading.forbidden(losses.mmd2, namespace=namespace):
        for call in (
            lambda: losses.mmd2(x, x),
            lambda: alias(x, x),
            lambda: captured(x, x),
            lambda: namespace["mmd2"](x, x),
        ):
            with pytest.raises(grading.ForbiddenCallError, match="gencourse.losses.mmd2"):
                call()
    assert (
        float(losses.mmd2(x, x + 3, bandwidth=1.0)) > 0
        and float(alias(x, x + 3, bandwidth=1.0)) > 0
    )


def test_forbidden_builtin_decorated_and_method():
    a = torch.randn(3, 3, dtype=torch.float64)
    points = torch.randn(10, 2, dtype=torch.float64)
    namespace = {"det": torch.linalg.det}
    layer = flows.AffineCoupling(flows.half_mask(4))
    with grading.forbidden(
        torch.linalg.det,
        metrics.precision_recall,
        flows.AffineCoupling.forward,
        namespace=namespace,
    ):
        for call in (
            lambda: torch.linalg.det(a),
            lambda: namespace["det"](a),
            lambda: metrics.precision_recall(points, points),
            lambda: layer(torch.randn(2, 4)),
        ):
            with pytest.raises(grading.ForbiddenCallError):
                call()
        assert float(torch.linalg.slogdet(a).logabsdet) == float(torch.linalg.slogdet(a).logabsdet)
    assert torch.isclose(torch.linalg.det(a), namespace["det"](a))
    assert metrics.precision_recall(points, points)[0] == 1.0 and layer(torch.randn(2, 4))[
        0
    ].shape == (2, 4)


def test_forbidden_restores_after_an_error():
    with pytest.raises(ValueError), grading.forbidden(losses.mmd2, torch.linalg.det):
        raise ValueError("the student's function failed")
    x = torch.randn(4, 2)
    assert float(losses.mmd2(x, x + 3, bandwidth=1.0)) > 0 and torch.linalg.det(torch.eye(2)) == 1
    with pytest.raises(TypeError, match="functions"):
        with grading.forbidden("mmd2"):
            pass
