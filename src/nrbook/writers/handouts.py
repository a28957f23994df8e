"""Training handouts: chosen practice sheets, each on its page exactly as the book prints it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import weasyprint

from ..booklayout import book_page_map
from ..context import BuildContext
from ..model import Sheet, anchor_for
from ..parts import lay_out_run, runs, sheet_fitter
from ..pdfrender import render_document, write_document
from ..selection import SheetFilter, select_sheets
from .base import Writer
from .export import sheet_url


@dataclass
class SheetPages:
    """Each chosen sheet's pages, and a document to make PDFs of them with (``copy``)."""

    document: weasyprint.Document
    pages: list[list[weasyprint.Page]]  # in the order the sheets were given


def sheet_pages(context: BuildContext, sheets: list[Sheet]) -> SheetPages:
    """The pages of each sheet as the book prints them (folio and running heads included).

    Only these sheets are laid out, in runs of sheets that follow each other in the book,
    with the page numbers the book gives them (``book_page_map``). Their links to what is
    not in the handout lead to the book online, or are plain words if it has no address.
    """
    by_id = {entry.sheet.id: entry for entry in context.rendered.sheets}
    entries = [by_id[sheet.id] for sheet in sheets]
    page_map = book_page_map(context)
    fitter = sheet_fitter(context, entries)
    fitter.plan()
    online = {anchor_for(s.id): sheet_url(context.book, s) for s in context.book.sheets}
    base = context.book.info.url.split("#", 1)[0]

    def foreign(anchor: str) -> str | None:
        return online.get(anchor) or (f"{base}#{anchor}" if base else None)

    pages: dict[str, list[weasyprint.Page]] = {}
    documents = []
    for run in runs(entries, page_map):
        layout = lay_out_run(context, run, page_map, fitter, foreign)
        documents.append(layout.document)
        remaining = list(layout.document.pages)
        for sheet_id in run.ids:
            taken = layout.sheet_pages.get(sheet_id, 1)
            pages[sheet_id], remaining = remaining[:taken], remaining[taken:]
        context.facts.setdefault("fit", {}).update(layout.fits)
    context.facts["sheets_measured"] = fitter.measured
    return SheetPages(documents[0], [pages[entry.sheet.id] for entry in entries])


class HandoutWriter(Writer):
    """The selected sheets in one PDF (and one PDF each with ``split``), for printing."""

    format = "sheets"
    description = "selected sheets, one page each, for printing"

    def __init__(self, context: BuildContext, selection: SheetFilter | None = None,
                 split: bool = False, duplex: bool = False):
        super().__init__(context)
        self.selection = selection or SheetFilter()
        self.split = split
        self.duplex = duplex

    def write(self) -> list[Path]:
        sheets = select_sheets(self.context.book, self.selection)
        self.context.progress.step(f"laying out {len(sheets)} sheet{'s' * (len(sheets) > 1)}")
        laid_out = sheet_pages(self.context, sheets)
        document = laid_out.document
        blank = self.blank_page() if self.duplex else None
        written = []
        chosen: list[weasyprint.Page] = []
        for sheet, pages in zip(sheets, laid_out.pages):
            chosen.extend(pages)
            if blank is not None:
                chosen.extend([blank] * (len(pages) % 2))  # each sheet starts on a recto
            if self.split:
                written.append(write_document(self.context, document.copy(pages), f"{sheet.id}.pdf"))
        self.context.progress.step("writing the handouts")
        written.insert(0, write_document(self.context, document.copy(chosen),
                                         f"{self.context.name}-fiches.pdf"))
        self.context.facts["handout_sheets"] = [s.id for s in sheets]
        return written

    def blank_page(self) -> weasyprint.Page:
        """An empty verso, without running head or folio."""
        html_text = self.context.html("blank.html.j2", target="print")
        return render_document(self.context, html_text, "blank").pages[0]
