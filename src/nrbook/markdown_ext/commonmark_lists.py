"""Lists read by CommonMark's rules, as the publishers' site generator (markdown-it) reads them."""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from .html_blocks import HTML_BLOCK_START

# Python-Markdown differs from CommonMark on lists in two ways that the publishers' sources
# rely on: a list may start right under a paragraph line ("... :" then "* item"), and a
# nested list is indented to its parent's text (two or three spaces), not four. This
# preprocessor rewrites list lines to Python-Markdown's rules, keeping CommonMark's meaning:
# a blank line before a list that interrupts a paragraph, four spaces per nesting level.

ITEM = re.compile(
    r"^(?P<indent> *)(?P<marker>[*+-]|(?P<number>\d{1,9})[.)])(?:(?P<gap> +)(?P<rest>.*))?$")
THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?: *\1){2,} *$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
# Lines that end a list when they are not indented to its text (CommonMark block starts).
INTERRUPTS = re.compile(r"^ {0,3}(#{1,6}(\s|$)|>|```|~~~)")
LEVEL = " " * 4  # Python-Markdown's tab length: one level of nesting


class CommonMarkListPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        open_items: list[int] = []  # the text column of each open list item, outermost first
        previous = "blank"  # blank, text, item or html
        in_fence = False
        for line in lines:
            if in_fence or (not open_items and FENCE.match(line)):
                if FENCE.match(line):
                    in_fence = not in_fence
                result.append(line)
                previous = "text"
                continue
            if not line.strip():
                result.append(line)
                previous = "blank"
                continue
            if previous == "html" or HTML_BLOCK_START.match(line):
                # Up to a blank line, an HTML block is markup (see html_blocks.py).
                open_items.clear()
                result.append(line)
                previous = "html"
                continue
            indent = len(line) - len(line.lstrip(" "))
            item = ITEM.match(line)
            if item and not THEMATIC_BREAK.match(line):
                # An item after text of the list continues the list; it interrupts nothing.
                after = "item" if open_items and previous != "blank" else previous
                while open_items and indent < open_items[-1]:
                    open_items.pop()
                if (open_items or indent <= 3) and (written := self._item(item, open_items, after)):
                    result.extend(written)
                    previous = "item"
                    continue
            if open_items:
                if previous == "blank" or INTERRUPTS.match(line):
                    while open_items and indent < open_items[-1]:
                        open_items.pop()
                    if not open_items and previous != "blank":
                        result.append("")  # a heading or a quote closes the list
                if open_items:
                    # Text of the innermost open item: after a blank line a block of its own, one
                    # level in; otherwise the rest of its paragraph, at the item's level, so
                    # Python-Markdown keeps the list tight as CommonMark does.
                    depth = len(open_items) - (0 if previous == "blank" else 1)
                    line = LEVEL * depth + line.lstrip(" ")
            result.append(line)
            previous = "text"
        return result

    @staticmethod
    def _item(item: re.Match[str], open_items: list[int], previous: str) -> list[str]:
        marker, rest, number = item["marker"], item["rest"] or "", item["number"]
        # CommonMark: only a non-empty bullet list, or a list from 1, interrupts a paragraph.
        if not open_items and previous == "text" and (
                not rest.strip() or (number is not None and int(number) != 1)):
            return []
        gap = len(item["gap"] or " ")
        open_items.append(len(item["indent"]) + len(marker) + (gap if gap <= 4 else 1))
        lines = [""] if len(open_items) == 1 and previous == "text" else []
        marker = f"{number}." if number is not None else marker
        return [*lines, LEVEL * (len(open_items) - 1) + f"{marker} {rest}"]


class CommonMarkListExtension(Extension):
    """Lists as CommonMark reads them: after a paragraph line, nested by two or three spaces."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # After whitespace normalisation (30, which expands tabs) and html_blocks (25), before
        # md_in_html takes the HTML blocks apart (20).
        md.preprocessors.register(CommonMarkListPreprocessor(md), "nrbook_commonmark_lists", 24)
