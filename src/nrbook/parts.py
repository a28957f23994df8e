"""The book's parts, each laid out apart: the skeleton that gives every page, and runs of sheets.

Every practice sheet fills exactly one page, so every page of the book is known from a
layout in which each sheet is a one-page stub: the *skeleton* (cover, contents,
chapters, theme introductions, with their true page numbers). The sheets are laid out
apart, in *runs* of sheets that follow each other in the book, each sheet printing what
the book prints around it: the running heads and folio of its page, the page numbers
of its cross-references. Their pages then replace the stubs (``pdfjoin``).

These functions run in the build's own process or in its workers (``pool``); they
take the build context and return what the build needs to know, problems included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import TYPE_CHECKING

from lxml import html as lxml_html
from markupsafe import Markup

from .context import BuildContext
from .diagnostics import Diagnostics, Problem
from .fit import SAFETY_PX, FitCache, SheetFit, SheetFitter, fit_levels, sheet_boxes
from .pagemap import PageMap, read_page_map
from .pdfjoin import FOREIGN_LINK
from .render import RenderedSheet

if TYPE_CHECKING:
    import weasyprint

#: Where a link of a standalone sheet document goes when its target is not in it: the
#: address to print instead, or None to keep its words without a link.
Foreign = Callable[[str], str | None]


def book_foreign(anchor: str) -> str:
    """In the book, a link to another part is joined back into an internal link."""
    return FOREIGN_LINK + anchor


@dataclass
class Findings:
    """What a piece of work reported: problems of the book, and notes about the machine."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self, diagnostics: Diagnostics) -> None:
        for problem in self.problems:
            diagnostics.add(problem)
        for note in self.notes:
            diagnostics.note(note)


@contextmanager
def collected(context: BuildContext) -> Iterator[Findings]:
    """What is reported meanwhile, kept apart too (a worker sends it back to the build)."""
    own, context.diagnostics = context.diagnostics, Diagnostics(strict=context.diagnostics.strict)
    found = Findings()
    try:
        yield found
    finally:
        found.problems.extend(context.diagnostics.problems)
        found.notes.extend(context.diagnostics.notes)
        context.diagnostics = own
        found.report(own)


# --- The skeleton ----------------------------------------------------------------------

def skeleton_html(context: BuildContext, stub_pages: dict[str, int]) -> str:
    return context.html("book.html.j2", target="print", sheet_stubs=True, stub_pages=stub_pages)


def render_skeleton(context: BuildContext, html: str) -> tuple[weasyprint.Document, PageMap]:
    from .pdfrender import render_document

    document = render_document(context, html, f"{context.name}.pdf")
    return document, read_page_map(document, context.book)


# --- Runs of sheets --------------------------------------------------------------------

@dataclass(frozen=True)
class SheetRun:
    """Sheets that follow each other in the book, laid out together from ``first_page``."""

    entries: tuple[RenderedSheet, ...]
    first_page: int

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(entry.sheet.id for entry in self.entries)


def runs(entries: list[RenderedSheet], page_map: PageMap) -> list[SheetRun]:
    """The entries cut where they stop following each other in the book."""
    found: list[list[RenderedSheet]] = []
    last_page = None
    for entry in entries:
        pages = page_map.sheet_pages[entry.sheet.id]
        if last_page is None or pages[0] != last_page + 1:
            found.append([])
        found[-1].append(entry)
        last_page = pages[-1]
    return [SheetRun(tuple(run), page_map.sheet_pages[run[0].sheet.id][0]) for run in found]


def sheets_html(context: BuildContext, run: SheetRun, page_map: PageMap,
                fits: dict[str, SheetFit], foreign: Foreign = book_foreign) -> str:
    """A document of the run's sheets, each printing what the book prints on its page."""
    own_pages = {page for sheet_id in run.ids for page in page_map.sheet_pages[sheet_id]}
    own_ids = {anchor for anchor, page in page_map.anchors.items() if page in own_pages}
    entries = [pin_links(entry, page_map, own_ids, foreign) for entry in run.entries]
    strings = {sheet_id: page_map.strings.get(sheet_id, {}) for sheet_id in run.ids}
    groups = [list(group) for _, group in groupby(entries, key=lambda e: e.theme.id)]
    return context.html("sheets.html.j2", target="sheets", groups=groups, strings=strings,
                        first_page=run.first_page,
                        fit={i: f.css_class for i, f in fits.items()})


def pin_links(entry: RenderedSheet, page_map: PageMap, own_ids: set[str],
              foreign: Foreign) -> RenderedSheet:
    """The sheet with its links and cross-references as they must read apart from the book.

    A cross-reference shows the page the book gives its target (``data-page``); a link
    to something outside the document goes where ``foreign`` says.
    """
    def pinned(html: Markup | None) -> Markup | None:
        if not html or "href=\"#" not in html:
            return html
        fragment = lxml_html.fragment_fromstring(str(html), create_parent="div")
        local = own_ids | {i for i in fragment.xpath("//@id")}
        for link in fragment.iter("a"):
            href = link.get("href") or ""
            if not href.startswith("#"):
                continue
            target = href[1:]
            page = page_map.anchors.get(target)
            if page is not None and "xref" in (link.get("class") or "").split():
                link.set("data-page", str(page))
            if target not in local:
                address = foreign(target)
                if address is None:
                    del link.attrib["href"]
                else:
                    link.set("href", address)
        return Markup((fragment.text or "") + "".join(
            lxml_html.tostring(child, encoding="unicode") for child in fragment))

    return replace(entry, body=pinned(entry.body), more=pinned(entry.more),
                   feedback=pinned(entry.feedback))


def sheet_fitter(context: BuildContext, entries: list[RenderedSheet]) -> SheetFitter:
    """A fitter for these sheets, with the build's cache."""
    def galley(pairs: list[tuple[RenderedSheet, int]]) -> weasyprint.Document:
        from .pdfrender import render_document

        return render_document(context, context.html("galley.html.j2", target="galley", galley=pairs),
                               "galley", target="galley", galley=True)

    cache = FitCache(context.options.cache, context.options.styles)
    styles = context.stylesheet("galley")  # not in the HTML: given to WeasyPrint beside it

    def key_of(entry: RenderedSheet) -> str:
        return cache.key(styles + context.html("galley.html.j2", target="galley", galley=[(entry, 0)]))

    return SheetFitter(entries, galley, fit_levels(context.options.styles), cache, key_of,
                       frozenset(context.qr_addresses))


@dataclass
class RunLayout:
    """A run laid out: its document, and what its pages say."""

    document: weasyprint.Document
    html: str
    fits: dict[str, SheetFit]
    sheet_pages: dict[str, int] = field(default_factory=dict)  # sheet id → pages it took
    anchors: dict[str, int] = field(default_factory=dict)  # anchor → page of the book
    measured: int = 0


def lay_out_run(context: BuildContext, run: SheetRun, page_map: PageMap, fitter: SheetFitter,
                foreign: Foreign = book_foreign) -> RunLayout:
    """Lay the run out with the fitter's settings; fit again and lay out again what ran over."""
    from .pdfrender import render_document

    html = sheets_html(context, run, page_map, fitter.fits, foreign)
    document = render_document(context, html, f"{context.name}.pdf", target="sheets")
    if fitter.settle(document):  # a sheet thought short ran over: fitted now
        html = sheets_html(context, run, page_map, fitter.fits, foreign)
        document = render_document(context, html, f"{context.name}.pdf", target="sheets")
        fitter.settle(document)
    fits = {sheet_id: fitter.fits[sheet_id] for sheet_id in run.ids}
    taken = check_one_page_each(context, document, fits)
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=run.first_page):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
    return RunLayout(document, html, fits, taken, anchors, fitter.measured)


def check_one_page_each(context: BuildContext, document: weasyprint.Document,
                        fits: dict[str, SheetFit]) -> dict[str, int]:
    """What the measure promised, verified on the real pages; the pages each sheet took."""
    excess: dict[str, list[float]] = {}
    for page in document.pages:
        for box in sheet_boxes(page):
            # A sheet that runs over shows on two pages, or fills its page to the last pixel.
            excess.setdefault(box.element.get("data-sheet-id"), []).append(
                box.margin_height() - (page._page_box.height - SAFETY_PX))  # noqa: SLF001
    for sheet_id, excesses in excess.items():
        overran = len(excesses) > 1 or excesses[0] > 0
        sheet = context.book.sheet(sheet_id)
        if overran and sheet is not None and getattr(fits.get(sheet_id), "fits", True):
            context.diagnostics.warning(sheet.path, 1, f"sheet {sheet_id} runs over its page "
                                        "although its measure fitted one",
                                        "report this layout to the nrbook developers")
    return {sheet_id: len(excesses) for sheet_id, excesses in excess.items()}


