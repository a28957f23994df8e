"""The CSV and JSON exports of every practice, parsed back as a spreadsheet or a script would."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import CONTENT, CORPUS, CORPUS_CONFIG, MINI, copy_book, run_nrbook

from nrbook.context import BuildOptions
from nrbook.diagnostics import Diagnostics
from nrbook.pipeline import prepare
from nrbook.render import RenderedBook
from nrbook.writers.export import CSV_COLUMNS, csv_bytes, json_bytes, write_export

SHEET_KEYS = ["id", "titre", "priorite", "difficulte", "pilotes", "indicateurs", "url"]


def rendered_book(source, config=None) -> RenderedBook:
    diagnostics = Diagnostics()
    _, _, rendered = prepare(BuildOptions(source=source, config=config), diagnostics)
    return rendered


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Check the bytes are what spreadsheet programs expect, then parse them."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark"
    text = data.decode("utf-8")[1:]
    assert text.endswith("\r\n") and "\r" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert text.count("\r\n") == len(rows), "CRLF ends records; cells break lines with LF only"
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]


def check_json_shape(data: bytes, rendered: RenderedBook) -> dict:
    document = json.loads(data.decode("utf-8"))
    assert list(document) == ["title", "url", "description", "version", "updated_at", "thematiques"]
    book = rendered.book
    assert (document["title"], document["version"]) == (book.info.title, book.info.version)
    assert [t["id"] for t in document["thematiques"]] == [f"{t.id}." for t in book.themes]
    for theme, item in zip(book.themes, document["thematiques"], strict=True):
        assert list(item) == ["id", "titre", "description", "bonnesPratiques"]
        assert item["titre"] == theme.title
        assert item["description"] and "<" not in item["description"]
        assert [p["id"] for p in item["bonnesPratiques"]] == [s.id for s in theme.sheets]
        for practice, sheet in zip(item["bonnesPratiques"], theme.sheets, strict=True):
            assert list(practice) == SHEET_KEYS
            assert practice["pilotes"] == list(sheet.pilots)
            assert practice["indicateurs"] == list(sheet.indicators)
    if any(not c.isascii() for c in data.decode("utf-8")):
        assert b"\\u00" not in data, "accents written as themselves"
    return document


def check_csv_rows(rows: list[dict[str, str]], rendered: RenderedBook) -> None:
    book = rendered.book
    assert [r["Id"] for r in rows] == [s.id for s in book.sheets]
    for row, sheet in zip(rows, book.sheets, strict=True):
        assert row["Titre"] == sheet.title
        assert row["Thématique"] == book.theme_of(sheet).title
        assert (row["Priorité"], row["Difficulté"]) == (sheet.priority, sheet.difficulty)
        assert row["Exemples pilotes"].split("\n") == list(sheet.pilots)
        assert row["Exemples indicateurs"].split("\n") == list(sheet.indicators)


def test_mini_exports_quote_what_needs_it_and_link_to_the_online_book(tmp_path):
    tricky = (MINI / "alpha" / "deuxieme.md").read_text(encoding="utf-8").replace(
        "title: Deuxième pratique du thème", 'title: "Deuxième pratique, dite « la seconde »"').replace(
        '"Part des agents formés (en %)"', "'Taux \"réel\", en %'")
    source = copy_book(MINI, tmp_path / "book", {"alpha/deuxieme.md": tricky})
    rendered = rendered_book(source)
    rows = read_csv(csv_bytes(rendered))
    check_csv_rows(rows, rendered)
    assert rows[0]["Titre"] == "Deuxième pratique, dite « la seconde »"
    assert rows[0]["Exemples indicateurs"] == 'Nombre de réunions tenues\nTaux "réel", en %'
    assert b'"Nombre de r\xc3\xa9unions tenues\nTaux ""r\xc3\xa9el"", en %"' in csv_bytes(rendered)
    assert [r["Url"] for r in rows] == ["https://exemple.test/livre/#a-2", "https://exemple.test/livre/#a-10",
                                        "https://exemple.test/livre/#b-1"]
    document = check_json_shape(json_bytes(rendered), rendered)
    assert document["thematiques"][0]["description"].startswith("Le premier thème regroupe deux fiches")


def test_sheet_url_from_the_configuration(tmp_path):
    config = (MINI / "book.toml").read_text(encoding="utf-8") + (
        '\n[site]\nsheet_url = "https://exemple.test/site/{theme}/{slug}/"\n')
    source = copy_book(MINI, tmp_path / "book", {"book.toml": config})
    rows = read_csv(csv_bytes(rendered_book(source)))
    assert rows[0]["Url"] == "https://exemple.test/site/alpha/deuxieme/"


def test_content_exports():
    rendered = rendered_book(CONTENT)
    rows = read_csv(csv_bytes(rendered))
    check_csv_rows(rows, rendered)
    assert len(rows) == len(rendered.book.sheets) > 40
    url = rendered.book.info.url
    assert all(row["Url"] == f"{url}#{row['Id'].replace('.', '-')}" for row in rows)
    check_json_shape(json_bytes(rendered), rendered)


def test_write_export_is_atomic_and_names_its_file(tmp_path):
    rendered = rendered_book(MINI)
    path = write_export(rendered, "json", tmp_path)
    assert path == (tmp_path / "mini.json").resolve()
    path = write_export(rendered, "csv", tmp_path / "sous-dossier" / "pratiques.csv")
    assert path.read_bytes() == csv_bytes(rendered)
    assert write_export(rendered, "csv", tmp_path / "nouveau") == (tmp_path / "nouveau" / "mini.csv").resolve()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "mini.json", "nouveau", "nouveau/mini.csv", "sous-dossier", "sous-dossier/pratiques.csv"]


def test_command_line_export(tmp_path):
    out = tmp_path / "pratiques.json"
    result = run_nrbook("export", "--source", str(MINI), "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "3 practices" in result.stderr
    assert [t["id"] for t in json.loads(out.read_text(encoding="utf-8"))["thematiques"]] == ["a.", "b."]
    result = run_nrbook("export", "--source", str(MINI), "--out", "-")
    assert result.returncode == 0 and result.stdout.startswith("\ufeffId,Titre,Thématique")


def test_command_line_export_writes_nothing_when_the_sources_have_errors(tmp_path):
    broken = (MINI / "beta" / "unique.md").read_text(encoding="utf-8").replace("Aller plus loin", "Urgente")
    source = copy_book(MINI, tmp_path / "book", {"beta/unique.md": broken})
    out = tmp_path / "pratiques.csv"
    result = run_nrbook("export", "--source", str(source), "--out", str(out))
    assert result.returncode == 1 and "unknown priority 'Urgente'" in result.stderr
    assert not out.exists()
    assert run_nrbook("export", "--format", "xml").returncode == 2


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the publishers' sources are not beside the checkout")
def test_corpus_exports_match_the_sites_shape():
    rendered = rendered_book(CORPUS, CORPUS_CONFIG)
    rows = read_csv(csv_bytes(rendered))
    check_csv_rows(rows, rendered)
    assert len(rows) == 59
    site = "https://ecoresponsable.numerique.gouv.fr/publications/bonnes-pratiques/"
    assert all(re.fullmatch(re.escape(site) + r"[a-z-]+/[A-Za-z0-9%-]+/", row["Url"]) for row in rows)
    urls = {row["Id"]: row["Url"] for row in rows}
    assert urls["g.8"] == site + "services-numeriques/reduire-le-temps-pass%C3%A9-par-usager/"
    assert urls["a.1"] == site + "strategie-et-gouvernance/personne-dediee-demarche-numerique-responsable/"
    document = check_json_shape(json_bytes(rendered), rendered)
    assert [len(t["bonnesPratiques"]) for t in document["thematiques"]] == [8, 3, 3, 6, 5, 8, 11, 7, 8]
