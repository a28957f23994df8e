"""Links that work on paper: printed sheets carry a scannable QR code and print their links' addresses."""

from __future__ import annotations

import pikepdf
import pypdfium2
import pytest
import zxingcpp
from conftest import CONTENT, MINI, build_book, copy_book, run_nrbook
from lxml import html as lxml_html
from pdfread import PdfBook
from test_pdf_accessibility import struct_elements

from nrbook.config import load_config
from nrbook.diagnostics import Diagnostics
from nrbook.load import load_book
from nrbook.paper_links import mark_addresses, short_address
from nrbook.writers.export import sheet_url


def decoded_codes(pdf_path, page_number: int, dpi: int = 200) -> list[str]:
    """The QR codes a phone would read on a printed page: the page drawn at ``dpi``, decoded."""
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        image = document[page_number - 1].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode]


def book_of(source, config=None):
    diagnostics = Diagnostics()
    config = load_config(config or source / "book.toml", diagnostics)
    return load_book(source, config, diagnostics)


@pytest.mark.parametrize("url, printed", [
    ("https://www.ademe.fr/", "ademe.fr"),
    ("http://example.org/page", "example.org/page"),
    ("https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000032187830",
     "legifrance.gouv.fr/…/id/JORFTEXT000032187830"),
    ("https://ecoresponsable.numerique.gouv.fr/publications/bonnes-pratiques/#a-1",
     "ecoresponsable.numerique.gouv.fr/…/#a-1"),
    ("mailto:contact@exemple.test", "contact@exemple.test"),
])
def test_addresses_are_printed_short(url, printed):
    assert short_address(url) == printed


def test_a_long_address_keeps_its_host_and_its_end_around_an_ellipsis():
    url = "https://www.arcep.fr/uploads/tx_gspublication/rapport-barometre-numerique-2022_CREDOC.pdf"
    printed = short_address(url)
    assert len(printed) <= 46 and printed.count("…") == 1
    assert printed.startswith("arcep.fr/") and printed.endswith("2022_CREDOC.pdf")
    assert "://" not in printed and "www." not in printed


def test_web_links_get_their_address_and_others_do_not():
    fragment = lxml_html.fragment_fromstring(
        '<p><a href="https://www.ademe.fr/guide">le guide</a> '
        '<a href="https://exemple.test/x">https://exemple.test/x</a> '
        '<a href="#a-2">a.2</a> <a href="#b-1" data-address="faux">b.1</a></p>')
    mark_addresses(fragment)
    links = fragment.findall(".//a")
    assert [link.get("data-address") for link in links] == ["ademe.fr/guide", None, None, None]


def test_printed_sheet_shows_the_addresses_of_its_links_and_a_qr_code(mini_build):
    pdf = PdfBook(mini_build["pdf"])
    page = pdf.page_starting("Deuxième pratique du thème")[-1]
    text = "".join(pdf.pages[page - 1].split())  # lines break inside addresses
    assert "Unsitederéférence(exemple.test/reference)" in text
    assert "Cetteficheenligne:exemple.test/livre/#a-2" in text


def test_screen_book_keeps_plain_links_and_no_qr_code(mini_build):
    page = lxml_html.fromstring(mini_build["html"].read_bytes())
    assert not page.xpath("//svg | //img[@class='qr-code']") and "Cette fiche en ligne" not in page.text_content()
    assert "(exemple.test/reference)" not in page.text_content()
    link = page.xpath("//a[@href='https://exemple.test/reference']")[0]
    assert link.text_content() == "Un site de référence"


def assert_every_sheet_code_decodes(pdf_path, source, config=None, sample: bool = False) -> None:
    """On each sheet's printed page, exactly one QR code, which reads as the sheet's address.

    ``sample``: in a big book, the first sheet of each theme and the three with the longest
    addresses (the densest codes) stand for all: drawing a page at 200 dpi takes a while.
    """
    book = book_of(source, config)
    toc = PdfBook(pdf_path).toc_entries()
    assert len(toc) == len(book.sheets)
    sheets = list(book.sheets)
    if sample:
        longest = sorted(sheets, key=lambda s: -len(sheet_url(book, s)))[:3]
        sheets = [s for s in sheets if s in longest or s is book.theme_of(s).sheets[0]]
    for sheet in sheets:
        assert decoded_codes(pdf_path, toc[sheet.id]) == [sheet_url(book, sheet)], sheet.id


def test_qr_code_of_each_printed_sheet_decodes_to_its_address(mini_build):
    assert_every_sheet_code_decodes(mini_build["pdf"], MINI)


def test_qr_code_is_a_figure_with_alternative_text_and_black_on_white(mini_build):
    with pikepdf.open(mini_build["pdf"]) as pdf:
        codes = [e for e in struct_elements(pdf) if str(e.S) == "/Figure"
                 and str(e.get("/Alt", "")).startswith("Code QR")]
        assert sorted(str(e.Alt) for e in codes) == [
            f"Code QR : la fiche {i} en ligne" for i in ("a.10", "a.2", "b.1")]
        colours = figure_colours(pdf, codes)
    assert colours == {(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)}, colours


def figure_colours(pdf: pikepdf.Pdf, figures: list) -> set[tuple[float, ...]]:
    """Every colour the given figures show: the pixels of the images their marked content
    draws (0–1 per channel). Each image must be drawn sharp, without smoothing."""
    wanted: dict[tuple[int, int], set[int]] = {}
    for figure in figures:
        kids = figure.K if isinstance(figure.K, pikepdf.Array) else [figure.K]
        wanted.setdefault(figure.Pg.objgen, set()).update(int(k) for k in kids if isinstance(k, int))
    colours: set[tuple[float, ...]] = set()
    drawn = 0
    for page in pdf.pages:
        ids = wanted.get(page.objgen, set())
        inside: list[bool] = []
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name == "BDC":
                properties = operands[1]
                inside.append(isinstance(properties, pikepdf.Dictionary)
                              and int(properties.get("/MCID", -1)) in ids)
            elif name == "BMC":
                inside.append(False)
            elif name == "EMC" and inside:
                inside.pop()
            elif any(inside) and name in ("rg", "RG", "g", "G", "k", "K"):
                colours.add(tuple(float(x) for x in operands))
            elif any(inside) and name == "Do":
                image = page.Resources.XObject[operands[0]]
                assert image.get("/Interpolate") is False, "a QR code must not be smoothed"
                pixels = pikepdf.PdfImage(image).as_pil_image().convert("RGB")
                colours.update(tuple(c / 255 for c in colour) for _, colour in pixels.getcolors())
                drawn += 1
    assert drawn == len(figures), f"{drawn} images drawn for {len(figures)} figures"
    return colours


def test_every_content_sheet_has_a_scannable_qr_code_and_still_fits_its_page(content_build):
    """The edition's own sheets: the QR code is laid out and measured with the sheet."""
    assert_every_sheet_code_decodes(content_build["pdf"], CONTENT, sample=True)
    assert not content_build["diagnostics"].problems


def test_no_qr_option_and_book_setting_turn_the_codes_off(tmp_path):
    result = run_nrbook("build", "--source", str(MINI), "--out", str(tmp_path / "option"),
                        "--format", "pdf", "--no-qr", "--no-cache")
    assert result.returncode == 0, result.stderr
    source = copy_book(MINI, tmp_path / "src")
    config = source / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[print]\nqr_codes = false\n", encoding="utf-8")
    written, diagnostics = build_book(source, tmp_path / "setting", formats=("pdf",))
    assert not diagnostics.problems
    for pdf_path in (tmp_path / "option" / "mini.pdf", tmp_path / "setting" / "mini.pdf"):
        pdf = PdfBook(pdf_path)
        assert not any("Cette fiche en ligne" in text for text in pdf.pages)
        page = pdf.toc_entries()["a.2"]
        assert decoded_codes(pdf_path, page) == []
        assert "(exemple.test/reference)" in "".join(pdf.pages[page - 1].split())


def test_qr_setting_must_be_true_or_false(tmp_path):
    source = copy_book(MINI, tmp_path / "src")
    config = source / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[print]\nqr_codes = "non"\n', encoding="utf-8")
    result = run_nrbook("check", "--source", str(source))
    assert result.returncode == 1
    line = config.read_text(encoding="utf-8").splitlines().index('qr_codes = "non"') + 1
    assert f"book.toml:{line}: error: 'qr_codes' must be true or false, not a string" in result.stderr


def test_qr_code_is_black_on_white_in_the_eco_profile_too(tmp_path):
    written, diagnostics = build_book(MINI, tmp_path, formats=("pdf",), profile="eco")
    assert not diagnostics.problems
    with pikepdf.open(tmp_path / "mini-eco.pdf") as pdf:
        codes = [e for e in struct_elements(pdf) if str(e.get("/Alt", "")).startswith("Code QR")]
        assert len(codes) == 3
        assert figure_colours(pdf, codes) == {(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)}


def test_printed_web_addresses_are_never_hyphenated(content_build):
    """An address that wraps breaks without a hyphen of the typesetter's: it can be typed as printed."""
    page = lxml_html.fromstring(content_build["html"].read_bytes())
    addresses = {a.get("href") for a in page.iter("a")
                 if (a.get("href") or "").startswith("http") and a.text_content().strip() == a.get("href")}
    assert len(addresses) > 10
    printed = "".join(text.replace("\n", "") for text in PdfBook(content_build["pdf"]).pages)
    assert sorted(a for a in addresses if a not in printed) == []
