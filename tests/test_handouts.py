"""Handouts for trainers: selections, one PDF per sheet, two-sided printing, eco profile."""

from __future__ import annotations

import pikepdf
import pytest
from conftest import CONTENT, MINI, run_nrbook
from pdfread import PdfBook


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    def make(*args: str):
        out = tmp_path_factory.mktemp("handouts")
        result = run_nrbook("sheets", "--source", str(MINI), "--out", str(out), *args)
        return result, out
    return make


def sheets_in(pdf_path) -> list[str]:
    pdf = PdfBook(pdf_path)
    found = []
    for text in pdf.pages:
        ids = [i for i in ("a.2", "a.10", "b.1") if f"{i} " in text.split("\n", 8)[-1][:600]
               or f"{i}\n" in text]
        found.append(ids[0] if len(ids) == 1 else "?" if ids else "")
    return found


@pytest.mark.parametrize("args, expected", [
    (("--ids", "b.1,a.2"), ["b.1", "a.2"]),
    (("--theme", "a"), ["a.2", "a.10"]),
    (("--theme", "Second thème"), ["b.1"]),
    (("--priority", "Recommandée"), ["a.10"]),
    (("--difficulty", "facile"), ["a.2"]),
    (("--pilot", "direction des ACHATS"), ["a.10"]),
    (("--theme", "a", "--difficulty", "Difficile"), ["a.10"]),
])
def test_each_filter_selects_exactly_the_right_sheets(handouts, args, expected):
    result, out = handouts(*args)
    assert result.returncode == 0, result.stderr
    pdf = PdfBook(out / "mini-fiches.pdf")
    assert len(pdf.pages) == len(expected)
    for text, sheet_id in zip(pdf.pages, expected):
        assert sheet_id in text
    assert f"selected {len(expected)} sheet" in result.stderr


def test_pages_are_the_books_pages(handouts, mini_build):
    result, out = handouts("--ids", "a.10")
    book = PdfBook(mini_build["pdf"])
    page = PdfBook(out / "mini-fiches.pdf").pages[0]
    toc = book.toc_entries()
    assert page == book.pages[toc["a.10"] - 1]


def test_split_writes_one_single_page_pdf_per_sheet(handouts):
    result, out = handouts("--theme", "a", "--split")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.10.pdf", "a.2.pdf", "mini-fiches.pdf"]
    for name, sheet_id in (("a.2.pdf", "a.2"), ("a.10.pdf", "a.10")):
        pdf = PdfBook(out / name)
        assert len(pdf.pages) == 1 and sheet_id in pdf.pages[0]


def test_duplex_adds_a_blank_verso_after_each_sheet(handouts):
    result, out = handouts("--ids", "a.2,a.10,b.1", "--duplex")
    assert result.returncode == 0, result.stderr
    pdf = PdfBook(out / "mini-fiches.pdf")
    assert len(pdf.pages) == 6
    assert [bool(t.strip()) for t in pdf.pages] == [True, False, True, False, True, False]


@pytest.mark.parametrize("args, message", [
    (("--ids", "a.2,z.9"), "--ids: no sheet z.9 in the book"),
    (("--pilot", "Cuisine"), "--pilot 'Cuisine' matches no sheet"),
    (("--theme", "q"), "--theme: no theme 'q'"),
    (("--priority", "Urgente"), "--priority: 'Urgente' is not one of"),
    (("--theme", "b", "--priority", "Prioritaire"), "no sheet matches all the filters together"),
])
def test_empty_selection_says_which_filter_matched_nothing(handouts, args, message):
    result, out = handouts(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not any(out.iterdir())


def filled_colours(pdf_path) -> list[tuple[float, ...]]:
    """Colours of every filled rectangle drawn on the pages (backgrounds, boxes).

    Figures (marked /Figure in the tagged PDF) are the author's content and keep their colours.
    """
    colours = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            colour: tuple[float, ...] = (0.0,)
            pending_rect = False
            marked: list[str] = []
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name in ("BDC", "BMC"):
                    marked.append(str(operands[0]))
                elif name == "EMC" and marked:
                    marked.pop()
                if "/Figure" in marked:
                    continue
                if name in ("rg", "g", "sc", "scn", "k"):
                    colour = tuple(float(x) for x in operands if not isinstance(x, pikepdf.Name))
                elif name == "re":
                    pending_rect = True
                elif name in ("f", "F", "f*", "B", "B*") and pending_rect:
                    colours.append(colour)
                    pending_rect = False
                elif name in ("S", "n", "s"):
                    pending_rect = False
    return colours


def is_tint(colour: tuple[float, ...]) -> bool:
    """Neither ink (near black: rules and borders) nor paper (white)."""
    return bool(colour) and max(colour) > 0.2 and min(colour) < 0.95


def test_eco_profile_draws_no_tinted_fills(tmp_path, mini_build):
    result = run_nrbook("build", "--source", str(MINI), "--out", str(tmp_path), "--format", "pdf",
                        "--profile", "eco")
    assert result.returncode == 0, result.stderr
    eco = filled_colours(tmp_path / "mini-eco.pdf")
    normal = filled_colours(mini_build["pdf"])
    assert any(is_tint(c) for c in normal), "the normal profile has tinted boxes (test is meaningful)"
    assert not [c for c in eco if is_tint(c)], eco


def test_a_handouts_headings_start_at_h1_and_skip_no_level(handouts):
    """PDF/UA-1 7.4.2-1 (pdfconform.nest_headings): the sheets' H3 become the handout's H1."""
    result, out = handouts("--ids", "b.1,a.2")
    assert result.returncode == 0, result.stderr
    levels = []
    with pikepdf.open(out / "mini-fiches.pdf") as pdf:
        pending = list(reversed(list(pdf.Root.StructTreeRoot.K)))
        while pending:
            element = pending.pop()
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                if str(element.S) in {f"/H{n}" for n in range(1, 7)}:
                    levels.append(int(str(element.S)[2]))
                kids = element.get("/K")
                if isinstance(kids, pikepdf.Array):
                    pending.extend(reversed(list(kids)))
    assert levels[0] == 1 and levels.count(1) == 2, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_sheets_measured_for_the_page_map_keep_their_settings_without_a_cache(tmp_path, content_build):
    # With no cache, the sheets that may not fit are measured beside the skeleton's page map
    # (here h.4 and b.5); the handouts must lay them out with those settings, as the book does.
    ids = ["h.4", "a.1", "b.5"]
    result = run_nrbook("sheets", "--source", str(CONTENT), "--out", str(tmp_path),
                        "--ids", ",".join(ids), "--no-cache")
    assert result.returncode == 0, result.stderr
    book = PdfBook(content_build["pdf"])
    pages = PdfBook(next(tmp_path.glob("*-fiches.pdf"))).pages
    toc = book.toc_entries()
    assert pages == [book.pages[toc[sheet_id] - 1] for sheet_id in ids]
