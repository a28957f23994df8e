"""What a long build is doing, shown on a terminal; nothing when piped or asked to be quiet."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class Progress:
    """Silent progress: the default, for tests, pipes and --quiet."""

    def step(self, text: str) -> None:
        """A new step of the build begins."""

    def detail(self, text: str) -> None:
        """What the current step is working on."""

    @contextmanager
    def running(self) -> Iterator[Progress]:
        yield self


class TerminalProgress(Progress):
    """A one-line status with a spinner, updated as WeasyPrint lays pages out."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.status = None
        self.current = ""

    def step(self, text: str) -> None:
        self.current = text
        if self.status is not None:
            self.status.update(text)

    def detail(self, text: str) -> None:
        if self.status is not None:
            self.status.update(f"{self.current} [dim]{text}[/dim]")

    @contextmanager
    def running(self) -> Iterator[Progress]:
        if self.status is not None:  # a release runs builds inside its own display: keep one
            yield self
            return
        progress = self

        class Pages(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                message = record.getMessage()  # "Step 5 - Creating layout - Page 12"
                if " - Page " in message or "Step" in message:
                    progress.detail(message.split(" - ", 1)[-1].lower())

        handler = Pages(level=logging.INFO)
        # WeasyPrint's PROGRESS_LOGGER, by its name: importing WeasyPrint here would cost this
        # process a second before it reads the sources, for layouts the workers mostly do.
        logger = logging.getLogger("weasyprint.progress")
        level = logger.level
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        with self.console.status(self.current or "nrbook", spinner="dots") as status:
            self.status = status
            try:
                yield self
            finally:
                self.status = None
                logger.removeHandler(handler)
                logger.setLevel(level)


def progress_for(quiet: bool) -> Progress:
    """A terminal display when stderr is a terminal and the user did not ask for quiet."""
    return Progress() if quiet or not sys.stderr.isatty() else TerminalProgress()
