"""The PDF read back: pages, table of contents, bookmarks, fonts, metadata."""

from __future__ import annotations

import pikepdf
from pdfread import PdfBook


def test_toc_page_numbers_are_where_sheets_start(mini_build):
    pdf = PdfBook(mini_build["pdf"])
    toc = pdf.toc_entries()
    assert list(toc) == ["a.2", "a.10", "b.1"]
    titles = {"a.2": "Deuxième pratique du thème", "a.10": "Dixième pratique du thème",
              "b.1": "Pratique unique du second thème"}
    for sheet_id, title in titles.items():
        assert pdf.page_starting(title)[-1] == toc[sheet_id]
        page = pdf.pages[toc[sheet_id] - 1]
        assert f"{sheet_id}\n{title}" in page or f"{sheet_id} {title}" in page, page[:300]


def test_each_sheet_starts_a_new_page(mini_build):
    pdf = PdfBook(mini_build["pdf"])
    starts = [pdf.page_starting(title)[-1] for title in
              ("Deuxième pratique du thème", "Dixième pratique du thème", "Pratique unique du second thème")]
    assert len(set(starts)) == 3
    assert "Mot final de la dixième fiche" in pdf.pages[starts[1] - 1]


def test_bookmarks_for_chapters_themes_and_sheets(mini_build):
    bookmarks = PdfBook(mini_build["pdf"]).bookmarks()
    titles = [b.title for b in bookmarks]
    for expected in ("Table des matières", "Préface", "Premier thème", "Second thème", "Lexique"):
        assert expected in titles
    sheet_marks = [b for b in bookmarks if b.title.startswith(("a.2", "a.10", "b.1"))]
    assert len(sheet_marks) == 3 and all(b.level == 2 for b in sheet_marks)


def test_fonts_are_embedded_and_bundled(mini_build):
    fonts = PdfBook(mini_build["pdf"]).fonts()
    assert fonts and all(fonts.values()), fonts
    assert all("Source-Sans-Pro" in name for name in fonts), fonts


def test_metadata_and_accessibility_basics(mini_build):
    with pikepdf.open(mini_build["pdf"]) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Petit livre d'essai"
        assert str(info["/Author"]) == "Équipe de test"
        assert str(info["/Subject"]).startswith("Un livre minuscule")
        assert "nrbook" in str(info["/Keywords"])
        assert str(info["/CreationDate"]).startswith("D:20240601")
        assert str(pdf.Root.Lang) == "fr"
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert pdf.pages[0].MediaBox[2] == 595.276 or round(float(pdf.pages[0].MediaBox[2])) == 595


def test_cross_reference_prints_the_page(mini_build):
    pdf = PdfBook(mini_build["pdf"])
    toc = pdf.toc_entries()
    text = " ".join(pdf.pages).replace("\n", " ")
    assert f"a.10, p. {toc['a.10']}" in text
