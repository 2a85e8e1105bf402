#!/usr/bin/env bash
# Execute the Colab notebooks top to bottom, as a student runs them, with the Python and the
# packages of the environment this script runs in. The weekly workflow runs it inside Colab's
# public runtime image (.github/workflows/colab.yml), so that a change of Colab's Python or torch
# shows up there before a student meets it; it runs the same way on any machine.
#
#   bash scripts/run-notebooks.sh [NOTEBOOK...]      (default: every notebooks/*.ipynb)
#
# gencourse is first installed from this checkout with pip, resolved against what the environment
# already holds (as the notebooks' own set-up cell does from GitHub: Colab's torch is kept); the
# set-up cell then finds it. Executed copies go to _build/notebooks/. Variables: PYTHON (default
# python3), GENCOURSE_BUDGET (default quick), CELL_TIMEOUT (seconds per cell, default 1800),
# INSTALL=0 to use the gencourse already installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${PYTHON:-python3}
export GENCOURSE_BUDGET=${GENCOURSE_BUDGET:-quick} GENCOURSE_PROGRESS=0
out=_build/notebooks
if [ $# -eq 0 ]; then set -- notebooks/*.ipynb; fi

if [ "${INSTALL:-1}" != 0 ]; then
  "$python" -m pip install -q .
fi
"$python" - <<'PY'
import platform

import gencourse
import numpy
import torch

print(f"Python {platform.python_version()}, torch {torch.__version__}, numpy {numpy.__version__},",
      f"gencourse {gencourse.__version__} on {gencourse.device()}, budget {gencourse.budget()}")
PY

mkdir -p "$out"
failed=()
for notebook in "$@"; do
  start=$SECONDS
  if "$python" -m nbconvert --to notebook --execute --output-dir "$out" \
      --ExecutePreprocessor.timeout="${CELL_TIMEOUT:-1800}" "$notebook" >"$out/log.txt" 2>&1; then
    echo "ok      $((SECONDS - start)) s  $notebook"
  else
    echo "FAILED  $((SECONDS - start)) s  $notebook"
    tail -n 30 "$out/log.txt" | sed 's/^/    /'
    failed+=("$notebook")
  fi
done
rm -f "$out/log.txt"
if [ ${#failed[@]} -gt 0 ]; then
  echo "${#failed[@]} of $# notebooks failed: ${failed[*]} (executed copies in $out/)"
  exit 1
fi
echo "all $# notebooks ran (executed copies in $out/)"
