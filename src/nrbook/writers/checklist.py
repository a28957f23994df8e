"""The self-assessment checklist: every selected practice by theme, three boxes each (A4 PDF)."""

from __future__ import annotations

from pathlib import Path

from .plan import WorkshopWriter


class ChecklistWriter(WorkshopWriter):
    """"Fait / En cours / À faire" for each practice, as radio buttons the PDF can be filled with."""

    format = "checklist"
    description = "self-assessment checklist of the selected practices, with check boxes"

    def write(self) -> list[Path]:
        from ..pdfrender import render_document, write_document  # WeasyPrint, when needed only

        context = self.context
        workshop = self.workshop()
        html_text = context.html("checklist.html.j2", target="workshop", themes=context.book.themes,
                                 chosen_ids=[sheet.id for sheet in workshop.sheets],
                                 **workshop.layout_values(context.options.layouts))
        document = render_document(context, html_text, "checklist.html.j2", target="workshop",
                                   forms=True)
        return [write_document(context, document, f"{context.name}-auto-evaluation.pdf")]
