"""Fit each source's headings and ids into the book's single outline."""

from __future__ import annotations

import re

from lxml import html as lxml_html
from markdown.extensions.toc import slugify_unicode

HEADING = re.compile(r"^h([1-6])$")


def shift_headings(fragment: lxml_html.HtmlElement, top_level: int) -> None:
    """Renumber headings so the source's highest heading sits at ``top_level``.

    Authors write ``##`` for a section of a chapter; in the book that section sits
    under the chapter's own heading, so levels move down, keeping their order.
    """
    levels = [int(m.group(1)) for e in fragment.iter() if isinstance(e.tag, str)
              and (m := HEADING.match(e.tag.lower()))]
    if not levels:
        return
    delta = top_level - min(levels)
    for element in fragment.iter():
        if isinstance(element.tag, str) and (m := HEADING.match(element.tag.lower())):
            level = int(m.group(1)) + delta
            if level > 6:
                element.set("role", "heading")
                element.set("aria-level", str(level))
                element.tag = "p"
                element.set("class", ((element.get("class") or "") + " deep-heading").strip())
            else:
                element.tag = f"h{level}"


def namespace_ids(fragment: lxml_html.HtmlElement, prefix: str, taken: set[str]) -> None:
    """Give every id of the fragment the source's prefix, so ids stay unique in the book.

    Headings without an id get one from their text. Links to ids of the same source
    follow; links to other sources (``#a-3``) are left as they are.
    """
    renamed: dict[str, str] = {}
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        old = element.get("id")
        if old is None and HEADING.match(element.tag.lower()):
            old = slugify_unicode(element.text_content(), "-") or "section"
        if old is None:
            continue
        new = candidate = f"{prefix}--{_clean(old)}"
        counter = 2
        while new in taken:
            new = f"{candidate}-{counter}"
            counter += 1
        taken.add(new)
        renamed.setdefault(old, new)
        element.set("id", new)
    for element in fragment.iter("a"):
        href = element.get("href") or ""
        if href.startswith("#") and href[1:] in renamed and "xref" not in (element.get("class") or ""):
            element.set("href", "#" + renamed[href[1:]])


def _clean(identifier: str) -> str:
    return re.sub(r"[^\w-]+", "-", identifier, flags=re.UNICODE).strip("-") or "id"
