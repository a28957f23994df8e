"""The skeleton's page map from pieces of it laid out side by side, when only the map is needed.

Handouts and print previews from a cold cache need the book's page numbers, not its
skeleton drawn; laid out whole, the skeleton keeps one core busy for seconds while the
others wait. Its main matter is a series of chapters and themes that each start a new
page. When no page style depends on a page's number or side and no CSS counter runs
across them, each lays out the same wherever it starts: the main matter is then laid
out in pieces, one per worker, and the front matter (cover, colophon, contents) after
them, with the page numbers they give. The contents' length may depend on these numbers,
and the numbers on its length: the front is laid out again until both agree, the fixed
point that the whole layout reaches too (the tests compare the two page maps).

A cross-reference in the main matter prints its target's page ("p. N"), which the pieces
cannot know: each is laid out with an estimate of that page, pinned, and kept if every
estimate has as many digits as the page found, which is then the same width (tabular,
unkerned figures: ``figures``). Otherwise the pieces are laid out again with the pages
found. Without such figures, or with a single worker, the skeleton is laid out whole.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

from .context import BuildContext
from .figures import figures_fixed_width
from .pagemap import PageMap, PageRecord, page_map_from, page_records
from .parts import Findings, collected, render_skeleton
from .pool import Pool

#: The only rules of the print styles that may print page numbers: the contents' (laid
#: out last, with the numbers pinned) and the cross-references' (none may be in a piece).
_NUMBERING_RULES = {".toc a::after", ".xref::after"}
_TARGET_FUNCTION = re.compile(r"target-(?:counter|counters|text)\s*\(")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
#: What makes a page's layout depend on where it falls: page selectors and breaks by side,
#: and counters, which run on from one piece to the next.
_PLACE_DEPENDENT = re.compile(
    r"@page[^{]*:(?:left|right|first|blank|nth)|break-(?:before|after)\s*:\s*(?:left|right|recto|verso)"
    r"|counter-(?:increment|reset|set)\s*:")
#: A first guess of the front matter's pages (cover, colophon, contents of this many
#: entries a page); a wrong guess costs one more layout of the front.
_FRONT_PAGES, _TOC_ENTRIES_PER_PAGE = 2, 40
#: Layouts of the front after which the numbers and the length have not agreed: the
#: skeleton is then laid out whole (a contents whose length swings with its numbers).
_FRONT_ATTEMPTS = 3
#: Layouts of the main matter after which its cross-references' pages still have other
#: lengths than the pages they were laid out with: the skeleton is then laid out whole.
_MAIN_ATTEMPTS = 2
#: Characters of text a page of the main matter holds, roughly: for a first estimate of
#: the pages that cross-references print (a wrong number of digits costs a layout more).
_CHARACTERS_PER_PAGE = 3500
_XREFS = './/a[contains(concat(" ", normalize-space(@class), " "), " xref ")]'


@dataclass
class Pieces:
    """The skeleton cut for a layout in pieces: the front, and the main matter in parts."""

    front: Any  # the lxml document of the front matter, its contents' links to be numbered
    main: list[Any]  # the lxml document of each piece of the main matter, in order
    toc_links: int
    estimates: dict[str, int] = field(default_factory=dict)  # xref target → its page, guessed

    def main_html(self, index: int, pages: dict[str, int]) -> str:
        """A piece of the main matter, its cross-references showing these pages."""
        piece = self.main[index]
        for link in piece.xpath(_XREFS):
            page = pages.get(link.get("href", "")[1:])
            if page is not None:
                link.set("data-page", str(page))
        return _serialize(piece)


def split_skeleton(context: BuildContext, html: str, pieces: int) -> Pieces | None:
    """The skeleton in ``pieces`` pieces of main matter and its front, or None if it must be
    laid out whole (see the module's docstring)."""
    if pieces < 2 or not _pieces_lay_out_alike(context.stylesheet("print")):
        return None
    root = lxml_html.document_fromstring(html)
    main = root.find(".//main")
    if main is None or len(main) < pieces:
        return None
    if main.xpath(_XREFS) and not figures_fixed_width(context.stylesheet("sheets")):
        return None  # a page number printed in the text: its value's width moves the lines
    sizes = [len(lxml_html.tostring(child)) for child in main]
    cuts, total, running = [], sum(sizes), 0
    for index, size in enumerate(sizes):
        running += size
        if len(cuts) < pieces - 1 and running >= total * (len(cuts) + 1) / pieces and index + 1 < len(sizes):
            cuts.append(index + 1)
    bounds = list(zip([0, *cuts], [*cuts, len(sizes)]))
    texts = []
    for number, (start, end) in enumerate(bounds):
        piece = copy.deepcopy(root)
        piece_main = piece.find(".//main")
        for element in list(piece_main.getparent()):
            if element is not piece_main:
                element.getparent().remove(element)
        for child in list(piece_main)[end:] + list(piece_main)[:start]:
            piece_main.remove(child)
        if number:  # the main matter's own anchor is on its first page, in the first piece
            piece_main.attrib.pop("id", None)
        texts.append(piece)
    front = copy.deepcopy(root)
    front_main = front.find(".//main")
    front_main.getparent().remove(front_main)
    toc_links = len(front.xpath('//nav[contains(@class, "toc")]//a[@href]'))
    return Pieces(front, texts, toc_links, _estimated_pages(main, _front_guess(toc_links)))


def _front_guess(toc_links: int) -> int:
    return _FRONT_PAGES + -(-toc_links // _TOC_ENTRIES_PER_PAGE)


def _estimated_pages(main: Any, front_pages: int) -> dict[str, int]:
    """A guess of the page of each cross-reference's target: each chapter or theme takes
    the pages its text would fill, each sheet's stub one page."""
    targets = {link.get("href", "")[1:] for link in main.xpath(_XREFS)}
    estimates: dict[str, int] = {}
    page = front_pages + 1
    for child in main:
        stubs = child.xpath('.//article[contains(concat(" ", @class, " "), " sheet-stub ")]')
        text = len(child.text_content()) - sum(len(stub.text_content()) for stub in stubs)
        for anchor in child.xpath(".//@id"):
            if anchor in targets:
                estimates[anchor] = page
        page += max(1, -(-text // _CHARACTERS_PER_PAGE))
        for stub in stubs:
            for anchor in stub.xpath(".//@id"):
                if anchor in targets:
                    estimates[anchor] = page
            page += 1
    return estimates


def _pieces_lay_out_alike(css: str) -> bool:
    text = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    if _PLACE_DEPENDENT.search(text):
        return False
    for selectors, body in _RULE.findall(text):
        if _TARGET_FUNCTION.search(body) and any(
                " ".join(s.split()) not in _NUMBERING_RULES for s in selectors.split(",")):
            return False
    return True


def _serialize(document: Any) -> str:
    return lxml_html.tostring(document, doctype="<!DOCTYPE html>", encoding="unicode")


def front_html(pieces: Pieces, pages: int, anchors: dict[str, int]) -> str:
    """The front matter with each contents entry's page pinned, as if it took ``pages``
    pages before the main matter (``anchors``: their pages from its start)."""
    front = copy.deepcopy(pieces.front)
    for link in front.xpath('//nav[contains(@class, "toc")]//a[@href]'):
        page = anchors.get(link.get("href", "")[1:])
        if page is not None:
            link.set("data-page", str(pages + page))
    return _serialize(front)


@dataclass
class PageMapLayout:
    """The layout jobs that give the skeleton's page map, run among a build's other jobs:
    ``start`` submits them, ``take`` is given each result the pool returns for them."""

    context: BuildContext
    html: str
    pieces: Pieces | None
    jobs: dict[int, str] = field(default_factory=dict)  # job id → "whole", "front" or "main N"
    main: dict[int, list[PageRecord]] = field(default_factory=dict)
    front_guess: int = 0
    front_attempts: int = 0
    pinned: dict[str, int] = field(default_factory=dict)  # the pages the xrefs were laid out with
    main_attempts: int = 0
    whole: bool = False  # laid out whole, from the start or when the pieces did not settle
    findings: Findings = field(default_factory=Findings)
    page_map: PageMap | None = None
    priority: float = 0

    def start(self, pool: Pool, priority: float = 0) -> None:
        self.priority = priority
        if self.pieces is None:
            self._lay_out_whole(pool)
            return
        self._lay_out_main(pool, self.pieces.estimates)

    def _lay_out_whole(self, pool: Pool) -> None:
        self.whole = True
        self.jobs[pool.submit(_whole_page_map, self.html, priority=self.priority)] = "whole"

    def _lay_out_main(self, pool: Pool, pages: dict[str, int]) -> None:
        assert self.pieces is not None
        self.pinned, self.main = dict(pages), {}
        self.main_attempts += 1
        self.findings = Findings()
        for index in range(len(self.pieces.main)):
            html = self.pieces.main_html(index, pages)
            self.jobs[pool.submit(_records, html, "sheets", priority=self.priority)] = f"main {index}"

    def run(self, pool: Pool) -> PageMap:
        """Start the jobs and run them to the end, with no others."""
        self.start(pool)
        while pool.busy:
            job_id, _, value = pool.result()
            self.take(pool, job_id, value)
        assert self.page_map is not None
        return self.page_map

    def owns(self, job_id: int) -> bool:
        return job_id in self.jobs

    def take(self, pool: Pool, job_id: int, value: Any) -> None:
        kind = self.jobs.pop(job_id)
        if kind == "whole":
            self.page_map, self.findings = value
            return
        records, findings = value
        if kind == "front":
            if len(records) == self.front_guess:
                self.findings.problems.extend(findings.problems)
                self.findings.notes.extend(findings.notes)
                self._finish(pool, records)
            elif self.front_attempts < _FRONT_ATTEMPTS:  # the contents took more or fewer pages
                self._lay_out_front(pool, len(records))
            else:
                self._lay_out_whole(pool)
            return
        assert self.pieces is not None
        self.main[int(kind.split()[1])] = records
        self.findings.problems.extend(findings.problems)
        self.findings.notes.extend(findings.notes)
        if len(self.main) == len(self.pieces.main):
            self.front_attempts = 0
            self._lay_out_front(pool, self.front_guess or _front_guess(self.pieces.toc_links))

    def _main_records(self) -> list[PageRecord]:
        return [record for index in sorted(self.main) for record in self.main[index]]

    def _lay_out_front(self, pool: Pool, pages: int) -> None:
        assert self.pieces is not None
        anchors = page_map_from(self._main_records(), self.context.book).anchors
        self.front_guess = pages
        self.front_attempts += 1
        html = front_html(self.pieces, pages, anchors)
        self.jobs[pool.submit(_records, html, "sheets", priority=self.priority)] = "front"

    def _finish(self, pool: Pool, front: list[PageRecord]) -> None:
        page_map = page_map_from(front + self._main_records(), self.context.book)
        found = {anchor: page_map.anchors.get(anchor, 0) for anchor in self.pinned}
        if all(len(str(found[a])) == len(str(page)) for a, page in self.pinned.items()):
            self.page_map = page_map  # each xref as wide as with the page found: the same lines
        elif self.main_attempts < _MAIN_ATTEMPTS:
            self._lay_out_main(pool, found)
        else:
            self._lay_out_whole(pool)


def page_map_layout(context: BuildContext, html: str, workers: int) -> PageMapLayout:
    """The jobs for the page map of this skeleton, in pieces if it can be cut for ``workers``."""
    return PageMapLayout(context, html, split_skeleton(context, html, workers))


# --- Jobs, run in the workers (or inline) ----------------------------------------------------

def _whole_page_map(context: BuildContext, html: str) -> tuple[PageMap, Findings]:
    with collected(context) as findings:
        page_map = render_skeleton(context, html)[1]
    return page_map, findings


def _records(context: BuildContext, html: str, target: str) -> tuple[list[PageRecord], Findings]:
    from .pdfrender import render_document

    with collected(context) as findings:
        document = render_document(context, html, f"{context.name}.pdf", target=target)
    return page_records(document), findings
