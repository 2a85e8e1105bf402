#!/usr/bin/env bash
# Build the published book into _build/html: every chapter executed under the full compute
# budget; any cell error or Sphinx warning fails the build. Creates .venv itself.
# Execution goes through the cache of scripts/bookcache.py: a chapter executes again only when
# its code cells, gencourse/, the dependencies or the budget changed since it last ran.
#   bash scripts/build-book.sh                          # the published book (full budget)
#   bash scripts/build-book.sh --fresh                  # every chapter executed anew (or BOOK_FRESH=1)
#   GENCOURSE_BUDGET=quick bash scripts/build-book.sh   # a fast draft (a cache of its own)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/activate.sh"
export GENCOURSE_BUDGET=${GENCOURSE_BUDGET:-full} GENCOURSE_PROGRESS=${GENCOURSE_PROGRESS:-0}
timeout --kill-after=30 5400 python scripts/bookcache.py build "$@"
echo "book built into $root/_build/html (budget: $GENCOURSE_BUDGET)"
