"""Outputs appear all together or not at all, and the same sources give the same bytes."""

from __future__ import annotations

import pikepdf
import pytest
from conftest import MINI, build_book

from nrbook.writers import pdf as pdf_writer


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_build_that_fails_midway_leaves_previous_outputs_intact(tmp_path, monkeypatch, failure):
    out = tmp_path / "dist"
    build_book(MINI, out, formats=("html", "pdf"))
    before = snapshot(out)

    original = pdf_writer.join_book

    def broken(*args):
        original(*args)  # the HTML is already staged and the PDF joined when it breaks
        raise failure
    monkeypatch.setattr(pdf_writer, "join_book", broken)
    with pytest.raises(type(failure)):
        build_book(MINI, out, formats=("html", "pdf"))
    assert snapshot(out) == before, "previous files unchanged and no temporary file left"


def test_two_builds_give_byte_identical_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first, _ = build_book(MINI, tmp_path / "one")
    second, _ = build_book(MINI, tmp_path / "two")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_dates_come_from_source_date_epoch_or_the_book(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    written, _ = build_book(MINI, tmp_path / "epoch", formats=("pdf",))
    with pikepdf.open(next(p for p in written if p.suffix == ".pdf")) as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20231114221320")
        assert "2023-11-14T22:13:20" in str(pdf.open_metadata().get("xmp:CreateDate", ""))
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    written, _ = build_book(MINI, tmp_path / "book-date", formats=("pdf",))
    with pikepdf.open(next(p for p in written if p.suffix == ".pdf")) as pdf:
        assert str(pdf.docinfo["/ModDate"]).startswith("D:20240601")
