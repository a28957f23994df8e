"""The HTML book is valid (Nu HTML Checker), works in a real browser (Chromium) and passes axe-core."""

from __future__ import annotations

from pathlib import Path

import axecheck
import pytest
from conftest import require

from nrbook.validators import NuHtmlChecker


def vnu_errors(path: Path) -> list[str]:
    checker = NuHtmlChecker()
    require(not checker.missing(), checker.missing())
    return checker.check(path).messages


def test_content_html_is_valid(content_build):
    assert vnu_errors(content_build["html"]) == []


def test_mini_html_is_valid(mini_build):
    assert vnu_errors(mini_build["html"]) == []


@pytest.mark.corpus
def test_corpus_html_is_valid(corpus_html):
    assert vnu_errors(corpus_html) == []


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_opens_without_console_errors_and_fits_the_screen(browser, content_build, tmp_path, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: problems.append(f"request {request.url}")
            if not request.url.startswith(("file:", "data:")) else None)
    page.goto(content_build["html"].as_uri())
    shot = tmp_path / f"book-{width}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert problems == []
    # no horizontal scrolling on a phone: the text reflows
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    side = page.eval_on_selector("#a-1 .sheet-side", "e => e.getBoundingClientRect()")
    body = page.eval_on_selector("#a-1 .sheet-body", "e => e.getBoundingClientRect()")
    if width < 800:
        assert side["bottom"] <= body["top"] + 1, "the side column stands above the text on a phone"
    else:
        assert side["right"] <= body["left"] + 1, "the side column stands beside the text on a wide screen"
    page.close()


def test_table_of_contents_links_land_on_their_targets(browser, content_build):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(content_build["html"].as_uri())
    hrefs = page.eval_on_selector_all("nav[role=doc-toc] a", "links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= 60
    for href in hrefs:
        page.click(f"nav[role=doc-toc] a[href='{href}']")
        assert page.evaluate("location.hash") == href
        top = page.evaluate(f"document.getElementById('{href[1:]}').getBoundingClientRect().top")
        at_end = page.evaluate("Math.ceil(window.scrollY + window.innerHeight) >= document.documentElement.scrollHeight")
        assert abs(top) < 2 or (at_end and 0 <= top < 900), f"{href} is not brought into view ({top:.0f} px)"
        page.evaluate("window.scrollTo(0, 0)")
    page.close()


@pytest.fixture(scope="module")
def axe_ready():
    require(not axecheck.missing(), axecheck.missing())


@pytest.mark.parametrize("width", list(axecheck.WIDTHS))
def test_content_html_has_no_wcag_violation(browser, axe_ready, content_build, width):
    violations = axecheck.axe_url(browser, content_build["html"].as_uri(), width)
    assert violations == [], "\n".join(v.format() for v in violations)


@pytest.mark.corpus
@pytest.mark.parametrize("width", list(axecheck.WIDTHS))
def test_corpus_html_has_no_wcag_violation(browser, axe_ready, corpus_html, width):
    violations = axecheck.axe_url(browser, corpus_html.as_uri(), width)
    assert violations == [], "\n".join(v.format() for v in violations)


def test_axe_finds_what_it_is_asked_to_find(browser, axe_ready, tmp_path):
    """The check can fail: a page with grey text on white and an image without text has both."""
    page = tmp_path / "faute.html"
    page.write_text('<!DOCTYPE html><html lang="fr"><title>Faute</title><body><main>'
                    '<p style="color:#aaa">Texte trop pâle</p><img src="data:,"></main></body></html>',
                    encoding="utf-8")
    found = {v.rule for v in axecheck.axe_url(browser, page.as_uri(), "phone")}
    assert {"color-contrast", "image-alt"} <= found
