"""Read a built PDF back: text per page, outline, fonts, metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

TOC_LINE = re.compile(r"^\s*(?P<id>[a-z]\.\d+)\s+(?P<title>.+?)[\s.]*?(?P<page>\d+)\s*$")


@dataclass
class Bookmark:
    title: str
    page: int  # from 1
    level: int


class PdfBook:
    def __init__(self, path: Path):
        self.path = path
        self.reader = PdfReader(str(path))
        self.pages = [page.extract_text() or "" for page in self.reader.pages]

    def bookmarks(self) -> list[Bookmark]:
        found: list[Bookmark] = []

        def walk(items, level):
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                else:
                    found.append(Bookmark(item.title, self.reader.get_destination_page_number(item) + 1, level))
        walk(self.reader.outline, 1)
        return found

    def toc_entries(self) -> dict[str, int]:
        """Sheet id → page number, as printed in the table of contents."""
        entries: dict[str, int] = {}
        for text in self.pages:
            if "Table des matières" not in text and not entries:
                continue
            for line in text.splitlines():
                if match := TOC_LINE.match(line.replace("\u00a0", " ")):
                    entries.setdefault(match["id"], int(match["page"]))
            if entries and "Table des matières" not in text and not any(
                    TOC_LINE.match(line) for line in text.splitlines()):
                break
        return entries

    def fonts(self) -> dict[str, bool]:
        """Font name → whether its file is embedded."""
        fonts: dict[str, bool] = {}
        for page in self.reader.pages:
            resources = page.get("/Resources") or {}
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts")
                target = descendants[0].get_object() if descendants else font
                descriptor = target.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor else {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(font.get("/BaseFont"))] = embedded
        return fonts

    def page_starting(self, needle: str) -> list[int]:
        return [i + 1 for i, text in enumerate(self.pages) if needle in text]


def page_images(path: Path, dpi: int = 50, numbers: list[int] | None = None) -> list:
    """The pages (numbers from 1; default all) drawn at ``dpi`` as PIL images, to compare renders."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        wanted = numbers if numbers is not None else range(1, len(document) + 1)
        return [document[n - 1].render(scale=dpi / 72).to_pil().convert("RGB") for n in wanted]
    finally:
        document.close()
