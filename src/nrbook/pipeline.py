"""The pipeline: load → validate → render → write each format, with one build context."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .config import BookConfig, load_config
from .context import PROFILE_FORMATS, BuildContext, BuildOptions, build_date
from .diagnostics import BuildFailed, Diagnostics
from .glyphs import check_characters
from .load import load_book
from .model import Book
from .output import OutputStage
from .pool import start_early, stop_early
from .progress import Progress
from .render import RenderedBook, render_book
from .validate import validate

if TYPE_CHECKING:
    from pathlib import Path

    from .writers.base import Writer


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
        formats = options.formats or PROFILE_FORMATS.get(options.profile, tuple(WRITERS))
        writers = [WRITERS[name] for name in sorted(formats, key=list(WRITERS).index)]
    progress = progress or Progress()
    if any(_lays_out(writer, options) for writer in writers):
        start_early()  # the layout workers import WeasyPrint while the sources are read
    try:
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
    finally:
        stop_early()  # those no layout took


def _lays_out(factory: WriterFactory, options: BuildOptions) -> bool:
    writer = getattr(factory, "func", factory)  # a class, or a partial of one
    lays_out = getattr(writer, "lays_out", None)
    return bool(lays_out(options)) if callable(lays_out) else False
