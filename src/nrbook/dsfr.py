"""The French state design system (DSFR) in raw HTML of sources, fitted to the book."""

from __future__ import annotations

from enum import Enum

from lxml import html as lxml_html

# Why a pass over the rendered fragment and not a Python-Markdown treeprocessor: Python-
# Markdown keeps raw HTML it does not parse (inline tags such as <a class="fr-link">, lists
# inside a <nav>) as opaque text until its last step, so only the parsed fragment, where
# render.py also applies the sandbox and the outline, has every element of a source.

PREFIX = "fr-"


class Fit(Enum):
    """What becomes of an element carrying a design-system class, other than a new class."""

    DROP = "drop"  # the element and everything in it go: the book has its own version
    UNWRAP = "unwrap"  # the element goes, what it holds stays: a wrapper for the site's layout


#: Design-system components and what each becomes in the book: one of the book's classes
#: (styles/base.css) or a Fit. A class is found by its longest key on '-' boundaries, once
#: its BEM modifier ('--…') is cut, so fr-col-md-7 is fr-col and fr-table--bordered is
#: fr-table; BEM elements (fr-callout__title) are components of their own. A class found
#: nowhere is dropped and leaves its element as plain HTML.
COMPONENTS: dict[str, str | Fit] = {
    "fr-highlight": "highlight",
    "fr-callout": "highlight",
    "fr-summary": Fit.DROP,  # a hand-written table of contents of the page
    "fr-table": Fit.UNWRAP,  # scrolling wrapper around the table it holds
    "fr-grid-row": Fit.UNWRAP,  # the site's grid: one column on a page
    "fr-col": Fit.UNWRAP,
    "fr-container": Fit.UNWRAP,
}

# Elements that mean nothing without content, once links and images have been resolved.
PRUNABLE = {"p", "div", "span", "a", "strong", "em", "b", "i", "small"}


def component(name: str) -> str | Fit | None:
    """What a design-system class becomes: a book class, a Fit, or None (dropped)."""
    parts = name.split("--", 1)[0].split("-")
    for end in range(len(parts), 1, -1):
        found = COMPONENTS.get("-".join(parts[:end]))
        if found is not None:
            return found
    return None


def apply(fragment: lxml_html.HtmlElement) -> None:
    """Map, unwrap or drop each element with design-system classes; keep everything else."""
    for element in list(fragment.iter()):
        if element is fragment or not isinstance(element.tag, str):
            continue
        classes = (element.get("class") or "").split()
        site = [c for c in classes if c.startswith(PREFIX)]
        if not site:
            continue
        fits = [component(c) for c in site]
        if Fit.DROP in fits:
            if element.getparent() is not None:
                element.drop_tree()
            continue
        kept = list(dict.fromkeys([c for c in classes if not c.startswith(PREFIX)]
                                  + [f for f in fits if isinstance(f, str)]))
        if kept:
            element.set("class", " ".join(kept))
        else:
            element.attrib.pop("class", None)
        if Fit.UNWRAP in fits and not kept and element.get("id") is None:
            element.drop_tag()


def prune_empty(fragment: lxml_html.HtmlElement) -> None:
    """Remove wrappers left with nothing in them (a link around an image that is gone)."""
    for element in reversed(list(fragment.iter())):
        if (element is fragment or not isinstance(element.tag, str)
                or element.tag.lower() not in PRUNABLE or len(element)
                or (element.text or "").strip() or element.get("id") or element.get("name")):
            continue
        element.drop_tree()
