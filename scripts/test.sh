#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script):
#   1. style (ruff lint and format, pyproject.toml), unit tests of gencourse and of the project's
#      files (pytest tests/), the docstrings' examples (doctest), the package's unit tests again
#      in float64;
#   2. every chapter of _toc.yml executed by nbval, under the quick compute budget;
#   3. a quick build of the book (Sphinx warnings are errors; chapters executed through the
#      execution cache of scripts/bookcache.py, which tests/test_bookcache.py checks);
#   4. the tests of the built HTML;
#   5. the homework: otter assign on every assignment (which grades each reference solution: full
#      marks), each blank student notebook (no code points) and each recorded wrong submission
#      (loses points on its question), and the requirements and seed of every autograder zip;
#   6. the student edition (solutions hidden), built without execution, and its tests; then the
#      student path end to end: no solution of the book or of the homework in any file a student
#      receives (student edition, student twins, homework student notebooks).
# It creates and fills .venv itself (scripts/setup-env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/activate.sh"
export GENCOURSE_BUDGET=quick GENCOURSE_PROGRESS=0 PYTHONHASHSEED=0
start=$SECONDS

echo "== 1/6 style, unit tests, doctests, the package's unit tests in float64"
ruff check .
ruff format --check .
python -m pytest -q -p no:cacheprovider tests --ignore=tests/test_html.py
python -m pytest -q -p no:cacheprovider --doctest-modules gencourse
# the package's unit tests (tests/test_<module>.py, and test_api.py) again in double precision
# (tests/conftest.py: --dtype), where a dtype bug shows; the tests of the project's files
# (chapters, twins, workflows, the builds) have no dtype
package_tests=(tests/test_api.py)
for module in gencourse/*.py; do
  name=$(basename "$module" .py)
  [ -f "tests/test_${name#_}.py" ] && package_tests+=("tests/test_${name#_}.py")
done
python -m pytest -q -p no:cacheprovider --dtype float64 "${package_tests[@]}"

echo "== 2/6 nbval: every chapter, quick budget"
nbdir=$(mktemp -d)
trap 'rm -rf "$nbdir"' EXIT
python scripts/notebooks.py nbval "$nbdir" >/dev/null
# hard wall-clock limits: a hung kernel must fail the run, not stall it
timeout --kill-after=30 1200 python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env --nbval-cell-timeout=600 "$nbdir"

echo "== 3/6 book build, quick budget"
# Through the execution cache (scripts/bookcache.py): a rerun executes only the chapters whose code,
# gencourse/ or dependencies changed; BOOK_FRESH=1 executes every chapter.
timeout --kill-after=30 1200 python scripts/bookcache.py build --budget quick --quiet

echo "== 4/6 built HTML"
GENCOURSE_REQUIRE_HTML=1 python -m pytest -q -p no:cacheprovider tests/test_html.py

echo "== 5/6 homework: otter assign, reference solutions, blanks and recorded wrong submissions"
timeout --kill-after=30 900 python scripts/homework.py check

echo "== 6/6 student edition: built without solutions"
STUDENT_EXECUTE=off bash scripts/build-student.sh
GENCOURSE_REQUIRE_HTML=1 python -m pytest -q -p no:cacheprovider tests/test_student_edition.py \
  tests/test_student_path.py

echo "all tests passed in $((SECONDS - start)) s (after set-up)"
