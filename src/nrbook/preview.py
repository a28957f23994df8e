"""The editors' live preview: builds on every change, and the pages that show the book and its sheets."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import jinja2

from .context import BuildContext, BuildOptions, build_date
from .diagnostics import BuildFailed, Diagnostics, Problem, Severity, of_severity
from .model import Book
from .output import OutputStage
from .pipeline import prepare
from .print_preview import PREVIEW_DPI, PrintPreview, draw_page
from .render import layout_environment
from .sheet_preview import SheetPrint, SheetPrints

#: The preview is for the editor's own eyes: it never listens beyond this machine.
HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PREVIEW_STYLESHEET = "preview.css"
#: How often an open page asks whether there is a newer build (milliseconds).
POLL_MS = 700
# Changes closer together than this (ms) are one change: an editor's save is often
# several file events (temporary file, rename), and a rebuild per event is wasted.
WATCH_STEP_MS = 150
# The watcher wakes up this often (ms) even without changes, which tells us it is ready.
WATCH_TICK_MS = 250
#: A sheet whose preview was looked at this recently (s) is laid out again at every build.
WATCHED_S = 600
#: How long a request for a sheet's image of a given build may wait for it (s).
SHEET_WAIT_S = 15


@dataclass(frozen=True)
class Build:
    """One rebuild of the HTML book: its text if the sources were good, else their problems."""

    number: int
    book: Book | None
    html: str
    problems: tuple[Problem, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.book is not None

    @property
    def errors(self) -> list[Problem]:
        return of_severity(self.problems, Severity.ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return of_severity(self.problems, Severity.WARNING)


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class Preview:
    """The preview's state and pages: builds on demand, answers each address of the server."""

    def __init__(self, options: BuildOptions, log: IO[str] | None = None):
        self.options = options
        self.log = log or sys.stderr
        self.workdir = Path(tempfile.mkdtemp(prefix="nrbook-serve-"))
        self.url = ""
        self._say_lock = threading.Lock()
        self._lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self.current: Build | None = None
        self.last_good: Build | None = None
        self.print = PrintPreview(options, self.workdir, self.say)
        self.sheets = SheetPrints(options, self.workdir, self.say)
        self.watched: dict[str, float] = {}  # sheet id → when its preview was last asked for

    # --- building -----------------------------------------------------------------------

    def say(self, message: str) -> None:
        with self._say_lock:
            print(message, file=self.log, flush=True)

    def rebuild(self, changed: Iterable[str] = ()) -> Build:
        """Load, validate and render the book again; keep the last good build if this one fails."""
        with self._rebuild_lock:
            changed = sorted(changed)
            if changed:
                shown = ", ".join(shown_path(Path(p)) for p in changed[:4])
                more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
                self.say(f"changed: {shown}{more}")
            started = time.perf_counter()
            diagnostics = Diagnostics(strict=self.options.strict)
            book: Book | None = None
            html = ""
            try:
                config, book, rendered = prepare(self.options, diagnostics)
                # A context needs a stage; the preview never commits it, nor writes to it.
                context = BuildContext(self.options, config, book, rendered, diagnostics,
                                       build_date(book.info.date), OutputStage(self.workdir / "stage"))
                html = context.html("book.html.j2", target="screen")
            except BuildFailed:
                book = None
            except Exception as error:  # noqa: BLE001 (a broken layout must not stop the preview)
                book = None
                diagnostics.add(_problem_from_exception(error, self.options.layouts))
            with self._lock:
                number = self.current.number + 1 if self.current is not None else 1
                build = Build(number, book, html, tuple(diagnostics.sorted()),
                              time.perf_counter() - started)
                # The sheet pages watch both numbers: change them together.
                if build.ok:
                    self.sheets.offer(number, (config, book, rendered), list(diagnostics.problems))
                    self.print.request(number)
                    self._print_sheets(build, changed)
                self.current = build
                if build.ok:
                    self.last_good = build
            self._report(build)
            return build

    def _report(self, build: Build) -> None:
        for problem in build.problems:
            self.say(problem.format())
        if build.ok:
            assert build.book is not None
            self.say(f"build {build.number} in {build.seconds:.2f} s: {len(build.book.themes)} themes, "
                     f"{len(build.book.sheets)} sheets")
        else:
            count = len(build.errors)
            kept = (f"; the last good build stays at {self.url}last-good"
                    if self.last_good is not None and self.url else "")
            self.say(f"build {build.number}: {count} error{'s' if count != 1 else ''}, "
                     f"shown in the page{kept}")

    def watch_paths(self) -> list[Path]:
        """The sources, the layouts and the styles; the configuration too if it lives elsewhere."""
        paths = [self.options.source.resolve(), self.options.layouts.resolve(),
                 self.options.styles.resolve()]
        config = self.options.config_path.resolve()
        if config.is_file() and not any(config.is_relative_to(p) for p in paths):
            paths.append(config)
        return [p for p in dict.fromkeys(paths) if p.exists()]

    def watch(self, stop: threading.Event, ready: threading.Event) -> None:
        """Rebuild whenever a watched file changes, until ``stop`` is set (runs in a thread)."""
        import watchfiles

        try:
            for changes in watchfiles.watch(*self.watch_paths(), stop_event=stop, step=WATCH_STEP_MS,
                                            rust_timeout=WATCH_TICK_MS, yield_on_timeout=True,
                                            raise_interrupt=False):
                ready.set()  # the first yield, even empty, means the watches are in place
                if stop.is_set():
                    break
                changed = _lasting_changes(changes)
                if changed:
                    self.rebuild(changed)
        except Exception as error:  # noqa: BLE001 (said aloud: without it nothing updates)
            self.say(f"nrbook serve: watching the sources stopped: {type(error).__name__}: {error}")
        finally:
            ready.set()

    def _print_sheets(self, build: Build, changed: list[str]) -> None:
        """Lay out again, alone, the sheets just edited and those whose preview is looked at."""
        assert build.book is not None
        edited = {Path(p).resolve() for p in changed}
        recent = time.monotonic() - WATCHED_S
        # The sheets just saved first: the editor is looking at one of them.
        chosen = sorted((sheet for sheet in build.book.sheets
                         if sheet.path.resolve() in edited or self.watched.get(sheet.id, -1e9) > recent),
                        key=lambda sheet: sheet.path.resolve() not in edited)
        for sheet in chosen:
            self.sheets.request(build.number, sheet.id)

    def close(self) -> None:
        self.sheets.close()
        self.print.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- pages --------------------------------------------------------------------------

    def state(self) -> dict[str, int]:
        with self._lock:
            current = self.current
            printing = self.print.state()
        return {"build": current.number if current else 0,
                "pdf": printing.version + self.sheets.version,
                "errors": len(current.errors) if current else 0}

    def route(self, target: str) -> Response:
        """The answer to a GET of ``target`` (path and query)."""
        path = urlsplit(target).path
        with self._lock:
            current, last_good = self.current, self.last_good
        if path == "/__build":
            return Response(200, "application/json", json.dumps(self.state()).encode())
        if path == "/__preview.css":
            css = (self.options.styles / PREVIEW_STYLESHEET).read_bytes()
            return Response(200, "text/css; charset=utf-8", css)
        if path == "/favicon.ico":
            return Response(HTTPStatus.NO_CONTENT, "image/x-icon", b"")
        if current is None:
            return Response(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                            "La première construction du livre est en cours.\n".encode())
        if path in ("/", "/index.html"):
            if not current.ok:
                return self._page("preview/problems.html.j2", current, last_good)
            return self._book(current, stale=False)
        if path == "/last-good":
            if last_good is None:
                return self._page("preview/problems.html.j2", current, last_good)
            return self._book(last_good, stale=not current.ok)
        if path == "/problems":
            return self._page("preview/problems.html.j2", current, last_good)
        if path in ("/sheet", "/sheet/"):
            if last_good is not None:
                self.print.want()
            return self._page("preview/sheets.html.j2", current, last_good)
        if path.startswith("/sheet/"):
            if last_good is None or last_good.book is None:  # never built: the errors say why
                return self._page("preview/problems.html.j2", current, last_good)
            name = path.removeprefix("/sheet/")
            sheet_id = name.removesuffix(".png")
            if last_good.book.sheet(sheet_id) is None:
                return self._page("preview/not-found.html.j2", current, last_good,
                                  status=HTTPStatus.NOT_FOUND, wanted=path)
            self.print.want()
            self.watched[sheet_id] = time.monotonic()
            self.sheets.request(last_good.number, sheet_id)
            if name.endswith(".png"):
                return self._sheet_image(sheet_id, last_good.number, parse_qs(urlsplit(target).query))
            return self._page("preview/sheet.html.j2", current, last_good, sheet_id=sheet_id)
        return self._page("preview/not-found.html.j2", current, last_good,
                          status=HTTPStatus.NOT_FOUND, wanted=path)

    def _sheet_image(self, sheet_id: str, build: int, query: dict[str, list[str]]) -> Response:
        """The sheet as printed: from the whole book's layout, or laid out alone if that is newer.

        ``?build=N`` waits (a little) for a print of build N or newer; ``?dpi=`` sets the
        resolution (30 to 300); ``?print=sheet`` or ``book`` asks for one of the two. The
        answer says which it is (X-Nrbook-Build, X-Nrbook-Print).
        """
        wanted = _number(query.get("build"), build)
        dpi = min(300, max(30, _number(query.get("dpi"), PREVIEW_DPI)))
        source = (query.get("print") or [""])[0]
        alone = self.sheets.wait(sheet_id, wanted, SHEET_WAIT_S if "build" in query else 0)
        layout = self.print.state().ready
        if source == "sheet":
            layout = None
        elif source == "book":
            alone = None
        if layout is not None and (alone is None or layout.build >= alone.build):
            image, made, kind = self.print.png(sheet_id, dpi), layout.build, "book"
        elif alone is not None:
            image, made, kind = draw_page(alone.pdf, alone.index, dpi), alone.build, "sheet"
        else:
            image = None
        if image is None:
            return Response(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                            b"La mise en page de l'impression est en cours.\n")
        return Response(200, "image/png", image,
                        (("X-Nrbook-Build", str(made)), ("X-Nrbook-Print", kind)))

    def _environment(self) -> jinja2.Environment:
        # A new environment each time: an edited layout shows at the next reload.
        environment = layout_environment(self.options.layouts)
        environment.filters["nombre"] = _french_number
        return environment

    def _snippet(self, current: Build, watch: str, toolbar: bool, stale: bool) -> str:
        """The live-reload script (and the toolbar of the book), for this moment's state."""
        state = self.state()
        return self._environment().get_template("preview/reload.html.j2").render(
            build=state["build"], pdf=state["pdf"], watch=watch, poll_ms=POLL_MS,
            toolbar=toolbar, stale=stale, errors=len(current.errors),
            warnings=len(current.warnings))

    def _book(self, build: Build, stale: bool) -> Response:
        current = self.current or build
        snippet = self._snippet(current, watch="build", toolbar=True, stale=stale)
        # Inserted here, at serve time: the HTML writer's book never has a script.
        head, marker, tail = build.html.rpartition("</body>")
        html = head + snippet + marker + tail if marker else build.html + snippet
        return Response(200, "text/html; charset=utf-8", html.encode("utf-8"))

    def _page(self, template: str, current: Build, last_good: Build | None,
              status: int = 200, **extra: Any) -> Response:
        printing = self.print.state()
        book = last_good.book if last_good is not None else None
        context: dict[str, Any] = {
            "current": current, "last_good": last_good, "book": book, "printing": printing,
            "problems": [(p.severity.value, p.format()) for p in current.problems],
            "print_problems": list(printing.ready.problems) if printing.ready else [],
            "sheet": None, "layout": None, "fit": None, "page": None, "previous": None, "next": None,
            "wanted": "", "source_path": "", "alone": None,
        }
        context.update(extra)
        sheet_id = extra.get("sheet_id")
        if sheet_id and book is not None:
            sheets = list(book.sheets)
            sheet = book.sheet(sheet_id)
            assert sheet is not None
            index = sheets.index(sheet)
            layout = printing.ready
            context.update(
                sheet=sheet, theme=book.theme_of(sheet), source_path=shown_path(sheet.path),
                previous=sheets[index - 1] if index > 0 else None,
                next=sheets[index + 1] if index + 1 < len(sheets) else None)
            if layout is not None and sheet.anchor in layout.pages:
                context.update(layout=layout, fit=layout.fits.get(sheet.id),
                               page=layout.pages[sheet.anchor])
            alone: SheetPrint | None = self.sheets.newest(sheet.id)
            if alone is not None and (layout is None or alone.build > layout.build):
                context.update(alone=alone, fit=alone.fit, page=alone.page)
        watch = "build pdf" if template.endswith(("sheet.html.j2", "sheets.html.j2")) else "build"
        context["reload"] = self._snippet(current, watch=watch, toolbar=False, stale=False)
        html = self._environment().get_template(template).render(**context)
        return Response(status, "text/html; charset=utf-8", html.encode("utf-8"))


def _lasting_changes(changes: set[tuple[Any, str]]) -> list[str]:
    """The changed paths, less the files that came and went within the batch.

    Editors and tools (sed -i, vim's write test) create temporary files and remove them
    at once: they say nothing about the book, and each rebuild would start a new layout.
    """
    import watchfiles

    added = {path for change, path in changes if change == watchfiles.Change.added}
    return sorted({path for _, path in changes if path not in added or os.path.exists(path)})


def _number(values: list[str] | None, default: int) -> int:
    """A whole number from a query parameter, or the default."""
    text = (values or [""])[0]
    return int(text) if text.isdigit() else default


def _french_number(value: float, digits: int = 1) -> str:
    """9.5 → "9,5"; 10.0 → "10": numbers as the French pages write them."""
    text = f"{round(float(value), digits):.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def _problem_from_exception(error: Exception, layouts: Path) -> Problem:
    """A layout's failure as a problem at its template's line, as Jinja reports it."""
    hint = "fix the layout; the preview keeps the last good build meanwhile"
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return Problem(Path(error.filename), error.lineno or 1,
                       f"template error: {error.message}", hint)
    # Jinja rewrites tracebacks so that template code shows with its own file and line.
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(".j2"):
            return Problem(Path(frame.filename), frame.lineno or 1,
                           f"template error: {type(error).__name__}: {error}", hint)
    return Problem(layouts, 1, f"internal error: {type(error).__name__}: {error}",
                   "this is a bug in nrbook (NRBOOK_DEBUG=1 shows the trace); the preview keeps running")


def shown_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
