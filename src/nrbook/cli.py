"""The ``nrbook`` command: build, check, and the editors' other tools."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__
from .diagnostics import BuildFailed, Diagnostics, shown
from .pool import collect_for_layouts
from .scaffold_cli import add_scaffold_commands, run_new
from .workshop_cli import add_workshop_commands, date_argument, selection_writer

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

EPILOG = """\
exit codes: 0 success; 1 problems in the sources (each printed as path:line: message);
            2 wrong command line; 3 internal error (a bug in nrbook: please report it)

examples:
  nrbook build                                  build every format from content/ into dist/
  nrbook build --format pdf --strict            only the PDF; warnings fail the build
  nrbook build --source ../shared/corpus/guide-v1 --config tests/corpus/guide-v1.toml
  nrbook check                                  validate the sources, write nothing
  nrbook serve                                  preview on http://127.0.0.1:8000/, rebuilt on every change
  nrbook new sheet --theme a --title "Mesurer l'empreinte du parc"
                                                a new sheet with the next free id, ready to fill
  nrbook new theme --title "Numérique et territoires"
  nrbook sheets --theme a --split               one-page handouts of chosen sheets
  nrbook sheets --theme a --kit                 the workshop kit: cover, matrix, sheets, action plan
  nrbook plan --priority Prioritaire            the action plan to fill in (PDF form and ODS)
  nrbook checklist                              the self-assessment checklist (boxes to tick)
  nrbook export --format json --out -           every practice as data
  nrbook release                                every download of this version, checked, in
                                                dist/release/<version>/ with its page and checksums
  nrbook diff dist/release/1.0 content          what changed since an earlier edition

'nrbook COMMAND --help' describes each command, with examples.
"""


class CommandsFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps each command's description on its name's line.

    argparse measures the commands' names two columns short of their indentation, and so
    would push the description of the longest name ("checklist") to a line of its own.
    """

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            for subaction in self._iter_indented_subactions(action):  # indented while iterating
                length = len(self._format_action_invocation(subaction)) + self._current_indent
                self._action_max_length = max(self._action_max_length, length)


def _formats(value: str) -> tuple[str, ...]:
    from .writers import WRITERS

    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in WRITERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or value!r}; choose among {', '.join(WRITERS)}")
    return names


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=Path, default=Path("content"), metavar="DIR",
                        help="folder of the Markdown sources (default: content/)")
    parser.add_argument("--config", type=Path, default=None, metavar="FILE",
                        help="book configuration (default: DIR/book.toml)")
    parser.add_argument("--strict", action="store_true",
                        help="treat every warning as an error")


def _printing_arguments(parser: argparse.ArgumentParser, archive: bool = False) -> None:
    """Options of the commands that print: build and sheets (``archive``: the archive edition too)."""
    if archive:
        parser.add_argument("--profile", choices=["eco", "archive"], default="",
                            help="eco: ink-saving print profile, no background fills; archive: "
                                 "the PDF to deposit with archives, PDF/A-2a and PDF/UA-1 (<name>-archive.pdf)")
    else:
        parser.add_argument("--profile", choices=["eco"], default="",
                            help="eco: ink-saving print profile, no background fills")
    parser.add_argument("--no-cache", action="store_true",
                        help="measure every sheet again, ignoring and not filling .nrbook-cache/")
    parser.add_argument("--no-qr", action="store_true",
                        help="no QR code on the printed sheets (book.toml: [print] qr_codes = false)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="say what each step did (each sheet's fitting setting)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")


def _selection_arguments(parser: argparse.ArgumentParser) -> None:
    """The filters that choose practices: sheets, plan and checklist."""
    parser.add_argument("--ids", default="", metavar="LIST", help="sheet ids, comma-separated: a.1,c.2")
    parser.add_argument("--theme", default="", help="theme letter, folder or title: a")
    parser.add_argument("--priority", default="", help="Prioritaire, Recommandée or 'Aller plus loin'")
    parser.add_argument("--difficulty", default="", help="Facile, Moyenne or Difficile")
    parser.add_argument("--pilot", default="", help="part of a pilot's name: \"Direction des achats\"")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nrbook",
        description="Publish the Guide de bonnes pratiques numérique responsable from Markdown "
                    "sources: one HTML book, a printable PDF, one-page practice sheets.",
        epilog=EPILOG, formatter_class=CommandsFormatter)
    parser.add_argument("--version", action="version", version=f"nrbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build", help="build the book in every format (or those given with --format)",
        description="Load, validate and render the sources, then write each requested format. "
                    "Nothing is written if the sources have errors.",
        epilog="examples:\n  nrbook build\n  nrbook build --format html,pdf --out public/\n"
               "  nrbook build --source ../shared/corpus/guide-v1 --config tests/corpus/guide-v1.toml",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _source_arguments(build)
    build.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR",
                       help="output folder (default: dist/)")
    build.add_argument("--format", type=_formats, default=(), metavar="LIST",
                       help="comma-separated formats among html, pdf, epub (default: all)")
    _printing_arguments(build, archive=True)

    sheets = commands.add_parser(
        "sheets", help="chosen practice sheets as one-page handouts, or a workshop kit",
        description="Write one PDF of the selected sheets, each on its own page, exactly as in the "
                    "book (same layout, same fitting). Filters combine; without any, every sheet.",
        epilog="examples:\n  nrbook sheets --ids a.1,c.2\n"
               "  nrbook sheets --theme a --priority Prioritaire --split\n"
               "  nrbook sheets --pilot \"Direction des achats\" --duplex --profile eco\n"
               "  nrbook sheets --theme a --kit --date 2026-12-03   the workshop kit",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _source_arguments(sheets)
    sheets.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR",
                        help="output folder (default: dist/)")
    _selection_arguments(sheets)
    kinds_of_output = sheets.add_mutually_exclusive_group()
    kinds_of_output.add_argument("--split", action="store_true",
                                 help="also write one PDF per sheet (a.1.pdf)")
    kinds_of_output.add_argument("--kit", action="store_true",
                                 help="the workshop kit instead: cover, matrix, the sheets and the "
                                      "action plan in one PDF (dist/<name>-atelier.pdf)")
    sheets.add_argument("--duplex", action="store_true",
                        help="two-sided printing: a blank verso after each sheet")
    date_argument(sheets)
    _printing_arguments(sheets)

    add_workshop_commands(commands, _source_arguments, _selection_arguments)

    check = commands.add_parser(
        "check", help="validate the sources and report every problem; write nothing",
        description="Load, validate and render the sources in memory, and print every problem "
                    "as path:line: message. Exit 1 if there is an error.",
        epilog="example:\n  nrbook check --source content/",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _source_arguments(check)
    check.add_argument("-q", "--quiet", action="store_true", help="print problems only")

    export = commands.add_parser(
        "export", help="export every practice as CSV or JSON, as the editors' site does",
        description="Load and validate the sources, then write every practice (id, title, theme, "
                    "priority, difficulty, pilots, indicators, address) as CSV (UTF-8 with a BOM, "
                    "RFC 4180) or JSON. Nothing is written if the sources have errors.",
        epilog="examples:\n  nrbook export --format csv\n  nrbook export --format json --out -\n"
               "  nrbook export --source ../shared/corpus/guide-v1 --config tests/corpus/guide-v1.toml "
               "--format json --out guide.json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _source_arguments(export)
    export.add_argument("--format", choices=["csv", "json"], default="csv",
                        help="csv (default) or json")
    export.add_argument("--out", type=Path, default=None, metavar="PATH",
                        help="file to write (pratiques.csv), or a folder for <name>.<format>, or - "
                             "for standard output (default: dist/<name>.<format>)")
    export.add_argument("-q", "--quiet", action="store_true", help="print problems only")

    serve = commands.add_parser(
        "serve", help="live preview while editing, with each sheet as printed",
        description="Build the HTML book and serve it on 127.0.0.1 (this machine only). Each change "
                    "to the sources, layouts/ or styles/ rebuilds it and reloads the open page. "
                    "/sheet/ID shows a sheet's printed page as an image, with the fitting chosen "
                    "and a warning if it does not fit. Problems in the sources show in the page "
                    "and here, and the server keeps running. Nothing is written to dist/. "
                    "Stop with Ctrl-C.",
        epilog="examples:\n"
               "  nrbook serve                           content/ on http://127.0.0.1:8000/\n"
               "  nrbook serve --source ../mon-guide --port 8080\n"
               "  nrbook serve --port 0                  any free port (the address is printed)\n"
               "  make serve SOURCE=content\n\n"
               "pages:\n"
               "  /              the book (the errors instead, while the sources have some)\n"
               "  /sheet/        every sheet with its fitting setting\n"
               "  /sheet/a.1     sheet a.1 as printed\n"
               "  /problems      errors and warnings of the latest build\n"
               "  /last-good     the last book built without error",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _source_arguments(serve)
    serve.add_argument("--port", type=_port, default=8000, metavar="N",
                       help="port on 127.0.0.1 (default: 8000; 0: any free port)")

    add_scaffold_commands(commands)
    _release_parsers(commands)
    return parser


def _release_parsers(commands: argparse._SubParsersAction) -> None:
    """nrbook release and nrbook diff (release_cli.py)."""
    from .release_cli import add_parsers

    add_parsers(commands)


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"'{value}' is not a port number (0 to 65535)")
    return int(value)


def report(diagnostics: Diagnostics, stream=None) -> None:
    stream = stream or sys.stderr
    for problem in diagnostics.sorted():
        print(problem.format(), file=stream)
    for note in diagnostics.notes:
        print(note, file=stream)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    arguments = parser.parse_args(argv)
    if getattr(arguments, "profile", "") == "archive" and set(arguments.format or ()) - {"pdf"}:
        parser.error("--profile archive makes the PDF only: leave out --format, or give --format pdf")
    if arguments.command is None:
        parser.print_help()
        return EXIT_USAGE
    collect_for_layouts()  # a run of nrbook is a batch of layouts
    try:
        return _run(arguments)
    except BuildFailed as failure:
        report(failure.diagnostics)
        errors = len(failure.diagnostics.errors)
        print(f"nrbook: {errors} error{'s' if errors != 1 else ''}; nothing was written",
              file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("nrbook: interrupted; previous outputs are unchanged", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of nrbook, not a mistake of the user
        if _debug_requested():
            raise
        print(f"nrbook: internal error: {type(error).__name__}: {error}\n"
              "This is a bug in nrbook; set NRBOOK_DEBUG=1 for the full trace and report it.",
              file=sys.stderr)
        return EXIT_INTERNAL


def _debug_requested() -> bool:
    return bool(os.environ.get("NRBOOK_DEBUG"))


def _run(arguments: argparse.Namespace) -> int:
    if arguments.command == "serve":
        return _serve(arguments)
    if arguments.command == "new":
        return run_new(arguments)
    if arguments.command in ("release", "diff"):
        from .release_cli import run

        return run(arguments)
    from .context import BuildOptions
    from .pipeline import build, prepare
    from .progress import progress_for

    diagnostics = Diagnostics(strict=arguments.strict)
    started = time.perf_counter()
    if arguments.command == "check":
        options = BuildOptions(source=arguments.source, config=arguments.config, strict=arguments.strict)
        _, book, _ = prepare(options, diagnostics)
        report(diagnostics)
        if not arguments.quiet:
            print(f"nrbook: {len(book.themes)} themes, {len(book.sheets)} sheets, "
                  f"{len(book.front) + len(book.back)} chapters: no error"
                  + (f", {len(diagnostics.warnings)} warning{'s' if len(diagnostics.warnings) != 1 else ''}"
                     if diagnostics.warnings else ""),
                  file=sys.stderr)
        return EXIT_OK
    if arguments.command == "export":
        from .writers.export import write_export

        options = BuildOptions(source=arguments.source, config=arguments.config, strict=arguments.strict)
        _, _, rendered = prepare(options, diagnostics)
        report(diagnostics)
        path = write_export(rendered, arguments.format, arguments.out)
        if path is not None and not arguments.quiet:
            print(f"wrote {shown(path)} ({_size(path.stat().st_size)}): "
                  f"{len(rendered.sheets)} practices", file=sys.stderr)
        return EXIT_OK

    if arguments.command in ("sheets", "plan", "checklist"):
        return _selected(arguments, diagnostics, started)

    options = BuildOptions(source=arguments.source, config=arguments.config, out=arguments.out,
                           formats=arguments.format, strict=arguments.strict,
                           verbose=arguments.verbose, profile=arguments.profile,
                           cache=None if arguments.no_cache else BuildOptions.cache,
                           qr_codes=not arguments.no_qr)
    context_facts: dict = {}
    written = build(options, diagnostics, facts=context_facts,
                    progress=progress_for(arguments.quiet))
    report(diagnostics)
    if arguments.verbose:
        _print_fits(context_facts)
    if not arguments.quiet:
        for path in written:
            size = path.stat().st_size
            print(f"wrote {shown(path)} ({_size(size)})", file=sys.stderr)
        print(f"nrbook: built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return EXIT_OK


def _selected(arguments: argparse.Namespace, diagnostics: Diagnostics, started: float) -> int:
    """The commands that print chosen practices: sheets (and its kit), plan, checklist."""
    from .context import BuildOptions
    from .pipeline import build
    from .progress import progress_for
    from .selection import SelectionError, SheetFilter

    selection = SheetFilter(ids=tuple(i.strip() for i in arguments.ids.split(",") if i.strip()),
                            theme=arguments.theme, priority=arguments.priority,
                            difficulty=arguments.difficulty, pilot=arguments.pilot)
    no_cache = getattr(arguments, "no_cache", False)
    options = BuildOptions(source=arguments.source, config=arguments.config, out=arguments.out,
                           strict=arguments.strict, verbose=getattr(arguments, "verbose", False),
                           profile=arguments.profile, cache=None if no_cache else BuildOptions.cache,
                           qr_codes=not getattr(arguments, "no_qr", False))
    facts: dict = {}
    try:
        written = build(options, diagnostics, facts=facts, progress=progress_for(arguments.quiet),
                        writers=[selection_writer(arguments, selection)])
    except SelectionError as error:
        report(diagnostics)
        print(f"nrbook {arguments.command}: {error}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    report(diagnostics)
    if getattr(arguments, "verbose", False):
        _print_fits(facts)
    if not arguments.quiet:
        chosen = facts.get("handout_sheets") or facts.get("workshop_sheets", [])
        print(f"selected {len(chosen)} sheet{'s' if len(chosen) != 1 else ''}: {', '.join(chosen)}",
              file=sys.stderr)
        for path in written:
            print(f"wrote {shown(path)} ({_size(path.stat().st_size)})", file=sys.stderr)
        print(f"nrbook: done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return EXIT_OK


def _print_fits(facts: dict) -> None:
    fits = facts.get("fit", {})
    for fit in fits.values():
        state = "fits" if fit.fits else f"OVERFLOWS by {fit.overflow_mm:g} mm"
        setting = "natural layout" if not fit.level else f"step {fit.level}"
        print(f"sheet {fit.id}: {setting}, body {fit.body_pt:g} pt, side {fit.side_pt:g} pt, "
              f"natural height {fit.natural_height:.2f} page: {state}", file=sys.stderr)


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.2f} MB"


def _serve(arguments: argparse.Namespace) -> int:
    from .context import BuildOptions
    from .serve import ServeError, serve

    options = BuildOptions(source=arguments.source, config=arguments.config, strict=arguments.strict)
    try:
        return serve(options, port=arguments.port)
    except ServeError as error:
        print(f"nrbook serve: {error}", file=sys.stderr)
        return EXIT_USAGE
