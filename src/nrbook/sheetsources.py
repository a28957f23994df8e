"""Where the pages of chosen sheets come from: the book's own laid-out runs, or laid out now.

Handouts and the preview's printed sheet take each sheet's page as the book prints it.
When the book was built, its runs of sheets are in the cache: those very pages are
used. Otherwise the chosen sheets are laid out alone, with the book's page numbers; on a
cold cache the skeleton (for the page numbers, in pieces where it can be: ``splitmap``)
and the chosen sheets' fitting run side by side on the layout workers, then each run of
chosen sheets is laid out on one of them.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .booklayout import (
    RunResult,
    keep_page_map,
    known_page_map,
    lay_out_run_job,
    replay_problems,
    stored_problems,
)
from .context import BuildContext
from .fit import SheetFit, layout_salt
from .model import Sheet
from .pagemap import PageMap
from .partcache import PartCache
from .parts import Findings, SheetRun, collected, runs, sheet_fitter, sheets_html
from .pool import Pool, worker_count
from .render import RenderedSheet
from .splitmap import page_map_layout

Source = tuple[Path, tuple[int, ...]]  # a PDF and the indices of a sheet's pages in it


def sheet_sources(context: BuildContext, sheets: list[Sheet], scratch: Path) -> list[Source]:
    """Where each sheet's pages are, as the book prints them (in the order given)."""
    chosen = {sheet.id for sheet in sheets}
    cache = PartCache(context.options.cache, layout_salt(context.options.styles))
    chosen_entries = [entry for entry in context.rendered.sheets if entry.sheet.id in chosen]
    page_map, skeleton = known_page_map(context)
    measured: dict[str, SheetFit] = {}
    with ExitStack() as stack:
        pool = None  # the layout workers, started only when something is laid out
        if page_map is None:  # a cold cache: the page numbers and the settings, side by side
            pool = stack.enter_context(Pool(context, worker_count(2)))
            page_map, measured = _page_map_and_fits(context, pool, skeleton, chosen_entries)
        found: dict[str, Source] = {}
        fits: dict[str, SheetFit] = {}
        book_runs, book_fits = _book_runs(context, page_map, chosen)
        for run in book_runs:
            stored = _stored_run(context, cache, run, page_map, book_fits)
            if stored is not None:
                path, record = stored
                found.update(_pages_of(path, run.ids, record["sheet_pages"], chosen))
                fits.update({i: SheetFit(**f) for i, f in record["fits"].items() if i in chosen})
        missing = [entry for entry in chosen_entries if entry.sheet.id not in found]
        if missing:
            found_now, fits_now = _lay_out_missing(context, stack, pool, cache, page_map, missing,
                                                   measured, scratch)
            found.update({i: s for i, s in found_now.items() if i in chosen})
            fits.update(fits_now)
    context.facts.setdefault("fit", {}).update(fits)
    return [found[sheet.id] for sheet in sheets]


def _page_map_and_fits(context: BuildContext, pool: Pool, skeleton: str,
                       entries: list[RenderedSheet]) -> tuple[PageMap, dict[str, SheetFit]]:
    """Lay the skeleton out for its page map while the sheets that need it are measured."""
    fitter = sheet_fitter(context, entries)
    to_measure = tuple(entry.sheet.id for entry in fitter.plan_known())
    results: dict[str, Any] = {}
    layout = page_map_layout(context, skeleton, pool.size)
    layout.start(pool, priority=1)  # the longer: the measures fill the gaps it leaves
    jobs = {}
    if to_measure:
        jobs[pool.submit(_measure_alone, to_measure)] = "fits"
    while pool.busy:
        job_id, _, value = pool.result()
        if layout.owns(job_id):
            layout.take(pool, job_id, value)
        else:
            results[jobs[job_id]] = value
    page_map, findings = layout.page_map, layout.findings
    assert page_map is not None
    findings.report(context.diagnostics)
    keep_page_map(context, skeleton, page_map, findings)
    fits, measure_findings = results.get("fits", ({}, Findings()))
    measure_findings.report(context.diagnostics)
    return page_map, fits


def _book_runs(context: BuildContext, page_map: PageMap, chosen: set[str]
               ) -> tuple[list[SheetRun], dict[str, SheetFit]]:
    """The book's runs that hold a chosen sheet and whose every setting is known already."""
    book_runs = [run for run in runs(list(context.rendered.sheets), page_map) if chosen & set(run.ids)]
    fitter = sheet_fitter(context, [entry for run in book_runs for entry in run.entries])
    unknown = {entry.sheet.id for entry in fitter.plan_known()}
    # A sheet never laid out yet: the book's run cannot be in the cache.
    known = [run for run in book_runs if not (unknown | fitter.provisional) & set(run.ids)]
    return known, fitter.fits


def _stored_run(context: BuildContext, cache: PartCache, run: SheetRun, page_map: PageMap,
                fits: dict[str, SheetFit]) -> tuple[Path, dict[str, Any]] | None:
    html = sheets_html(context, run, page_map, fits)
    stored = cache.get(cache.key(context.stylesheet("sheets") + html))
    if stored is None or stored[0] is None:
        return None
    replay_problems(context, stored[1]["problems"])
    return stored[0], stored[1]


def _lay_out_missing(context: BuildContext, stack: ExitStack, pool: Pool | None, cache: PartCache,
                     page_map: PageMap, missing: list[RenderedSheet], measured: dict[str, SheetFit],
                     scratch: Path) -> tuple[dict[str, Source], dict[str, SheetFit]]:
    """Lay the chosen sheets the cache lacks out, run by run, on the workers (``pool``, or
    workers started now)."""
    alone = sheet_fitter(context, missing)
    chosen = {entry.sheet.id for entry in missing}
    alone.fits.update({i: f for i, f in measured.items() if i in chosen})
    unknown = [entry for entry in alone.plan_known() if entry.sheet.id not in measured]
    alone.provisional.difference_update(measured)
    alone.measure(unknown)
    context.facts["sheets_measured"] = alone.measured + len(measured)
    found: dict[str, Source] = {}
    fits: dict[str, SheetFit] = {}
    to_lay_out: list[tuple[SheetRun, Path]] = []
    for run in runs(missing, page_map):
        html = sheets_html(context, run, page_map, alone.fits)
        key = cache.key(context.stylesheet("sheets") + html)
        stored = cache.get(key)
        if stored is not None and stored[0] is not None:
            replay_problems(context, stored[1]["problems"])
            found.update(_pages_of(stored[0], run.ids, stored[1]["sheet_pages"], set(run.ids)))
            fits.update({i: SheetFit(**f) for i, f in stored[1]["fits"].items()})
        else:
            to_lay_out.append((run, scratch / f"sheets-{key[:16]}.pdf"))
    if pool is None:
        pool = stack.enter_context(Pool(context, worker_count(len(to_lay_out))))
    jobs: dict[int, tuple[SheetRun, Path]] = {}
    for run, path in to_lay_out:
        provisional = tuple(i for i in run.ids if i in alone.provisional)
        job = pool.submit(lay_out_run_job, run.ids, run.first_page, page_map,
                          {i: alone.fits[i] for i in run.ids}, provisional, path)
        jobs[job] = (run, path)
    while pool.busy:
        job_id, _, (html, result) = pool.result()
        run, path = jobs[job_id]
        _keep(context, cache, html, result)
        found.update(_pages_of(path, run.ids, result.sheet_pages, set(run.ids)))
        fits.update(result.fits)
    return found, fits


def _keep(context: BuildContext, cache: PartCache, html: str, result: RunResult) -> None:
    result.findings.report(context.diagnostics)
    cache.put(cache.key(context.stylesheet("sheets") + html), result.path, {
        "fits": {i: asdict(f) for i, f in result.fits.items()},
        "sheet_pages": result.sheet_pages, "anchors": result.anchors,
        "problems": stored_problems(result.findings.problems)})


def _pages_of(path: Path, ids: tuple[str, ...], taken: dict[str, int], chosen: set[str]
              ) -> dict[str, Source]:
    """The page indices, in a run's PDF, of each of the chosen sheets."""
    found, index = {}, 0
    for sheet_id in ids:
        count = int(taken.get(sheet_id, 1))
        if sheet_id in chosen:
            found[sheet_id] = (path, tuple(range(index, index + count)))
        index += count
    return found


# --- Jobs, run in the workers (or inline) ----------------------------------------------------

def _measure_alone(context: BuildContext, sheet_ids: tuple[str, ...]
                   ) -> tuple[dict[str, SheetFit], Findings]:
    entries = [entry for entry in context.rendered.sheets if entry.sheet.id in sheet_ids]
    fitter = sheet_fitter(context, entries)
    with collected(context) as findings:
        fitter.measure(entries)
    return dict(fitter.fits), findings

