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


def parent_tree(pdf: pikepdf.Pdf) -> dict[int, object]:
    numbers = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
    return dict(zip((int(k) for k in numbers[::2]), numbers[1::2]))


def test_every_link_annotation_is_in_a_link_element(tagged):
    """PDF/UA-1 7.18.5-1 (pdftags.nest_link_annotations)."""
    tree = parent_tree(tagged)
    parents = [tree[int(a.StructParent)] for page in tagged.pages for a in page.get("/Annots", [])
               if a.Subtype == "/Link"]
    assert len(parents) > 100 and {str(p.S) for p in parents} == {"/Link"}
    for page in tagged.pages:
        for annotation in page.get("/Annots", []):
            element = tree[int(annotation.StructParent)]
            assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Obj") is not None
                       and k.Obj.objgen == annotation.objgen for k in element.K)


def test_lists_hold_items_and_items_hold_label_and_body(tagged):
    """PDF/UA-1 7.2-19 and 7.2-20 (the matrix's layout, pdftags.wrap_list_bodies)."""
    elements = struct_elements(tagged)
    kinds = lambda e: [str(k.S) for k in (e.K if isinstance(e.K, pikepdf.Array) else [e.K])  # noqa: E731
                       if isinstance(k, pikepdf.Dictionary) and "/S" in k]
    items = [e for e in elements if str(e.S) == "/LI"]
    assert len(items) > 200
    assert not [kinds(e) for e in items if set(kinds(e)) - {"/Lbl", "/LBody"}]
    lists = [e for e in elements if str(e.S) == "/L"]
    assert not [kinds(e) for e in lists if set(kinds(e)) - {"/L", "/LI", "/Caption", "/Div"}]


def test_running_heads_and_folios_are_pagination_artifacts(tagged):
    """Matterhorn 18-001 (pdftags.margins_as_artifacts): no element outside the tree."""
    document = tagged.Root.StructTreeRoot.K[0]
    kept = {e.objgen for e in document.K}
    hanging = [obj for obj in tagged.objects if isinstance(obj, pikepdf.Dictionary)
               and obj.get("/Type") == "/StructElem" and obj.get("/P") is not None
               and obj.P.objgen == document.objgen and obj.objgen not in kept]
    assert not hanging
    page = tagged.pages[10]
    operators = [(str(op), operands) for operands, op in pikepdf.parse_content_stream(page)
                 if str(op) == "BDC"]
    pagination = [operands for _, operands in operators if operands[0] == "/Artifact"
                  and operands[1].get("/Type") == "/Pagination"]
    assert len(pagination) >= 2, "the running head and the folio"
    assert any(m is None for m in parent_tree(tagged)[10]), "their MCIDs left the parent tree"
