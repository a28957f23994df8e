"""``nrbook new sheet`` and ``nrbook new theme``: the command line of ``scaffold``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .diagnostics import shown

EXIT_OK, EXIT_USAGE = 0, 2


def add_scaffold_commands(commands: argparse._SubParsersAction) -> None:
    """The ``new`` command and its kinds, ``sheet`` and ``theme``."""
    new = commands.add_parser(
        "new", help="start a new practice sheet or theme, ready to fill",
        description="Write the skeleton of a new practice sheet or theme in the right folder. "
                    "What it writes passes 'nrbook check' at once; replace each 'À préciser'.",
        epilog="examples:\n"
               "  nrbook new sheet --theme a --title \"Mesurer l'empreinte du parc\"\n"
               "  nrbook new theme --title \"Numérique et territoires\"\n\n"
               "'nrbook new sheet --help' and 'nrbook new theme --help' give the options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    new_sheet = kinds.add_parser(
        "sheet", help="a practice sheet, with the theme's next free id",
        description="Write THEME-FOLDER/<title-as-file-name>.md with the next free id of the theme "
                    "(a.7 after a.6), placeholders for every field, and a body skeleton with its "
                    "'En savoir plus' section. An existing file is never overwritten.",
        epilog="examples:\n"
               "  nrbook new sheet --theme a --title \"Mesurer l'empreinte du parc\"\n"
               "  nrbook new sheet --theme strategie-et-gouvernance --title \"Former les élus\" "
               "--priority Prioritaire --difficulty Facile\n"
               "  nrbook new sheet --source tests/fixtures/mini --theme b --title \"Essai\"",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    new_theme = kinds.add_parser(
        "theme", help="a theme: its folder and its index.md",
        description="Create a folder named after the title with its index.md (id, title, order), "
                    "using the next free letter unless --id gives one, and add the folder to "
                    "[order] themes in book.toml if the book lists its themes there (comments kept).",
        epilog="examples:\n"
               "  nrbook new theme --title \"Numérique et territoires\"\n"
               "  nrbook new theme --title \"Numérique et territoires\" --id j\n"
               "then: nrbook new sheet --theme j --title \"...\"",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    for parser_of_kind in (new_sheet, new_theme):
        parser_of_kind.add_argument("--source", type=Path, default=Path("content"), metavar="DIR",
                                    help="folder of the Markdown sources (default: content/)")
        parser_of_kind.add_argument("--config", type=Path, default=None, metavar="FILE",
                                    help="book configuration (default: DIR/book.toml)")
        parser_of_kind.add_argument("--title", required=True, help="its title, in quotes")
    new_sheet.add_argument("--theme", required=True,
                           help="the theme: its letter (a), folder or title")
    new_sheet.add_argument("--priority", default="Recommandée",
                           help="Prioritaire, Recommandée (default) or 'Aller plus loin'")
    new_sheet.add_argument("--difficulty", default="Moyenne",
                           help="Facile, Moyenne (default) or Difficile")
    new_theme.add_argument("--id", default="", metavar="LETTER",
                           help="the theme's letter (default: the one after the highest used)")


def run_new(arguments: argparse.Namespace) -> int:
    """Write what ``nrbook new sheet`` or ``nrbook new theme`` asks for; say what comes next."""
    from .scaffold import ScaffoldError, new_sheet, new_theme

    try:
        if arguments.kind == "sheet":
            done = new_sheet(arguments.source, arguments.theme, arguments.title,
                             arguments.priority, arguments.difficulty, arguments.config)
        else:
            done = new_theme(arguments.source, arguments.title, arguments.id, arguments.config)
    except ScaffoldError as error:
        print(f"nrbook new {arguments.kind}: {error}", file=sys.stderr)
        return EXIT_USAGE
    source = shown(arguments.source)
    assert done.theme is not None
    if done.kind == "sheet":
        print(f"wrote {shown(done.written)}: sheet {done.id} \"{done.title}\", "
              f"theme {done.theme.id} ({done.theme.title})", file=sys.stderr)
        print(f"next: replace each \"À préciser\" in it, then run: nrbook check --source {source}\n"
              f"      see it as printed: nrbook serve --source {source}, page /sheet/{done.id}",
              file=sys.stderr)
        return EXIT_OK
    print(f"wrote {shown(done.written)}: theme {done.id} \"{done.title}\"", file=sys.stderr)
    if done.config_changed is not None:
        print(f"added \"{done.theme.folder.name}\" to [order] themes in {shown(done.config_changed)}",
              file=sys.stderr)
    if done.config_problem:
        print(f"nrbook new theme: could not edit [order] themes by itself ({done.config_problem}): "
              f"add \"{done.theme.folder.name}\" to it by hand", file=sys.stderr)
    print(f"next: write its introduction, then its first sheet (until then, check warns that the "
          f"theme has none): nrbook new sheet --source {source} --theme {done.id} --title \"...\"",
          file=sys.stderr)
    return EXIT_OK

