"""Fixes to the structure WeasyPrint 70 writes, on each PDF it writes, for PDF/UA-1.

Each function names the rule it satisfies (veraPDF's clause-test for PDF/UA-1, ISO 14289-1)
and runs in ``pdfrender.finisher``, on the pydyf PDF before it is written: per part of the
book, so that its cost is spread over the workers and the cache keeps the result.
"""

from __future__ import annotations

import pydyf


def number(reference: object) -> int:
    """The object number of a pydyf reference (b"12 0 R")."""
    text = reference.decode() if isinstance(reference, bytes) else str(reference)
    return int(text.split()[0])


def objects_by_number(pdf: pydyf.PDF) -> dict[int, pydyf.Object]:
    return {obj.number: obj for obj in pdf.objects
            if getattr(obj, "number", None) is not None and not isinstance(obj, (int, type(None)))}


def margins_as_artifacts(pdf: pydyf.PDF) -> None:
    """Mark the page margins' content (running heads, folios) as pagination artifacts.

    WeasyPrint tags what margin boxes print but leaves their elements out of the structure
    tree (Kozea/WeasyPrint#1836): readers that follow the tree skip them, others read a
    running head on every page. PDF/UA-1 (ISO 14289-1, 7.8; Matterhorn 18-001) wants such
    page furniture to be an Artifact of type Pagination: each of their marked-content
    sequences becomes one, their MCIDs leave the parent tree, and their elements are emptied
    so that nothing (the joining of parts included) takes them for structure.
    """
    objects = objects_by_number(pdf)
    root = pdf.catalog.get("StructTreeRoot")
    if root is None:
        return
    tree = objects[number(root)]
    document = objects[number(tree["K"][0])]
    in_tree = {number(kid) for kid in document["K"]}
    detached = [obj for obj in objects.values() if isinstance(obj, pydyf.Dictionary)
                and obj.get("Type") == "/StructElem" and obj.get("P") == document.reference
                and obj.number not in in_tree]
    if not detached:
        return
    page_of = {number(page): index for index, page in enumerate(pdf.page_references)}
    artifacts: dict[int, set[int]] = {}  # page index → its MCIDs to make artifacts
    stack = list(detached)
    while stack:
        element = stack.pop()
        for kid in element.get("K", ()):
            if isinstance(kid, int):
                artifacts.setdefault(page_of[number(element["Pg"])], set()).add(kid)
            elif isinstance(objects.get(number(kid)), pydyf.Dictionary):
                child = objects[number(kid)]
                if child.get("Type") == "/StructElem":
                    stack.append(child)
        element.clear()  # no longer structure: unreferenced, it is not written once joined
    parent_tree = objects[number(tree["ParentTree"])]["Nums"]
    for index, mcids in artifacts.items():
        page = objects[number(pdf.page_references[index])]
        _retag(objects[number(page["Contents"])], mcids)
        marks = parent_tree[2 * index + 1]
        for mcid in mcids:
            if mcid < len(marks):
                marks[mcid] = "null"


def _retag(stream: pydyf.Stream, mcids: set[int]) -> None:
    """Turn the marked-content sequences of these MCIDs into pagination artifacts."""
    items = stream.stream
    for position, item in enumerate(items):
        if isinstance(item, pydyf.Dictionary) and item.get("MCID") in mcids \
                and position and position + 1 < len(items) and items[position + 1] == b"BDC":
            items[position - 1] = "/Artifact"
            items[position] = pydyf.Dictionary({"Type": "/Pagination"})


def nest_link_annotations(pdf: pydyf.PDF) -> None:
    """Put every link annotation inside a Link element (PDF/UA-1 7.18.5-1).

    WeasyPrint gives each box of a link its own annotation, and tags it under the box's
    own element: a Span or NonStruct inside the link (a sheet's id, a QR code's caption).
    Its object reference moves up to the nearest Link element around it, or, with none,
    into a Link element of its own at its place; the parent tree follows.
    """
    objects = objects_by_number(pdf)
    root = pdf.catalog.get("StructTreeRoot")
    if root is None:
        return
    page_count = len(pdf.page_references)
    entries = objects[number(objects[number(root)]["ParentTree"])]["Nums"]
    for index in range(0, len(entries), 2):
        key, value = entries[index], entries[index + 1]
        if not isinstance(key, int) or key < page_count or isinstance(value, pydyf.Array):
            continue
        element = objects[number(value)]
        if element.get("S") == "/Link":
            continue
        position = next((i for i, kid in enumerate(element["K"]) if not isinstance(kid, int)
                         and objects[number(kid)].get("Type") == "/OBJR"
                         and objects[number(objects[number(kid)]["Obj"])].get("StructParent") == key),
                        None)
        if position is None:
            continue
        reference = element["K"][position]
        link = _ancestor(objects, element, "/Link")
        if link is not None:
            del element["K"][position]
            link["K"].append(reference)
        else:
            link = pydyf.Dictionary({"Type": "/StructElem", "S": "/Link", "K": pydyf.Array([reference]),
                                     "Pg": element["Pg"], "P": element.reference})
            pdf.add_object(link)
            element["K"][position] = link.reference
        entries[index + 1] = link.reference


def _ancestor(objects: dict[int, pydyf.Object], element: pydyf.Dictionary, kind: str
              ) -> pydyf.Dictionary | None:
    parent = objects.get(number(element["P"])) if "P" in element else None
    while isinstance(parent, pydyf.Dictionary) and parent.get("Type") == "/StructElem":
        if parent.get("S") == kind:
            return parent
        parent = objects.get(number(parent["P"])) if "P" in parent else None
    return None


def wrap_list_bodies(pdf: pydyf.PDF) -> None:
    """Hold what a list item says in its LBody (PDF/UA-1 7.2-20: an LI holds only Lbl and LBody).

    For an item whose text is in paragraphs (``<li><p>…</p></li>``, a loose Markdown list)
    WeasyPrint puts the P elements right under the LI, beside its Lbl: each run of them
    goes into an LBody of its own, in its place.
    """
    objects = objects_by_number(pdf)
    items = [obj for obj in list(objects.values()) if isinstance(obj, pydyf.Dictionary)
             and obj.get("Type") == "/StructElem" and obj.get("S") == "/LI"]
    for item in items:
        kids, body = pydyf.Array(), None
        for kid in item["K"]:
            child = objects.get(number(kid)) if not isinstance(kid, int) else None
            if child is None or child.get("S") in ("/Lbl", "/LBody") or child.get("Type") != "/StructElem":
                kids.append(kid)
                body = None
                continue
            if body is None:
                body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody", "K": pydyf.Array(),
                                         "Pg": child.get("Pg", item.get("Pg")), "P": item.reference})
                pdf.add_object(body)
                kids.append(body.reference)
            body["K"].append(kid)
            child["P"] = body.reference
        item["K"] = kids
