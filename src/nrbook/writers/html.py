"""The HTML book: one self-contained file, CSS inlined, no JavaScript."""

from __future__ import annotations

from pathlib import Path

from .base import Writer


class HtmlWriter(Writer):
    format = "html"
    description = "one self-contained HTML file for screens"

    def write(self) -> list[Path]:
        text = self.context.html("book.html.j2", target="screen")
        return [self.context.stage.write_text(f"{self.context.name}.html", text)]
