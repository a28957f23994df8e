"""Fit every practice sheet on one printed page: measure in a galley, tighten step by step.

A paginated render cannot tell how tall a sheet would be (it is cut at the page's
end), so sheets are laid out on very tall "galley" pages with the printed page's
width, and each sheet box's height is read there. A sheet that is too tall is
measured again at every fitting step of ``styles/print.css`` (spacing first, then
type size down to the floor) and keeps the first step that fits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import weasyprint

from .render import RenderedSheet

FIT_CLASS = re.compile(r"\.sheet\.fit-(\d+)\b")
# A sheet must leave this much of the page free (CSS px) so rounding in the final
# layout never pushes its last line over.
SAFETY_PX = 2.0
PX_PER_MM = 96 / 25.4
PX_PER_PT = 96 / 72


@dataclass(frozen=True)
class SheetFit:
    """The setting chosen for one sheet, and what was measured."""

    id: str
    level: int  # 0: natural layout; the highest level is the floor
    body_pt: float
    side_pt: float
    natural_height: float  # in pages (1.0 = exactly the page's content height)
    height: float  # in pages, at the chosen level
    fits: bool

    @property
    def css_class(self) -> str:
        return f"fit-{self.level}" if self.level else ""

    @property
    def overflow_mm(self) -> float:
        return 0.0 if self.fits else round((self.height - 1) * self.page_height_mm, 1)

    page_height_mm: float = 0.0

    def report(self) -> dict[str, object]:
        data = asdict(self)
        data["natural_height"] = round(self.natural_height, 3)
        data["height"] = round(self.height, 3)
        data["overflow_mm"] = self.overflow_mm
        return data


@dataclass(frozen=True)
class Measure:
    height_px: float
    body_pt: float
    side_pt: float


def fit_levels(styles: Path) -> int:
    """The highest fitting step that the print stylesheet defines (the floor)."""
    levels = [int(m) for m in FIT_CLASS.findall((styles / "print.css").read_text(encoding="utf-8"))]
    return max(levels, default=0)


def _walk(box) -> Iterator:
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def _is_sheet(box) -> bool:
    element = getattr(box, "element", None)
    return (getattr(box, "element_tag", None) == "article" and element is not None
            and "sheet" in (element.get("class") or "").split())


def _font_pt(box, class_name: str) -> float:
    for child in _walk(box):
        element = getattr(child, "element", None)
        if element is not None and class_name in (element.get("class") or "").split():
            return round(child.style["font_size"] / PX_PER_PT, 2)
    return 0.0


def read_measures(document: weasyprint.Document) -> list[Measure]:
    """Each sheet's height on a galley document, in the order the sheets appear."""
    measures = []
    for page in document.pages:
        for box in _walk(page._page_box):
            if _is_sheet(box):
                measures.append(Measure(box.margin_height(), _font_pt(box, "sheet-body"),
                                        _font_pt(box, "sheet-side")))
                break
    return measures


def sheet_boxes_per_page(document: weasyprint.Document) -> list[list[str]]:
    """For each page, the ids of the sheets that have a box on it."""
    pages = []
    for page in document.pages:
        ids = []
        for box in _walk(page._page_box):
            if _is_sheet(box):
                ids.append(box.element.get("data-sheet-id"))
        pages.append(ids)
    return pages


def content_height(document: weasyprint.Document) -> float:
    """Height (CSS px) of the content area of the printed page."""
    return document.pages[0]._page_box.height


def choose(sheets: list[RenderedSheet], natural: list[Measure],
           tightened: dict[str, list[Measure]], available: float, page_mm: float) -> dict[str, SheetFit]:
    """The first (largest) setting that fits each sheet, or the floor with its overflow."""
    fits = {}
    limit = available - SAFETY_PX
    for entry, measure in zip(sheets, natural):
        sheet_id = entry.sheet.id
        level, chosen = 0, measure
        if measure.height_px > limit:
            steps = tightened.get(sheet_id, [])
            for index, candidate in enumerate(steps, start=1):
                level, chosen = index, candidate
                if candidate.height_px <= limit:
                    break
        fits[sheet_id] = SheetFit(
            id=sheet_id, level=level, body_pt=chosen.body_pt, side_pt=chosen.side_pt,
            natural_height=measure.height_px / available, height=chosen.height_px / available,
            fits=chosen.height_px <= limit, page_height_mm=round(page_mm, 1))
    return fits
