"""Build the book's PDF (instructor or student edition) and the offline archive of the HTML.

Usage (from the repository root; scripts/build-book.sh --pdf / --offline and scripts/test.sh
call it):

    python scripts/bookpdf.py pdf [--budget full|quick] [--edition instructor|student]
                                  [--into HTML_DIR] [--quiet]
    python scripts/bookpdf.py offline [--html _build/html] [--output _build/gencourse-html.zip]
    python scripts/bookpdf.py render ARCHIVE [--page chapters/01_....html] [--png PAGE.png]

``pdf``: Sphinx's LaTeX builder through Jupyter Book 1.x (``--builder latex``, with
sphinx-jupyterbook-latex: XeLaTeX, parts and chapters numbered as on the web page), then
``latexmk`` through the Makefile Sphinx writes. The chapters' outputs come from the execution
cache of ``scripts/bookcache.py`` (its ``prepare``: the same fingerprinted directory and derived
configuration as the HTML build), so after an HTML build of the same budget the PDF costs only
Sphinx's LaTeX writer and TeX; a cold cache executes the chapters once, for both. The student
edition is the same build with ``student_edition`` on (``_ext/student_edition.py`` removes every
solution node; its notebooks are the instructor's, so they come from the same cache). Sphinx
warnings are errors, as for the HTML. Writes ``_build/pdf/gencourse.pdf`` (or
``gencourse-student.pdf``) and, beside it, TeX's log (``.log``), read by tests/book/test_pdf.py;
``--into HTML_DIR`` also copies the PDF to the root of a built HTML book, whose pages link to it
when it was built with ``GENCOURSE_BOOK_PDF=1`` (``_ext/pdf_book.py``).

``offline``: the built HTML (which serves MathJax from its own ``_static/``:
``_ext/mathjax_local.py``) as one zip archive, whose pages open from the unpacked folder with no
network. A zip rather than a tar.gz: every reader's system opens it.

``render``: unpack an archive and open one page in headless Chromium (Debian's ``chromium``) with
every host name unresolvable (``--host-resolver-rules``: no network at all), then report how many
formulas MathJax typeset (``mjx-container`` elements), how many it failed on (``mjx-merror``) and
whether raw TeX delimiters are left in the text; ``--png`` also saves a screenshot. Exit status 1
when no formula was typeset, one failed, or raw TeX is left.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bookcache  # noqa: E402  (the execution cache of the HTML build)

ROOT = bookcache.ROOT
EDITIONS = ("instructor", "student")
PDF_DIR = Path("_build") / "pdf"
# seconds: Sphinx's LaTeX writer (the chapters from the cache) and three XeLaTeX passes take a
# few minutes; a cold cache executes every chapter first (the HTML build's limit, 5400 s)
TIMEOUT = 5400


def pdf_name(edition: str) -> str:
    return "gencourse.pdf" if edition == "instructor" else "gencourse-student.pdf"


def derived_config(root: Path, budget: str, edition: str) -> Path:
    """The HTML build's derived configuration (same cache), for ``edition``."""
    config_path, _ = bookcache.prepare(root, budget)
    config = yaml.safe_load(config_path.read_text())
    if edition == "student":
        config["title"] = f"{config['title']} (student edition)"
        config.setdefault("sphinx", {}).setdefault("config", {})["student_edition"] = True
    path = root / "_build" / f"_config.{budget}.{edition}-pdf.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return path


def build_pdf(
    root: Path, budget: str, edition: str, quiet: bool = False, into: Path | None = None
) -> Path:
    """Build ``_build/pdf/<name>.pdf``; raises ``RuntimeError`` naming the failed stage."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}")
    for tool in ("latexmk", "xelatex"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found: run `bash scripts/setup-env.sh` (TeX Live)")
    config = derived_config(root, budget, edition)
    output = root / "_build" / f"pdf-{edition}"  # jupyter-book writes output/_build/latex
    latex = output / "_build" / "latex"
    shutil.rmtree(latex, ignore_errors=True)
    env = {**os.environ, "GENCOURSE_BUDGET": budget}
    env.pop("GENCOURSE_BOOK_PDF", None)
    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        *("build", str(root), "--config", str(config), "--builder", "latex"),
        *("--path-output", str(output), "--warningiserror", "--nitpick", "--keep-going"),
    ]
    if quiet:
        command.append("--quiet")
    start = time.monotonic()
    if subprocess.run(command, cwd=root, env=env, timeout=TIMEOUT, check=False).returncode:
        raise RuntimeError(f"the LaTeX build of the {edition} edition failed (see above)")
    sphinx_seconds = time.monotonic() - start
    tex = sorted(latex.glob("*.tex"))
    if len(tex) != 1:
        raise RuntimeError(f"expected one .tex file in {latex}, found {[p.name for p in tex]}")
    # the Makefile Sphinx writes runs latexmk with its latexmkrc (XeLaTeX, makeindex); TeX stops
    # at the first error instead of asking (nonstopmode) and latexmk reports it
    make = subprocess.run(
        ["make", "-C", str(latex), "all-pdf", "LATEXOPTS=-interaction=nonstopmode -halt-on-error"],
        env=env,
        timeout=TIMEOUT,
        check=False,
        capture_output=quiet,
        text=True,
    )
    pdf, log = tex[0].with_suffix(".pdf"), tex[0].with_suffix(".log")
    target = root / PDF_DIR / pdf_name(edition)
    target.parent.mkdir(parents=True, exist_ok=True)
    if log.exists():
        shutil.copyfile(log, target.with_suffix(".log"))
    if make.returncode or not pdf.exists():
        if quiet:
            print(make.stdout[-5000:], make.stderr[-5000:], sep="\n")
        raise RuntimeError(f"latexmk failed on {tex[0]} (its log: {log})")
    shutil.copyfile(pdf, target)
    if into is not None:
        if not (into / "index.html").is_file():
            raise RuntimeError(f"--into {into}: no built HTML book there")
        shutil.copyfile(pdf, into / pdf_name(edition))
    print(
        f"{edition} PDF: {target.relative_to(root)} ({target.stat().st_size / 2**20:.1f} MiB);"
        f" Sphinx {sphinx_seconds:.0f} s, TeX {time.monotonic() - start - sphinx_seconds:.0f} s"
    )
    return target


def offline_archive(html: Path, output: Path) -> Path:
    """Zip the HTML folder ``html`` into ``output``, under a top folder named after it."""
    if not (html / "index.html").is_file():
        raise RuntimeError(f"no built book at {html}: run `bash scripts/build-book.sh` first")
    mathjax = html / "_static" / "mathjax" / "tex-mml-chtml.js"
    if not mathjax.is_file():
        raise RuntimeError(f"{html} has no {mathjax.relative_to(html)}: not an offline build")
    top = output.name.removesuffix(".zip")
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(html.rglob("*")):
            if path.is_file() and ".buildinfo" not in path.name:
                archive.write(path, f"{top}/{path.relative_to(html).as_posix()}")
    print(f"offline archive: {output} ({output.stat().st_size / 2**20:.1f} MiB)")
    return output


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    raise RuntimeError("no Chromium found: run `bash scripts/setup-env.sh` (Debian's chromium)")


def render(archive: Path, page: str, png: Path | None = None) -> dict[str, int]:
    """Open ``page`` of the unpacked ``archive`` with no network (see the module docstring)."""
    import html
    import re
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(tmp)
        (top,) = Path(tmp).iterdir()
        url = (top / page).resolve().as_uri()
        flags = [
            *("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"),
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no host resolves: the network is off
            "--virtual-time-budget=20000",  # let MathJax typeset before the DOM is read
            f"--user-data-dir={tmp}/profile",
        ]
        dom = subprocess.run(
            [chromium(), *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120
        ).stdout
        if png is not None:
            png.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    chromium(),
                    *flags,
                    "--window-size=1200,1600",
                    f"--screenshot={png.resolve()}",
                    url,
                ],
                capture_output=True,
                timeout=120,
                check=True,
            )
    article = dom[dom.find("<article") :] if "<article" in dom else dom
    text = html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style|pre)\b.*?</\1>", "", article, flags=re.S))
    )
    return {
        "typeset": dom.count("<mjx-container"),
        "errors": dom.count("<mjx-merror"),
        "raw_tex": len(re.findall(r"\$\$|\\\(|\\\[", text)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_pdf = sub.add_parser("pdf")
    p_pdf.add_argument("--budget", choices=bookcache.BUDGETS, help="default: $GENCOURSE_BUDGET")
    p_pdf.add_argument("--edition", choices=EDITIONS, default="instructor")
    p_pdf.add_argument("--into", type=Path, help="a built HTML book to put the PDF in")
    p_pdf.add_argument("--quiet", action="store_true", help="less output from Sphinx and TeX")
    p_offline = sub.add_parser("offline")
    p_offline.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    p_offline.add_argument("--output", type=Path, default=ROOT / "_build" / "gencourse-html.zip")
    p_render = sub.add_parser("render")
    p_render.add_argument("archive", type=Path)
    p_render.add_argument("--page", default="chapters/01_distribution_learning.html")
    p_render.add_argument("--png", type=Path, help="also save a screenshot here")
    args = parser.parse_args(argv)
    try:
        if args.command == "pdf":
            budget = bookcache._budget(args.budget)
            into = args.into.resolve() if args.into else None
            build_pdf(ROOT, budget, args.edition, args.quiet, into)
        elif args.command == "offline":
            offline_archive(args.html.resolve(), args.output.resolve())
        else:
            found = render(args.archive.resolve(), args.page, args.png)
            print(f"{args.page} with no network: {found}")
            if not found["typeset"] or found["errors"] or found["raw_tex"]:
                return 1
    except RuntimeError as error:
        print(f"bookpdf: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
