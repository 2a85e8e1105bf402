"""What the tests of the project's files and of the built books share: the repository root, the
notebook generator (scripts/notebooks.py, loaded as a module), the chapters of _toc.yml, and the
rule for a missing build (a skip, or a failure with GENCOURSE_REQUIRE_HTML=1)."""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebooks", ROOT / "scripts" / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)
CHAPTERS = notebooks.chapters()


def require_build(html: Path, what: str, command: str) -> None:
    """Skip the calling test module when ``html/index.html`` is missing (fail instead when
    GENCOURSE_REQUIRE_HTML=1); ``what`` names the build, ``command`` says how to make it."""
    if (html / "index.html").exists():
        return
    if os.environ.get("GENCOURSE_REQUIRE_HTML") == "1":
        raise RuntimeError(f"no {what} at {html}: run {command} first")
    pytest.skip(f"no {what} at {html} (scripts/test.sh builds it)", allow_module_level=True)
