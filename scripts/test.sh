#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script):
#   1. style (ruff lint and format, pyproject.toml; ruff lint of the chapters' code cells), unit
#      tests of gencourse and of the project's files (pytest tests/), the docstrings' examples
#      (doctest), the package's unit tests again in float64;
#   2. every chapter executed once under the quick compute budget, hidden assertions included, as
#      many at a time as the machine has cores (two here), with gencourse installed from a wheel
#      built from the checkout, where the source tree is not importable (as a student's runtime
#      after `pip install git+...`), into the execution cache of scripts/bookcache.py (which
#      tests/tools/test_bookcache.py checks); the Colab twins' set-up cell in the same environment
#      (the twins hold the chapters' code cells: below);
#   3. a quick build of the book from that cache (Sphinx warnings are errors; nothing executed),
#      then its PDF from the same cache (scripts/bookpdf.py: LaTeX only) and its offline archive;
#   4. the tests of the built HTML, and of the twins' numbers, links and checked outputs against it
#      and the executed chapters; every figure's alt text; the accessibility audit of every page
#      (axe-core's WCAG 2.1 A/AA rules in headless Chromium, light and dark mode) and MathJax's
#      rendering of every page and twin (scripts/audit.mjs, tests/book/test_audit.py);
#   5. the homework (in lane B, below, beside step 4): otter assign on every assignment (which
#      grades each reference solution: full marks), each blank student notebook (no code points)
#      and each recorded wrong submission (loses points on its question), and the requirements
#      and seed of every autograder zip;
#   6. the student edition (solutions hidden), built without execution beside step 3's build,
#      and its PDF (from the quick cache of step 3, in lane B before the homework); their tests and
#      audit (light theme); then the student path end to end: no solution of the book or of the
#      homework in any file a student receives (student edition and PDF, student twins, homework
#      student notebooks); the PDFs' tests (tests/book/test_pdf.py) and the offline archive opened
#      in headless Chromium with no network (tests/book/test_offline.py).
# The steps overlap, one core each where a job is single-threaded; a background job's output is
# shown where the script waits for it, or, if the run fails before that, when it stops.
# It creates and fills .venv itself (scripts/setup-env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/activate.sh"
export GENCOURSE_BUDGET=quick GENCOURSE_PROGRESS=0 PYTHONHASHSEED=0
start=$SECONDS

echo "== 1/6 style, unit tests, doctests, the package's unit tests in float64"
ruff check .
ruff format --check .
python scripts/lint_chapters.py  # ruff over the chapters' code cells (through Jupytext)
# The tests run on both cores, one single-threaded pytest-xdist worker per core (--dist
# worksteal: a worker that finishes early takes over tests the other has not started), since the
# package's toy models gain little from a second thread (benchmarks/results/timings.md).
(
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
python -m pytest -q -p no:cacheprovider -n 2 --dist worksteal --durations=20 tests \
  --ignore=tests/book/test_html.py --ignore=tests/book/test_twins_html.py \
  --ignore=tests/book/test_alt_text.py --ignore=tests/book/test_audit.py \
  --ignore=tests/book/test_pdf.py --ignore=tests/book/test_offline.py
python -m pytest -q -p no:cacheprovider --doctest-modules gencourse
# the package's unit tests (tests/package/) again in double precision (tests/conftest.py:
# --dtype), where a dtype bug shows; the tests of the book and of the tools have no dtype
python -m pytest -q -p no:cacheprovider -n 2 --dist worksteal --durations=10 --dtype float64 \
  tests/package
)

# Step 2 executes every chapter once, its hidden assertions included, one chapter per core at a
# time (scripts/bookcache.py execute: jupyter-cache's executing function in a pool of processes),
# into the execution cache that step 3's build and PDFs read: the build executes nothing
# (--cached-only). The kernels run
# the Python of a bare environment where gencourse comes from a wheel built from the checkout, in
# temporary folders, as a student's runtime after `pip install git+...` runs it: so the chapters'
# code, which holds every code cell of both sets of Colab twins (tests/book/test_twins.py: the
# same cells in the same order; no later cell needs a name that only a dropped cell defines, or
# reads a value that a dropped cell changed), runs as a twin's does. The twins' printed results
# marked '# NBVAL_CHECK_OUTPUT' are compared with what the chapters printed
# (tests/book/test_twins_html.py, step 4), and the twins' set-up cell runs in the same
# environment here. The twins themselves run top to bottom in Colab's own runtime image
# every week (.github/workflows/colab.yml: scripts/run-notebooks.sh), or here on demand with nbval
# (README.md, "Writing a chapter"). Executing each chapter once, not once as a twin and once in
# the book build, halves the test command's execution (benchmarks/results/timings.md).
work=$(mktemp -d)
student_pid=
lane_b_pid=
audit_pid=
kill_tree() {
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  local status=$? log
  if [ -n "$student_pid" ]; then kill_tree "$student_pid"; fi
  if [ -n "$lane_b_pid" ]; then kill_tree "$lane_b_pid"; fi
  if [ -n "$audit_pid" ]; then kill_tree "$audit_pid"; fi
  # a failed run shows what the background jobs had written (a shown log is removed)
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      if [ -f "$log" ]; then
        echo "== the end of $(basename "$log"), not shown before:"
        tail -n 60 "$log"
      fi
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# finish_job VAR LOG TITLE FAILURE: wait for the background job whose pid is in $VAR (then
# cleared, so that cleanup leaves it alone), show its log under TITLE (if any) and remove the log;
# if the job failed, say FAILURE with its exit status and stop the run with it
finish_job() {
  local rc=0
  wait "${!1}" || rc=$?
  printf -v "$1" ''
  if [ -n "$3" ]; then echo "== $3"; fi
  cat "$2"
  rm "$2"
  if [ "$rc" -ne 0 ]; then
    echo "$4 (exit status $rc)" >&2
    exit "$rc"
  fi
}
# one thread per kernel: the toy networks gain little from a second thread, and two chapters at a
# time use both cores (benchmarks/results/timings.md)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "== 2/6 every chapter executed once, one per core at a time, gencourse from a wheel"
step=$SECONDS
# the checkout's files (tracked, and untracked but not ignored), as `pip install git+...` sees them
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$work/src"
python -m pip wheel -q --no-deps --no-build-isolation -w "$work/wheel" "$work/src"
# a bare environment that sees .venv's packages (torch, jupyter-cache, ...) through a path file,
# which does not run .venv's editable-install hook: gencourse comes from the wheel alone
python -m venv --without-pip "$work/env"
purelib() { "$1" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }
purelib python > "$(purelib "$work/env/bin/python")/gencourse-ci-deps.pth"
python -m pip --python "$work/env/bin/python" install -q --no-deps "$work"/wheel/gencourse-*.whl
# the twins' set-up cell (the same in every twin), then where gencourse comes from
python -c 'import json, sys; print("".join(json.load(open(sys.argv[1]))["cells"][0]["source"]))' \
  notebooks/01_distribution_learning.ipynb >"$work/setup_cell.py"
(cd "$work" && env/bin/python setup_cell.py && env/bin/python -c 'import gencourse, sys; f = gencourse.__file__; print("gencourse from", f); sys.exit(0 if f.startswith(sys.argv[1]) else "not the wheel")' "$work/env/")
# a hard wall-clock limit: a hung kernel must fail the run, not stall it
timeout --kill-after=30 1500 "$work/env/bin/python" scripts/bookcache.py execute --budget quick
echo "step 2 in $((SECONDS - step)) s"

# Step 3 and step 6's first part side by side: the book's build, from step 2's cache, and the
# student edition's, without execution.
echo "== 6/6 student edition: build without solutions, started"
(GENCOURSE_BOOK_PDF=1 STUDENT_EXECUTE=off bash scripts/build-student.sh) >"$work/student.log" 2>&1 &
student_pid=$!
echo "== 3/6 book build, quick budget, every chapter from step 2's execution cache"
# Its pages link to the PDF that follows (GENCOURSE_BOOK_PDF=1: _ext/pdf_book.py).
GENCOURSE_BOOK_PDF=1 timeout --kill-after=30 1500 python scripts/bookcache.py build --budget quick \
  --quiet --cached-only
echo "== 3/6 the book's PDF (LaTeX from the same execution cache) and offline archive"
step=$SECONDS
timeout --kill-after=30 900 python scripts/bookpdf.py pdf --budget quick --into _build/html --quiet
python scripts/bookpdf.py offline
echo "PDF and offline archive in $((SECONDS - step)) s"
finish_job student_pid "$work/student.log" "6/6 the student edition's build: output" \
  "the student edition's build failed"
# What follows runs in two lanes, one core each, so that no core idles while a single-threaded
# job runs (benchmarks/results/timings.md): lane B (background) makes the student PDF (from step
# 3's cache) and grades the homework (step 5: otter and its kernels); lane A (here) runs step 4,
# the built HTML's tests and the audit of the book's pages and of the twins' MathJax in headless
# Chromium (which takes whatever core lane B leaves). Both done, the tests of the student
# edition, of the PDFs and of the offline archive run beside the student edition's audit.
echo "== 6/6 the student PDF, then 5/6 the homework: started"
(
set -euo pipefail
step=$SECONDS
timeout --kill-after=30 900 python scripts/bookpdf.py pdf --budget quick --edition student \
  --into _build/student/_build/html --quiet
echo "student PDF in $((SECONDS - step)) s"
echo "== 5/6 homework: otter assign, reference solutions, blanks and recorded wrong submissions"
step=$SECONDS
timeout --kill-after=30 900 python scripts/homework.py check
echo "homework in $((SECONDS - step)) s"
) >"$work/lane-b.log" 2>&1 &
lane_b_pid=$!
unset OMP_NUM_THREADS MKL_NUM_THREADS

echo "== 4/6 built HTML"
GENCOURSE_REQUIRE_HTML=1 python -m pytest -q -p no:cacheprovider tests/book/test_html.py \
  tests/book/test_twins_html.py tests/book/test_alt_text.py
# the audit of the book's pages and of the rendered twins (the student edition's: below)
GENCOURSE_REQUIRE_HTML=1 python -m pytest -q -p no:cacheprovider -s tests/book/test_audit.py -k "not student"

finish_job lane_b_pid "$work/lane-b.log" "6/6 and 5/6 (lane B): output" \
  "the student PDF or the homework failed"

echo "== 6/6 student edition, PDFs and offline archive: tests, beside the student edition's audit"
GENCOURSE_REQUIRE_HTML=1 python -m pytest -q -p no:cacheprovider -s tests/book/test_audit.py \
  -k student >"$work/student-audit.log" 2>&1 &
audit_pid=$!
step=$SECONDS
GENCOURSE_REQUIRE_HTML=1 GENCOURSE_REQUIRE_PDF=1 python -m pytest -q -p no:cacheprovider \
  tests/book/test_student_edition.py tests/book/test_student_path.py tests/book/test_pdf.py \
  tests/book/test_offline.py
echo "tests of the student edition, the PDFs and the offline archive in $((SECONDS - step)) s"
finish_job audit_pid "$work/student-audit.log" "" "the student edition's audit failed"

echo "all tests passed in $((SECONDS - start)) s (after set-up)"
