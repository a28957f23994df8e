"""Raw HTML blocks with Markdown inside, as site generators let authors write them."""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

# Block tags whose content authors write in Markdown; md_in_html reads their content
# as Markdown only when they carry markdown="1", which site generators do not need.
BLOCK_TAGS = ("div", "section", "aside", "nav", "article", "header", "footer", "figure",
              "details", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "p")
OPENING_TAG = re.compile(
    r"^(\s{0,3})<(" + "|".join(BLOCK_TAGS) + r")(\s[^>]*)?>", re.IGNORECASE)

# CommonMark (what Eleventy's markdown-it follows): a line that opens or closes one of
# these tags starts an HTML block, and every following line up to a blank line belongs
# to it, whatever its indentation.
COMMONMARK_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "details", "dialog", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "section", "summary", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul")
HTML_BLOCK_START = re.compile(
    r"^ {0,3}</?(" + "|".join(COMMONMARK_BLOCK_TAGS) + r")(\s|/?>|$)", re.IGNORECASE)
# Where indentation is content: never touched.
VERBATIM_OPEN = re.compile(r"<(pre|textarea|script|style)(\s|>)", re.IGNORECASE)
VERBATIM_CLOSE = re.compile(r"</(pre|textarea|script|style)>", re.IGNORECASE)


class MarkdownInHtmlPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        result = []
        in_fence = in_block = verbatim = False
        for line in lines:
            if verbatim:
                verbatim = not VERBATIM_CLOSE.search(line)
                result.append(line)
                continue
            if not in_block and line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            if not in_fence:
                if not line.strip():
                    in_block = False
                elif in_block or HTML_BLOCK_START.match(line):
                    # Inside md_in_html's blocks the content is read as Markdown, where an
                    # indented line is code; in the HTML block it continues, it is markup.
                    in_block = True
                    line = line.lstrip()
                    verbatim = bool(VERBATIM_OPEN.search(line)) and not VERBATIM_CLOSE.search(line)
                line = OPENING_TAG.sub(self._mark, line)
            result.append(line)
        return result

    @staticmethod
    def _mark(match: re.Match[str]) -> str:
        attributes = match.group(3) or ""
        if "markdown=" in attributes:
            return match.group(0)
        return f'{match.group(1)}<{match.group(2)}{attributes} markdown="1">'


class HtmlBlockExtension(Extension):
    """Reads the Markdown inside raw HTML blocks (needs md_in_html, registered with it)."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.registerExtension(self)
        # Before md_in_html's block parsing (HtmlBlockPreprocessor is at 20).
        md.preprocessors.register(MarkdownInHtmlPreprocessor(md), "nrbook_html_blocks", 25)
