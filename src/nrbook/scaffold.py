"""Scaffolding for editors: a new practice sheet or theme, ready to fill, that passes ``check`` at once."""

from __future__ import annotations

import codecs
import json
import os
import re
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
import yaml

from .config import BookConfig, load_config
from .context import LAYOUTS_DIR
from .diagnostics import BuildFailed, Diagnostics
from .load import SHEET_FIELDS, THEME_FIELDS, THEME_INDEX, read_front_matter
from .model import DIFFICULTIES, PRIORITIES, SHEET_ID
from .render import text_environment

#: Placeholders that pass validation and that an editor will want to change.
DEFAULT_PRIORITY = "Recommandée"
DEFAULT_DIFFICULTY = "Moyenne"
SLUG_MAX = 60
# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})
_ID_LINE = re.compile(r"^(?:id|idbp)\s*:\s*[\"']?([a-z])\.([0-9]+)", re.MULTILINE)


class ScaffoldError(Exception):
    """A request that cannot be carried out (unknown theme, file already there): exit 2."""


@dataclass(frozen=True)
class ThemeFolder:
    """A theme as its folder and its index.md say, read without loading the whole book."""

    folder: Path
    id: str
    title: str
    order: int


@dataclass(frozen=True)
class Scaffolded:
    """What a scaffolding command did, for the message to the editor."""

    kind: str  # "sheet" or "theme"
    id: str
    title: str
    written: Path
    theme: ThemeFolder | None = None
    config_changed: Path | None = None
    config_problem: str = ""  # set when the reading order could not be changed by itself


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES)).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().split())


def slugify(title: str, fallback: str) -> str:
    """An ASCII file name from a title: "Réduire l'œil" → "reduire-l-oeil"."""
    slug = re.sub(r"[^a-z0-9]+", "-", _fold(title)).strip("-")
    if len(slug) > SLUG_MAX:  # cut on a word boundary, as the content's file names are
        slug = slug[:SLUG_MAX + 1].rsplit("-", 1)[0]
    return slug or fallback


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when YAML reads it back unchanged, else double-quoted."""
    try:
        if yaml.safe_load(f"key: {value}") == {"key": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML one


def _environment(layouts: Path) -> jinja2.Environment:
    environment = text_environment(layouts)
    environment.filters["yaml"] = yaml_scalar
    return environment


def _config(source: Path, config_path: Path | None) -> BookConfig:
    if not source.is_dir():
        raise ScaffoldError(f"no source folder {source}; give an existing folder with --source")
    diagnostics = Diagnostics()
    config = load_config(config_path or source / "book.toml", diagnostics)
    if config is None:
        raise BuildFailed(diagnostics)
    return config


def theme_folders(source: Path, config: BookConfig) -> list[ThemeFolder]:
    """The book's themes, in the folders its configuration names (or every theme folder)."""
    if config.themes is not None:
        folders = [source / name for name in config.themes if (source / name / THEME_INDEX).is_file()]
    else:
        folders = sorted(p for p in source.iterdir() if (p / THEME_INDEX).is_file())
    themes = []
    for folder in folders:
        # A problem elsewhere in the index is `nrbook check`'s to report, not ours.
        front = read_front_matter(folder / THEME_INDEX, Diagnostics())
        if front is None:
            continue
        theme_id = str(front.lookup(THEME_FIELDS["id"])[1] or "").strip().rstrip(".")
        title = str(front.lookup(THEME_FIELDS["title"])[1] or folder.name)
        order = front.lookup(THEME_FIELDS["order"])[1]
        themes.append(ThemeFolder(folder, theme_id, title,
                                  order if isinstance(order, int) and not isinstance(order, bool) else 0))
    return themes


def find_theme(themes: list[ThemeFolder], wanted: str) -> ThemeFolder:
    """The theme named by its letter ("a"), its folder or its title, accents and case ignored."""
    key = _fold(wanted).rstrip(".")
    for theme in themes:
        if key in {theme.id, _fold(theme.folder.name), _fold(theme.title)}:
            return theme
    known = ", ".join(f"{t.id} ({t.title})" for t in themes) or "none"
    raise ScaffoldError(f"no theme '{wanted}'; themes: {known}")


def sheet_numbers(theme: ThemeFolder) -> list[int]:
    """The numbers of the sheets already in the theme's folder."""
    numbers = []
    for path in sorted(theme.folder.iterdir()):
        if (path.name == THEME_INDEX or path.name.startswith((".", "_")) or not path.is_file()
                or path.suffix.lower() not in {".md", ".markdown"}):
            continue
        front = read_front_matter(path, Diagnostics())
        sheet_id = str(front.lookup(SHEET_FIELDS["id"])[1] or "") if front is not None else ""
        if match := SHEET_ID.match(sheet_id):
            numbers.append(int(match.group(2)))
        else:  # unreadable front matter: its id line still counts, so that no id is given twice
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
            numbers.extend(int(m.group(2)) for m in _ID_LINE.finditer(head))
    return numbers


def next_sheet_id(theme: ThemeFolder) -> str:
    """The id after the highest of the theme (a.7 after a.6); a gap is never filled."""
    return f"{theme.id}.{max(sheet_numbers(theme), default=0) + 1}"


def _choice(value: str, choices: tuple[str, ...], flag: str) -> str:
    chosen = next((c for c in choices if _fold(c) == _fold(value)), None)
    if chosen is None:
        raise ScaffoldError(f"{flag}: '{value}' is not one of {', '.join(choices)}")
    return chosen


def _title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError("--title: give the title of the new text, such as --title \"Mesurer\"")
    return title


def _write_new(path: Path, text: str) -> None:
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:  # never overwrite
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path} already exists; nothing was written "
                            "(choose another --title, or rename the existing file)") from None


def new_sheet(source: Path, theme: str, title: str, priority: str = DEFAULT_PRIORITY,
              difficulty: str = DEFAULT_DIFFICULTY, config: Path | None = None,
              layouts: Path = LAYOUTS_DIR) -> Scaffolded:
    """Write a sheet with the theme's next free id into the theme's folder."""
    title = _title(title)
    priority = _choice(priority, PRIORITIES, "--priority")
    difficulty = _choice(difficulty, DIFFICULTIES, "--difficulty")
    found = find_theme(theme_folders(source, _config(source, config)), theme)
    sheet_id = next_sheet_id(found)
    path = found.folder / f"{slugify(title, 'fiche')}.md"
    text = _environment(layouts).get_template("scaffold/sheet.md.j2").render(
        id=sheet_id, title=title, priority=priority, difficulty=difficulty)
    _write_new(path, text)
    return Scaffolded("sheet", sheet_id, title, path, theme=found)


def new_theme(source: Path, title: str, theme_id: str = "", config: Path | None = None,
              layouts: Path = LAYOUTS_DIR) -> Scaffolded:
    """Create a theme folder with its index.md, and list it in [order] themes if there is one."""
    title = _title(title)
    book = _config(source, config)
    # Every theme folder, even one left out of the reading order, holds its letter.
    themes = theme_folders(source, replace(book, themes=None))
    used = {t.id for t in themes}
    if theme_id:
        theme_id = theme_id.strip().rstrip(".").lower()
        if not re.fullmatch(r"[a-z]", theme_id):
            raise ScaffoldError(f"--id: '{theme_id}' is not one lower-case letter")
        if theme_id in used:
            raise ScaffoldError(f"--id: the letter '{theme_id}' is already used; free letters: "
                                + (", ".join(_free_letters(used)) or "none"))
    else:
        theme_id = _next_letter(used)
    folder = source / slugify(title, f"theme-{theme_id}")
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; nothing was written (choose another --title)")
    order = max((t.order for t in themes), default=0) + 1
    text = _environment(layouts).get_template("scaffold/theme.md.j2").render(
        id=theme_id, title=title, order=order)
    config_path = book.path
    edited, problem = None, ""
    if book.themes is not None:  # the reading order is explicit: the new theme joins its end
        try:
            edited = _with_theme_listed(config_path, folder.name)
        except ValueError as error:
            problem = str(error)
    folder.mkdir()
    _write_new(folder / THEME_INDEX, text)
    if edited is not None:
        _replace_file(config_path, edited)
    found = ThemeFolder(folder, theme_id, title, order)
    return Scaffolded("theme", theme_id, title, folder / THEME_INDEX, theme=found,
                      config_changed=config_path if edited is not None else None,
                      config_problem=problem)


def _free_letters(used: set[str]) -> list[str]:
    return [chr(c) for c in range(ord("a"), ord("z") + 1) if chr(c) not in used]


def _next_letter(used: set[str]) -> str:
    """The letter after the highest used (j after i); the first free one once z is taken."""
    highest = max((u for u in used if re.fullmatch(r"[a-z]", u)), default="")
    if not highest:
        return "a"
    if highest < "z":
        return chr(ord(highest) + 1)
    free = _free_letters(used)
    if not free:
        raise ScaffoldError("every letter from a to z is already a theme")
    return free[0]


# --- a minimal edit of book.toml: one item added to [order] themes, the rest untouched ----------

def _with_theme_listed(config_path: Path, folder: str) -> bytes:
    """The configuration's bytes with ``folder`` appended to ``[order] themes``, comments kept."""
    raw = config_path.read_bytes()
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    text = raw[len(bom):].decode("utf-8")
    edited = add_theme_to_order(text, folder)
    before, after = tomllib.loads(text), tomllib.loads(edited)
    before["order"]["themes"] = [*before["order"]["themes"], folder]
    if before != after:  # the edit must change exactly that list, and only by that item
        raise ValueError("the edited configuration did not read back as expected")
    return bom + edited.encode("utf-8")


def add_theme_to_order(text: str, folder: str) -> str:
    """TOML ``text`` with ``folder`` appended to ``[order] themes``, in the list's own style."""
    section = re.search(r"^[ \t]*\[order\][ \t]*(#.*)?\r?$", text, re.MULTILINE)
    if section is None:
        raise ValueError("no [order] section")
    following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(text, section.end())
    key = re.compile(r"^[ \t]*themes[ \t]*=[ \t]*\[", re.MULTILINE).search(
        text, section.end(), following.start() if following else len(text))
    if key is None:
        raise ValueError("no 'themes = [' line in [order]")
    opening = key.end() - 1
    closing, last_end, last_char = _scan_array(text, opening)
    newline = "\r\n" if "\r\n" in text else "\n"
    item = json.dumps(folder, ensure_ascii=False)  # a JSON string is a TOML basic string
    if "\n" not in text[opening:closing]:  # all on one line: ["a", "b"] → ["a", "b", "new"]
        if last_char == "[":
            return text[:closing] + item + text[closing:]
        if last_char == ",":
            return text[:last_end] + f" {item}," + text[last_end:]
        return text[:last_end] + f", {item}" + text[last_end:]
    if last_char == "[":  # an empty list over several lines
        return text[:opening + 1] + f"{newline}  {item},{newline}" + text[closing:].lstrip(" \t\r\n")
    line_start = text.rfind("\n", 0, last_end) + 1
    indent = re.match(r"[ \t]*", text[line_start:]).group(0)  # type: ignore[union-attr]
    line_end = text.find("\n", last_end)
    insert_at = closing if line_end == -1 or line_end > closing else line_end
    if insert_at > 0 and text[insert_at - 1] == "\r":
        insert_at -= 1
    if last_char == ",":  # trailing commas: keep them
        return text[:insert_at] + f"{newline}{indent}{item}," + text[insert_at:]
    # No trailing comma: one goes after the last item (before any comment on its line).
    return (text[:last_end] + "," + text[last_end:insert_at] + f"{newline}{indent}{item}"
            + text[insert_at:])


def _scan_array(text: str, opening: int) -> tuple[int, int, str]:
    """For the array opened at ``opening``: its closing bracket, and the end and last character
    of its last token (strings, comments and nested arrays skipped over)."""
    position, depth = opening + 1, 1
    last_end, last_char = opening + 1, "["
    while position < len(text):
        char = text[position]
        if char == "#":
            position = text.find("\n", position)
            if position == -1:
                break
            continue
        if char in "\"'":
            quote = text[position:position + 3] if text[position:position + 3] in ('"""', "'''") else char
            end = position + len(quote)
            while True:
                end = text.find(quote, end)
                if end == -1:
                    raise ValueError("unterminated string in [order] themes")
                if quote.startswith('"') and _escaped(text, end):
                    end += 1
                    continue
                break
            position = end + len(quote)
            last_end, last_char = position, quote[-1]
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return position, last_end, last_char
        if not char.isspace():
            last_end, last_char = position + 1, char
        position += 1
    raise ValueError("the [order] themes list is not closed")


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` at once (never half a configuration), keeping its mode."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
