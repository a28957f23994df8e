"""Each kind of content problem is reported as path:line: message, all at once."""

from __future__ import annotations

import re

import pytest
from conftest import MINI, build_book, copy_book

from nrbook.context import BuildOptions
from nrbook.diagnostics import BuildFailed, Diagnostics
from nrbook.pipeline import prepare

SHEET = """---
id: {id}
title: {title}
priority: {priority}
difficulty: {difficulty}
pilots:
  - Direction
indicators:
  - "Un indicateur"
---

Corps de la fiche.
"""


def sheet(id="a.3", title="Une fiche", priority="Prioritaire", difficulty="Facile") -> str:
    return SHEET.format(id=id, title=title, priority=priority, difficulty=difficulty)


def problems_of(tmp_path, files: dict) -> list[str]:
    source = copy_book(MINI, tmp_path / "book", files)
    diagnostics = Diagnostics()
    with pytest.raises(BuildFailed):
        prepare(BuildOptions(source=source), diagnostics)
    return [p.format(relative_to=source) for p in diagnostics.sorted()]


def test_unknown_priority_suggests_the_closest_value(tmp_path):
    problems = problems_of(tmp_path, {"alpha/x.md": sheet(priority="Prioritere")})
    assert problems == [
        "alpha/x.md:4: error: unknown priority 'Prioritere' (did you mean 'Prioritaire'? "
        "valid values: Prioritaire, Recommandée, Aller plus loin)"]


def test_unknown_difficulty_suggests_despite_accents_and_case(tmp_path):
    problems = problems_of(tmp_path, {"alpha/x.md": sheet(difficulty="difficile ")})
    assert any("alpha/x.md:5: error: unknown difficulty" in p and "did you mean 'Difficile'" in p
               for p in problems), problems


def test_missing_required_field(tmp_path):
    text = sheet().replace("title: Une fiche\n", "")
    problems = problems_of(tmp_path, {"alpha/x.md": text})
    assert problems == ["alpha/x.md:1: error: missing required field 'title' "
                        "(add 'title: ...' to the front matter)"]


def test_misspelled_field_is_named(tmp_path):
    text = sheet().replace("priority:", "priorty:")
    problems = problems_of(tmp_path, {"alpha/x.md": text})
    assert problems == ["alpha/x.md:4: error: unknown field 'priorty' (did you mean 'priority'?)"]


def test_misspelled_field_of_a_book_that_requires_it(tmp_path):
    text = sheet().replace("priority:", "priorty:")
    problems = problems_of(tmp_path, {"alpha/x.md": text, "book.toml": (MINI / "book.toml").read_text(
        encoding="utf-8") + '\n[sheets]\nrequired = ["priority"]\n'})
    assert problems == ["alpha/x.md:1: error: missing required field 'priority' "
                        "('priorty' looks like a misspelling of 'priority')"]


def test_wrong_types(tmp_path):
    text = sheet().replace("pilots:\n  - Direction", "pilots: Direction").replace("title: Une fiche", "title: [1, 2]")
    problems = problems_of(tmp_path, {"alpha/x.md": text})
    assert "alpha/x.md:3: error: 'title' must be text, not a list (write it as 'title: some text')" in problems
    assert any(p.startswith("alpha/x.md:6: error: 'pilots' must be a list, not a single text") for p in problems)


def test_duplicate_ids(tmp_path):
    problems = problems_of(tmp_path, {"alpha/x.md": sheet(id="a.2")})
    assert any(re.match(r"alpha/(x|deuxieme)\.md:2: error: sheet id 'a\.2' is already used by", p)
               for p in problems), problems


def test_sheet_letter_must_match_its_theme(tmp_path):
    problems = problems_of(tmp_path, {"alpha/x.md": sheet(id="b.7")})
    assert problems == ["alpha/x.md:2: error: sheet id 'b.7' does not match its theme 'a' "
                        "(use an id starting with 'a.', or move the file to the theme 'b')"]


def test_malformed_id(tmp_path):
    problems = problems_of(tmp_path, {"alpha/x.md": sheet(id="a-3")})
    assert problems == ["alpha/x.md:2: error: sheet id 'a-3' is not of the form letter.number "
                        "(write it like 'a.1')"]


def test_unreadable_yaml_gives_its_line(tmp_path):
    text = sheet().replace("difficulty: Facile", "difficulty: [Facile")
    problems = problems_of(tmp_path, {"alpha/x.md": text})
    assert len(problems) == 1 and problems[0].startswith("alpha/x.md:6: error: unreadable YAML front matter")


def test_file_not_utf8(tmp_path):
    problems = problems_of(tmp_path, {"alpha/x.md": sheet(title="Caf\u00e9").encode("latin-1")})
    assert problems == ["alpha/x.md:3: error: the file is not UTF-8 (byte 0xe9 at offset 22) "
                        "(re-save the file with UTF-8 encoding)"]


def test_file_in_the_order_that_does_not_exist(tmp_path):
    source_toml = (MINI / "book.toml").read_text(encoding="utf-8").replace('"lexique.md"', '"lexiqe.md"')
    problems = problems_of(tmp_path, {"book.toml": source_toml})
    assert any(p.startswith("book.toml:19: error: 'lexiqe.md' in [order] back does not exist "
                            "(did you mean 'lexique.md'?)") for p in problems), problems


def test_unknown_config_key(tmp_path):
    source_toml = (MINI / "book.toml").read_text(encoding="utf-8").replace("subtitle =", "subtitel =")
    problems = problems_of(tmp_path, {"book.toml": source_toml})
    assert problems == ["book.toml:4: error: unknown key 'subtitel' in [book] (did you mean 'subtitle'?)"]


def test_unknown_cross_reference_gives_its_line(tmp_path):
    text = sheet() + "\nUn paragraphe.\n\nVoir [[z.9]] pour la suite.\n"
    problems = problems_of(tmp_path, {"alpha/x.md": text})
    assert problems == ["alpha/x.md:16: error: cross-reference to unknown sheet 'z.9' (check the sheet id)"]


def test_image_without_alt_text(tmp_path):
    text = sheet() + '\n<img src="../schema.svg">\n'
    problems = problems_of(tmp_path, {"alpha/x.md": text})
    assert problems == ["alpha/x.md:14: error: image '../schema.svg' has no alternative text "
                        "(describe it in ![...](...), or write alt=\"\" if it is decoration)"]


def test_all_problems_are_reported_at_once(tmp_path):
    problems = problems_of(tmp_path, {
        "alpha/x.md": sheet(priority="Haute"),
        "alpha/y.md": sheet(id="a.4", difficulty="Dure"),
        "beta/z.md": sheet(id="b.1"),
    })
    assert len(problems) >= 3
    assert {p.split(":")[0] for p in problems} >= {"alpha/x.md", "alpha/y.md"}


def test_a_book_may_require_the_fields_in_its_book_toml(tmp_path):
    strict = (MINI / "book.toml").read_text(encoding="utf-8") + \
        '\n[sheets]\nrequired = ["indicators", "pilots"]\n'
    text = (MINI / "alpha" / "deuxieme.md").read_text(encoding="utf-8")
    without = re.sub(r"indicators:\n(  - .*\n)+", "", text)
    source = copy_book(MINI, tmp_path / "book", {"book.toml": strict, "alpha/deuxieme.md": without})
    diagnostics = Diagnostics()
    with pytest.raises(BuildFailed):
        prepare(BuildOptions(source=source), diagnostics)
    assert [p.format(relative_to=source) for p in diagnostics.errors] == [
        "alpha/deuxieme.md:1: error: missing required field 'indicators' "
        "(add a list: 'indicators:' then lines '  - ...')"]
    # the same sheet in a book that does not say so is valid, as on the publishers' site
    relaxed = copy_book(MINI, tmp_path / "relaxed", {"alpha/deuxieme.md": without})
    _, diagnostics = build_book(relaxed, tmp_path / "dist", formats=("html",))
    assert not diagnostics.problems


def test_an_unknown_required_field_is_an_error(tmp_path):
    strict = (MINI / "book.toml").read_text(encoding="utf-8") + '\n[sheets]\nrequired = ["indicator"]\n'
    source = copy_book(MINI, tmp_path / "book", {"book.toml": strict})
    diagnostics = Diagnostics()
    with pytest.raises(BuildFailed):
        prepare(BuildOptions(source=source), diagnostics)
    line = strict.rstrip("\n").count("\n") + 1
    assert [p.format(relative_to=source) for p in diagnostics.errors] == [
        f"book.toml:{line}: error: 'indicator' in [sheets] required is not a field a sheet may leave out "
        "(did you mean 'indicators'?)"]
