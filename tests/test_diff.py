"""nrbook diff on real data: the publishers' guide against a copy edited in each way, content/
against the publishers' guide, a JSON export against sources, and the command line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import CONTENT, CORPUS, CORPUS_CONFIG, MINI, run_nrbook

from nrbook.context import LAYOUTS_DIR
from nrbook.diagnostics import Diagnostics
from nrbook.diff import NEAR_TITLE, compare, title_likeness
from nrbook.editions import Edition, EditionTheme, Practice, read_edition

NBSP = "\u00a0"

# A practice of our own, added to the copy (the corpus's fields, our words).
ADDED_SHEET = """---
title: Suivre la seconde vie des équipements donnés
idbp: i.9
priority: Aller plus loin
difficulty: Facile
who:
  - Direction du numérique
indicators:
  - "Part des équipements donnés encore en service après un an (en %)"
eleventyNavigation:
  parent: bonnes-pratiques-fin-usage
  order: 90
---

Demander aux structures qui reçoivent du matériel un bilan annuel de son usage.
"""


def edit(path: Path, *replacements: tuple[str, str]) -> None:
    """Replace each pattern (a regular expression, once) in a file of the copy."""
    text = path.read_text(encoding="utf-8")
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        assert count == 1, f"{pattern!r} is not in {path.name}"
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def corpus_edition() -> Edition:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/guide-v1 is not beside the checkout")
    return read_edition(CORPUS, CORPUS_CONFIG, Diagnostics())


@pytest.fixture(scope="module")
def edited_corpus(tmp_path_factory, corpus_edition) -> Path:
    """A copy of the publishers' sources edited in each way the diff reports."""
    copy = tmp_path_factory.mktemp("edited") / "guide-v1"
    shutil.copytree(CORPUS, copy)
    (copy / "fin-usage" / "suivre-seconde-vie.md").write_text(ADDED_SHEET, encoding="utf-8")  # added
    (copy / "fin-usage" / "trier-collecter-consommables.md").unlink()  # removed: i.7
    # renumbered, the same title: a.8 → a.9
    edit(copy / "strategie-et-gouvernance" / "pertinence-technologies-emergentes.md",
         (r"^idbp: a\.8$", "idbp: a.9"))
    # renumbered, nearly the same title (an article changed): i.3 → i.10
    edit(copy / "fin-usage" / "reemployer-en-vendant.md", (r"^idbp: i\.3$", "idbp: i.10"),
         (r"^title: Réemployer en vendant les équipements", "title: Réemployer en vendant ses équipements"))
    # retitled, the same id and text: a.5
    edit(copy / "strategie-et-gouvernance" / "obtenir-et-consacrer-budget.md",
         (r"^title: .*$", "title: Réserver des moyens propres à la démarche"))
    # changed: every field of i.8, and its text (one word replaced, one sentence of six words added)
    edit(copy / "fin-usage" / "tenir-registre-dechets.md",
         (r"^priority: Prioritaire$", "priority: Recommandée"),
         (r"^difficulty: Moyenne$", "difficulty: Difficile"),
         (r"^  - Direction logistique$", "  - Direction des achats"),
         (r"^indicators:$", 'indicators:\n  - "Nombre de bordereaux de suivi émis"'),
         (r"Ce document est obligatoire", "Ce document est indispensable"),
         (r"\n\nChaque type de déchet", "\n\nLe registre se consulte en ligne.\n\nChaque type de déchet"))
    return copy


@pytest.fixture(scope="module")
def corpus_changes(corpus_edition, edited_corpus):
    return compare(corpus_edition, read_edition(edited_corpus, CORPUS_CONFIG, Diagnostics()))


def by_id(changes) -> dict[str, object]:
    return {p.current.id: p for theme in changes.themes for p in theme.practices}


@pytest.mark.corpus
def test_each_edit_of_the_corpus_is_reported_exactly(corpus_changes):
    assert corpus_changes.summary == {"added": 1, "removed": 1, "renumbered": 2, "retitled": 2,
                                      "changed": 1, "unchanged": 54}
    found = by_id(corpus_changes)
    assert set(found) == {"i.9", "i.7", "a.9", "i.10", "a.5", "i.8"}
    assert found["i.9"].kinds == ("added",) and found["i.9"].new.title.startswith("Suivre la seconde")
    assert found["i.7"].kinds == ("removed",)
    assert found["a.9"].kinds == ("renumbered",) and found["a.9"].old.id == "a.8"
    assert found["i.10"].kinds == ("renumbered", "retitled") and found["i.10"].old.id == "i.3"
    assert found["a.5"].kinds == ("retitled",)
    assert found["a.5"].old.title == "Obtenir et consacrer un budget spécifique"
    changed = found["i.8"]
    assert changed.kinds == ("changed",)
    assert changed.fields == {"priority": ("Prioritaire", "Recommandée"),
                              "difficulty": ("Moyenne", "Difficile")}
    assert changed.pilots.added == ("Direction des achats",)
    assert changed.pilots.removed == ("Direction logistique",)
    assert changed.indicators.added == ("Nombre de bordereaux de suivi émis",)
    assert changed.indicators.removed == ()
    assert (changed.words_added, changed.words_removed) == (7, 1)  # "indispensable" + 6 words; "obligatoire"
    # renumbering and retitling alone leave the text as it was
    assert (found["a.9"].words_added, found["a.9"].words_removed) == (0, 0)


@pytest.mark.corpus
def test_the_changes_are_listed_theme_by_theme_in_the_books_order(corpus_changes):
    assert [t.current.id for t in corpus_changes.themes] == ["a", "i"]
    fin_usage = corpus_changes.themes[1]
    assert [p.current.id for p in fin_usage.practices] == ["i.8", "i.9", "i.10", "i.7"]  # removed last


@pytest.mark.corpus
def test_the_change_log_text_reads_as_an_editor_writes_it(corpus_changes):
    text = corpus_changes.markdown(LAYOUTS_DIR).replace(NBSP, " ")
    lines = text.splitlines()
    assert lines[0] == "## Version 1 du 19 juin 2023"
    assert ("Par rapport à la version 1 du 19 juin 2023 : 1 fiche ajoutée, 1 retirée, 2 renumérotées, "
            "2 renommées et 1 modifiée ; 54 fiches inchangées.") in lines
    assert "### A. Stratégie et gouvernance" in lines and "### I. Fin d'usage" in lines
    assert "- **Ajoutée** : i.9 « Suivre la seconde vie des équipements donnés »." in lines
    assert "- **Retirée** : i.7 « Trier et collecter séparément les consommables »." in lines
    assert ("- **Renumérotée** : a.8, désormais a.9 : « Évaluer la pertinence avant de déployer une "
            "technologie émergente ».") in lines
    assert ("- **Renumérotée et renommée** : i.3 « Réemployer en vendant les équipements fonctionnels », "
            "désormais i.10 « Réemployer en vendant ses équipements fonctionnels ».") in lines
    assert ("- **Renommée** : a.5 « Obtenir et consacrer un budget spécifique », désormais "
            "« Réserver des moyens propres à la démarche ».") in lines
    assert ("- **Modifiée** : i.8 « Tenir un registre des déchets » — priorité Recommandée (au lieu de "
            "Prioritaire) ; difficulté Difficile (au lieu de Moyenne) ; pilote ajouté : « Direction des "
            "achats » ; pilote retiré : « Direction logistique » ; indicateur ajouté : « Nombre de "
            "bordereaux de suivi émis » ; texte : 7 mots ajoutés, 1 retiré.") in lines
    assert "\n\n\n" not in text and text.endswith(".\n")


@pytest.mark.corpus
def test_changes_json_says_the_same(corpus_changes):
    data = json.loads(corpus_changes.json_bytes())
    assert data["summary"]["renumbered"] == 2 and data["texts_compared"] is True
    practices = {p["id"]: p for t in data["themes"] for p in t["practices"]}
    assert practices["i.10"]["old_id"] == "i.3" and practices["i.10"]["kinds"] == ["renumbered", "retitled"]
    assert practices["i.8"]["priority"] == {"old": "Prioritaire", "new": "Recommandée"}
    assert practices["i.8"]["words"] == {"added": 7, "removed": 1}
    assert practices["i.8"]["pilots"] == {"added": ["Direction des achats"], "removed": ["Direction logistique"]}


@pytest.mark.corpus
def test_an_edition_against_itself_has_no_change(corpus_edition):
    changes = compare(corpus_edition, corpus_edition)
    assert changes.themes == () and changes.summary["unchanged"] == 59
    assert "aucune fiche n’a changé (59 fiches)" in changes.markdown(LAYOUTS_DIR)


@pytest.mark.corpus
def test_a_json_export_is_compared_on_its_fields_and_says_the_texts_were_not(tmp_path, edited_corpus):
    export = tmp_path / "guide-v1.json"
    done = run_nrbook("export", "--source", str(CORPUS), "--config", str(CORPUS_CONFIG), "--format", "json",
                      "--out", str(export))
    assert done.returncode == 0, done.stderr
    changes = compare(read_edition(export, None, Diagnostics()),
                      read_edition(edited_corpus, CORPUS_CONFIG, Diagnostics()))
    assert not changes.texts_compared
    found = by_id(changes)
    assert found["i.8"].kinds == ("changed",) and found["i.8"].fields["priority"] == ("Prioritaire", "Recommandée")
    assert found["a.5"].kinds == ("retitled",)  # the same id, no text to say otherwise
    assert "words" not in json.dumps(changes.as_json())
    assert "Les textes des fiches n’ont pas été comparés" in changes.markdown(LAYOUTS_DIR)


@pytest.mark.corpus
def test_the_content_against_the_publishers_guide_reads_well(corpus_edition):
    content = read_edition(CONTENT, None, Diagnostics())
    changes = compare(corpus_edition, content)
    summary = changes.summary
    matched = len(content.practices) - summary["added"]
    assert matched == len(corpus_edition.practices) - summary["removed"]
    # two books written apart: what is paired across ids has nearly the same title, nothing else
    for theme in changes.themes:
        for practice in theme.practices:
            if "renumbered" in practice.kinds:
                assert title_likeness(practice.old.title, practice.new.title) >= NEAR_TITLE
    text = changes.markdown(LAYOUTS_DIR)
    assert text.startswith(f"## Version 1.0 du 22 novembre 2026\n\nPar rapport à «{NBSP}Guide de bonnes")
    assert text.count("\n### ") == 9  # every theme, in the content's order, with its letter
    assert "Aucune fiche n’est commune aux deux éditions" in text  # two texts written apart, said once
    assert f"Thème renommé : «{NBSP}Phase d’usage, administration et paramétrages{NBSP}», désormais" in text
    for line in text.splitlines():
        if line.startswith("- "):
            assert re.match(r"^- \*\*[A-ZÉ][a-zéè ,]+\*\* : [a-i]\.\d+ «", line), line


def test_titles_match_despite_typos_and_articles_but_not_other_words():
    assert title_likeness("Réduire le nombre d’équipements", "Réduire le nombre des équipments") == 1.0
    assert title_likeness("Tenir un registre des déchets", "Tenir le registre des déchets") == 1.0
    assert title_likeness("Réemployer en donnant les équipements fonctionnels",
                          "Réemployer en vendant les équipements fonctionnels") < NEAR_TITLE


def practice(identifier: str, title: str, words: str = "") -> Practice:
    return Practice(identifier, title, identifier[0], "Prioritaire", "Facile", (), (),
                    tuple(words.split()) if words else None)


def edition(*practices: Practice) -> Edition:
    return Edition("Livre", "1", "", (EditionTheme("a", "Thème"),), practices)


def test_two_practices_that_swap_ids_are_both_renumbered():
    old = edition(practice("a.1", "Nommer un pilote"), practice("a.2", "Mesurer le parc"))
    new = edition(practice("a.1", "Mesurer le parc"), practice("a.2", "Nommer un pilote"))
    kinds = {p.current.id: (p.old.id, p.kinds) for t in compare(old, new).themes for p in t.practices}
    assert kinds == {"a.1": ("a.2", ("renumbered",)), "a.2": ("a.1", ("renumbered",))}


def test_the_same_id_with_another_title_and_another_text_is_a_new_practice():
    old = edition(practice("a.1", "Nommer un pilote", "un deux trois quatre"))
    new = edition(practice("a.1", "Mesurer le parc", "cinq six sept huit"))
    kinds = sorted(p.kinds for t in compare(old, new).themes for p in t.practices)
    assert kinds == [("added",), ("removed",)]


@pytest.mark.corpus
def test_the_command_prints_the_text_and_writes_both_files(tmp_path, edited_corpus):
    done = run_nrbook("diff", str(CORPUS), str(edited_corpus), "--old-config", str(CORPUS_CONFIG),
                      "--new-config", str(CORPUS_CONFIG), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("## Version 1 du 19 juin 2023")
    assert (tmp_path / "changes.md").read_text(encoding="utf-8") == done.stdout
    assert json.loads((tmp_path / "changes.json").read_text(encoding="utf-8"))["summary"]["added"] == 1


def test_the_command_reports_bad_editions_as_the_other_commands_do(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "x",\n  "thematiques": [\n', encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text('{"title": "x"}\n', encoding="utf-8")
    for arguments, expected in (
            ((str(tmp_path / "missing"), str(MINI)), "missing:1: error: no such file or folder"),
            ((str(broken), str(MINI)), "broken.json:3: error: invalid JSON"),
            ((str(other), str(MINI)), "other.json:1: error: not a JSON export of the practices"),
            ((str(tmp_path), str(MINI)), ":1: error: neither a source folder (no book.toml) nor a release")):
        done = run_nrbook("diff", *arguments, "--out", str(tmp_path / "out"))
        assert done.returncode == 1, done.stderr
        assert expected in done.stderr and "Traceback" not in done.stderr
        assert not (tmp_path / "out").exists()
    assert run_nrbook("diff", str(MINI)).returncode == 2
