"""`nrbook new`: sheets and themes written where they belong, ready to fill, passing check at once."""

from __future__ import annotations

import tomllib

import pytest
from conftest import CONTENT, MINI, copy_book, run_nrbook

from nrbook.context import BuildOptions
from nrbook.diagnostics import Diagnostics
from nrbook.pipeline import prepare
from nrbook.scaffold import add_theme_to_order, slugify, yaml_scalar


@pytest.fixture
def content(tmp_path):
    return copy_book(CONTENT, tmp_path / "content")


@pytest.fixture
def mini(tmp_path):
    return copy_book(MINI, tmp_path / "mini")


def check(source, *args):
    result = run_nrbook("check", "--source", str(source), *args)
    assert result.returncode == 0, result.stderr
    return result


def load(source):
    return prepare(BuildOptions(source=source), Diagnostics())[1]


def test_a_new_sheet_in_the_content_takes_the_next_id_and_passes_strict_check(content):
    result = run_nrbook("new", "sheet", "--source", str(content), "--theme", "a",
                        "--title", "Mesurer l'empreinte du parc")
    assert result.returncode == 0, result.stderr
    path = content / "strategie-et-gouvernance" / "mesurer-l-empreinte-du-parc.md"
    assert f"wrote {path}" in result.stderr and "a.7" in result.stderr
    assert "next: " in result.stderr and "nrbook check" in result.stderr
    text = path.read_text(encoding="utf-8")
    for field in ("id: a.7", "title: Mesurer l'empreinte du parc", "priority: Recommandée",
                  "difficulty: Moyenne", "pilots:", "indicators:", "## En savoir plus"):
        assert field in text, field
    assert "52 sheets" in check(content, "--strict").stderr
    sheet = load(content).sheet("a.7")
    assert sheet.pilots == ("À préciser",) and sheet.indicators == ("À préciser", "À préciser")
    assert sheet.more is not None, "the 'En savoir plus' section is there, placed apart"


def test_the_next_id_is_after_the_highest_and_fills_no_gap(mini):
    # alpha holds a.2 and a.10: the next is a.11, never a.1 or a.3.
    result = run_nrbook("new", "sheet", "--source", str(mini), "--theme", "a", "--title", "Onzième")
    assert result.returncode == 0, result.stderr
    assert "id: a.11\n" in (mini / "alpha" / "onzieme.md").read_text(encoding="utf-8")
    result = run_nrbook("new", "sheet", "--source", str(mini), "--theme", "a", "--title", "Douzième")
    assert "id: a.12\n" in (mini / "alpha" / "douzieme.md").read_text(encoding="utf-8")
    check(mini, "--strict")


@pytest.mark.parametrize("theme", ["b", "beta", "Second thème", "second THEME", "b."])
def test_the_theme_is_found_by_letter_folder_or_title(mini, theme):
    result = run_nrbook("new", "sheet", "--source", str(mini), "--theme", theme, "--title", "Essai",
                        "--priority", "aller plus loin", "--difficulty", "DIFFICILE")
    assert result.returncode == 0, result.stderr
    text = (mini / "beta" / "essai.md").read_text(encoding="utf-8")
    assert "id: b.2\n" in text and "priority: Aller plus loin" in text and "difficulty: Difficile" in text
    check(mini, "--strict")


def test_a_title_with_yaml_characters_reads_back_unchanged(mini):
    title = 'Dire « non » : 50 % des #achats, et "pourquoi"'
    result = run_nrbook("new", "sheet", "--source", str(mini), "--theme", "a", "--title", title)
    assert result.returncode == 0, result.stderr
    assert (mini / "alpha" / "dire-non-50-des-achats-et-pourquoi.md").is_file()
    check(mini, "--strict")
    assert load(mini).sheet("a.11").title == title


def test_an_existing_file_is_never_overwritten(mini):
    args = ("new", "sheet", "--source", str(mini), "--theme", "a", "--title", "Deuxieme")
    before = (mini / "alpha" / "deuxieme.md").read_bytes()
    result = run_nrbook(*args)
    assert result.returncode == 2
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    assert (mini / "alpha" / "deuxieme.md").read_bytes() == before


@pytest.mark.parametrize("args, message", [
    (("--theme", "z", "--title", "Essai"), "no theme 'z'; themes: a (Premier thème), b (Second thème)"),
    (("--theme", "a", "--title", "Essai", "--priority", "Urgente"), "--priority: 'Urgente' is not one of"),
    (("--theme", "a", "--title", "Essai", "--difficulty", "Simple"), "--difficulty: 'Simple' is not one of"),
    (("--theme", "a", "--title", "   "), "--title: give the title"),
])
def test_usage_problems_exit_2_with_a_clear_message_and_write_nothing(mini, args, message):
    before = sorted(p.relative_to(mini) for p in mini.rglob("*"))
    result = run_nrbook("new", "sheet", "--source", str(mini), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.relative_to(mini) for p in mini.rglob("*")) == before


def test_missing_arguments_are_usage_errors(mini):
    assert run_nrbook("new").returncode == 2
    assert run_nrbook("new", "sheet", "--source", str(mini), "--title", "x").returncode == 2
    assert run_nrbook("new", "theme", "--source", str(mini)).returncode == 2
    result = run_nrbook("new", "sheet", "--source", str(mini / "nulle-part"), "--theme", "a", "--title", "x")
    assert result.returncode == 2 and "no source folder" in result.stderr


def test_a_new_theme_in_the_content_joins_the_reading_order_with_its_comments_kept(content):
    config_before = (content / "book.toml").read_text(encoding="utf-8")
    result = run_nrbook("new", "theme", "--source", str(content), "--title", "Numérique et territoires")
    assert result.returncode == 0, result.stderr
    index = content / "numerique-et-territoires" / "index.md"
    assert index.read_text(encoding="utf-8").startswith(
        "---\nid: j\ntitle: Numérique et territoires\norder: 10\n---\n")
    config_after = (content / "book.toml").read_text(encoding="utf-8")
    # One line added, after the last theme, in the list's own style; nothing else moved.
    assert config_after == config_before.replace('  "fin-usage",\n', '  "fin-usage",\n  "numerique-et-territoires",\n')
    assert config_after.startswith("# Book configuration")
    assert "added \"numerique-et-territoires\" to [order] themes" in result.stderr
    assert "has no practice sheet" in check(content).stderr  # a warning until its first sheet

    result = run_nrbook("new", "sheet", "--source", str(content), "--theme", "j", "--title", "Première fiche")
    assert result.returncode == 0, result.stderr
    assert "id: j.1\n" in (content / "numerique-et-territoires" / "premiere-fiche.md").read_text(encoding="utf-8")
    check(content, "--strict")
    book = load(content)
    assert book.themes[-1].id == "j" and [s.id for s in book.themes[-1].sheets] == ["j.1"]


def test_a_new_theme_in_a_one_line_list_and_with_a_chosen_letter(mini):
    result = run_nrbook("new", "theme", "--source", str(mini), "--title", "Troisième thème", "--id", "t")
    assert result.returncode == 0, result.stderr
    assert 'themes = ["alpha", "beta", "troisieme-theme"]\n' in (mini / "book.toml").read_text(encoding="utf-8")
    assert "id: t\n" in (mini / "troisieme-theme" / "index.md").read_text(encoding="utf-8")
    run_nrbook("new", "sheet", "--source", str(mini), "--theme", "t", "--title", "Essai")
    check(mini, "--strict")


def test_without_a_theme_list_the_new_theme_follows_its_order(mini):
    config = mini / "book.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('themes = ["alpha", "beta"]\n', ""),
                      encoding="utf-8")
    before = config.read_bytes()
    result = run_nrbook("new", "theme", "--source", str(mini), "--title", "Gamma")
    assert result.returncode == 0, result.stderr
    assert config.read_bytes() == before and "[order] themes" not in result.stderr
    run_nrbook("new", "sheet", "--source", str(mini), "--theme", "c", "--title", "Essai")
    check(mini, "--strict")
    assert [t.id for t in load(mini).themes] == ["a", "b", "c"]


@pytest.mark.parametrize("args, message", [
    (("--title", "Autre", "--id", "a"), "--id: the letter 'a' is already used; free letters: c, d"),
    (("--title", "Autre", "--id", "ab"), "--id: 'ab' is not one lower-case letter"),
    (("--title", "Alpha"), "alpha already exists"),
])
def test_theme_usage_problems_exit_2(mini, args, message):
    config_before = (mini / "book.toml").read_bytes()
    result = run_nrbook("new", "theme", "--source", str(mini), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert (mini / "book.toml").read_bytes() == config_before


@pytest.mark.parametrize("before", [
    '[order]\nthemes = ["alpha", "beta"]\nback = ["x.md"]\n',
    '[order]\nthemes = []\n',
    '[order]\nthemes = ["a",]\n',
    '# c\n[order]\nfront = ["s.md"]\nthemes = [\n  "a",\n  "b",\n]\nback = []\n',
    '[order]\nthemes = [\n    "a",\n    "b"  # the last one ] tricky\n]\n',
    '[order]\nthemes = [\n  "a",\n  "b", # note\n]\n',
    '[order]\nthemes = ["a",\n  "b"]\n[site]\nbase_url = "x"\n',
    '[order]\r\nthemes = [\r\n  "a",\r\n  "b"\r\n]\r\n',
    '[book]\nthemes_note = 1\n[order] # comment\nthemes=[ "a" , "b" ]  # end\n',
])
def test_adding_to_the_theme_list_keeps_the_file_as_it_was(before):
    after = add_theme_to_order(before, "nouveau")
    assert tomllib.loads(after)["order"]["themes"] == [*tomllib.loads(before)["order"]["themes"], "nouveau"]
    comments = [line[line.index("#"):] for line in before.splitlines() if "#" in line]
    assert all(comment in after for comment in comments), "comments kept"
    assert after.count("\n") - before.count("\n") <= 2, "a line at most, for the new item"


@pytest.mark.parametrize("title, slug", [
    ("Réduire l’œil du cœur", "reduire-l-oeil-du-coeur"),
    ("  ??  ", "fiche"),
    ("Former les élus : pourquoi, comment, avec qui et jusqu'où aller dans la démarche numérique",
     "former-les-elus-pourquoi-comment-avec-qui-et-jusqu-ou-aller"),
])
def test_file_names_are_ascii_slugs(title, slug):
    assert slugify(title, "fiche") == slug


def test_yaml_scalars_are_plain_unless_they_need_quotes():
    assert yaml_scalar("Mesurer le parc") == "Mesurer le parc"
    assert yaml_scalar("Dire : non") == '"Dire : non"'
    assert yaml_scalar("2024") == '"2024"'
