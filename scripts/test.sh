#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script):
#   1. style (ruff lint and format, pyproject.toml; ruff lint of the chapters' code cells), unit
#      tests of gencourse and of the project's files (pytest tests/), the docstrings' examples
#      (doctest), the package's unit tests again in float64;
#   2. every Colab twin of the instructor set executed by nbval, under the quick compute budget,
#      with gencourse installed from a wheel built from the checkout, where the source tree is not
#      importable (as a student's runtime after `pip install git+...`);
#   3. a quick build of the book (Sphinx warnings are errors; chapters executed through the
#      execution cache of scripts/bookcache.py, which tests/tools/test_bookcache.py checks), then its
#      PDF from the same cache (scripts/bookpdf.py: LaTeX only) and its offline archive;
#   4. the tests of the built HTML, and of the twins' numbers and links against it; every figure's
#      alt text; the accessibility audit of every page (axe-core's WCAG 2.1 A/AA rules in headless
#      Chromium, light and dark mode) and MathJax's rendering of every page and twin
#      (scripts/audit.mjs, tests/book/test_audit.py);
#   5. the homework (in lane B, below, beside step 4): otter assign on every assignment (which
#      grades each reference solution: full marks), each blank student notebook (no code points)
#      and each recorded wrong submission (loses points on its question), and the requirements
#      and seed of every autograder zip;
#   6. the student edition (solutions hidden), built without execution after step 2 on its core,
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

# Steps 2 and 3 execute every chapter, each in its own way (the twins as a student runs them, the
# chapters with their hidden assertions in the book build): they run side by side, one core each
# (OMP_NUM_THREADS=1), since the toy networks gain little from a second thread and the two steps
# together finish sooner than one after the other (benchmarks/results/timings.md). The twins'
# core then builds the student edition (step 6, no execution) while the book build ends.
work=$(mktemp -d)
twins_pid=
lane_b_pid=
audit_pid=
kill_tree() {
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  local status=$? log
  if [ -n "$twins_pid" ]; then kill_tree "$twins_pid"; fi
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
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "== 2/6 the Colab twins (instructor set), quick budget, gencourse from a wheel, then the student edition: started"
(
set -euo pipefail
# The instructor set holds every code cell of the student set (which only lacks the gated
# solutions' cells; tests/book/test_twins.py checks that no later cell needs those), so running it
# covers both. The chapters themselves, with their hidden assertions, run in the book build (3).
# the checkout's files (tracked, and untracked but not ignored), as `pip install git+...` sees them
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$work/src"
python -m pip wheel -q --no-deps --no-build-isolation -w "$work/wheel" "$work/src"
# a bare environment that sees .venv's packages (torch, nbval, ...) through a path file, which
# does not run .venv's editable-install hook: gencourse comes from the wheel alone
python -m venv --without-pip "$work/env"
purelib() { "$1" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }
purelib python > "$(purelib "$work/env/bin/python")/gencourse-ci-deps.pth"
python -m pip --python "$work/env/bin/python" install -q --no-deps "$work"/wheel/gencourse-*.whl
(cd "$work" && env/bin/python -c 'import gencourse, sys; f = gencourse.__file__; print("gencourse from", f); sys.exit(0 if f.startswith(sys.argv[1]) else "not the wheel")' "$work/env/")
python scripts/notebooks.py nbval "$work/twins" >/dev/null
# hard wall-clock limits: a hung kernel must fail the run, not stall it
(cd "$work/twins" && timeout --kill-after=30 1500 "$work/env/bin/python" -m pytest -q \
  -p no:cacheprovider --rootdir . --nbval-lax --nbval-current-env --nbval-cell-timeout=600 .)
# Then, on the same core, step 6's first part: the student edition, built without execution (it
# needs nothing of step 3), while step 3 ends on the other core.
echo "== 6/6 student edition: built without solutions"
GENCOURSE_BOOK_PDF=1 STUDENT_EXECUTE=off bash scripts/build-student.sh
) >"$work/twins.log" 2>&1 &
twins_pid=$!
echo "== 3/6 book build, quick budget"
# Through the execution cache (scripts/bookcache.py): a rerun executes only the chapters whose code,
# gencourse/ or dependencies changed; BOOK_FRESH=1 executes every chapter.
# Its pages link to the PDF that follows (GENCOURSE_BOOK_PDF=1: _ext/pdf_book.py).
GENCOURSE_BOOK_PDF=1 timeout --kill-after=30 1500 python scripts/bookcache.py build --budget quick --quiet
echo "== 3/6 the book's PDF (LaTeX from the same execution cache) and offline archive"
step=$SECONDS
timeout --kill-after=30 900 python scripts/bookpdf.py pdf --budget quick --into _build/html --quiet
python scripts/bookpdf.py offline
echo "PDF and offline archive in $((SECONDS - step)) s"
finish_job twins_pid "$work/twins.log" \
  "2/6 the Colab twins, then the student edition's build: output" \
  "step 2 (the twins) or the student edition's build failed"
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
