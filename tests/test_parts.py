"""The book laid out in parts and joined: the pages of one document, one structure, the same bytes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pikepdf
import pytest
from conftest import MINI, build_book, copy_book, run_nrbook
from pdfread import PdfBook, page_images
from test_fit import long_sheet

from nrbook.context import BuildContext, BuildOptions, build_date
from nrbook.diagnostics import Diagnostics
from nrbook.output import OutputStage
from nrbook.pdfrender import render_document, write_document_to
from nrbook.pipeline import build, prepare
from nrbook.writers.pdf import single_document_html

FOLIO = re.compile(r"^\d+$")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> dict[str, Path]:
    """The mini book with a long sheet that needs a fitting step, built to PDF."""
    folder = tmp_path_factory.mktemp("parts")
    source = copy_book(MINI, folder / "book", {"alpha/long.md": long_sheet(720, "MOTFINAL")})
    written, diagnostics = build_book(source, folder / "dist", formats=("pdf",))
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    return {"source": source, "pdf": next(p for p in written if p.suffix == ".pdf"), "folder": folder}


def single_document(source: Path, target: Path) -> Path:
    """The same book laid out by WeasyPrint as one document, with the settings the build chose."""
    options = BuildOptions(source=source, cache=None)
    diagnostics = Diagnostics()
    config, book, rendered = prepare(options, diagnostics)
    context = BuildContext(options, config, book, rendered, diagnostics, build_date(book.info.date),
                           OutputStage(target.parent))
    from nrbook.parts import sheet_fitter

    fitter = sheet_fitter(context, list(rendered.sheets))
    fitter.plan()
    document = render_document(context, single_document_html(context, fitter.fits), "single")
    fitter.settle(document)
    document = render_document(context, single_document_html(context, fitter.fits), "single")
    write_document_to(context, document, target)
    return target


def test_the_joined_book_has_the_pages_of_one_document(fitted):
    single = single_document(fitted["source"], fitted["folder"] / "single.pdf")
    joined, alone = PdfBook(fitted["pdf"]), PdfBook(single)
    assert len(joined.pages) == len(alone.pages) >= 9
    assert joined.pages == alone.pages, "the same text on every page, folios and heads included"
    for number, (a, b) in enumerate(zip(page_images(fitted["pdf"]), page_images(single)), start=1):
        assert a.tobytes() == b.tobytes(), f"page {number} differs at 50 dpi"
    assert [(m.title, m.page, m.level) for m in joined.bookmarks()] == \
        [(m.title, m.page, m.level) for m in alone.bookmarks()]


def test_one_structure_tree_maps_every_page_and_annotation(fitted):
    with pikepdf.open(fitted["pdf"]) as pdf:
        root = pdf.Root.StructTreeRoot
        assert len(root.K) == 1 and root.K[0].S == "/Document"
        document = root.K[0]
        numbers = list(root.ParentTree.Nums)
        tree = dict(zip((int(k) for k in numbers[::2]), numbers[1::2]))
        pages = [page.obj for page in pdf.pages]
        assert int(root.ParentTreeNextKey) == max(tree) + 1
        for index, page in enumerate(pages):
            assert int(page.StructParents) == index
            for element in tree[index]:  # none for the margins' MCIDs: artifacts now
                assert element is None or element.Pg.objgen == page.objgen, "marked content maps to its own page"
            for annotation in page.get("/Annots", []):
                element = tree[int(annotation.StructParent)]
                assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Obj") is not None
                           and k.Obj.objgen == annotation.objgen for k in element.K)
        owners = {element.Pg.objgen for element in document.K}
        assert owners == {page.objgen for page in pages}, "every page's elements, once"
        assert all(element.P.objgen == document.objgen for element in document.K)
        assert sum(1 for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary)
                   and obj.get("/Type") == "/StructTreeRoot") == 1


def test_links_and_bookmarks_lead_into_the_joined_pages(fitted):
    with pikepdf.open(fitted["pdf"]) as pdf:
        names = list(pdf.Root.Names.Dests.Names)
        destinations = dict(zip((str(n) for n in names[::2]), names[1::2]))
        pages = {page.obj.objgen for page in pdf.pages}
        assert all(d[0].objgen in pages for d in destinations.values())
        internal = 0
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if "/Dest" in annotation:
                    internal += 1
                    assert str(annotation.Dest) in destinations, str(annotation.Dest)
                else:
                    assert "nrbook.invalid" not in str(annotation.A.URI)
        assert internal >= 6, "contents and cross-references link inside the book"
    book = PdfBook(fitted["pdf"])
    toc = book.toc_entries()
    sheets = {m.title.split()[0]: m.page for m in book.bookmarks() if m.level == 2}
    assert sheets == {sheet_id: toc[sheet_id] for sheet_id in sheets} and len(sheets) == 4


def test_each_typeface_is_embedded_once(fitted):
    with pikepdf.open(fitted["pdf"]) as pdf:
        fonts: dict[str, set] = {}
        for page in pdf.pages:
            for font in page.obj.Resources.Font.values():
                fonts.setdefault(str(font.BaseFont), set()).add(font.objgen)
        assert fonts and all(len(objects) == 1 for objects in fonts.values()), fonts


def test_workers_change_no_byte(tmp_path, fitted):
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / workers
        env = {"NRBOOK_WORKERS": workers, "SOURCE_DATE_EPOCH": "1700000000", "PATH": "/usr/bin:/bin"}
        result = run_nrbook("build", "--source", str(fitted["source"]), "--out", str(out),
                            "--format", "pdf", "--no-cache", env=env)
        assert result.returncode == 0, result.stderr
        outputs.append((out / "mini.pdf").read_bytes())
    assert outputs[0] == outputs[1]


def build_with_cache(source: Path, out: Path, cache: Path) -> dict:
    facts: dict = {}
    build(BuildOptions(source=source, out=out, formats=("pdf",), cache=cache), facts=facts)
    return facts


@pytest.mark.parametrize("edit, laid_out", [
    ("sentence", ["sheets a.2–a.10"]),
    ("one more step", ["sheets a.2–a.10"]),
    ("title", ["sheets a.2–a.10", "skeleton"]),
])
def test_a_rebuild_lays_out_what_changed_and_gives_a_clean_builds_bytes(tmp_path, monkeypatch,
                                                                       edit, laid_out):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(560, "FIN")})
    cache = tmp_path / "cache"
    first = build_with_cache(source, tmp_path / "first", cache)
    sheet = source / "alpha" / "long.md"
    text = sheet.read_text(encoding="utf-8")
    if edit == "sentence":
        sheet.write_text(text.replace(" FIN", " Une phrase de plus. FIN"), encoding="utf-8")
    elif edit == "one more step":
        sheet.write_text(text.replace(" FIN", " mot" * 60 + " FIN"), encoding="utf-8")
    else:
        sheet.write_text(text.replace("title: Une fiche très longue", "title: Un titre tout neuf"),
                         encoding="utf-8")
    again = build_with_cache(source, tmp_path / "again", cache)
    assert sorted(again["pdf_laid_out"]) == laid_out
    clean_out = tmp_path / "clean"
    build_book(source, clean_out, formats=("pdf",))
    assert (tmp_path / "again" / "mini.pdf").read_bytes() == (clean_out / "mini.pdf").read_bytes()
    if edit == "one more step":
        assert 0 < first["fit"]["a.3"].level < again["fit"]["a.3"].level
    book = PdfBook(tmp_path / "again" / "mini.pdf")
    toc = book.toc_entries()
    assert "FIN" in book.pages[toc["a.3"] - 1] and toc["a.10"] == toc["a.3"] + 1
    if edit == "title":
        assert any("Un titre tout neuf" in page for page in book.pages[:3]), "the contents follow"


def test_a_sheet_that_cannot_fit_takes_two_pages_and_the_next_pages_move(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(1500, "MOTFINAL")})
    written, diagnostics = build_book(source, tmp_path / "dist", formats=("pdf",))
    assert [p.message.split(":")[0] for p in diagnostics.warnings] == [
        "sheet a.3 does not fit one page even at the floor (body 8.5 pt)"]
    book = PdfBook(next(p for p in written if p.suffix == ".pdf"))
    toc = book.toc_entries()
    assert "MOTFINAL" in book.pages[toc["a.3"]], "its end on its second page, never cut"
    assert toc["a.10"] == toc["a.3"] + 2
    for number, text in enumerate(book.pages, start=1):
        folios = [line for line in text.splitlines() if FOLIO.match(line.strip())]
        if number > 3:  # cover, colophon and contents aside, every page shows its number
            assert str(number) in [f.strip() for f in folios], (number, folios)
    report = json.loads((tmp_path / "dist" / "fit-report.json").read_text(encoding="utf-8"))
    assert not next(s for s in report["sheets"] if s["id"] == "a.3")["fits"]


def children_of(pid: int) -> list[str]:
    """The processes whose parent is ``pid``, read from /proc (a new machine has no ps)."""
    import os

    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if entry.isdigit() and int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(entry)
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_a_killed_build_leaves_no_layout_worker_behind(tmp_path, fitted):
    """The preview kills the layouts it no longer wants: their workers must go with them."""
    import os
    import signal
    import subprocess
    import sys
    import time

    build = subprocess.Popen([sys.executable, "-m", "nrbook", "build", "--source", str(fitted["source"]),
                              "--out", str(tmp_path / "out"), "--format", "pdf", "--no-cache", "-q"],
                             cwd=tmp_path, env={**os.environ, "NRBOOK_WORKERS": "2"})
    workers: list[str] = []
    deadline = time.monotonic() + 60
    while not workers and build.poll() is None and time.monotonic() < deadline:
        workers = children_of(build.pid)
        time.sleep(0.05)
    assert workers, "the build forked its layout workers"
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    def alive(pid: str) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)]
