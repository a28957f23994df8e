"""The printable PDF: the book's HTML with the print styles, through WeasyPrint."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pydyf
import weasyprint
from weasyprint.urls import path2url

from ..fit import (
    SAFETY_PX,
    FitCache,
    SheetFit,
    SheetFitter,
    fit_levels,
    sheet_boxes,
)
from ..pipeline import BuildContext
from ..sandbox import SandboxFetcher
from .base import Writer

#: Tagged PDF with a structure tree, /Lang and the title shown: accessible by default.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


# A galley repeats sheets (one copy per fitting step) and leaves out the pages that
# cross-references point to: these two complaints are expected there and nowhere else.
GALLEY_NOISE = ("Anchor defined twice", "target points to undefined anchor")


@contextmanager
def weasyprint_warnings(context: BuildContext, document: str,
                        ignore: tuple[str, ...] = ()) -> Iterator[None]:
    """Report what WeasyPrint complains about (bad CSS, refused URLs) as build warnings."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    weasyprint.LOGGER.addHandler(handler)
    try:
        yield
    finally:
        weasyprint.LOGGER.removeHandler(handler)
    for message in dict.fromkeys(messages):
        if "nrbook refused" in message or any(noise in message for noise in ignore):
            continue  # refusals are already reported by the sandbox, with their reason
        context.diagnostics.warning(Path(document), 1, f"WeasyPrint: {message}",
                                    "check the layouts and styles")


def sandbox_for(context: BuildContext, document: str) -> SandboxFetcher:
    def refused(url: str, reason: str) -> None:
        context.diagnostics.warning(Path(document), 1, f"refused to load '{url[:120]}': {reason}",
                                    "keep every resource inside the source folder, layouts/ or styles/")
    roots = [context.book.root, context.options.layouts, context.options.styles]
    if context.book.asset_root is not None:
        roots.append(context.book.asset_root)
    return SandboxFetcher(roots, refused)


def render_document(context: BuildContext, html_text: str, name: str,
                    galley: bool = False) -> weasyprint.Document:
    """Lay out an HTML document of the book with WeasyPrint, inside the sandbox."""
    with weasyprint_warnings(context, name, GALLEY_NOISE if galley else ()):
        html = weasyprint.HTML(string=html_text, base_url=path2url(context.book.root) ,
                               url_fetcher=sandbox_for(context, name))
        return html.render(**PDF_OPTIONS)


def pdf_identifier(context: BuildContext) -> bytes:
    """A stable file identifier: the same book and edition always get the same one."""
    info = context.book.info
    return hashlib.md5(f"{info.name}\n{info.version}\n{context.options.profile}".encode()).hexdigest().encode()


def describe_links(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
    """Give each link annotation the words of its link, not its bare target.

    Screen readers announce a link annotation by its /Contents: "a.10" or "Préface"
    says where it goes, "a-10" or a URL does not.
    """
    for page in document.pages:
        for _, _, _, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            element = getattr(box, "element", None)
            if annotation is None or element is None:
                continue
            text = " ".join("".join(element.itertext()).split())
            if text:
                annotation["Contents"] = pydyf.String(text)


def scope_table_headers(pdf: pydyf.PDF) -> None:
    """Say which cells each table header heads (/Scope), as PDF/UA asks.

    WeasyPrint tags header cells /TH without /Scope: headers in the table head are
    column headers, the others (first cell of a body row) row headers.
    """
    objects = {obj.number: obj for obj in pdf.objects if isinstance(obj, pydyf.Dictionary)
               and getattr(obj, "number", None) is not None}

    def parent(element: pydyf.Dictionary) -> pydyf.Dictionary | None:
        reference = element.get("P")
        if reference is None:
            return None
        number = int(bytes(reference).split()[0]) if isinstance(reference, bytes) else int(str(reference).split()[0])
        return objects.get(number)

    for element in objects.values():
        if element.get("S") != "/TH" or not isinstance(element.get("A"), pydyf.Dictionary):
            continue
        row = parent(element)
        section = parent(row) if row is not None else None
        in_head = section is not None and section.get("S") == "/THead"
        element["A"]["Scope"] = "/Column" if in_head else "/Row"


def finish_pdf(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
    describe_links(document, pdf)
    scope_table_headers(pdf)


def write_document(context: BuildContext, document: weasyprint.Document, name: str,
                   expected: tuple[str, ...] = ()) -> Path:
    """Write a laid-out document; ``expected``: WeasyPrint complaints that are no problem here."""
    path = context.stage.path_for(name)
    with weasyprint_warnings(context, name, expected):
        document.write_pdf(path, pdf_identifier=pdf_identifier(context), finisher=finish_pdf,
                           **PDF_OPTIONS)
    return context.stage.target(name)


def anchor_pages(document: weasyprint.Document) -> dict[str, int]:
    """The page number (from 1) on which each anchor of the document lies."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def galley_renderer(context: BuildContext):
    """Lays (sheet, fitting step) pairs out on galley pages, for measuring."""
    def render(pairs):
        return render_document(context, context.html("galley.html.j2", target="galley", galley=pairs),
                               "galley", galley=True)
    return render


def sheet_fitter(context: BuildContext) -> SheetFitter:
    """The build's fitter, shared by the writers that print sheets."""
    if "fitter" not in context.facts:
        sheets = list(context.rendered.sheets)
        cache = FitCache(context.options.cache, context.options.styles)
        keys = {entry.sheet.id: cache.key(context.html("galley.html.j2", target="galley",
                                                       galley=[(entry, 0)]))
                for entry in sheets}
        context.facts["fitter"] = SheetFitter(sheets, galley_renderer(context),
                                              fit_levels(context.options.styles), cache, keys)
    return context.facts["fitter"]  # type: ignore[return-value]


def report_unfitted(context: BuildContext, fits: dict[str, SheetFit]) -> None:
    for sheet in context.book.sheets:
        fit = fits.get(sheet.id)
        if fit is not None and not fit.fits:
            context.diagnostics.warning(
                sheet.path, 1, f"sheet {sheet.id} does not fit one page even at the floor "
                f"(body {fit.body_pt:g} pt): it overflows by {fit.overflow_mm:g} mm "
                f"({(fit.height - 1) * 100:.0f} % of a page)",
                "shorten the text, or move details to 'En savoir plus'")


def check_one_page_each(context: BuildContext, document: weasyprint.Document) -> None:
    """What the measure promised, verified on the real pages: no sheet runs over."""
    fits = context.facts.get("fit", {})
    boxes_of: dict[str, list[float]] = {}
    for page in document.pages:
        for box in sheet_boxes(page):
            # A sheet whose columns run over shows on two pages, or fills its page to the last pixel.
            boxes_of.setdefault(box.element.get("data-sheet-id"), []).append(
                box.margin_height() - (page._page_box.height - SAFETY_PX))
    for sheet_id, excesses in boxes_of.items():
        overran = len(excesses) > 1 or excesses[0] > 0
        sheet = context.book.sheet(sheet_id)
        if overran and sheet is not None and getattr(fits.get(sheet_id), "fits", True):
            context.diagnostics.warning(sheet.path, 1, f"sheet {sheet_id} runs over its page "
                                        "although its measure fitted one",
                                        "report this layout to the nrbook developers")


def fit_report(context: BuildContext, fits: dict[str, SheetFit]) -> bytes:
    report = {
        "book": context.book.info.name,
        "floor": {"level": fit_levels(context.options.styles), "body_pt": 8.5, "side_pt": 7.5},
        "sheets": [fits[s.id].report() for s in context.book.sheets if s.id in fits],
    }
    return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class PdfWriter(Writer):
    format = "pdf"
    description = "printable A4 PDF, tagged (PDF/UA-1), fonts embedded, one page per sheet"

    def layout(self) -> weasyprint.Document:
        """Fit the sheets and lay the book out; what later writers need is kept in ``facts``."""
        progress = self.context.progress
        progress.step("fitting the practice sheets")
        fitter = sheet_fitter(self.context)
        fitter.plan()
        progress.step("laying the book out")
        document = self.render_book(fitter.fits)
        if fitter.settle(document):  # a sheet thought short ran over: lay out again, fitted
            progress.step("laying the book out again with the sheets that ran over fitted")
            document = self.render_book(fitter.fits)
            fitter.settle(document)
        self.context.facts["sheets_measured"] = fitter.measured
        fits = self.context.facts["fit"] = dict(fitter.fits)
        report_unfitted(self.context, fits)
        check_one_page_each(self.context, document)
        self.context.facts["pdf_document"] = document
        self.context.facts["pdf_pages"] = anchor_pages(document)
        self.context.facts["pdf_page_count"] = len(document.pages)
        return document

    def render_book(self, fits: dict[str, SheetFit]) -> weasyprint.Document:
        html_text = self.context.html("book.html.j2", target="print",
                                      fit={i: f.css_class for i, f in fits.items()})
        return render_document(self.context, html_text, f"{self.context.name}.pdf")

    def write(self) -> list[Path]:
        document = self.layout()
        self.context.progress.step("writing the PDF")
        report = self.context.stage.write_bytes("fit-report.json",
                                                fit_report(self.context, self.context.facts["fit"]))
        return [write_document(self.context, document, f"{self.context.name}.pdf"), report]
