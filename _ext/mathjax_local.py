"""Sphinx extension: serve MathJax from the book's own ``_static/mathjax/``, not from a CDN.

With ``mathjax_local = True`` (``_config.yml``), Sphinx's ``mathjax_path`` becomes
``mathjax/tex-mml-chtml.js`` (relative to ``_static``) and, after an HTML build, the parts of
MathJax 3 that the pages load are copied there from npm's ``mathjax`` package, which
``scripts/setup-env.sh`` installs (pinned) into ``.venv/mathjax``: the combined TeX/MathML input
and CommonHTML output component, the TeX extensions it autoloads, the fonts, the menu and the
accessibility components (assistive MathML, the explorer and its speech rule engine).

Why the published book uses the local copy too, not only the offline archive: the archive is
then exactly the published site; MathJax's version is pinned instead of the CDN's floating
``mathjax@3``; browsers partition their caches per site, so a shared CDN no longer saves a reader
the download; and machines that reach no CDN (this project's test machines) render the math, so
a browser test of the pages sees it rendered. The cost is about 9 MB in the site.

Where MathJax is found: ``$GENCOURSE_MATHJAX`` (a ``mathjax`` package folder, the one holding
``es5/``), else ``<the Python environment>/mathjax/node_modules/mathjax``. A missing copy stops
the build with the command that installs it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

ENTRY = "tex-mml-chtml.js"
# What the entry point loads at run time (es5/ holds other combined components too, unused).
PARTS = (ENTRY, "a11y", "adaptors", "input", "output/chtml", "sre", "ui")


def mathjax_folder() -> Path:
    """The ``es5`` folder of npm's mathjax package (see the module docstring)."""
    default = Path(sys.prefix) / "mathjax" / "node_modules" / "mathjax"
    es5 = Path(os.environ.get("GENCOURSE_MATHJAX") or default) / "es5"
    if not (es5 / ENTRY).is_file():
        raise ExtensionError(
            f"MathJax not found at {es5} (mathjax_local = True): run `bash scripts/setup-env.sh`"
            " (npm install mathjax@3 into .venv/mathjax) or set GENCOURSE_MATHJAX"
        )
    return es5


def use_local_path(app: Sphinx, config: Config) -> None:
    """``config-inited``: point ``mathjax_path`` at ``_static/mathjax/``."""
    if config.mathjax_local:
        config.mathjax_path = f"mathjax/{ENTRY}"


def check_mathjax(app: Sphinx) -> None:
    """``builder-inited``: an HTML build stops at once when there is no MathJax to copy."""
    if app.config.mathjax_local and app.builder.format == "html":
        mathjax_folder()


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: copy MathJax's parts into ``_static/mathjax/`` of an HTML build."""
    if exception is not None or not app.config.mathjax_local or app.builder.format != "html":
        return
    source, target = mathjax_folder(), Path(app.outdir) / "_static" / "mathjax"
    shutil.rmtree(target, ignore_errors=True)
    for part in PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / part, target / part)


def setup(app: Sphinx) -> dict:
    app.add_config_value("mathjax_local", False, "html", bool)
    app.connect("config-inited", use_local_path)
    app.connect("builder-inited", check_mathjax)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
