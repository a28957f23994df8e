"""Write outputs atomically: all files of a build appear together, or none does."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputStage:
    """Collects a build's files under temporary names; ``commit`` renames them all.

    A build that fails or is interrupted before ``commit`` leaves the previous outputs
    exactly as they were.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.staged: dict[Path, Path] = {}

    def path_for(self, name: str) -> Path:
        """A temporary path, in the output folder, for the file that will be ``name``."""
        target = self.target(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
        self.staged[target] = Path(temporary)
        return Path(temporary)

    def target(self, name: str) -> Path:
        target = (self.out_dir / name).resolve()
        if not target.is_relative_to(self.out_dir.resolve()):
            raise ValueError(f"output name {name!r} leaves the output folder")
        return target

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.path_for(name)
        path.write_bytes(data)
        return self.target(name)

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def commit(self) -> list[Path]:
        written = []
        for target, temporary in self.staged.items():
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
            written.append(target)
        self.staged.clear()
        return written

    def discard(self) -> None:
        for temporary in self.staged.values():
            temporary.unlink(missing_ok=True)
        self.staged.clear()

    def __enter__(self) -> OutputStage:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self.discard()
