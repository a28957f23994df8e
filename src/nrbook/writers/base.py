"""The base of every writer: a format name and a ``write`` that stages files."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from ..context import BuildContext, BuildOptions


class Writer(ABC):
    """Writes one output format from the build context into the output stage."""

    format: ClassVar[str]
    description: ClassVar[str]

    def __init__(self, context: BuildContext):
        self.context = context

    @classmethod
    def lays_out(cls, options: BuildOptions) -> bool:
        """Whether this writer will lay pages out, as far as known before the sources are read."""
        return False

    @abstractmethod
    def write(self) -> list[Path]:
        """Stage this format's files; return their final paths."""
