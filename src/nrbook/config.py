"""The book configuration (``book.toml``): documented defaults, unknown keys fail."""

from __future__ import annotations

import difflib
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostics
from .model import BookInfo

#: Every key nrbook reads, with its default and what it means. Unknown keys are errors.
BOOK_KEYS: dict[str, tuple[object, str]] = {
    "name": (None, "base name of the output files (dist/<name>.pdf); letters, digits, - and _"),
    "title": (None, "title of the book"),
    "subtitle": ("", "subtitle shown on the cover"),
    "version": ("", "edition, such as 1.0"),
    "date": ("", "publication date, YYYY-MM-DD; also the date of the files when SOURCE_DATE_EPOCH is unset"),
    "language": ("fr", "language of the text (BCP 47)"),
    "authors": ([], "authors, as a list of strings"),
    "publishers": ([], "publishers, as a list of strings"),
    "licence": ("", "licence of the text"),
    "licence_url": ("", "address of the licence"),
    "url": ("", "address of the book on the web"),
    "subject": ("", "one-sentence description, written to the PDF and EPUB metadata"),
    "keywords": ([], "keywords, as a list of strings"),
}
ORDER_KEYS: dict[str, tuple[object, str]] = {
    "front": ([], "chapter files before the practices, relative to the source folder"),
    "themes": (None, "theme folders in reading order; default: every folder with an index.md, by its order"),
    "back": ([], "chapter files after the practices"),
    "matrix_after": ("synthese.md", "chapter after which the priority × difficulty matrix goes; \"\" for none"),
}
SITE_KEYS: dict[str, tuple[object, str]] = {
    "base_url": ("", "site root that site-relative links (/contact) are made absolute from"),
    "asset_root": ("", "folder that site-absolute paths (/img/...) are resolved against, relative to this file"),
    "sheet_url": ("", "address of a sheet on the site, with {theme}, {slug} and {id} placeholders (exports)"),
}
RELEASE_KEYS: dict[str, tuple[object, str]] = {
    "previous": ("", "the edition that nrbook release compares with when dist/release/ holds no earlier "
                 "one: a JSON export, a release folder or its edition.json, relative to this file"),
}
PRINT_KEYS: dict[str, tuple[object, str]] = {
    "qr_codes": (True, "a QR code of each printed sheet's address in its side column (true or false)"),
}
SHEET_URL_FIELDS = {"theme", "slug", "id"}  # the theme's folder, the sheet's file name, its id
SHEETS_KEYS: dict[str, tuple[object, str]] = {
    "required": ([], "sheet fields this book requires, among priority, difficulty, pilots and "
                     "indicators; as on the publishers' site, by default a sheet may leave them out"),
}
#: The fields a sheet may leave out, as the publishers' site layout does without them.
OPTIONAL_SHEET_FIELDS = ("priority", "difficulty", "pilots", "indicators")
SECTIONS: dict[str, dict[str, tuple[object, str]]] = {
    "book": BOOK_KEYS,
    "order": ORDER_KEYS,
    "site": SITE_KEYS,
    "sheets": SHEETS_KEYS,
    "release": RELEASE_KEYS,
    "print": PRINT_KEYS,
}
# Free-form: values for template variables such as {{ metadata.guide.version }}.
FREE_SECTIONS = {"variables"}

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class BookConfig:
    """The book's configuration as read from its TOML file."""

    path: Path
    info: BookInfo
    front: tuple[str, ...] = ()
    themes: tuple[str, ...] | None = None
    back: tuple[str, ...] = ()
    matrix_after: str = "synthese.md"
    base_url: str = ""
    asset_root: Path | None = None
    sheet_url: str = ""
    required: frozenset[str] = frozenset()  # optional sheet fields this book requires ([sheets])
    previous_edition: Path | None = None  # [release] previous
    qr_codes: bool = True
    variables: dict[str, object] = field(default_factory=dict, hash=False, compare=False)


def _line_of_key(text: str, key: str) -> int:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _line_of_section(text: str, section: str) -> int:
    match = re.search(rf"^\s*\[{re.escape(section)}\]", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _suggest(word: str, choices: list[str], known: str = "known keys") -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"did you mean '{close[0]}'?" if close else f"{known}: " + ", ".join(choices)


def load_config(path: Path, diagnostics: Diagnostics) -> BookConfig | None:
    """Read and check ``book.toml``; report every problem to ``diagnostics``."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        diagnostics.error(path, 1, f"cannot read the configuration: {error.strerror}",
                          "give an existing file with --config, or create book.toml in the source folder")
        return None
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        diagnostics.error(path, 1, "the configuration is not UTF-8 text", "save it as UTF-8")
        return None
    except tomllib.TOMLDecodeError as error:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(error))) else 1
        diagnostics.error(path, line, f"invalid TOML: {error}", "fix the syntax of book.toml")
        return None

    errors_before = len(diagnostics.errors)
    for section, value in data.items():
        if section in FREE_SECTIONS:
            continue
        if section not in SECTIONS:
            diagnostics.error(path, _line_of_section(text, section), f"unknown section [{section}]",
                              _suggest(section, sorted([*SECTIONS, *FREE_SECTIONS])))
            continue
        if not isinstance(value, dict):
            diagnostics.error(path, _line_of_key(text, section), f"'{section}' must be a table",
                              f"write it as a [{section}] section")
            continue
        for key in value:
            if key not in SECTIONS[section]:
                diagnostics.error(path, _line_of_key(text, key), f"unknown key '{key}' in [{section}]",
                                  _suggest(key, sorted(SECTIONS[section])))

    def get(section: str, key: str) -> object:
        default = SECTIONS[section][key][0]
        value = data.get(section, {}).get(key, default) if isinstance(data.get(section), dict) else default
        return value

    def text_value(section: str, key: str, required: bool = False) -> str:
        value = get(section, key)
        if value is None or (required and value == ""):
            if required:
                diagnostics.error(path, _line_of_section(text, section),
                                  f"[{section}] needs '{key}'", SECTIONS[section][key][1])
            return ""
        if not isinstance(value, str):
            diagnostics.error(path, _line_of_key(text, key), f"'{key}' must be a string, not {_type_name(value)}",
                              'write it in quotes: key = "value"')
            return ""
        return value

    def list_value(section: str, key: str) -> tuple[str, ...] | None:
        value = get(section, key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            diagnostics.error(path, _line_of_key(text, key), f"'{key}' must be a list of strings",
                              'write it as ["first", "second"]')
            return ()
        return tuple(value)

    if not isinstance(data.get("book"), dict):
        diagnostics.error(path, 1, "the configuration has no [book] section",
                          "add [book] with at least name and title")
    name = text_value("book", "name", required=True)
    if name and not NAME_PATTERN.match(name):
        diagnostics.error(path, _line_of_key(text, "name"), f"book name '{name}' is not a safe file name",
                          "use letters, digits, '-' and '_' only")
    date = text_value("book", "date")
    if date and not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        diagnostics.error(path, _line_of_key(text, "date"), f"date '{date}' is not YYYY-MM-DD",
                          'write it as date = "2024-06-01"')
    info = BookInfo(
        name=name,
        title=text_value("book", "title", required=True),
        subtitle=text_value("book", "subtitle"),
        version=text_value("book", "version"),
        date=date,
        language=text_value("book", "language") or "fr",
        authors=list_value("book", "authors") or (),
        publishers=list_value("book", "publishers") or (),
        licence=text_value("book", "licence"),
        licence_url=text_value("book", "licence_url"),
        url=text_value("book", "url"),
        subject=text_value("book", "subject"),
        keywords=list_value("book", "keywords") or (),
    )
    asset_root_text = text_value("site", "asset_root")
    previous_text = text_value("release", "previous")
    sheet_url = text_value("site", "sheet_url")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(sheet_url) if name is not None}
    except ValueError:
        fields = {"{"}
    if fields - SHEET_URL_FIELDS:
        allowed = ", ".join("{" + name + "}" for name in sorted(SHEET_URL_FIELDS))
        diagnostics.error(path, _line_of_key(text, "sheet_url"), f"sheet_url may only use {allowed}",
                          'write it like "https://example.org/guide/{theme}/{slug}/"')
    required = list_value("sheets", "required") or ()
    for name in required:
        if name not in OPTIONAL_SHEET_FIELDS:
            diagnostics.error(path, _line_of_key(text, "required"),
                              f"'{name}' in [sheets] required is not a field a sheet may leave out",
                              _suggest(name, list(OPTIONAL_SHEET_FIELDS), "choose among"))
    qr_codes = get("print", "qr_codes")
    if not isinstance(qr_codes, bool):
        diagnostics.error(path, _line_of_key(text, "qr_codes"),
                          f"'qr_codes' must be true or false, not {_type_name(qr_codes)}",
                          "write qr_codes = false (without quotes) to print no QR code")
        qr_codes = True
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        diagnostics.error(path, _line_of_key(text, "variables"), "'variables' must be a table",
                          "write it as a [variables] section")
        variables = {}
    if len(diagnostics.errors) > errors_before:
        return None
    return BookConfig(
        path=path,
        info=info,
        front=list_value("order", "front") or (),
        themes=list_value("order", "themes"),
        back=list_value("order", "back") or (),
        matrix_after=text_value("order", "matrix_after"),
        base_url=text_value("site", "base_url"),
        asset_root=(path.parent / asset_root_text).resolve() if asset_root_text else None,
        sheet_url=sheet_url,
        required=frozenset(required),
        previous_edition=(path.parent / previous_text).resolve() if previous_text else None,
        qr_codes=qr_codes,
        variables=variables,
    )


def _type_name(value: object) -> str:
    return {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
