"""Every practice as data, in the CSV and JSON shapes of the editors' site."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from lxml import html as lxml_html

from ..model import Book, Sheet
from ..output import OutputStage
from ..render import RenderedBook, RenderedTheme
from .base import Writer

#: The site's CSV columns, in its order.
CSV_COLUMNS = ("Id", "Titre", "Thématique", "Priorité", "Difficulté", "Exemples pilotes",
               "Exemples indicateurs", "Url")
# Pilots and indicators are lists; in a cell they go one per line, which RFC 4180 allows
# inside quotes and spreadsheet programs show as lines of the cell.
LIST_SEPARATOR = "\n"
# Spreadsheet programs read UTF-8 without a byte order mark as the system's legacy encoding.
BOM = "\ufeff"


def sheet_url(book: Book, sheet: Sheet) -> str:
    """The sheet's page on the site ([site] sheet_url), else its anchor in the online book."""
    if sheet.url:
        return sheet.url
    return f"{book.info.url.split('#', 1)[0]}#{sheet.anchor}"


def theme_description(theme: RenderedTheme) -> str:
    """The first paragraph of a theme's introduction, as plain text."""
    if not theme.intro.strip():
        return ""
    fragment = lxml_html.fragment_fromstring(str(theme.intro), create_parent="div")
    paragraph = next(iter(fragment.iter("p")), None)
    text = (paragraph if paragraph is not None else fragment).text_content()
    return re.sub(r"\s+", " ", text).strip()


def csv_bytes(rendered: RenderedBook) -> bytes:
    """One row per practice in reading order (RFC 4180: commas, CRLF, quotes when needed)."""
    book = rendered.book
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for theme in book.themes:
        for sheet in theme.sheets:
            writer.writerow((sheet.id, sheet.title, theme.title, sheet.priority, sheet.difficulty,
                             LIST_SEPARATOR.join(sheet.pilots),
                             LIST_SEPARATOR.join(sheet.indicators), sheet_url(book, sheet)))
    return (BOM + buffer.getvalue()).encode("utf-8")


def json_data(rendered: RenderedBook) -> dict[str, object]:
    """The site's JSON feed: the book, then its themes with their practices, in reading order."""
    book = rendered.book
    return {
        "title": book.info.title,
        "url": book.info.url,
        "description": book.info.subject,
        "version": book.info.version,
        "updated_at": book.info.date,
        "thematiques": [
            {
                "id": f"{item.theme.id}.",  # the site's idThematique: "a."
                "titre": item.theme.title,
                "description": theme_description(item),
                "bonnesPratiques": [
                    {
                        "id": entry.sheet.id,
                        "titre": entry.sheet.title,
                        "priorite": entry.sheet.priority,
                        "difficulte": entry.sheet.difficulty,
                        "pilotes": list(entry.sheet.pilots),
                        "indicateurs": list(entry.sheet.indicators),
                        "url": sheet_url(book, entry.sheet),
                    }
                    for entry in item.sheets
                ],
            }
            for item in rendered.themes
        ],
    }


def json_bytes(rendered: RenderedBook) -> bytes:
    # Keys keep the site's order (not sorted) so the file reads like the site's feed.
    return (json.dumps(json_data(rendered), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


#: Every export format, with what makes its bytes.
EXPORTS: dict[str, Callable[[RenderedBook], bytes]] = {
    "csv": csv_bytes,
    "json": json_bytes,
}


def write_export(rendered: RenderedBook, format_name: str, out: Path | None) -> Path | None:
    """Write one export atomically; ``out`` is a file, a folder, or '-' for standard output.

    ``out`` is a folder if it is one already or has no extension (``dist``); the file is
    then <folder>/<name>.<format>, dist/ by default. Returns the file written, or None for
    standard output.
    """
    data = EXPORTS[format_name](rendered)
    if out is not None and str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return None
    if out is None or out.is_dir() or not out.suffix:
        out = (out or Path("dist")) / f"{rendered.book.info.name}.{format_name}"
    with OutputStage(out.parent) as stage:
        stage.write_bytes(out.name, data)
        return stage.commit()[0]


class ExportWriter(Writer):
    """One export written with a build's other files (a release), as <name>.<format>."""

    format = "export"
    description = "every practice as data: CSV for spreadsheets, JSON for programs"

    def __init__(self, context, format_name: str):
        super().__init__(context)
        self.format_name = format_name

    def write(self) -> list[Path]:
        data = EXPORTS[self.format_name](self.context.rendered)
        return [self.context.stage.write_bytes(f"{self.context.book.info.name}.{self.format_name}", data)]
