"""An edition's practices, read from its sources, a JSON export or a release, for comparing two."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

from .diagnostics import BuildFailed, Diagnostics
from .render import RenderedBook, RenderedSheet
from .writers.export import json_data

#: What a release keeps of itself for the next release's comparison: the JSON export's
#: practices, each with its text.
EDITION_FILE = "edition.json"
TEXT_KEY = "texte"
# A word: letters or digits, with the apostrophes and hyphens inside it ("l’équipement", "e-mail").
WORD = re.compile(r"\w+(?:['’\-]\w+)*")


@dataclass(frozen=True)
class Practice:
    """One practice sheet as two editions can be compared on it."""

    id: str
    title: str
    theme_id: str  # the theme's letter
    priority: str
    difficulty: str
    pilots: tuple[str, ...]
    indicators: tuple[str, ...]
    words: tuple[str, ...] | None  # None: the edition does not carry its text (a site export)


@dataclass(frozen=True)
class EditionTheme:
    id: str
    title: str


@dataclass(frozen=True)
class Edition:
    """The themes and practices of one edition of a book, in reading order."""

    title: str
    version: str
    date: str
    themes: tuple[EditionTheme, ...]
    practices: tuple[Practice, ...]

    @property
    def has_texts(self) -> bool:
        return all(p.words is not None for p in self.practices)


def words_of(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text))


def sheet_text(entry: RenderedSheet) -> str:
    """A sheet's printed words (body, "En savoir plus", feedback) as plain text."""
    parts = [entry.body, entry.more or "", entry.feedback or ""]
    texts = [lxml_html.fragment_fromstring(str(part), create_parent="div").text_content()
             for part in parts if str(part).strip()]
    return " ".join(" ".join(texts).split())


def edition_data(rendered: RenderedBook) -> dict[str, object]:
    """The JSON export's data with each practice's text: what edition.json holds."""
    data = json_data(rendered)
    texts = {entry.sheet.id: sheet_text(entry) for entry in rendered.sheets}
    for theme in data["thematiques"]:  # type: ignore[union-attr]
        for practice in theme["bonnesPratiques"]:
            practice[TEXT_KEY] = texts[practice["id"]]
    return data


def edition_bytes(rendered: RenderedBook) -> bytes:
    return (json.dumps(edition_data(rendered), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def edition_of(rendered: RenderedBook) -> Edition:
    """The edition of a book built from its sources."""
    return edition_from_data(edition_data(rendered), Path("-"), Diagnostics())


def read_edition(path: Path, config: Path | None, diagnostics: Diagnostics) -> Edition:
    """An edition from a source folder (with its configuration), a release folder, or a JSON file
    (a JSON export or a release's edition.json); raise BuildFailed with the problems found."""
    if path.is_dir() and config is None and (path / EDITION_FILE).is_file():
        return read_json_edition(path / EDITION_FILE, diagnostics)
    if path.is_dir():
        if config is None and not (path / "book.toml").is_file():
            diagnostics.error(path, 1, "neither a source folder (no book.toml) nor a release "
                              f"(no {EDITION_FILE})", "give a source folder with its --config, "
                              "a release folder, or a JSON export")
            raise BuildFailed(diagnostics)
        from .context import BuildOptions
        from .pipeline import prepare

        _, _, rendered = prepare(BuildOptions(source=path, config=config), diagnostics)
        return edition_of(rendered)
    if path.is_file():
        return read_json_edition(path, diagnostics)
    diagnostics.error(path, 1, "no such file or folder",
                      "give a source folder, a release folder or a JSON export")
    raise BuildFailed(diagnostics)


def read_json_edition(path: Path, diagnostics: Diagnostics) -> Edition:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        diagnostics.error(path, 1, f"cannot read it: {error.strerror}", "give a readable JSON file")
        raise BuildFailed(diagnostics) from None
    except UnicodeDecodeError:
        diagnostics.error(path, 1, "not UTF-8 text", "give the JSON export of a release")
        raise BuildFailed(diagnostics) from None
    except json.JSONDecodeError as error:
        diagnostics.error(path, error.lineno, f"invalid JSON: {error.msg}",
                          "give the JSON export of a release (nrbook export --format json)")
        raise BuildFailed(diagnostics) from None
    return edition_from_data(data, path, diagnostics)


def edition_from_data(data: object, path: Path, diagnostics: Diagnostics) -> Edition:
    """Read the shape of the JSON export (title, version, thematiques → bonnesPratiques)."""
    hint = "give the JSON export of a release (nrbook export --format json)"

    def problem(message: str) -> None:
        diagnostics.error(path, 1, message, hint)

    if not isinstance(data, dict) or not isinstance(data.get("thematiques"), list):
        problem("not a JSON export of the practices: it has no 'thematiques' list")
        raise BuildFailed(diagnostics)
    themes, practices = [], []
    for number, theme in enumerate(data["thematiques"], start=1):
        if not isinstance(theme, dict) or not isinstance(theme.get("bonnesPratiques"), list):
            problem(f"theme {number} has no 'bonnesPratiques' list")
            continue
        letter = str(theme.get("id", "")).rstrip(".")
        themes.append(EditionTheme(letter, _text(theme.get("titre"))))
        for item in theme["bonnesPratiques"]:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                problem(f"a practice of theme '{letter}' has no 'id'")
                continue
            text = item.get(TEXT_KEY)
            practices.append(Practice(
                id=item["id"], title=_text(item.get("titre")), theme_id=letter,
                priority=_text(item.get("priorite")), difficulty=_text(item.get("difficulte")),
                pilots=_texts(item.get("pilotes")), indicators=_texts(item.get("indicateurs")),
                words=words_of(text) if isinstance(text, str) else None))
    ids = [p.id for p in practices]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problem(f"practice id '{duplicate}' appears twice")
    if diagnostics.errors:
        raise BuildFailed(diagnostics)
    return Edition(_text(data.get("title")), _text(data.get("version")),
                   _text(data.get("updated_at")), tuple(themes), tuple(practices))


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    return tuple(_text(v) for v in value if _text(v)) if isinstance(value, list) else ()
