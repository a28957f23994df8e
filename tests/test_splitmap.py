"""The skeleton's page map from pieces laid out side by side: the whole's, or the whole laid out."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINI, copy_book

from nrbook import splitmap
from nrbook.context import BuildContext, BuildOptions, build_date
from nrbook.diagnostics import Diagnostics
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


def test_a_page_number_in_a_chapter_keeps_the_skeleton_whole(tmp_path):
    context = context_for(MINI, tmp_path / "dist")  # its preface refers to a.10 by page
    html = skeleton_html(context, {})
    assert splitmap.split_skeleton(context, html, 2) is None
    layout = splitmap.page_map_layout(context, html, 2)
    with Pool(context, 2) as pool:
        assert layout.run(pool) == render_skeleton(context, html)[1]


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
