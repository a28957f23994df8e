"""The publishers' own sources (../shared/corpus/guide-v1) built as they are, and read back."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import frontmatter
import pytest
from conftest import CORPUS, CORPUS_CONFIG, ROOT, run_nrbook
from lxml import html as lxml_html
from pdfread import PdfBook, page_images
from pypdf import PdfReader
from test_paper_links import assert_every_sheet_code_decodes

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="the publishers' sources are not beside the checkout"),
]

OFFICIAL_SHEETS = ROOT.parent / "shared" / "reference" / "official-v1-sheets.tsv"
THEMES = ["Stratégie et gouvernance", "Sensibilisation et formation", "Mesure et évaluation",
          "Réduction des achats", "Achat durable et responsable",
          "Phase d'usage, administration et paramétrages", "Services numériques",
          "Salle serveur et centre de données", "Fin d'usage"]
# Where the sources' titles differ from the official PDF's table of contents (white space
# and apostrophes aside): the book prints the sources' titles.
OFFICIAL_DIFFERENCES = {
    "c.3": ("Evaluer les impacts environnementaux évités",
            "Évaluer les impacts environnementaux évités"),
    "f.3": ("Limiter le flux de données", "Limiter les flux de données"),
    "f.4": ("Mettre en place une stratégie de gestion de données",
            "Mettre en place une stratégie de gestion des données"),
    "g.1": ("Évaluer collectivement la pertinence de la solution apportée",
            "Évaluer collectivement la pertinence la solution apportée"),
    "h.3": ("Optimiser l'architecture de la salle serveur",
            "Optimiser l'architecture du centre de données"),
}
# Every warning the build may give, each justified by the sources: the home page shows the
# cover of the site's PDF, an image that is not part of the sources. (The BnF logo, as its
# drawing program exported it, holds an empty <script/>, which the sandbox drops quietly.)
EXPECTED_WARNINGS = {
    ("index.md", 29, "image '/img/bonnes-pratiques/guide-bonnes-pratiques-couverture.webp' "
                     "does not exist"),
}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u00ad", "")).strip()


def official_sheets() -> list[dict[str, str]]:
    with open(OFFICIAL_SHEETS, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def source_titles() -> dict[str, str]:
    """Sheet id → title, read from the sources' front matter (not through nrbook)."""
    titles = {}
    for path in CORPUS.glob("*/*.md"):
        if path.name != "index.md":
            post = frontmatter.load(path)
            titles[str(post["idbp"])] = str(post["title"])
    return titles


@pytest.fixture(scope="module")
def corpus(corpus_build) -> dict[str, object]:
    return corpus_build


@pytest.fixture(scope="module")
def page(corpus) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(corpus["html"].read_bytes())


class LazyPages(Sequence[str]):
    """The text of each page, extracted when first read: pypdf takes ~0.1 s a page."""

    def __init__(self, reader: PdfReader):
        self.reader = reader
        self.texts: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.reader.pages)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        if index not in self.texts:
            self.texts[index] = self.reader.pages[index].extract_text() or ""
        return self.texts[index]


class LazyPdfBook(PdfBook):
    def __init__(self, path: Path):  # PdfBook without reading every page up front
        self.path = path
        self.reader = PdfReader(str(path))
        self.pages = LazyPages(self.reader)  # type: ignore[assignment]


@pytest.fixture(scope="module")
def pdf(corpus) -> PdfBook:
    return LazyPdfBook(corpus["pdf"])


def test_builds_with_only_the_justified_warnings(corpus):
    diagnostics = corpus["diagnostics"]
    assert not diagnostics.errors, [p.format() for p in diagnostics.errors]
    found = {(p.path.name, p.line, p.message.split(" (")[0]) for p in diagnostics.warnings}
    assert found == EXPECTED_WARNINGS, [p.format() for p in diagnostics.warnings]


def test_sources_titles_against_the_official_table_of_contents():
    titles = source_titles()
    official = official_sheets()
    assert sorted(titles) == sorted(row["id"] for row in official)
    differences = {row["id"]: (normalise(titles[row["id"]]), normalise(row["title"]))
                   for row in official if normalise(titles[row["id"]]) != normalise(row["title"])}
    assert differences == OFFICIAL_DIFFERENCES


def test_html_has_no_site_markup_left(page):
    text = lxml_html.tostring(page, encoding="unicode")
    assert not re.search(r"\{\{|\{%|\{#|%\}", text), "no template syntax, in text or attributes"
    main = page.get_element_by_id("contenu")
    classes = {c for e in main.iter() if isinstance(e.tag, str) for c in (e.get("class") or "").split()}
    assert not [c for c in classes if c.startswith("fr-")]
    assert not main.xpath(".//nav | .//pre | .//script"), "no summary of the site, nothing read as code"
    assert "&lt;" not in lxml_html.tostring(main, encoding="unicode").replace("&lt; ", "")
    for element in main.iter("p", "div", "a", "li"):
        assert element.text_content().strip() or len(element), f"empty <{element.tag}>"
    for element in main.iter("p", "li", "td"):
        leftover = re.search(r"(^|\n)\s*([*+-]|\d+\.)\s|\*\*|\]\(", element.text_content())
        assert not leftover, f"Markdown left as text: {element.text_content()[:80]!r}"
    ids = page.xpath("//@id")
    assert len(ids) == len(set(ids))
    for href in page.xpath("//a/@href"):
        assert href.startswith(("#", "https://", "http://", "mailto:")), href
        if href.startswith("#"):
            assert href[1:] in ids, f"dangling link {href}"


def test_epub_has_no_site_markup_left(corpus):
    if "epub" not in corpus:
        pytest.skip("no EPUB writer yet")
    with zipfile.ZipFile(corpus["epub"]) as epub:
        for name in epub.namelist():
            if name.endswith((".xhtml", ".html", ".opf", ".ncx")):
                text = epub.read(name).decode("utf-8")
                assert not re.search(r"\{\{|\{%|\{#|%\}", text), name
                assert not re.search(r"class=\"[^\"]*\bfr-", text), name


def test_html_toc_lists_the_nine_themes_and_the_59_sheets_with_the_sources_titles(page):
    toc = page.xpath("//nav[@role='doc-toc']")[0]
    themes = [normalise(a.text_content()) for a in toc.xpath(".//li[contains(@class, 'toc-theme')]/a")]
    assert themes == [f"{chr(ord('a') + i)}. {title}" for i, title in enumerate(THEMES)]
    sheets = [normalise(a.text_content()) for a in toc.xpath(".//li[contains(@class, 'toc-sheet')]/a")]
    titles = source_titles()
    assert sheets == [normalise(f"{row['id']} {titles[row['id']]}") for row in official_sheets()]


def test_html_keeps_raw_headings_and_maps_site_components(page):
    intro = page.get_element_by_id("introduction")
    headings = [(h.get("id"), h.text_content()) for h in intro.xpath(".//h3")]
    assert headings[:3] == [("introduction--introduction", "Introduction"),
                            ("introduction--comment-utiliser-ce-guide", "Comment utiliser ce guide"),
                            ("introduction--contribution-collective", "Contribution collective")]
    assert page.xpath("//section[@id='synthese']//div[@class='highlight']/p/strong")
    # fr-table gave way: on screen each table is in the book's own scrolling box
    assert len(page.get_element_by_id("c-3").xpath(
        ".//div[@class='sheet-body']/div[@class='table-scroll'][@tabindex='0']/table")) == 2
    home = page.get_element_by_id("index")
    links = {normalise(a.text_content()): a.get("href") for a in home.iter("a")}
    assert links["À propos du guide"] == "#introduction"
    site = "https://ecoresponsable.numerique.gouv.fr/"
    assert links["Exporter en CSV"] == (site + "publications/bonnes-pratiques/"
                                        "guide-bonnes-pratiques-numerique-responsable-export-version-v1.csv")
    assert links["nous contacter"] == site + "contact"
    assert not home.xpath(".//img"), "the missing cover leaves nothing behind"
    assert page.xpath("//section[@id='bibliographie']//img[@alt='BNF']/@src")[0].startswith("data:image/svg")


def test_pdf_has_the_59_sheets_in_official_order_each_on_its_own_page(pdf):
    official = [row["id"] for row in official_sheets()]
    toc = pdf.toc_entries()
    assert list(toc) == official
    pages = list(toc.values())
    assert pages == sorted(pages) and len(set(pages)) == len(pages), "one sheet per starting page"
    titles = source_titles()
    marks = {b.title.split(" ", 1)[0]: b for b in pdf.bookmarks() if b.level == 2}
    for sheet_id, start in toc.items():
        assert normalise(marks[sheet_id].title) == normalise(f"{sheet_id} {titles[sheet_id]}")
        assert marks[sheet_id].page == start, sheet_id
        assert re.search(rf"(^|\s){re.escape(sheet_id)}\s", pdf.pages[start - 1]), sheet_id


def test_pdf_toc_prints_the_nine_themes_and_the_sources_titles(pdf):
    toc_text = " ".join(text for text in pdf.pages[:8] if "Table des matières" in text
                        or re.search(r"\. \. \. ", text))
    toc_text = normalise(toc_text.replace("-\n", ""))
    for letter, title in zip("abcdefghi", THEMES, strict=True):
        assert normalise(f"{letter}. {title}") in toc_text
    titles = source_titles()
    for row in official_sheets():
        assert normalise(f"{row['id']} {titles[row['id']]}") in toc_text, row["id"]


def test_check_reports_the_warning_with_file_and_line_and_strict_fails():
    arguments = ("check", "--source", str(CORPUS), "--config", str(CORPUS_CONFIG))
    result = run_nrbook(*arguments)
    assert result.returncode == 0, result.stderr
    count = len(EXPECTED_WARNINGS)
    assert f"9 themes, 59 sheets, 7 chapters: no error, {count} warning{'s' if count > 1 else ''}" in result.stderr
    line = f"{Path('..') / 'shared' / 'corpus' / 'guide-v1' / 'index.md'}:29: warning: image"
    assert line in result.stderr
    strict = run_nrbook(*arguments, "--strict")
    assert strict.returncode == 1 and "index.md:29: error: image" in strict.stderr


def test_handouts_are_the_books_pages_pixel_for_pixel(corpus, pdf, tmp_path):
    ids = ["a.1", "c.2", "h.3", "e.5"]  # e.5 is laid out a fitting step tighter
    report = json.loads((corpus["pdf"].parent / "fit-report.json").read_text(encoding="utf-8"))
    assert next(s for s in report["sheets"] if s["id"] == "e.5")["level"] > 0
    result = run_nrbook("sheets", "--source", str(CORPUS), "--config", str(CORPUS_CONFIG),
                        "--out", str(tmp_path), "--ids", ",".join(ids), "--no-cache")
    assert result.returncode == 0, result.stderr
    handout = tmp_path / "guide-bonnes-pratiques-v1-fiches.pdf"
    toc = pdf.toc_entries()
    pages = [toc[i] for i in ids]
    assert PdfBook(handout).pages == [pdf.pages[n - 1] for n in pages], "text, folios, running heads"
    for sheet_id, mine, books in zip(ids, page_images(handout), page_images(corpus["pdf"], numbers=pages)):
        assert mine.tobytes() == books.tobytes(), f"{sheet_id}: not the book's page at 50 dpi"


def test_every_printed_sheet_has_a_qr_code_that_reads_as_its_page_on_the_site(corpus):
    """The publishers' long addresses give the densest codes: each is decoded at 200 dpi."""
    assert_every_sheet_code_decodes(corpus["pdf"], CORPUS, CORPUS_CONFIG, sample=True)
