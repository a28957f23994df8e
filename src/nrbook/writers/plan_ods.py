"""The action plan as an OpenDocument spreadsheet (the office format the RGI names), via odfpy."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from odf import config, number
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import (
    ParagraphProperties,
    Style,
    TableCellProperties,
    TableColumnProperties,
    TextProperties,
)
from odf.table import (
    ContentValidation,
    ContentValidations,
    DatabaseRange,
    DatabaseRanges,
    ErrorMessage,
    HelpMessage,
    Table,
    TableCell,
    TableColumn,
    TableRow,
)
from odf.text import A, P

from ..model import Book, Sheet
from ..workshop import Workshop
from .export import sheet_url


@dataclass(frozen=True)
class Column:
    key: str  # its label in layouts/workshop.toml [plan.columns]
    width_cm: float
    kind: str = "text"  # text, number, date, state, link, lines


#: The spreadsheet's columns, in order: the plan's columns, the rank and the theme.
COLUMNS = (
    Column("rank", 1.2, "number"), Column("id", 1.5), Column("title", 7.0), Column("theme", 4.5),
    Column("priority", 2.8), Column("difficulty", 2.4), Column("pilots", 5.0, "lines"),
    Column("indicators", 7.0, "lines"), Column("owner", 4.0), Column("due", 2.6, "date"),
    Column("state", 2.6, "state"), Column("address", 9.0, "link"),
)
VALIDATION = "etat-de-la-pratique"


def _letter(index: int) -> str:
    return chr(ord("A") + index)  # twelve columns: A to L


def _quoted(sheet_name: str) -> str:
    """A sheet name as a cell address needs it: 'Plan d''action'."""
    return "'" + sheet_name.replace("'", "''") + "'"


class PlanSpreadsheet:
    """Builds the spreadsheet: styles, validation list, one row per practice, frozen header."""

    def __init__(self, book: Book, workshop: Workshop, words: dict[str, dict]):
        self.book = book
        self.workshop = workshop
        self.words = words
        self.document = OpenDocumentSpreadsheet()
        self.sheet_name = words["plan"]["sheet_name"]
        self.states = [words["states"][key] for key in ("todo", "doing", "done")]

    def style(self, name: str, family: str, *properties, **attributes) -> Style:
        style = Style(name=name, family=family, **attributes)
        for item in properties:
            style.addElement(item)
        self.document.automaticstyles.addElement(style)
        return style

    def build(self) -> OpenDocumentSpreadsheet:
        date_style = number.DateStyle(name="date-jj-mm-aaaa")
        for part in (number.Day(style="long"), number.Text(text="/"), number.Month(style="long"),
                     number.Text(text="/"), number.Year(style="long")):
            date_style.addElement(part)
        self.document.automaticstyles.addElement(date_style)
        wrap = TableCellProperties(wrapoption="wrap", verticalalign="top")
        self.cell_styles = {
            # Properties in the order the ODF schema gives them: cell, paragraph, text.
            "header": self.style("entete", "table-cell",
                                 TableCellProperties(wrapoption="wrap", verticalalign="bottom",
                                                     backgroundcolor="#e6f1ee"),
                                 TextProperties(fontweight="bold")),
            "text": self.style("texte", "table-cell", wrap),
            "date": self.style("date", "table-cell", TableCellProperties(verticalalign="top"),
                               datastylename="date-jj-mm-aaaa"),
            "number": self.style("nombre", "table-cell", TableCellProperties(verticalalign="top"),
                                 ParagraphProperties(textalign="end")),
        }
        table = Table(name=self.sheet_name)
        for index, column in enumerate(COLUMNS):
            style = self.style(f"colonne-{_letter(index)}", "table-column",
                               TableColumnProperties(columnwidth=f"{column.width_cm}cm"))
            default = {"date": "date", "number": "number"}.get(column.kind, "text")
            table.addElement(TableColumn(stylename=style, defaultcellstylename=self.cell_styles[default]))
        header = TableRow()
        for column in COLUMNS:
            header.addElement(self.text_cell(self.words["plan"]["columns"][column.key], "header"))
        table.addElement(header)
        rows = self.workshop.plan_order
        for rank, sheet in enumerate(rows, start=1):
            table.addElement(self.row(rank, sheet))
        # In the order ODF wants them: validations, then the table, then its filter range.
        self.add_validation()
        self.document.spreadsheet.addElement(table)
        self.add_filter(len(rows))
        self.add_frozen_header()
        return self.document

    def text_cell(self, text: str, style: str = "text") -> TableCell:
        cell = TableCell(valuetype="string", stylename=self.cell_styles[style])
        cell.addElement(P(text=text))
        return cell

    def row(self, rank: int, sheet: Sheet) -> TableRow:
        theme = self.book.theme_of(sheet)
        values = {"rank": rank, "id": sheet.id, "title": sheet.title, "theme": f"{theme.id}. {theme.title}",
                  "priority": sheet.priority, "difficulty": sheet.difficulty,
                  "pilots": sheet.pilots, "indicators": sheet.indicators,
                  "address": sheet_url(self.book, sheet)}
        row = TableRow()
        for column in COLUMNS:
            value = values.get(column.key)
            if column.kind == "number":
                cell = TableCell(valuetype="float", value=value, stylename=self.cell_styles["number"])
                cell.addElement(P(text=str(value)))
            elif column.kind == "lines":  # one paragraph per item: lines of the cell
                cell = TableCell(valuetype="string", stylename=self.cell_styles["text"])
                for item in value or ():
                    cell.addElement(P(text=item))
            elif column.kind == "link":
                cell = TableCell(valuetype="string", stylename=self.cell_styles["text"])
                paragraph = P()
                paragraph.addElement(A(type="simple", href=value, text=value))
                cell.addElement(paragraph)
            elif column.kind == "state":  # empty, to fill: only the listed states are accepted
                cell = TableCell(stylename=self.cell_styles["text"], contentvalidationname=VALIDATION)
            elif column.kind == "date":  # empty, to fill: a date, shown dd/mm/yyyy
                cell = TableCell(stylename=self.cell_styles["date"])
            elif value is None:
                cell = TableCell(stylename=self.cell_styles["text"])
            else:
                cell = self.text_cell(str(value))
            row.addElement(cell)
        return row

    def add_validation(self) -> None:
        words = self.words["plan"]
        state_column = _letter([c.kind for c in COLUMNS].index("state"))
        listed = ";".join('"' + state.replace('"', '""') + '"' for state in self.states)
        validation = ContentValidation(
            name=VALIDATION, condition=f"of:cell-content-is-in-list({listed})",
            allowemptycell="true", displaylist="unsorted",
            basecelladdress=f"{_quoted(self.sheet_name)}.{state_column}2")
        help_message = HelpMessage(title=words["validation_title"], display="true")
        help_message.addElement(P(text=words["validation_help"]))
        error = ErrorMessage(title=words["validation_title"], display="true", messagetype="stop")
        error.addElement(P(text=words["validation_error"]))
        validation.addElement(help_message)
        validation.addElement(error)
        validations = ContentValidations()
        validations.addElement(validation)
        self.document.spreadsheet.addElement(validations)

    def add_filter(self, rows: int) -> None:
        """Filter buttons on the header, to show the practices of one state or one owner."""
        name = _quoted(self.sheet_name)
        ranges = DatabaseRanges()
        ranges.addElement(DatabaseRange(
            name="__Anonymous_Sheet_DB__0", displayfilterbuttons="true",
            targetrangeaddress=f"{name}.A1:{name}.{_letter(len(COLUMNS) - 1)}{rows + 1}"))
        self.document.spreadsheet.addElement(ranges)

    def add_frozen_header(self) -> None:
        """The header row stays in view when the rows scroll (LibreOffice's view settings)."""
        table_entry = config.ConfigItemMapEntry(name=self.sheet_name)
        for name, kind, value in (("HorizontalSplitMode", "short", "0"), ("VerticalSplitMode", "short", "2"),
                                  ("HorizontalSplitPosition", "int", "0"),
                                  ("VerticalSplitPosition", "int", "1"), ("ActiveSplitRange", "short", "2"),
                                  ("PositionTop", "int", "0"), ("PositionBottom", "int", "1")):
            table_entry.addElement(config.ConfigItem(name=name, type=kind, text=value))
        tables = config.ConfigItemMapNamed(name="Tables")
        tables.addElement(table_entry)
        view = config.ConfigItemMapEntry()
        view.addElement(config.ConfigItem(name="ViewId", type="string", text="view1"))
        view.addElement(tables)
        view.addElement(config.ConfigItem(name="ActiveTable", type="string", text=self.sheet_name))
        views = config.ConfigItemMapIndexed(name="Views")
        views.addElement(view)
        view_settings = config.ConfigItemSet(name="ooo:view-settings")
        view_settings.addElement(views)
        self.document.settings.addElement(view_settings)


def reproducible_zip(data: bytes, when: datetime) -> bytes:
    """The same archive with every entry dated ``when``: the same plan gives the same bytes.

    The order of the entries is kept: ``mimetype`` first and stored, as ODF requires.
    """
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, stamp)
            info.compress_type = zipfile.ZIP_STORED if entry.filename == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return buffer.getvalue()


def plan_ods_bytes(book: Book, workshop: Workshop, words: dict[str, dict], when: datetime) -> bytes:
    document = PlanSpreadsheet(book, workshop, words).build()
    buffer = io.BytesIO()
    document.write(buffer)
    return reproducible_zip(buffer.getvalue(), when)
