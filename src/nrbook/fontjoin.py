"""One embedded subset per typeface in a PDF joined from parts laid out apart.

Each part embeds its own subset of each typeface, holding the glyphs that part uses.
WeasyPrint names a typeface's font ``/XXXXXX+Family`` from a stable hash of its
description and keeps the original glyph ids in its subsets (CID = glyph id), so the
fonts of different parts with the same name differ only in which glyphs they carry.
Joining them gives one font per name: the union of the widths and of the Unicode map,
and the original file subset again, once, to the union of the glyphs (as WeasyPrint
would have done for the whole book, with HarfBuzz, in the same two steps).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from io import BytesIO
from pathlib import Path

import pikepdf
import uharfbuzz
from fontTools.ttLib import TTFont

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def join_fonts(pdf: pikepdf.Pdf, originals: list[Path]) -> None:
    """Make every font resource of the same name point to one merged font.

    ``originals`` are the font files the parts were laid out with: a merged font is
    subset again from its original.
    """
    groups: dict[str, list[pikepdf.Object]] = {}
    seen: set[tuple[int, int]] = set()
    for font in _font_resources(pdf):
        if font.objgen in seen or font.get("/Subtype") != pikepdf.Name.Type0:
            continue
        seen.add(font.objgen)
        groups.setdefault(str(font.BaseFont), []).append(font)
    replacement: dict[tuple[int, int], pikepdf.Object] = {}
    for fonts in groups.values():
        if len(fonts) < 2 or any(f.get("/Encoding") != pikepdf.Name("/Identity-H") for f in fonts):
            continue  # a single subset already; or a font with missing glyphs, kept apart
        merged = _merge(pdf, fonts, originals)
        if merged is None:
            continue
        for font in fonts[1:]:
            replacement[font.objgen] = merged
    if replacement:
        for resources in _resource_dictionaries(pdf):
            fonts = resources.get("/Font")
            if fonts is None:
                continue
            for name in list(fonts.keys()):
                font = fonts[name]
                if font.objgen in replacement:
                    fonts[name] = replacement[font.objgen]


def _merge(pdf: pikepdf.Pdf, fonts: list[pikepdf.Object], originals: list[Path]
           ) -> pikepdf.Object | None:
    """The first font, extended to the glyphs of all: widths, Unicode map, font file."""
    widths: dict[int, float] = {}
    text: dict[int, bytes] = {}
    for font in fonts:
        widths.update(_widths(font.DescendantFonts[0].W))
        text.update(_unicode_map(font.ToUnicode.read_bytes()))
    descendant = fonts[0].DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    subset = descriptor.FontFile2.read_bytes()
    original = _original(_postscript_name(subset), subset[:4] == b"OTTO", tuple(originals))
    if original is None:
        return None
    glyphs = sorted(set(widths) | set(text))
    data = _subset(original, glyphs)
    descriptor.FontFile2 = pikepdf.Stream(pdf, data, Length1=len(data))
    box = list(descriptor.FontBBox)
    box[2] = max([int(box[2]), *(round(w) for w in widths.values())])
    descriptor.FontBBox = pikepdf.Array(box)
    descendant.W = _width_array(widths)
    fonts[0].ToUnicode = pikepdf.Stream(pdf, _unicode_stream(text))
    return fonts[0]


def _font_resources(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    for resources in _resource_dictionaries(pdf):
        fonts = resources.get("/Font")
        if fonts is not None:
            yield from fonts.values()


def _resource_dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Every resource dictionary of the pages and of the forms and patterns they use."""
    seen: set[tuple[int, int]] = set()
    pending = [page.obj.get("/Resources") for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if resources is None:
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        yield resources
        for kind in ("/XObject", "/Pattern"):
            for item in (resources.get(kind) or {}).values():
                if isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)) and "/Resources" in item:
                    pending.append(item.Resources)


def _widths(array: pikepdf.Object) -> dict[int, float]:
    """The glyph widths of a CID font's /W array (both of its forms)."""
    items = list(array)
    widths: dict[int, float] = {}
    index = 0
    while index < len(items):
        first = int(items[index])
        if isinstance(items[index + 1], pikepdf.Array):
            for offset, width in enumerate(items[index + 1]):
                widths[first + offset] = float(width)
            index += 2
        else:
            last, width = int(items[index + 1]), float(items[index + 2])
            widths.update((glyph, width) for glyph in range(first, last + 1))
            index += 3
    return widths


def _width_array(widths: dict[int, float]) -> pikepdf.Array:
    array = pikepdf.Array()
    run: pikepdf.Array | None = None
    for glyph in sorted(widths):
        if run is None or glyph - 1 not in widths:
            run = pikepdf.Array()
            array.extend([glyph, run])
        width = widths[glyph]
        run.append(int(width) if width == int(width) else width)
    return array


def _unicode_map(cmap: bytes) -> dict[int, bytes]:
    """Glyph → UTF-16BE hex text, from the ``bfchar`` entries of a ToUnicode CMap."""
    body = cmap.split(b"endcodespacerange", 1)[-1]
    return {int(glyph, 16): target.lower() for glyph, target in _BFCHAR.findall(body)}


def _unicode_stream(text: dict[int, bytes]) -> bytes:
    """A ToUnicode CMap written as WeasyPrint writes them, a hundred entries a block."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
             b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(text.items())
    for start in range(0, len(items), 100):
        block = items[start:start + 100]
        lines.append(f"{len(block)} beginbfchar".encode())
        lines.extend(b"<%04x> <%s>" % (glyph, target) for glyph, target in block)
        lines.append(b"endbfchar")
    lines.extend([b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"])
    return b"\n".join(lines)


def _subset(data: bytes, glyphs: list[int]) -> bytes:
    """Keep the given glyphs at their ids, then drop the empty ones after the last."""
    flags = (uharfbuzz.SubsetFlags.RETAIN_GIDS | uharfbuzz.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
             | uharfbuzz.SubsetFlags.DESUBROUTINIZE)
    first = uharfbuzz.SubsetInput()
    for glyph in glyphs:
        first.glyph_set.add(glyph)
    first.flags = flags
    for tag in ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT",
                "SVG "):
        first.sets(uharfbuzz.SubsetInputSets.DROP_TABLE_TAG).add(_tag(tag))
    face = uharfbuzz.subset(uharfbuzz.Face(data), first)
    second = uharfbuzz.SubsetInput()
    for glyph in range(max(glyphs) + 1):
        second.glyph_set.add(glyph)
    second.flags = (uharfbuzz.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                    | uharfbuzz.SubsetFlags.DESUBROUTINIZE | uharfbuzz.SubsetFlags.NO_HINTING)
    return uharfbuzz.subset(face, second).blob.data


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


def _postscript_name(data: bytes) -> str:
    return TTFont(BytesIO(data), lazy=True)["name"].getDebugName(6) or ""


@cache
def _by_name(originals: tuple[Path, ...]) -> dict[tuple[str, bool], Path]:
    """The font files by PostScript name and outline kind (CFF or not): name tables only are read."""
    found: dict[tuple[str, bool], Path] = {}
    for path in originals:
        font = TTFont(path, lazy=True)
        cff = "CFF " in font or "CFF2" in font
        found.setdefault((font["name"].getDebugName(6) or path.stem, cff), path)
    return found


@cache
def _original(name: str, cff: bool, originals: tuple[Path, ...]) -> bytes | None:
    """The font file a subset was made from, as OpenType data (a WOFF unpacked, as WeasyPrint does)."""
    path = _by_name(originals).get((name, cff))
    if path is None:
        return None
    data = path.read_bytes()
    if data[:4] in (b"wOFF", b"wOF2"):
        # The font's own date: fontTools would stamp it with the time of unpacking, and the
        # PDF would then differ from one build to the next.
        font = TTFont(BytesIO(data), recalcTimestamp=False)
        font.flavor = None
        buffer = BytesIO()
        font.save(buffer)
        data = buffer.getvalue()
    return data
