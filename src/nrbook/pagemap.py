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

    ``strings`` holds, for each sheet, the named strings (CSS ``string-set``) the book
    has set when it reaches the sheet's page: what its running heads show. A sheet laid
    out apart sets them again on its page, so that the margin boxes of the book's own
    page style print there what they print in the book; its folio comes from the page
    counter, started at the sheet's page (see layouts/sheets.html.j2).
    """

    anchors: dict[str, int]  # anchor → page number, from 1
    strings: dict[str, dict[str, str]]  # sheet id → string name → value on reaching its page
    page_count: int
    sheet_pages: dict[str, tuple[int, ...]] = field(default_factory=dict)  # sheet id → its pages

    def to_json(self) -> str:
        return json.dumps({"anchors": self.anchors, "strings": self.strings,
                           "page_count": self.page_count,
                           "sheet_pages": {k: list(v) for k, v in self.sheet_pages.items()}},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PageMap:
        data = json.loads(text)
        return cls({k: int(v) for k, v in data["anchors"].items()}, data["strings"],
                   int(data["page_count"]),
                   {k: tuple(v) for k, v in data["sheet_pages"].items()})


#: What one page of a skeleton holds: its anchors, the sheets whose stubs it shows, and
#: the named strings (name, value) it sets, in the order WeasyPrint sets them.
PageRecord = tuple[list[str], list[str], list[tuple[str, str]]]


def read_page_map(document: weasyprint.Document, book: Book) -> PageMap:
    """The page map of a laid-out skeleton."""
    return page_map_from(page_records(document), book)


def page_records(document: weasyprint.Document) -> list[PageRecord]:
    """What each page of a laid-out skeleton (or of a piece of it) holds, in order."""
    records: list[PageRecord] = []
    for page in document.pages:
        strings = []
        for box in page._page_box.descendants():  # noqa: SLF001 (pinned WeasyPrint; see tests)
            if box.string_set and box.string_set != "none":
                strings.extend((name, " ".join(text.split())) for name, text in box.string_set)
        records.append((list(page.anchors), list(dict.fromkeys(_stubs_on(page))), strings))
    return records


def page_map_from(records: list[PageRecord], book: Book) -> PageMap:
    """The page map of a skeleton whose pages hold these records (page 1 first)."""
    anchors: dict[str, int] = {}
    sheet_pages: dict[str, list[int]] = {}
    strings: dict[str, dict[str, str]] = {}
    state: dict[str, str] = {}  # each string's last value, in the order WeasyPrint sets them
    for number, (page_anchors, stubs, page_strings) in enumerate(records, start=1):
        for anchor in page_anchors:
            anchors.setdefault(anchor, number)
        for sheet_id in stubs:
            if sheet_id not in sheet_pages:
                # A stub sets no string: its page shows the values set before it, whatever
                # keyword (first, start, last) a margin box asks for.
                strings[sheet_id] = dict(sorted(state.items()))
            sheet_pages.setdefault(sheet_id, []).append(number)
        state.update(page_strings)
    return PageMap(anchors, {s.id: strings[s.id] for s in book.sheets if s.id in strings},
                   len(records), {k: tuple(v) for k, v in sheet_pages.items()})


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
