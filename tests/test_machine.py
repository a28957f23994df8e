"""What the machine lacks is said once, as a note, and never fails correct sources."""

from __future__ import annotations

import weasyprint.pdf.fonts
from conftest import MINI

from nrbook.cli import main
from nrbook.machine import NOTES, note_for


def without_harfbuzz_subset(monkeypatch) -> None:
    """This machine as one without HarfBuzz-Subset: WeasyPrint really falls back to fontTools."""
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)


def test_fonttools_fallback_is_a_machine_note():
    message = ('Using fontTools instead of HarfBuzz-Subset for font "Source Sans Pro". This will be '
               'unsupported in future versions of WeasyPrint.')
    assert note_for(message) is NOTES[0]
    assert note_for("Ignored `colr: red` at 3:1, unknown property.") is None


def test_strict_build_without_harfbuzz_subset_succeeds_and_says_so_once(tmp_path, monkeypatch, capsys):
    without_harfbuzz_subset(monkeypatch)
    out = tmp_path / "dist"
    code = main(["build", "--source", str(MINI), "--out", str(out), "--format", "pdf", "--strict",
                 "--no-cache"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert (out / "mini.pdf").stat().st_size > 10_000
    assert err.count("nrbook: note:") == 1, err
    assert "apt-get install libharfbuzz-subset0" in err
    assert "warning" not in err and "error" not in err, err
