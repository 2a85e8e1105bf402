"""Sphinx extension: the ``colab-badge`` directive, a link that opens a chapter's Colab notebook.

Colab opens only ``.ipynb`` files, so each chapter ``chapters/NAME.md`` has two twins made by
``scripts/notebooks.py``: ``notebooks/NAME.ipynb`` (the instructor set, with the solutions) and
``notebooks/student/NAME.ipynb`` (the student set, without). The full book links to the first; the
student edition (``student_edition = True``, see ``student_edition.py``) to the second. The link is
built from the repository URL and branch of ``_config.yml`` (``repository.url``/
``repository.branch``), the one place the repository is named.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

COLAB = "https://colab.research.google.com/github"


def colab_url(repository_url: str, branch: str, docname: str, student: bool = False) -> str:
    """Colab URL of the twin notebook of the chapter ``docname`` (e.g. ``chapters/01_x``), in
    the student set (no solutions) when ``student``."""
    repo = repository_url.rstrip("/").removesuffix(".git")
    prefix = "https://github.com/"
    if not repo.startswith(prefix):
        raise ValueError(
            f"repository.url must be a https://github.com/OWNER/REPO URL, got {repository_url!r}"
        )
    folder = PurePosixPath("notebooks/student" if student else "notebooks")
    notebook = folder / (PurePosixPath(docname).name + ".ipynb")
    return f"{COLAB}/{repo[len(prefix) :]}/blob/{branch}/{notebook}"


class ColabBadge(SphinxDirective):
    """``{colab-badge}``: a paragraph with an "Open in Colab" link for the current chapter."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        options = self.config.html_theme_options
        url = colab_url(
            options.get("repository_url", ""),
            options.get("repository_branch", "main"),
            self.env.docname,
            student=bool(getattr(self.config, "student_edition", False)),
        )
        link = nodes.reference(
            "", "Open this chapter in Colab", refuri=url, classes=["colab-link"]
        )
        para = nodes.paragraph("", "", classes=["colab-badge"])
        para += nodes.Text("▶ ")
        para += link
        para += nodes.Text(" (GPU runtime: Runtime → Change runtime type).")
        return [para]


def setup(app: Sphinx) -> dict:
    app.add_directive("colab-badge", ColabBadge)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
