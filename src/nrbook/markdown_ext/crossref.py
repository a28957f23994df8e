"""``[[a.3]]``: a cross-reference to a practice sheet, written in a light syntax."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from ..model import anchor_for

#: What authors write; validation reports the ids that do not exist, with their line.
CROSSREF_PATTERN = r"\[\[\s*([a-z]\.[0-9]+)\s*\]\]"
CROSSREF = re.compile(CROSSREF_PATTERN)


class CrossRefProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: Markdown, title_of: Callable[[str], str | None]):
        super().__init__(pattern, md)
        self.title_of = title_of

    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802 (Python-Markdown's API)
        sheet_id = m.group(1)
        title = self.title_of(sheet_id)
        if title is None:
            # Unknown ids are reported by validation; keep the text visible, unlinked.
            return m.group(0), m.start(0), m.end(0)
        link = etree.Element("a", {"class": "xref", "href": f"#{anchor_for(sheet_id)}",
                                   "data-title": title})
        link.text = sheet_id
        return link, m.start(0), m.end(0)


class CrossRefExtension(Extension):
    """Turns ``[[a.3]]`` into a link to sheet a.3 that the print styles complete with its page."""

    def __init__(self, **kwargs):
        self.config = {"title_of": [lambda _id: None, "function: sheet id -> title, or None if unknown"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Above links (160) so that [[...]] is never read as a reference-style link.
        md.inlinePatterns.register(
            CrossRefProcessor(CROSSREF_PATTERN, md, self.getConfig("title_of")), "nrbook_crossref", 175)
