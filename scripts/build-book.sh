#!/usr/bin/env bash
# Build the published book into _build/html: every chapter executed under the full compute
# budget; any cell error or Sphinx warning fails the build. Creates .venv itself.
# Execution goes through the cache of scripts/bookcache.py: a chapter executes again only when
# its code cells, gencourse/, the dependencies or the budget changed since it last ran.
#   bash scripts/build-book.sh                          # the published book (full budget)
#   bash scripts/build-book.sh --fresh                  # every chapter executed anew (or BOOK_FRESH=1)
#   GENCOURSE_BUDGET=quick bash scripts/build-book.sh   # a fast draft (a cache of its own)
#   bash scripts/build-book.sh --pdf                    # also the PDFs (scripts/bookpdf.py): the
#       instructor PDF _build/pdf/gencourse.pdf, also shipped in _build/html with a link to it on
#       every page, and the student PDF _build/pdf/gencourse-student.pdf (no solutions); from the
#       same execution cache, so they cost only LaTeX's time
#   bash scripts/build-book.sh --offline                # also _build/gencourse-html.zip, the HTML
#       as one archive that renders its math with no network (MathJax in its own _static/)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/activate.sh"
export GENCOURSE_BUDGET=${GENCOURSE_BUDGET:-full} GENCOURSE_PROGRESS=${GENCOURSE_PROGRESS:-0}
pdf=0 offline=0 args=()
for arg in "$@"; do
  case "$arg" in
    --pdf) pdf=1 ;;
    --offline) offline=1 ;;
    *) args+=("$arg") ;;
  esac
done
if [ "$pdf" = 1 ]; then
  export GENCOURSE_BOOK_PDF=1  # every page links to the PDF (_ext/pdf_book.py)
fi
timeout --kill-after=30 5400 python scripts/bookcache.py build ${args[@]+"${args[@]}"}
echo "book built into $root/_build/html (budget: $GENCOURSE_BUDGET)"
if [ "$pdf" = 1 ]; then
  timeout --kill-after=30 5400 python scripts/bookpdf.py pdf --into _build/html --quiet
  timeout --kill-after=30 5400 python scripts/bookpdf.py pdf --edition student --quiet
fi
if [ "$offline" = 1 ]; then
  python scripts/bookpdf.py offline
fi
