"""The typefaces that nrbook's own install brings, so the PDF looks the same everywhere."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

FONT_SCHEME = "nrbook-font:"
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


def font_directory() -> Path:
    """Folder of the Source Sans Pro files shipped by the ``font-source-sans-pro`` package."""
    return Path(str(resources.files("font_source_sans_pro") / "files"))


def font_file(name: str) -> Path | None:
    """The font file a stylesheet names as ``nrbook-font:NAME``, or None if there is none."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = font_directory() / name
    return path if path.suffix in FONT_TYPES and path.is_file() else None


_FONT_URL = re.compile(re.escape(FONT_SCHEME) + r"([\w.-]+)")


def named_fonts(stylesheet: str) -> list[str]:
    """The ``nrbook-font:`` names a stylesheet uses, each once, sorted."""
    return sorted(set(_FONT_URL.findall(stylesheet)))
