"""Where everything lies in the printed book: the pages of anchors, and what sheet pages' margins print."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import Book

if TYPE_CHECKING:
    import weasyprint


@dataclass(frozen=True)
class PageMap:
    """Read off the skeleton's layout, in which each sheet is a stub of its own pages.

    ``margins`` holds, for each sheet, the text of each margin box of its (first) page
    that shows named strings, by box name ("top-left"): the running heads. A sheet laid
    out apart carries them as its own strings; its folio comes from the page counter,
    started at the sheet's page (see layouts/sheets.html.j2).
    """

    anchors: dict[str, int]  # anchor → page number, from 1
    margins: dict[str, dict[str, str]]  # sheet id → margin box → text
    page_count: int
    sheet_pages: dict[str, tuple[int, ...]] = field(default_factory=dict)  # sheet id → its pages

    def to_json(self) -> str:
        return json.dumps({"anchors": self.anchors, "margins": self.margins,
                           "page_count": self.page_count,
                           "sheet_pages": {k: list(v) for k, v in self.sheet_pages.items()}},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PageMap:
        data = json.loads(text)
        return cls({k: int(v) for k, v in data["anchors"].items()}, data["margins"],
                   int(data["page_count"]),
                   {k: tuple(v) for k, v in data["sheet_pages"].items()})


def read_page_map(document: weasyprint.Document, book: Book) -> PageMap:
    """The page map of a laid-out skeleton."""
    anchors: dict[str, int] = {}
    sheet_pages: dict[str, list[int]] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
        for sheet_id in _stubs_on(page):
            sheet_pages.setdefault(sheet_id, []).append(number)
    margins = {sheet.id: margin_texts(document.pages[sheet_pages[sheet.id][0] - 1])
               for sheet in book.sheets if sheet.id in sheet_pages}
    return PageMap(anchors, margins, len(document.pages),
                   {k: tuple(v) for k, v in sheet_pages.items()})


#: What a margin box's content may be made of for its text to be carried as a string.
STRING_CONTENT = {"string", "string()"}


def margin_texts(page: weasyprint.Page) -> dict[str, str]:
    """What each margin box of a laid-out page that shows strings prints, by box name.

    Boxes showing a counter (the folio) are left out: a counter is reproduced by
    starting the page counter where the book has it, which also numbers a sheet's
    second page right, should it have one.
    """
    texts = {}
    for box in page._page_box.children:  # noqa: SLF001 (pinned WeasyPrint; see tests)
        keyword = getattr(box, "at_keyword", None)
        content = box.style["content"] if keyword else ()
        if keyword and content and all(kind in STRING_CONTENT for kind, _ in content):
            texts[keyword.lstrip("@")] = " ".join(" ".join(_line_texts(box)).split())
    return texts


def _line_texts(box) -> Iterator[str]:
    text = getattr(box, "text", None)
    if text is not None:
        yield text
        return
    children = getattr(box, "children", ())
    if type(box).__name__ == "LineBox":
        yield "".join(t for child in children for t in _line_texts(child))
        return
    for child in children:
        yield from _line_texts(child)


def _stubs_on(page: weasyprint.Page) -> Iterator[str]:
    """The sheets whose stub lies on a skeleton page (a stub of several pages: each)."""
    pending = [page._page_box]  # noqa: SLF001
    while pending:
        box = pending.pop()
        element = getattr(box, "element", None)
        if element is not None and getattr(box, "element_tag", None) == "article" and \
                "sheet-stub" in (element.get("class") or "").split():
            yield element.get("data-sheet-id")
            continue
        pending.extend(reversed(getattr(box, "children", ())))
