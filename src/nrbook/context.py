"""The build context: what the user asked for, and what every writer needs, passed explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import __version__
from .config import BookConfig
from .diagnostics import Diagnostics
from .model import Book
from .output import OutputStage
from .progress import Progress
from .render import RenderedBook, layout_environment

PROJECT_DIR = Path(__file__).resolve().parents[2]
LAYOUTS_DIR = PROJECT_DIR / "layouts"
STYLES_DIR = PROJECT_DIR / "styles"

#: Stylesheets inlined in the HTML for each target, in cascade order.
STYLESHEETS: dict[str, tuple[str, ...]] = {
    "screen": ("base.css", "screen.css"),
    "print": ("base.css", "print.css"),
    "galley": ("base.css", "print.css", "galley.css"),
    "sheets": ("base.css", "print.css", "parts.css"),  # sheets laid out apart from the book
    "workshop": ("base.css", "print.css", "workshop.css"),  # plan, checklist, the kit's cover
}
#: "eco" saves ink; "archive" is the PDF to deposit with archives: PDF/A-2a and PDF/UA-1 at once.
PROFILES = ("", "eco", "archive")
#: Formats a profile is made for: the archive edition is a PDF only.
PROFILE_FORMATS = {"archive": ("pdf",)}
#: Targets read by a browser get their styles inlined; the others are laid out by WeasyPrint,
#: which is given the styles parsed once per process (see pdfrender.stylesheet_for).
INLINE_TARGETS = {"screen"}


@dataclass(frozen=True)
class BuildOptions:
    """What the user asked for; every field has the documented default."""

    source: Path = Path("content")
    config: Path | None = None  # default: <source>/book.toml
    out: Path = Path("dist")
    formats: tuple[str, ...] = ()  # default: every format there is a writer for
    strict: bool = False
    verbose: bool = False
    profile: str = ""  # one of PROFILES
    layouts: Path = LAYOUTS_DIR
    styles: Path = STYLES_DIR
    cache: Path | None = Path(".nrbook-cache")  # None: measure everything, store nothing
    qr_codes: bool = True  # --no-qr: no QR code on the printed sheets, whatever book.toml says

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

    def __getstate__(self) -> dict[str, object]:
        """What a layout worker started before the build needs of it (see ``pool.start_early``):
        not the compiled layouts, rebuilt there on first use, nor the terminal's display."""
        state = dict(self.__dict__)
        state.pop("environment", None)
        state["progress"] = Progress()
        return state

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
        """Render a layout of the book for a target ("screen", "print", ...: see STYLESHEETS)."""
        return self.environment.get_template(template).render(
            info=self.book.info,
            rendered=self.rendered,
            css=Markup(self.stylesheet(target)) if target in INLINE_TARGETS else "",
            target=target,
            profile=self.options.profile,
            build_date=self.build_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            generator_version=__version__,
            fit=extra.pop("fit", {}),
            qr_codes=self.qr_addresses if target != "screen" else {},
            **extra,
        )

    @cached_property
    def qr_addresses(self) -> dict[str, str]:
        """The address each printed sheet's QR code leads to, unless QR codes are turned off."""
        if not (self.options.qr_codes and self.config.qr_codes):
            return {}
        from .writers.export import sheet_url  # here: the writers import this module

        addresses = {sheet.id: sheet_url(self.book, sheet) for sheet in self.book.sheets}
        return {i: a for i, a in addresses.items() if a.startswith(("https://", "http://"))}

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
