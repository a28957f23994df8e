"""Join tagged PDFs laid out apart into one book: pages, structure tree, links and outline.

The book is laid out in parts (see ``parts.py``): a *skeleton* with every page of the
book, in which each practice sheet is a one-page stub, and documents of real sheet
pages. Joining replaces each stub page by its real page. Everything that belongs to the
whole document (outline, metadata, language, table of contents and its links) comes
from the skeleton; what belongs to a page (content, annotations, its part of the
structure tree) comes with the page.

This works because WeasyPrint builds the structure tree page by page: the Document
element's children are each page's own elements, in page order, and the parent tree
maps each page's marked contents and each annotation to their elements. Joining keeps
that shape: the Document's children are the children of every final page in order, and
the parent tree is written again with one key per page, then one per annotation.

Links from a sheet to a page outside its own document cannot be laid out as internal
links there; the part's HTML points them at ``FOREIGN_LINK`` + anchor instead, and
joining turns them back into links to the book's named destination.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .fontjoin import join_fonts

#: Where a part's HTML points a link whose target is in another part of the book.
FOREIGN_LINK = "https://nrbook.invalid/anchor#"


@dataclass(frozen=True)
class Part:
    """A PDF laid out apart, and the place (0-based) in the book of each of its pages."""

    path: Path
    places: tuple[int, ...]


def join_book(skeleton: Path, parts: Iterable[Part], target: Path) -> None:
    """Write ``target``: the skeleton with its stub pages replaced by the parts' pages."""
    with pikepdf.open(skeleton) as book:
        joiner = _Joiner(book)
        sources = []
        for part in parts:
            source = pikepdf.open(part.path)
            sources.append(source)
            joiner.take(source, part.places)
        joiner.finish()
        join_fonts(book)
        book.save(target, compress_streams=True, deterministic_id=True,
                  object_stream_mode=pikepdf.ObjectStreamMode.generate)
        for source in sources:
            source.close()


class _Joiner:
    def __init__(self, book: pikepdf.Pdf):
        self.book = book
        root = book.Root.StructTreeRoot
        self.document = root.K[0]
        parent_tree = _numbers(root.ParentTree)
        self.pages: list[_PageEntry] = []
        by_page = _children_by_page(self.document)
        for page in book.pages:
            key = int(page.obj.get("/StructParents", -1))
            self.pages.append(_PageEntry(page.obj, by_page.get(page.obj.objgen, []),
                                         parent_tree.get(key), self._annotation_values(page.obj, parent_tree)))
        self.replaced: dict[tuple[int, int], pikepdf.Object] = {}  # stub page → real page
        self.destinations = _destinations(book.Root)
        self.part_destinations: dict[str, pikepdf.Object] = {}

    @staticmethod
    def _annotation_values(page: pikepdf.Object, parent_tree: dict[int, pikepdf.Object]
                           ) -> list[tuple[pikepdf.Object, pikepdf.Object | None]]:
        values = []
        for annotation in page.get("/Annots", []):
            key = annotation.get("/StructParent")
            values.append((annotation, parent_tree.get(int(key)) if key is not None else None))
        return values

    def take(self, source: pikepdf.Pdf, places: tuple[int, ...]) -> None:
        """Put the source's pages in the book at the given places, with their structure."""
        if len(places) != len(source.pages):
            raise ValueError(f"a part has {len(source.pages)} pages for {len(places)} places")
        root = source.Root.StructTreeRoot
        parent_tree = _numbers(root.ParentTree)
        by_page = _children_by_page(root.K[0])
        document = root.K[0]
        # The Document's children, and the elements WeasyPrint hangs from it outside the tree
        # (those of margin boxes, found through the parent tree only), copied alone: not
        # with the part's whole tree, which their parent link would bring along.
        detached = [obj for obj in source.objects if isinstance(obj, pikepdf.Dictionary)
                    and obj.get("/Type") == pikepdf.Name.StructElem and "/P" in obj
                    and obj.P.objgen == document.objgen]
        for element in detached:
            del element["/P"]
        # Pages first: objects copied afterwards that point to them get the copies.
        for place, page in zip(places, source.pages):
            stub = self.book.pages[place].obj
            self.book.pages[place] = page
            self.replaced[stub.objgen] = self.book.pages[place].obj
        bundle = source.make_indirect(pikepdf.Dictionary(
            Elements=pikepdf.Array([pikepdf.Array(by_page.get(page.obj.objgen, []))
                                    for page in source.pages]),
            Marks=pikepdf.Array([parent_tree.get(int(page.obj.get("/StructParents", -1)),
                                                 pikepdf.Array()) for page in source.pages]),
            Annotations=pikepdf.Array([
                pikepdf.Array([parent_tree.get(int(a.get("/StructParent", -1)), None)
                               for a in page.obj.get("/Annots", [])])
                for page in source.pages]),
            Detached=pikepdf.Array(detached),
            Destinations=pikepdf.Array(
                [item for name, destination in _destinations(source.Root).items()
                 for item in (pikepdf.String(name), destination)]),
        ))
        copied = self.book.copy_foreign(bundle)
        for index, place in enumerate(places):
            page = self.book.pages[place].obj
            self.pages[place] = _PageEntry(page, list(copied.Elements[index]), copied.Marks[index],
                                           list(zip(page.get("/Annots", []), copied.Annotations[index])))
        for element in copied.Detached:
            element.P = self.document
        names = list(copied.Destinations)
        for name, destination in zip(names[::2], names[1::2]):
            self.part_destinations[str(name)] = destination

    def finish(self) -> None:
        """Write the structure tree, parent tree, destinations and outline of the whole book."""
        children = pikepdf.Array()
        numbers = pikepdf.Array()
        annotation_key = len(self.pages)
        annotation_numbers = pikepdf.Array()
        for index, entry in enumerate(self.pages):
            for element in entry.elements:
                element.P = self.document
                children.append(element)
            entry.page.StructParents = index
            numbers.extend([index, entry.marks if entry.marks is not None else pikepdf.Array()])
            for annotation, value in entry.annotations:
                _resolve_foreign_link(annotation)
                if value is None:
                    continue
                annotation.StructParent = annotation_key
                annotation_numbers.extend([annotation_key, value])
                annotation_key += 1
        self.document.K = children
        root = self.book.Root.StructTreeRoot
        root.ParentTree = self.book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array([*numbers, *annotation_numbers])))
        root.ParentTreeNextKey = annotation_key
        self._write_destinations()
        if "/Outlines" in self.book.Root:
            self._retarget_outline(self.book.Root.Outlines)

    def _write_destinations(self) -> None:
        merged = {name: self._retargeted(destination)
                  for name, destination in self.destinations.items()}
        merged.update(self.part_destinations)  # a sheet's own anchors, on its real page
        if not merged:
            return
        items = pikepdf.Array()
        for name in sorted(merged, key=lambda n: n.encode("utf-8")):
            items.extend([pikepdf.String(name), merged[name]])
        names = self.book.Root.get("/Names") or self.book.make_indirect(pikepdf.Dictionary())
        names.Dests = self.book.make_indirect(pikepdf.Dictionary(Names=items))
        self.book.Root.Names = names

    def _retargeted(self, destination: pikepdf.Object) -> pikepdf.Object:
        if isinstance(destination, pikepdf.Array) and len(destination) and \
                destination[0].objgen in self.replaced:
            copy = pikepdf.Array(list(destination))
            copy[0] = self.replaced[destination[0].objgen]
            return copy
        return destination

    def _retarget_outline(self, node: pikepdf.Object) -> None:
        item = node.get("/First")
        while item is not None:
            if "/Dest" in item:
                item.Dest = self._retargeted(item.Dest)
            self._retarget_outline(item)
            item = item.get("/Next")


@dataclass
class _PageEntry:
    page: pikepdf.Object
    elements: list[pikepdf.Object]  # the Document's children laid out on this page
    marks: pikepdf.Object | None  # its marked contents' elements, by MCID
    annotations: list[tuple[pikepdf.Object, pikepdf.Object | None]]  # and their elements


def _numbers(tree: pikepdf.Object) -> dict[int, pikepdf.Object]:
    """The entries of a number tree, flat or with kids."""
    found: dict[int, pikepdf.Object] = {}
    if "/Nums" in tree:
        items = list(tree.Nums)
        found.update((int(key), value) for key, value in zip(items[::2], items[1::2]))
    for kid in tree.get("/Kids", []):
        found.update(_numbers(kid))
    return found


def _names(tree: pikepdf.Object) -> dict[str, pikepdf.Object]:
    found: dict[str, pikepdf.Object] = {}
    if "/Names" in tree:
        items = list(tree.Names)
        found.update((str(key), value) for key, value in zip(items[::2], items[1::2]))
    for kid in tree.get("/Kids", []):
        found.update(_names(kid))
    return found


def _destinations(catalog: pikepdf.Object) -> dict[str, pikepdf.Object]:
    names = catalog.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return _names(names.Dests)


def _children_by_page(document: pikepdf.Object) -> dict[tuple[int, int], list[pikepdf.Object]]:
    """The Document element's children, grouped by the page they were laid out on."""
    grouped: dict[tuple[int, int], list[pikepdf.Object]] = {}
    for element in document.K:
        grouped.setdefault(element.Pg.objgen, []).append(element)
    return grouped


def _resolve_foreign_link(annotation: pikepdf.Object) -> None:
    """A link that a part had to point outside becomes a link to the book's destination."""
    action = annotation.get("/A")
    if action is None or action.get("/S") != pikepdf.Name.URI:
        return
    uri = str(action.URI)
    if uri.startswith(FOREIGN_LINK):
        del annotation["/A"]
        annotation.Dest = pikepdf.String(uri[len(FOREIGN_LINK):])
