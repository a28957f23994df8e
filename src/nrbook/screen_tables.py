"""Tables on screen: each in a box of its own that scrolls sideways and that a keyboard reaches."""

from __future__ import annotations

from lxml import html as lxml_html
from markupsafe import Markup

SCROLL_BOX_CLASS = "table-scroll"


def table_boxes(body: str, label: str) -> Markup:
    """The HTML of a body with each table in a focusable, named region (layouts' filter).

    A table wider than a phone scrolls in its box (styles/screen.css) rather than widening
    the page or breaking its words anywhere; WCAG 2.1.1 wants what scrolls to be reachable
    by keyboard, hence ``tabindex="0"``, and a region is named: by its table's caption, else
    by ``label`` (the layouts' word). Only the screen book has them: paper does not scroll.
    """
    text = str(body)
    if "<table" not in text:
        return Markup(text)
    fragment = lxml_html.fragment_fromstring(text, create_parent="div")
    for table in list(fragment.iter("table")):
        parent = table.getparent()
        if parent is not None and SCROLL_BOX_CLASS in (parent.get("class") or "").split():
            continue
        caption = table.find("caption")
        name = " ".join(caption.text_content().split()) if caption is not None else ""
        box = lxml_html.Element("div", {"class": SCROLL_BOX_CLASS, "role": "region",
                                        "tabindex": "0", "aria-label": name or label})
        tail, table.tail = table.tail, None
        table.addprevious(box)
        box.append(table)
        box.tail = tail
    inner = (fragment.text or "") + "".join(lxml_html.tostring(child, encoding="unicode")
                                            for child in fragment)
    return Markup(inner)
