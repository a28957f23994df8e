"""Python-Markdown extensions for how nrbook reads its sources."""

from __future__ import annotations

from .commonmark_lists import CommonMarkListExtension
from .crossref import CrossRefExtension
from .figures import FigureExtension
from .html_blocks import HtmlBlockExtension

__all__ = ["CommonMarkListExtension", "CrossRefExtension", "FigureExtension", "HtmlBlockExtension"]
