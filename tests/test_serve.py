"""The live preview as an editor uses it: a real server on a free port, edits, errors, print previews."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import MINI, ROOT, copy_book, require, run_nrbook
from lxml import html as lxml_html

from nrbook.preview import _lasting_changes

SERVING = re.compile(r"Serving on (http://127\.0\.0\.1:(\d+)/)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STARTUP_S = 60
PRINT_S = 180  # the mini book lays out in a few seconds; CI machines can be slow


class Server:
    """``nrbook serve`` in a subprocess, its output collected as it comes."""

    def __init__(self, source: Path, cwd: Path, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nrbook", "serve", "--source", str(source), *args],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = ""

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_serving(self) -> str:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if match := SERVING.search(self.output):
                self.url = match.group(1)
                return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"the server did not start:\n{self.output}")

    def get(self, path: str) -> tuple[int, str, bytes]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=15) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    def text(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return body.decode("utf-8")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        return self.process.returncode


def wait_for(check: Callable[[], object], timeout: float, what: str, server: Server) -> object:
    """Poll ``check`` until it returns something true; fail with the server's output if never."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        assert server.process.poll() is None, f"the server stopped:\n{server.output}"
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n--- server output ---\n{server.output}")


def page_text(html: str) -> str:
    return " ".join(lxml_html.fromstring(html).text_content().split())


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Server, Path]]:
    """One server on a copy of the mini book, shared by the tests below, in their order."""
    folder = tmp_path_factory.mktemp("serve")
    source = copy_book(MINI, folder / "book")
    server = Server(source, folder, "--port", "0")
    server.wait_until_serving()
    yield server, source
    server.stop()


def test_prints_its_local_address_and_serves_the_book_with_the_reload_script(served):
    server, _ = served
    assert server.url.startswith("http://127.0.0.1:")
    assert int(SERVING.search(server.output).group(2)) > 0  # --port 0 chose a free port
    status, content_type, body = server.get("/")
    assert status == 200 and content_type.startswith("text/html")
    root = lxml_html.fromstring(body)
    assert root.xpath("//article[@data-sheet-id='a.2']"), "the book itself is served"
    scripts = root.xpath("//script")
    assert len(scripts) == 1 and "/__build" in scripts[0].text
    assert scripts[0].get("data-watch") == "build"
    state = json.loads(server.get("/__build")[2])
    assert state["build"] >= 1 and state["errors"] == 0


def test_a_sheet_preview_shows_its_printed_page_and_the_fitting_chosen(served):
    server, _ = served
    first = server.text("/sheet/a.2")
    assert "Deuxième pratique du thème" in first
    page = wait_for(lambda: (text := server.text("/sheet/a.2")) and "<img" in text and text,
                    PRINT_S, "the print preview of a.2", server)
    root = lxml_html.fromstring(page)
    image_url = root.xpath("//figure//img/@src")[0]
    assert re.fullmatch(r"/sheet/a\.2\.png\?v=\d+", image_url)
    assert re.search(r"Page \d+ du livre imprimé", page)
    facts = " ".join(root.xpath("string(//dl[@class='apercu-mesures'])").split())
    assert "Réglage choisi mise en page naturelle" in facts and "Corps du texte 9,5 pt" in facts
    assert "La fiche tient sur une page" in page

    status, content_type, png = server.get(image_url)
    assert status == 200 and content_type == "image/png"
    assert png.startswith(PNG_SIGNATURE) and png[12:16] == b"IHDR"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert 1000 <= width <= 2000 and abs(height / width - 297 / 210) < 0.01, (width, height)
    assert len(png) > 20_000, "a page with text, not a blank image"

    index = server.text("/sheet/")
    assert all(f'href="/sheet/{i}"' in index for i in ("a.2", "a.10", "b.1"))


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_preview_pages_have_no_wcag_violation(served, browser, width):
    """The book as served (with its toolbar), the list of sheets, a print preview, the problems."""
    import axecheck

    require(not axecheck.missing(), axecheck.missing())
    server, _ = served
    # the whole book's print done, the pages stop reloading themselves (axecheck copes if not)
    wait_for(lambda: "en cours" not in server.text("/sheet/"), PRINT_S, "the book's print", server)
    found = {path: axecheck.axe_url(browser, server.url + path.lstrip("/"), width)
             for path in ("/", "/sheet/", "/sheet/a.2", "/problems")}
    assert found == {path: [] for path in found}, "\n".join(
        f"{path}:\n" + "\n".join(v.format() for v in violations)
        for path, violations in found.items() if violations)


def test_the_preview_pages_colours_have_enough_contrast(served):
    """As tests/test_contrast.py does for the book, from styles/preview.css (and the book's own)."""
    from csscolors import Rules, colour_pairs, too_low

    from nrbook.context import STYLES_DIR, STYLESHEETS

    server, _ = served
    preview = STYLES_DIR / "preview.css"
    book_rules = Rules.of([*(STYLES_DIR / name for name in STYLESHEETS["screen"]), preview])
    found = []
    for path, rules in (("/", book_rules), ("/sheet/", Rules.of([preview])),
                        ("/sheet/a.2", Rules.of([preview])), ("/problems", Rules.of([preview]))):
        pairs = colour_pairs(server.text(path), rules)
        assert len(pairs) >= 3, (path, pairs)
        found += [f"{path}: {line}" for line in too_low(pairs)]
    assert found == []


def test_an_edited_source_is_served_after_the_rebuild(served):
    server, source = served
    before = json.loads(server.get("/__build")[2])["build"]
    sheet = source / "alpha" / "deuxieme.md"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(
        "title: Deuxième pratique du thème", "title: Deuxième pratique, retouchée"), encoding="utf-8")
    wait_for(lambda: "Deuxième pratique, retouchée" in server.text("/"), 30, "the edited title", server)
    assert json.loads(server.get("/__build")[2])["build"] > before
    assert "deuxieme.md" in server.output  # the terminal says what changed


def test_errors_show_in_the_page_and_the_terminal_and_the_server_keeps_running(served):
    server, source = served
    sheet = source / "alpha" / "deuxieme.md"
    good = sheet.read_text(encoding="utf-8")
    sheet.write_text(good.replace("priority: Prioritaire", "priority: Urgente"), encoding="utf-8")
    problem = re.compile(r"deuxieme\.md:4: error: unknown priority 'Urgente'")
    page = wait_for(lambda: (text := server.text("/")) and problem.search(page_text(text)) and text,
                    30, "the error page", server)
    assert "1 erreur dans les sources" in page_text(page) and 'href="/last-good"' in page
    assert lxml_html.fromstring(page).xpath("//script"), "the error page reloads itself too"
    assert problem.search(server.output), "the error is printed in the terminal as well"
    assert json.loads(server.get("/__build")[2])["errors"] == 1

    last_good = server.text("/last-good")
    assert "Deuxième pratique, retouchée" in last_good
    assert "dernière version correcte" in page_text(last_good)
    sheet_page = server.text("/sheet/a.2")
    assert "Les sources contiennent 1 erreur" in page_text(sheet_page)

    sheet.write_text(good, encoding="utf-8")
    wait_for(lambda: "<article" in server.text("/"), 30, "the book again, once fixed", server)
    assert json.loads(server.get("/__build")[2])["errors"] == 0


def test_unknown_pages_and_foreign_hosts(served):
    server, _ = served
    status, _, body = server.get("/sheet/z.9")
    assert status == 404 and "Page introuvable" in body.decode()
    assert server.get("/nulle-part")[0] == 404
    request = urllib.request.Request(server.url, headers={"Host": "exemple.test"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 421


def test_the_port_in_use_is_a_usage_error(served, tmp_path):
    server, source = served
    port = SERVING.search(server.output).group(2)
    result = run_nrbook("serve", "--source", str(source), "--port", port, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "cannot listen on 127.0.0.1:" in result.stderr and "Traceback" not in result.stderr


def test_stops_cleanly_on_terminate(tmp_path):
    server = Server(MINI, tmp_path, "--port", "0")
    server.wait_until_serving()
    assert server.get("/")[0] == 200
    assert server.stop() == 0
    assert "nrbook serve: stopped" in server.output and "Traceback" not in server.output


def test_the_published_html_has_no_script(tmp_path):
    out = tmp_path / "dist"
    result = run_nrbook("build", "--source", str(MINI), "--out", str(out), "--format", "html",
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    published = (out / "mini.html").read_text(encoding="utf-8")
    assert "<script" not in published and "__build" not in published
    assert "apercu" not in published, "no trace of the preview in the published book"


def test_transient_files_do_not_trigger_a_rebuild(tmp_path):
    from watchfiles import Change

    kept = tmp_path / "fiche.md"
    kept.write_text("x", encoding="utf-8")
    changes = {(Change.added, str(tmp_path / "sedAb12")), (Change.deleted, str(tmp_path / "sedAb12")),
               (Change.modified, str(kept)), (Change.deleted, str(tmp_path / "ancienne.md"))}
    assert _lasting_changes(changes) == sorted([str(kept), str(tmp_path / "ancienne.md")])


def test_make_serve_target_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve:.*\n\t@?\$\(NRBOOK\) serve --source \$\(SOURCE\)", makefile, re.MULTILINE)


def test_a_saved_sheet_is_printed_alone_at_once_and_it_is_the_books_page(tmp_path):
    """Laid out alone, a sheet is its page of the whole book: pixel for pixel, fitting included."""
    import io

    from conftest import build_book
    from pdfread import PdfBook, page_images
    from PIL import Image
    from test_fit import long_sheet

    source = copy_book(MINI, tmp_path / "book", {"alpha/long.md": long_sheet(720, "FIN")})
    server = Server(source, tmp_path, "--port", "0")
    server.wait_until_serving()
    try:
        for sheet_id in ("a.3", "a.2"):  # looked at: laid out again at every save
            server.text(f"/sheet/{sheet_id}")
        sheet = source / "alpha" / "long.md"
        sheet.write_text(sheet.read_text(encoding="utf-8").replace(" FIN", " Une phrase de plus. FIN"),
                         encoding="utf-8")
        build = wait_for(lambda: (b := json.loads(server.get("/__build")[2])["build"]) >= 2 and b,
                         30, "the rebuild", server)
        written, _ = build_book(source, tmp_path / "dist", formats=("pdf",))
        book_pdf = next(p for p in written if p.suffix == ".pdf")
        toc = PdfBook(book_pdf).toc_entries()
        report = json.loads((tmp_path / "dist" / "fit-report.json").read_text(encoding="utf-8"))
        assert next(s for s in report["sheets"] if s["id"] == "a.3")["level"] > 0

        def image(sheet_id: str, kind: str) -> Image.Image:
            def answer():
                address = f"{server.url}sheet/{sheet_id}.png?build={build}&dpi=50&print={kind}"
                try:
                    response = urllib.request.urlopen(address, timeout=30)
                except urllib.error.HTTPError:
                    return None  # not laid out yet
                with response:
                    made = int(response.headers["X-Nrbook-Build"])
                    shown = response.headers["X-Nrbook-Print"]
                    body = response.read()
                return made >= build and shown == kind and body
            data = wait_for(answer, PRINT_S, f"the {kind} print of {sheet_id}", server)
            return Image.open(io.BytesIO(data)).convert("RGB")

        for kind in ("sheet", "book"):  # first laid out alone; then the whole book follows
            for sheet_id in ("a.3", "a.2"):
                expected = page_images(book_pdf, numbers=[toc[sheet_id]])[0]
                assert image(sheet_id, kind).tobytes() == expected.tobytes(), (kind, sheet_id)
        page = server.text("/sheet/a.3")
        assert "Page" in page and "du livre imprimé" in page
    finally:
        server.stop()
