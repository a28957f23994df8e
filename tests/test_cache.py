"""The fitting cache: reused when nothing changed, invalidated exactly by what changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import MINI, ROOT, build_book, copy_book
from test_fit import long_sheet

from nrbook import fit, fonts
from nrbook.context import BuildContext, BuildOptions, build_date
from nrbook.diagnostics import Diagnostics
from nrbook.output import OutputStage
from nrbook.parts import sheet_fitter
from nrbook.pipeline import prepare


def keys(source: Path, layouts: Path = ROOT / "layouts", styles: Path = ROOT / "styles",
         tmp: Path | None = None) -> dict[str, str]:
    options = BuildOptions(source=source, layouts=layouts, styles=styles, cache=tmp)
    diagnostics = Diagnostics()
    config, book, rendered = prepare(options, diagnostics)
    context = BuildContext(options, config, book, rendered, diagnostics, build_date(""),
                           OutputStage(Path("/nonexistent")))
    fitter = sheet_fitter(context, list(context.rendered.sheets))
    return {entry.sheet.id: fitter.key(entry) for entry in context.rendered.sheets}


@pytest.fixture
def book(tmp_path):
    return copy_book(MINI, tmp_path / "book")


def test_changing_one_sentence_of_a_sheet_changes_only_its_key(book):
    before = keys(book)
    path = book / "alpha" / "dixieme.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Mot final", "Dernier mot"), encoding="utf-8")
    after = keys(book)
    assert {i for i in before if before[i] != after[i]} == {"a.10"}


def test_changing_a_field_changes_only_that_sheets_key(book):
    before = keys(book)
    path = book / "beta" / "unique.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Délégué", "Déléguée"), encoding="utf-8")
    after = keys(book)
    assert {i for i in before if before[i] != after[i]} == {"b.1"}


def test_a_layout_invalidates_what_it_shows(book, tmp_path):
    layouts = tmp_path / "layouts"
    shutil.copytree(ROOT / "layouts", layouts)
    before = keys(book, layouts=layouts)
    cover = layouts / "partials" / "cover.html.j2"
    cover.write_text(cover.read_text(encoding="utf-8") + "\n<!-- cover only -->\n", encoding="utf-8")
    assert keys(book, layouts=layouts) == before, "the cover is not part of any sheet"
    partial = layouts / "partials" / "sheet.html.j2"
    partial.write_text(partial.read_text(encoding="utf-8").replace("Difficulté de mise en œuvre", "Difficulté"),
                       encoding="utf-8")
    after = keys(book, layouts=layouts)
    assert all(before[i] != after[i] for i in before)


def test_a_style_invalidates_every_sheet(book, tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    before = keys(book, styles=styles)
    css = styles / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.sheet-body p { letter-spacing: 0.01em; }\n",
                   encoding="utf-8")
    after = keys(book, styles=styles)
    assert all(before[i] != after[i] for i in before)


def test_a_font_invalidates_every_sheet(book, tmp_path, monkeypatch):
    before = keys(book)
    other = tmp_path / "SourceSansPro-Regular.ttf"
    other.write_bytes(fonts.font_file("SourceSansPro-Regular.ttf").read_bytes() + b"\0")
    real = fonts.font_file
    monkeypatch.setattr(fit, "font_file", lambda name: other if name == other.name else real(name))
    after = keys(book)
    assert all(before[i] != after[i] for i in before)


def test_the_cache_is_used_never_stale_and_safe_to_delete(book, tmp_path):
    cache = tmp_path / "cache"
    build_book(book, tmp_path / "one", formats=("pdf",), cache=cache)
    entries = sorted(p.name for p in (cache / "fit").iterdir())
    assert len(entries) == 3
    facts: dict = {}
    from nrbook.pipeline import build
    build(BuildOptions(source=book, out=tmp_path / "two", formats=("pdf",), cache=cache), facts=facts)
    assert facts["sheets_measured"] == 0, "a warm build measures nothing"
    assert (tmp_path / "one" / "mini.pdf").read_bytes() == (tmp_path / "two" / "mini.pdf").read_bytes()

    (book / "alpha" / "long.md").write_text(long_sheet(720, "FIN"), encoding="utf-8")
    build_book(book, tmp_path / "three", formats=("pdf",), cache=cache)
    report = json.loads((tmp_path / "three" / "fit-report.json").read_text(encoding="utf-8"))
    assert next(s for s in report["sheets"] if s["id"] == "a.3")["level"] > 0, "the new sheet is fitted"

    shutil.rmtree(cache)
    build_book(book, tmp_path / "four", formats=("pdf",), cache=cache)
    assert (tmp_path / "three" / "mini.pdf").read_bytes() == (tmp_path / "four" / "mini.pdf").read_bytes()
