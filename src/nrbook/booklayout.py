"""The whole book laid out in parts on every core; parts that did not change come from the cache.

The skeleton is laid out first, since it gives every page number, while other workers
measure the sheets that may not fit their page. Each run of sheets (a theme's) is laid
out as soon as the skeleton and its sheets' settings are known. A sheet that cannot fit
even at the floor takes two pages: the skeleton is then laid out again with a stub of
two pages, and the parts after it with their new page numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .context import BuildContext
from .fit import SheetFit, layout_salt
from .pagemap import PageMap
from .partcache import PartCache
from .parts import (
    Findings,
    SheetRun,
    collected,
    lay_out_run,
    render_skeleton,
    runs,
    sheet_fitter,
    sheets_html,
    skeleton_html,
)
from .pdfjoin import Part
from .pool import Pool, kept, worker_count
from .render import RenderedSheet


#: Priorities of the layout jobs (see ``Pool.submit``): the skeleton and its writing, then the
#: measures (each ahead by the sheets of the run it holds back), then runs, the longest first.
FIRST = 10_000
MEASURE = 1_000


@dataclass
class LaidOutBook:
    """The book's parts, ready to be joined, and what their layout told."""

    skeleton: Path
    parts: list[Part]
    page_map: PageMap
    fits: dict[str, SheetFit]
    anchors: dict[str, int]  # every anchor of the book → its page
    measured: int = 0  # sheet layouts spent measuring
    laid_out: list[str] = field(default_factory=list)  # the parts laid out, not from the cache


@dataclass(frozen=True)
class RunResult:
    path: Path
    fits: dict[str, SheetFit]
    sheet_pages: dict[str, int]  # sheet id → pages it took
    anchors: dict[str, int]
    findings: Findings = field(default_factory=Findings)
    measured: int = 0


def lay_out_book(context: BuildContext, scratch: Path) -> LaidOutBook:
    """Lay out (or take from the cache) every part of the book; their PDFs stay in ``scratch``."""
    # The workers start first: each imports WeasyPrint while this process reads the sheets'
    # settings from the cache. A worker never given a job is stopped at once.
    with Pool(context, worker_count(len(context.book.themes) + 2)) as pool:
        entries = list(context.rendered.sheets)
        fitter = sheet_fitter(context, entries)
        to_measure = fitter.plan_known()
        cache = PartCache(context.options.cache, layout_salt(context.options.styles))
        stub_pages = stubs_for(fitter.fits)
        laid_out: list[str] = []
        measured = 0
        while True:
            attempt = _Attempt(context, pool, fitter.fits, set(fitter.provisional), to_measure,
                               cache, scratch, stub_pages)
            book = attempt.run()
            laid_out.extend(book.laid_out)
            measured += book.measured
            taken = {sheet_id: pages for result in attempt.results.values()
                     for sheet_id, pages in result.sheet_pages.items()}
            longer = {sheet_id: pages for sheet_id, pages in taken.items() if pages > 1}
            if longer == stub_pages:
                break
            # A sheet that cannot fit takes more than its stub: the pages after it move.
            stub_pages, to_measure = longer, []
            fitter.fits.update(book.fits)
            fitter.provisional.clear()
    book.laid_out, book.measured = laid_out, measured
    cache.trim()
    return book


class _Attempt:
    """One layout of every part, for a given set of stubs."""

    def __init__(self, context: BuildContext, pool: Pool, fits: dict[str, SheetFit], provisional: set[str],
                 to_measure: list[RenderedSheet], cache: PartCache, scratch: Path,
                 stub_pages: dict[str, int]):
        self.context = context
        self.fits = dict(fits)
        self.provisional = provisional
        self.cache = cache
        self.scratch = scratch
        self.measuring: dict[str, list[str]] = {}  # theme → its sheets still to measure
        for entry in to_measure:
            self.measuring.setdefault(entry.theme.id, []).append(entry.sheet.id)
        self.html = skeleton_html(context, stub_pages)
        self.key = cache.key(context.stylesheet("print") + self.html)
        self.page_map: PageMap | None = None
        self.skeleton: Path | None = None
        self.results: dict[tuple[str, ...], RunResult] = {}
        self.scheduled: set[tuple[str, ...]] = set()
        self.handlers: dict[int, Callable[[int, Any], None]] = {}
        self.laid_out: list[str] = []
        self.measured = 0
        self.pool = pool

    def run(self) -> LaidOutBook:
        stored = self.cache.get(self.key)
        if stored is not None:  # its PDF may not have been kept (handouts keep the record only)
            self.skeleton, record = stored
            self.page_map = PageMap.from_json(record["page_map"])
            if self.skeleton is not None:
                replay_problems(self.context, record["problems"])
        ready = self._ready_runs() if self.page_map is not None else []
        if self.skeleton is None:  # first: every run waits for its page numbers
            self._submit(self._skeleton_laid_out, _lay_out_skeleton, self.html, priority=FIRST)
        sizes = {theme.id: len(theme.sheets) for theme in self.context.book.themes}
        for theme_id, sheet_ids in self.measuring.items():  # the longest runs they wait for first
            self._submit(self._measured(theme_id), _measure, tuple(sheet_ids),
                         priority=MEASURE + sizes.get(theme_id, 0))
        self._schedule(ready)
        while self.pool.busy:
            job_id, worker, value = self.pool.result()
            self.handlers.pop(job_id)(worker, value)
        assert self.page_map is not None and self.skeleton is not None
        anchors = dict(self.page_map.anchors)
        parts = []
        fits: dict[str, SheetFit] = {}
        pages = self.page_map.sheet_pages
        for ids, result in sorted(self.results.items(), key=lambda item: pages[item[0][0]][0]):
            anchors.update(result.anchors)
            fits.update(result.fits)
            places = tuple(page - 1 for sheet_id in ids for page in pages[sheet_id])
            parts.append(Part(result.path, places))
        return LaidOutBook(self.skeleton, parts, self.page_map, fits, anchors, self.measured,
                           self.laid_out)

    def _submit(self, handler: Callable[[int, Any], None], function: Callable[..., Any],
                *args: Any, worker: int | None = None, priority: float = 0) -> None:
        job_id = self.pool.next_id
        self.handlers[job_id] = handler
        self.pool.submit(function, *args, worker=worker, priority=priority)

    def _skeleton_laid_out(self, worker: int, value: tuple[PageMap, Findings]) -> None:
        known = self.page_map
        self.page_map, findings = value
        if known is not None and known != self.page_map:
            raise RuntimeError("the stored page map of the skeleton differs from its layout")
        findings.report(self.context.diagnostics)
        path = self.scratch / f"skeleton-{self.key[:16]}.pdf"
        self._submit(self._skeleton_written(path, findings), _write_skeleton, path, worker=worker,
                     priority=FIRST)  # the longest job: started at once, not left for the end
        self._schedule(self._ready_runs())

    def _skeleton_written(self, path: Path, layout: Findings):
        def done(worker: int, findings: Findings) -> None:
            findings.report(self.context.diagnostics)
            assert self.page_map is not None
            self.skeleton = path
            self.laid_out.append("skeleton")
            problems = stored_problems([*layout.problems, *findings.problems])
            self.cache.put(self.key, path, {"page_map": self.page_map.to_json(), "problems": problems})
        return done

    def _measured(self, theme_id: str):
        def done(worker: int, value: tuple[dict[str, SheetFit], set[str], int, Findings]) -> None:
            fits, provisional, measured, findings = value
            self.fits.update(fits)
            self.provisional.difference_update(fits)
            self.provisional.update(provisional)  # a step its page is to prove
            self.measured += measured
            findings.report(self.context.diagnostics)
            del self.measuring[theme_id]
            if self.page_map is not None:
                self._schedule(self._ready_runs())
        return done

    def _ready_runs(self) -> list[SheetRun]:
        """The runs whose sheets all have their settings, not yet scheduled."""
        assert self.page_map is not None
        waiting = {sheet_id for ids in self.measuring.values() for sheet_id in ids}
        found = []
        for run in runs(list(self.context.rendered.sheets), self.page_map):
            if run.ids not in self.scheduled and not waiting & set(run.ids):
                found.append(run)
        return found

    def _schedule(self, ready: list[SheetRun]) -> None:
        if self.page_map is None:
            return
        for run in sorted(ready, key=lambda r: -len(r.entries)):  # the longest first
            self.scheduled.add(run.ids)
            html = sheets_html(self.context, run, self.page_map, self.fits)
            key = self.cache.key(self.context.stylesheet("sheets") + html)
            stored = self.cache.get(key)
            if stored is not None:
                path, record = stored
                replay_problems(self.context, record["problems"])
                self.results[run.ids] = RunResult(
                    path, {i: SheetFit(**f) for i, f in record["fits"].items()},
                    record["sheet_pages"], record["anchors"])
                continue
            path = self.scratch / f"run-{key[:16]}.pdf"
            provisional = tuple(i for i in run.ids if i in self.provisional)
            self._submit(self._run_laid_out(run, path), lay_out_run_job, run.ids, run.first_page,
                         self.page_map, {i: self.fits[i] for i in run.ids}, provisional, path,
                         priority=len(run.entries))

    def _run_laid_out(self, run: SheetRun, path: Path):
        def done(worker: int, value: tuple[str, RunResult]) -> None:
            html, result = value
            result.findings.report(self.context.diagnostics)
            self.measured += result.measured
            self.results[run.ids] = result
            self.laid_out.append(f"sheets {run.ids[0]}–{run.ids[-1]}")
            self.context.progress.detail(f"{len(self.results)} of {len(self.scheduled)} runs of sheets")
            record = {"fits": {i: asdict(f) for i, f in result.fits.items()},
                      "sheet_pages": result.sheet_pages, "anchors": result.anchors,
                      "problems": stored_problems(result.findings.problems)}
            # Stored under the HTML finally laid out: the next build, with the settings
            # this layout settled, asks for that one.
            self.cache.put(self.cache.key(self.context.stylesheet("sheets") + html), path, record)
        return done



def stubs_for(fits: dict[str, SheetFit]) -> dict[str, int]:
    """The pages that sheets which cannot fit one page will take, as far as measured."""
    return {sheet_id: max(2, math.ceil(fit.height - 1e-9)) for sheet_id, fit in sorted(fits.items())
            if not fit.fits}


def known_page_map(context: BuildContext) -> tuple[PageMap | None, str]:
    """Where everything lies in the book, if this build or the cache knows it; and the
    skeleton's HTML that gives it when laid out (with the stubs the cache knows of)."""
    known = context.facts.get("pdf_page_map")
    if isinstance(known, PageMap):
        return known, ""
    fitter = sheet_fitter(context, list(context.rendered.sheets))
    for entry in context.rendered.sheets:  # settings known from the cache only: no measuring here
        cached = fitter.cached(entry)
        if cached is not None:
            fitter.fits[entry.sheet.id] = cached
    html = skeleton_html(context, stubs_for(fitter.fits))
    cache = PartCache(context.options.cache, layout_salt(context.options.styles))
    stored = cache.get(cache.key(context.stylesheet("print") + html))
    if stored is None:
        return None, html
    page_map = PageMap.from_json(stored[1]["page_map"])
    context.facts["pdf_page_map"] = page_map
    return page_map, html


def book_page_map(context: BuildContext) -> PageMap:
    """Where everything lies in the book: from this build, the cache, or the skeleton laid out now."""
    page_map, html = known_page_map(context)
    if page_map is not None:
        return page_map
    with collected(context) as findings:
        page_map = render_skeleton(context, html)[1]
    keep_page_map(context, html, page_map, findings)
    return page_map


def keep_page_map(context: BuildContext, skeleton: str, page_map: PageMap, findings: Findings) -> None:
    """Store the page map the skeleton gave (its PDF is not kept) for this build and the next."""
    cache = PartCache(context.options.cache, layout_salt(context.options.styles))
    cache.put(cache.key(context.stylesheet("print") + skeleton), None,
              {"page_map": page_map.to_json(), "problems": stored_problems(findings.problems)})
    context.facts["pdf_page_map"] = page_map


def stored_problems(problems: list) -> list[list[Any]]:
    return [[str(p.path), p.line, p.message, p.hint] for p in problems]


def replay_problems(context: BuildContext, problems: list[list[Any]]) -> None:
    """What a stored part's layout reported, reported again (layouts only warn)."""
    for path, line, message, hint in problems:
        context.diagnostics.warning(Path(path), int(line), message, hint)


# --- Jobs, run in the workers (or inline): ``context`` is the worker's copy ------------------

def _lay_out_skeleton(context: BuildContext, html: str) -> tuple[PageMap, Findings]:
    with collected(context) as findings:
        document, page_map = render_skeleton(context, html)
    kept["skeleton"] = document  # written by the next job of this worker
    return page_map, findings


def _write_skeleton(context: BuildContext, path: Path) -> Findings:
    from .pdfrender import write_document_to

    document = kept.pop("skeleton")
    with collected(context) as findings:
        write_document_to(context, document, path, part="s")
    return findings


def _measure(context: BuildContext, sheet_ids: tuple[str, ...]
             ) -> tuple[dict[str, SheetFit], set[str], int, Findings]:
    entries = [entry for entry in context.rendered.sheets if entry.sheet.id in sheet_ids]
    fitter = sheet_fitter(context, entries)
    fitter.page_proves = True  # every sheet's run reads it on its page (lay_out_run)
    with collected(context) as findings:
        fitter.measure(entries)
    return dict(fitter.fits), set(fitter.provisional), fitter.measured, findings


def lay_out_run_job(context: BuildContext, sheet_ids: tuple[str, ...], first_page: int,
                 page_map: PageMap, fits: dict[str, SheetFit], provisional: tuple[str, ...],
                 path: Path) -> tuple[str, RunResult]:
    from .pdfrender import write_document_to

    by_id = {entry.sheet.id: entry for entry in context.rendered.sheets}
    entries = [by_id[i] for i in sheet_ids]
    fitter = sheet_fitter(context, entries)
    fitter.fits.update(fits)
    fitter.provisional = set(provisional)
    with collected(context) as findings:
        layout = lay_out_run(context, SheetRun(tuple(entries), first_page), page_map, fitter)
        write_document_to(context, layout.document, path, part=f"p{first_page}")
    return layout.html, RunResult(path, layout.fits, layout.sheet_pages, layout.anchors,
                                  findings, layout.measured)
