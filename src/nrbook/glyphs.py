"""Characters the book's bundled fonts cannot print, found in the sources with their line."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from .diagnostics import Diagnostics
from .fonts import font_file, named_fonts
from .model import Book, Source
from .validate import all_sources

# Never drawn, so no font needs them: controls, format characters (soft hyphen, zero-width
# joiners and spaces, BOM), line and paragraph separators, variation selectors.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap() or ())
    finally:
        font.close()


def font_coverage(styles: Path) -> frozenset[int]:
    """Every code point that a font named by the print styles (``nrbook-font:``) has."""
    covered: set[int] = set()
    for name in named_fonts((styles / "print.css").read_text(encoding="utf-8")):
        path = font_file(name)
        if path is not None:
            covered |= _cmap(path)
    return frozenset(covered)


def printable(char: str) -> bool:
    """Whether a character is drawn, hence needs a glyph."""
    code = ord(char)
    return (unicodedata.category(char) not in _INVISIBLE_CATEGORIES
            and not any(code in block for block in _VARIATION_SELECTORS))


def missing_characters(text: str, coverage: frozenset[int]) -> list[str]:
    """The printed characters of ``text`` that no bundled font has, each once, in order."""
    return list(dict.fromkeys(c for c in html.unescape(text)
                              if ord(c) not in coverage and printable(c)))


def check_characters(book: Book, config_path: Path, styles: Path, diagnostics: Diagnostics) -> None:
    """Warn of every character of the sources that the PDF's fonts lack (an error with --strict)."""
    coverage = font_coverage(styles)
    if not coverage:
        return  # the fonts are not installed: the PDF build says so
    for path, line, text in _printed_texts(book, config_path):
        for char in missing_characters(text, coverage):
            diagnostics.warning(
                path, line, f"character U+{ord(char):04X} '{char}' is not in the book's fonts",
                "the PDF would borrow it from a font of this machine, or print a blank box: "
                "write it otherwise (a word, a usual sign), or leave it out")


def _printed_texts(book: Book, config_path: Path) -> Iterator[tuple[Path, int, str]]:
    """What the book prints from its sources, line by line, with the file and line it came from."""
    for source in all_sources(book):
        yield from _lines_of(source)
    for chapter in (*book.front, *book.back):
        yield from _front_matter(chapter.body.path, 1, (chapter.title,))
    for theme in book.themes:
        yield from _front_matter(theme.intro.path, 1, (theme.title,))
        for sheet in theme.sheets:
            for name, values in (("title", (sheet.title,)), ("priority", (sheet.priority,)),
                                 ("difficulty", (sheet.difficulty,)), ("pilots", sheet.pilots),
                                 ("indicators", sheet.indicators)):
                yield from _front_matter(sheet.path, sheet.lines.get(name, 1), values)
    info = book.info
    yield from _front_matter(config_path, 1, (info.title, info.subtitle, info.version, info.licence,
                                              *info.authors, *info.publishers))


def _lines_of(source: Source) -> Iterator[tuple[Path, int, str]]:
    # Comments are not printed; blanking them keeps the lines of what follows.
    text = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source.text)
    for number, line in enumerate(text.split("\n")):
        yield source.path, source.first_line + number, line


def _front_matter(path: Path, key_line: int, values: tuple[str, ...]) -> Iterator[tuple[Path, int, str]]:
    """Values read from a file's front matter (or book.toml), on the line that holds each."""
    lines: list[str] | None = None
    for value in values:
        if not value or value.isascii():
            continue
        if lines is None:
            try:
                lines = path.read_text(encoding="utf-8").split("\n")
            except (OSError, UnicodeDecodeError):
                lines = []
        first = next((n for n, line in enumerate(lines[key_line - 1:], start=key_line)
                      if any(c in line for c in value if not c.isascii())), key_line)
        yield path, first, value
