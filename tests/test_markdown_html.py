"""Markdown as the publishers write it: design-system HTML, raw headings, templates, links."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from nrbook import dsfr, templating
from nrbook.context import LAYOUTS_DIR
from nrbook.diagnostics import Diagnostics
from nrbook.model import Book, BookInfo, Chapter, Sheet, Source, Theme
from nrbook.render import MarkdownRenderer

BOOK_URL = "https://exemple.test/guide/"


def render(tmp_path: Path, text: str, strict: bool = False) -> tuple[lxml_html.HtmlElement, Diagnostics]:
    """Render one chapter's Markdown as the book does; return it parsed, and the problems."""
    path = tmp_path / "chapitre.md"
    path.write_text(text, encoding="utf-8")
    sheet_path = tmp_path / "theme" / "une-fiche.md"
    sheet_path.parent.mkdir(exist_ok=True)
    sheet = Sheet(id="a.1", title="Une fiche", priority="Prioritaire", difficulty="Facile", pilots=(),
                  indicators=(), body=Source(sheet_path, ""), theme_id="a")
    book = Book(
        info=BookInfo(name="essai", title="Essai", url=BOOK_URL),
        root=tmp_path,
        front=(Chapter("index", "Accueil", Source(tmp_path / "index.md", "")),
               Chapter("chapitre", "Chapitre", Source(path, text))),
        themes=(Theme(id="a", title="Thème", order=1, intro=Source(sheet_path.parent / "index.md", ""),
                      sheets=(sheet,), slug="theme"),),
        asset_root=tmp_path / "site",
        base_url="https://exemple.test/",
    )
    diagnostics = Diagnostics(strict=strict)
    markup = MarkdownRenderer(book, diagnostics, LAYOUTS_DIR).render(Source(path, text), 3, "chap")
    return lxml_html.fragment_fromstring(str(markup), create_parent="div"), diagnostics


def classes(root: lxml_html.HtmlElement) -> set[str]:
    return {c for e in root.iter() if isinstance(e.tag, str) for c in (e.get("class") or "").split()}


def test_highlight_becomes_the_books_box_with_its_markdown_read(tmp_path):
    root, diagnostics = render(tmp_path, '<div class="fr-highlight">\n\n**Un point clé.**\n\n</div>\n')
    box = root.xpath("./div")[0]
    assert box.get("class") == "highlight"
    assert box.xpath("./p/strong/text()") == ["Un point clé."]
    assert not diagnostics.problems


def test_table_wrapper_gives_way_to_the_table_it_holds(tmp_path):
    text = '<div class="fr-table fr-table--bordered">\n\n|A|B|\n|---|---|\n|1|2|\n\n</div>\n'
    root, _ = render(tmp_path, text)
    assert [e.tag for e in root] == ["table"]
    assert root.xpath("//td/text()") == ["1", "2"]


def test_hand_written_summary_is_dropped_and_raw_heading_ids_join_the_outline(tmp_path):
    text = """<nav class="fr-summary" role="navigation" aria-labelledby="fr-summary-title">
    <div class="fr-summary__title" id="fr-summary-title">Sommaire</div>
    <ol class="fr-summary__list">
        <li>
            <a class="fr-summary__link" href="#premiere-partie">Première partie</a>
        </li>
    </ol>
</nav>

<h2 id="premiere-partie">Première partie</h2>

Texte. Retour à [la première partie](#premiere-partie).
"""
    root, diagnostics = render(tmp_path, text)
    assert not root.xpath("//nav") and not root.xpath("//pre"), "no summary, not even as code"
    assert "Sommaire" not in root.text_content()
    headings = root.xpath("//h3")
    assert [h.text_content() for h in headings] == ["Première partie"], "shifted under the chapter, once"
    assert headings[0].get("id") == "chap--premiere-partie"
    assert root.xpath("//p/a/@href") == ["#chap--premiere-partie"]
    assert not diagnostics.problems


def test_layout_grid_and_callout_buttons_read_as_plain_book_html(tmp_path):
    text = """<div class="fr-grid-row fr-grid-row--gutters">
  <div class="fr-col-12 fr-col-md-7">

Colonne de texte.

  </div>
</div>

<div class="fr-callout fr-py-3w">
<h2 class="fr-callout__title">Aller plus loin</h2>
<p class="fr-callout__text">
<a class="fr-btn maison" href="https://exemple.test/a">Un bouton</a>
</p>
</div>

<div class="fr-col-12" id="gardee">Gardée pour son id.</div>
"""
    root, _ = render(tmp_path, text)
    assert not [c for c in classes(root) if c.startswith("fr-")]
    assert root.xpath("./p/text()")[0] == "Colonne de texte.", "grid wrappers unwrapped"
    callout = root.xpath("./div[@class='highlight']")[0]
    assert callout.xpath("./h3/text()") == ["Aller plus loin"]
    assert callout.xpath(".//a/@class") == ["maison"], "the source's own classes stay"
    kept = root.xpath("./div[@id='chap--gardee']")
    assert [d.text_content().strip() for d in kept] == ["Gardée pour son id."]


@pytest.mark.parametrize(("name", "fit"), [
    ("fr-highlight", "highlight"),
    ("fr-callout", "highlight"),
    ("fr-summary", dsfr.Fit.DROP),
    ("fr-table--bordered", dsfr.Fit.UNWRAP),
    ("fr-col-md-7", dsfr.Fit.UNWRAP),
    ("fr-grid-row--gutters", dsfr.Fit.UNWRAP),
    ("fr-callout__title", None),
    ("fr-btn", None),
    ("fr-py-3w", None),
])
def test_component_lookup(name, fit):
    assert dsfr.component(name) == fit


def test_indentation_inside_html_blocks_is_markup_but_code_blocks_stay_code(tmp_path):
    text = ('<div class="note">\n        <p>Indentée mais balisage.</p>\n</div>\n\n'
            "Un exemple :\n\n    <div>code montré tel quel</div>\n\n"
            '<div class="note">\n<pre>\n    garde\n        son retrait\n</pre>\n</div>\n')
    root, _ = render(tmp_path, text)
    assert root.xpath("//div[@class='note']/p/text()") == ["Indentée mais balisage."]
    codes = [c.text_content() for c in root.xpath("//pre")]
    assert codes[0] == "<div>code montré tel quel</div>\n"
    assert "    garde\n        son retrait" in codes[1]


def test_links_between_site_pages_stay_in_the_book_and_others_go_to_the_site(tmp_path):
    text = ("[fiche](/guide/theme/une-fiche/) [thème](/guide/theme/) [accueil](/guide/) "
            "[ancre](/guide/theme/une-fiche/#detail) [liste](/guide/toutes/) [contact](/contact) "
            "[ailleurs](/autre/une-fiche/) [relatif](../theme/une-fiche.md)\n")
    root, diagnostics = render(tmp_path, text)
    hrefs = {a.text: a.get("href") for a in root.iter("a")}
    assert hrefs == {
        "fiche": "#a-1", "thème": "#theme-a", "accueil": "#index", "ancre": "#a-1--detail",
        "liste": "https://exemple.test/guide/toutes/", "contact": "https://exemple.test/contact",
        "ailleurs": "https://exemple.test/autre/une-fiche/", "relatif": "#a-1",
    }
    assert not diagnostics.problems


def test_missing_decorative_image_in_a_link_leaves_nothing_and_names_file_and_line(tmp_path):
    text = ('Avant.\n\n<div class="fr-col-12">\n<a href="/docs/guide.pdf" title="PDF">'
            '<img src="/img/couverture.webp" alt=""></a>\n</div>\n\nAprès.\n')
    root, diagnostics = render(tmp_path, text)
    assert [p.text_content() for p in root] == ["Avant.", "Après."], "no empty link, span or paragraph"
    (problem,) = diagnostics.warnings
    assert (problem.path.name, problem.line) == ("chapitre.md", 4)
    assert "'/img/couverture.webp' does not exist" in problem.message
    _, strict = render(tmp_path, text, strict=True)
    assert len(strict.errors) == 1 and not strict.warnings


def test_site_absolute_image_is_found_under_the_asset_root(tmp_path):
    (tmp_path / "site" / "img").mkdir(parents=True)
    (tmp_path / "site" / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    root, diagnostics = render(tmp_path, "![Logo](/img/logo.svg)\n")
    assert root.xpath("//img/@src")[0].startswith("data:image/svg+xml;base64,")
    assert not diagnostics.problems


def test_link_emptied_by_a_left_out_expression_becomes_plain_text(tmp_path):
    path = tmp_path / "chapitre.md"
    diagnostics = Diagnostics()
    source = templating.resolve(Source(path, "Intro.\n\nVoir [la page]({{ metadata.absent }}).\n", 5),
                                {}, diagnostics)
    root, _ = render(tmp_path, source.text)
    assert not root.xpath("//a")
    assert root.xpath("//p")[1].text_content() == "Voir la page."
    (problem,) = diagnostics.warnings
    assert problem.line == 7 and "'{{ metadata.absent }}'" in problem.message


def test_nunjucks_expressions_are_resolved_or_reported_with_their_line():
    variables = {"metadata": {"guide": {"version": "v1", "poids": "3,6"}}}
    text = ("Version {{ metadata.guide.version }}.\n"
            "Poids : {{metadata.guide.poids}} Mo.\n"
            "{% if metadata.guide.pdf %}\n"
            "Lien : {{ metadata.guide.pdf }}\n"
            "{% endif %}\n"
            "{{ metadata.guide.version | upper }} {# une remarque #}\n")
    diagnostics = Diagnostics()
    resolved = templating.resolve(Source(Path("page.md"), text, 10), variables, diagnostics)
    assert resolved.text.splitlines()[:2] == ["Version v1.", "Poids : 3,6 Mo."]
    assert "{{" not in resolved.text and "{%" not in resolved.text and "{#" not in resolved.text
    assert resolved.text.count("\n") == text.count("\n"), "lines are kept for later messages"
    found = [(p.path.name, p.line, p.message.split(";")[0]) for p in diagnostics.sorted()]
    assert found == [
        ("page.md", 12, "template tag '{% if metadata.guide.pdf %}' is not supported"),
        ("page.md", 13, "template expression '{{ metadata.guide.pdf }}' has no value"),
        ("page.md", 14, "template tag '{% endif %}' is not supported"),
        ("page.md", 15, "template expression '{{ metadata.guide.version | upper }}' is not a plain variable"),
    ]


def list_shape(root: lxml_html.HtmlElement) -> list[tuple[str, int, str]]:
    """Each list and item with its nesting depth and the start of its own text."""
    shape = []
    for element in root.iter("ul", "ol", "li", "p"):
        depth = sum(1 for a in element.iterancestors() if a.tag in ("ul", "ol"))
        text = (element.text or "").strip() if element.tag != "p" else element.text_content().strip()
        shape.append((element.tag, depth, text[:20]))
    return shape


def test_lists_follow_commonmark_as_the_site_generator_reads_them(tmp_path):
    text = ("Un paragraphe qui annonce :\n"
            "* premier point\n"
            "suite paresseuse du premier point\n"
            "* second point\n"
            "  - sous-point indenté de deux espaces\n"
            "  - autre sous-point\n"
            "* troisième point\n"
            "\n"
            "Année record :\n"
            "2023. Ce n'est pas une liste, elle ne commence pas à 1.\n"
            "\n"
            "Étapes :\n"
            "1. une\n"
            "2. deux\n")
    root, _ = render(tmp_path, text)
    assert list_shape(root) == [
        ("p", 0, "Un paragraphe qui an"),
        ("ul", 0, ""), ("li", 1, "premier point\nsuite "), ("li", 1, "second point"),
        ("ul", 1, ""), ("li", 2, "sous-point indenté d"), ("li", 2, "autre sous-point"),
        ("li", 1, "troisième point"),
        ("p", 0, "Année record :\n2023."),
        ("p", 0, "Étapes :"), ("ol", 0, ""), ("li", 1, "une"), ("li", 1, "deux"),
    ]


def test_list_rules_leave_code_loose_items_and_headings_alone(tmp_path):
    text = ("* un\n\n"
            "  suite du premier point, en paragraphe\n\n"
            "* deux\n"
            "## Titre après la liste\n\n"
            "    * pas une liste, du code\n")
    root, _ = render(tmp_path, text)
    items = root.xpath("//li")
    assert [[p.text for p in li.iter("p")] for li in items] == [
        ["un", "suite du premier point, en paragraphe"], ["deux"]]
    assert root.xpath("//h3/text()") == ["Titre après la liste"]
    assert root.xpath("//pre/code/text()") == ["* pas une liste, du code\n"]


def test_on_screen_each_table_is_in_a_named_box_that_takes_the_focus():
    from nrbook.screen_tables import table_boxes

    body = ('<p>Avant</p><table><caption>Les chiffres</caption><tr><td>1</td></tr></table> après'
            '<table><tr><td>2</td></tr></table>')
    root = lxml_html.fragment_fromstring(str(table_boxes(body, "Tableau")), create_parent="div")
    boxes = root.xpath("div[@class='table-scroll'][@role='region'][@tabindex='0']")
    assert [b.get("aria-label") for b in boxes] == ["Les chiffres", "Tableau"]
    assert [len(b.xpath("table")) for b in boxes] == [1, 1] and "après" in boxes[0].tail
    assert str(table_boxes(str(table_boxes(body, "Tableau")), "Tableau")).count("table-scroll") == 2
