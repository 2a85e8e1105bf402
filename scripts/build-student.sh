#!/usr/bin/env bash
# Build the student edition of the book: the same pages with every exercise's solution removed
# (the student_edition option of _ext/student_edition.py, which also removes sphinx-exercise's gated
# solutions, where its hide_solutions option fails), into _build/student/_build/html.
#   bash scripts/build-student.sh                        # full budget, every chapter executed
#   GENCOURSE_BUDGET=quick bash scripts/build-student.sh # a fast draft
#   STUDENT_EXECUTE=off bash scripts/build-student.sh    # no execution (what CI checks: which
#                                                        # text reaches the HTML does not depend on it)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/activate.sh"
export GENCOURSE_BUDGET=${GENCOURSE_BUDGET:-full} GENCOURSE_PROGRESS=${GENCOURSE_PROGRESS:-0}
config="$root/_config.student.yml"   # derived from _config.yml, removed afterwards
trap 'rm -f "$config"' EXIT
python - "$config" "${STUDENT_EXECUTE:-force}" <<'PY'
import sys

import yaml

config = yaml.safe_load(open("_config.yml"))
config["title"] = f"{config['title']} (student edition)"
sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
sphinx_config["student_edition"] = True
# No copy of the sources (_sources/*.md, behind the pages' download button): they hold every
# solution (found by tests/book/test_student_path.py).
sphinx_config["html_copy_source"] = False
config["execute"]["execute_notebooks"] = sys.argv[2]
if sys.argv[2] == "off":
    # Unexecuted, a captioned figure cell (mystnb: figure) has no output, so no figure and no
    # label: its {numref} would be "undefined". The executed book's build checks those labels.
    sphinx_config.setdefault("suppress_warnings", []).append("ref.numref")
yaml.safe_dump(config, open(sys.argv[1], "w"), allow_unicode=True, sort_keys=False)
PY
rm -rf _build/student
timeout --kill-after=30 5400 jupyter-book build . --config "$config" --path-output _build/student \
  --warningiserror --nitpick --keep-going --quiet
echo "student edition built into $root/_build/student/_build/html (execution: ${STUDENT_EXECUTE:-force})"
