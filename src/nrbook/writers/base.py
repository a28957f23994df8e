"""The base of every writer: a format name and a ``write`` that stages files."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from ..context import BuildContext


class Writer(ABC):
    """Writes one output format from the build context into the output stage."""

    format: ClassVar[str]
    description: ClassVar[str]

    def __init__(self, context: BuildContext):
        self.context = context

    @abstractmethod
    def write(self) -> list[Path]:
        """Stage this format's files; return their final paths."""
