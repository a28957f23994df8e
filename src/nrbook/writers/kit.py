"""The workshop kit: one PDF with a cover, the matrix, the selected sheets and the action plan."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from typing import TYPE_CHECKING

from ..context import BuildContext
from ..selection import SheetFilter
from ..workshop import Workshop, workshop_words
from .handouts import blank_page, links_inside, sheet_pages, with_versos
from .plan import WorkshopWriter, plan_document

if TYPE_CHECKING:
    import weasyprint

KIT_LAYOUT = "kit.html.j2"


def with_bookmark(page: weasyprint.Page, level: int, label: str) -> weasyprint.Page:
    """The same page with one more bookmark at its top (the book's own page is untouched)."""
    marked = copy.copy(page)
    marked.bookmarks = [(level, label, (0, 0), "open"), *page.bookmarks]
    return marked


class KitWriter(WorkshopWriter):
    """Everything a trainer prints for one workshop, in one file with bookmarks.

    In order: a cover (the book, "Atelier", the date, the selection in words), the
    priority × difficulty matrix of the selection, the sheets as the book prints them, and
    the action plan with its form fields. With ``duplex``, each part and each sheet starts
    on a right-hand page.
    """

    format = "kit"
    description = "workshop kit: cover, matrix, selected sheets and action plan in one PDF"

    def __init__(self, context: BuildContext, selection: SheetFilter | None = None,
                 duplex: bool = False, date: dt.date | None = None):
        super().__init__(context, selection, date)
        self.duplex = duplex

    def write(self) -> list[Path]:
        from ..pdfrender import write_document  # WeasyPrint, when needed only

        context = self.context
        workshop = self.workshop()
        front = self.front_document(workshop)
        blank = blank_page(context) if self.duplex else None
        front_pages = list(front.pages)
        if blank is not None and len(front_pages) % 2:
            front_pages.append(blank)
        sheets = with_versos(sheet_pages(context, list(workshop.sheets)), blank)
        sheets[0] = with_bookmark(sheets[0], 1, self.sheets_bookmark())
        plan = plan_document(context, workshop).pages
        kit = front.copy(links_inside(front_pages + sheets + list(plan)))
        return [write_document(context, kit, f"{context.name}-atelier.pdf")]

    def values(self, workshop: Workshop) -> dict[str, object]:
        return {"sheets": list(workshop.sheets), **workshop.layout_values(self.context.options.layouts)}

    def front_document(self, workshop: Workshop) -> weasyprint.Document:
        from ..pdfrender import render_document

        html_text = self.context.html(KIT_LAYOUT, target="workshop", **self.values(workshop))
        return render_document(self.context, html_text, KIT_LAYOUT, target="workshop")

    def sheets_bookmark(self) -> str:
        """The bookmark above the sheets' own, in the layouts' words."""
        return str(workshop_words(self.context.options.layouts)["kit"]["sheets_bookmark"])
