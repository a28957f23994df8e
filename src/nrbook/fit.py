"""Fit every practice sheet on one printed page: measure in a galley, tighten step by step.

A paginated render cannot tell how tall a sheet would be (it is cut at the page's
end), so sheets are laid out on very tall "galley" pages with the printed page's
width, and each sheet box's height is read there. A sheet that is too tall is
measured again at every fitting step of ``styles/print.css`` (spacing first, then
type size down to the floor) and keeps the first step that fits.

Measuring costs a layout of each sheet, as much as the book itself, so it is done
only where needed: a setting found once is cached under a hash of everything that
decides it, and a sheet whose text clearly fits is not measured beforehand but read
on the book's own page, where any surprise is caught and corrected.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import html as lxml_html

from . import __version__
from .fonts import font_file, named_fonts
from .paper_links import ADDRESS_ATTRIBUTE
from .render import RenderedSheet

if TYPE_CHECKING:
    import weasyprint

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
    page_height_mm: float = 0.0
    measured_on: str = "galley"  # "galley", or "page" when read on the book's own page

    @property
    def css_class(self) -> str:
        """The classes of styles/print.css that give the sheet this setting."""
        if not self.fits:  # print.css lets it run onto a second page in one column
            return f"fit-{self.level} sheet-overflows"
        return f"fit-{self.level}" if self.level else ""

    @property
    def overflow_mm(self) -> float:
        return 0.0 if self.fits else round((self.height - 1) * self.page_height_mm, 1)

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


def _measure(box) -> Measure:
    return Measure(box.margin_height(), _font_pt(box, "sheet-body"), _font_pt(box, "sheet-side"))


def read_measures(document: weasyprint.Document) -> list[Measure]:
    """Each sheet's height on a galley document, in the order the sheets appear."""
    measures = []
    for page in document.pages:
        for box in _walk(page._page_box):
            if _is_sheet(box):
                measures.append(_measure(box))
                break
    return measures


def sheet_boxes(page: weasyprint.Page) -> list:
    """The boxes of the sheets laid out on a page."""
    return [box for box in _walk(page._page_box) if _is_sheet(box)]



def sheets_on_pages(document: weasyprint.Document) -> dict[str, list[Measure]]:
    """Each sheet's box on every page it occupies, as laid out in the book."""
    found: dict[str, list[Measure]] = {}
    for page in document.pages:
        for box in _walk(page._page_box):
            if _is_sheet(box):
                found.setdefault(box.element.get("data-sheet-id"), []).append(_measure(box))
    return found


def content_height(document: weasyprint.Document) -> float:
    """Height (CSS px) of the content area of the printed page."""
    return document.pages[0]._page_box.height


def choose(entry: RenderedSheet, natural: Measure, steps: list[Measure], available: float,
           page_mm: float) -> SheetFit:
    """The first (largest) setting that fits the sheet, or the floor with its overflow."""
    limit = available - SAFETY_PX
    level, chosen = 0, natural
    if natural.height_px > limit:
        for index, candidate in enumerate(steps, start=1):
            level, chosen = index, candidate
            if candidate.height_px <= limit:
                break
    return SheetFit(id=entry.sheet.id, level=level, body_pt=chosen.body_pt, side_pt=chosen.side_pt,
                    natural_height=natural.height_px / available, height=chosen.height_px / available,
                    fits=chosen.height_px <= limit, page_height_mm=round(page_mm, 1))


# --- Estimating, to measure only what may not fit ------------------------------------

#: Below this estimated height (in pages), a sheet is not measured beforehand. The
#: estimate was within -11 % / +28 % of the measured height on the 110 sheets of the
#: project's edition and of the publishers' guide, so a sheet estimated under 0.85 page
#: has not been seen to overflow; one that does is still caught on its printed page and
#: fitted then, at the cost of a second layout of the book.
MEASURE_ABOVE = 0.85


def _text_lines(html: object, chars_per_line: int) -> tuple[int, int]:
    """Lines and blocks that a fragment of HTML takes in a column of the given width."""
    if not html:
        return 0, 0
    root = lxml_html.fragment_fromstring(str(html), create_parent="div")
    lines = blocks = 0
    for element in root.iter("p", "li", "tr", "h4", "h5", "h6", "dt", "dd", "figcaption"):
        if element.tag == "p" and element.xpath("ancestor::li"):
            continue  # counted with its list item
        nested = element.tag == "li" and element.find(".//li") is not None
        text = (element.text or "") if nested else element.text_content() + "".join(
            f" ({a.get(ADDRESS_ATTRIBUTE)})" for a in element.iter("a") if a.get(ADDRESS_ATTRIBUTE))
        lines += max(1, math.ceil(len(" ".join(text.split())) / chars_per_line))
        blocks += 1
    return lines + 12 * len(root.xpath(".//img")), blocks


#: Height that a QR code and its address add to the side column (styles/print.css).
QR_CODE_MM = 22


def estimate_height(entry: RenderedSheet, qr_code: bool = False) -> float:
    """A quick estimate, in pages, of a sheet's natural height at the natural setting."""
    body_lines, body_blocks = _text_lines(entry.body, 92)
    feedback_lines, feedback_blocks = _text_lines(entry.feedback, 88)
    more_lines, more_blocks = _text_lines(entry.more, 36)
    fields = (sum(max(1, math.ceil(len(p) / 38)) for p in entry.sheet.pilots)
              + sum(max(1, math.ceil(len(i) / 36)) for i in entry.sheet.indicators))
    body_mm = ((body_lines + feedback_lines) * 4.63 + (body_blocks + feedback_blocks) * 1.84
               + (14 if entry.feedback else 0))
    side_mm = (64 + (fields + more_lines) * 4.05 + more_blocks * 1.2 + (12 if entry.more else 0)
               + (QR_CODE_MM if qr_code else 0))
    head_mm = 10 + math.ceil((len(entry.sheet.title) + 5) / 62) * 7.5
    return (head_mm + max(body_mm, side_mm)) / 259


#: How much each fitting step shortens a sheet: the median, step by step, of the six
#: sheets of the publishers' guide that need one, measured at every step (those of the
#: project's edition all fit as they are). Only used to choose where the search for the
#: right step starts: started there, it found each of the six in the two layouts that
#: prove it (the step fits, the one before does not) but one, in three.
STEP_SHRINK = (1.0, 0.952, 0.905, 0.865, 0.826, 0.776, 0.726)


def predicted_step(height: float, floor: int) -> int:
    """The first step expected to bring a sheet of this height (in pages) under one page."""
    for level in range(1, floor + 1):
        shrink = STEP_SHRINK[min(level, len(STEP_SHRINK) - 1)]
        if height * shrink <= 1.0:
            return level
    return floor


#: A step predicted to bring a sheet this far under its page (in pages, by STEP_SHRINK) is
#: not measured in the galley when the book's page will show it (``page_proves``): the step
#: before it is, to prove that the sheet needs it. Of the six sheets of the publishers' guide
#: that need a step, the one predicted closer to the page's end than this needed one more.
PROVED_ON_PAGE_BELOW = 0.985


def _shrink(level: int) -> float:
    return STEP_SHRINK[min(level, len(STEP_SHRINK) - 1)]


# --- The cache -------------------------------------------------------------------------

def layout_salt(styles: Path) -> bytes:
    """What decides a layout besides its HTML: the versions of nrbook and WeasyPrint, the fonts."""
    digest = hashlib.sha256(f"nrbook {__version__} weasyprint {version('weasyprint')}".encode())
    for name in named_fonts((styles / "print.css").read_text(encoding="utf-8")):
        path = font_file(name)
        digest.update(name.encode() + (path.read_bytes() if path else b"missing"))
    return digest.digest()


class FitCache:
    """Fitting settings stored under a hash of all that decides them.

    The key of a sheet is the hash of its galley document (its HTML with every
    stylesheet inlined), the bytes of the fonts the styles name, and the versions of
    WeasyPrint and nrbook: changing the sheet, a layout that shows in it, a style or a
    font gives a new key, so an entry is never stale. Safe to delete.
    """

    def __init__(self, folder: Path | None, styles: Path):
        self.folder = folder / "fit" if folder is not None else None
        self.salt = layout_salt(styles)

    def key(self, galley_html: str) -> str:
        return hashlib.sha256(self.salt + galley_html.encode("utf-8")).hexdigest()

    def get(self, key: str) -> SheetFit | None:
        if self.folder is None:
            return None
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return SheetFit(**data)
        except (OSError, ValueError, TypeError):
            return None

    def put(self, key: str, fit: SheetFit) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps(asdict(fit), sort_keys=True)
        # Written under a temporary name and renamed: a reader never sees half an entry.
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(data)
        os.replace(temporary, self.folder / f"{key}.json")


# --- Fitting a book --------------------------------------------------------------------

Render = Callable[[list[tuple[RenderedSheet, int]]], "weasyprint.Document"]


class SheetFitter:
    """Chooses every sheet's setting with as little measuring as the sources allow.

    ``galley`` lays out (sheet, step) pairs on galley pages and returns the document.
    """

    def __init__(self, sheets: list[RenderedSheet], galley: Render, floor: int, cache: FitCache,
                 key_of: Callable[[RenderedSheet], str], qr_codes: frozenset[str] = frozenset()):
        self.sheets = sheets
        self.qr_codes = qr_codes  # the sheets printed with a QR code
        self.galley = galley
        self.floor = floor
        self.cache = cache
        self.key_of = key_of
        self._keys: dict[str, str] = {}  # made on first use: see cached()
        self.fits: dict[str, SheetFit] = {}
        self.provisional: set[str] = set()  # assumed to fit, to be read on the book's page
        self.available = 0.0
        self.measured = 0  # sheet layouts spent measuring, for the progress display and bench
        # The book's layout reads every provisional sheet on its page: a predicted step may
        # then be proved there, as the natural setting is (see PROVED_ON_PAGE_BELOW).
        self.page_proves = False

    def key(self, entry: RenderedSheet) -> str:
        """The sheet's key in the fitting cache: its galley document hashed, made once."""
        if entry.sheet.id not in self._keys:
            self._keys[entry.sheet.id] = self.key_of(entry)
        return self._keys[entry.sheet.id]

    def cached(self, entry: RenderedSheet) -> SheetFit | None:
        # No key without a cache: rendering every sheet's galley to hash it costs 0.2 s.
        return self.cache.get(self.key(entry)) if self.cache.folder is not None else None

    def store(self, entry: RenderedSheet, fit: SheetFit) -> None:
        if self.cache.folder is not None:
            self.cache.put(self.key(entry), fit)

    def plan(self) -> dict[str, SheetFit]:
        """Settings from the cache, the estimate, and the galley, in that order of cost."""
        self.measure(self.plan_known())
        return self.fits

    def plan_known(self) -> list[RenderedSheet]:
        """Settings from the cache and the estimate; return the sheets left to measure."""
        unknown = []
        for entry in self.sheets:
            cached = self.cached(entry)
            if cached is not None:
                self.fits[entry.sheet.id] = cached
            elif estimate_height(entry, entry.sheet.id in self.qr_codes) < MEASURE_ABOVE:
                self.fits[entry.sheet.id] = SheetFit(entry.sheet.id, 0, 0.0, 0.0, 0.0, 0.0, True,
                                                     measured_on="page")
                self.provisional.add(entry.sheet.id)
            else:
                unknown.append(entry)
        return unknown

    def measure(self, entries: list[RenderedSheet]) -> None:
        """Measure sheets in the galley: natural first, then the steps of those too tall."""
        if not entries:
            return
        natural_document = self.galley([(entry, 0) for entry in entries])
        self.available = content_height(natural_document)
        natural = dict(zip((e.sheet.id for e in entries), read_measures(natural_document)))
        self.measured += len(entries)
        over = [e for e in entries if natural[e.sheet.id].height_px > self.available - SAFETY_PX]
        assumed: dict[str, int] = {}  # sheet id → the step its page is to prove
        steps = self.search_steps(over, natural, assumed) if over and self.floor else {}
        page_mm = self.available / PX_PER_MM
        for entry in entries:
            if entry.sheet.id in assumed:
                self.fits[entry.sheet.id] = SheetFit(
                    entry.sheet.id, assumed[entry.sheet.id], 0.0, 0.0,
                    natural[entry.sheet.id].height_px / self.available, 0.0, True,
                    page_height_mm=round(page_mm, 1), measured_on="page")
                self.provisional.add(entry.sheet.id)
                continue
            fit = choose(entry, natural[entry.sheet.id], steps.get(entry.sheet.id, []),
                         self.available, page_mm)
            self.fits[entry.sheet.id] = fit
            self.provisional.discard(entry.sheet.id)
            self.store(entry, fit)

    def search_steps(self, entries: list[RenderedSheet], natural: dict[str, Measure],
                     assumed: dict[str, int] | None = None) -> dict[str, list[Measure]]:
        """The measures of each sheet's steps up to the first that fits, found in few layouts.

        Each step is tighter than the one before, so the first step that fits is the one
        just after the last that does not. The search starts at the step predicted from the
        sheet's natural height and moves one step at a time; every round lays out all the
        sheets still searching in one galley document.

        With ``page_proves``, a step predicted well under the page is not laid out here: only
        the step before it, to prove that the sheet needs it; ``assumed`` is given the step,
        for the book's page to prove that it fits (``settle``).
        """
        limit = self.available - SAFETY_PX
        known: dict[str, dict[int, Measure]] = {e.sheet.id: {} for e in entries}
        bounds = {e.sheet.id: [0, self.floor + 1] for e in entries}  # (fails, fits) levels
        guess = {e.sheet.id: predicted_step(natural[e.sheet.id].height_px / limit, self.floor)
                 for e in entries}
        proving: set[str] = set()  # sheets whose first layout here is the step before the guess
        searching = list(entries)
        if self.page_proves and assumed is not None:
            for entry in entries:
                sheet_id = entry.sheet.id
                level = guess[sheet_id]
                if (level < self.floor and natural[sheet_id].height_px / limit * _shrink(level)
                        <= PROVED_ON_PAGE_BELOW):
                    if level == 1:  # the step before is the natural setting, measured already
                        assumed[sheet_id] = level
                    else:
                        guess[sheet_id] = level - 1
                        proving.add(sheet_id)
            searching = [entry for entry in entries if entry.sheet.id not in assumed]
        while searching:
            measures = read_measures(self.galley([(e, guess[e.sheet.id]) for e in searching]))
            self.measured += len(searching)
            still = []
            for entry, measure in zip(searching, measures):
                sheet_id, level = entry.sheet.id, guess[entry.sheet.id]
                known[sheet_id][level] = measure
                low, high = bounds[sheet_id]
                if measure.height_px <= limit:
                    bounds[sheet_id] = [low, min(high, level)]
                else:
                    bounds[sheet_id] = [max(low, level), high]
                if sheet_id in proving:
                    proving.discard(sheet_id)
                    if measure.height_px > limit:  # it needs the step predicted: its page proves it
                        assumed[sheet_id] = level + 1
                        continue
                low, high = bounds[sheet_id]
                if high - low > 1:
                    guess[sheet_id] = high - 1 if measure.height_px <= limit else low + 1
                    still.append(entry)
            searching = still
        result = {}
        for entry in entries:
            sheet_id = entry.sheet.id
            if assumed is not None and sheet_id in assumed:
                continue
            low, high = bounds[sheet_id]
            chosen = min(high, self.floor)
            if chosen not in known[sheet_id]:  # only happens when no step fits: the floor
                chosen = max(known[sheet_id])
            # choose() walks the steps in order: give it a failing measure for each step
            # below the first that fits, then that step's measure.
            failing = Measure(float("inf"), 0.0, 0.0)
            result[sheet_id] = [known[sheet_id].get(level, failing) for level in range(1, chosen)] + [
                known[sheet_id][chosen]]
        return result

    def settle(self, document: weasyprint.Document) -> list[RenderedSheet]:
        """Read provisional sheets on the book's pages; return those that ran over.

        A sheet that fits is recorded with what its page shows; one that ran over is
        measured in the galley, and the caller lays the book out again.
        """
        available = document.pages[0]._page_box.height if document.pages else self.available
        for page in document.pages:
            if any(_is_sheet(box) for box in _walk(page._page_box)):
                available = page._page_box.height
                break
        boxes = sheets_on_pages(document)
        overran = []
        for entry in self.sheets:
            sheet_id = entry.sheet.id
            if sheet_id not in self.provisional:
                continue
            found = boxes.get(sheet_id, [])
            # A sheet that runs over fills its page to the last pixel (its floated columns
            # go on over the page without a second box), or shows on two pages.
            if len(found) != 1 or found[0].height_px > available - SAFETY_PX:
                overran.append(entry)
                continue
            measure = found[0]
            assumed = self.fits.get(sheet_id)
            level = assumed.level if assumed is not None else 0
            height = measure.height_px / available
            fit = SheetFit(sheet_id, level, measure.body_pt, measure.side_pt,
                           assumed.natural_height if level else height, height, True,
                           page_height_mm=round(available / PX_PER_MM, 1), measured_on="page")
            self.fits[sheet_id] = fit
            self.provisional.discard(sheet_id)
            self.store(entry, fit)
        # Measured in the galley to the end: the page has already disproved one guess.
        proves, self.page_proves = self.page_proves, False
        try:
            self.measure(overran)
        finally:
            self.page_proves = proves
        return overran
