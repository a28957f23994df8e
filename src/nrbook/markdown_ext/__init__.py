"""Python-Markdown extensions for how nrbook reads its sources."""

from __future__ import annotations

from .crossref import CrossRefExtension
from .figures import FigureExtension
from .html_blocks import HtmlBlockExtension

__all__ = ["CrossRefExtension", "FigureExtension", "HtmlBlockExtension"]
