"""What the joined PDF needs beyond WeasyPrint's output to conform: PDF/UA-1, and PDF/A-2 for archives.

Each function states the rule it satisfies, as veraPDF names it (clause-test). They run
once on the final file (``pdfjoin`` calls ``finishing(context)`` before it saves).
"""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf
from lxml import etree

from .context import BuildContext
from .pdfjoin import Finish

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
#: PDF/A-2 knows only the schemas of its own time: pdfuaid (PDF/UA's identification) must be
#: described by an extension schema in the XMP itself (ISO 19005-2, 6.6.2.3; veraPDF 6.6.2.3.1-1).
PDFUA_EXTENSION = f"""\
<rdf:Description xmlns:rdf="{RDF}" rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
  <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>{PDFUAID}</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
      <pdfaProperty:name>part</pdfaProperty:name>
      <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
      <pdfaProperty:category>internal</pdfaProperty:category>
      <pdfaProperty:description>Indicates which part of ISO 14289 the file conforms to</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
  </rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>"""

HEADINGS = {f"/H{level}": level for level in range(1, 7)}
#: Structure elements that never hold a heading: the walk does not go into them.
LEAVES = {"/P", "/Span", "/Link", "/Lbl", "/Figure", "/Caption", "/TH", "/TD", *HEADINGS}


def finishing(context: BuildContext) -> Finish:
    """What the build's profile needs done on its joined PDF."""
    def finish(pdf: pikepdf.Pdf) -> None:
        nest_headings(pdf)
        if context.options.profile == "archive":
            declare_archive(pdf)
            share_output_profile(pdf)
    return finish


def nest_headings(pdf: pikepdf.Pdf) -> None:
    """Number the headings from H1 down without skipping a level (PDF/UA-1 7.4.2-1).

    The book's outline is nested from its cover's H1 (``outline.py``), but a document of
    sheets alone (a handout) starts at the sheets' H3: the whole document then moves up to
    start at H1, and a heading deeper than one level below the one before it comes up to
    that level. Only the tags change: the pages stay as printed. A document whose first
    heading is an H1 is left as it is, after a walk of a few elements (the book's tree has
    tens of thousands: reading them all would cost seconds).
    """
    found = _headings(pdf)
    first = next(found, None)
    if first is None or first[1] == 1:
        return
    headings = [first, *found]
    shift, previous = min(level for _, level in headings) - 1, 0
    for element, level in headings:
        nested = min(level - shift, previous + 1)
        if nested != level:
            element.S = pikepdf.Name(f"/H{nested}")
        previous = nested


def _headings(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Object, int]]:
    """The heading elements in reading order, with their levels, found as they are needed."""
    pending = list(reversed(list(pdf.Root.StructTreeRoot.K)))
    while pending:
        element = pending.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue
        kind = str(element.S)
        if kind in HEADINGS:
            yield element, HEADINGS[kind]
        if kind not in LEAVES and "/K" in element:
            kids = element.K
            pending.extend(reversed(list(kids)) if isinstance(kids, pikepdf.Array) else [kids])


def declare_archive(pdf: pikepdf.Pdf) -> None:
    """Claim PDF/UA-1 beside the PDF/A-2a that WeasyPrint claimed (PDF/UA-1 5-1, PDF/A-2 6.6.2.3.1-1).

    The archive edition is laid out as PDF/A-2a, whose XMP names only PDF/A; PDF/UA-1 asks
    for ``pdfuaid:part`` too, and PDF/A-2 for the extension schema that defines it.
    """
    data = pdf.Root.Metadata.read_bytes()
    start, end = data.index(b"<rdf:RDF"), data.index(b"</rdf:RDF>") + len(b"</rdf:RDF>")
    rdf = etree.fromstring(data[start:end])  # lxml keeps every prefix as WeasyPrint wrote it
    if not rdf.xpath("//@pdfuaid:part", namespaces={"pdfuaid": PDFUAID}):
        identification = etree.SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""},
                                          nsmap={"pdfuaid": PDFUAID})
        identification.set(f"{{{PDFUAID}}}part", "1")
        rdf.append(etree.fromstring(PDFUA_EXTENSION))
    xmp = data[:start] + etree.tostring(rdf, encoding="utf-8") + data[end:]
    pdf.Root.Metadata = pdf.make_stream(xmp, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)


def share_output_profile(pdf: pikepdf.Pdf) -> None:
    """Let every part's sRGB colour space use the output intent's one ICC profile.

    Each part laid out as PDF/A embeds the same sRGB profile (2.5 KB) for its colour space;
    once joined they are one profile, and the copies are not written.
    """
    intents = pdf.Root.get("/OutputIntents")
    if not intents:
        return
    profile = intents[0].DestOutputProfile
    data = profile.read_bytes()
    seen: set[tuple[int, int]] = set()
    pending = [page.obj.get("/Resources") for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if not isinstance(resources, pikepdf.Dictionary) or resources.objgen in seen:
            continue
        if resources.is_indirect:
            seen.add(resources.objgen)
        for space in (resources.get("/ColorSpace") or {}).values():
            if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == pikepdf.Name.ICCBased \
                    and space[1].objgen != profile.objgen and space[1].read_bytes() == data:
                space[1] = profile
        for kind in ("/XObject", "/Pattern"):
            for item in (resources.get(kind) or {}).values():
                if isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)) and "/Resources" in item:
                    pending.append(item.Resources)
