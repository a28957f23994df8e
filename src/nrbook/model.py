"""The book's typed model: immutable dataclasses built by the loader."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PRIORITIES: tuple[str, ...] = ("Prioritaire", "Recommandée", "Aller plus loin")
DIFFICULTIES: tuple[str, ...] = ("Facile", "Moyenne", "Difficile")

SHEET_ID = re.compile(r"^([a-z])\.([1-9][0-9]*)$")

# Headings of a sheet body that the layouts place apart from the main text.
MORE_SECTION = "En savoir plus"
FEEDBACK_SECTION = "Retour d'expérience"


def anchor_for(sheet_id: str) -> str:
    """The HTML anchor of a sheet id: ``a.1`` → ``a-1``.

    Whatever an id holds (a wrong one is reported by the validation, with the others), its
    anchor is a valid HTML id: no character that HTML or XML refuses gets there.
    """
    return re.sub(r"[^\w-]", "-", sheet_id.replace(".", "-"))


def sheet_sort_key(sheet_id: str) -> tuple[str, int]:
    """Order ids naturally, so that a.2 comes before a.10."""
    match = SHEET_ID.match(sheet_id)
    if not match:
        return (sheet_id, 0)
    return (match.group(1), int(match.group(2)))


@dataclass(frozen=True)
class Source:
    """A Markdown text with where it came from, so messages can cite path and line."""

    path: Path
    text: str
    first_line: int = 1  # line of the file on which ``text`` starts

    def line_of(self, offset: int) -> int:
        """The file line of a character offset in ``text``."""
        return self.first_line + self.text.count("\n", 0, offset)


@dataclass(frozen=True)
class Chapter:
    """A front or back chapter: synthesis, introduction, glossary..."""

    slug: str
    title: str
    body: Source


@dataclass(frozen=True)
class Sheet:
    """A practice sheet with its fields and its body split into sections."""

    id: str
    title: str
    priority: str
    difficulty: str
    pilots: tuple[str, ...]
    indicators: tuple[str, ...]
    body: Source
    more: Source | None = None  # "En savoir plus"
    feedback: Source | None = None  # "Retour d'expérience"
    theme_id: str = ""
    url: str = ""  # the page of this practice on the publishers' site, if known
    lines: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    @property
    def anchor(self) -> str:
        return anchor_for(self.id)

    @property
    def number(self) -> int:
        return sheet_sort_key(self.id)[1]

    @property
    def path(self) -> Path:
        return self.body.path


@dataclass(frozen=True)
class Theme:
    """A theme of practices: its introduction and its sheets, ordered by id."""

    id: str  # the letter, "a"
    title: str
    order: int
    intro: Source
    sheets: tuple[Sheet, ...] = ()
    slug: str = ""
    lines: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    @property
    def anchor(self) -> str:
        return f"theme-{self.id}"


@dataclass(frozen=True)
class BookInfo:
    """What the configuration says about the book itself."""

    name: str
    title: str
    subtitle: str = ""
    version: str = ""
    date: str = ""
    language: str = "fr"
    authors: tuple[str, ...] = ()
    publishers: tuple[str, ...] = ()
    licence: str = ""
    licence_url: str = ""
    url: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Book:
    """The whole book in reading order."""

    info: BookInfo
    root: Path
    front: tuple[Chapter, ...] = ()
    themes: tuple[Theme, ...] = ()
    back: tuple[Chapter, ...] = ()
    variables: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    asset_root: Path | None = None  # where site-absolute paths (/img/...) point
    base_url: str = ""  # site root for site-relative links (/contact)

    @property
    def sheets(self) -> tuple[Sheet, ...]:
        return tuple(sheet for theme in self.themes for sheet in theme.sheets)

    def sheet(self, sheet_id: str) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def theme_of(self, sheet: Sheet) -> Theme:
        return next(t for t in self.themes if t.id == sheet.theme_id)
