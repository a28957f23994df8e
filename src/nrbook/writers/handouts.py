"""Training handouts: chosen practice sheets, each on its page exactly as the book prints it."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..booklayout import book_page_map
from ..sheetsources import sheet_sources
from ..context import BuildContext, BuildOptions
from ..fit import layout_salt
from ..fonts import font_file, named_fonts
from ..model import Sheet, anchor_for
from ..partcache import PartCache
from ..pdfconform import finishing
from ..pdfjoin import Part, join_pages
from ..selection import SheetFilter, select_sheets
from .base import Writer
from .export import sheet_url

if TYPE_CHECKING:
    import weasyprint


def online(context: BuildContext):
    """Where a handout's link to something it does not hold goes: the book online, if it is."""
    addresses = {anchor_for(s.id): sheet_url(context.book, s) for s in context.book.sheets}
    base = context.book.info.url.split("#", 1)[0]

    def address(anchor: str) -> str | None:
        return addresses.get(anchor) or (f"{base}#{anchor}" if base else None)
    return address


class HandoutWriter(Writer):
    """The selected sheets in one PDF (and one PDF each with ``split``), for printing.

    Their pages are the book's own: taken from the book's laid-out parts when the cache
    has them, else laid out now with the book's page numbers (``sheet_sources``).
    """

    format = "sheets"
    description = "selected sheets, one page each, for printing"

    @classmethod
    def lays_out(cls, options: BuildOptions) -> bool:
        # With the book's parts cached, handouts are cut from them: nothing to lay out.
        return options.cache is None or not (options.cache / "parts").is_dir()

    def __init__(self, context: BuildContext, selection: SheetFilter | None = None,
                 split: bool = False, duplex: bool = False, name: str = ""):
        super().__init__(context)
        self.selection = selection or SheetFilter()
        self.split = split
        self.duplex = duplex
        self.name = name or f"{context.name}-fiches.pdf"  # several handouts in one build: one name each

    def write(self) -> list[Path]:
        context = self.context
        sheets = select_sheets(context.book, self.selection)
        context.progress.step(f"finding or laying out {len(sheets)} sheet{'s' * (len(sheets) > 1)}")
        with tempfile.TemporaryDirectory(prefix="nrbook-handouts-") as scratch:
            sources = sheet_sources(context, sheets, Path(scratch))
            blank = self.blank_pdf(Path(scratch)) if self.duplex else None
            parts, place = [], 0
            for path, pages in sources:
                parts.append(Part(path, tuple(range(place, place + len(pages))), pages))
                place += len(pages)
                if blank is not None and len(pages) % 2:  # each sheet starts on a recto
                    parts.append(Part(blank, (place,), (0,)))
                    place += 1
            context.progress.step("writing the handouts")
            fonts = [p for p in (font_file(n) for n in named_fonts(context.stylesheet("sheets"))) if p]
            join_pages(parts, context.stage.path_for(self.name), fonts, online(context),
                       finishing(context))
            written = [context.stage.target(self.name)]
            if self.split:
                for sheet, (path, pages) in zip(sheets, sources):
                    single = [Part(path, tuple(range(len(pages))), pages)]
                    join_pages(single, context.stage.path_for(f"{sheet.id}.pdf"), fonts,
                               online(context), finishing(context))
                    written.append(context.stage.target(f"{sheet.id}.pdf"))
        context.facts["handout_sheets"] = [s.id for s in sheets]
        return written

    def blank_pdf(self, scratch: Path) -> Path:
        """An empty verso, without running head or folio (laid out once, then kept)."""
        html = self.context.html("blank.html.j2", target="print")
        cache = PartCache(self.context.options.cache, layout_salt(self.context.options.styles))
        key = cache.key(self.context.stylesheet("print") + html)
        stored = cache.get(key)
        if stored is not None and stored[0] is not None:
            return stored[0]
        from ..pdfrender import render_document, write_document_to

        path = scratch / "blank.pdf"
        write_document_to(self.context, render_document(self.context, html, "blank"), path)
        cache.put(key, path, {"problems": []})
        return path


def sheet_pages(context: BuildContext, sheets: list[Sheet]) -> list[weasyprint.Page]:
    """The pages of each sheet as the book prints them, as WeasyPrint pages (in the order given).

    For documents that combine sheets with pages of their own (the workshop kit): only these
    sheets are laid out, in runs of sheets that follow each other in the book, with the page
    numbers the book gives them. Their links to other sheets lead to them online.
    """
    from ..parts import lay_out_run, runs, sheet_fitter

    by_id = {entry.sheet.id: entry for entry in context.rendered.sheets}
    entries = [by_id[sheet.id] for sheet in sheets]
    page_map = book_page_map(context)
    fitter = sheet_fitter(context, entries)
    fitter.plan()
    pages: dict[str, list[weasyprint.Page]] = {}
    for run in runs(entries, page_map):
        layout = lay_out_run(context, run, page_map, fitter, online(context))
        remaining = list(layout.document.pages)
        for sheet_id in run.ids:
            taken = layout.sheet_pages.get(sheet_id, 1)
            pages[sheet_id], remaining = remaining[:taken], remaining[taken:]
        context.facts.setdefault("fit", {}).update(layout.fits)
    return [page for entry in entries for page in pages[entry.sheet.id]]


def blank_page(context: BuildContext) -> weasyprint.Page:
    """An empty verso, without running head or folio."""
    from ..pdfrender import render_document

    html_text = context.html("blank.html.j2", target="print")
    return render_document(context, html_text, "blank").pages[0]


def with_versos(pages: list[weasyprint.Page], blank: weasyprint.Page | None) -> list[weasyprint.Page]:
    """For two-sided printing: a blank verso after each page, so each sheet starts a leaf."""
    return [page for recto in pages for page in ((recto, blank) if blank is not None else (recto,))]


def links_inside(pages: list[weasyprint.Page]) -> list[weasyprint.Page]:
    """The pages without their links to pages left out (a matrix's link to a sheet not there).

    The words stay; only the link, which would lead nowhere, goes (WeasyPrint would drop
    it too, with a warning for each).
    """
    anchors = {anchor for page in pages for anchor in page.anchors}
    kept = []
    for page in pages:
        links = [link for link in page.links if link[0] != "internal" or link[1] in anchors]
        if len(links) != len(page.links):
            page = copy.copy(page)  # the book's own page keeps its links
            page.links = links
        kept.append(page)
    return kept
