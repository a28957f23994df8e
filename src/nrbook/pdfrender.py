"""Laying the book's HTML out and writing PDF with WeasyPrint, inside the sandbox."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pydyf

from .libraries import weasyprint  # noqa: I001 (first: see libraries.py)
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import path2url

from . import machine
from .context import STYLESHEETS, BuildContext
from .diagnostics import Diagnostics, Problem
from .pdf_forms import tidy_radio_groups
from .pdftags import margins_as_artifacts, nest_link_annotations, wrap_list_bodies
from .sandbox import SandboxFetcher

#: Tagged PDF with a structure tree, /Lang and the title shown: accessible by default.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
#: The archive edition is laid out as PDF/A-2a (tagged, an sRGB output intent, annotations
#: printed); ``pdfconform.archive`` then declares PDF/UA-1 beside it on the joined file.
ARCHIVE_OPTIONS = {"pdf_variant": "pdf/a-2a", "pdf_tags": True}


def pdf_options(context: BuildContext) -> dict[str, object]:
    """WeasyPrint's PDF options for the build's profile."""
    return ARCHIVE_OPTIONS if context.options.profile == "archive" else PDF_OPTIONS


# A galley repeats sheets (one copy per fitting step) and leaves out the pages that
# cross-references point to: these two complaints are expected there and nowhere else.
GALLEY_NOISE = ("Anchor defined twice", "target points to undefined anchor")


@contextmanager
def weasyprint_warnings(context: BuildContext, document: str,
                        ignore: tuple[str, ...] = ()) -> Iterator[None]:
    """Report what WeasyPrint complains about (bad CSS, refused URLs) as build warnings.

    What it says about the machine (a missing library) is a note, not a problem of the book.
    """
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    weasyprint.LOGGER.addHandler(handler)
    try:
        yield
    finally:
        weasyprint.LOGGER.removeHandler(handler)
    for message in dict.fromkeys(messages):
        if (note := machine.note_for(message)) is not None:
            context.diagnostics.note(note.format())
            continue
        if "nrbook refused" in message or any(noise in message for noise in ignore):
            continue  # refusals are already reported by the sandbox, with their reason
        context.diagnostics.warning(Path(document), 1, f"WeasyPrint: {message}",
                                    "check the layouts and styles")


def sandbox_for(context: BuildContext, document: str) -> SandboxFetcher:
    def refused(url: str, reason: str) -> None:
        context.diagnostics.warning(Path(document), 1, f"refused to load '{url[:120]}': {reason}",
                                    "keep every resource inside the source folder, layouts/ or styles/")
    roots = [context.book.root, context.options.layouts, context.options.styles]
    if context.book.asset_root is not None:
        roots.append(context.book.asset_root)
    return SandboxFetcher(roots, refused)


#: Stylesheets parsed once per process, with their fonts loaded once: a document of a few
#: sheets would otherwise spend more time on its styles than on its pages.
_STYLESHEETS: dict[tuple[str, str], tuple[weasyprint.CSS, list[Problem]]] = {}
_FONTS = FontConfiguration()


def stylesheet_for(context: BuildContext, target: str) -> weasyprint.CSS:
    """The target's styles (STYLESHEETS), parsed; the same text is parsed only once.

    What parsing them reported is reported again for every document, as when each
    document parsed them itself.
    """
    text = context.stylesheet(target)
    key = (str(context.options.styles), hashlib.sha256(text.encode("utf-8")).hexdigest())
    if key not in _STYLESHEETS:
        own, context.diagnostics = context.diagnostics, Diagnostics(strict=context.diagnostics.strict)
        try:
            name = str(context.options.styles / STYLESHEETS[target][-1])
            with weasyprint_warnings(context, name):
                parsed = weasyprint.CSS(string=text, base_url=path2url(context.options.styles) + "/",
                                        url_fetcher=sandbox_for(context, name), font_config=_FONTS)
            _STYLESHEETS[key] = parsed, context.diagnostics.problems
        finally:
            context.diagnostics = own
    parsed, problems = _STYLESHEETS[key]
    for problem in problems:
        context.diagnostics.add(problem)
    return parsed


def render_document(context: BuildContext, html_text: str, name: str, target: str = "print",
                    galley: bool = False, forms: bool = False) -> weasyprint.Document:
    """Lay out an HTML document of the book with the target's styles, inside the sandbox.

    ``forms``: the document's <input> and <select> become PDF form fields.
    """
    stylesheet = stylesheet_for(context, target)
    with weasyprint_warnings(context, name, GALLEY_NOISE if galley else ()):
        html = weasyprint.HTML(string=html_text, base_url=path2url(context.book.root),
                               url_fetcher=sandbox_for(context, name))
        return html.render(stylesheets=[stylesheet], font_config=_FONTS, **pdf_options(context),
                           **({"pdf_forms": True} if forms else {}))


def pdf_identifier(context: BuildContext) -> bytes:
    """A stable file identifier: the same book and edition always get the same one."""
    info = context.book.info
    return hashlib.md5(f"{info.name}\n{info.version}\n{context.options.profile}".encode()).hexdigest().encode()


def describe_links(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
    """Give each link annotation the words of its link, not its bare target.

    Screen readers announce a link annotation by its /Contents: "a.10" or "Préface"
    says where it goes, "a-10" or a URL does not.
    """
    for page in document.pages:
        for _, _, _, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            element = getattr(box, "element", None)
            if annotation is None or element is None:
                continue
            text = " ".join("".join(element.itertext()).split())
            if text:
                annotation["Contents"] = pydyf.String(text)


def scope_table_headers(pdf: pydyf.PDF) -> None:
    """Say which cells each table header heads (/Scope), as PDF/UA asks.

    WeasyPrint tags header cells /TH without /Scope: headers in the table head are
    column headers, the others (first cell of a body row) row headers.
    """
    objects = {obj.number: obj for obj in pdf.objects if isinstance(obj, pydyf.Dictionary)
               and getattr(obj, "number", None) is not None}

    def parent(element: pydyf.Dictionary) -> pydyf.Dictionary | None:
        reference = element.get("P")
        if reference is None:
            return None
        number = int(bytes(reference).split()[0]) if isinstance(reference, bytes) else int(str(reference).split()[0])
        return objects.get(number)

    for element in objects.values():
        if element.get("S") != "/TH" or not isinstance(element.get("A"), pydyf.Dictionary):
            continue
        row = parent(element)
        section = parent(row) if row is not None else None
        in_head = section is not None and section.get("S") == "/THead"
        element["A"]["Scope"] = "/Column" if in_head else "/Row"


def name_header_ids(pdf: pydyf.PDF, prefix: str) -> None:
    """Give the ids of table headers a prefix, so that they stay unique once parts are joined.

    WeasyPrint names each header cell after its object number, which documents laid out
    apart share; data cells point to their headers by these names (/Headers).
    """
    for element in pdf.objects:
        if not isinstance(element, pydyf.Dictionary) or element.get("Type") != "/StructElem":
            continue
        if "ID" in element:
            element["ID"] = pydyf.String(prefix + _text(element["ID"]))
        attributes = element.get("A")
        if isinstance(attributes, pydyf.Dictionary) and "Headers" in attributes:
            attributes["Headers"] = pydyf.Array(pydyf.String(prefix + _text(h))
                                                for h in attributes["Headers"])


def _text(value: object) -> str:
    return value.string if isinstance(value, pydyf.String) else str(value)


def compress_loose_streams(pdf: pydyf.PDF) -> None:
    """Compress the streams of a part written with its objects loose (see ``write_document_to``).

    Not a stream already encoded (an image: pydyf would encode it twice under one filter),
    nor the metadata, which PDF/A readers must be able to read as it is.
    """
    for stream in pdf.objects:
        if (isinstance(stream, pydyf.Stream) and "Filter" not in stream.extra
                and stream.extra.get("Type") != "/Metadata"):
            stream.compress = True


def finisher(part: str = ""):
    """What nrbook adds to the structure WeasyPrint writes, before the file is written."""
    def finish(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
        if part:
            compress_loose_streams(pdf)
        describe_links(document, pdf)
        scope_table_headers(pdf)
        tidy_radio_groups(pdf)
        nest_link_annotations(pdf)
        wrap_list_bodies(pdf)
        margins_as_artifacts(pdf)
        if part:
            name_header_ids(pdf, f"{part}-")
    return finish


def write_document(context: BuildContext, document: weasyprint.Document, name: str) -> Path:
    """Write a laid-out document as the output file ``name`` (staged); return its final path."""
    write_document_to(context, document, context.stage.path_for(name))
    return context.stage.target(name)


def write_document_to(context: BuildContext, document: weasyprint.Document, path: Path,
                      part: str = "") -> None:
    """Write a laid-out document to ``path``; ``part`` names it among the parts of a book.

    A part's objects are written loose, not packed into a compressed object stream: the
    join unpacks every part's objects and packs the book's own, so compressing a part's
    structure was work thrown away (0.55 CPU-s of a cold build of the publishers' guide,
    for 4.3 MB of objects). Its streams (pages, fonts) are compressed all the same.
    """
    options = {**pdf_options(context), **({"uncompressed_pdf": True} if part else {})}
    with weasyprint_warnings(context, path.name):
        document.write_pdf(path, pdf_identifier=pdf_identifier(context), finisher=finisher(part),
                           **options)
