"""Sheets as printed, for the preview: the book's PDF laid out in a worker process, drawn as PNG.

WeasyPrint cannot be interrupted, so the layout runs in a process of its own: a newer
build ends an older layout instead of waiting for it, and the server keeps its core.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .context import BuildContext, BuildOptions, build_date
from .diagnostics import BuildFailed, Diagnostics
from .model import anchor_for
from .output import OutputStage
from .pipeline import prepare

#: Resolution of the sheets' print previews: A4 at 150 dpi is 1240 × 1754 pixels.
PREVIEW_DPI = 150


@dataclass(frozen=True)
class PrintLayout:
    """The book's PDF as laid out for one build, kept in the preview's folder for its sheets."""

    build: int
    pdf: Path
    pages: dict[str, int]  # anchor ("a-1") → page number, from 1
    fits: dict[str, dict[str, Any]]  # sheet id → SheetFit.report()
    floor: int  # the highest fitting step of styles/print.css
    problems: tuple[str, ...]  # what the layout reported, as path:line: messages
    seconds: float


@dataclass(frozen=True)
class PrintState:
    """What the sheet pages show of the print layout, read at one moment."""

    version: int  # changes whenever any of the rest does
    ready: PrintLayout | None  # the newest finished layout
    running: int | None  # the build being laid out, if any
    failure: str  # why the last layout failed, if it did
    wanted: bool
    last_seconds: float  # how long the last layout took: the editor's estimate


# PDFium may not be called from two threads at once.
_PDFIUM_LOCK = threading.Lock()


def draw_page(pdf: Path, index: int, dpi: int = PREVIEW_DPI) -> bytes:
    """A page of a PDF drawn as a PNG image."""
    import pypdfium2  # only the preview needs it: keep `nrbook build` free of it

    with _PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            page = document[index]
            try:
                image = page.render(scale=dpi / 72).to_pil()
            finally:
                page.close()
        finally:
            document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class PrintPreview:
    """Lays the book's PDF out in a worker process, one build at a time; draws sheet pages as PNG.

    A process rather than a thread: WeasyPrint cannot be interrupted, and a newer build
    must cancel the layout of an older one (the full book takes half a minute); the
    layout also leaves the server and the HTML rebuilds their own core. Nothing is laid
    out until a sheet preview is first asked for.
    """

    def __init__(self, options: BuildOptions, workdir: Path, say: Any):
        self.options = options
        self.workdir = workdir
        self.say = say
        self.lock = threading.Lock()
        self.version = 0
        self.wanted = False
        self.latest: int | None = None  # newest good build
        self.ready: PrintLayout | None = None
        self.running: int | None = None
        self.failure = ""
        self.last_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._previous: PrintLayout | None = None
        self._pngs: dict[tuple[int, str, int], bytes] = {}

    def state(self) -> PrintState:
        with self.lock:
            return PrintState(self.version, self.ready, self.running, self.failure, self.wanted,
                              self.last_seconds)

    def request(self, build: int) -> None:
        """A new good build: lay it out if previews are wanted, cancelling an older layout."""
        with self.lock:
            self.latest = build
            if self.wanted:
                self._start(build)

    def want(self) -> None:
        """A sheet preview was asked for: lay out the newest build now, and every later one."""
        with self.lock:
            if self.wanted or self.latest is None:
                return
            self.wanted = True
            self._start(self.latest)

    def _start(self, build: int) -> None:
        self._cancel()
        pdf = self.workdir / f"apercu-{build}.pdf"
        code = "import sys; from nrbook.print_preview import print_worker; sys.exit(print_worker())"
        environment = dict(os.environ)
        # The worker imports this very nrbook, however the server itself found it.
        package_root = str(Path(__file__).resolve().parents[1])
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, environment.get("PYTHONPATH", "")) if p)
        process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
        self._process = process
        self.running = build
        self.failure = ""
        self.version += 1
        job = pickle.dumps((self.options, pdf))
        threading.Thread(target=self._wait, args=(process, build, pdf, job, time.perf_counter()),
                         name=f"nrbook-print-{build}", daemon=True).start()

    def _cancel(self) -> None:
        if self._process is not None:
            self._process.kill()  # its waiter sees it is no longer the current process
            self._process = None
            self.running = None

    def _wait(self, process: subprocess.Popen[bytes], build: int, pdf: Path, job: bytes,
              started: float) -> None:
        try:
            out, err = process.communicate(job)
        except (OSError, ValueError):  # killed while we were writing the job: cancelled
            out, err = b"", b""
        with self.lock:
            if self._process is not process:  # cancelled by a newer build, or stopped
                pdf.unlink(missing_ok=True)
                return
            self._process = None
            self.running = None
            self.version += 1
            result = _last_json_line(out)
            if process.returncode != 0 or result is None or not result.get("ok"):
                self.failure = _failure_message(result, err, process.returncode)
                pdf.unlink(missing_ok=True)
                self.say(f"print preview of build {build} failed: {self.failure}")
                return
            self.last_seconds = time.perf_counter() - started
            layout = PrintLayout(build, pdf, {k: int(v) for k, v in result["pages"].items()},
                                 result["fits"], int(result["floor"]), tuple(result["problems"]),
                                 self.last_seconds)
        self._replace(layout)
        for line in layout.problems:
            self.say(line)
        overflowing = [i for i, fit in layout.fits.items() if not fit.get("fits", True)]
        self.say(f"print preview of build {build} ready in {layout.seconds:.1f} s"
                 + (f"; does not fit one page: {', '.join(overflowing)}" if overflowing else ""))

    def _replace(self, layout: PrintLayout) -> None:
        with self.lock:
            older, self._previous, self.ready = self._previous, self.ready, layout
            self._pngs.clear()
            self.version += 1
        # The layout before is kept: a page may be being drawn from it right now.
        if older is not None:
            with _PDFIUM_LOCK:
                older.pdf.unlink(missing_ok=True)

    def png(self, sheet_id: str, dpi: int = PREVIEW_DPI) -> bytes | None:
        """The sheet's printed page as a PNG image, from the newest layout; None if not there."""
        with self.lock:
            layout = self.ready
            if layout is None:
                return None
            cached = self._pngs.get((layout.build, sheet_id, dpi))
        if cached is not None:
            return cached
        page_number = layout.pages.get(anchor_for(sheet_id))
        if page_number is None:
            return None
        data = draw_page(layout.pdf, page_number - 1, dpi)
        with self.lock:
            if self.ready is layout:
                self._pngs[(layout.build, sheet_id, dpi)] = data
        return data

    def close(self) -> None:
        with self.lock:
            self._cancel()
            self.wanted = False


def _last_json_line(out: bytes) -> dict[str, Any] | None:
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def _failure_message(result: dict[str, Any] | None, err: bytes, returncode: int | None) -> str:
    if result is not None and result.get("problems"):
        return "; ".join(result["problems"][:3])
    lines = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else f"the layout process stopped (code {returncode})"


def print_worker() -> int:
    """The layout process: read (options, pdf path) on stdin, write the PDF, print one JSON line.

    It loads the sources itself, so it always lays out what is on disk; if they changed
    meanwhile, a newer build is already on its way to cancel it.
    """
    from .fit import SheetFit, fit_levels
    from .pool import settle_heap
    from .writers.pdf import PdfWriter

    options, pdf = pickle.loads(sys.stdin.buffer.read())
    os.nice(10)  # the server and the sheet previews come first: the whole book is for later
    settle_heap()
    diagnostics = Diagnostics(strict=options.strict)
    started = time.perf_counter()
    try:
        config, book, rendered = prepare(options, diagnostics)
    except BuildFailed:
        print(json.dumps({"ok": False, "problems": [p.format() for p in diagnostics.sorted()]}))
        return 0
    with tempfile.TemporaryDirectory(prefix="nrbook-print-") as scratch:
        # The book's own PDF writer, into a stage of our own; its PDF becomes the preview's.
        context = BuildContext(options, config, book, rendered, diagnostics,
                               build_date(book.info.date), OutputStage(Path(scratch)), {})
        written = PdfWriter(context).write()
        context.stage.commit()
        os.replace(written[0], pdf)
    fits: dict[str, SheetFit] = context.facts.get("fit", {})  # type: ignore[assignment]
    print(json.dumps({
        "ok": True,
        "pages": context.facts.get("pdf_pages", {}),
        "fits": {sheet_id: fit.report() for sheet_id, fit in fits.items()},
        "floor": fit_levels(options.styles),
        "problems": [p.format() for p in diagnostics.sorted()],
        "seconds": time.perf_counter() - started,
    }, ensure_ascii=False))
    return 0
