"""Links that work on paper: printed web addresses, shortened, and the sheets' QR codes."""

from __future__ import annotations

import functools
import io
import re
from urllib.parse import quote, unquote, urlsplit

import zxingcpp
from lxml import html as lxml_html
from markupsafe import Markup
from PIL import Image, ImageOps

#: The addresses of QR codes in the pages laid out (see ``qr_source``, sandbox.py).
QR_SCHEME = "nrbook-qr:"
#: Past this many characters an address is cut inside, with an ellipsis.
ADDRESS_LIMIT = 45
ELLIPSIS = "…"
#: The attribute that carries a link's printed address; print.css shows it after the words.
ADDRESS_ATTRIBUTE = "data-address"
# Characters after which an address may be cut and still read well.
BOUNDARY = re.compile(r"[/\-_.=?&#]")
# The tail of a cut address keeps at least this many characters, the host aside.
MIN_TAIL = 12


def short_address(url: str, limit: int = ADDRESS_LIMIT) -> str:
    """An address as printed: no scheme, no ``www.``, an ellipsis inside past ``limit``."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("mailto", "tel"):
        return unquote(parts.path)
    host = parts.netloc.lower().removeprefix("www.")
    rest = unquote(url.strip().split(parts.netloc, 1)[1]) if parts.netloc else unquote(url.strip())
    if rest == "/":
        rest = ""
    text = host + rest
    if len(text) <= limit:
        return text
    if len(host) > limit - MIN_TAIL:  # a very long host: cut the text itself in the middle
        keep = limit - 1
        return text[: keep - keep // 3] + ELLIPSIS + text[-(keep // 3):]
    tail = rest[-max(MIN_TAIL, limit - len(host) - 2):]
    # Start the tail at a boundary inside it when there is one, so that it begins with a word.
    inner = BOUNDARY.search(tail[:-1])
    if inner is not None and len(tail) - inner.start() > 4:
        tail = tail[inner.start():] if tail[inner.start()] in "/#?" else tail[inner.end():]
    return f"{host}/{ELLIPSIS}{tail}"


def breakable(address: str) -> Markup:
    """An address with line-break opportunities after its slashes and before its dots."""
    escaped = str(Markup.escape(address))
    return Markup(re.sub(r"(?<=[/…])(?=.)|(?<=.)(?=\.)", "<wbr>", escaped))


def is_web_address(href: str) -> bool:
    return urlsplit(href.strip()).scheme in ("http", "https", "mailto", "tel")


def _same_text(words: str, href: str) -> bool:
    """Whether a link's words already are its address (then it is not printed twice)."""
    folded = " ".join(words.split()).rstrip("/").lower()
    if not folded:
        return False
    candidates = {href.strip().rstrip("/").lower(), short_address(href, 10_000).rstrip("/").lower(),
                  short_address(href).rstrip("/").lower()}
    return folded in candidates or folded.removeprefix("www.") in candidates


def mark_addresses(fragment: lxml_html.HtmlElement) -> None:
    """Give each link to the web the address that the printed book shows after its words.

    Only the print stylesheet shows it: the screen book and the EPUB keep plain links.
    """
    for link in fragment.iter("a"):
        link.attrib.pop(ADDRESS_ATTRIBUTE, None)  # only nrbook decides what is printed
        href = link.get("href") or ""
        if is_web_address(href) and not _same_text(link.text_content(), href):
            link.set(ADDRESS_ATTRIBUTE, short_address(href))


def qr_source(address: str) -> str:
    """Where a page finds the QR code of an address: nrbook draws it when WeasyPrint asks."""
    return QR_SCHEME + quote(address, safe="")


@functools.lru_cache(maxsize=512)
def qr_png(address: str) -> bytes:
    """The QR code of an address: a PNG of one pixel per module, black on white.

    Error correction L, raised to the highest level that keeps the same symbol size,
    keeps the symbol small enough to stay readable at the width of the side column.
    Printed without smoothing (``image-rendering: pixelated`` in print.css), a module
    is a sharp square at any size, as a vector path would draw it; but the image weighs
    300 bytes where the path weighed 2 KB, and WeasyPrint draws it at once where it
    spent 27 ms on the path. Encoded by zxing-cpp (C++, under a millisecond a code:
    the pure-Python encoder used before spent 13 ms choosing each code's mask, 0.7 s of
    a book's layout).
    """
    modules = _qr_modules(address, "L")
    for level in "HQM":  # the same size with more redundancy costs nothing on paper
        stronger = _qr_modules(address, level)
        if stronger.shape == modules.shape:
            modules = stronger
            break
    size = modules.shape[0]
    image = Image.frombytes("L", (size, size), modules.tobytes())  # 0 dark, 255 light
    framed = ImageOps.expand(image.convert("1", dither=Image.Dither.NONE), border=QR_BORDER, fill=255)
    buffer = io.BytesIO()
    framed.save(buffer, format="PNG")
    return buffer.getvalue()


#: The light modules around a printed QR code: the side column's white frames it too.
QR_BORDER = 2


def _qr_modules(address: str, level: str) -> memoryview:
    code = zxingcpp.create_barcode(address, zxingcpp.BarcodeFormat.QRCode, ec_level=level)
    return memoryview(code.to_image(scale=1, add_quiet_zones=False))
