"""Chapter notebooks: the Colab twins (instructor and student sets) and the notebooks CI executes.

    python scripts/notebooks.py sync          # write both sets of twins for every chapter
    python scripts/notebooks.py check         # exit 1 if a twin of either set is missing or stale
    python scripts/notebooks.py nbval DIR     # write the instructor twins, with the expected
                                              # outputs of '# NBVAL_CHECK_OUTPUT' cells, into DIR

The converter is the package scripts/booktools/ (its docstring: what a twin holds, where a new
directive or role and their tests go); this file is its command line, on this repository.
"""

import sys
from pathlib import Path

from booktools.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], root=Path(__file__).resolve().parents[1]))
