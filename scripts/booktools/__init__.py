"""The book's tooling: the Colab twins of the chapters, the notebooks CI executes, the chapters'
list for every script.

The chapters (``chapters/*.md`` listed in ``_toc.yml``) are the single source. Each chapter has
two twins, notebooks that read like the book's page in a stock notebook front end (Colab,
JupyterLab, nbconvert), with nothing left over from MyST:

* ``notebooks/NAME.ipynb``, the instructor set: every solution follows its exercise, marked
  "Solution to Exercise N.M" (collapsed in a ``<details>`` block; a gated solution, whose code
  cells run, under a heading instead, since a ``<details>`` block cannot span cells);
* ``notebooks/student/NAME.ipynb``, the student set: no solution at all, neither its text nor
  the code cells of a gated solution (``solution-start`` ... ``solution-end``).

In both, a first cell installs gencourse from the repository (``repository.url`` of
``_config.yml``) when it is not importable, pinning the runtime's torch so that pip never
replaces it, and prints the device. Cells tagged ``remove-cell`` (the build's hidden assertions)
are dropped. Section headings carry the book's numbers; ``(label)=`` targets disappear; a
``{ref}``/``{numref}``/``{eq}``/``{doc}`` becomes a link to the page of the published book
(``html.baseurl``) with its visible title ("Chapter 4, *Title*", "Section 5.3, *Title*",
"Exercise 4.2", "(3.1)"); a ``{cite}`` becomes "(Author, Year)" and the twin ends with its
references from ``references.bib``; the MathJax macros of ``_config.yml`` are expanded in the
math; an exercise becomes a numbered heading, an admonition a quoted block with its title in
bold, a ``literalinclude`` the code it shows. A directive or role without a notebook form is an
error naming the chapter, so that new content never reaches a twin as raw MyST.

The modules, in the order a twin is made:

* :mod:`booktools.book`: the sources (``Book(root)``: _config.yml, _toc.yml, the chapters). Every
  function takes the root explicitly; no module holds state about the repository.
* :mod:`booktools.sphinxread` and :mod:`booktools.index`: the book read with Sphinx, as the
  typed :class:`~booktools.index.BookIndex` (sections, exercises, labels, equations, citations).
* :mod:`booktools.convert`: a chapter's Markdown, block by block, with the book's MyST parser
  (:mod:`booktools.myst`), its math (:mod:`booktools.tex`).
* :mod:`booktools.directives` and :mod:`booktools.roles`: one function per directive or role,
  in a registry.
* :mod:`booktools.include`: ``literalinclude``. :mod:`booktools.twins`: the notebooks.
  :mod:`booktools.cli`: the command line of ``scripts/notebooks.py``.

**A new directive** is one function in :mod:`booktools.directives`, registered with
``@register("name")``; **a new role**, one in :mod:`booktools.roles` (``@register("name")``).
Their tests go in tests/book/test_twins.py, "the converter's parts, on small inputs": a snippet of
MyST in the small chapter ``SOURCE``, converted with a hand-written index (``fake_index()``),
and the Markdown it must give (or, for what has no notebook form, the error it must raise).

Why this converter and not QuantEcon's sphinx-tojupyter (0.6.0, a Sphinx builder that writes
notebooks from the resolved doctree; its source was read before deciding):

* its translator knows sphinx-exercise's exercise node but not its solution nodes, nor gated
  solutions (code cells between ``solution-start`` and ``solution-end``), so neither set could
  be made without a custom translator over its own;
* it turns a ``literalinclude`` of Python into an executable code cell (a student would run a
  copy of ``AffineCoupling`` that calls gencourse's private helpers), and serialises every
  paragraph again from the doctree instead of keeping the author's Markdown;
* it does not expand the MathJax macros: it prepends a ``$$\\newcommand...$$`` cell, which KaTeX
  and several front ends do not carry from one cell to the next, and it writes no reference list;
* it pulls dask[distributed] and nbdime into the book's environment.

So the Markdown is converted here from the chapter's source, located with the MyST parser the
book itself uses (markdown-it with myst-parser's plugins: targets, directives, math blocks, code
spans), while everything the book *resolves* (section, exercise and equation numbers, titles,
page addresses, citation texts, reference entries) is read from Sphinx itself:
:func:`booktools.index.book_index` reads the whole book with ``jupyter-book``'s own configuration
and extensions (the dummy builder, nothing executed), so the numbers in a twin are by
construction those of the built book.

How scripts, benchmarks and tests import this package: by its plain name, ``import booktools``,
with ``scripts/`` on the import path. ``python scripts/X.py`` puts it there itself (a script's
folder comes first on the path), pytest through ``pythonpath`` in pyproject.toml, and a
benchmark, run from ``benchmarks/``, names it once in its first lines.
"""
