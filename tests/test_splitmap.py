"""The skeleton's page map from pieces laid out side by side: the whole's, or the whole laid out."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINI, ROOT, copy_book

from nrbook import figures, splitmap
from nrbook.context import BuildContext, BuildOptions, build_date
from nrbook.diagnostics import Diagnostics
from nrbook.figures import figures_fixed_width
from nrbook.fonts import font_file
from nrbook.output import OutputStage
from nrbook.parts import render_skeleton, skeleton_html
from nrbook.pipeline import prepare
from nrbook.pool import Pool


def context_for(source: Path, out: Path) -> BuildContext:
    options = BuildOptions(source=source, out=out, cache=None)
    diagnostics = Diagnostics()
    config, book, rendered = prepare(options, diagnostics)
    return BuildContext(options, config, book, rendered, diagnostics, build_date(book.info.date),
                        OutputStage(out))


def without_cross_references(tmp_path: Path) -> Path:
    """The mini book, its preface's cross-reference ("p. N" in a chapter) written as words."""
    preface = (MINI / "preface.md").read_text(encoding="utf-8").replace("(voir [[a.10]])", "(voir a.10)")
    assert "[[" not in preface
    return copy_book(MINI, tmp_path / "book", {"preface.md": preface})


def page_map_in_pieces(context: BuildContext, html: str):
    with Pool(context, 2) as pool:
        layout = splitmap.page_map_layout(context, html, pool.size)
        assert layout.pieces is not None and len(layout.pieces.main) == 2
        layout.run(pool)
    assert not layout.jobs
    return layout


@pytest.mark.parametrize("front_guess", [None, 9], ids=["guessed", "guessed-wrong"])
def test_the_pieces_give_the_page_map_of_the_whole_skeleton(tmp_path, monkeypatch, front_guess):
    if front_guess is not None:  # the contents laid out again with the page numbers it gives
        monkeypatch.setattr(splitmap, "_FRONT_PAGES", front_guess)
    context = context_for(without_cross_references(tmp_path), tmp_path / "dist")
    html = skeleton_html(context, {"a.10": 2})  # a stub of two pages too
    whole = render_skeleton(context, html)[1]
    layout = page_map_in_pieces(context, html)
    assert layout.page_map == whole
    assert whole.sheet_pages["a.10"] == (whole.sheet_pages["a.10"][0], whole.sheet_pages["a.10"][0] + 1)
    assert any(whole.strings.values()), "running heads carried from one piece to the next"
    assert layout.front_guess == whole.anchors["contenu"] - 1
    assert layout.front_attempts == (1 if front_guess is None else 2)


def test_a_contents_whose_length_never_settles_is_laid_out_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(splitmap, "_FRONT_ATTEMPTS", 0)  # as if numbers and length never agreed
    monkeypatch.setattr(splitmap, "_FRONT_PAGES", 9)
    context = context_for(without_cross_references(tmp_path), tmp_path / "dist")
    html = skeleton_html(context, {})
    with Pool(context, 2) as pool:
        layout = splitmap.page_map_layout(context, html, pool.size)
        assert layout.run(pool) == render_skeleton(context, html)[1]
    assert layout.front_attempts == 1


@pytest.mark.parametrize("estimate, attempts", [
    (None, 1),  # the estimate the pieces make
    ("other", 1),  # another page with as many digits: the same widths, the same lines
    (100, 2),  # one digit more: laid out again with the page found
], ids=["estimated", "same-digits", "more-digits"])
def test_a_page_number_in_a_chapter_is_laid_out_with_an_estimate_of_as_many_digits(
        tmp_path, monkeypatch, estimate, attempts):
    context = context_for(MINI, tmp_path / "dist")  # its preface refers to a.10 by page
    html = skeleton_html(context, {})
    whole = render_skeleton(context, html)[1]
    target = whole.anchors["a-10"]
    assert 1 < target < 9, "the mini book's a.10 is on a page of one digit"
    if estimate is not None:
        pinned = target + 1 if estimate == "other" else estimate
        monkeypatch.setattr(splitmap, "_estimated_pages", lambda main, front: {"a-10": pinned})
    layout = page_map_in_pieces(context, html)
    assert layout.page_map == whole and not layout.whole
    assert layout.main_attempts == attempts
    assert layout.pinned == ({"a-10": target} if attempts > 1 else layout.pieces.estimates)


def test_pages_whose_digits_never_settle_are_laid_out_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(splitmap, "_MAIN_ATTEMPTS", 1)
    monkeypatch.setattr(splitmap, "_estimated_pages", lambda main, front: {"a-10": 100})
    context = context_for(MINI, tmp_path / "dist")
    html = skeleton_html(context, {})
    with Pool(context, 2) as pool:
        layout = splitmap.page_map_layout(context, html, pool.size)
        assert layout.run(pool) == render_skeleton(context, html)[1]
    assert layout.main_attempts == 1 and layout.whole


@pytest.mark.parametrize("css", [
    "p { font-variant-numeric: proportional-nums; }",
    "p { font-feature-settings: 'pnum'; }",
    "p { font: 10pt serif; }",
    "html { font-family: serif; }",  # figures from the machine's fonts
])
def test_figures_that_may_differ_in_width_keep_a_skeleton_with_page_numbers_whole(tmp_path, css):
    context = context_for(MINI, tmp_path / "dist")
    html = skeleton_html(context, {})
    assert splitmap.split_skeleton(context, html, 2) is not None
    assert not figures_fixed_width(context.stylesheet("sheets") + "\n" + css)
    context._stylesheets["sheets"] = context.stylesheet("sheets") + "\n" + css
    assert splitmap.split_skeleton(context, html, 2) is None
    without = context_for(without_cross_references(tmp_path), tmp_path / "dist2")
    without._stylesheets["sheets"] = without.stylesheet("sheets") + "\n" + css
    assert splitmap.split_skeleton(without, skeleton_html(without, {}), 2) is not None


def test_source_sans_pro_sets_every_figure_alike():
    assert figures_fixed_width((ROOT / "styles" / "print.css").read_text(encoding="utf-8"))


@pytest.mark.parametrize("change", ["narrower one", "no figures"])
def test_a_face_whose_figures_differ_or_lack_is_refused(tmp_path, change):
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(font_file("SourceSansPro-Regular.ttf")))
    if change == "narrower one":
        advance, bearing = font["hmtx"]["one"]
        font["hmtx"]["one"] = (advance - 60, bearing)  # as proportional figures are
    else:
        subsetter = subset.Subsetter()
        subsetter.populate(text="abcdefghijklmnopqrstuvwxyz ")
        subsetter.subset(font)
    path = tmp_path / "face.ttf"
    font.save(str(path))
    assert not figures.figures_alike(path)


def test_one_worker_keeps_the_skeleton_whole(tmp_path):
    context = context_for(without_cross_references(tmp_path), tmp_path / "dist")
    assert splitmap.split_skeleton(context, skeleton_html(context, {}), 1) is None


@pytest.mark.parametrize("css, alike", [
    ("", True),
    ("@page :left { margin-left: 30mm; }", False),
    ("@page chapter:first { margin-top: 60mm; }", False),
    (".chapter { break-before: recto; }", False),
    ("figure { counter-increment: figure; }", False),
    (".see::after { content: target-counter(attr(href url), page); }", False),
    ("/* .see::after { content: target-counter(attr(href), page); } */", True),
])
def test_styles_that_make_a_page_depend_on_its_place_keep_the_skeleton_whole(tmp_path, css, alike):
    context = context_for(without_cross_references(tmp_path), tmp_path / "dist")
    assert splitmap._pieces_lay_out_alike(context.stylesheet("print") + "\n" + css) is alike


def test_the_project_content_in_pieces_gives_the_page_map_of_its_whole_skeleton(tmp_path):
    # Its themes refer to their sheets by page ("p. N"), each of two digits.
    context = context_for(ROOT / "content", tmp_path / "dist")
    html = skeleton_html(context, {})
    with Pool(context, 2) as pool:
        layout = splitmap.page_map_layout(context, html, pool.size)
        assert layout.pieces is not None and layout.pieces.estimates
        page_map = layout.run(pool)
    assert not layout.whole
    assert page_map == render_skeleton(context, html)[1]
