#!/usr/bin/env bash
# What the PDF and the offline book need beyond Python (called by scripts/setup-env.sh; each part
# only when missing):
#   - TeX Live from Debian's packages, for the PDF (scripts/bookpdf.py): latexmk, XeLaTeX (the
#     engine sphinx-jupyterbook-latex uses, for the chapters' Unicode), the LaTeX packages Sphinx's
#     and sphinx-jupyterbook-latex's classes load (recommended + extra: fncychap, tabulary,
#     needspace, pgfplots, changepage, ucharclasses, unicode-math, ...), the FreeFont OpenType
#     fonts of the text and DejaVu Sans Mono (code: _config.yml says why), and poppler-utils (pdftotext, pdfinfo, pdftoppm) for
#     the PDF's test, and chromium (headless, for the offline archive's test: tests/book/test_offline.py).
#     Installed with apt-get as root (or through sudo when it asks no password);
#     otherwise the command to run is printed and the PDF build says what is missing.
#   - MathJax 3 from npm, pinned, into .venv/mathjax: the book serves it from its own _static/
#     (_ext/mathjax_local.py), so the offline archive renders math with no network.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${GENCOURSE_VENV:-$root/.venv}
MATHJAX_VERSION=3.2.2
TEX_PACKAGES=(latexmk texlive-xetex texlive-latex-recommended texlive-latex-extra
  texlive-fonts-recommended fonts-freefont-otf fonts-dejavu-core fonts-dejavu-extra poppler-utils
  chromium)

if ! command -v xelatex >/dev/null || ! command -v latexmk >/dev/null \
  || ! command -v pdftotext >/dev/null || ! command -v chromium >/dev/null \
  || ! kpsewhich ucharclasses.sty >/dev/null || ! kpsewhich pgfplots.sty >/dev/null \
  || [ -z "$(fc-list FreeSerif)" ] || [ -z "$(fc-list 'DejaVu Sans Mono:style=Oblique')" ]; then
  as_root=
  if [ "$(id -u)" = 0 ]; then
    as_root=env
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
  fi
  if command -v apt-get >/dev/null && [ -n "$as_root" ]; then
    echo "setup-pdf: installing TeX Live and Chromium (about 1.5 GB, once): ${TEX_PACKAGES[*]}"
    $as_root apt-get update -q >/dev/null
    $as_root DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -o DPkg::Lock::Timeout=600 "${TEX_PACKAGES[@]}" >/dev/null
  else
    echo "setup-pdf: TeX Live or Chromium is missing (no PDF, no offline check); install them with" >&2
    echo "  apt-get install --no-install-recommends ${TEX_PACKAGES[*]}" >&2
  fi
fi

mathjax="$venv/mathjax/node_modules/mathjax"
if [ ! -f "$mathjax/es5/tex-mml-chtml.js" ] \
  || ! grep -q "\"version\": \"$MATHJAX_VERSION\"" "$mathjax/package.json"; then
  if command -v npm >/dev/null; then
    npm install --prefix "$venv/mathjax" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "mathjax@$MATHJAX_VERSION"
  else
    echo "setup-pdf: npm not found: MathJax (served by the book itself) is not installed" >&2
  fi
fi
