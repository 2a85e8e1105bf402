# Sourced by scripts/test.sh and scripts/build-book.sh: enter the repository root, create or
# update .venv (scripts/setup-env.sh) and put it first on PATH.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup-env.sh
export PATH="${GENCOURSE_VENV:-$root/.venv}/bin:$PATH"
