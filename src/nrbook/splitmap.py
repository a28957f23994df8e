"""The skeleton's page map from pieces of it laid out side by side, when only the map is needed.

Handouts and print previews from a cold cache need the book's page numbers, not its
skeleton drawn; laid out whole, the skeleton keeps one core busy for seconds while the
others wait. Its main matter is a series of chapters and themes that each start a new
page. When no page style depends on a page's number or side, no CSS counter runs
across them and no text in them prints a page number (cross-references "p. N"), each
lays out the same wherever it starts: the main matter is then laid out in pieces, one
per worker, and the front matter (cover, colophon, contents) after them, with the page
numbers they give. The contents' length may depend on these numbers, and the numbers on
its length: the front is laid out again until both agree, the fixed point that the
whole layout reaches too (the tests compare the two page maps). Otherwise, or with a
single worker, the skeleton is laid out whole.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

from .context import BuildContext
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


@dataclass
class Pieces:
    """The skeleton cut for a layout in pieces: the front, and the main matter in parts."""

    front: Any  # the lxml document of the front matter, its contents' links to be numbered
    main: list[str]  # the HTML of each piece of the main matter, in order
    toc_links: int


def split_skeleton(context: BuildContext, html: str, pieces: int) -> Pieces | None:
    """The skeleton in ``pieces`` pieces of main matter and its front, or None if it must be
    laid out whole (see the module's docstring)."""
    if pieces < 2 or not _pieces_lay_out_alike(context.stylesheet("print")):
        return None
    root = lxml_html.document_fromstring(html)
    main = root.find(".//main")
    if main is None or len(main) < pieces:
        return None
    if main.xpath('.//*[contains(concat(" ", normalize-space(@class), " "), " xref ")]'):
        return None  # a page number printed in the text: its width moves the lines
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
        texts.append(_serialize(piece))
    front = copy.deepcopy(root)
    front_main = front.find(".//main")
    front_main.getparent().remove(front_main)
    return Pieces(front, texts, len(front.xpath('//nav[contains(@class, "toc")]//a[@href]')))


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
    findings: Findings = field(default_factory=Findings)
    page_map: PageMap | None = None
    priority: float = 0

    def start(self, pool: Pool, priority: float = 0) -> None:
        self.priority = priority
        if self.pieces is None:
            self.jobs[pool.submit(_whole_page_map, self.html, priority=priority)] = "whole"
            return
        for index, text in enumerate(self.pieces.main):
            self.jobs[pool.submit(_records, text, "print", priority=priority)] = f"main {index}"

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
                self._finish(records)
            elif self.front_attempts < _FRONT_ATTEMPTS:  # the contents took more or fewer pages
                self._lay_out_front(pool, len(records))
            else:
                self.jobs[pool.submit(_whole_page_map, self.html, priority=self.priority)] = "whole"
            return
        assert self.pieces is not None
        self.main[int(kind.split()[1])] = records
        self.findings.problems.extend(findings.problems)
        self.findings.notes.extend(findings.notes)
        if len(self.main) == len(self.pieces.main):
            guess = _FRONT_PAGES + -(-self.pieces.toc_links // _TOC_ENTRIES_PER_PAGE)
            self._lay_out_front(pool, guess)

    def _main_records(self) -> list[PageRecord]:
        return [record for index in sorted(self.main) for record in self.main[index]]

    def _lay_out_front(self, pool: Pool, pages: int) -> None:
        assert self.pieces is not None
        anchors = page_map_from(self._main_records(), self.context.book).anchors
        self.front_guess = pages
        self.front_attempts += 1
        html = front_html(self.pieces, pages, anchors)
        self.jobs[pool.submit(_records, html, "sheets", priority=self.priority)] = "front"

    def _finish(self, front: list[PageRecord]) -> None:
        self.page_map = page_map_from(front + self._main_records(), self.context.book)


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
