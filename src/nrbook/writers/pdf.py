"""The printable PDF: the book laid out in parts (on every core, from the cache), joined into one."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..booklayout import lay_out_book
from ..context import BuildContext, BuildOptions
from ..fit import SheetFit, fit_levels
from ..fonts import font_file, named_fonts
from ..pdfconform import finishing
from ..pdfjoin import join_book
from .base import Writer


def report_unfitted(context: BuildContext, fits: dict[str, SheetFit]) -> None:
    for sheet in context.book.sheets:
        fit = fits.get(sheet.id)
        if fit is not None and not fit.fits:
            context.diagnostics.warning(
                sheet.path, 1, f"sheet {sheet.id} does not fit one page even at the floor "
                f"(body {fit.body_pt:g} pt): it overflows by {fit.overflow_mm:g} mm "
                f"({(fit.height - 1) * 100:.0f} % of a page)",
                "shorten the text, or move details to 'En savoir plus'")


def fit_report(context: BuildContext, fits: dict[str, SheetFit]) -> bytes:
    report = {
        "book": context.book.info.name,
        "floor": {"level": fit_levels(context.options.styles), "body_pt": 8.5, "side_pt": 7.5},
        "sheets": [fits[s.id].report() for s in context.book.sheets if s.id in fits],
    }
    return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def single_document_html(context: BuildContext, fits: dict[str, SheetFit]) -> str:
    """The whole book as one document, sheets fitted: what WeasyPrint alone would lay out."""
    return context.html("book.html.j2", target="print", fit={i: f.css_class for i, f in fits.items()})


class PdfWriter(Writer):
    format = "pdf"
    description = "printable A4 PDF, tagged (PDF/UA-1), fonts embedded, one page per sheet"

    @classmethod
    def lays_out(cls, options: BuildOptions) -> bool:
        return True

    def write(self) -> list[Path]:
        context = self.context
        context.progress.step("laying the book out")
        with tempfile.TemporaryDirectory(prefix="nrbook-parts-") as scratch:
            book = lay_out_book(context, Path(scratch))
            report_unfitted(context, book.fits)
            context.facts.update({
                "fit": book.fits, "sheets_measured": book.measured, "pdf_pages": book.anchors,
                "pdf_page_count": book.page_map.page_count, "pdf_page_map": book.page_map,
                "pdf_laid_out": book.laid_out,
            })
            context.progress.step("joining the parts into one PDF")
            name = f"{context.name}.pdf"
            fonts = [font_file(n) for n in named_fonts(context.stylesheet("sheets"))]
            join_book(book.skeleton, book.parts, context.stage.path_for(name),
                      [path for path in fonts if path is not None], finishing(context))
        report = context.stage.write_bytes("fit-report.json", fit_report(context, book.fits))
        return [context.stage.target(name), report]
