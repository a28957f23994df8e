"""The HTML book, parsed: structure, anchors, fields, self-containment."""

from __future__ import annotations

import re

from lxml import html as lxml_html


def parse(path):
    return lxml_html.fromstring(path.read_bytes())


def test_document_is_french_self_contained_and_without_script(mini_build):
    root = parse(mini_build["html"])
    assert root.get("lang") == "fr"
    assert not root.xpath("//script"), "no JavaScript in the HTML book"
    assert not root.xpath("//link[@rel='stylesheet']"), "CSS is inlined"
    assert root.xpath("//style") and "sheet" in root.xpath("string(//style)")
    # images are embedded, nothing is fetched from elsewhere
    for image in root.xpath("//img"):
        assert image.get("src").startswith("data:image/")
    assert root.xpath("//meta[@name='viewport']")


def test_semantic_structure_and_heading_order(mini_build):
    root = parse(mini_build["html"])
    for tag in ("header", "nav", "main", "section", "article", "aside"):
        assert root.xpath(f"//{tag}"), tag
    assert len(root.xpath("//h1")) == 1
    levels = [int(h.tag[1]) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"


def test_toc_links_every_sheet_to_its_stable_anchor(mini_build):
    root = parse(mini_build["html"])
    ids = set(root.xpath("//@id"))
    toc = root.xpath("//nav[@role='doc-toc']")[0]
    hrefs = [a.get("href") for a in toc.iter("a")]
    assert {"#a-2", "#a-10", "#b-1", "#theme-a", "#theme-b", "#preface", "#lexique"} <= set(hrefs)
    for href in hrefs:
        assert href[1:] in ids, f"TOC link {href} has no target"
    texts = [re.sub(r"\s+", " ", a.text_content()).strip() for a in toc.iter("a")]
    assert "a.10 Dixième pratique du thème" in texts


def test_ids_are_unique(mini_build):
    root = parse(mini_build["html"])
    ids = root.xpath("//@id")
    assert len(ids) == len(set(ids))


def test_each_sheet_shows_its_fields(mini_build):
    root = parse(mini_build["html"])
    sheet = root.get_element_by_id("a-2")
    assert sheet.tag == "article"
    facts = {dt.text_content().strip(): dt.getnext().text_content() for dt in sheet.iter("dt")}
    assert "Prioritaire" in facts["Priorité"]
    assert "Facile" in facts["Difficulté de mise en œuvre"]
    assert "Direction générale" in facts["Exemple de pilote"]
    assert "Part des agents formés (en %)" in facts["Exemples d’indicateurs de pilotage"]
    more = sheet.xpath(".//section[contains(@class, 'sheet-more')]")[0]
    assert more.xpath(".//a/@href") == ["https://exemple.test/reference"]
    assert sheet.xpath(".//section[contains(@class, 'sheet-feedback')]")


def test_chapter_headings_are_shifted_below_the_chapter_title(mini_build):
    root = parse(mini_build["html"])
    chapter = root.get_element_by_id("preface")
    assert chapter.xpath("./h2")[0].text_content() == "Préface"
    assert [h.text_content() for h in chapter.xpath(".//h3")] == ["Une section"]


def test_markdown_extensions_render(mini_build):
    root = parse(mini_build["html"])
    assert root.xpath("//table//th[text()='Colonne']"), "tables"
    assert root.xpath("//dl/dt[text()='Fiche']"), "definition lists"
    assert root.xpath("//*[contains(@class, 'footnote')]"), "footnotes"
    figure = root.xpath("//figure")[0]
    assert figure.xpath("./figcaption/text()") == ["Un schéma de test"]
    assert figure.xpath("./img/@alt") == ["Un schéma simple"]


def test_cross_references_link_to_sheets(mini_build):
    root = parse(mini_build["html"])
    links = root.xpath("//a[contains(@class, 'xref')]")
    assert {(a.get("href"), a.text) for a in links} >= {("#a-10", "a.10"), ("#b-1", "b.1"), ("#a-2", "a.2")}
