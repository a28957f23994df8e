"""One sheet as printed, within a second or two of its saving: laid out alone, on the book's page.

Every sheet is exactly one page, so a sheet's page does not depend on the other sheets:
laid out alone with the book's page map (its folio, running heads and the page numbers
of its cross-references, from the cache), it is the page the whole book prints. A
worker process that stays up lays one sheet out per job; the preview takes its PDF
until the whole book, laid out in the background, catches up. The worker is handed
the sources as the server's build read them (``offer``): it lays out exactly that
build, without reading and rendering the sources a second time.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import shutil
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
from .output import OutputStage
from .pipeline import prepare


@dataclass(frozen=True)
class SheetPrint:
    """A sheet's page, laid out alone for one build of the sources."""

    build: int
    sheet_id: str
    pdf: Path
    index: int  # the sheet's first page in that PDF
    page: int  # its page in the book
    fit: dict[str, Any]  # SheetFit.report()
    problems: tuple[str, ...]
    seconds: float


class SheetPrints:
    """Lays out the sheets asked for, newest build first, in a worker process of its own."""

    def __init__(self, options: BuildOptions, workdir: Path, say: Any):
        self.options = options
        self.workdir = workdir
        self.say = say
        self.changed = threading.Condition()
        self.done: dict[str, SheetPrint] = {}  # sheet id → its newest print
        self.wanted: dict[str, int] = {}  # sheet id → the build to lay it out for
        self.running: tuple[str, int] | None = None
        self.version = 0  # changes whenever a print is done
        self._process: subprocess.Popen[str] | None = None
        self._closed = False
        self._state: tuple[int, tuple[Any, ...]] | None = None  # the newest build's sources
        self._sent_state = 0  # the build whose sources the worker has

    def offer(self, build: int, prepared: tuple[Any, ...], problems: list[Any]) -> None:
        """The sources as this good build read them: what its sheets are laid out from."""
        with self.changed:  # pickled only if one of its sheets is laid out
            self._state = build, (prepared, problems)

    def request(self, build: int, sheet_id: str) -> None:
        """Lay the sheet out for this build (an older request for it is dropped)."""
        with self.changed:
            done = self.done.get(sheet_id)
            if (done is not None and done.build >= build) or self.wanted.get(sheet_id, 0) >= build \
                    or self.running == (sheet_id, build):
                return
            self.wanted.pop(sheet_id, None)  # asked again: its place is now, not its first asking
            self.wanted[sheet_id] = build
            self._next()

    def newest(self, sheet_id: str) -> SheetPrint | None:
        with self.changed:
            return self.done.get(sheet_id)

    def wait(self, sheet_id: str, build: int, timeout: float) -> SheetPrint | None:
        """The sheet's print for this build or a newer one, waiting for it up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                done = self.done.get(sheet_id)
                if done is not None and done.build >= build:
                    return done
                pending = self.wanted.get(sheet_id, 0) >= build or \
                    (self.running is not None and self.running[0] == sheet_id)
                left = deadline - time.monotonic()
                if not pending or left <= 0 or self._closed:
                    return done
                self.changed.wait(left)

    def _next(self) -> None:
        """Send the worker the next job, if it is idle (called with the lock held)."""
        if self.running is not None or not self.wanted or self._closed:
            return
        # The newest build first; within it, in the order asked (the sheets just saved first).
        sheet_id, build = max(self.wanted.items(), key=lambda item: item[1])
        del self.wanted[sheet_id]
        process = self._worker()
        pdf = self.workdir / f"fiche-{sheet_id}-{build}.pdf"
        self.running = (sheet_id, build)
        try:
            assert process.stdin is not None
            if self._state is not None and self._state[0] == build and self._sent_state != build:
                state = base64.b64encode(pickle.dumps(self._state[1])).decode()
                process.stdin.write(json.dumps({"build": build, "state": state}) + "\n")
                self._sent_state = build
            process.stdin.write(json.dumps({"build": build, "sheet": sheet_id, "pdf": str(pdf)}) + "\n")
            process.stdin.flush()
        except (OSError, ValueError):
            self.running = None
            self._process = None

    def _worker(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            environment = dict(os.environ)
            package_root = str(Path(__file__).resolve().parents[1])
            environment["PYTHONPATH"] = os.pathsep.join(
                p for p in (package_root, environment.get("PYTHONPATH", "")) if p)
            code = "import sys; from nrbook.sheet_preview import sheet_worker; sys.exit(sheet_worker())"
            self._process = subprocess.Popen(
                [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, env=environment)
            assert self._process.stdin is not None
            self._process.stdin.write(base64.b64encode(pickle.dumps(self.options)).decode() + "\n")
            self._process.stdin.flush()
            self._sent_state = 0
            threading.Thread(target=self._read, args=(self._process,), name="nrbook-sheet-prints",
                             daemon=True).start()
        return self._process

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                result = json.loads(line)
            except json.JSONDecodeError:
                continue
            with self.changed:
                self.running = None
                if result.get("ok"):
                    old = self.done.get(result["sheet"])
                    self.done[result["sheet"]] = SheetPrint(
                        int(result["build"]), result["sheet"], Path(result["pdf"]),
                        int(result["index"]), int(result["page"]), result["fit"],
                        tuple(result["problems"]),
                        float(result["seconds"]))
                    if old is not None and old.pdf != Path(result["pdf"]):
                        old.pdf.unlink(missing_ok=True)
                else:
                    self.say(f"print preview of sheet {result.get('sheet')} failed: "
                             + "; ".join(result.get("problems", [])[:3]))
                self.version += 1
                self._next()
                self.changed.notify_all()
        with self.changed:  # the worker stopped: a later request starts another
            if self._process is process:
                self._process = None
                self.running = None
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self._closed = True
            process, self._process = self._process, None
            self.changed.notify_all()
        if process is not None:
            process.kill()
            process.wait(timeout=5)


def sheet_worker() -> int:
    """The worker: the options on the first line of stdin, then one job per line, one answer
    each; a line may instead give a build's sources, as the server read them."""
    from .libraries import weasyprint  # noqa: F401 (imported before the first job, not during it)

    from .pool import settle_heap
    from .sheetsources import sheet_sources

    options: BuildOptions = pickle.loads(base64.b64decode(sys.stdin.readline()))
    os.nice(2)  # the server answers the editor first
    settle_heap()
    prepared: tuple[int, Any, list[Any]] | None = None  # a build's sources, read once for its sheets
    for line in sys.stdin:
        job = json.loads(line)
        if "state" in job:
            found, problems = pickle.loads(base64.b64decode(job["state"]))
            prepared = (job["build"], found, problems)
            continue
        started = time.perf_counter()
        diagnostics = Diagnostics(strict=options.strict)
        answer: dict[str, Any] = {"ok": False, "build": job["build"], "sheet": job["sheet"]}
        try:
            if prepared is None or prepared[0] != job["build"]:
                prepared = None
                found = prepare(options, diagnostics)
                prepared = (job["build"], found, list(diagnostics.problems))
            else:  # the sources as this build's first sheet read them, and what they said
                found = prepared[1]
                for problem in prepared[2]:
                    diagnostics.add(problem)
            config, book, rendered = found
            sheet = book.sheet(job["sheet"])
            if sheet is None:
                raise BuildFailed(diagnostics)
            with tempfile.TemporaryDirectory(prefix="nrbook-sheet-") as scratch:
                context = BuildContext(options, config, book, rendered, diagnostics,
                                       build_date(book.info.date), OutputStage(Path(scratch)), {})
                [(path, pages)] = sheet_sources(context, [sheet], Path(scratch))
                shutil.copyfile(path, job["pdf"])  # the page as the book has it, or laid out now
            fit = context.facts["fit"][sheet.id]
            answer.update(ok=True, pdf=job["pdf"], index=pages[0],
                          page=context.facts["pdf_page_map"].sheet_pages[sheet.id][0],
                          fit=fit.report(), seconds=time.perf_counter() - started)
        except BuildFailed:
            pass
        except Exception as error:  # noqa: BLE001 (the server says it and keeps running)
            diagnostics.error(options.source, 1, f"internal error: {type(error).__name__}: {error}")
        answer["problems"] = [p.format() for p in diagnostics.sorted()]
        print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 0
