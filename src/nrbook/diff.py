"""What changed between two editions: practices added, removed, renumbered, retitled, changed."""

from __future__ import annotations

import difflib
import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .editions import Edition, EditionTheme, Practice
from .render import text_environment

#: Two titles this close (0 to 1) name the same practice: their words are the same, in the same
#: order, but for at most one word in seven (articles and prepositions aside). Two words are the same if they differ by a typo, an
#: accent or a plural ("équipments", "équipement", "équipements"), not by a root: "donnant" and
#: "vendant" name two practices of the publishers' guide.
NEAR_TITLE = 0.85
NEAR_WORD = 0.8
#: A practice whose title changed is still the same practice if this much of its text is kept.
SAME_TEXT = 0.5
TEMPLATE = "changes/changes.md.j2"


@dataclass(frozen=True)
class ListChange:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class PracticeChange:
    """One practice of either edition, with what differs between them (None: in one only)."""

    old: Practice | None
    new: Practice | None
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # priority, difficulty
    pilots: ListChange = ListChange()
    indicators: ListChange = ListChange()
    words_added: int = 0
    words_removed: int = 0
    texts_compared: bool = True

    @property
    def kinds(self) -> tuple[str, ...]:
        """Among added, removed, renumbered, retitled, changed: what happened to it."""
        if self.old is None:
            return ("added",)
        if self.new is None:
            return ("removed",)
        kinds = []
        if self.old.id != self.new.id:
            kinds.append("renumbered")
        if self.old.title != self.new.title:
            kinds.append("retitled")
        if self.fields or self.pilots or self.indicators or self.words_added or self.words_removed:
            kinds.append("changed")
        return tuple(kinds)

    @property
    def current(self) -> Practice:
        return self.new or self.old  # type: ignore[return-value]

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"kinds": list(self.kinds), "id": self.current.id,
                                   "title": self.current.title}
        if self.old is not None and self.new is not None:
            if self.old.id != self.new.id:
                data["old_id"] = self.old.id
            if self.old.title != self.new.title:
                data["old_title"] = self.old.title
            for name, (before, after) in self.fields.items():
                data[name] = {"old": before, "new": after}
            for name, change in (("pilots", self.pilots), ("indicators", self.indicators)):
                if change:
                    data[name] = {"added": list(change.added), "removed": list(change.removed)}
            if self.texts_compared:
                data["words"] = {"added": self.words_added, "removed": self.words_removed}
        return data


@dataclass(frozen=True)
class ThemeChanges:
    """A theme's changes; ``old``/``new`` None when the theme is in one edition only."""

    old: EditionTheme | None
    new: EditionTheme | None
    practices: tuple[PracticeChange, ...]

    @property
    def current(self) -> EditionTheme:
        return self.new or self.old  # type: ignore[return-value]

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "retitled" if self.old.title != self.new.title else "same"


@dataclass(frozen=True)
class Changes:
    old: Edition
    new: Edition
    themes: tuple[ThemeChanges, ...]  # only those with a change, in the new edition's order
    unchanged: int

    @property
    def texts_compared(self) -> bool:
        return self.old.has_texts and self.new.has_texts

    def count(self, kind: str) -> int:
        return sum(kind in p.kinds for t in self.themes for p in t.practices)

    @property
    def summary(self) -> dict[str, int]:
        kinds = ("added", "removed", "renumbered", "retitled", "changed")
        return {**{kind: self.count(kind) for kind in kinds}, "unchanged": self.unchanged}

    def as_json(self) -> dict[str, object]:
        def edition(e: Edition) -> dict[str, object]:
            return {"title": e.title, "version": e.version, "date": e.date, "practices": len(e.practices)}
        return {
            "old": edition(self.old), "new": edition(self.new),
            "texts_compared": self.texts_compared,
            "summary": self.summary,
            "themes": [{"id": t.current.id, "title": t.current.title, "kind": t.kind,
                        **({"old_title": t.old.title} if t.kind == "retitled" and t.old else {}),
                        "practices": [p.as_json() for p in t.practices]} for t in self.themes],
        }

    def json_bytes(self) -> bytes:
        return (json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def markdown(self, layouts: Path, heading_level: int = 2) -> str:
        """The change log text (French, from layouts/), ready to paste into the journal."""
        template = text_environment(layouts).get_template(TEMPLATE)
        return template.render(changes=self, heading="#" * heading_level)


def fold(text: str) -> str:
    """A title as compared: no accents, case, punctuation or extra spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


#: Words that change without changing what a title names ("un registre", "le registre"):
#: French articles, prepositions and conjunctions, folded. Titles are compared without them.
FUNCTION_WORDS = frozenset(
    "a au aux avec ce ces cet cette d dans de des du en et l la le les leur leurs ou par pour "
    "sa se ses son sur un une".split())


@lru_cache(maxsize=65536)
def _same_word(a: str, b: str) -> bool:
    return a == b or difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= NEAR_WORD


def _title_words(title: str) -> list[str]:
    words = fold(title).split()
    return [w for w in words if w not in FUNCTION_WORDS] or words


def title_likeness(a: str, b: str) -> float:
    """How alike two titles are, word by word (1: the same words but for typos, accents and
    articles): the longest common subsequence of their words over their mean length."""
    words_a, words_b = _title_words(a), _title_words(b)
    if not words_a or not words_b:
        return 0.0
    previous = [0] * (len(words_b) + 1)
    for word_a in words_a:
        current = [0]
        for j, word_b in enumerate(words_b):
            current.append(previous[j] + 1 if _same_word(word_a, word_b)
                           else max(previous[j + 1], current[j]))
        previous = current
    return 2 * previous[-1] / (len(words_a) + len(words_b))


def text_likeness(a: Practice, b: Practice) -> float:
    if a.words is None or b.words is None:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a.words, b.words, autojunk=False)
    if matcher.real_quick_ratio() < SAME_TEXT or matcher.quick_ratio() < SAME_TEXT:
        return 0.0
    return matcher.ratio()


def _renumbered_title(a: Practice, b: Practice) -> float:
    return title_likeness(a.title, b.title) if a.id != b.id else 0.0


def _retitled_text(a: Practice, b: Practice) -> float:
    if a.id != b.id:
        return 0.0
    if a.words is None or b.words is None:  # no text to tell otherwise: the id says it is the same
        return 1.0
    return text_likeness(a, b)


#: How practices are paired, strongest evidence first: nearly the same title under another id
#: (renumbered), the same id with most of its text kept or no text to compare (retitled), most
#: of the text kept under another id (renumbered and retitled).
PAIRINGS = ((_renumbered_title, NEAR_TITLE), (_retitled_text, SAME_TEXT), (text_likeness, SAME_TEXT))


def match_practices(old: Edition, new: Edition) -> list[tuple[Practice | None, Practice | None]]:
    """Pair each practice of the old edition with the same practice of the new one.

    First the same id with nearly the same title, then the PAIRINGS in turn, best scores
    first; what is left was removed or added.
    """
    old_left = {p.id: p for p in old.practices}
    new_left = {p.id: p for p in new.practices}
    pairs: list[tuple[Practice | None, Practice | None]] = []

    def take(a_id: str, b_id: str) -> None:
        pairs.append((old_left.pop(a_id), new_left.pop(b_id)))

    for identifier in [i for i in old_left if i in new_left]:
        if title_likeness(old_left[identifier].title, new_left[identifier].title) >= NEAR_TITLE:
            take(identifier, identifier)
    for likeness, threshold in PAIRINGS:
        scored = sorted(((likeness(a, b), a.id, b.id) for a in old_left.values()
                         for b in new_left.values()), key=lambda s: (-s[0], s[1], s[2]))
        for score, a_id, b_id in scored:
            if score >= threshold and a_id in old_left and b_id in new_left:
                take(a_id, b_id)
    pairs += [(p, None) for p in old_left.values()] + [(None, p) for p in new_left.values()]
    return pairs


def _list_change(before: tuple[str, ...], after: tuple[str, ...]) -> ListChange:
    return ListChange(added=tuple(v for v in after if v not in before),
                      removed=tuple(v for v in before if v not in after))


def practice_change(old: Practice | None, new: Practice | None) -> PracticeChange:
    if old is None or new is None:
        return PracticeChange(old, new)
    fields = {name: (getattr(old, name), getattr(new, name)) for name in ("priority", "difficulty")
              if getattr(old, name) != getattr(new, name)}
    added = removed = 0
    compared = old.words is not None and new.words is not None
    if compared:
        matcher = difflib.SequenceMatcher(None, old.words, new.words, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                removed += i2 - i1
                added += j2 - j1
    return PracticeChange(old, new, fields, _list_change(old.pilots, new.pilots),
                          _list_change(old.indicators, new.indicators), added, removed, compared)


def compare(old: Edition, new: Edition) -> Changes:
    """Every change from ``old`` to ``new``, theme by theme in the new edition's order."""
    changes = [practice_change(a, b) for a, b in match_practices(old, new)]
    old_themes = {t.id: t for t in old.themes}
    new_themes = {t.id: t for t in new.themes}
    order = [t.id for t in new.themes] + [t.id for t in old.themes if t.id not in new_themes]
    new_rank = {p.id: n for n, p in enumerate(new.practices)}
    old_rank = {p.id: n for n, p in enumerate(old.practices)}

    def rank(change: PracticeChange) -> tuple[int, int]:
        # practices of the new edition in its order, then those removed, in the old order
        if change.new is not None:
            return (0, new_rank[change.new.id])
        return (1, old_rank[change.old.id])  # type: ignore[union-attr]

    themes = []
    for theme_id in order:
        listed = sorted((c for c in changes if c.kinds and c.current.theme_id == theme_id), key=rank)
        before, after = old_themes.get(theme_id), new_themes.get(theme_id)
        theme = ThemeChanges(before, after, tuple(listed))
        if listed or theme.kind != "same":
            themes.append(theme)
    return Changes(old, new, tuple(themes), sum(1 for c in changes if not c.kinds))
