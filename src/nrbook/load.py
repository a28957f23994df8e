"""Read the Markdown sources and their front matter into the book model."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import frontmatter
import yaml

from . import templating
from .config import BookConfig
from .diagnostics import Diagnostics
from .model import (
    DIFFICULTIES,
    FEEDBACK_SECTION,
    MORE_SECTION,
    PRIORITIES,
    Book,
    Chapter,
    Sheet,
    Source,
    Theme,
    sheet_sort_key,
)

THEME_INDEX = "index.md"
MAX_FILE_BYTES = 2 * 1024 * 1024

# One content model, several ways of writing it: the project's own field names first,
# then those of the publishers' Eleventy site. A dotted name reads inside a mapping.
SHEET_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "idbp"),
    "title": ("title",),
    "priority": ("priority",),
    "difficulty": ("difficulty",),
    "pilots": ("pilots", "who"),
    "indicators": ("indicators",),
}
THEME_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "idThematique"),
    "title": ("title", "eleventyNavigation.title"),
    "order": ("order", "eleventyNavigation.order"),
}
CHAPTER_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
}
SHEET_MARKERS = ("id", "idbp", "priority", "difficulty")

_FENCE = re.compile(r"^(```|~~~)")
# Characters no text needs, that XML and PDF cannot carry (tab and line feed are fine).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SECTION_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


@dataclass
class FrontMatter:
    """Front matter values with the line of each key, for precise messages."""

    path: Path
    values: dict[str, object]
    lines: dict[str, int]
    body: Source
    unknown: list[str] = field(default_factory=list)

    def line(self, name: str) -> int:
        return self.lines.get(name, self.lines.get("", 1))

    def lookup(self, names: tuple[str, ...]) -> tuple[str | None, object]:
        """The first of ``names`` present, and its value."""
        for name in names:
            value: object = self.values
            for part in name.split("."):
                if not isinstance(value, dict) or part not in value:
                    break
                value = value[part]
            else:
                return name, value
        return None, None


def read_text(path: Path, diagnostics: Diagnostics) -> str | None:
    """Read a source file as UTF-8 text with LF line endings; report why not."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            diagnostics.error(path, 1, f"file is too large ({path.stat().st_size // 1024} KB, "
                              f"limit {MAX_FILE_BYTES // 1024} KB)",
                              "split it into several chapters or sheets")
            return None
        raw = path.read_bytes()
    except OSError as error:
        diagnostics.error(path, 1, f"cannot read the file: {error.strerror}",
                          "check that it exists and is readable")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        diagnostics.error(path, line, f"the file is not UTF-8 (byte 0x{raw[error.start]:02x} "
                          f"at offset {error.start})", "re-save the file with UTF-8 encoding")
        return None
    # A BOM and CRLF endings are common from Windows editors: read them as what they mean.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if control := _CONTROL.search(text):
        diagnostics.error(path, text.count("\n", 0, control.start()) + 1,
                          f"the file contains an invisible control character (U+{ord(control.group()):04X})",
                          "delete it; it often comes from a copy and paste")
        return None
    return unicodedata.normalize("NFC", text)


def read_front_matter(path: Path, diagnostics: Diagnostics) -> FrontMatter | None:
    """Split a Markdown file into front matter (with key lines) and body."""
    text = read_text(path, diagnostics)
    if text is None:
        return None
    if not text.strip():
        diagnostics.error(path, 1, "the file is empty", "give it front matter with at least a title")
        return None
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        diagnostics.error(path, 1, "no front matter", "start the file with a '---' line, "
                          "'title: ...', and a closing '---' line")
        return None
    try:
        _, raw_yaml, body = handler.FM_BOUNDARY.split(text, 2)
    except ValueError:
        diagnostics.error(path, 1, "the front matter is not closed", "add a '---' line after it")
        return None
    body_offset = len(text) - len(body)
    body_line = text.count("\n", 0, body_offset) + 1
    if body.startswith("\n"):
        body, body_line = body[1:], body_line + 1
    yaml_line = text.count("\n", 0, text.find(raw_yaml)) + 1
    values, lines = _parse_yaml(path, raw_yaml, yaml_line, diagnostics)
    if values is None:
        return None
    return FrontMatter(path, values, lines, Source(path, body, body_line))


#: libyaml's safe loader reads front matter six times faster than PyYAML's own (0.4 s of the
#: publishers' guide); both build the same values and lines, only their error words differ.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(raw_yaml: str, loader_class: type) -> tuple[object, object]:
    loader = loader_class(raw_yaml)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else {})
    finally:
        loader.dispose()


def _parse_yaml(path: Path, raw_yaml: str, first_line: int, diagnostics: Diagnostics
                ) -> tuple[dict[str, object] | None, dict[str, int]]:
    try:
        try:
            node, values = _compose(raw_yaml, FAST_LOADER)
        except yaml.YAMLError:  # unreadable: PyYAML's own parser words the problem best
            node, values = _compose(raw_yaml, yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (first_line + mark.line) if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        diagnostics.error(path, line, f"unreadable YAML front matter: {problem}",
                          "check indentation, colons, and quote values that contain ':' or '#'")
        return None, {}
    if not isinstance(values, dict):
        diagnostics.error(path, 2, "the front matter must be a mapping of 'key: value' lines",
                          "write one 'key: value' per line")
        return None, {}
    # YAML counts lines from 0, from the start of the front matter block.
    lines: dict[str, int] = {"": 1}
    for key_node, _ in (node.value if node is not None else ()):
        lines[str(key_node.value)] = first_line + key_node.start_mark.line
    return values, lines


def split_sections(body: Source) -> tuple[Source, dict[str, Source]]:
    """Cut the sheet sections that the layouts place apart out of the main text."""
    wanted = {_normalise(MORE_SECTION): MORE_SECTION, _normalise(FEEDBACK_SECTION): FEEDBACK_SECTION}
    cuts: list[tuple[int, int, str]] = []  # (start offset, heading end offset, section)
    offset, in_fence = 0, False
    for line in body.text.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (m := _SECTION_HEADING.match(line)):
            name = wanted.get(_normalise(m.group(1)))
            cuts.append((offset, offset + len(line), name or ""))
        offset += len(line)
    main_end = len(body.text)
    sections: dict[str, Source] = {}
    for index, (start, heading_end, name) in enumerate(cuts):
        if not name:
            continue
        end = cuts[index + 1][0] if index + 1 < len(cuts) else len(body.text)
        main_end = min(main_end, start)
        text = body.text[heading_end:end]
        sections[name] = Source(body.path, text.strip("\n"), body.line_of(heading_end)
                                + (len(text) - len(text.lstrip("\n"))))
    # Text after a section that is not itself a section stays with that section;
    # only text before the first special section is the main body.
    main = Source(body.path, body.text[:main_end].rstrip() + "\n", body.first_line)
    return main, sections


def _normalise(text: str) -> str:
    text = text.replace("’", "'").strip().casefold()
    return re.sub(r"\s+", " ", text)


def _text(fm: FrontMatter, field_name: str, names: tuple[str, ...], diagnostics: Diagnostics,
          required: bool = True) -> str:
    key, value = fm.lookup(names)
    if key is None or value is None or value == "":
        if required:
            hint = f"add '{names[0]}: ...' to the front matter"
            close = difflib.get_close_matches(names[0], [k for k in fm.values], n=1)
            if close:
                hint = f"'{close[0]}' looks like a misspelling of '{names[0]}'"
            diagnostics.error(fm.path, fm.line(""), f"missing required field '{names[0]}'", hint)
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        diagnostics.error(fm.path, fm.line(key.split(".")[0]),
                          f"'{key}' must be text, not {_kind(value)}", f"write it as '{key}: some text'")
        return ""
    return str(value).strip()


def _list(fm: FrontMatter, names: tuple[str, ...], diagnostics: Diagnostics,
          required: bool = True) -> tuple[str, ...]:
    key, value = fm.lookup(names)
    if key is None or value is None:
        if required:
            diagnostics.error(fm.path, fm.line(""), f"missing required field '{names[0]}'",
                              f"add a list: '{names[0]}:' then lines '  - ...'")
        return ()
    if isinstance(value, str):
        diagnostics.error(fm.path, fm.line(key), f"'{key}' must be a list, not a single text",
                          f"write each item on its own line as '  - {value[:30]}'")
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                              for v in value):
        diagnostics.error(fm.path, fm.line(key), f"'{key}' must be a list of texts, not {_kind(value)}",
                          "write each item on its own line as '  - text'")
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _expand(fm: FrontMatter, names: tuple[str, ...], value: str, config: BookConfig,
            diagnostics: Diagnostics) -> str:
    """A front matter text with its template expressions resolved, as in the body."""
    if "{" not in value:
        return value
    key = fm.lookup(names)[0] or names[0]
    source = Source(fm.path, value, fm.line(key.split(".")[0]))
    return templating.resolve(source, config.variables, diagnostics).text.strip()


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a yes/no value"
    return {int: "a number", float: "a number", list: "a list", dict: "a mapping",
            str: "a text"}.get(type(value), type(value).__name__)


#: What a sheet prints without a priority or a difficulty: the scale is left out.
SCALES = {"priority": PRIORITIES, "difficulty": DIFFICULTIES}


def _left_out(fm: FrontMatter, name: str, diagnostics: Diagnostics) -> None:
    """A field the book does not require is missing: as on the publishers' site, the sheet
    is valid without it; a misspelled key is an error, a missing scale a warning."""
    names = SHEET_FIELDS[name]
    known = {alias.split(".")[0] for aliases in SHEET_FIELDS.values() for alias in aliases}
    others = [key for key in fm.values if key not in known]
    close = next((m[0] for n in names if (m := difflib.get_close_matches(n, others, n=1))), None)
    if close is not None:
        diagnostics.error(fm.path, fm.line(close), f"unknown field '{close}'",
                          f"did you mean '{names[0]}'?")
    elif name in SCALES:
        diagnostics.warning(fm.path, fm.line(""), f"the sheet has no {name}: it is printed "
                            f"without its {name} scale",
                            f"add '{names[0]}: ...' with one of {', '.join(SCALES[name])}")


def _sheet_text(fm: FrontMatter, name: str, config: BookConfig, diagnostics: Diagnostics) -> str:
    required = name in config.required
    value = _text(fm, name, SHEET_FIELDS[name], diagnostics, required=required)
    key, raw = fm.lookup(SHEET_FIELDS[name])
    if not required and (key is None or raw is None or raw == ""):
        _left_out(fm, name, diagnostics)
    return value


def _sheet_list(fm: FrontMatter, name: str, config: BookConfig,
                diagnostics: Diagnostics) -> tuple[str, ...]:
    required = name in config.required
    if not required and fm.lookup(SHEET_FIELDS[name])[0] is None:
        _left_out(fm, name, diagnostics)
    return tuple(_expand(fm, SHEET_FIELDS[name], item, config, diagnostics)
                 for item in _list(fm, SHEET_FIELDS[name], diagnostics, required=required))


def load_sheet(path: Path, theme_id: str, config: BookConfig, diagnostics: Diagnostics,
               theme_slug: str = "") -> Sheet | None:
    fm = read_front_matter(path, diagnostics)
    if fm is None:
        return None
    body = templating.resolve(fm.body, config.variables, diagnostics)
    main, sections = split_sections(body)
    sheet_id = _text(fm, "id", SHEET_FIELDS["id"], diagnostics)
    sheet = Sheet(
        id=sheet_id,
        title=_expand(fm, SHEET_FIELDS["title"],
                      _text(fm, "title", SHEET_FIELDS["title"], diagnostics), config, diagnostics),
        priority=_sheet_text(fm, "priority", config, diagnostics),
        difficulty=_sheet_text(fm, "difficulty", config, diagnostics),
        pilots=_sheet_list(fm, "pilots", config, diagnostics),
        indicators=_sheet_list(fm, "indicators", config, diagnostics),
        body=main,
        more=sections.get(MORE_SECTION),
        feedback=sections.get(FEEDBACK_SECTION),
        theme_id=theme_id,
        url=(config.sheet_url.format(theme=_url_part(theme_slug), slug=_url_part(path.stem),
                                     id=sheet_id) if config.sheet_url else ""),
        lines={name: fm.line(key or names[0]) for name, names in SHEET_FIELDS.items()
               for key in [fm.lookup(names)[0]]},
    )
    return sheet


def load_chapter(path: Path, config: BookConfig, diagnostics: Diagnostics) -> Chapter | None:
    fm = read_front_matter(path, diagnostics)
    if fm is None:
        return None
    title = _expand(fm, CHAPTER_FIELDS["title"],
                    _text(fm, "title", CHAPTER_FIELDS["title"], diagnostics), config, diagnostics)
    body = templating.resolve(fm.body, config.variables, diagnostics)
    return Chapter(slug=_slug(path.stem), title=title, body=body)


def load_theme(folder: Path, root: Path, config: BookConfig, diagnostics: Diagnostics) -> Theme | None:
    index = folder / THEME_INDEX
    if not index.is_file():
        diagnostics.error(folder, 1, "theme folder has no index.md",
                          "add index.md with front matter id, title and order")
        return None
    fm = read_front_matter(index, diagnostics)
    if fm is None:
        return None
    theme_id = _text(fm, "id", THEME_FIELDS["id"], diagnostics).rstrip(".")
    title = _expand(fm, THEME_FIELDS["title"],
                    _text(fm, "title", THEME_FIELDS["title"], diagnostics), config, diagnostics)
    order_key, order_value = fm.lookup(THEME_FIELDS["order"])
    order = 0
    if isinstance(order_value, int) and not isinstance(order_value, bool):
        order = order_value
    elif order_key is not None:
        diagnostics.error(index, fm.line(order_key.split(".")[0]),
                          f"'{order_key}' must be a whole number", "write it as 'order: 3'")
    if theme_id and not re.fullmatch(r"[a-z]", theme_id):
        diagnostics.error(index, fm.line("id" if "id" in fm.values else "idThematique"),
                          f"theme id '{theme_id}' must be one lower-case letter", "write it as 'id: a'")
    intro = templating.resolve(fm.body, config.variables, diagnostics)
    sheets: list[Sheet] = []
    for path in sorted(folder.iterdir()):
        if path.name == THEME_INDEX or path.name.startswith((".", "_")):
            continue
        if path.is_dir():
            continue
        if path.suffix.lower() not in {".md", ".markdown"}:
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            diagnostics.error(path, 1, "symbolic link leads outside the source folder",
                              "copy the file into the source folder instead of linking to it")
            continue
        sheet = load_sheet(path, theme_id, config, diagnostics, theme_slug=folder.name)
        if sheet is not None:
            sheets.append(sheet)
    sheets.sort(key=lambda s: sheet_sort_key(s.id))
    return Theme(id=theme_id, title=title, order=order, intro=intro, sheets=tuple(sheets),
                 slug=folder.name, lines={"id": fm.line("id" if "id" in fm.values else "idThematique")})


def _url_part(name: str) -> str:
    """A file or folder name as a URL path segment: the site serves 'passé' as 'pass%C3%A9'."""
    return quote(unicodedata.normalize("NFC", name))


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chapitre"


def load_book(source: Path, config: BookConfig, diagnostics: Diagnostics) -> Book:
    """Load every source named by the configuration, in reading order."""
    source = source.resolve()

    def chapter_list(names: tuple[str, ...], key: str) -> tuple[Chapter, ...]:
        chapters = []
        for name in names:
            path = source / name
            if not path.resolve().is_relative_to(source):
                diagnostics.error(config.path, _config_line(config, name),
                                  f"'{name}' in [order] {key} is outside the source folder",
                                  "name a file inside the source folder")
                continue
            if not path.is_file():
                diagnostics.error(config.path, _config_line(config, name),
                                  f"'{name}' in [order] {key} does not exist",
                                  _closest_file(source, name))
                continue
            chapter = load_chapter(path, config, diagnostics)
            if chapter is not None:
                chapters.append(chapter)
        return tuple(chapters)

    front = chapter_list(config.front, "front")
    if config.themes is not None:
        folders = []
        for name in config.themes:
            folder = source / name
            if not folder.is_dir() or not folder.resolve().is_relative_to(source):
                diagnostics.error(config.path, _config_line(config, name),
                                  f"theme folder '{name}' in [order] themes does not exist",
                                  _closest_file(source, name))
            else:
                folders.append(folder)
    else:
        folders = sorted(p for p in source.iterdir() if p.is_dir() and (p / THEME_INDEX).is_file())
    themes = [t for f in folders if (t := load_theme(f, source, config, diagnostics)) is not None]
    if config.themes is None:
        themes.sort(key=lambda t: (t.order, t.id))
    back = chapter_list(config.back, "back")
    _report_unlisted(source, config, folders, diagnostics)
    return Book(info=config.info, root=source, front=front, themes=tuple(themes), back=back,
                variables=config.variables, asset_root=config.asset_root, base_url=config.base_url)


def _report_unlisted(source: Path, config: BookConfig, folders: list[Path], diagnostics: Diagnostics) -> None:
    listed = {(source / name).resolve() for name in (*config.front, *config.back)}
    for path in sorted(source.glob("*.md")):
        if path.resolve() in listed or path.name.lower() in {"readme.md", "index.md"}:
            continue
        fm_head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        if re.search(r"^(id|idbp)\s*:\s*[a-z]\.", fm_head, re.MULTILINE):
            diagnostics.error(path, 1, "practice sheet outside any theme",
                              "move it into the folder of its theme")
        else:
            diagnostics.warning(path, 1, "chapter is not in the reading order and will not be built",
                                f"add it to [order] front or back in {config.path.name}")
    if config.themes is not None:
        for folder in sorted(p for p in source.iterdir() if p.is_dir() and (p / THEME_INDEX).is_file()):
            if folder not in folders and folder.name not in config.themes:
                diagnostics.warning(folder / THEME_INDEX, 1, "theme is not in the reading order "
                                    "and will not be built", f"add '{folder.name}' to [order] themes")


def _config_line(config: BookConfig, name: str) -> int:
    try:
        text = config.path.read_text(encoding="utf-8")
    except OSError:
        return 1
    index = text.find(f'"{name}"')
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _closest_file(source: Path, name: str) -> str:
    names = sorted(p.name for p in source.iterdir())
    close = difflib.get_close_matches(Path(name).name, names, n=1)
    return f"did you mean '{close[0]}'?" if close else "check the name, or create the file"
