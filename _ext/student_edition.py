"""Sphinx extension: the student edition, every exercise solution removed.

With ``student_edition = True`` (set by ``scripts/build-student.sh``) every solution node of
sphinx-exercise is removed from the document, after sphinx-exercise has merged the gated solutions
(``solution-start`` ... ``solution-end``, whose code cells run) into single solution nodes.

sphinx-exercise's own ``hide_solutions`` option drops the ``solution`` directives at parse time,
but with gated solutions (sphinx-exercise 1.2.1) it leaves the ``solution-end`` node, which no
HTML translator knows (the build fails with "unknown node type: solution_end_node"), and the code
cells between the gates would stay in the page. Removing the merged nodes covers both kinds.

The student edition publishes no page source (``html_copy_source = False``: the chapters' ``.md``
files hold every solution), so the download buttons of sphinx-book-theme that would open
``_sources/`` (the ``.md`` and ``.ipynb`` ones, which the theme adds regardless, pointing at
``_sources/`` itself) are removed from each page; the PDF one stays.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform


class RemoveSolutions(SphinxTransform):
    """Remove every sphinx-exercise solution node (plain and merged gated ones)."""

    default_priority = 900  # after sphinx-exercise's MergeGatedSolutions (priority 10)

    def apply(self) -> None:
        if not self.config.student_edition:
            return
        from sphinx_exercise.nodes import solution_node

        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


def remove_source_downloads(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Drop the download buttons that link into ``_sources/`` (none exists in this edition)."""
    if not app.config.student_edition:
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"] = [
                b for b in group["buttons"] if "_sources" not in str(b.get("url", ""))
            ]


def setup(app: Sphinx) -> dict:
    app.add_config_value("student_edition", False, "env")
    app.add_transform(RemoveSolutions)
    # after sphinx-book-theme's add_header_buttons (priority 501)
    app.connect("html-page-context", remove_source_downloads, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
