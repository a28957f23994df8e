"""The printable PDF: the book's HTML with the print styles, through WeasyPrint."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import weasyprint
from weasyprint.urls import path2url

from ..pipeline import BuildContext
from ..sandbox import SandboxFetcher
from .base import Writer

#: Tagged PDF with a structure tree, /Lang and the title shown: accessible by default.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


@contextmanager
def weasyprint_warnings(context: BuildContext, document: str) -> Iterator[None]:
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
        if "nrbook refused" in message:
            continue  # already reported by the sandbox, with its reason
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


def render_document(context: BuildContext, html_text: str, name: str) -> weasyprint.Document:
    """Lay out an HTML document of the book with WeasyPrint, inside the sandbox."""
    with weasyprint_warnings(context, name):
        html = weasyprint.HTML(string=html_text, base_url=path2url(context.book.root) ,
                               url_fetcher=sandbox_for(context, name))
        return html.render(**PDF_OPTIONS)


def pdf_identifier(context: BuildContext) -> bytes:
    """A stable file identifier: the same book and edition always get the same one."""
    info = context.book.info
    return hashlib.md5(f"{info.name}\n{info.version}\n{context.options.profile}".encode()).hexdigest().encode()


def write_document(context: BuildContext, document: weasyprint.Document, name: str) -> Path:
    path = context.stage.path_for(name)
    with weasyprint_warnings(context, name):
        document.write_pdf(path, pdf_identifier=pdf_identifier(context), **PDF_OPTIONS)
    return context.stage.target(name)


def anchor_pages(document: weasyprint.Document) -> dict[str, int]:
    """The page number (from 1) on which each anchor of the document lies."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


class PdfWriter(Writer):
    format = "pdf"
    description = "printable A4 PDF, tagged (PDF/UA-1), fonts embedded"

    def write(self) -> list[Path]:
        name = f"{self.context.name}.pdf"
        html_text = self.context.html("book.html.j2", target="print")
        document = render_document(self.context, html_text, name)
        self.context.facts["pdf_pages"] = anchor_pages(document)
        self.context.facts["pdf_page_count"] = len(document.pages)
        return [write_document(self.context, document, name)]
