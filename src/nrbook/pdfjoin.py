"""Join tagged PDFs laid out apart into one: pages with their structure, links and bookmarks.

The book is laid out in parts (see ``parts.py``): a *skeleton* with every page of the
book, in which each practice sheet is a one-page stub, and documents of real sheet
pages. Joining replaces each stub page by its real page. Everything that belongs to the
whole document (outline, metadata, language, table of contents and its links) comes
from the skeleton; what belongs to a page (content, annotations, its part of the
structure tree) comes with the page. Handouts are joined the same way from pages alone,
into a document of their own.

This works because WeasyPrint builds the structure tree page by page: the Document
element's children are each page's own elements, in page order, and the parent tree
maps each page's marked contents and each annotation to their elements. Joining keeps
that shape: the Document's children are the children of every final page in order, and
the parent tree is written again with one key per page, then one per annotation.

Links from a sheet to a page outside its own document cannot be laid out as internal
links there; the part's HTML points them at ``FOREIGN_LINK`` + anchor instead, and
joining turns them back into links to the named destination, when the joined document
has it, or where the caller says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from .fontjoin import join_fonts

#: Where a part's HTML points a link whose target is in another part of the book.
FOREIGN_LINK = "https://nrbook.invalid/anchor#"

#: For a link whose target the joined document lacks: the address to go to, or None to
#: keep its words without a link.
Elsewhere = Callable[[str], str | None]
#: What is done to the joined document before it is saved (see ``pdfconform.finishing``).
Finish = Callable[[pikepdf.Pdf], None]


@dataclass(frozen=True)
class Part:
    """A PDF laid out apart, the place (0-based) in the result of each page taken from it,
    and which of its pages are taken (default: all, in order)."""

    path: Path
    places: tuple[int, ...]
    pages: tuple[int, ...] | None = None


def join_book(skeleton: Path, parts: Iterable[Part], target: Path, fonts: list[Path],
              finish: Finish | None = None) -> None:
    """Write ``target``: the skeleton with its stub pages replaced by the parts' pages.

    ``fonts`` are the font files the parts were laid out with (see ``fontjoin``).
    """
    with pikepdf.open(skeleton) as book:
        _join(_Joiner(book), parts, target, fonts, finish)


def join_pages(parts: list[Part], target: Path, fonts: list[Path], elsewhere: Elsewhere,
               finish: Finish | None = None) -> None:
    """Write ``target``: a document of the parts' pages alone, with one bookmark per page's own.

    Its metadata, language and structure root come from the first part; its links to
    what it does not hold go where ``elsewhere`` says.
    """
    with pikepdf.open(parts[0].path) as base:
        count = max(place for part in parts for place in part.places) + 1
        size = [float(x) for x in base.pages[0].mediabox]
        del base.pages[:]
        for _ in range(count):
            base.add_blank_page(page_size=(size[2] - size[0], size[3] - size[1]))
        _join(_Joiner(base, fresh=True, elsewhere=elsewhere), parts, target, fonts, finish)


def _join(joiner: _Joiner, parts: Iterable[Part], target: Path, fonts: list[Path],
          finish: Finish | None) -> None:
    sources = []
    try:
        for part in parts:
            source = pikepdf.open(part.path)
            sources.append(source)
            joiner.take(source, part.places, part.pages)
        joiner.finish()
        join_fonts(joiner.book, fonts)
        if finish is not None:
            finish(joiner.book)
        joiner.book.save(target, compress_streams=True, deterministic_id=True,
                         object_stream_mode=pikepdf.ObjectStreamMode.generate)
    finally:
        for source in sources:
            source.close()


@dataclass
class _PageEntry:
    page: pikepdf.Object
    elements: list[pikepdf.Object]  # the Document's children laid out on this page
    marks: pikepdf.Object | None  # its marked contents' elements, by MCID
    annotations: list[tuple[pikepdf.Object, pikepdf.Object | None]]  # and their elements


@dataclass
class _Bookmark:
    place: int
    title: pikepdf.Object
    destination: pikepdf.Object


@dataclass
class _Joiner:
    book: pikepdf.Pdf
    fresh: bool = False  # a document of taken pages only, not a skeleton
    elsewhere: Elsewhere = field(default=lambda anchor: None)

    def __post_init__(self) -> None:
        root = self.book.Root.StructTreeRoot
        self.document = root.K[0]
        self.pages: list[_PageEntry] = []
        parent_tree = {} if self.fresh else _numbers(root.ParentTree)
        by_page = {} if self.fresh else _children_by_page(self.document)
        for page in self.book.pages:
            key = int(page.obj.get("/StructParents", -1))
            self.pages.append(_PageEntry(page.obj, by_page.get(page.obj.objgen, []),
                                         parent_tree.get(key), _annotation_values(page.obj, parent_tree)))
        self.replaced: dict[tuple[int, int], pikepdf.Object] = {}  # stub page → real page
        self.destinations = {} if self.fresh else _destinations(self.book.Root)
        self.part_destinations: dict[str, pikepdf.Object] = {}
        self.bookmarks: list[_Bookmark] = []

    def take(self, source: pikepdf.Pdf, places: tuple[int, ...],
             pages: tuple[int, ...] | None = None) -> None:
        """Put pages of the source at the given places, with their structure."""
        taken = [source.pages[i] for i in (pages if pages is not None else range(len(source.pages)))]
        if len(places) != len(taken):
            raise ValueError(f"{len(taken)} pages of a part for {len(places)} places")
        root = source.Root.StructTreeRoot
        parent_tree = _numbers(root.ParentTree)
        document = root.K[0]
        by_page = _children_by_page(document)
        wanted = {page.obj.objgen for page in taken}
        # The Document's children, and the elements WeasyPrint hangs from it outside the tree
        # (those of margin boxes, found through the parent tree only), copied alone: not
        # with the part's whole tree, which their parent link would bring along.
        detached = [obj for obj in source.objects if isinstance(obj, pikepdf.Dictionary)
                    and obj.get("/Type") == pikepdf.Name.StructElem and "/P" in obj
                    and obj.P.objgen == document.objgen and obj.Pg.objgen in wanted]
        for element in detached:
            del element["/P"]
        # Pages first: objects copied afterwards that point to them get the copies.
        for place, page in zip(places, taken):
            stub = self.book.pages[place].obj
            self.book.pages[place] = page
            self.replaced[stub.objgen] = self.book.pages[place].obj
        destinations = [(name, d) for name, d in _destinations(source.Root).items()
                        if isinstance(d, pikepdf.Array) and d[0].objgen in wanted]
        bookmarks = [(title, d) for title, d in _outline(source) if d[0].objgen in wanted]
        bundle = source.make_indirect(pikepdf.Dictionary(
            Elements=pikepdf.Array([pikepdf.Array(by_page.get(page.obj.objgen, [])) for page in taken]),
            Marks=pikepdf.Array([parent_tree.get(int(page.obj.get("/StructParents", -1)),
                                                 pikepdf.Array()) for page in taken]),
            Annotations=pikepdf.Array([
                pikepdf.Array([parent_tree.get(int(a.get("/StructParent", -1)), None)
                               for a in page.obj.get("/Annots", [])]) for page in taken]),
            Detached=pikepdf.Array(detached),
            Destinations=pikepdf.Array([d for _, d in destinations]),
            Bookmarks=pikepdf.Array([d for _, d in bookmarks]),
        ))
        copied = self.book.copy_foreign(bundle)
        for index, place in enumerate(places):
            page = self.book.pages[place].obj
            self.pages[place] = _PageEntry(page, list(copied.Elements[index]), copied.Marks[index],
                                           list(zip(page.get("/Annots", []), copied.Annotations[index])))
        for element in copied.Detached:
            element.P = self.document
        for (name, _), destination in zip(destinations, copied.Destinations):
            self.part_destinations[name] = destination
        place_of = {self.book.pages[place].obj.objgen: place for place in places}
        for (title, _), destination in zip(bookmarks, copied.Bookmarks):
            self.bookmarks.append(_Bookmark(place_of[destination[0].objgen], title, destination))

    def finish(self) -> None:
        """Write the structure tree, parent tree, destinations and outline of the result."""
        destinations = self._destinations()
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
            kept = pikepdf.Array()
            for annotation, value in entry.annotations:
                if not self._resolve(annotation, value, destinations):
                    continue
                kept.append(annotation)
                if value is None:
                    continue
                annotation.StructParent = annotation_key
                annotation_numbers.extend([annotation_key, value])
                annotation_key += 1
            if "/Annots" in entry.page:
                entry.page.Annots = kept
        self.document.K = children
        root = self.book.Root.StructTreeRoot
        root.ParentTree = self.book.make_indirect(
            pikepdf.Dictionary(Nums=pikepdf.Array([*numbers, *annotation_numbers])))
        root.ParentTreeNextKey = annotation_key
        self._write_destinations(destinations)
        if self.fresh:
            self._write_bookmarks()
        elif "/Outlines" in self.book.Root:
            self._retarget_outline(self.book.Root.Outlines)

    def _resolve(self, annotation: pikepdf.Object, element: pikepdf.Object | None,
                 destinations: dict[str, pikepdf.Object]) -> bool:
        """Turn a link that a part had to point outside into a link that works here.

        Returns False for a link that must go: its words stay, without the link.
        """
        action = annotation.get("/A")
        if action is None or action.get("/S") != pikepdf.Name.URI:
            return True
        uri = str(action.URI)
        if not uri.startswith(FOREIGN_LINK):
            return True
        anchor = uri[len(FOREIGN_LINK):]
        if anchor in destinations:
            del annotation["/A"]
            annotation.Dest = pikepdf.String(anchor)
            return True
        address = self.elsewhere(anchor)
        if address is not None:
            action.URI = pikepdf.String(address)
            return True
        if element is not None:  # the Link element keeps its words, not the annotation
            element.K = pikepdf.Array([k for k in element.K if not (
                isinstance(k, pikepdf.Dictionary) and k.get("/Obj") is not None
                and k.Obj.objgen == annotation.objgen)])
        return False

    def _destinations(self) -> dict[str, pikepdf.Object]:
        merged = {name: self._retargeted(destination)
                  for name, destination in self.destinations.items()}
        merged.update(self.part_destinations)  # a sheet's own anchors, on its real page
        return merged

    def _write_destinations(self, merged: dict[str, pikepdf.Object]) -> None:
        names = self.book.Root.get("/Names")
        if not merged:
            if names is not None and "/Dests" in names:
                del names["/Dests"]
            return
        items = pikepdf.Array()
        for name in sorted(merged, key=lambda n: n.encode("utf-8")):
            items.extend([pikepdf.String(name), merged[name]])
        names = names or self.book.make_indirect(pikepdf.Dictionary())
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

    def _write_bookmarks(self) -> None:
        """The taken pages' bookmarks, one level, in the order of their pages."""
        marks = sorted(self.bookmarks, key=lambda b: b.place)
        if not marks:
            if "/Outlines" in self.book.Root:
                del self.book.Root["/Outlines"]
            return
        outline = self.book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines,
                                                             Count=len(marks)))
        items = [self.book.make_indirect(pikepdf.Dictionary(Title=m.title, Dest=m.destination,
                                                            Parent=outline)) for m in marks]
        for before, after in zip(items, items[1:]):
            before.Next, after.Prev = after, before
        outline.First, outline.Last = items[0], items[-1]
        self.book.Root.Outlines = outline


def _annotation_values(page: pikepdf.Object, parent_tree: dict[int, pikepdf.Object]
                       ) -> list[tuple[pikepdf.Object, pikepdf.Object | None]]:
    values = []
    for annotation in page.get("/Annots", []):
        key = annotation.get("/StructParent")
        values.append((annotation, parent_tree.get(int(key)) if key is not None else None))
    return values


def _leaves(tree: pikepdf.Object, key: str) -> list[tuple[pikepdf.Object, pikepdf.Object]]:
    """The (key, value) entries of a number tree (``/Nums``) or name tree (``/Names``)."""
    found = []
    if key in tree:
        items = list(tree[key])
        found.extend(zip(items[::2], items[1::2]))
    for kid in tree.get("/Kids", []):
        found.extend(_leaves(kid, key))
    return found


def _numbers(tree: pikepdf.Object) -> dict[int, pikepdf.Object]:
    return {int(key): value for key, value in _leaves(tree, "/Nums")}


def _names(tree: pikepdf.Object) -> dict[str, pikepdf.Object]:
    return {str(key): value for key, value in _leaves(tree, "/Names")}


def _destinations(catalog: pikepdf.Object) -> dict[str, pikepdf.Object]:
    names = catalog.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return _names(names.Dests)


def _outline(pdf: pikepdf.Pdf) -> list[tuple[pikepdf.Object, pikepdf.Object]]:
    """Every bookmark of a part (title, explicit destination), at any depth, in order."""
    found = []

    def walk(node: pikepdf.Object) -> None:
        item = node.get("/First")
        while item is not None:
            if isinstance(item.get("/Dest"), pikepdf.Array):
                found.append((item.Title, item.Dest))
            walk(item)
            item = item.get("/Next")

    if "/Outlines" in pdf.Root:
        walk(pdf.Root.Outlines)
    return found


def _children_by_page(document: pikepdf.Object) -> dict[tuple[int, int], list[pikepdf.Object]]:
    """The Document element's children, grouped by the page they were laid out on."""
    grouped: dict[tuple[int, int], list[pikepdf.Object]] = {}
    for element in document.K:
        grouped.setdefault(element.Pg.objgen, []).append(element)
    return grouped
