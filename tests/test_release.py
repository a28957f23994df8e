"""nrbook release: the content's release folder read back file by file, its page validated and
opened in Chromium, reproducible bytes, the changes since the previous release, and refusals."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from conftest import CONTENT, MINI, copy_book, require, run_nrbook
from lxml import html as lxml_html

from nrbook import validators
from nrbook.config import load_config
from nrbook.context import BuildOptions
from nrbook.diagnostics import BuildFailed, Diagnostics
from nrbook.release import ReleaseRefused, previous_edition, release
from nrbook.verapdf import VeraPdf

NBSP = "\u00a0"
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}


def release_tools() -> None:
    """The release refuses to go out unchecked: without its validators these tests cannot run."""
    for checker in (validators.EpubCheck(), validators.PdfUa(), validators.NuHtmlChecker(), VeraPdf()):
        require(not checker.missing(), checker.missing())


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return {**env, **extra}


def french_size(size: int) -> str:
    """How the page must write a size, computed here on its own: "0,7 Mo", "45 ko"."""
    if size < 100_000:
        return f"{max(1, round(size / 1000))}{NBSP}ko"
    return f"{size / 1_000_000:.1f}".replace(".", ",") + f"{NBSP}Mo"


@pytest.fixture(scope="module")
def content_release(tmp_path_factory):
    release_tools()
    out = tmp_path_factory.mktemp("release")
    done = run_nrbook("release", "--source", str(CONTENT), "--out", str(out), "--no-cache",
                      env=environment())
    assert done.returncode == 0, done.stderr
    return {"folder": out / "1.0", "stderr": done.stderr, "out": out}


def page_of(folder: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((folder / "index.html").read_bytes())


def test_every_download_under_the_books_name_and_version(content_release):
    base = "guide-numerique-responsable-v1.0"
    names = {p.name for p in content_release["folder"].iterdir()}
    assert names == {f"{base}.pdf", f"{base}-eco.pdf", f"{base}.epub", f"{base}.html", f"{base}.csv",
                     f"{base}.json", *(f"{base}-fiches-{letter}.pdf" for letter in "abcdefghi"),
                     "edition.json", "index.html", "SHA256SUMS"}
    assert not [p for p in content_release["out"].iterdir() if p.name != "1.0"], "no work files left"


def test_sha256sum_verifies_every_file(content_release):
    folder = content_release["folder"]
    done = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=folder,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = [line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()]
    assert listed == sorted(p.name for p in folder.iterdir() if p.name != "SHA256SUMS")


def page_texts(path: Path) -> list[str]:
    """Each page's text (PDFium: fast enough to read every page of the book)."""
    document = pypdfium2.PdfDocument(str(path))
    return [document[number].get_textpage().get_text_range() for number in range(len(document))]


def anchor_pages(path: Path) -> dict[str, int]:
    """The page (from 0) of each named destination: where each sheet's anchor lies."""
    with pikepdf.open(path) as pdf:
        numbers = {page.objgen: number for number, page in enumerate(pdf.pages)}
        return {name: numbers[target[0].objgen] for name, target in pikepdf.NameTree(pdf.Root.Names.Dests).items()}


def test_each_theme_handout_is_the_books_own_pages(content_release):
    folder = content_release["folder"]
    book = page_texts(folder / "guide-numerique-responsable-v1.0.pdf")
    pages = anchor_pages(folder / "guide-numerique-responsable-v1.0.pdf")
    edition = json.loads((folder / "edition.json").read_text(encoding="utf-8"))
    for theme in edition["thematiques"]:
        handout = page_texts(folder / f"guide-numerique-responsable-v1.0-fiches-{theme['id'].rstrip('.')}.pdf")
        anchors = [p["id"].replace(".", "-") for p in theme["bonnesPratiques"]]
        assert handout == [book[pages[anchor]] for anchor in anchors], theme["id"]
        assert all(f"{anchor.replace('-', '.')}" in text for anchor, text in zip(anchors, handout))


def test_the_eco_pdf_is_the_same_book_in_the_ink_saving_profile(content_release):
    folder = content_release["folder"]
    book, eco = (folder / "guide-numerique-responsable-v1.0.pdf", folder / "guide-numerique-responsable-v1.0-eco.pdf")
    assert len(page_texts(eco)) == len(page_texts(book)) and anchor_pages(eco) == anchor_pages(book)
    assert eco.read_bytes() != book.read_bytes()


def test_the_exports_and_the_edition_are_the_books_practices(content_release):
    folder = content_release["folder"]
    data = json.loads((folder / "guide-numerique-responsable-v1.0.json").read_text(encoding="utf-8"))
    edition = json.loads((folder / "edition.json").read_text(encoding="utf-8"))
    assert data["version"] == "1.0"
    ids = [p["id"] for t in data["thematiques"] for p in t["bonnesPratiques"]]
    assert ids == [p["id"] for t in edition["thematiques"] for p in t["bonnesPratiques"]]
    assert all(len(p["texte"].split()) > 50 for t in edition["thematiques"] for p in t["bonnesPratiques"])
    rows = (folder / "guide-numerique-responsable-v1.0.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    assert rows[0].startswith("Id,Titre") and len(ids) >= 50


def test_the_download_page_offers_each_file_with_its_format_size_use_and_checksum(content_release):
    folder = content_release["folder"]
    page = page_of(folder)
    assert page.get("lang") == "fr" and not page.xpath("//script") and not page.xpath("//link")
    assert page.xpath("string(//title)") == ("Télécharger : Guide de bonnes pratiques numérique "
                                             "responsable, version 1.0")
    assert page.xpath("string(//h1)") == "Guide de bonnes pratiques numérique responsable"
    text = " ".join(page.text_content().split())
    assert "Version 1.0 · 22 novembre 2026" in text
    levels = [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    assert page.xpath("//header") and page.xpath("//main") and page.xpath("//footer")
    licence = page.xpath("//footer//a")[0]
    assert licence.text == "Licence Ouverte / Open Licence 2.0 (Etalab)"
    assert licence.get("href") == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    offered = sorted(set(sums) - {"edition.json", "index.html"})
    items = {item.xpath("string(a/@href)"): item for item in page.xpath("//li[@class='download']")}
    assert sorted(items) == offered
    for name, item in items.items():
        data = (folder / name).read_bytes()
        words = " ".join(item.text_content().split()).replace(NBSP, " ")
        assert hashlib.sha256(data).hexdigest() == sums[name] == item.xpath("string(.//code)")
        assert french_size(len(data)).replace(NBSP, " ") in words, (name, words)
        assert re.search(r"\((PDF|EPUB 3|HTML|CSV|JSON), ", words), words
    uses = {name.rsplit("-v1.0", 1)[1]: " ".join(item.text_content().split()) for name, item in items.items()}
    assert "pour imprimer" in uses[".pdf"].lower() and "noir et blanc" in uses["-eco.pdf"]
    assert "liseuses" in uses[".epub"] and "navigateur" in uses[".html"]
    assert "tableur" in uses[".csv"] and "programmes" in uses[".json"]
    assert "Thème A : Stratégie et gouvernance" in uses["-fiches-a.pdf"]
    assert "C’est la première version publiée ici" in text  # nothing earlier in an empty release folder
    checks = [" ".join(li.text_content().split()) for li in page.xpath("//ul[@class='release-checks']/li")]
    assert checks[0] == "EPUBCheck 5.3.0 (1 fichier) : aucun problème."
    assert "pdfua 0.1.3 (11 fichiers) : aucun problème." in checks
    assert "Nu HTML Checker 26.9.27 (2 fichiers) : aucun problème." in checks  # the book and this page
    assert f"veraPDF {VeraPdf().version()} (11 fichiers) : aucun problème." in checks


def test_the_report_names_each_check_and_the_one_that_did_not_run(content_release):
    report = content_release["stderr"]
    assert "EPUBCheck 5.3.0: passed on guide-numerique-responsable-v1.0.epub" in report
    assert re.search(r"^pdfua 0\.1\.3: passed on (\S+\.pdf(, )?){11}$", report, re.MULTILINE), report
    assert re.search(r"^veraPDF [\d.]+: passed on (\S+\.pdf(, )?){11}$", report, re.MULTILINE), report
    assert "Nu HTML Checker 26.9.27: passed on guide-numerique-responsable-v1.0.html, index.html" in report
    assert "no previous edition to compare with: a first release" in report


def test_the_download_page_is_valid_html(content_release):
    assert validators.NuHtmlChecker().check(content_release["folder"] / "index.html").messages == []


@pytest.mark.parametrize("width", [390, 1366], ids=["phone", "desktop"])
def test_the_download_page_in_chromium(browser, content_release, tmp_path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.on("request", lambda request: problems.append(f"request {request.url}")
            if not request.url.startswith(("file:", "data:")) else None)
    page.goto((content_release["folder"] / "index.html").as_uri())
    shot = tmp_path / f"release-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000 and problems == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, "no sideways scrolling"
    # every link of the page leads to a file of the folder or to the web
    for href in page.eval_on_selector_all("a", "links => links.map(a => a.href)"):
        if href.startswith("file:"):
            assert Path(href.removeprefix("file://")).is_file(), href
    page.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_download_page_has_no_wcag_violation(browser, content_release, width):
    import axecheck

    require(not axecheck.missing(), axecheck.missing())
    violations = axecheck.axe_url(browser, (content_release["folder"] / "index.html").as_uri(), width)
    assert violations == [], "\n".join(v.format() for v in violations)


@pytest.fixture(scope="module")
def mini_releases(tmp_path_factory):
    """The test book released twice into two folders: cold, then with the fitting cache filled."""
    release_tools()
    made = {}
    for name, extra in (("a", ("--no-cache",)), ("b", ())):
        out = tmp_path_factory.mktemp(f"mini-release-{name}")
        work = tmp_path_factory.mktemp(f"mini-work-{name}")  # its own .nrbook-cache
        done = run_nrbook("release", "--source", str(MINI), "--out", str(out), *extra, cwd=work,
                          env=environment(**EPOCH))
        assert done.returncode == 0, done.stderr
        made[name] = out
    return made


def test_the_release_folder_is_byte_reproducible(mini_releases):
    first, second = mini_releases["a"] / "0.9", mini_releases["b"] / "0.9"
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and len(names) == 11
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_next_release_says_what_changed_since_the_previous_one(mini_releases, tmp_path):
    out = mini_releases["a"]
    before = {p.name: p.read_bytes() for p in (out / "0.9").iterdir()}
    source = copy_book(MINI, tmp_path / "mini")
    toml = (source / "book.toml").read_text(encoding="utf-8")
    (source / "book.toml").write_text(toml.replace('version = "0.9"', 'version = "1.0"'), encoding="utf-8")
    sheet = source / "alpha" / "deuxieme.md"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("priority: Prioritaire", "priority: Recommandée"),
                     encoding="utf-8")
    done = run_nrbook("release", "--source", str(source), "--out", str(out), cwd=tmp_path,
                      env=environment(**EPOCH))
    assert done.returncode == 0, done.stderr
    assert f"changes since {out / '0.9'}: 0 added, 0 removed, 0 renumbered, 0 retitled, 1 changed" in done.stderr
    folder = out / "1.0"
    text = (folder / "changes.md").read_text(encoding="utf-8").replace(NBSP, " ")
    assert text.startswith("## Version 1.0 du 1er juin 2024\n\nPar rapport à la version 0.9 du 1er juin 2024 : "
                           "1 fiche modifiée ; 2 fiches inchangées.")
    assert ("- **Modifiée** : a.2 « Deuxième pratique du thème » — priorité Recommandée (au lieu de "
            "Prioritaire).") in text
    assert json.loads((folder / "changes.json").read_text(encoding="utf-8"))["summary"]["changed"] == 1
    page = page_of(folder)
    section = page.xpath("//section[@aria-labelledby='ce-qui-a-change']")[0]
    assert section.xpath("string(h3)") == "Version 1.0 du 1er juin 2024"
    assert "priorité Recommandée (au lieu de Prioritaire)" in section.text_content()
    assert section.xpath(".//a/@href") == ["changes.md", "changes.json"]
    assert {"changes.md", "changes.json"} <= {line.split("  ")[1] for line in
                                              (folder / "SHA256SUMS").read_text().splitlines()}
    assert {p.name: p.read_bytes() for p in (out / "0.9").iterdir()} == before, "0.9 is left as it was"


def test_sources_that_fail_strict_or_have_no_version_release_nothing(tmp_path):
    broken = copy_book(MINI, tmp_path / "broken")
    sheet = broken / "alpha" / "deuxieme.md"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n![Un schéma](absent.svg)\n", encoding="utf-8")
    unversioned = copy_book(MINI, tmp_path / "unversioned")
    toml = unversioned / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('version = "0.9"\n', ""), encoding="utf-8")
    needs_version = "book.toml:1: error: a release needs [book] version"
    for source, expected in ((broken, "deuxieme.md:"), (unversioned, needs_version)):
        out = tmp_path / f"out-{source.name}"
        done = run_nrbook("release", "--source", str(source), "--out", str(out), cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert expected in done.stderr and "nothing was written" in done.stderr
        assert "Traceback" not in done.stderr and not out.exists()


def test_a_failed_check_or_a_missing_validator_releases_nothing(tmp_path, monkeypatch):
    release_tools()
    layouts = tmp_path / "layouts"
    shutil.copytree(BuildOptions().layouts, layouts)
    sheet = layouts / "epub" / "sheet.xhtml.j2"  # an element XHTML does not have: EPUBCheck errors
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("{% block body %}",
                                                                "{% block body %}<blink>!</blink>"),
                     encoding="utf-8")
    monkeypatch.setattr(validators, "VNU_JAR", tmp_path / "no-vnu.jar")
    out = tmp_path / "release"
    with pytest.raises(ReleaseRefused) as refusal:
        release(BuildOptions(source=MINI, layouts=layouts, cache=None), out)
    report = "\n".join(refusal.value.checks.lines())
    assert "EPUBCheck 5.3.0: FAILED on mini-v0.9.epub" in report and "blink" in report
    assert re.search(r"^Nu HTML Checker: not run: the Nu HTML Checker is not installed", report, re.MULTILINE)
    assert "veraPDF 1.28.2: passed on" in report and "pdfua 0.1.3: passed on" in report
    assert {r.check.split()[0] for r in refusal.value.checks.refused} == {"EPUBCheck", "Nu"}
    assert not out.exists()


def test_the_previous_edition_can_be_a_json_export_named_in_book_toml(tmp_path):
    source = copy_book(MINI, tmp_path / "mini")
    done = run_nrbook("export", "--source", str(source), "--format", "json",
                      "--out", str(tmp_path / "v0.json"))
    assert done.returncode == 0, done.stderr
    toml = source / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[release]\nprevious = "../v0.json"\n',
                    encoding="utf-8")
    config = load_config(toml, Diagnostics())
    edition, named = previous_edition(config, tmp_path / "no-releases", "1.0", None, Diagnostics())
    assert named == str(tmp_path / "v0.json")
    assert [p.id for p in edition.practices] == ["a.2", "a.10", "b.1"]
    assert edition.practices[0].words is None  # an export has no text
    toml.write_text(toml.read_text(encoding="utf-8").replace("../v0.json", "../absent.json"),
                    encoding="utf-8")
    diagnostics = Diagnostics()
    with pytest.raises(BuildFailed):
        previous_edition(load_config(toml, diagnostics), tmp_path, "1.0", None, diagnostics)
    assert diagnostics.errors[0].format().endswith(
        f"book.toml:{toml.read_text().count(chr(10))}: error: [release] previous: "
        f"{tmp_path / 'absent.json'} does not exist (give a JSON export or a release folder, "
        "relative to book.toml)")
    toml.write_text(toml.read_text(encoding="utf-8").replace("previous =", "previus ="), encoding="utf-8")
    diagnostics = Diagnostics()
    assert load_config(toml, diagnostics) is None
    assert "unknown key 'previus' in [release] (did you mean 'previous'?)" in diagnostics.errors[0].format()


def test_a_validator_this_nrbook_lacks_is_said_absent_not_required():
    from nrbook.release_checks import plugged

    check = plugged("nrbook.no_such_checker", "Checker", "Nothing", (".pdf",), until="not in this nrbook")
    assert (check.validator.name, check.required, check.missing()) == ("Nothing", False, "not in this nrbook")
    assert plugged("nrbook.verapdf", "VeraPdf", "veraPDF", (".pdf",), until="").required
