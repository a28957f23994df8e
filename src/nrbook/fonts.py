"""The typefaces that nrbook's own install brings, so the PDF looks the same everywhere."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

FONT_SCHEME = "nrbook-font:"
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}

#: Where `make` installs the npm font packages (the git-ignored .tools/ of the checkout).
TOOLS_DIR = Path(__file__).resolve().parents[2] / ".tools"

#: Where `make` unpacks the symbol fonts, from Fontsource's WOFF2 to TrueType: unpacking
#: them in every process that lays a document out would cost more than laying out a sheet.
UNPACKED_DIR = TOOLS_DIR / "fonts"

#: The symbol families that complete Source Sans Pro (list markers "◦ ▪", arrows, heavy check
#: marks, thin spaces...): Fontsource's npm packages of Google's Noto fonts, SIL Open Font
#: Licence, installed by `make` under .tools/ at the versions the Makefile pins.
SYMBOL_PACKAGES = ("noto-sans-math", "noto-sans-symbols-2")


_FONT_URL = re.compile(re.escape(FONT_SCHEME) + r"([\w.-]+)")


def named_fonts(stylesheet: str) -> list[str]:
    """The ``nrbook-font:`` names a stylesheet uses, each once, sorted."""
    return sorted(set(_FONT_URL.findall(stylesheet)))


def font_directory() -> Path:
    """Folder of the Source Sans Pro files shipped by the ``font-source-sans-pro`` package."""
    return Path(str(resources.files("font_source_sans_pro") / "files"))


def font_directories() -> list[Path]:
    """Every folder a ``nrbook-font:`` name is looked up in, main typeface first."""
    return [font_directory(), UNPACKED_DIR,
            *(TOOLS_DIR / "node_modules" / "@fontsource" / name / "files" for name in SYMBOL_PACKAGES)]


def font_file(name: str) -> Path | None:
    """The font file a stylesheet names as ``nrbook-font:NAME``, or None if there is none."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    for folder in font_directories():
        path = folder / name
        if path.suffix in FONT_TYPES and path.is_file():
            return path
    return None
