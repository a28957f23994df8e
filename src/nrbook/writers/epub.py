"""The EPUB 3 edition: the HTML book's rendering as XHTML files, packaged reproducibly."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from .. import __version__
from ..context import BuildContext
from ..diagnostics import BuildFailed
from ..render import RenderedBook, layout_environment
from .base import Writer
from .epub_xhtml import (
    ImageFiles,
    PageBreak,
    add_epub_types,
    file_stem,
    ids_in_order,
    insert_page_breaks,
    open_empty_elements,
    plan_page_breaks,
    resolve_links,
    xhtml_book,
)

#: The EPUB's stylesheets, in cascade order, joined into its one CSS file.
STYLESHEETS = ("base.css", "epub.css")
PACKAGE_DIR = "EPUB"
CSS_HREF = "css/book.css"
COVER_HREF = "images/cover.svg"
NAV_NAME = "nav.xhtml"
XHTML_TYPE = "application/xhtml+xml"
CONTAINER = f"""<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="{PACKAGE_DIR}/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest date a zip entry can carry


@dataclass
class Document:
    """One XHTML file of the EPUB, in reading order."""

    name: str
    template: str
    values: dict[str, object] = field(default_factory=dict)
    landmark: str = ""  # its epub:type in the landmarks navigation, if it is one
    tree: etree._Element | None = None


def plan_documents(book: RenderedBook) -> list[Document]:
    """The EPUB's files in reading order: cover, title page, contents, then the book's parts.

    One file per chapter, per theme introduction and per sheet: a sheet is what readers cite
    and print alone, so in its own file it opens on a fresh screen in every reading system
    (CSS page breaks are not honoured everywhere), a link to it lands on its title, and each
    file stays small for slow e-readers.
    """
    documents = [
        Document("cover.xhtml", "epub/cover.xhtml.j2", landmark="cover"),
        Document("titlepage.xhtml", "epub/titlepage.xhtml.j2", landmark="titlepage"),
        Document(NAV_NAME, "epub/nav.xhtml.j2", landmark="toc"),
    ]
    taken = {d.name for d in documents}

    def add(stem: str, template: str, **values: object) -> Document:
        name, number = f"{stem}.xhtml", 2
        while name in taken:
            name, number = f"{stem}-{number}.xhtml", number + 1
        taken.add(name)
        documents.append(Document(name, template, dict(values)))
        return documents[-1]

    body = len(documents)
    for item in book.front:
        add(f"chapter-{file_stem(item.anchor)}", "epub/chapter.xhtml.j2", item=item)
    for theme in book.themes:
        add(file_stem(theme.theme.anchor), "epub/theme.xhtml.j2", item=theme)
        for entry in theme.sheets:
            add(f"sheet-{file_stem(entry.anchor)}", "epub/sheet.xhtml.j2", entry=entry)
    back = len(documents)
    for item in book.back:
        add(f"chapter-{file_stem(item.anchor)}", "epub/chapter.xhtml.j2", item=item)
    if len(documents) > body:
        documents[body].landmark = "bodymatter"
    if len(documents) > back:
        documents[back].landmark = "backmatter"
    return documents


def epub_identifier(context: BuildContext) -> str:
    """A stable identifier: the same book, edition and profile always get the same one."""
    info = context.book.info
    key = f"nrbook:{info.name}:{info.version}:{context.options.profile}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"


def item_id(href: str) -> str:
    return "item-" + file_stem(href)


def zip_epub(files: dict[str, bytes], when: datetime) -> bytes:
    """The OCF container: ``mimetype`` first and stored, then the files by name, dated ``when``."""
    stamp = max(when, ZIP_EPOCH).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ["mimetype", *sorted(files)]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix: the same bytes whatever machine builds
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            data = b"application/epub+zip" if name == "mimetype" else files[name]
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


class EpubWriter(Writer):
    format = "epub"
    description = "EPUB 3 for e-readers and phones: reflowable, accessible (EPUB Accessibility 1.1)"

    def write(self) -> list[Path]:
        context = self.context
        self.environment = layout_environment(context.options.layouts)
        self.images = ImageFiles.of(context.rendered)
        self.book = xhtml_book(context.rendered, self.images)
        documents = plan_documents(self.book)
        landmarks = [(d.landmark, d.name) for d in documents if d.landmark]
        for document in documents:
            document.tree = self.render_xhtml(document, landmarks=landmarks, pages=[])
        breaks = self.page_breaks(documents)
        nav = next(d for d in documents if d.name == NAV_NAME)
        nav.tree = self.render_xhtml(nav, landmarks=landmarks, pages=breaks)
        self.finish(documents, breaks)
        files = self.package_files(documents, bool(breaks))
        data = zip_epub(files, context.build_date)
        return [context.stage.write_bytes(f"{context.name}.epub", data)]

    # --- rendering --------------------------------------------------------------------

    def values(self, **extra: object) -> dict[str, object]:
        """What every EPUB layout sees: the same names as the HTML book's layouts, and more."""
        context = self.context
        return dict(
            info=context.book.info,
            rendered=self.book,
            target="epub",
            profile=context.options.profile,
            build_date=context.build_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            generator_version=__version__,
            fit={},
            css_href=CSS_HREF,
            cover_href=COVER_HREF,
            **extra,
        )

    def render(self, template: str, **extra: object) -> str:
        return self.environment.get_template(template).render(**self.values(**extra))

    def render_xhtml(self, document: Document, **extra: object) -> etree._Element:
        text = self.render(document.template, **document.values, **extra)
        return self.parse(text, document.template)

    def parse(self, text: str, template: str) -> etree._Element:
        """Parse a rendered layout as XML; a layout that is not well-formed fails the build."""
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            return etree.fromstring(text.encode("utf-8"), parser)
        except etree.XMLSyntaxError as error:
            self.context.diagnostics.error(
                self.context.options.layouts / template,
                1,
                f"the EPUB file made from this layout is not well-formed XML: {error}",
                "close every element (<br/>) and escape & as &amp; in the layouts",
            )
            raise BuildFailed(self.context.diagnostics) from error

    def xml(self, template: str, **extra: object) -> bytes:
        """A rendered XML layout, checked well-formed and written as XML writes it."""
        tree = self.parse(self.render(template, **extra), template)
        return etree.tostring(tree.getroottree(), encoding="utf-8", xml_declaration=True)

    def page_breaks(self, documents: list[Document]) -> list[PageBreak]:
        """Where the printed edition's pages start, when the PDF was laid out in this build."""
        pdf_pages = self.context.facts.get("pdf_pages")
        if not isinstance(pdf_pages, dict) or not pdf_pages:
            return []
        return plan_page_breaks(
            ((d.name, ids_in_order(d.tree)) for d in documents if d.tree is not None), pdf_pages
        )

    def finish(self, documents: list[Document], breaks: list[PageBreak]) -> None:
        """Page-break markers, epub:type beside each DPUB role, and links that work in the EPUB."""
        for document in documents:
            assert document.tree is not None
            insert_page_breaks(document.tree, [b for b in breaks if b.document == document.name])
            add_epub_types(document.tree)
            open_empty_elements(document.tree)
        targets = {
            anchor: d.name
            for d in documents
            if d.tree is not None
            for anchor in ids_in_order(d.tree)
        }
        names = {d.name for d in documents}
        base_url = self.context.book.base_url or self.context.book.info.url
        for document in documents:
            assert document.tree is not None
            resolve_links(
                document.tree,
                document.name,
                targets,
                names,
                base_url,
                name_own_file=document.name == NAV_NAME,
            )

    # --- packaging --------------------------------------------------------------------

    def stylesheet(self) -> bytes:
        styles = self.context.options.styles
        return "\n".join(
            (styles / name).read_text(encoding="utf-8") for name in STYLESHEETS
        ).encode()

    def package_files(self, documents: list[Document], page_list: bool) -> dict[str, bytes]:
        """Every file of the container but ``mimetype``, by its path in the zip."""
        content: dict[str, bytes] = {
            d.name: etree.tostring(d.tree.getroottree(), encoding="utf-8", xml_declaration=True)
            for d in documents
            if d.tree is not None
        }
        content[CSS_HREF] = self.stylesheet()
        content[COVER_HREF] = self.xml("epub/cover.svg.j2")
        content.update({href: data for href, (_, data) in sorted(self.images.files.items())})
        content["package.opf"] = self.xml(
            "epub/package.opf.j2", **self.manifest(documents, page_list)
        )
        files = {f"{PACKAGE_DIR}/{href}": data for href, data in content.items()}
        files["META-INF/container.xml"] = CONTAINER.encode()
        return files

    def manifest(self, documents: list[Document], page_list: bool) -> dict[str, object]:
        """What the package document lists: files with their types, the spine, the facts of
        the edition that its accessibility metadata depend on."""
        items = [
            {
                "id": item_id(d.name),
                "href": d.name,
                "media_type": XHTML_TYPE,
                "properties": "nav" if d.name == NAV_NAME else "",
            }
            for d in documents
        ]
        items.append(
            {"id": item_id(CSS_HREF), "href": CSS_HREF, "media_type": "text/css", "properties": ""}
        )
        items.append(
            {
                "id": item_id(COVER_HREF),
                "href": COVER_HREF,
                "media_type": "image/svg+xml",
                "properties": "cover-image",
            }
        )
        items += [
            {"id": item_id(href), "href": href, "media_type": media_type, "properties": ""}
            for href, (media_type, _) in sorted(self.images.files.items())
        ]
        return dict(
            identifier=epub_identifier(self.context),
            modified=self.context.build_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            items=items,
            spine=[item_id(d.name) for d in documents],
            cover_id=item_id(COVER_HREF),
            content_images=bool(self.images.files),
            page_list=page_list,
            print_name=f"{self.context.name}.pdf",
            page_count=self.context.facts.get("pdf_page_count", 0),
        )
