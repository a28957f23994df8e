"""An image alone in its paragraph, with a title, becomes a figure with its caption."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class FigureProcessor(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag != "p" or len(child) != 1 or (child.text or "").strip():
                    continue
                image = child[0]
                if image.tag != "img" or (image.tail or "").strip() or not image.get("title"):
                    continue
                caption_text = image.attrib.pop("title")
                figure = etree.Element("figure")
                figure.append(image)
                image.tail = None
                caption = etree.SubElement(figure, "figcaption")
                caption.text = caption_text
                figure.tail = child.tail
                parent.remove(child)
                parent.insert(index, figure)


class FigureExtension(Extension):
    """``![alt](file.svg "Caption")`` alone in a paragraph → ``<figure>`` with ``<figcaption>``."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # After inline patterns (20) have made the <img>.
        md.treeprocessors.register(FigureProcessor(md), "nrbook_figure", 15)
