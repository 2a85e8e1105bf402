"""The offline archive of the book (``python scripts/bookpdf.py offline``; scripts/test.sh builds
it from the quick build) renders its math with no network.

One chapter page of the unpacked archive is opened in headless Chromium with every host name
unresolvable (``scripts/bookpdf.py render``): MathJax, served from the archive's own
``_static/mathjax/``, must typeset the page's formulas, none with an error, and leave no raw TeX.
The archive holds the MathJax it loads and no page loads a script from another host. Set
GENCOURSE_ARCHIVE to test another archive. A missing archive or browser is a skip, or a failure
with GENCOURSE_REQUIRE_PDF=1 (scripts/test.sh).
"""

import importlib.util
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from _book import ROOT

ARCHIVE = Path(os.environ.get("GENCOURSE_ARCHIVE", ROOT / "_build" / "gencourse-html.zip"))
REQUIRE = os.environ.get("GENCOURSE_REQUIRE_PDF") == "1"
PAGE = "chapters/01_distribution_learning.html"

_spec = importlib.util.spec_from_file_location("bookpdf", ROOT / "scripts" / "bookpdf.py")
bookpdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bookpdf)


@pytest.fixture(scope="module")
def archive() -> zipfile.ZipFile:
    if not ARCHIVE.is_file():
        if REQUIRE:
            raise RuntimeError(f"no archive at {ARCHIVE}: python scripts/bookpdf.py offline")
        pytest.skip(f"no archive at {ARCHIVE} (python scripts/bookpdf.py offline)")
    with zipfile.ZipFile(ARCHIVE) as opened:
        yield opened


def test_archive_holds_mathjax_and_loads_nothing_from_elsewhere(archive):
    names = archive.namelist()
    top = names[0].split("/")[0]
    assert f"{top}/index.html" in names and f"{top}/{PAGE}" in names
    assert f"{top}/_static/mathjax/tex-mml-chtml.js" in names
    assert any(n.startswith(f"{top}/_static/mathjax/output/chtml/fonts/woff-v2/") for n in names)
    for name in names:
        if name.endswith(".html"):
            text = archive.read(name).decode()
            remote = re.findall(r'<script[^>]+src="(https?:[^"]+)"', text)
            assert not remote, f"{name} loads scripts from the network: {remote}"


def test_a_page_renders_its_math_with_no_network(archive):
    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        if REQUIRE:
            raise RuntimeError("no Chromium: bash scripts/setup-env.sh installs Debian's chromium")
        pytest.skip("no Chromium (Debian's chromium)")
    found = bookpdf.render(ARCHIVE, PAGE)
    assert found["typeset"] >= 20, found  # Chapter 1 has dozens of formulas
    assert found["errors"] == 0 and found["raw_tex"] == 0, found
