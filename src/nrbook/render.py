"""Render the model to HTML: Markdown bodies once, then the book through Jinja2 layouts."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import markdown
from lxml import html as lxml_html
from markupsafe import Markup

from . import dsfr
from .diagnostics import Diagnostics
from .markdown_ext import (
    CommonMarkListExtension,
    CrossRefExtension,
    FigureExtension,
    HtmlBlockExtension,
)
from .model import DIFFICULTIES, PRIORITIES, Book, Chapter, Sheet, Source, Theme
from .outline import namespace_ids, shift_headings
from .paper_links import breakable, mark_addresses, qr_source, short_address
from .references import Asset, ReferencePolicy
from .screen_tables import table_boxes

#: Python-Markdown extensions that real content needs; nrbook's own come after.
MARKDOWN_EXTENSIONS = ["tables", "footnotes", "attr_list", "def_list", "abbr", "sane_lists",
                       "md_in_html"]

# Heading levels in the book: h1 is the book title, h2 a chapter or a theme, h3 a sheet.
CHAPTER_BODY_LEVEL = 3
THEME_INTRO_LEVEL = 3
SHEET_BODY_LEVEL = 4


@dataclass(frozen=True)
class RenderedChapter:
    chapter: Chapter
    anchor: str
    body: Markup


@dataclass(frozen=True)
class RenderedSheet:
    sheet: Sheet
    theme: Theme
    body: Markup
    more: Markup | None
    feedback: Markup | None

    @property
    def anchor(self) -> str:
        return self.sheet.anchor


@dataclass(frozen=True)
class RenderedTheme:
    theme: Theme
    intro: Markup
    sheets: tuple[RenderedSheet, ...]


@dataclass(frozen=True)
class RenderedBook:
    """The book with every Markdown body turned into safe HTML, ready for the layouts."""

    book: Book
    front: tuple[RenderedChapter, ...]
    themes: tuple[RenderedTheme, ...]
    back: tuple[RenderedChapter, ...]
    assets: dict[str, Asset] = field(default_factory=dict, hash=False, compare=False)

    @property
    def sheets(self) -> tuple[RenderedSheet, ...]:
        return tuple(s for t in self.themes for s in t.sheets)


class MarkdownRenderer:
    """One Python-Markdown instance for the whole book, reset between sources."""

    def __init__(self, book: Book, diagnostics: Diagnostics, layouts: Path):
        titles = {sheet.id: sheet.title for sheet in book.sheets}
        labels = markdown_labels(layouts)
        self.md = markdown.Markdown(
            extensions=[*MARKDOWN_EXTENSIONS, HtmlBlockExtension(), CommonMarkListExtension(),
                        FigureExtension(),
                        CrossRefExtension(title_of=titles.get)],
            extension_configs={"footnotes": {
                "BACKLINK_TEXT": labels["footnotes"]["backlink_text"],
                "BACKLINK_TITLE": labels["footnotes"]["backlink_title"],
            }},
            output_format="html",
        )
        self.policy = ReferencePolicy(book, diagnostics, _internal_targets(book))
        self.taken_ids: set[str] = {s.anchor for s in book.sheets} | {t.anchor for t in book.themes}

    def render(self, source: Source, top_level: int, namespace: str,
               mark_blocks: bool = False) -> Markup:
        self.md.reset()
        converted = self.md.convert(source.text)
        if not converted.strip():
            return Markup("")
        fragment = lxml_html.fragment_fromstring(converted, create_parent="div")
        dsfr.apply(fragment)  # first: what the book drops raises no warning
        self.policy.apply(fragment, source)
        mark_addresses(fragment)  # the address each web link shows on paper
        dsfr.prune_empty(fragment)
        shift_headings(fragment, top_level)
        if mark_blocks:
            mark_top_blocks(fragment)
        namespace_ids(fragment, namespace, self.taken_ids)
        inner = (fragment.text or "") + "".join(
            lxml_html.tostring(child, encoding="unicode") for child in fragment)
        return Markup(inner)

    def render_section(self, source: Source | None, namespace: str) -> Markup | None:
        """A sheet section placed apart by the layouts ("En savoir plus"), if it has text."""
        if source is None or not source.text.strip():
            return None
        return self.render(source, SHEET_BODY_LEVEL + 1, namespace)


def mark_top_blocks(fragment: lxml_html.HtmlElement) -> None:
    """Give each top-level block of a long text an id.

    The PDF tells on which printed page each id lies; with these, the EPUB's page list
    can mark where every page of a chapter begins, not only the pages with a heading.
    """
    for number, child in enumerate(fragment, start=1):
        if not isinstance(child.tag, str):
            continue
        if child.get("id") is None:
            child.set("id", f"bloc-{number}")
        if child.tag in ("ul", "ol", "dl"):  # a glossary or a long list runs over pages
            for item, entry in enumerate(child.iterchildren("li", "dt"), start=1):
                if entry.get("id") is None:
                    entry.set("id", f"bloc-{number}-{item}")


def _internal_targets(book: Book) -> dict[str, str]:
    targets = {}
    for chapter in (*book.front, *book.back):
        targets[chapter.body.path.stem] = chapter.slug
    for theme in book.themes:
        targets[theme.slug] = theme.anchor
        for sheet in theme.sheets:
            targets[sheet.path.stem] = sheet.anchor
    return targets


def markdown_labels(layouts: Path) -> dict[str, dict[str, str]]:
    """The words Markdown rendering writes (footnote links), kept with the layouts."""
    with open(layouts / "markdown.toml", "rb") as handle:
        return tomllib.load(handle)


MATRIX_SLUG = "matrice"


def render_matrix(book: Book, layouts: Path, after: Chapter) -> RenderedChapter:
    """The priority × difficulty matrix, a chapter generated from the sheets' fields."""
    template = layout_environment(layouts).get_template("partials/matrix.html.j2")
    context = {"sheets": book.sheets, "priorities": PRIORITIES, "difficulties": DIFFICULTIES}
    title = str(template.make_module(context).title)
    chapter = Chapter(slug=MATRIX_SLUG, title=title, body=Source(after.body.path, ""))
    return RenderedChapter(chapter, MATRIX_SLUG, Markup(template.render(context)))


def render_book(book: Book, diagnostics: Diagnostics, layouts: Path,
                matrix_after: str = "") -> RenderedBook:
    """Turn every Markdown body of the book into HTML, in reading order."""
    renderer = MarkdownRenderer(book, diagnostics, layouts)
    renderer.taken_ids |= {c.slug for c in (*book.front, *book.back)} | {MATRIX_SLUG}

    def chapters(items: tuple[Chapter, ...]) -> tuple[RenderedChapter, ...]:
        rendered = []
        for c in items:
            rendered.append(RenderedChapter(c, c.slug, renderer.render(c.body, CHAPTER_BODY_LEVEL, c.slug,
                                                                       mark_blocks=True)))
            if matrix_after and c.body.path.name == matrix_after and book.sheets:
                rendered.append(render_matrix(book, layouts, c))
        return tuple(rendered)

    front = chapters(book.front)
    themes = []
    for theme in book.themes:
        sheets = []
        for sheet in theme.sheets:
            sheets.append(RenderedSheet(
                sheet=sheet, theme=theme,
                body=renderer.render(sheet.body, SHEET_BODY_LEVEL, sheet.anchor),
                more=renderer.render_section(sheet.more, f"{sheet.anchor}-plus"),
                feedback=renderer.render_section(sheet.feedback, f"{sheet.anchor}-rex"),
            ))
        themes.append(RenderedTheme(theme, renderer.render(theme.intro, THEME_INTRO_LEVEL, theme.anchor,
                                                           mark_blocks=True),
                                    tuple(sheets)))
    back = chapters(book.back)
    return RenderedBook(book, front, tuple(themes), back, dict(renderer.policy.assets))


def css_string(text: object) -> str:
    """A text as a CSS string literal, for the styles a layout writes (``string-set``)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def layout_environment(layouts: Path) -> jinja2.Environment:
    """The Jinja2 environment of the book's layouts: strict, auto-escaped."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(layouts)),
        autoescape=jinja2.select_autoescape(["html", "xhtml", "xml", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["css_string"] = css_string
    environment.filters["qr_source"] = qr_source
    environment.filters["short_address"] = short_address
    environment.filters["breakable"] = breakable
    environment.filters["table_boxes"] = table_boxes
    return environment


def text_environment(layouts: Path) -> jinja2.Environment:
    """The environment of the layouts that write Markdown or YAML, not HTML: nothing is escaped,
    every variable must be given."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(layouts)), autoescape=False,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)
