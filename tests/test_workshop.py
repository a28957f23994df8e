"""The trainers' workshop documents: the action plan (PDF form and ODS), the checklist, the kit."""

from __future__ import annotations

import os
import re
import zipfile

import pikepdf
import pytest
from conftest import CONTENT, CORPUS, CORPUS_CONFIG, MINI, run_nrbook
from odf import opendocument
from odf.namespaces import OFFICENS, STYLENS, TABLENS, XLINKNS
from odf.number import DateStyle
from odf.style import Style, TableColumnProperties
from odf.table import ContentValidation, Table, TableCell, TableColumn, TableRow
from odf.text import A, P
from pdfread import PdfBook
from pypdf import PdfReader, PdfWriter
from test_handouts import filled_colours, is_tint
from test_paper_links import book_of, decoded_codes
from test_pdf_accessibility import struct_elements

from nrbook.model import DIFFICULTIES, PRIORITIES, sheet_sort_key
from nrbook.writers.export import sheet_url

DATE = ("--date", "2026-12-03")
STATES = ["À faire", "En cours", "Fait"]
RADIO = 1 << 15  # the Radio flag of a button field


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    """Run a workshop command on a book; the output folder and the command's result."""
    def make(command: str, *args: str, source=MINI):
        out = tmp_path_factory.mktemp(command)
        return run_nrbook(command, "--source", str(source), "--out", str(out), *DATE, *args), out
    return make


@pytest.fixture(scope="module")
def mini_plan(workshop):
    result, out = workshop("plan")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def content_plan(workshop):
    result, out = workshop("plan", source=CONTENT)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    return out


def fields_of(pdf_path) -> dict[str, dict]:
    return {name: dict(field) for name, field in (PdfReader(str(pdf_path)).get_fields() or {}).items()}


# --- the action plan: PDF -------------------------------------------------------------------

def test_plan_pdf_has_three_named_fields_per_practice(mini_plan):
    fields = fields_of(mini_plan / "mini-plan-action.pdf")
    expected = {}
    for anchor in ("a-2", "a-10", "b-1"):
        expected |= {f"{anchor}-responsable": "/Tx", f"{anchor}-echeance": "/Tx", f"{anchor}-etat": "/Ch"}
    assert {name: field["/FT"] for name, field in fields.items()} == expected
    state = fields["a-2-etat"]
    assert [option[0] for option in state["/Opt"]] == ["", *STATES]
    assert fields["a-10-responsable"]["/TU"] == "Responsable de la pratique a.10"


def test_plan_pdf_is_landscape_tagged_numbered_and_titled(mini_plan):
    path = mini_plan / "mini-plan-action.pdf"
    reader = PdfReader(str(path))
    assert all(page.mediabox.width > page.mediabox.height for page in reader.pages)
    pdf = PdfBook(path)
    first = pdf.pages[0]
    assert "Plan d’action" in first and "Toutes les pratiques\u00a0: 3 fiches" in first
    assert "3 décembre 2026" in first
    for number, text in enumerate(pdf.pages, start=1):
        assert f"{number} / {len(pdf.pages)}" in text
    with pikepdf.open(path) as document:
        kinds = [str(e.S) for e in struct_elements(document)]
        assert document.Root.MarkInfo.Marked is True and str(document.Root.Lang) == "fr"
        assert kinds.count("/Form") == 9 and "/Table" in kinds and "/TH" in kinds


def test_plan_orders_quick_wins_first_whatever_the_order_asked(workshop):
    result, out = workshop("plan", "--ids", "b.1,a.10,a.2")
    assert result.returncode == 0, result.stderr
    text = PdfBook(out / "mini-plan-action.pdf").pages[0]
    assert re.findall(r"^([a-z]\.\d+) ", text, re.MULTILINE) == ["a.2", "a.10", "b.1"]
    assert "Fiches b.1, a.10, a.2\u00a0: 3 fiches" in text


def test_plan_table_head_repeats_on_every_page(content_plan):
    pdf = PdfBook(content_plan / "guide-numerique-responsable-plan-action.pdf")
    assert len(pdf.pages) > 2
    for text in pdf.pages:
        for head in ("Fiche", "Pratique", "Exemples de pilotes", "Responsable", "Échéance", "État"):
            assert head in text
    fields = fields_of(content_plan / "guide-numerique-responsable-plan-action.pdf")
    assert len(fields) == 3 * len(book_of(CONTENT).sheets)


def test_plan_fields_can_be_filled_and_read_back(mini_plan, tmp_path):
    reader = PdfReader(str(mini_plan / "mini-plan-action.pdf"))
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        writer.update_page_form_field_values(
            page, {"a-2-responsable": "Direction générale", "a-2-etat": "En cours"}, auto_regenerate=False)
    filled = tmp_path / "rempli.pdf"
    writer.write(filled)
    fields = PdfReader(str(filled)).get_fields()
    assert fields["a-2-responsable"]["/V"] == "Direction générale"
    assert fields["a-2-etat"]["/V"] == "En cours"


# --- the action plan: spreadsheet -----------------------------------------------------------

def cell_text(cell) -> str:
    """The text of a cell, one line per paragraph."""
    return "\n".join(str(paragraph) for paragraph in cell.getElementsByType(P))


def read_ods(path):
    document = opendocument.load(str(path))
    table = document.spreadsheet.getElementsByType(Table)[0]
    rows = []
    for row in table.getElementsByType(TableRow):
        rows.append(row.getElementsByType(TableCell))
    return document, table, rows


def test_ods_has_one_typed_row_per_practice_quick_wins_first(content_plan):
    book = book_of(CONTENT)
    document, table, rows = read_ods(content_plan / "guide-numerique-responsable-plan-action.ods")
    header = [cell_text(cell) for cell in rows[0]]
    assert header == ["N°", "Fiche", "Pratique", "Thématique", "Priorité", "Difficulté",
                      "Exemples de pilotes", "Exemples d’indicateurs", "Responsable", "Échéance",
                      "État", "Fiche en ligne"]
    body = rows[1:]
    assert len(body) == len(book.sheets)
    ranks = [(PRIORITIES.index(cell_text(r[4])), DIFFICULTIES.index(cell_text(r[5])),
              sheet_sort_key(cell_text(r[1]))) for r in body]
    assert ranks == sorted(ranks)
    first = body[0]
    assert first[0].getAttrNS(OFFICENS, "value-type") == "float" and first[0].getAttrNS(OFFICENS, "value") == "1"
    sheet = book.sheet(cell_text(first[1]))
    assert cell_text(first[2]) == sheet.title
    assert cell_text(first[6]).split("\n") == list(sheet.pilots)
    links = first[11].getElementsByType(A)
    assert [link.getAttrNS(XLINKNS, "href") for link in links] == [sheet_url(book, sheet)]


def test_ods_state_column_accepts_only_the_three_states(content_plan):
    document, table, rows = read_ods(content_plan / "guide-numerique-responsable-plan-action.ods")
    validations = document.spreadsheet.getElementsByType(ContentValidation)
    assert len(validations) == 1
    validation = validations[0]
    listed = re.findall(r'"([^"]*)"', validation.getAttrNS(TABLENS, "condition"))
    assert validation.getAttrNS(TABLENS, "condition").startswith("of:cell-content-is-in-list(")
    assert listed == STATES
    name = validation.getAttrNS(TABLENS, "name")
    assert all(row[10].getAttrNS(TABLENS, "content-validation-name") == name for row in rows[1:])
    assert all(row[10].getAttrNS(TABLENS, "content-validation-name") is None for row in rows[:1])


def test_ods_columns_are_sized_the_due_date_typed_and_the_header_frozen(content_plan):
    path = content_plan / "guide-numerique-responsable-plan-action.ods"
    document, table, rows = read_ods(path)
    styles = {s.getAttrNS(STYLENS, "name"): s for s in document.automaticstyles.getElementsByType(Style)}
    columns = table.getElementsByType(TableColumn)
    assert len(columns) == 12
    widths = [styles[c.getAttrNS(TABLENS, "style-name")].getElementsByType(TableColumnProperties)[0]
              .getAttrNS(STYLENS, "column-width") for c in columns]
    assert all(width.endswith("cm") and float(width[:-2]) > 1 for width in widths)
    due = styles[columns[9].getAttrNS(TABLENS, "default-cell-style-name")]
    date_style = due.getAttrNS(STYLENS, "data-style-name")
    assert date_style in {d.getAttrNS(STYLENS, "name") for d in document.automaticstyles.getElementsByType(DateStyle)}
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[0] == "mimetype" and archive.infolist()[0].compress_type == zipfile.ZIP_STORED
        settings = archive.read("settings.xml").decode("utf-8")
    frozen = dict(re.findall(r'config:name="(\w+)" config:type="\w+">(\d+)<', settings))
    assert frozen["VerticalSplitMode"] == "2" and frozen["VerticalSplitPosition"] == "1"


def test_plan_files_are_byte_identical_for_the_same_inputs(tmp_path):
    # SOURCE_DATE_EPOCH as a reproducible build gives it: without HarfBuzz's subsetter,
    # WeasyPrint's fallback (fontTools) stamps the fonts it writes with the time otherwise.
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    for run in ("one", "two"):
        result = run_nrbook("plan", "--source", str(MINI), "--out", str(tmp_path / run), *DATE,
                            env=environment)
        assert result.returncode == 0, result.stderr
    for name in ("mini-plan-action.pdf", "mini-plan-action.ods"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


# --- the checklist --------------------------------------------------------------------------

def radio_groups(pdf_path) -> dict[str, pikepdf.Dictionary]:
    with pikepdf.open(pdf_path) as pdf:
        groups = {}
        for field in pdf.Root.AcroForm.Fields:
            assert "/Parent" not in field  # every top-level field is a group, not a button
            groups[str(field.T)] = {"flags": int(field.Ff), "values": [str(v) for v in field.Opt],
                                    "buttons": len(field.Kids), "named": [("/T" in k) for k in field.Kids]}
        return groups


def test_checklist_has_one_group_of_three_boxes_per_practice(workshop):
    result, out = workshop("checklist")
    assert result.returncode == 0, result.stderr
    groups = radio_groups(out / "mini-auto-evaluation.pdf")
    assert sorted(groups) == ["a-10-etat", "a-2-etat", "b-1-etat"]
    for group in groups.values():
        assert group["flags"] & RADIO and group["values"] == ["Fait", "En cours", "À faire"]
        assert group["buttons"] == 3 and not any(group["named"])
    pdf = PdfBook(out / "mini-auto-evaluation.pdf")
    text = pdf.pages[0]
    assert text.index("Premier thème") < text.index("a.2") < text.index("a.10") < text.index("Second thème")
    assert [b.title for b in pdf.bookmarks()] == [
        "Auto-évaluation : où en sommes-nous ?", "A. Premier thème", "B. Second thème"]


def test_checklist_of_the_content_is_tagged_and_short(workshop):
    result, out = workshop("checklist", source=CONTENT)
    assert result.returncode == 0, result.stderr
    path = out / "guide-numerique-responsable-auto-evaluation.pdf"
    assert len(PdfReader(str(path)).pages) <= 3
    assert len(radio_groups(path)) == len(book_of(CONTENT).sheets)
    with pikepdf.open(path) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert [str(e.S) for e in struct_elements(pdf)].count("/Form") == 3 * len(book_of(CONTENT).sheets)


def test_checklist_in_the_eco_profile_has_no_tinted_fill(workshop):
    result, out = workshop("checklist", "--profile", "eco")
    assert result.returncode == 0, result.stderr
    assert not [c for c in filled_colours(out / "mini-eco-auto-evaluation.pdf") if is_tint(c)]
    result, out = workshop("checklist")
    assert any(is_tint(c) for c in filled_colours(out / "mini-auto-evaluation.pdf")), "test is meaningful"


# --- the kit ----------------------------------------------------------------------------------

def test_kit_is_one_pdf_cover_matrix_sheets_plan_with_bookmarks(workshop):
    result, out = workshop("sheets", "--theme", "a", "--kit")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["mini-atelier.pdf"]
    path = out / "mini-atelier.pdf"
    pdf = PdfBook(path)
    assert "Atelier" in pdf.pages[0] and "Thème A\u00a0: 2 fiches" in pdf.pages[0]
    assert "3 décembre 2026" in pdf.pages[0]
    assert "Les bonnes pratiques par priorité et difficulté" in pdf.pages[1]
    assert "a.2 Deuxième pratique du thème" in pdf.pages[2] and "Dixième pratique" in pdf.pages[3]
    assert "Plan d’action" in pdf.pages[4] and len(pdf.pages) == 5
    assert [(b.title, b.page, b.level) for b in pdf.bookmarks()] == [
        ("Atelier", 1, 1), ("Les bonnes pratiques par priorité et difficulté", 2, 1),
        ("Les fiches pratiques", 3, 1), ("a.2 Deuxième pratique du thème", 3, 2),
        ("a.10 Dixième pratique du thème", 4, 2), ("Plan d’action", 5, 1)]
    assert sorted(fields_of(path)) == sorted(f"{a}-{f}" for a in ("a-2", "a-10")
                                             for f in ("responsable", "echeance", "etat"))
    assert "No anchor" not in result.stderr  # links to sheets left out are dropped quietly


def test_kit_in_duplex_starts_each_sheet_and_the_plan_on_a_right_hand_page(workshop):
    result, out = workshop("sheets", "--ids", "b.1,a.2", "--kit", "--duplex")
    assert result.returncode == 0, result.stderr
    pdf = PdfBook(out / "mini-atelier.pdf")
    filled = [bool(text.strip()) for text in pdf.pages]
    assert filled == [True, True, True, False, True, False, True]
    assert "b.1" in pdf.pages[2] and "a.2" in pdf.pages[4] and "Plan d’action" in pdf.pages[6]


# --- bad command lines -------------------------------------------------------------------

@pytest.mark.parametrize("command", [("plan",), ("checklist",), ("sheets", "--kit")])
def test_empty_selection_names_the_filter_and_writes_nothing(workshop, command):
    result, out = workshop(*command, "--pilot", "Cuisine")
    assert result.returncode == 2
    assert "--pilot 'Cuisine' matches no sheet; nothing was written" in result.stderr
    assert "Traceback" not in result.stderr and not any(out.iterdir())


def test_a_wrong_date_is_a_usage_error(workshop):
    result, out = workshop("checklist", "--date", "3 décembre")
    assert result.returncode == 2 and "is not a date written YYYY-MM-DD" in result.stderr


@pytest.mark.parametrize("command", ["plan", "checklist"])
def test_help_gives_examples(command):
    result = run_nrbook(command, "--help")
    assert result.returncode == 0 and "examples:" in result.stdout and f"nrbook {command}" in result.stdout


# --- the publishers' guide --------------------------------------------------------------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the publishers' sources are not beside the checkout")
ON_CORPUS = ("--config", str(CORPUS_CONFIG))


@pytest.mark.corpus
@corpus
def test_corpus_plan_has_the_fields_and_rows_of_its_59_practices(workshop):
    result, out = workshop("plan", *ON_CORPUS, source=CORPUS)
    assert result.returncode == 0, result.stderr
    book = book_of(CORPUS, CORPUS_CONFIG)
    assert len(book.sheets) == 59
    fields = fields_of(out / "guide-bonnes-pratiques-v1-plan-action.pdf")
    assert sorted(fields) == sorted(f"{s.anchor}-{f}" for s in book.sheets
                                    for f in ("responsable", "echeance", "etat"))
    document, table, rows = read_ods(out / "guide-bonnes-pratiques-v1-plan-action.ods")
    assert len(rows) == 60
    hrefs = {cell_text(row[1]): row[11].getElementsByType(A)[0].getAttrNS(XLINKNS, "href") for row in rows[1:]}
    assert hrefs == {s.id: sheet_url(book, s) for s in book.sheets}
    assert all(href.startswith("https://ecoresponsable.numerique.gouv.fr/") for href in hrefs.values())


@pytest.mark.corpus
@corpus
def test_corpus_checklist_holds_its_59_practices_on_three_pages(workshop):
    result, out = workshop("checklist", *ON_CORPUS, source=CORPUS)
    assert result.returncode == 0, result.stderr
    path = out / "guide-bonnes-pratiques-v1-auto-evaluation.pdf"
    assert len(PdfReader(str(path)).pages) <= 3
    groups = radio_groups(path)
    assert len(groups) == 59 and all(g["buttons"] == 3 for g in groups.values())


@pytest.mark.corpus
@corpus
def test_corpus_kit_in_order_with_scannable_sheets(workshop):
    result, out = workshop("sheets", "--theme", "a", "--priority", "Prioritaire", "--kit", *ON_CORPUS,
                           source=CORPUS)
    assert result.returncode == 0, result.stderr
    book = book_of(CORPUS, CORPUS_CONFIG)
    chosen = [s for s in book.themes[0].sheets if s.priority == "Prioritaire"]
    path = out / "guide-bonnes-pratiques-v1-atelier.pdf"
    pdf = PdfBook(path)
    assert f"Thème A, priorité Prioritaire\u00a0: {len(chosen)} fiches" in pdf.pages[0]
    assert "Les bonnes pratiques par priorité et difficulté" in pdf.pages[1]
    for number, sheet in enumerate(chosen, start=3):
        assert decoded_codes(path, number) == [sheet_url(book, sheet)], sheet.id
    assert all("Plan d’action" in text for text in pdf.pages[2 + len(chosen):])
    titles = [b.title for b in pdf.bookmarks()]
    assert titles[:3] == ["Atelier", "Les bonnes pratiques par priorité et difficulté", "Les fiches pratiques"]
    assert titles[-1] == "Plan d’action" and len(titles) == 4 + len(chosen)
