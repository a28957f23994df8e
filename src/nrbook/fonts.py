"""The typefaces that nrbook's own install brings, so the PDF looks the same everywhere."""

from __future__ import annotations

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


def bundled_font_files() -> list[Path]:
    """Every font file nrbook's install brings."""
    return sorted(p for p in font_directory().iterdir() if p.suffix in FONT_TYPES)
