"""The colour pairs a page shows, read from the project's stylesheets: for the contrast tests.

The styles (tinycss2) are matched against a page's elements (cssselect2, as WeasyPrint does)
with a small cascade of the few properties that make a colour pair: ``color`` (inherited),
the background (``background``/``background-color``, painted under the descendants), the
custom properties (inherited, ``var()`` resolved where used, so a profile's palette applies
where its class is) and, for the graphical scales, the border colour. Every element with
text of its own, and every ``::before``/``::after`` with content, gives a pair: its text
colour on the colour painted under it. The running heads and folios of ``@page`` give
theirs on the white paper. No colour is listed here: they all come from the CSS.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cssselect2
import tinycss2
import tinycss2.color3
from lxml import html as lxml_html

WHITE = (1.0, 1.0, 1.0, 1.0)
BLACK = (0.0, 0.0, 0.0, 1.0)
TRANSPARENT = (0.0, 0.0, 0.0, 0.0)
#: Shorthands reduced to the colour they set (a background shorthand without one sets none).
COLOUR_PROPERTIES = {"color": "color", "background": "background", "background-color": "background",
                     "border": "border", "border-color": "border", "content": "content"}
SKIPPED_TAGS = {"head", "title", "style", "script", "template"}

Colour = tuple[float, float, float, float]


def luminance(colour: Colour) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
    red, green, blue, _ = colour
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: Colour, second: Colour) -> float:
    """WCAG 2.1's contrast ratio, 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(colour: Colour, backdrop: Colour) -> Colour:
    """``colour`` painted over an opaque ``backdrop``."""
    alpha = colour[3]
    mixed = (alpha * c + (1 - alpha) * b for c, b in zip(colour[:3], backdrop[:3], strict=True))
    return (*mixed, 1.0)


def hex_of(colour: Colour) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in colour[:3])


@dataclass(frozen=True)
class Pair:
    """A colour shown on another: text (4.5:1 needed) or a graphical mark (3:1)."""

    foreground: str
    background: str
    kind: str  # "text" or "graphic"

    @property
    def ratio(self) -> float:
        return contrast(_rgb(self.foreground), _rgb(self.background))


def _rgb(text: str) -> Colour:
    parsed = tinycss2.color3.parse_color(text)
    assert parsed is not None and parsed != "currentColor", text
    return tuple(parsed)  # type: ignore[return-value]


@dataclass
class Rules:
    """Parsed stylesheets: a selector matcher whose payloads are (property, tokens, important)."""

    matcher: cssselect2.Matcher = field(default_factory=cssselect2.Matcher)
    margin_colours: list[list[tinycss2.ast.Node]] = field(default_factory=list)  # @page boxes
    count: int = 0

    @classmethod
    def of(cls, paths: Iterable[Path]) -> Rules:
        rules = cls()
        for path in paths:
            rules._add(tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"),
                                                 skip_whitespace=True, skip_comments=True))
        return rules

    def _add(self, nodes: list) -> None:
        for node in nodes:
            if node.type == "qualified-rule":
                declarations = _declarations(node.content)
                if not declarations:
                    continue
                for selector in cssselect2.compile_selector_list(node.prelude):
                    self.matcher.add_selector(selector, declarations)
                    self.count += 1
            elif node.type == "at-rule" and node.lower_at_keyword == "media" and node.content:
                # Colours under every media query count: a wide screen's, a dark system's.
                self._add(tinycss2.parse_rule_list(node.content, skip_whitespace=True,
                                                   skip_comments=True))
            elif node.type == "at-rule" and node.lower_at_keyword == "page" and node.content:
                for inner in tinycss2.parse_blocks_contents(node.content, skip_whitespace=True,
                                                            skip_comments=True):
                    if inner.type == "at-rule" and inner.content:
                        for name, tokens, _ in _declarations(inner.content):
                            if name == "color":
                                self.margin_colours.append(tokens)


def _declarations(content: list) -> list[tuple[str, list, bool]]:
    found = []
    for item in tinycss2.parse_blocks_contents(content, skip_whitespace=True, skip_comments=True):
        if item.type != "declaration":
            continue
        name = item.lower_name if not item.name.startswith("--") else item.name
        if name.startswith("--") or name in COLOUR_PROPERTIES:
            found.append((COLOUR_PROPERTIES.get(name, name), _meaningful(item.value),
                          item.important))
    return found


def _meaningful(tokens: list) -> list:
    return [t for t in tokens if t.type not in ("whitespace", "comment")]


def _substitute(tokens: list, customs: dict[str, list], depth: int = 0) -> list:
    """Tokens with every ``var(--name, fallback)`` replaced by the property's value."""
    assert depth < 20, "custom properties that refer to each other in a loop"
    out: list = []
    for token in tokens:
        if token.type == "function" and token.lower_name == "var":
            arguments = _meaningful(token.arguments)
            name, fallback = arguments[0].value, arguments[2:]
            out += _substitute(customs.get(name, fallback), customs, depth + 1)
        else:
            out.append(token)
    return out


def _colour(tokens: list, current: Colour) -> Colour | None:
    """The colour a value sets: the first colour token, ``currentColor`` resolved; else None."""
    for token in tokens:
        if token.type == "ident" and token.lower_value in ("inherit", "unset"):
            return None
        parsed = tinycss2.color3.parse_color(token)
        if parsed == "currentColor":
            return current
        if parsed is not None:
            return tuple(parsed)  # type: ignore[return-value]
    return None


@dataclass(frozen=True)
class Style:
    customs: dict[str, list]
    colour: Colour
    backdrop: Colour  # the opaque colour painted under the element's text


def _cascade(matches: list) -> dict[str, list]:
    """The winning tokens per property: important last, then specificity, then order."""
    ranked = sorted(((important, specificity, order, name, tokens)
                     for specificity, order, _, declarations in matches
                     for name, tokens, important in declarations), key=lambda m: m[:3])
    return {name: tokens for *_, name, tokens in ranked}


def _has_text(element) -> bool:
    own = (element.text or "").strip()
    return bool(own) or any((child.tail or "").strip() for child in element)


def _describe(wrapper) -> str:
    element = wrapper.etree_element
    classes = "".join(f".{c}" for c in (element.get("class") or "").split())
    ancestor = next((w.etree_element.get("id") for w in reversed(wrapper.ancestors)
                     if w.etree_element.get("id")), None)
    return f"{element.tag}{classes}" + (f" in #{ancestor}" if ancestor else "")


def _pair(colour: Colour, backdrop: Colour, kind: str) -> Pair:
    return Pair(hex_of(over(colour, backdrop)), hex_of(backdrop), kind)


def _with_customs(customs: dict[str, list], declared: dict[str, list]) -> dict[str, list]:
    """Custom properties inherit; an element's own declarations override its parent's."""
    return {**customs, **{name: v for name, v in declared.items() if name.startswith("--")}}


def _value(declared: dict[str, list], name: str, customs: dict[str, list],
           current: Colour) -> Colour | None:
    return _colour(_substitute(declared.get(name, []), customs), current)


def _generates(declared: dict[str, list]) -> bool:
    content = declared.get("content", [])
    return bool(content) and not (len(content) == 1 and getattr(content[0], "lower_value", "") == "none")


def colour_pairs(html_text: str, rules: Rules) -> dict[Pair, list[str]]:
    """Every colour pair the page shows with these rules, each with the elements that show it."""
    root = cssselect2.ElementWrapper.from_html_root(lxml_html.document_fromstring(html_text))
    pairs: dict[Pair, list[str]] = {}
    styles: dict[cssselect2.ElementWrapper, Style] = {}
    canvas = Style({}, BLACK, WHITE)
    for element in root.iter_subtree():
        tag, node = element.etree_element.tag, element.etree_element
        if not isinstance(tag, str) or tag.lower() in SKIPPED_TAGS:
            continue
        parent = styles.get(element.parent, canvas) if element.parent is not None else canvas
        by_pseudo: dict[str | None, list] = {}
        for match in rules.matcher.match(element):
            by_pseudo.setdefault(match[2], []).append(match)
        declared = _cascade(by_pseudo.get(None, []))
        customs = _with_customs(parent.customs, declared)
        colour = _value(declared, "color", customs, parent.colour) or parent.colour
        background = _value(declared, "background", customs, colour) or TRANSPARENT
        style = styles[element] = Style(customs, colour, over(background, parent.backdrop))
        where = _describe(element)
        shown: list[tuple[Pair, str]] = []
        if _has_text(node):
            shown.append((_pair(colour, style.backdrop, "text"), where))
        elif "border" in declared and not len(node):
            # An empty box seen by its border alone, against what is around it: the dots of
            # the scales, a form's fields. (Frames around text only decorate: WCAG 1.4.11
            # asks nothing of them.)
            border = _value(declared, "border", customs, colour)
            if border is not None and border[3] > 0:
                shown.append((_pair(border, parent.backdrop, "graphic"), where))
        for pseudo in ("before", "after"):
            generated = _cascade(by_pseudo.get(pseudo, []))
            if _generates(generated):
                inner = _with_customs(customs, generated)
                text = _value(generated, "color", inner, colour) or colour
                shown.append((_pair(text, style.backdrop, "text"), f"{where}::{pseudo}"))
        for pair, place in shown:
            pairs.setdefault(pair, []).append(place)
    # Running heads and folios, on the paper, in the root element's palette.
    root_customs = styles.get(root, canvas).customs
    for tokens in rules.margin_colours:
        text = _colour(_substitute(tokens, root_customs), BLACK)
        if text is not None:
            pairs.setdefault(_pair(text, WHITE, "text"), []).append("@page margin box")
    return pairs


MINIMUM = {"text": 4.5, "graphic": 3.0}


def too_low(pairs: dict[Pair, list[str]]) -> list[str]:
    """The pairs under WCAG's minimum (1.4.3 for text, 1.4.11 for graphics), said in words."""
    return [f"{p.foreground} on {p.background}: {p.ratio:.2f}:1 < {MINIMUM[p.kind]}:1 ({p.kind}), "
            f"e.g. {', '.join(sorted(set(where))[:3])}"
            for p, where in sorted(pairs.items(), key=lambda item: item[0].ratio)
            if p.ratio < MINIMUM[p.kind]]
