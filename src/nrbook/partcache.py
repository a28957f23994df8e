"""Laid-out parts of the book kept between builds: a part whose HTML is unchanged is not laid out again.

A part is stored as the PDF WeasyPrint wrote for it and a JSON record of what its
layout told (page map, anchors, problems), under the hash of its HTML (every style and
image inlined) and of the layout salt (versions, fonts). The same key always gives the
same bytes, so a book joined from stored parts is the book a clean build joins.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

#: Beyond this size the least recently used parts are removed (a book's parts: about 1 MB).
CACHE_LIMIT_BYTES = 64 * 1024 * 1024


class PartCache:
    """Parts by key; with no folder, nothing is kept and nothing is found."""

    def __init__(self, folder: Path | None, salt: bytes):
        self.folder = folder / "parts" if folder is not None else None
        self.salt = salt

    def key(self, html: str) -> str:
        return hashlib.sha256(self.salt + html.encode("utf-8")).hexdigest()

    def get(self, key: str) -> tuple[Path | None, dict[str, Any]] | None:
        """The record of a part and its stored PDF (None if only the record was kept), or None."""
        if self.folder is None:
            return None
        pdf, record = self.folder / f"{key}.pdf", self.folder / f"{key}.json"
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        for path in (pdf, record):
            if path.exists():
                os.utime(path)  # recently used: kept when the cache is trimmed
        return (pdf if pdf.is_file() else None), data

    def put(self, key: str, pdf: Path | None, record: dict[str, Any]) -> None:
        """Store a part's record, and its PDF (copied) if given; a reader never sees half an entry."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if pdf is not None:
            _write_atomically(self.folder / f"{key}.pdf", lambda path: shutil.copyfile(pdf, path))
        _write_atomically(self.folder / f"{key}.json",
                          lambda path: path.write_text(json.dumps(record, ensure_ascii=False,
                                                                  sort_keys=True), encoding="utf-8"))

    def trim(self, limit: int = CACHE_LIMIT_BYTES) -> None:
        """Remove the least recently used parts beyond the size limit."""
        if self.folder is None or not self.folder.is_dir():
            return
        entries = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        total = 0
        for record in entries:
            pdf = record.with_suffix(".pdf")
            total += record.stat().st_size + (pdf.stat().st_size if pdf.exists() else 0)
            if total > limit:
                pdf.unlink(missing_ok=True)
                record.unlink(missing_ok=True)


def _write_atomically(target: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
