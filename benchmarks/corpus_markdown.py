"""One Markdown file of a book's sources, for the peer comparison: pandoc + WeasyPrint.

Each chapter keeps its text; each theme becomes a level-1 heading followed by its
introduction, each sheet a level-2 heading (id and title) followed by its fields as a
short list and its text. Front matter and template tags are left out; site-absolute
images point to the asset folder. It is the same corpus nrbook builds, as pandoc can read it.

    python benchmarks/corpus_markdown.py SOURCE CONFIG OUT.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TEMPLATE = re.compile(r"{%.*?%}|{{.*?}}", re.DOTALL)
#: An image of the sources; those whose file is not there are left out, as nrbook leaves
#: them out (with a warning), or pandoc would stop.
MISSING_IMAGE = re.compile(r'!\[[^\]]*\]\((?P<path>/[^)\s]+)\)|<img\b[^>]*\bsrc="(?P<path2>/[^"]+)"[^>]*>')


def book_markdown(source: Path, config: Path) -> str:
    from nrbook.config import load_config
    from nrbook.diagnostics import Diagnostics
    from nrbook.load import load_book

    diagnostics = Diagnostics()
    settings = load_config(config, diagnostics)
    if settings is None:
        raise SystemExit("\n".join(p.format() for p in diagnostics.sorted()))
    book = load_book(source, settings, diagnostics)
    assets = settings.asset_root or source

    def text(body: str) -> str:
        body = TEMPLATE.sub("", body)
        # Markdown images and the raw HTML <img> of the publishers' pages alike
        body = re.sub(r"(\]\(|src=\")/img/", lambda m: f"{m[1]}{assets.as_posix()}/img/", body)
        return MISSING_IMAGE.sub(lambda m: m[0] if Path(m["path"] or m["path2"]).is_file() else "", body)

    parts = [f"---\ntitle: \"{book.info.title}\"\nlang: {book.info.language}\n---\n"]
    for chapter in book.front:
        parts.append(f"# {chapter.title}\n\n{text(chapter.body.text)}\n")
    for theme in book.themes:
        parts.append(f"# {theme.id}. {theme.title}\n\n{text(theme.intro.text)}\n")
        for sheet in theme.sheets:
            fields = [f"- Priorité : {sheet.priority}", f"- Difficulté : {sheet.difficulty}"]
            fields += [f"- Pilote : {pilot}" for pilot in sheet.pilots]
            fields += [f"- Indicateur : {indicator}" for indicator in sheet.indicators]
            sections = [text(sheet.body.text)]
            for heading, section in (("En savoir plus", sheet.more),
                                     ("Retour d'expérience", sheet.feedback)):
                if section is not None:
                    sections.append(f"### {heading}\n\n{text(section.text)}")
            parts.append(f"## {sheet.id} {sheet.title}\n\n" + "\n".join(fields) + "\n\n"
                         + "\n\n".join(sections) + "\n")
    for chapter in book.back:
        parts.append(f"# {chapter.title}\n\n{text(chapter.body.text)}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    source_dir, config_file, out = map(Path, sys.argv[1:4])
    out.write_text(book_markdown(source_dir, config_file), encoding="utf-8")
