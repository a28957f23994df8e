"""Training handouts: chosen practice sheets as the book's own one-page PDF pages."""

from __future__ import annotations

from pathlib import Path

import weasyprint

from ..pipeline import BuildContext
from ..selection import SheetFilter, select_sheets
from .base import Writer
from .pdf import PdfWriter, render_document, write_document

# A handout holds some of the book's pages: its links to the other pages have no target in it,
# and WeasyPrint leaves them out (the words "voir b.1, p. 12" stay), which is what a handout wants.
HANDOUT_NOISE = ("for internal URI reference",)


class HandoutWriter(Writer):
    """Copies the selected sheets' pages out of the rendered book (same layout, same fit).

    Taking the book's pages rather than laying the sheets out again keeps handouts and
    book identical, folios included, as WeasyPrint's ``Document.copy`` allows.
    """

    format = "sheets"
    description = "selected sheets, one page each, for printing"

    def __init__(self, context: BuildContext, selection: SheetFilter | None = None,
                 split: bool = False, duplex: bool = False, name: str = ""):
        super().__init__(context)
        self.selection = selection or SheetFilter()
        self.split = split
        self.duplex = duplex
        self.name = name or f"{context.name}-fiches.pdf"  # several handouts in one build: one name each

    def write(self) -> list[Path]:
        sheets = select_sheets(self.context.book, self.selection)
        book = self.book_document()
        pages = self.context.facts["pdf_pages"]
        blank = self.blank_page() if self.duplex else None
        written = []
        chosen = []
        for sheet in sheets:
            page = book.pages[pages[sheet.anchor] - 1]
            chosen.append(page)
            if blank is not None:
                chosen.append(blank)
            if self.split:
                written.append(write_document(self.context, book.copy([page]), f"{sheet.id}.pdf",
                                              HANDOUT_NOISE))
        written.insert(0, write_document(self.context, book.copy(chosen), self.name, HANDOUT_NOISE))
        self.context.facts["handout_sheets"] = [s.id for s in sheets]
        return written

    def book_document(self) -> weasyprint.Document:
        if "pdf_document" not in self.context.facts:
            PdfWriter(self.context).layout()
        return self.context.facts["pdf_document"]  # type: ignore[return-value]

    def blank_page(self) -> weasyprint.Page:
        """An empty verso, without running head or folio."""
        html_text = self.context.html("blank.html.j2", target="print")
        return render_document(self.context, html_text, "blank").pages[0]
