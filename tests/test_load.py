"""Loading sources into the model: fields, order, sections, line numbers."""

from __future__ import annotations

from pathlib import Path

from conftest import MINI, copy_book

from nrbook.config import load_config
from nrbook.diagnostics import Diagnostics
from nrbook.load import load_book
from nrbook.model import Book, Sheet


def load(source: Path) -> tuple[Book, Diagnostics]:
    diagnostics = Diagnostics()
    config = load_config(source / "book.toml", diagnostics)
    assert config is not None, [p.format() for p in diagnostics.problems]
    return load_book(source, config, diagnostics), diagnostics


def test_mini_book_loads_in_reading_order():
    book, diagnostics = load(MINI)
    assert not diagnostics.problems
    assert [c.title for c in book.front] == ["Préface"]
    assert [c.title for c in book.back] == ["Lexique"]
    assert [t.id for t in book.themes] == ["a", "b"]
    # a.2 before a.10: numeric order, not the files' alphabetical order
    assert [s.id for s in book.sheets] == ["a.2", "a.10", "b.1"]


def test_sheet_fields_are_typed_and_sections_split():
    book, _ = load(MINI)
    sheet = book.sheet("a.2")
    assert isinstance(sheet, Sheet)
    assert sheet.priority == "Prioritaire" and sheet.difficulty == "Facile"
    assert sheet.pilots == ("Direction générale",)
    assert sheet.indicators == ("Nombre de réunions tenues", "Part des agents formés (en %)")
    assert "En savoir plus" not in sheet.body.text
    assert "https://exemple.test/reference" in sheet.more.text
    assert "organisation exemplaire" in sheet.feedback.text
    assert sheet.theme_id == "a"
    # the body starts on the line after the front matter's closing '---'
    lines = sheet.path.read_text(encoding="utf-8").splitlines()
    assert lines[sheet.body.first_line - 1].startswith("Le corps de la fiche")
    # field lines point at the keys in the file
    assert lines[sheet.lines["priority"] - 1].startswith("priority:")


def test_model_is_immutable():
    book, _ = load(MINI)
    sheet = book.sheets[0]
    try:
        sheet.title = "autre"  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("sheets must be frozen")


def test_bom_and_crlf_are_read_as_plain_text(tmp_path):
    text = (MINI / "beta" / "unique.md").read_text(encoding="utf-8")
    source = copy_book(MINI, tmp_path / "book", {
        "beta/unique.md": ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")})
    book, diagnostics = load(source)
    assert not diagnostics.errors
    assert book.sheet("b.1").title == "Pratique unique du second thème"
    assert "\r" not in book.sheet("b.1").body.text


def test_publishers_field_names_map_to_the_same_model(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {
        "beta/index.md": "---\ntitle: Second thème\nidThematique: b.\neleventyNavigation:\n"
                         "  key: x\n  order: 20\nlayout: x.njk\n---\n\nIntro.\n",
        "beta/unique.md": "---\ntitle: Une fiche\nidbp: b.1\npriority: Prioritaire\ndifficulty: Facile\n"
                          "who:\n  - Direction\nindicators:\n  - \"Un indicateur\"\ntags: x\n"
                          "eleventyNavigation:\n  parent: x\n  order: 10\n---\n\nCorps.\n",
    })
    book, diagnostics = load(source)
    assert not diagnostics.errors, [p.format() for p in diagnostics.errors]
    theme = book.themes[1]
    assert (theme.id, theme.order) == ("b", 20)
    assert book.sheet("b.1").pilots == ("Direction",)
