"""Check the loaded book before anything is written; report every problem at once."""

from __future__ import annotations

import difflib
import re
import unicodedata

from .diagnostics import Diagnostics
from .markdown_ext.crossref import CROSSREF
from .model import DIFFICULTIES, PRIORITIES, SHEET_ID, Book, Sheet, Source

_LOOSE_CROSSREF = re.compile(r"\[\[([^\]\n]{1,40})\]\]")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def validate(book: Book, diagnostics: Diagnostics) -> None:
    """Report every problem of the book's model to ``diagnostics``."""
    seen_themes: dict[str, str] = {}
    for theme in book.themes:
        if theme.id and theme.id in seen_themes:
            diagnostics.error(theme.intro.path, theme.lines.get("id", 1),
                              f"theme id '{theme.id}' is already used by {seen_themes[theme.id]}",
                              "give each theme its own letter")
        seen_themes.setdefault(theme.id, str(theme.intro.path))
        if not theme.sheets:
            diagnostics.warning(theme.intro.path, 1, f"theme '{theme.title}' has no practice sheet",
                                "add sheets to its folder, or remove it from the reading order")

    seen_sheets: dict[str, Sheet] = {}
    for sheet in book.sheets:
        _check_sheet(sheet, diagnostics)
        if sheet.id in seen_sheets and sheet.id:
            first = seen_sheets[sheet.id]
            diagnostics.error(sheet.path, sheet.lines.get("id", 1),
                              f"sheet id '{sheet.id}' is already used by {first.path.name}",
                              "give each sheet its own id; the next free one is "
                              f"{_next_free_id(book, sheet.theme_id)}")
        seen_sheets.setdefault(sheet.id, sheet)

    known = {sheet.id for sheet in book.sheets}
    for source in all_sources(book):
        _check_crossrefs(source, known, diagnostics)
        _check_nesting(source, diagnostics)
        _check_html_blocks(source, diagnostics)


def _check_sheet(sheet: Sheet, diagnostics: Diagnostics) -> None:
    line = sheet.lines.get
    if sheet.id:
        match = SHEET_ID.match(sheet.id)
        if not match:
            diagnostics.error(sheet.path, line("id", 1), f"sheet id '{sheet.id}' is not of the form letter.number",
                              f"write it like '{sheet.theme_id or 'a'}.1'")
        elif sheet.theme_id and match.group(1) != sheet.theme_id:
            diagnostics.error(sheet.path, line("id", 1),
                              f"sheet id '{sheet.id}' does not match its theme '{sheet.theme_id}'",
                              f"use an id starting with '{sheet.theme_id}.', or move the file to the theme "
                              f"'{match.group(1)}'")
    _check_choice(sheet, "priority", sheet.priority, PRIORITIES, diagnostics)
    _check_choice(sheet, "difficulty", sheet.difficulty, DIFFICULTIES, diagnostics)
    for name, values in (("pilots", sheet.pilots), ("indicators", sheet.indicators)):
        for value in values:
            if len(value) > 300:
                diagnostics.error(sheet.path, line(name, 1), f"an item of '{name}' is {len(value)} characters long",
                                  "keep each item under 300 characters; details belong in the body")


def _check_choice(sheet: Sheet, name: str, value: str, choices: tuple[str, ...],
                  diagnostics: Diagnostics) -> None:
    if not value or value in choices:
        return
    folded = {_fold(choice): choice for choice in choices}
    close = folded.get(_fold(value)) or next(iter(difflib.get_close_matches(
        _fold(value), list(folded), n=1, cutoff=0.5)), None)
    if close in folded:
        close = folded[close]
    hint = f"did you mean '{close}'? " if close else ""
    diagnostics.error(sheet.path, sheet.lines.get(name, 1), f"unknown {name} '{value}'",
                      f"{hint}valid values: {', '.join(choices)}")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().split())


def all_sources(book: Book) -> list[Source]:
    """Every Markdown text of the book: chapters, theme introductions, sheets and their sections."""
    sources: list[Source] = [c.body for c in (*book.front, *book.back)]
    for theme in book.themes:
        sources.append(theme.intro)
        for sheet in theme.sheets:
            sources.extend(s for s in (sheet.body, sheet.more, sheet.feedback) if s is not None)
    return sources


def _check_crossrefs(source: Source, known: set[str], diagnostics: Diagnostics) -> None:
    text = _without_code(source.text)
    for match in _LOOSE_CROSSREF.finditer(text):
        target = match.group(1).strip()
        line = source.line_of(match.start())
        if not CROSSREF.fullmatch(match.group(0)):
            diagnostics.error(source.path, line, f"cross-reference '[[{target}]]' is not a sheet id",
                              "write a sheet id such as [[a.3]]")
        elif target not in known:
            close = difflib.get_close_matches(target, sorted(known), n=1)
            diagnostics.error(source.path, line, f"cross-reference to unknown sheet '{target}'",
                              f"did you mean '{close[0]}'?" if close else "check the sheet id")


MAX_LIST_DEPTH = 10
_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]")
_BLOCK_TAG = re.compile(r"<(/?)(div|section|aside|nav|article|header|footer|figure|details|blockquote"
                        r"|table|ul|ol)\b[^>]*?(/?)>", re.IGNORECASE)


def _without_code(text: str) -> str:
    """The text with fenced code blocks blanked out, line breaks kept."""
    return _FENCE.sub(lambda m: "\n" * m.group(0).count("\n") + " ", text)


def _check_nesting(source: Source, diagnostics: Diagnostics) -> None:
    # Lists nested this deep are a slip of the keyboard, and would make the book unreadable.
    for number, line in enumerate(_without_code(source.text).split("\n")):
        match = _LIST_ITEM.match(line)
        if match:
            depth = len(match.group("indent").expandtabs(4)) // 2 + 1
            if depth > MAX_LIST_DEPTH:
                diagnostics.error(source.path, source.first_line + number,
                                  f"list nested {depth} levels deep (at most {MAX_LIST_DEPTH})",
                                  "flatten the list, or turn its deepest levels into paragraphs")
                return


def _check_html_blocks(source: Source, diagnostics: Diagnostics) -> None:
    """An HTML block left open swallows the rest of the file: report where it was opened."""
    text = _without_code(source.text)
    open_tags: list[tuple[str, int]] = []
    for match in _BLOCK_TAG.finditer(text):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if self_closing:
            continue
        if not closing:
            open_tags.append((name, match.start()))
        elif open_tags and open_tags[-1][0] == name:
            open_tags.pop()
        elif any(tag == name for tag, _ in open_tags):
            while open_tags and open_tags[-1][0] != name:
                _report_unclosed(source, *open_tags.pop(), diagnostics)
            open_tags.pop()
        else:
            diagnostics.error(source.path, source.line_of(match.start()),
                              f"closing </{name}> without an opening <{name}>",
                              f"remove it, or add the <{name}> it closes")
    for name, offset in open_tags:
        _report_unclosed(source, name, offset, diagnostics)


def _report_unclosed(source: Source, name: str, offset: int, diagnostics: Diagnostics) -> None:
    diagnostics.error(source.path, source.line_of(offset), f"HTML block <{name}> is never closed",
                      f"add </{name}> where the block ends")


def _next_free_id(book: Book, theme_id: str) -> str:
    numbers = {s.number for s in book.sheets if s.theme_id == theme_id}
    number = 1
    while number in numbers:
        number += 1
    return f"{theme_id or 'a'}.{number}"
