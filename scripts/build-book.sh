#!/usr/bin/env bash
# Build the published book into _build/html: every chapter executed under the full compute
# budget; any cell error or Sphinx warning fails the build. Creates .venv itself.
# GENCOURSE_BUDGET=quick bash scripts/build-book.sh gives a fast draft.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/activate.sh"
export GENCOURSE_BUDGET=${GENCOURSE_BUDGET:-full} GENCOURSE_PROGRESS=${GENCOURSE_PROGRESS:-0}
rm -rf _build/html _build/jupyter_execute _build/.doctrees
timeout --kill-after=30 5400 jupyter-book build . --warningiserror --nitpick --keep-going
echo "book built into $root/_build/html (budget: $GENCOURSE_BUDGET)"
