"""One writer per output format; each takes the build context, never the raw sources."""

from __future__ import annotations

from .base import Writer
from .epub import EpubWriter
from .html import HtmlWriter
from .pdf import PdfWriter

#: Every output format, in the order they are written (the PDF before what cites its pages).
WRITERS: dict[str, type[Writer]] = {
    HtmlWriter.format: HtmlWriter,
    PdfWriter.format: PdfWriter,
    EpubWriter.format: EpubWriter,  # after the PDF: its page-list cites the printed pages
}

__all__ = ["WRITERS", "Writer", "HtmlWriter", "PdfWriter", "EpubWriter"]
