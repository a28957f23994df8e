"""The workshop's action plan: a PDF to fill in (A4 landscape, form fields) and a spreadsheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typing import TYPE_CHECKING

from ..context import BuildContext
from ..selection import SheetFilter
from ..workshop import Workshop, workshop_words
from .base import Writer
from .plan_ods import plan_ods_bytes

if TYPE_CHECKING:
    import weasyprint


def workshop_of(context: BuildContext, selection: SheetFilter, date: dt.date) -> Workshop:
    """The selected practices (SelectionError if none), told to later writers too."""
    workshop = Workshop.of(context.book, selection, date)
    context.facts["workshop_sheets"] = [sheet.id for sheet in workshop.sheets]
    return workshop


def plan_document(context: BuildContext, workshop: Workshop) -> weasyprint.Document:
    """The plan's pages: its table, quick wins first, with form fields to fill in."""
    from ..pdfrender import render_document  # WeasyPrint, when needed only

    html_text = context.html("plan.html.j2", target="workshop",
                             **workshop.layout_values(context.options.layouts))
    return render_document(context, html_text, "plan.html.j2", target="workshop", forms=True)


class WorkshopWriter(Writer):
    """A writer of a workshop's documents: the practices the filters choose, and a date."""

    def __init__(self, context: BuildContext, selection: SheetFilter | None = None,
                 date: dt.date | None = None):
        super().__init__(context)
        self.selection = selection or SheetFilter()
        self.date = date or context.build_date.date()

    def workshop(self) -> Workshop:
        """The selected practices; SelectionError (nothing written) if there are none."""
        return workshop_of(self.context, self.selection, self.date)


class PlanWriter(WorkshopWriter):
    format = "plan"
    description = "action plan of the selected practices: PDF with form fields, and ODS"

    def write(self) -> list[Path]:
        from ..pdfrender import write_document

        context = self.context
        workshop = self.workshop()
        name = f"{context.name}-plan-action"
        pdf = write_document(context, plan_document(context, workshop), f"{name}.pdf")
        ods = plan_ods_bytes(context.book, workshop, workshop_words(context.options.layouts),
                             context.build_date)
        return [pdf, context.stage.write_bytes(f"{name}.ods", ods)]
