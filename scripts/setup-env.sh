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
