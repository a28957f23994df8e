"""Every character the book prints comes from a font nrbook installs; others are reported."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import MINI, ROOT, build_book, copy_book
from pdfread import PdfBook

from nrbook.context import LAYOUTS_DIR, STYLES_DIR
from nrbook.diagnostics import BuildFailed
from nrbook.fonts import font_file, named_fonts
from nrbook.glyphs import font_coverage, printable

#: What the layouts, the styles and ordinary French sources print beyond plain letters.
SYMBOLS = ("•◦▪–—‘’“”«»…→←↑↓↔⇒✓✔✗✘≥≤×±≠≈€°²³½©®™‰§"
           "\u00a0\u202f\u2009\u200a\u2002\u2003\u2010")
#: The names the PDF gives the bundled families (subset prefix "ABCDEF+" aside).
BUNDLED = re.compile(r"^/[A-Z]{6}\+(Source-Sans-Pro(-[A-Za-z-]+)?|Noto-Sans-Math|Noto-Sans-Symbols2)$")

SYMBOL_SHEET = """---
id: a.3
title: Fiche des symboles « typographiques »
priority: Recommandée
difficulty: Moyenne
pilots:
  - Direction générale
indicators:
  - "Part du parc ≥ 5 ans (en %)"
---

Une liste à quatre niveaux :

- premier niveau
  - deuxième niveau
    - troisième niveau
      - quatrième niveau

Signes : {symbols}, et 3\u202f% ; 12\u00a0€ ; 2\u2009000 ; l’« essentiel » — dit‐on.
"""


def test_every_usual_symbol_is_in_a_bundled_font():
    coverage = font_coverage(STYLES_DIR)
    missing = [f"U+{ord(c):04X} {c}" for c in SYMBOLS if ord(c) not in coverage]
    assert not missing, missing


def test_the_styles_name_only_installed_fonts():
    names = named_fonts((STYLES_DIR / "print.css").read_text(encoding="utf-8"))
    assert any(n.startswith("SourceSansPro") for n in names) and any("noto-sans" in n for n in names)
    assert all(font_file(name) is not None for name in names), names


def test_the_layouts_and_styles_print_only_bundled_characters():
    coverage = font_coverage(STYLES_DIR)
    files = [p for p in LAYOUTS_DIR.rglob("*.j2") if not p.relative_to(LAYOUTS_DIR).parts[0]
             in ("preview", "scaffold")]  # the preview is for browsers; scaffolds write Markdown
    files += [STYLES_DIR / "base.css", STYLES_DIR / "print.css"]
    missing = {f"{p.name}: U+{ord(c):04X} {c}" for p in files for c in p.read_text(encoding="utf-8")
               if printable(c) and ord(c) not in coverage}
    assert not missing, sorted(missing)


@pytest.fixture(scope="module")
def symbol_pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("symbols")
    source = copy_book(MINI, folder / "book", {"alpha/symboles.md": SYMBOL_SHEET.format(symbols=" ".join(SYMBOLS))})
    written, diagnostics = build_book(source, folder / "dist", formats=("pdf",))
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    return next(p for p in written if p.suffix == ".pdf")


def test_a_sheet_of_symbols_and_nested_lists_uses_only_bundled_fonts(symbol_pdf):
    fonts = PdfBook(symbol_pdf).fonts()
    assert all(fonts.values()), f"every font embedded: {fonts}"
    assert all(BUNDLED.match(name) for name in fonts), fonts
    assert not any("DejaVu" in name for name in fonts), fonts
    # "◦" and "▪" (list depths 2 to 4) and ✔ ✘ exist only in the two Noto families
    assert any("Noto-Sans-Math" in name for name in fonts), fonts
    assert any("Noto-Sans-Symbols2" in name for name in fonts), fonts


def test_the_symbols_read_back_from_the_pdf(symbol_pdf):
    page = next(text for text in PdfBook(symbol_pdf).pages if "quatrième niveau" in text)
    for char in "→⇒✔✘≥≠≈€½™‰§":
        assert char in page, char


EMOJI_SHEET = """---
id: a.3
title: Une fiche gaie
priority: Recommandée
difficulty: Moyenne
pilots:
  - Direction ☺︎ générale
indicators:
  - "Un indicateur"
---

Un paragraphe sans surprise.

Bravo 🎉 à l’équipe, et &#x1F331; pour la planète.
<!-- 🙈 un commentaire ne s’imprime pas -->
"""


def test_a_character_outside_the_fonts_is_a_warning_with_its_line(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/gaie.md": EMOJI_SHEET})
    _, diagnostics = build_book(source, tmp_path / "dist", formats=("html",))
    problems = [p.format(relative_to=source) for p in diagnostics.sorted()]
    hint = ("(the PDF would borrow it from a font of this machine, or print a blank box: "
            "write it otherwise (a word, a usual sign), or leave it out)")
    assert problems == [
        f"alpha/gaie.md:7: warning: character U+263A '☺' is not in the book's fonts {hint}",
        f"alpha/gaie.md:14: warning: character U+1F331 '🌱' is not in the book's fonts {hint}",
        f"alpha/gaie.md:14: warning: character U+1F389 '🎉' is not in the book's fonts {hint}",
    ], problems


def test_with_strict_it_is_an_error_and_nothing_is_written(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/gaie.md": EMOJI_SHEET})
    with pytest.raises(BuildFailed) as failure:
        build_book(source, tmp_path / "dist", formats=("html",), strict=True)
    assert len(failure.value.diagnostics.errors) == 3
    assert not (tmp_path / "dist").exists()


def test_the_command_line_prints_the_warning(tmp_path):
    source = copy_book(MINI, tmp_path / "book", {"alpha/gaie.md": EMOJI_SHEET})
    done = subprocess.run([sys.executable, "-m", "nrbook", "check", "--source", str(source)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "book/alpha/gaie.md:14: warning: character U+1F389 '🎉' is not in the book's fonts" in done.stderr
    assert str(ROOT)  # the check ran from outside the checkout, as an editor's shell would


def test_a_woff_font_unpacked_for_the_joined_book_keeps_its_own_date(monkeypatch):
    """The joined book re-subsets fonts from their files: unpacking a WOFF2 must not stamp
    the time of the build into the font, or two builds of the same sources differ."""
    from io import BytesIO

    from fontTools.misc import timeTools
    from fontTools.ttLib import TTFont

    from nrbook import fontjoin

    from nrbook.fonts import font_directories

    woff = next(path for folder in font_directories() for path in sorted(folder.glob("*.woff2")))
    own_date = TTFont(woff)["head"].modified
    monkeypatch.setattr(timeTools, "timestampNow", lambda: own_date + 86400)
    fontjoin._original.cache_clear()
    name = TTFont(woff)["name"].getDebugName(6)
    unpacked = fontjoin._original(name, False, (woff,))
    assert unpacked is not None
    assert TTFont(BytesIO(unpacked))["head"].modified == own_date
