"""What the workshop documents share: the selection, its order, the date, their words."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .model import DIFFICULTIES, PRIORITIES, Book, Sheet, sheet_sort_key
from .selection import NamedFilters, SheetFilter, named_filters, select_sheets

#: The words the workshop documents print outside the HTML layouts (the spreadsheet).
WORDS_FILE = "workshop.toml"


def quick_wins_first(sheets: list[Sheet]) -> list[Sheet]:
    """Priority first, then ease, then id: the order in which a plan of action starts."""
    def rank(sheet: Sheet) -> tuple[int, int, tuple[str, int]]:
        priority = PRIORITIES.index(sheet.priority) if sheet.priority in PRIORITIES else len(PRIORITIES)
        difficulty = (DIFFICULTIES.index(sheet.difficulty) if sheet.difficulty in DIFFICULTIES
                      else len(DIFFICULTIES))
        return priority, difficulty, sheet_sort_key(sheet.id)
    return sorted(sheets, key=rank)


def workshop_date(text: str = "") -> dt.date:
    """The date printed on the workshop's documents: given, else SOURCE_DATE_EPOCH, else today.

    Raises ValueError for a date that is not YYYY-MM-DD.
    """
    if text:
        return dt.date.fromisoformat(text)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def workshop_words(layouts: Path) -> dict[str, dict]:
    with open(layouts / WORDS_FILE, "rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class Workshop:
    """The practices a workshop works on, how they were chosen, and its date."""

    sheets: tuple[Sheet, ...]  # in the order of the selection (the book's, or --ids')
    filters: NamedFilters
    date: dt.date

    @classmethod
    def of(cls, book: Book, selection: SheetFilter, date: dt.date) -> Workshop:
        """Raises SelectionError when the filters select nothing."""
        return cls(tuple(select_sheets(book, selection)), named_filters(book, selection), date)

    @property
    def plan_order(self) -> list[Sheet]:
        return quick_wins_first(list(self.sheets))

    def layout_values(self, layouts: Path) -> dict[str, object]:
        """What the workshop layouts see, besides the book's own values."""
        return {"workshop": self, "filters": self.filters, "workshop_date": self.date.isoformat(),
                "words": workshop_words(layouts), "priorities": PRIORITIES,
                "difficulties": DIFFICULTIES}
