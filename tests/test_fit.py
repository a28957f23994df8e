"""Every sheet on exactly one page: fitting measured, chosen, reported and verified."""

from __future__ import annotations

import json

import pytest
from conftest import MINI, build_book, copy_book, run_nrbook
from pdfread import PdfBook

from nrbook.diagnostics import BuildFailed

WORDS = ("Les équipements numériques concentrent l'essentiel de l'empreinte environnementale "
         "du secteur, surtout au moment de leur fabrication, ce qui justifie de prolonger leur "
         "usage, de réparer, de réemployer et de mutualiser avant d'acheter du neuf. ").split()


def long_sheet(words: int, last: str) -> str:
    body = []
    for index in range(words):
        body.append(WORDS[index % len(WORDS)])
        if index % 70 == 69:
            body.append("\n\n")
    return ("---\nid: a.3\ntitle: Une fiche très longue\npriority: Recommandée\ndifficulty: Moyenne\n"
            "pilots:\n  - Direction\nindicators:\n  - \"Un indicateur\"\n  - \"Un autre\"\n---\n\n"
            + " ".join(body) + f" {last}\n")


def sheet_pages(pdf: PdfBook, sheet_id: str, title: str) -> list[int]:
    return [i + 1 for i, text in enumerate(pdf.pages) if title in text and sheet_id in text]


def test_long_sheet_is_tightened_until_it_fits(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(720, "MOTFINALDELAFICHE")})
    written, diagnostics = build_book(source, tmp_path / "dist", formats=("pdf",))
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    report = json.loads((tmp_path / "dist" / "fit-report.json").read_text(encoding="utf-8"))
    fit = next(s for s in report["sheets"] if s["id"] == "a.3")
    assert fit["natural_height"] > 1.0 and fit["fits"] and fit["level"] > 0
    assert fit["height"] <= 1.0
    assert 8.5 <= fit["body_pt"] < 9.5 or fit["level"] <= 2
    pdf = PdfBook(next(p for p in written if p.suffix == ".pdf"))
    toc = pdf.toc_entries()
    page = pdf.pages[toc["a.3"] - 1]
    assert "MOTFINALDELAFICHE" in page, "the last words of the sheet are on its own page"
    assert "MOTFINALDELAFICHE" not in pdf.pages[toc["a.3"]]
    # the table of contents stays right after fitting
    assert toc["a.10"] == toc["a.3"] + 1


def test_untouched_sheets_keep_their_natural_setting(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(720, "FIN")})
    build_book(source, tmp_path / "dist", formats=("pdf",))
    report = json.loads((tmp_path / "dist" / "fit-report.json").read_text(encoding="utf-8"))
    others = [s for s in report["sheets"] if s["id"] != "a.3"]
    assert others and all(s["level"] == 0 and s["body_pt"] == 9.5 for s in others)
    assert report["floor"] == {"level": 6, "body_pt": 8.5, "side_pt": 7.5}


def test_sheet_too_long_for_the_floor_is_a_warning_or_with_strict_an_error(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(1500, "FIN")})
    written, diagnostics = build_book(source, tmp_path / "dist", formats=("pdf",))
    messages = [p.format(relative_to=source) for p in diagnostics.warnings]
    assert len(messages) == 1
    assert messages[0].startswith("alpha/long.md:1: warning: sheet a.3 does not fit one page even "
                                  "at the floor (body 8.5 pt): it overflows by ")
    with pytest.raises(BuildFailed):
        build_book(source, tmp_path / "strict", formats=("pdf",), strict=True)
    assert not (tmp_path / "strict").exists() or not any((tmp_path / "strict").iterdir())


def test_fitting_is_deterministic(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(720, "FIN")})
    build_book(source, tmp_path / "one", formats=("pdf",))
    build_book(source, tmp_path / "two", formats=("pdf",))
    assert (tmp_path / "one" / "fit-report.json").read_bytes() == (tmp_path / "two" / "fit-report.json").read_bytes()


def test_verbose_build_reports_each_sheet_setting(tmp_path):
    result = run_nrbook("build", "--source", str(MINI), "--out", str(tmp_path), "--format", "pdf", "-v")
    assert result.returncode == 0, result.stderr
    assert "sheet a.10: natural layout, body 9.5 pt, side 8.3 pt" in result.stderr


def test_every_content_sheet_is_one_page(content_build):
    diagnostics = content_build["diagnostics"]
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    pdf = PdfBook(content_build["pdf"])
    report = json.loads((content_build["pdf"].parent / "fit-report.json").read_text(encoding="utf-8"))
    assert len(report["sheets"]) >= 45
    assert all(s["fits"] for s in report["sheets"])
    toc = pdf.toc_entries()
    assert len(toc) == len(report["sheets"])
    starts = sorted(toc.values())
    # one page each: consecutive sheets of a theme are on consecutive pages
    for sheet in report["sheets"]:
        page = toc[sheet["id"]]
        assert sheet["id"] in pdf.pages[page - 1]
    assert len(set(starts)) == len(starts)


def test_a_sheet_the_estimate_misjudges_is_caught_on_its_page(tmp_path, monkeypatch):
    from nrbook import fit
    monkeypatch.setattr(fit, "MEASURE_ABOVE", 100.0)  # measure nothing beforehand
    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(720, "MOTFINAL")})
    written, diagnostics = build_book(source, tmp_path / "dist", formats=("pdf",))
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    report = json.loads((tmp_path / "dist" / "fit-report.json").read_text(encoding="utf-8"))
    fits = {s["id"]: s for s in report["sheets"]}
    assert fits["a.3"]["level"] > 0 and fits["a.3"]["measured_on"] == "galley"
    assert fits["a.2"]["measured_on"] == "page" and fits["a.2"]["height"] < 1
    pdf = PdfBook(next(p for p in written if p.suffix == ".pdf"))
    toc = pdf.toc_entries()
    assert "MOTFINAL" in pdf.pages[toc["a.3"] - 1] and toc["a.10"] == toc["a.3"] + 1


def fit_of(tmp_path, name: str, words: int) -> tuple[dict, PdfBook]:
    source = copy_book(MINI, tmp_path / f"book-{name}", {"alpha/long.md": long_sheet(words, "DERNIERMOT")})
    written, diagnostics = build_book(source, tmp_path / name, formats=("pdf",))
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    report = json.loads((tmp_path / name / "fit-report.json").read_text(encoding="utf-8"))
    return next(s for s in report["sheets"] if s["id"] == "a.3"), PdfBook(next(p for p in written if p.suffix == ".pdf"))


def test_a_step_proved_on_its_page_is_the_step_the_galley_finds(tmp_path, monkeypatch):
    from nrbook import fit
    proved, pdf = fit_of(tmp_path, "page", 640)
    assert proved["measured_on"] == "page" and proved["level"] > 1, "this sheet's step is left to its page"
    monkeypatch.setattr(fit, "PROVED_ON_PAGE_BELOW", 0.0)  # every step measured in the galley
    measured, galley_pdf = fit_of(tmp_path, "galley", 640)
    assert measured["measured_on"] == "galley"
    assert (proved["level"], proved["body_pt"], proved["height"]) == (
        measured["level"], measured["body_pt"], measured["height"])
    assert pdf.pages == galley_pdf.pages


def test_a_step_its_page_disproves_is_measured_and_the_run_laid_out_again(tmp_path, monkeypatch):
    from nrbook import fit
    measured, galley_pdf = fit_of(tmp_path, "galley", 640)
    # A prediction far too hopeful: the first step, which the page shows running over.
    monkeypatch.setattr(fit, "STEP_SHRINK", (1.0, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25))
    corrected, pdf = fit_of(tmp_path, "hopeful", 640)
    assert corrected["measured_on"] == "galley" and corrected["level"] == measured["level"] > 1
    assert pdf.pages == galley_pdf.pages
    toc = pdf.toc_entries()
    assert "DERNIERMOT" in pdf.pages[toc["a.3"] - 1] and toc["a.10"] == toc["a.3"] + 1
