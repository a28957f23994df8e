"""The PDF is accessible: tagged, in French, titled, navigable, figures described."""

from __future__ import annotations

import json
import subprocess
import sys

import pikepdf
import pytest


def struct_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append(node)
            if "/K" in node:
                walk(node.K)
    walk(pdf.Root.StructTreeRoot.K)
    return found


@pytest.fixture(scope="module")
def tagged(content_build):
    with pikepdf.open(content_build["pdf"]) as pdf:
        yield pdf


def test_tagged_french_and_titled(tagged):
    assert tagged.Root.MarkInfo.Marked is True
    assert str(tagged.Root.Lang) == "fr"
    assert tagged.Root.ViewerPreferences.DisplayDocTitle is True
    assert str(tagged.docinfo["/Title"]).startswith("Guide de bonnes pratiques")
    metadata = tagged.open_metadata()
    assert metadata.get("pdfuaid:part") == "1"


def test_reading_order_follows_the_book(tagged):
    kinds = [str(e.S) for e in struct_elements(tagged)]
    assert kinds.count("/H1") == 1 and kinds.index("/H1") < kinds.index("/H2")
    # every sheet is an article, in the structure tree in the book's order, after the front matter
    assert kinds.count("/Art") >= 45
    assert kinds.index("/H2") < kinds.index("/Art")


def test_every_figure_has_alternative_text(tagged):
    figures = [e for e in struct_elements(tagged) if str(e.S) == "/Figure"]
    assert figures
    for figure in figures:
        assert "/Alt" in figure and str(figure.Alt).strip()


def test_table_headers_have_a_scope(tagged):
    headers = [e for e in struct_elements(tagged) if str(e.S) == "/TH"]
    assert headers
    assert all(str(h.A.Scope) in ("/Column", "/Row") for h in headers)


def test_links_are_annotated_with_their_words(tagged):
    contents = [str(a.Contents) for page in tagged.pages for a in page.get("/Annots", [])
                if a.Subtype == "/Link"]
    assert len(contents) > 100
    assert "Synthèse" in contents
    assert any(c.startswith("a.") and len(c) <= 5 for c in contents), "cross-references read as 'a.3'"
    assert not [c for c in contents if c.startswith("theme-") or c.endswith("--fn-1")]


def test_bookmarks_cover_chapters_themes_and_sheets(tagged):
    with tagged.open_outline() as outline:
        top = [item.title for item in outline.root]
        sheets = [child.title for item in outline.root for child in item.children]
    assert "Table des matières" in top and "Synthèse" in top and "Glossaire" in top
    assert sum(1 for t in top if t in ("Stratégie et gouvernance", "Fin d'usage")) == 2
    assert len(sheets) >= 45


def test_pdfua_checker_finds_nothing(content_build):
    result = subprocess.run([sys.executable, "-m", "pdfua", "check", "--format", "json",
                             str(content_build["pdf"])], capture_output=True, text=True)
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] == 0 and report["summary"]["warnings"] == 0, report["findings"]
    assert report["summary"]["rules_run"] >= 10
