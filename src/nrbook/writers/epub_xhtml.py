"""The book's rendered HTML as EPUB XHTML: XML fragments, image files, local links, page breaks."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup, escape

from ..references import IMAGE_TYPES
from ..render import RenderedBook, RenderedChapter, RenderedSheet

XHTML_NS = "http://www.w3.org/1999/xhtml"
OPS_NS = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{OPS_NS}}}type"

#: DPUB-ARIA roles and the epub:type reading systems know them by. Layouts set the role
#: (valid in the HTML book too); the EPUB adds the epub:type, so the two never disagree.
ROLE_TYPES: dict[str, str] = {
    "doc-toc": "toc",
    "doc-pagelist": "page-list",
    "doc-chapter": "chapter",
    "doc-part": "part",
    "doc-colophon": "colophon",
    "doc-cover": "cover",
    "doc-noteref": "noteref",
    "doc-endnotes": "endnotes",
    "doc-backlink": "backlink",
    "doc-pagebreak": "pagebreak",
    "doc-glossary": "glossary",
    "doc-bibliography": "bibliography",
}

#: Classes of Python-Markdown's footnotes, and the roles that make them notes for a reader.
FOOTNOTE_ROLES: dict[str, str] = {
    "footnote-ref": "doc-noteref",
    "footnote-backref": "doc-backlink",
    "footnote": "doc-endnotes",
}

#: Attribute names XML takes without a namespace; HTML parsing lets others through.
XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

#: Elements whose children may not include a page-break <span>: the marker goes before them.
NO_PHRASING_CHILDREN = {
    "ul",
    "ol",
    "dl",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "colgroup",
    "hgroup",
    "select",
    "optgroup",
    "picture",
    "menu",
    "html",
    "head",
}

#: HTML's void elements: the only ones that may be written <br/> rather than <b></b>.
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}

EXTENSIONS = {media_type: suffix for suffix, media_type in reversed(IMAGE_TYPES.items())}


@dataclass
class ImageFiles:
    """The book's images as files of the EPUB: each stored once, named after its source."""

    source_names: dict[str, str]  # data: URI → the source file's name
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # href → (type, data)
    by_digest: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rendered: RenderedBook) -> ImageFiles:
        return cls({asset.data_uri(): asset.path.name for asset in rendered.assets.values()})

    def add(self, uri: str) -> str | None:
        """The href of the file for a ``data:`` URI, or None if it is not an image we know."""
        header, _, payload = uri.partition(",")
        media_type = header.removeprefix("data:").removesuffix(";base64")
        if not header.endswith(";base64") or media_type not in EXTENSIONS:
            return None
        data = base64.b64decode(payload)
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self.by_digest:
            stem = file_stem(self.source_names.get(uri, "image").rsplit(".", 1)[0])
            href, number = f"images/{stem}{EXTENSIONS[media_type]}", 2
            while href in self.files:
                href, number = f"images/{stem}-{number}{EXTENSIONS[media_type]}", number + 1
            self.files[href] = (media_type, data)
            self.by_digest[digest] = href
        return self.by_digest[digest]


def file_stem(text: str) -> str:
    """An ASCII file name stem: reading systems differ on the others."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "file"


# --- Markdown bodies: HTML → XHTML fragments --------------------------------------------


def xhtml_fragment(markup: Markup, images: ImageFiles) -> Markup:
    """Re-serialize a rendered body as XML: void elements closed, images as files."""
    if not markup.strip():
        return markup
    fragment = lxml_html.fragment_fromstring(str(markup), create_parent="div")
    for element in list(fragment.iter()):
        if not isinstance(element.tag, str):
            element.drop_tree()  # comments: nothing for a reader, and "--" is not XML-safe
            continue
        for name in [n for n in element.attrib if not XML_NAME.match(n)]:
            del element.attrib[name]
        classes = (element.get("class") or "").split()
        role = next((FOOTNOTE_ROLES[c] for c in classes if c in FOOTNOTE_ROLES), None)
        if role and not element.get("role"):
            element.set("role", role)
        if element.tag == "img" and (element.get("src") or "").startswith("data:"):
            href = images.add(element.get("src", ""))
            if href is None:  # not an EPUB image type: its description stays, as text
                alt = element.get("alt", "")
                element.attrib.clear()
                element.tag, element.text = "span", alt
            else:
                element.set("src", href)
    # str() first: Markup + str would escape the serialized elements.
    return Markup(
        str(escape(fragment.text or ""))
        + "".join(etree.tostring(child, method="xml", encoding="unicode") for child in fragment)
    )


def xhtml_book(rendered: RenderedBook, images: ImageFiles) -> RenderedBook:
    """The same rendered book, every body as an XHTML fragment (same shape for the layouts)."""

    def convert(markup: Markup | None) -> Markup | None:
        return None if markup is None else xhtml_fragment(markup, images)

    def chapter(item: RenderedChapter) -> RenderedChapter:
        return replace(item, body=convert(item.body))

    def sheet(entry: RenderedSheet) -> RenderedSheet:
        return replace(
            entry,
            body=convert(entry.body),
            more=convert(entry.more),
            feedback=convert(entry.feedback),
        )

    front = tuple(chapter(c) for c in rendered.front)
    themes = tuple(
        replace(t, intro=convert(t.intro), sheets=tuple(sheet(s) for s in t.sheets))
        for t in rendered.themes
    )
    back = tuple(chapter(c) for c in rendered.back)
    return replace(rendered, front=front, themes=themes, back=back)


# --- Whole documents: parsed XHTML trees -------------------------------------------------


def elements(root: etree._Element) -> Iterator[etree._Element]:
    return (e for e in root.iter() if isinstance(e.tag, str))


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def ids_in_order(root: etree._Element) -> list[str]:
    return [str(e.get("id")) for e in elements(root) if e.get("id")]


def add_epub_types(root: etree._Element) -> None:
    for element in elements(root):
        roles = (element.get("role") or "").split()
        types = [ROLE_TYPES[r] for r in roles if r in ROLE_TYPES]
        if types and element.get(EPUB_TYPE) is None:
            element.set(EPUB_TYPE, " ".join(types))


def open_empty_elements(root: etree._Element) -> None:
    """Write empty elements as <span></span>: a reading system that reads XHTML as HTML
    (some do) would take <span/> for an opening tag and swallow what follows."""
    for element in elements(root):
        if element.text is None and len(element) == 0 and local_name(element) not in VOID_ELEMENTS:
            element.text = ""


def resolve_links(
    root: etree._Element,
    name: str,
    targets: dict[str, str],
    documents: set[str],
    base_url: str,
    name_own_file: bool = False,
) -> None:
    """Make every link work inside the EPUB: ids across files, site paths as web addresses.

    A link that leads nowhere becomes its text, never a dangling reference. The navigation
    document names its own file too: reading systems and checkers read its links as links
    into the publication, not into the page.
    """
    for link in [e for e in elements(root) if local_name(e) == "a" and e.get("href") is not None]:
        href = link.get("href", "").strip()
        parts = urlsplit(href)
        if parts.scheme:
            continue
        if not parts.path:
            target = targets.get(unquote(parts.fragment))
            if target is None:
                unlink(link)
            elif target != name or name_own_file:
                link.set("href", f"{target}#{parts.fragment}")
        elif parts.path in documents:
            continue
        elif parts.path.startswith("/") and base_url:
            link.set("href", urljoin(base_url, href))
        else:
            unlink(link)


def unlink(link: etree._Element) -> None:
    for attribute in ("href", "role", EPUB_TYPE):
        if attribute in link.attrib:
            del link.attrib[attribute]
    link.tag = f"{{{XHTML_NS}}}span"


@dataclass(frozen=True)
class PageBreak:
    """Where a page of the printed edition starts: before the element with this id."""

    number: int
    document: str
    anchor: str

    @property
    def id(self) -> str:
        return f"page-{self.number}"


def plan_page_breaks(
    documents: Iterable[tuple[str, list[str]]], pdf_pages: dict[str, int]
) -> list[PageBreak]:
    """One break per printed page, before the first element of the book that the PDF shows on it.

    The PDF tells on which page each id lies, not where its lines break: a page on which no
    element with an id begins (the middle of a long section) gets no break rather than a
    wrong one.
    """
    breaks: list[PageBreak] = []
    last = 0
    for name, ids in documents:
        for anchor in ids:
            page = pdf_pages.get(anchor, 0)
            if page > last:
                breaks.append(PageBreak(page, name, anchor))
                last = page
    return breaks


def insert_page_breaks(root: etree._Element, breaks: list[PageBreak]) -> None:
    """Put an empty ``doc-pagebreak`` marker, named by its number, where a printed page starts."""
    by_id = {e.get("id"): e for e in elements(root) if e.get("id")}
    for page_break in breaks:
        element = by_id[page_break.anchor]
        # A list, table or definition list may not hold a <span>: the marker goes before it.
        while (parent := element.getparent()) is not None and local_name(
            parent
        ) in NO_PHRASING_CHILDREN:
            element = parent
        marker = etree.Element(
            f"{{{XHTML_NS}}}span",
            {
                "id": page_break.id,
                "role": "doc-pagebreak",
                EPUB_TYPE: "pagebreak",
                "aria-label": str(page_break.number),
            },
        )
        element.addprevious(marker)
