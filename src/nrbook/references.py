"""The sandbox for what a source may reference: links, images, styles, attachments.

Every ``src`` and ``href`` of a rendered source passes through here, raw HTML included,
so nothing outside the source tree (or the configured asset root) reaches an output.
"""

from __future__ import annotations

import base64
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from .diagnostics import Diagnostics
from .model import Book, Source

IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
SAFE_LINK_SCHEMES = {"http", "https", "mailto", "tel"}
REMOVED_ELEMENTS = {"script", "iframe", "object", "embed", "link", "style", "base", "meta",
                    "frame", "frameset", "applet", "form", "input", "button", "textarea", "select"}
MEDIA_ELEMENTS = {"video", "audio", "source", "track", "picture"}
CSS_URL = re.compile(r"url\s*\(|@import|expression\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Asset:
    """A file that a source references and that may be embedded in the outputs."""

    path: Path
    media_type: str

    def data_uri(self, content: bytes | None = None) -> str:
        data = base64.b64encode(self.path.read_bytes() if content is None else content).decode("ascii")
        return f"data:{self.media_type};base64,{data}"


SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed"}
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def sanitize_svg(data: bytes) -> tuple[bytes, list[str]]:
    """An SVG without scripts or references to anything outside itself, and what was removed.

    An SVG is a document of its own: it could load a stylesheet, an image or a font from
    anywhere, which the book must never do.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return b"", [f"unreadable SVG ({error})"]
    removed: list[str] = []
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in SVG_FORBIDDEN:
            # An empty <script/> left by a drawing program does nothing: drop it quietly.
            if len(element) or (element.text or "").strip() or element.attrib:
                removed.append(f"<{local}>")
            element.getparent().remove(element)
            continue
        for name in ("href", XLINK_HREF, "src"):
            value = (element.get(name) or "").strip()
            if value and not value.startswith("#"):
                removed.append(value)
                del element.attrib[name]
        for name, value in list(element.attrib.items()):
            if name.startswith("on") or (name == "style" and CSS_URL.search(value)):
                removed.append(f"{name}=\"{value[:60]}\"")
                del element.attrib[name]
        if local == "style" and element.text and CSS_URL.search(element.text):
            removed.append("<style> with url() or @import")
            element.text = ""
    if not removed:
        return data, []
    return etree.tostring(root, xml_declaration=False, encoding="utf-8"), removed


class ReferencePolicy:
    """Resolves, rewrites or refuses each reference of a rendered source fragment."""

    def __init__(self, book: Book, diagnostics: Diagnostics, internal_targets: dict[str, str]):
        self.book = book
        self.diagnostics = diagnostics
        self.root = book.root.resolve()
        self.asset_root = book.asset_root.resolve() if book.asset_root else None
        # Chapters and sheets by their file stem, so links between site pages stay in the book.
        self.internal_targets = internal_targets
        self.base_url = book.base_url or _origin(book.info.url)
        # The book's own pages on its site (/publications/guide/...): only links under it
        # can be pages of the book; /contact is another page of the site.
        self.book_path = urlsplit(book.info.url).path.rstrip("/") + "/"
        self.assets: dict[str, Asset] = {}

    def apply(self, fragment: lxml_html.HtmlElement, source: Source) -> None:
        for element in list(fragment.iter()):
            if not isinstance(element.tag, str):
                continue  # comments and processing instructions
            tag = element.tag.lower()
            if tag in REMOVED_ELEMENTS:
                self._refuse(source, _describe(element), f"<{tag}> elements are not allowed in sources",
                             "remove it; styles belong in styles/, not in the sources")
                _drop(element)
                continue
            if tag in MEDIA_ELEMENTS:
                self._refuse(source, _describe(element), f"<{tag}> is not supported in a printed book",
                             "use an image with a caption, or a link")
                _drop(element)
                continue
            for name in list(element.attrib):
                if name.lower().startswith("on") or name.lower() in {"srcset", "formaction", "ping"}:
                    del element.attrib[name]
            style = element.get("style")
            if style and CSS_URL.search(style):
                self._refuse(source, style, "inline style that loads a resource is not allowed",
                             "remove the url() or @import from the style attribute")
                del element.attrib["style"]
            rel = element.get("rel", "")
            if "attachment" in rel.lower().split():
                self._refuse(source, element.get("href", rel), "attachments are not allowed",
                             "link to the file on the web instead")
                del element.attrib["rel"]
            if tag == "img":
                self._image(element, source)
            elif tag == "a" and element.get("href") is not None:
                self._link(element, source)
            elif tag in {"image", "use"} or element.get("data") is not None:
                self._refuse(source, _describe(element), f"<{tag}> references are not allowed",
                             "use a Markdown image instead")
                _drop(element)

    # --- images ---------------------------------------------------------------------

    def _image(self, element: lxml_html.HtmlElement, source: Source) -> None:
        src = (element.get("src") or "").strip()
        if "alt" not in element.attrib:
            self.diagnostics.error(source.path, self._line(source, src),
                                   f"image '{src}' has no alternative text",
                                   "describe it in ![...](...), or write alt=\"\" if it is decoration")
        asset = self.resolve_image(src, source)
        if asset is None:
            _replace_with_text(element, element.get("alt", ""))
            return
        content = asset.path.read_bytes()
        if asset.media_type == "image/svg+xml":
            content, removed = sanitize_svg(content)
            for reference in removed:
                self.diagnostics.warning(
                    source.path, self._line(source, src),
                    f"SVG image '{src}' refers to '{reference[:80]}', which is left out",
                    "keep the drawing self-contained: no external images, fonts or scripts")
            if not content:
                _replace_with_text(element, element.get("alt", ""))
                return
        self.assets[asset.path.as_posix()] = asset
        element.set("src", asset.data_uri(content))

    def resolve_image(self, src: str, source: Source) -> Asset | None:
        if not src:
            self.diagnostics.error(source.path, source.first_line, "image without a source",
                                   "give the image a file path")
            return None
        parts = urlsplit(src)
        if parts.scheme:
            self._refuse(source, src, "images from outside the source tree are not embedded",
                         "save the image under the source folder and use a relative path")
            return None
        relative = unquote(parts.path)
        if relative.startswith("/"):
            if self.asset_root is None:
                self._refuse(source, src, "site-absolute image path but no asset root is configured",
                             "set [site] asset_root in the book configuration")
                return None
            root, candidate = self.asset_root, self.asset_root / relative.lstrip("/")
        else:
            root, candidate = self.root, source.path.parent / relative
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            resolved = candidate
        allowed = [self.root] + ([self.asset_root] if self.asset_root else [])
        if not any(resolved.is_relative_to(folder) for folder in allowed):
            self._refuse(source, src, "image path leads outside the source folder",
                         "keep images inside the source folder")
            return None
        media_type = IMAGE_TYPES.get(resolved.suffix.lower())
        if media_type is None:
            self._refuse(source, src, f"unsupported image type '{resolved.suffix}'",
                         "use SVG, PNG, JPEG, GIF or WebP")
            return None
        if not resolved.is_file():
            shown = resolved.relative_to(root) if resolved.is_relative_to(root) else resolved
            self.diagnostics.warning(source.path, self._line(source, src), f"image '{src}' does not exist",
                                     f"add the file at {shown} or correct the path")
            return None
        if resolved.stat().st_size > MAX_IMAGE_BYTES:
            self.diagnostics.warning(source.path, self._line(source, src),
                                     f"image '{src}' weighs more than {MAX_IMAGE_BYTES // 1024} KB",
                                     "compress it or use SVG: the book should stay light")
        return Asset(resolved, media_type)

    # --- links ----------------------------------------------------------------------

    def _link(self, element: lxml_html.HtmlElement, source: Source) -> None:
        href = (element.get("href") or "").strip()
        for name in ("target", "download"):
            element.attrib.pop(name, None)
        if not href:  # a link to nowhere, such as an expression left out by templating
            _unwrap(element)
            return
        if href.startswith("#"):
            return
        parts = urlsplit(href)
        scheme = parts.scheme.lower()
        if scheme in SAFE_LINK_SCHEMES:
            return
        if scheme:
            self._refuse(source, href, f"'{scheme}:' links are not allowed", "link to a web address")
            _unwrap(element)
            return
        target = self._internal_target(parts.path)
        if target is not None:
            element.set("href", f"#{target}" + (f"--{parts.fragment}" if parts.fragment else ""))
            return
        if parts.path.startswith("/") and self.base_url:
            element.set("href", urljoin(self.base_url, href))
            return
        self.diagnostics.warning(source.path, self._line(source, href),
                                 f"link '{href}' points to no page of the book; it is shown as plain text",
                                 "link to a sheet with [[a.1]], or give a full web address")
        _unwrap(element)

    def _internal_target(self, path: str) -> str | None:
        path = unquote(path)
        if path.startswith("/"):
            if not path.startswith(self.book_path) and path.rstrip("/") + "/" != self.book_path:
                return None
            path = path[len(self.book_path):]
            if not path.strip("/"):  # the book's home page
                return self.internal_targets.get("index")
        segments = [s for s in path.split("/") if s and s != "."]
        if not segments:
            return None
        last = posixpath.splitext(segments[-1])[0]
        if last == "index" and len(segments) > 1:
            last = segments[-2]
        return self.internal_targets.get(last)

    # --- reporting ------------------------------------------------------------------

    def _refuse(self, source: Source, reference: str, message: str, hint: str) -> None:
        shown = reference if len(reference) <= 80 else reference[:77] + "..."
        self.diagnostics.warning(source.path, self._line(source, reference),
                                 f"{message}: '{shown}' is left out", hint)

    @staticmethod
    def _line(source: Source, needle: str) -> int:
        index = source.text.find(needle) if needle else -1
        return source.line_of(index) if index >= 0 else source.first_line


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""


def _describe(element: lxml_html.HtmlElement) -> str:
    for name in ("src", "href", "data"):
        if element.get(name):
            return element.get(name)
    return f"<{element.tag}>"


def _drop(element: lxml_html.HtmlElement) -> None:
    parent = element.getparent()
    if parent is None:
        return
    element.drop_tree()


def _unwrap(element: lxml_html.HtmlElement) -> None:
    element.attrib.pop("href", None)
    element.tag = "span"


def _replace_with_text(element: lxml_html.HtmlElement, text: str) -> None:
    for name in list(element.attrib):
        del element.attrib[name]
    element.tag = "span"
    element.text = text
