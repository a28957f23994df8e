"""The project's own edition in content/: complete, valid, linked, original, warning-free."""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from conftest import CONTENT, ROOT
from lxml import html as lxml_html

from nrbook.config import load_config
from nrbook.diagnostics import Diagnostics
from nrbook.load import load_book
from nrbook.validate import validate

LINK = re.compile(r"\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


@pytest.fixture(scope="module")
def book():
    diagnostics = Diagnostics()
    config = load_config(CONTENT / "book.toml", diagnostics)
    book = load_book(CONTENT, config, diagnostics)
    validate(book, diagnostics)
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    return book


def test_nine_themes_each_with_five_sheets_or_more(book):
    assert len(book.themes) == 9
    assert [t.id for t in book.themes] == list("abcdefghi")
    for theme in book.themes:
        assert len(theme.sheets) >= 5, theme.title
        assert len(theme.intro.text.split()) >= 150, f"theme {theme.id} needs an introduction of substance"
    assert len(book.sheets) >= 45


def test_every_sheet_has_all_its_fields(book):
    for sheet in book.sheets:
        assert sheet.pilots, sheet.id
        assert len(sheet.indicators) >= 2, sheet.id
        assert sheet.more is not None and "](http" in sheet.more.text, f"{sheet.id}: En savoir plus"
        words = len(sheet.body.text.split())
        assert 150 <= words <= 450, f"{sheet.id}: {words} words"


def test_front_and_back_matter(book):
    titles = [c.title for c in (*book.front, *book.back)]
    assert titles[:2] == ["Synthèse", "Introduction"]
    glossary = next(c for c in book.back if c.slug == "glossaire")
    terms = re.findall(r"^\S.*\n:\s", glossary.body.text, flags=re.MULTILINE)
    assert len(terms) >= 30
    assert any(c.slug == "bibliographie" for c in book.back)
    assert any(c.slug == "journal-des-modifications" for c in book.back)


def test_external_links_are_well_formed_absolute_urls(book):
    sources = [c.body for c in (*book.front, *book.back)] + [t.intro for t in book.themes]
    for sheet in book.sheets:
        sources += [s for s in (sheet.body, sheet.more, sheet.feedback) if s is not None]
    count = 0
    for source in sources:
        for match in LINK.finditer(source.text):
            url = match.group("url")
            if url.startswith(("images/", "../images/", "#")):
                continue
            parts = urlsplit(url)
            assert parts.scheme in ("https", "http") and "." in parts.netloc and " " not in url, (
                f"{source.path.name}:{source.line_of(match.start())}: {url}")
            count += 1
    assert count >= 100


def test_build_prints_no_warning_and_resolves_every_cross_reference(content_build):
    diagnostics = content_build["diagnostics"]
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    root = lxml_html.fromstring(content_build["html"].read_bytes())
    ids = set(root.xpath("//@id"))
    xrefs = root.xpath("//a[contains(@class, 'xref')]/@href")
    assert len(xrefs) >= 20
    assert all(href[1:] in ids for href in xrefs)
    figure = root.xpath("//figure[img[@alt]]/figcaption")
    assert figure, "the project's own figure, with its caption"
    assert root.xpath("//table")


def test_content_is_original():
    tool = ROOT.parent / "shared" / "tools" / "originality.py"
    if not tool.exists():
        pytest.skip("../shared/tools/originality.py is not beside the checkout")
    result = subprocess.run([sys.executable, str(tool), str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout, result.stdout
