"""The workshop commands: ``nrbook plan``, ``nrbook checklist`` and ``nrbook sheets --kit``."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pipeline import WriterFactory
    from .selection import SheetFilter

AddArguments = Callable[[argparse.ArgumentParser], None]

PLAN_EPILOG = """\
examples:
  nrbook plan                                   every practice: dist/<name>-plan-action.pdf and .ods
  nrbook plan --theme a --priority Prioritaire --date 2026-12-03
  nrbook plan --pilot "Direction des achats" --out atelier/
  nrbook plan --source ../shared/corpus/guide-v1 --config tests/corpus/guide-v1.toml
  make plan PLAN="--theme a"

The PDF (A4 landscape) has one row per practice, quick wins first (priority, then
difficulty, then id), and form fields to fill in on screen or by hand: a-1-responsable,
a-1-echeance (text) and a-1-etat (a choice of three states). The ODS has the same rows,
its header frozen, a date column, the list of states as a validation, and each sheet's
address as a link."""

CHECKLIST_EPILOG = """\
examples:
  nrbook checklist                              every practice: dist/<name>-auto-evaluation.pdf
  nrbook checklist --profile eco                in dark ink, no fills (<name>-eco-auto-evaluation.pdf)
  nrbook checklist --theme g --date 2026-12-03
  make checklist CHECKLIST="--profile eco"

Each practice, by theme in the book's order, has three boxes, Fait / En cours / À faire:
one group of radio buttons, the PDF field a-1-etat."""


def _date(value: str) -> dt.date:
    from .workshop import workshop_date

    try:
        return workshop_date(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date written YYYY-MM-DD") from None


def date_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="the workshop's date, printed on its documents (default: "
                             "SOURCE_DATE_EPOCH if set, else today)")


def add_workshop_commands(commands: argparse._SubParsersAction, source_arguments: AddArguments,
                          selection_arguments: AddArguments) -> None:
    """Register ``plan`` and ``checklist``, with the filters of ``sheets``."""
    plan = commands.add_parser(
        "plan", help="an action plan of chosen practices to fill in: PDF form and ODS",
        description="Write the action plan of the selected practices (default: every one) as a "
                    "PDF with form fields and as an OpenDocument spreadsheet. Filters combine as "
                    "for 'nrbook sheets'. Nothing is written if they select nothing.",
        epilog=PLAN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    checklist = commands.add_parser(
        "checklist", help="a self-assessment checklist of chosen practices, boxes to tick",
        description="Write a checklist of the selected practices (default: every one), grouped "
                    "by theme, with three boxes each that can be ticked on screen or on paper.",
        epilog=CHECKLIST_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    for parser in (plan, checklist):
        source_arguments(parser)
        parser.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR",
                            help="output folder (default: dist/)")
        selection_arguments(parser)
        date_argument(parser)
        parser.add_argument("--profile", choices=["eco"], default="",
                            help="eco: ink-saving print profile, no background fills")
        parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")


def selection_writer(arguments: argparse.Namespace, selection: SheetFilter) -> WriterFactory:
    """The writer of a command that prints chosen practices."""
    from .workshop import workshop_date
    from .writers.checklist import ChecklistWriter
    from .writers.handouts import HandoutWriter
    from .writers.kit import KitWriter
    from .writers.plan import PlanWriter

    date = arguments.date or workshop_date()
    if arguments.command == "plan":
        return partial(PlanWriter, selection=selection, date=date)
    if arguments.command == "checklist":
        return partial(ChecklistWriter, selection=selection, date=date)
    if arguments.kit:
        return partial(KitWriter, selection=selection, duplex=arguments.duplex, date=date)
    return partial(HandoutWriter, selection=selection, split=arguments.split, duplex=arguments.duplex)
