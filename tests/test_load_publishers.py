"""The publishers' Eleventy front matter, read into the same model as the project's own."""

from __future__ import annotations

from pathlib import Path

from nrbook.config import load_config
from nrbook.diagnostics import Diagnostics
from nrbook.load import load_book
from nrbook.model import Book

CONFIG = """[book]
name = "site"
title = "Guide du site"
url = "https://exemple.test/publications/guide/"

[site]
sheet_url = "https://exemple.test/publications/guide/{theme}/{slug}/"

[variables.metadata.guide]
version = "v2"
"""

THEME = """---
layout: layouts/thematique.njk
title: {title}
idThematique: "{letter}."
permalink: /publications/guide/{folder}/
tags: thematique
eleventyNavigation:
  key: {folder}
  parent: guide
  title: {title}
  order: {order}
---

Introduction du thème.
"""

SHEET = """---
layout: layouts/bonne-pratique.njk
title: "{title}"
type: bpnr
date: 2023-06-01
image: /img/vignette.png
eleventyExcludeFromCollections: false
idbp: {id}
priority: {priority}
difficulty: Moyenne
who:
  - Direction du numérique
indicators:
  - "Un indicateur : oui / non"
eleventyNavigation:
  parent: {folder}
  order: 10
---

Corps de la fiche.
"""


def write_book(root: Path, files: dict[str, str], config: str = CONFIG) -> Path:
    root.mkdir()
    (root / "book.toml").write_text(config, encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def theme(folder: str, letter: str, order: int, title: str = "") -> dict[str, str]:
    return {f"{folder}/index.md": THEME.format(title=title or folder.capitalize(), letter=letter,
                                               folder=folder, order=order)}


def sheet(folder: str, name: str, sheet_id: str, title: str = "Une fiche",
          priority: str = "Prioritaire") -> dict[str, str]:
    return {f"{folder}/{name}.md": SHEET.format(title=title, id=sheet_id, folder=folder,
                                                priority=priority)}


def load(root: Path) -> tuple[Book, Diagnostics]:
    diagnostics = Diagnostics()
    config = load_config(root / "book.toml", diagnostics)
    assert config is not None, [p.format() for p in diagnostics.problems]
    return load_book(root, config, diagnostics), diagnostics


def test_site_fields_fill_the_model_and_the_others_are_ignored(tmp_path):
    root = write_book(tmp_path / "site", {
        **theme("services", "g", 70, "Services numériques"),
        **sheet("services", "reduire-le-temps-passé", "g.1", "Réduire le temps passé"),
    })
    book, diagnostics = load(root)
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    (item,) = book.themes
    assert (item.id, item.title, item.order, item.slug) == ("g", "Services numériques", 70, "services")
    one = book.sheet("g.1")
    assert (one.title, one.priority, one.difficulty) == ("Réduire le temps passé", "Prioritaire", "Moyenne")
    assert one.pilots == ("Direction du numérique",)
    assert one.indicators == ("Un indicateur : oui / non",)
    # the site serves a file name with a non-ASCII character percent-encoded
    assert one.url == "https://exemple.test/publications/guide/services/reduire-le-temps-pass%C3%A9/"


def test_themes_follow_their_navigation_order_and_sheets_their_id(tmp_path):
    root = write_book(tmp_path / "site", {
        **theme("zeta", "a", 10), **theme("alpha", "b", 20),
        **sheet("zeta", "neuf", "a.9"), **sheet("zeta", "dix", "a.10"), **sheet("zeta", "deux", "a.2"),
        **sheet("alpha", "un", "b.1"),
    })
    book, diagnostics = load(root)
    assert not diagnostics.problems
    assert [t.slug for t in book.themes] == ["zeta", "alpha"], "by eleventyNavigation.order, not name"
    assert [s.id for s in book.sheets] == ["a.2", "a.9", "a.10", "b.1"]


def test_wrong_values_of_used_fields_are_errors_with_their_line(tmp_path):
    bad_theme = THEME.format(title="Zeta", letter="ab", folder="zeta", order="dix")
    bad_sheet = SHEET.format(title="Fiche", id="a.1", folder="zeta", priority="Prioritaire").replace(
        "who:\n  - Direction du numérique\n", "who: Direction du numérique\n")
    root = write_book(tmp_path / "site", {"zeta/index.md": bad_theme, "zeta/fiche.md": bad_sheet})
    _, diagnostics = load(root)
    found = [(p.path.name, p.line, p.message) for p in diagnostics.sorted()]
    assert ("index.md", 4, "theme id 'ab' must be one lower-case letter") in found
    assert ("index.md", 7, "'eleventyNavigation.order' must be a whole number") in found
    assert ("fiche.md", 11, "'who' must be a list, not a single text") in found
    assert len(diagnostics.errors) == 3


def test_template_expressions_in_titles_are_resolved_or_reported(tmp_path):
    root = write_book(tmp_path / "site", {
        **theme("zeta", "a", 10),
        **sheet("zeta", "une", "a.1", "Guide {{ metadata.guide.version }}"),
        **sheet("zeta", "deux", "a.2", "Fiche {{ metadata.guide.absent }}"),
    })
    book, diagnostics = load(root)
    assert book.sheet("a.1").title == "Guide v2"
    assert book.sheet("a.2").title == "Fiche"
    (problem,) = diagnostics.warnings
    assert (problem.path.name, problem.line) == ("deux.md", 3)
    assert "'{{ metadata.guide.absent }}'" in problem.message


def test_sheet_url_placeholders_are_checked(tmp_path):
    root = write_book(tmp_path / "site", theme("zeta", "a", 10),
                      CONFIG.replace("{theme}/{slug}", "{theme}/{name}"))
    diagnostics = Diagnostics()
    assert load_config(root / "book.toml", diagnostics) is None
    assert [p.line for p in diagnostics.errors] == [7]
    assert "sheet_url may only use {id}, {slug}, {theme}" in diagnostics.errors[0].message
