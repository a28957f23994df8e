"""The pipeline: load → validate → render → write each format, with one build context."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from . import __version__
from .config import BookConfig, load_config
from .diagnostics import BuildFailed, Diagnostics
from .glyphs import check_characters
from .load import load_book
from .model import Book
from .output import OutputStage
from .progress import Progress
from .render import RenderedBook, layout_environment, render_book
from .validate import validate

if TYPE_CHECKING:
    from .writers.base import Writer

PROJECT_DIR = Path(__file__).resolve().parents[2]
LAYOUTS_DIR = PROJECT_DIR / "layouts"
STYLES_DIR = PROJECT_DIR / "styles"

#: Stylesheets inlined in the HTML for each target, in cascade order.
STYLESHEETS: dict[str, tuple[str, ...]] = {
    "screen": ("base.css", "screen.css"),
    "print": ("base.css", "print.css"),
    "galley": ("base.css", "print.css", "galley.css"),
}
PROFILES = ("", "eco")


@dataclass(frozen=True)
class BuildOptions:
    """What the user asked for; every field has the documented default."""

    source: Path = Path("content")
    config: Path | None = None  # default: <source>/book.toml
    out: Path = Path("dist")
    formats: tuple[str, ...] = ()  # default: every format there is a writer for
    strict: bool = False
    verbose: bool = False
    profile: str = ""  # "" or "eco"
    layouts: Path = LAYOUTS_DIR
    styles: Path = STYLES_DIR
    cache: Path | None = Path(".nrbook-cache")  # None: measure everything, store nothing

    @property
    def config_path(self) -> Path:
        return self.config if self.config is not None else self.source / "book.toml"


@dataclass
class BuildContext:
    """Everything a writer needs, passed explicitly: the model, its HTML, where to write."""

    options: BuildOptions
    config: BookConfig
    book: Book
    rendered: RenderedBook
    diagnostics: Diagnostics
    build_date: datetime
    stage: OutputStage
    facts: dict[str, object] = field(default_factory=dict)  # what writers learn, for later writers
    progress: Progress = field(default_factory=Progress)

    def stylesheet(self, target: str) -> str:
        if target not in self._stylesheets:
            self._stylesheets[target] = "\n".join(
                (self.options.styles / name).read_text(encoding="utf-8") for name in STYLESHEETS[target])
        return self._stylesheets[target]

    @cached_property
    def _stylesheets(self) -> dict[str, str]:
        return {}

    @cached_property
    def environment(self) -> jinja2.Environment:
        """The layouts, compiled once per build."""
        return layout_environment(self.options.layouts)

    def html(self, template: str, target: str, **extra: object) -> str:
        """Render a layout of the book for a target ("screen" or "print")."""
        return self.environment.get_template(template).render(
            info=self.book.info,
            rendered=self.rendered,
            css=Markup(self.stylesheet(target)),
            target=target,
            profile=self.options.profile,
            build_date=self.build_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            generator_version=__version__,
            fit=extra.pop("fit", {}),
            **extra,
        )

    @property
    def name(self) -> str:
        suffix = f"-{self.options.profile}" if self.options.profile else ""
        return self.book.info.name + suffix


def build_date(book_date: str) -> datetime:
    """The date written into outputs: SOURCE_DATE_EPOCH, else the book's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    if book_date:
        return datetime.strptime(book_date, "%Y-%m-%d").replace(tzinfo=UTC)
    return datetime(1980, 1, 1, tzinfo=UTC)


def prepare(options: BuildOptions, diagnostics: Diagnostics) -> tuple[BookConfig, Book, RenderedBook]:
    """Load, validate and render the book; raise BuildFailed if the sources have errors."""
    if not options.source.is_dir():
        diagnostics.error(options.source, 1, "source folder does not exist",
                          "give an existing folder with --source")
        raise BuildFailed(diagnostics)
    config = load_config(options.config_path, diagnostics)
    if config is None:
        raise BuildFailed(diagnostics)
    book = load_book(options.source, config, diagnostics)
    validate(book, diagnostics)
    check_characters(book, config.path, options.styles, diagnostics)
    rendered = render_book(book, diagnostics, options.layouts, matrix_after=config.matrix_after)
    if diagnostics.errors:
        raise BuildFailed(diagnostics)
    return config, book, rendered


WriterFactory = Callable[[BuildContext], "Writer"]


def build(options: BuildOptions, diagnostics: Diagnostics | None = None,
          writers: list[WriterFactory] | None = None, facts: dict | None = None,
          progress: Progress | None = None) -> list[Path]:
    """Build the requested formats (or run the given writers); return the files written.

    Nothing is written unless every check passed and every writer succeeded.
    """
    from .writers import WRITERS

    diagnostics = diagnostics or Diagnostics(strict=options.strict)
    if writers is None:
        formats = options.formats or tuple(WRITERS)
        writers = [WRITERS[name] for name in sorted(formats, key=list(WRITERS).index)]
    progress = progress or Progress()
    with progress.running():
        progress.step("reading and checking the sources")
        config, book, rendered = prepare(options, diagnostics)
        with OutputStage(options.out) as stage:
            context = BuildContext(options, config, book, rendered, diagnostics,
                                   build_date(book.info.date), stage,
                                   facts if facts is not None else {}, progress)
            for writer in writers:
                instance = writer(context)
                progress.step(f"writing {instance.format}")
                instance.write()
            if diagnostics.errors:  # writers find problems too (a sheet that cannot fit, --strict)
                raise BuildFailed(diagnostics)
            return stage.commit()
