"""The fetcher WeasyPrint uses: only the book's folders and the bundled fonts."""

from __future__ import annotations

import pytest
from weasyprint.urls import path2url

from nrbook.sandbox import SandboxFetcher


@pytest.fixture
def fetcher(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ok.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "book" / "link.txt").symlink_to(tmp_path / "secret.txt")
    refused: list[str] = []
    return SandboxFetcher([tmp_path / "book"], lambda url, reason: refused.append(url)), refused, tmp_path


def test_serves_files_inside_the_book(fetcher):
    sandbox, refused, root = fetcher
    response = sandbox.fetch(path2url(root / "book" / "ok.svg"))
    assert b"<svg" in response.read() and not refused


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:9/x.png",
    "https://example.org/font.woff",
    "ftp://example.org/x",
])
def test_refuses_outside_urls(fetcher, url):
    sandbox, refused, _ = fetcher
    with pytest.raises(ValueError):
        sandbox.fetch(url)
    assert refused == [url]


def test_refuses_escapes_and_symlinks(fetcher):
    sandbox, refused, root = fetcher
    for url in (path2url(root / "book") + "/../secret.txt", path2url(root / "book" / "link.txt")):
        with pytest.raises(ValueError):
            sandbox.fetch(url)
    assert len(refused) == 2


def test_bundled_fonts_only(fetcher):
    sandbox, refused, _ = fetcher
    assert sandbox.fetch("nrbook-font:SourceSansPro-Regular.ttf").read()[:4] in (b"\x00\x01\x00\x00", b"true")
    with pytest.raises(ValueError):
        sandbox.fetch("nrbook-font:../../../etc/passwd")
