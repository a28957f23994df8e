"""No source can make a build read, embed or fetch anything outside its tree."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from conftest import MINI, build_book, copy_book
from lxml import html as lxml_html
from pdfread import PdfBook

from nrbook.diagnostics import BuildFailed
from nrbook.output import OutputStage

SHEET = """---
id: a.3
title: Fiche piégée
priority: Prioritaire
difficulty: Facile
pilots:
  - Direction
indicators:
  - "Un indicateur"
---

Début de la fiche.

{payload}

Fin de la fiche.
"""


@pytest.fixture(scope="module")
def server():
    """A local server that records every request: none may arrive."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()


def attack(tmp_path: Path, payload: str, extra: dict | None = None):
    files = {"alpha/piege.md": SHEET.format(payload=payload), **(extra or {})}
    source = copy_book(MINI, tmp_path / "book", files)
    written, diagnostics = build_book(source, tmp_path / "dist")
    outputs = {p.suffix: p for p in written}
    warnings = [p.format(relative_to=source) for p in diagnostics.warnings]
    return source, outputs, warnings


def everything_written(outputs) -> bytes:
    return b"".join(path.read_bytes() for path in outputs.values())


CASES = {
    "file-url-image": ('<img src="file:///etc/passwd" alt="x">', "file:///etc/passwd"),
    "relative-escape-image": ("![x](../../../../../../../../etc/hostname)", "../../../../../../../../etc/hostname"),
    "link-attachment": ('<link rel="attachment" href="file:///etc/passwd">', "file:///etc/passwd"),
    "anchor-attachment": ('<a rel="attachment" href="../../../../../../etc/passwd">pièce jointe</a>',
                          "../../../../../../etc/passwd"),
    "style-import": ('<style>@import url("file:///etc/passwd");</style>', "<style>"),
    "style-attribute-url": ('<p style="background: url(file:///etc/passwd)">texte</p>', "url(file:///etc/passwd)"),
    "file-link": ("[mot de passe](file:///etc/passwd)", "file:///etc/passwd"),
    "javascript-link": ("[clic](javascript:alert(1))", "javascript:alert(1)"),
    "iframe": ('<iframe src="file:///etc/passwd"></iframe>', "file:///etc/passwd"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_outside_references_are_refused_named_and_absent(tmp_path, name):
    payload, reference = CASES[name]
    source, outputs, warnings = attack(tmp_path, payload)
    line = SHEET.split("\n").index("{payload}") + 1
    assert any(w.startswith(f"alpha/piege.md:{line}: warning:") for w in warnings), warnings
    data = everything_written(outputs)
    assert b"root:" not in data, "nothing of /etc/passwd in any output"
    html = lxml_html.fromstring(outputs[".html"].read_bytes())
    for value in html.xpath("//@src | //@href | //@style"):
        assert "etc/passwd" not in value and "etc/hostname" not in value and "javascript:" not in value
    assert not html.xpath("//iframe | //link | //script | //*[@rel='attachment']")
    assert "Fin de la fiche." in " ".join(PdfBook(outputs[".pdf"]).pages), "the rest of the sheet is built"


@pytest.mark.parametrize("template", [
    '<img src="{url}/image.png" alt="x">',
    "![x]({url}/image.png)",
    '<link rel="stylesheet" href="{url}/style.css">',
    '<p style="background: url({url}/bg.png)">texte</p>',
    '<style>@import "{url}/style.css";</style>',
])
def test_no_request_reaches_a_local_server(tmp_path, server, template):
    url, requests = server
    source, outputs, warnings = attack(tmp_path, template.format(url=url))
    assert warnings, "the refusal is reported"
    assert requests == []
    assert url.encode() not in everything_written(outputs)


def test_svg_with_external_references_is_cleaned(tmp_path, server):
    url, requests = server
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           f'viewBox="0 0 10 10"><image href="{url}/a.png" width="5" height="5"/>'
           f'<image xlink:href="file:///etc/passwd" width="5" height="5"/>'
           f'<style>@import url({url}/s.css);</style><script>alert(1)</script>'
           f'<rect width="10" height="10" fill="#000"/></svg>')
    source, outputs, warnings = attack(tmp_path, "![Un dessin](../piege.svg)", {"piege.svg": svg})
    assert len([w for w in warnings if "SVG image '../piege.svg'" in w]) == 4, warnings
    assert requests == []
    assert url.encode() not in everything_written(outputs)


def test_symlinks_that_leave_the_tree_are_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>SECRET</text></svg>')
    (outside / "fiche.md").write_text(SHEET.format(payload="SECRETSHEET"), encoding="utf-8")
    source = copy_book(MINI, tmp_path / "book", {"alpha/piege.md": SHEET.format(payload="![x](../lien.svg)")})
    (source / "lien.svg").symlink_to(outside / "secret.svg")
    (source / "beta" / "lien.md").symlink_to(outside / "fiche.md")
    with pytest.raises(BuildFailed) as failure:
        build_book(source, tmp_path / "dist")
    messages = [p.format(relative_to=source) for p in failure.value.diagnostics.problems]
    assert any(m.startswith("beta/lien.md:1: error: symbolic link leads outside the source folder")
               for m in messages), messages
    assert any("alpha/piege.md:14: warning: image path leads outside the source folder" in m
               for m in messages), messages


def test_output_names_cannot_leave_the_output_folder(tmp_path):
    stage = OutputStage(tmp_path / "dist")
    with pytest.raises(ValueError):
        stage.path_for("../x.pdf")
    source = copy_book(MINI, tmp_path / "book", {"alpha/piege.md": SHEET.format(payload="x").replace(
        "id: a.3", "id: ../x")})
    with pytest.raises(BuildFailed) as failure:
        build_book(source, tmp_path / "out")
    assert any("sheet id '../x' is not of the form letter.number" in p.message
               for p in failure.value.diagnostics.errors)
    assert not (tmp_path / "x.pdf").exists()
