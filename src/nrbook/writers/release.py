"""What a release adds to a build: one handout per theme, and the edition kept for the next diff."""

from __future__ import annotations

from pathlib import Path

from ..context import BuildContext
from ..editions import EDITION_FILE, edition_bytes
from ..selection import SheetFilter
from .base import Writer
from .handouts import HandoutWriter


class ThemeHandoutsWriter(Writer):
    """One handout PDF per theme, its sheets as the book's own pages: <prefix>-<letter>.pdf."""

    format = "handouts by theme"
    description = "every theme's sheets, one page each, for a workshop on that theme"

    def __init__(self, context: BuildContext, prefix: str):
        super().__init__(context)
        self.prefix = prefix

    def write(self) -> list[Path]:
        written = []
        for theme in self.context.book.themes:
            if theme.sheets:
                written += HandoutWriter(self.context, selection=SheetFilter(theme=theme.id),
                                         name=f"{self.prefix}-{theme.id}.pdf").write()
        return written


class EditionWriter(Writer):
    """edition.json: the JSON export with each practice's text, which the next release's diff reads."""

    format = "edition"
    description = "the practices with their text, for comparing the next edition with this one"

    def write(self) -> list[Path]:
        return [self.context.stage.write_bytes(EDITION_FILE, edition_bytes(self.context.rendered))]
