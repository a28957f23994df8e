"""The EPUB read back: package, navigation, XHTML, zip layout, reproducibility, validators."""

from __future__ import annotations

import os
import posixpath
import uuid
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import CORPUS, CORPUS_CONFIG, MINI, build_book, copy_book, run_nrbook
from epubcheckers import missing_ace, missing_epubcheck, run_ace, run_epubcheck
from lxml import etree
from pdfread import PdfBook

from nrbook.context import build_date
from nrbook.writers.epub_xhtml import ROLE_TYPES

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "h": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
IN_CI = os.environ.get("CI") == "true"


class Epub:
    """An EPUB opened for reading: its files, package document and XHTML trees."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.names = self.zip.namelist()
        self.opf = self.xml("EPUB/package.opf")

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.zip.read(name))

    def meta(self, prop: str) -> list[str]:
        return self.opf.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)

    def dc(self, name: str) -> list[str]:
        return self.opf.xpath(f"//dc:{name}/text()", namespaces=NS)

    def spine(self) -> list[str]:
        hrefs = {i.get("id"): i.get("href") for i in self.opf.xpath("//opf:item", namespaces=NS)}
        return [hrefs[r] for r in self.opf.xpath("//opf:itemref/@idref", namespaces=NS)]

    def documents(self) -> dict[str, etree._Element]:
        return {href: self.xml(f"EPUB/{href}") for href in self.spine()}

    def nav(self) -> etree._Element:
        return self.xml("EPUB/nav.xhtml")


@pytest.fixture(scope="session")
def mini_epub(tmp_path_factory) -> Epub:
    """The test book with its PDF in the same run, so the EPUB carries the printed pages."""
    out = tmp_path_factory.mktemp("mini-epub")
    written, diagnostics = build_book(MINI, out, formats=("pdf", "epub"))
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    return Epub(next(p for p in written if p.suffix == ".epub"))


@pytest.fixture(scope="session")
def mini_pdf(mini_epub) -> PdfBook:
    return PdfBook(mini_epub.path.with_suffix(".pdf"))


@pytest.fixture(scope="session")
def content_epub(content_build) -> Epub:
    """The content's EPUB as released: built with its PDF, so with its page list."""
    return Epub(content_build["epub"])


@pytest.fixture(scope="session")
def mini_epub_alone(tmp_path_factory) -> Epub:
    out = tmp_path_factory.mktemp("mini-epub-alone")
    written, _ = build_book(MINI, out, formats=("epub",))
    return Epub(written[0])


@pytest.fixture(scope="session")
def corpus_epub(tmp_path_factory) -> Epub:
    if not CORPUS.is_dir():
        pytest.skip(f"the publishers' corpus is not at {CORPUS}")
    out = tmp_path_factory.mktemp("corpus-epub")
    written, _ = build_book(CORPUS, out, formats=("epub",), config=CORPUS_CONFIG)
    return Epub(written[0])


# --- package document --------------------------------------------------------------------


def test_package_metadata(mini_epub):
    assert mini_epub.opf.get("version") == "3.0"
    identifier = mini_epub.opf.xpath(
        "//dc:identifier[@id=/opf:package/@unique-identifier]/text()", namespaces=NS
    )
    assert identifier == [f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'nrbook:mini:0.9:')}"]
    assert mini_epub.dc("title") == ["Petit livre d'essai", "Pour les tests de nrbook"]
    title_types = {
        m.get("refines"): m.text
        for m in mini_epub.opf.xpath("//opf:meta[@property='title-type']", namespaces=NS)
    }
    assert title_types == {"#title": "main", "#subtitle": "subtitle"}
    assert mini_epub.dc("language") == ["fr"]
    assert mini_epub.dc("creator") == ["Équipe de test"]
    assert mini_epub.dc("publisher") == ["Projet nrbook"]
    assert mini_epub.dc("rights")[0].startswith("Licence Ouverte 2.0")
    expected = build_date("2024-06-01").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert mini_epub.meta("dcterms:modified") == [expected]


def test_accessibility_metadata(mini_epub):
    assert set(mini_epub.meta("schema:accessMode")) == {"textual", "visual"}
    assert mini_epub.meta("schema:accessModeSufficient") == ["textual"]
    assert {
        "tableOfContents",
        "readingOrder",
        "structuralNavigation",
        "alternativeText",
        "pageNavigation",
        "pageBreakMarkers",
    } <= set(mini_epub.meta("schema:accessibilityFeature"))
    assert mini_epub.meta("schema:accessibilityHazard") == ["none"]
    summary = mini_epub.meta("schema:accessibilitySummary")[0]
    assert "table des matières" in summary and "édition imprimable" in summary
    assert mini_epub.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert mini_epub.meta("a11y:certifiedBy") == ["Projet nrbook"]
    # the page list's source: the printed edition, as EPUB Accessibility asks
    source = mini_epub.opf.xpath("//dc:source", namespaces=NS)[0]
    assert "mini.pdf" in source.text
    assert mini_epub.opf.xpath(
        f"//opf:meta[@refines='#{source.get('id')}']/text()", namespaces=NS
    ) == ["pagination"]


def test_spine_is_the_reading_order(mini_epub):
    assert mini_epub.spine() == [
        "cover.xhtml",
        "titlepage.xhtml",
        "nav.xhtml",
        "chapter-preface.xhtml",
        "theme-a.xhtml",
        "sheet-a-2.xhtml",
        "sheet-a-10.xhtml",
        "theme-b.xhtml",
        "sheet-b-1.xhtml",
        "chapter-lexique.xhtml",
    ]


def test_manifest_lists_every_file_and_only_them(mini_epub):
    items = mini_epub.opf.xpath("//opf:item", namespaces=NS)
    hrefs = {f"EPUB/{i.get('href')}" for i in items}
    assert hrefs == set(mini_epub.names) - {
        "mimetype",
        "META-INF/container.xml",
        "EPUB/package.opf",
    }
    properties = {i.get("href"): i.get("properties") for i in items}
    assert properties["nav.xhtml"] == "nav"
    assert properties["images/cover.svg"] == "cover-image"
    assert {i.get("media-type") for i in items if i.get("href").endswith(".xhtml")} == {
        "application/xhtml+xml"
    }


# --- navigation ------------------------------------------------------------------------


def test_toc_reaches_every_sheet(mini_epub):
    toc = mini_epub.nav().xpath("//h:nav[@epub:type='toc']", namespaces=NS)
    assert len(toc) == 1 and toc[0].get("role") == "doc-toc"
    links = {" ".join("".join(a.itertext()).split()): a.get("href") for a in toc[0].iter("{*}a")}
    assert links["a.2 Deuxième pratique du thème"] == "sheet-a-2.xhtml#a-2"
    assert links["a.10 Dixième pratique du thème"] == "sheet-a-10.xhtml#a-10"
    assert links["b.1 Pratique unique du second thème"] == "sheet-b-1.xhtml#b-1"
    assert links["b. Second thème"] == "theme-b.xhtml#theme-b"
    assert links["Préface"] == "chapter-preface.xhtml#preface"


CORPUS_EPUB = pytest.param("corpus_epub", marks=pytest.mark.corpus)


@pytest.mark.parametrize("book", ["content_epub", CORPUS_EPUB])
def test_toc_of_real_books_lists_every_sheet(book, request):
    epub: Epub = request.getfixturevalue(book)
    toc = epub.nav().xpath("//h:nav[@epub:type='toc']", namespaces=NS)[0]
    sheet_files = [href for href in epub.spine() if href.startswith("sheet-")]
    targets = [a.get("href").split("#")[0] for a in toc.iter("{*}a")]
    assert len(sheet_files) > 40
    assert [t for t in targets if t.startswith("sheet-")] == sheet_files


def test_landmarks(mini_epub):
    landmarks = mini_epub.nav().xpath("//h:nav[@epub:type='landmarks']", namespaces=NS)[0]
    assert landmarks.get("hidden") is not None
    found = {a.get(EPUB_TYPE): a.get("href") for a in landmarks.iter("{*}a")}
    assert found == {
        "cover": "cover.xhtml",
        "titlepage": "titlepage.xhtml",
        "toc": "nav.xhtml",
        "bodymatter": "chapter-preface.xhtml",
        "backmatter": "chapter-lexique.xhtml",
    }


def test_page_list_points_at_the_printed_pages(mini_epub, mini_pdf):
    pages = mini_epub.nav().xpath("//h:nav[@epub:type='page-list']", namespaces=NS)
    assert len(pages) == 1 and pages[0].get("role") == "doc-pagelist"
    entries = {a.text: a.get("href") for a in pages[0].iter("{*}a")}
    documents = mini_epub.documents()
    for number, href in entries.items():
        name, anchor = href.split("#")
        marker = documents[name].xpath(f"//*[@id='{anchor}']")[0]
        assert marker.get("role") == "doc-pagebreak" and marker.get(EPUB_TYPE) == "pagebreak"
        assert marker.get("aria-label") == number
    # each sheet's marker carries the page on which the PDF prints that sheet
    for sheet_id, page in mini_pdf.toc_entries().items():
        anchor = sheet_id.replace(".", "-")
        article = documents[f"sheet-{anchor}.xhtml"].xpath(f"//*[@id='{anchor}']")[0]
        assert article.getprevious().get("aria-label") == str(page), sheet_id


def test_no_page_list_without_the_pdf(mini_epub_alone):
    assert not mini_epub_alone.nav().xpath("//h:nav[@epub:type='page-list']", namespaces=NS)
    assert "pageNavigation" not in mini_epub_alone.meta("schema:accessibilityFeature")
    assert not mini_epub_alone.dc("source")
    for tree in mini_epub_alone.documents().values():
        assert not tree.xpath("//*[@role='doc-pagebreak']")


def test_page_list_of_the_content_covers_its_printed_pages(content_epub):
    pages = content_epub.nav().xpath("//h:nav[@epub:type='page-list']//h:a", namespaces=NS)
    # every printed page but the second page of the printed table of contents (the nav itself)
    assert len(pages) >= 70


# --- content documents -----------------------------------------------------------------


def test_documents_are_french_xhtml(mini_epub):
    for name, tree in mini_epub.documents().items():
        assert tree.tag == "{http://www.w3.org/1999/xhtml}html", name
        assert (
            tree.get("lang") == "fr"
            and tree.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
        )
        assert tree.xpath("//h:head/h:title/text()", namespaces=NS), name
        assert tree.xpath("//h:link[@rel='stylesheet']/@href", namespaces=NS) == ["css/book.css"]


def test_bodies_are_markup_not_escaped_text(mini_epub):
    preface = mini_epub.documents()["chapter-preface.xhtml"]
    assert preface.xpath("//h:section[@id='preface']/h:h3/text()", namespaces=NS) == ["Une section"]
    assert "<h3" not in "".join(preface.itertext())


def test_dpub_roles_and_epub_types_agree(mini_epub):
    for name, tree in mini_epub.documents().items():
        for element in tree.iter():
            if not isinstance(element.tag, str) or element.xpath(
                "ancestor::h:nav[@epub:type='landmarks']", namespaces=NS
            ):
                continue  # landmarks name their targets' types; they are links, not those things
            roles = set((element.get("role") or "").split())
            types = set((element.get(EPUB_TYPE) or "").split())
            assert {ROLE_TYPES[r] for r in roles if r in ROLE_TYPES} <= types, (name, element.tag)
            assert {r for r, t in ROLE_TYPES.items() if t in types} <= roles, (name, element.tag)
    documents = mini_epub.documents()
    assert documents["chapter-preface.xhtml"].xpath(
        "//h:section[@role='doc-chapter' and @epub:type='chapter']", namespaces=NS
    )
    assert documents["chapter-preface.xhtml"].xpath(
        "//h:a[@role='doc-noteref' and @epub:type='noteref']", namespaces=NS
    )
    assert documents["theme-a.xhtml"].xpath("//h:section[@role='doc-part']", namespaces=NS)
    assert documents["cover.xhtml"].xpath(
        "//h:img[@role='doc-cover' and @epub:type='cover']", namespaces=NS
    )


def test_sheet_fields_are_a_description_list(mini_epub):
    sheet = mini_epub.documents()["sheet-a-2.xhtml"]
    article = sheet.xpath("//h:article[@id='a-2']", namespaces=NS)[0]
    facts = {
        dt.text: " ".join("".join(dt.getnext().itertext()).split())
        for dt in article.xpath(".//h:dl[contains(@class, 'sheet-facts')]//h:dt", namespaces=NS)
    }
    assert facts["Priorité"] == "Prioritaire"
    assert facts["Difficulté de mise en œuvre"] == "Facile"
    assert facts["Exemple de pilote"] == "Direction générale"
    assert "Part des agents formés (en %)" in facts["Exemples d’indicateurs de pilotage"]
    # a theme's file holds its introduction only; its sheets have their own files
    assert not mini_epub.documents()["theme-a.xhtml"].xpath("//h:article", namespaces=NS)


def test_images_are_files_with_alternative_text(mini_epub):
    figures = mini_epub.documents()["sheet-a-10.xhtml"].xpath("//h:img", namespaces=NS)
    assert [(i.get("src"), i.get("alt")) for i in figures] == [
        ("images/schema.svg", "Un schéma simple")
    ]
    assert "EPUB/images/schema.svg" in mini_epub.names
    for name, tree in mini_epub.documents().items():
        for image in tree.xpath("//h:img", namespaces=NS):
            assert image.get("alt"), name
            assert f"EPUB/{image.get('src')}" in mini_epub.names, name
    cover = mini_epub.zip.read("EPUB/images/cover.svg").decode()
    assert "Petit livre d'essai" in cover and "Version 0.9" in cover


@pytest.mark.parametrize("book", ["mini_epub", "content_epub", CORPUS_EPUB])
def test_every_link_works_inside_the_epub(book, request):
    epub: Epub = request.getfixturevalue(book)
    ids = {name: set(tree.xpath("//@id")) for name, tree in epub.documents().items()}
    for name, tree in epub.documents().items():
        for href in tree.xpath("//h:a/@href", namespaces=NS):
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme in {"http", "https", "mailto", "tel"}, (name, href)
                continue
            target = (
                posixpath.normpath(posixpath.join(posixpath.dirname(name), parts.path))
                if parts.path
                else name
            )
            assert target in ids, (name, href)
            assert not parts.fragment or unquote(parts.fragment) in ids[target], (name, href)


def test_site_links_become_web_addresses_or_text(tmp_path):
    sheet = (MINI / "beta" / "unique.md").read_text(encoding="utf-8")
    source = copy_book(
        MINI,
        tmp_path / "book",
        {
            "beta/unique.md": sheet + "\nÉcrivez-nous par [la page contact](/contact) ou lisez "
            "[une page absente](../ailleurs/).\n"
        },
    )
    written, _ = build_book(source, tmp_path / "out", formats=("epub",))
    sheet_xhtml = Epub(written[0]).documents()["sheet-b-1.xhtml"]
    assert sheet_xhtml.xpath("//h:a[text()='la page contact']/@href", namespaces=NS) == [
        "https://exemple.test/contact"
    ]
    assert sheet_xhtml.xpath("//*[text()='une page absente']", namespaces=NS)[0].get("href") is None


# --- container ---------------------------------------------------------------------------


def test_zip_layout(mini_epub):
    infos = mini_epub.zip.infolist()
    first = infos[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b"" and mini_epub.zip.read("mimetype") == b"application/epub+zip"
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert len({i.date_time for i in infos}) == 1
    assert "META-INF/container.xml" in mini_epub.names


def test_builds_are_byte_identical(tmp_path):
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    outputs = []
    for run in ("one", "two"):
        done = run_nrbook(
            "build",
            "--source",
            str(MINI),
            "--format",
            "epub",
            "--out",
            str(tmp_path / run),
            "--quiet",
            env=environment,
        )
        assert done.returncode == 0, done.stderr
        outputs.append((tmp_path / run / "mini.epub").read_bytes())
    assert outputs[0] == outputs[1]
    epub = Epub(tmp_path / "one" / "mini.epub")
    assert epub.meta("dcterms:modified") == ["2023-11-14T22:13:20Z"]
    assert epub.zip.infolist()[0].date_time == (2023, 11, 14, 22, 13, 20)


# --- validators --------------------------------------------------------------------------


def require(missing: str) -> None:
    """Skip a validator that is not installed here; in CI, a missing validator is a failure."""
    if missing:
        if IN_CI:
            pytest.fail(f"{missing}; CI must run it")
        pytest.skip(missing)


@pytest.mark.parametrize("book", ["mini_epub", "content_epub", CORPUS_EPUB])
def test_epubcheck_finds_nothing(book, request):
    require(missing_epubcheck())
    findings = run_epubcheck(request.getfixturevalue(book).path)
    assert not any(findings.counts[s] for s in ("FATAL", "ERROR", "WARNING")), findings.messages


@pytest.mark.parametrize("book", ["mini_epub", "content_epub", CORPUS_EPUB])
def test_ace_finds_no_serious_violation(book, request):
    require(missing_ace())
    findings = run_ace(request.getfixturevalue(book).path)
    assert not (findings.counts["critical"] or findings.counts["serious"]), findings.messages
