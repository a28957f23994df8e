"""Whether a printed page number's width depends only on how many digits it has.

Parts of the skeleton laid out apart (``splitmap``) print their cross-references' page
numbers before the book gives them: they are laid out with estimates, and kept if each
estimate has as many digits as the number found. That holds only when the number's
width is the same for every value of those digits: when HarfBuzz, which shapes the text
WeasyPrint lays out, sets every figure of the typefaces the print styles set their text in
alike (tabular figures: one advance for 0 to 9; no kerning or ligature that tells them
apart), and no rule picks other figures (``font-variant-numeric``, ``font-feature-settings``)
or another typeface (the ``font`` shorthand). Source Sans Pro, nrbook's typeface, has such
figures by default.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import uharfbuzz  # already loaded by every build: fontjoin subsets with it

from .fonts import FONT_SCHEME, font_file

FRACTION_SLASH = 0x2044

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_FONT_FACE = re.compile(r"@font-face\s*\{([^}]*)\}")
_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)")
_SOURCE = re.compile(r"url\(\s*[\"']?([^\"')]+)")
#: Rules that may choose proportional or old-style figures, any OpenType feature, or a
#: typeface by the shorthand.
_FIGURE_CHOICE = re.compile(r"font-variant(?:-numeric)?\s*:|font-feature-settings\s*:|(?<![-\w])font\s*:")


def figures_fixed_width(css: str) -> bool:
    """True if every page number of these print styles is as wide as any other of its length."""
    text = _COMMENT.sub("", css)
    if _FIGURE_CHOICE.search(text):
        return False
    faces: dict[str, list[str]] = {}
    for body in _FONT_FACE.findall(text):
        family, source = _FAMILY.search(body), _SOURCE.search(body)
        if family is None or source is None:
            return False
        faces.setdefault(_family_name(family.group(1)), []).append(source.group(1))
    # The figures come from the first family of each declaration: it must be one of these faces.
    outside = _FONT_FACE.sub("", text)
    firsts = {_family_name(value.split(",")[0]) for value in _FAMILY.findall(outside)}
    if not firsts or not firsts <= faces.keys():
        return False
    for family in firsts:
        for source in faces[family]:
            path = font_file(source[len(FONT_SCHEME):]) if source.startswith(FONT_SCHEME) else None
            if path is None or not figures_alike(path):
                return False
    return True


def _family_name(value: str) -> str:
    return value.strip().strip("\"'").strip()


@lru_cache(maxsize=None)
def figures_alike(path: Path) -> bool:
    """Whether HarfBuzz, which shapes WeasyPrint's text, sets every figure the same in this
    face: one advance for each, beside any character the face has (kerning, ligatures)."""
    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)))
    font = uharfbuzz.Font(face)
    if not {ord(figure) for figure in "0123456789"} <= set(face.unicodes):
        return False  # figures from another face, which Pango would choose
    # Not the fraction slash: figures against it are set as a fraction, never as a page.
    characters = [chr(code) for code in sorted(face.unicodes)
                  if unicodedata.category(chr(code))[0] not in "CMZ" and code != FRACTION_SLASH]
    numbers = {tuple(_shaped(font, f" {tens}{units}")) for tens in "0123456789" for units in "0123456789"}
    if len(numbers) != 1 or len(next(iter(numbers))) != 3:
        return False
    # Each figure after and before every character: the same positions as for zero's.
    contexts = {tuple(_shaped(font, "".join(c + figure for c in characters)))
                for figure in "0123456789"}
    return len(contexts) == 1


def _shaped(font: uharfbuzz.Font, text: str) -> list[tuple[int, int, int]]:
    """The advance, offset and cluster of each glyph HarfBuzz gives the text (French)."""
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.language = "fr"
    uharfbuzz.shape(font, buffer, {})
    return [(position.x_advance, position.x_offset, info.cluster)
            for position, info in zip(buffer.glyph_positions, buffer.glyph_infos)]
