"""Generated front matter and Markdown: nrbook builds or reports problems, never crashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import MINI
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nrbook.context import BuildOptions
from nrbook.diagnostics import BuildFailed, Diagnostics
from nrbook.pipeline import prepare

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=40), st.sampled_from(["Prioritaire", "Facile", "a.1", "a.10", "b.2"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=8)
field_names = st.sampled_from(["id", "idbp", "title", "priority", "difficulty", "pilots", "who",
                               "indicators", "order", "eleventyNavigation", "layout", "tags", "x"])
front_matter = st.dictionaries(field_names, values, max_size=8)

markdown_pieces = st.sampled_from([
    "# Titre\n", "## En savoir plus\n", "## Retour d'expérience\n", "- item\n", "  - sous-item\n",
    "1. un\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "[[a.2]]", "[[z.9]]", "[[", "]]", "**gras**",
    "<div class=\"fr-highlight\">\n", "</div>\n", "<nav>", "{{ metadata.x }}", "{% if x %}", "`code`",
    "```\ncode\n```\n", "[^1]\n\n[^1]: note\n", "![alt](../schema.svg)", "![](x.png)",
    "<img src=\"file:///etc/passwd\">", "[lien](/contact)", "[lien](http://127.0.0.1:9/)", "\n\n",
    "Terme\n: définition\n", "<", ">", "&", "\u00a0", "\ufeff", "\r\n", "\t", "é", "—",
])
markdown_text = st.lists(st.one_of(markdown_pieces, st.text(max_size=30)), max_size=25).map("".join)


def attempt(tmp_path: Path, text: str) -> None:
    source = tmp_path / "book"
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(MINI, source)
    (source / "alpha" / "generated.md").write_text(text, encoding="utf-8", errors="surrogatepass")
    diagnostics = Diagnostics()
    try:
        prepare(BuildOptions(source=source), diagnostics)
    except BuildFailed:
        assert diagnostics.errors, "a failed build names at least one problem"
        for problem in diagnostics.errors:
            assert problem.line >= 1 and problem.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=front_matter, body=markdown_text)
@example(fields={"id": "0\x1f0"}, body="# Titre\n")  # a control character in an id: once a traceback
def test_any_front_matter_and_markdown_builds_or_reports(tmp_path, fields, body):
    header = yaml.safe_dump(fields, allow_unicode=True) if fields else ""
    attempt(tmp_path, f"---\n{header}---\n\n{body}\n")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=300))
def test_any_text_at_all_builds_or_reports(tmp_path, raw):
    attempt(tmp_path, raw.encode("utf-8", "replace").decode("utf-8"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=markdown_text)
def test_a_valid_sheet_with_any_markdown_body(tmp_path, body):
    header = ("id: a.3\ntitle: Fiche\npriority: Prioritaire\ndifficulty: Facile\n"
              "pilots: [Direction]\nindicators: [Un, Deux]\n")
    attempt(tmp_path, f"---\n{header}---\n\n{body}\n")
