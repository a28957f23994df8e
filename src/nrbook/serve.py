"""``nrbook serve``: the live preview served on this machine only, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

from .context import BuildOptions
from .preview import DEFAULT_PORT, HOST, Preview, Response, shown_path


class ServeError(Exception):
    """The preview cannot start (port taken, no such folder): a usage problem, exit 2."""


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the preview's pages; nothing else."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        if not self._host_is_local():
            # A page of another site reaching us through a rebound DNS name gets nothing.
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "local preview only")
            return
        try:
            response = self.server.preview.route(self.path)
        except Exception as error:  # noqa: BLE001 (keep serving; the page says what broke)
            if os.environ.get("NRBOOK_DEBUG"):
                traceback.print_exc()
            response = Response(500, "text/plain; charset=utf-8",
                                f"Erreur interne de l'aperçu : {type(error).__name__}: {error}\n".encode())
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def _host_is_local(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        return host in ("", "127.0.0.1", "localhost", "::1")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a line per request (the page polls twice a second) would bury the build messages


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server of the preview, on 127.0.0.1 only."""

    daemon_threads = True

    def __init__(self, preview: Preview, port: int):
        self.preview = preview
        super().__init__((HOST, port), PreviewHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the browser left (a reload, a closed tab): nothing went wrong here
        self.preview.say(f"nrbook serve: a request failed: {type(error).__name__}: {error}")


@dataclass
class RunningPreview:
    """A started preview: its address, and ``stop`` to end it (threads, layout process, files)."""

    preview: Preview
    server: PreviewServer
    stop_event: threading.Event
    watcher: threading.Thread
    serving: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.preview.url

    def stop(self) -> None:
        self.stop_event.set()
        if self.serving is not None:
            self.server.shutdown()  # waits for serve_forever, which runs in our thread
            self.serving.join(timeout=5)
        self.server.server_close()
        self.watcher.join(timeout=5)
        self.preview.close()


def start(options: BuildOptions, port: int = DEFAULT_PORT, log: IO[str] | None = None,
          serve_in_thread: bool = True) -> RunningPreview:
    """Bind the port, start watching, build once; serve from a thread unless told otherwise."""
    if not options.source.is_dir():
        raise ServeError(f"no source folder {options.source}; give an existing folder with --source")
    preview = Preview(options, log)
    try:
        server = PreviewServer(preview, port)
    except OSError as error:
        preview.close()
        raise ServeError(f"cannot listen on {HOST}:{port}: {error.strerror or error}; "
                         "choose another port with --port (0 picks a free one)") from None
    preview.url = f"http://{HOST}:{server.port}/"
    stop_event, ready = threading.Event(), threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop_event, ready),
                               name="nrbook-watch", daemon=True)
    running = RunningPreview(preview, server, stop_event, watcher)
    try:
        watcher.start()
        # Watch before the first build, so that no edit made during it goes unseen.
        ready.wait(timeout=10)
        preview.say(f"nrbook serve: building {shown_path(options.source)} ...")
        preview.rebuild()
        if serve_in_thread:
            running.serving = threading.Thread(target=server.serve_forever,
                                               kwargs={"poll_interval": 0.25},
                                               name="nrbook-serve", daemon=True)
            running.serving.start()
    except BaseException:  # Ctrl-C during the first build: leave nothing behind
        running.stop()
        raise
    return running


def serve(options: BuildOptions, port: int = DEFAULT_PORT, log: IO[str] | None = None) -> int:
    """Run the preview until Ctrl-C (or SIGTERM); return the exit code."""
    running = start(options, port, log, serve_in_thread=False)
    say = running.preview.say
    say(f"Serving on {running.url} (sheets as printed: {running.url}sheet/; Ctrl-C to stop)")
    previous = _on_terminate(_interrupt)
    try:
        running.server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        _on_terminate(previous)
        running.stop()
    say("nrbook serve: stopped")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM stops the preview as Ctrl-C does, so that its layout process and files go too.
    raise KeyboardInterrupt


def _on_terminate(handler: Any) -> Any:
    """Set the SIGTERM handler (from the main thread only); return the previous one."""
    if handler is None or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler)
