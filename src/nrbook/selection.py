"""Choosing practice sheets by id, theme, priority, difficulty or pilot (filters combine)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .model import DIFFICULTIES, PRIORITIES, Book, Sheet, Theme, sheet_sort_key


class SelectionError(Exception):
    """The filters select nothing, or name something that does not exist."""


@dataclass(frozen=True)
class SheetFilter:
    ids: tuple[str, ...] = ()
    theme: str = ""  # letter ("a"), folder name or title
    priority: str = ""
    difficulty: str = ""
    pilot: str = ""  # part of a pilot's name, case and accents ignored

    def describe(self) -> list[tuple[str, str]]:
        named = [("--ids", ",".join(self.ids)), ("--theme", self.theme), ("--priority", self.priority),
                 ("--difficulty", self.difficulty), ("--pilot", self.pilot)]
        return [(flag, value) for flag, value in named if value]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.replace("’", "'").casefold().split())


@dataclass(frozen=True)
class NamedFilters:
    """The filters of a selection as the book names them, to print the selection in words."""

    ids: tuple[str, ...]
    themes: tuple[Theme, ...]
    priority: str
    difficulty: str
    pilot: str


def _themes_named(book: Book, value: str) -> list[Theme]:
    wanted = _fold(value).rstrip(".")
    return [t for t in book.themes if wanted in {t.id, _fold(t.slug), _fold(t.title)}]


def _choice(value: str, choices: tuple[str, ...]) -> str | None:
    return next((c for c in choices if _fold(c) == _fold(value)), None)


def named_filters(book: Book, selection: SheetFilter) -> NamedFilters:
    """The given filters with the book's own theme, priority and difficulty names."""
    return NamedFilters(
        ids=tuple(dict.fromkeys(selection.ids)),
        themes=tuple(_themes_named(book, selection.theme)) if selection.theme else (),
        priority=(_choice(selection.priority, PRIORITIES) or selection.priority) if selection.priority else "",
        difficulty=(_choice(selection.difficulty, DIFFICULTIES) or selection.difficulty)
        if selection.difficulty else "",
        pilot=selection.pilot,
    )


def _matchers(book: Book, selection: SheetFilter) -> list[tuple[str, str, set[str]]]:
    """For each filter given: its flag, its value, and the ids of the sheets it matches."""
    matchers = []
    sheets = book.sheets
    if selection.ids:
        known = {s.id for s in sheets}
        unknown = [i for i in selection.ids if i not in known]
        if unknown:
            raise SelectionError(f"--ids: no sheet {', '.join(unknown)} in the book "
                                 f"(sheets go from {sheets[0].id} to {sheets[-1].id})" if sheets else
                                 "--ids: the book has no sheet")
        matchers.append(("--ids", ",".join(selection.ids), set(selection.ids)))
    if selection.theme:
        themes = _themes_named(book, selection.theme)
        if not themes:
            raise SelectionError(f"--theme: no theme '{selection.theme}'; themes: "
                                 + ", ".join(f"{t.id} ({t.title})" for t in book.themes))
        matchers.append(("--theme", selection.theme, {s.id for t in themes for s in t.sheets}))
    for flag, value, choices, attribute in (
            ("--priority", selection.priority, PRIORITIES, "priority"),
            ("--difficulty", selection.difficulty, DIFFICULTIES, "difficulty")):
        if value:
            chosen = _choice(value, choices)
            if chosen is None:
                raise SelectionError(f"{flag}: '{value}' is not one of {', '.join(choices)}")
            matchers.append((flag, value, {s.id for s in sheets if getattr(s, attribute) == chosen}))
    if selection.pilot:
        wanted = _fold(selection.pilot)
        matchers.append(("--pilot", selection.pilot,
                         {s.id for s in sheets if any(wanted in _fold(p) for p in s.pilots)}))
    return matchers


def select_sheets(book: Book, selection: SheetFilter) -> list[Sheet]:
    """The sheets every given filter matches, in book order; no filter selects them all."""
    matchers = _matchers(book, selection)
    chosen = {s.id for s in book.sheets}
    for flag, value, matched in matchers:
        if not matched:
            raise SelectionError(f"{flag} '{value}' matches no sheet")
        chosen &= matched
    if not chosen:
        given = " ".join(f"{flag} '{value}'" for flag, value, _ in matchers)
        raise SelectionError(f"no sheet matches all the filters together ({given}); "
                             "each matches some sheets on its own")
    if selection.ids:  # the trainer's order
        return [book.sheet(i) for i in dict.fromkeys(selection.ids) if i in chosen]  # type: ignore[misc]
    return sorted((s for s in book.sheets if s.id in chosen), key=lambda s: (
        [t.id for t in book.themes].index(s.theme_id), sheet_sort_key(s.id)))
