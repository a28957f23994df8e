"""The publishers' sheets as their site reads them: fields it can do without may be left out.

Built from a copy of the publishers' sources, made here in tmp_path and edited so that some
sheets have no indicators, no pilot, one pilot, one indicator, or no priority.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile

import frontmatter
import pytest
from conftest import CORPUS, CORPUS_CONFIG, build_book
from lxml import etree
from lxml import html as lxml_html
from pdfread import PdfBook

from nrbook.context import BuildOptions
from nrbook.diagnostics import BuildFailed, Diagnostics
from nrbook.pipeline import prepare
from nrbook.writers.export import csv_bytes, json_data

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="the publishers' sources are not beside the checkout"),
]

PILOTS_ONE, PILOTS_MANY = "Exemple de pilote", "Exemples de pilotes"
INDICATORS_ONE = "Exemple d’indicateur de pilotage"
INDICATORS_MANY = "Exemples d’indicateurs de pilotage"
XHTML = {"h": "http://www.w3.org/1999/xhtml"}


def edit_front_matter(path, change) -> None:
    """Rewrite a sheet's front matter through a function of its mapping (the body kept as is)."""
    text = path.read_text(encoding="utf-8")
    _, head, body = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
    post = frontmatter.loads(text)
    change(post.metadata)
    head = frontmatter.YAMLHandler().export(post.metadata)
    path.write_text(f"---\n{head}\n---{body}", encoding="utf-8")


def corpus_sheets(root) -> dict[str, object]:
    """Sheet id → its file, for the sheets of a copy of the corpus."""
    found = {}
    for path in sorted(root.glob("*/*.md")):
        if path.name != "index.md":
            found[str(frontmatter.load(path)["idbp"])] = path
    return found


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> dict[str, object]:
    """A copy of the corpus whose sheets a.1 … a.5 lack a field or hold one item of it."""
    folder = tmp_path_factory.mktemp("publishers-schema")
    source = folder / "guide-v1"
    shutil.copytree(CORPUS, source)
    sheets = corpus_sheets(source)
    edit_front_matter(sheets["a.1"], lambda m: (m.pop("indicators"), m.update(who=m["who"][:1])))
    edit_front_matter(sheets["a.2"], lambda m: (m.pop("who"), m.update(indicators=["Un", "Deux"])))
    edit_front_matter(sheets["a.3"], lambda m: m.update(who=m["who"][:1], indicators=["Un indicateur",
                                                                                      "Un autre"]))
    edit_front_matter(sheets["a.4"], lambda m: m.update(who=["Direction", "DSI"], indicators=m["indicators"][:1]))
    edit_front_matter(sheets["a.5"], lambda m: (m.pop("priority"), m.pop("indicators")))
    out = folder / "dist"
    written, diagnostics = build_book(source, out, ("html", "pdf", "epub"), config=CORPUS_CONFIG)
    options = BuildOptions(source=source, config=CORPUS_CONFIG)
    _, _, rendered = prepare(options, Diagnostics())
    return {"source": source, "files": {p.suffix.lstrip("."): p for p in written},
            "diagnostics": diagnostics, "rendered": rendered}


def labels_of(article) -> dict[str, str]:
    """Each label of a sheet's side column → its value (list items joined by " | ")."""
    def text(element) -> str:
        return " ".join(element.text_content().split()) if hasattr(element, "text_content") \
            else " ".join("".join(element.itertext()).split())
    facts = {}
    for dt in article.iter("{*}dt", "dt"):
        items = [text(li) for li in dt.getnext().iter("{*}li", "li")]
        facts[text(dt)] = " | ".join(items) if items else text(dt.getnext())
    return facts


def test_sheets_without_indicators_or_pilots_build_with_one_warning(edited):
    problems = [(p.path.name, p.severity.value, p.message) for p in edited["diagnostics"].sorted()]
    mine = [p for p in problems if "couverture.webp" not in p[2]]  # the corpus's own justified warning
    assert mine == [(corpus_sheets(edited["source"])["a.5"].name, "warning",
                     "the sheet has no priority: it is printed without its priority scale")], problems
    assert set(edited["files"]) >= {"html", "pdf", "epub"}


def test_html_leaves_out_what_is_missing_and_counts_its_labels(edited):
    root = lxml_html.parse(str(edited["files"]["html"])).getroot()
    facts = {sheet_id: labels_of(root.get_element_by_id(sheet_id.replace(".", "-")))
             for sheet_id in ("a.1", "a.2", "a.3", "a.4", "a.5")}
    assert not any("indicateur" in label for label in facts["a.1"]), facts["a.1"]
    assert not any("pilote" in label.casefold() for label in facts["a.2"]), facts["a.2"]
    assert PILOTS_ONE in facts["a.3"] and INDICATORS_MANY in facts["a.3"], facts["a.3"]
    assert facts["a.3"][INDICATORS_MANY] == "Un indicateur | Un autre"
    assert PILOTS_MANY in facts["a.4"] and INDICATORS_ONE in facts["a.4"], facts["a.4"]
    assert "Priorité" not in facts["a.5"] and "Difficulté de mise en œuvre" in facts["a.5"], facts["a.5"]
    a5 = root.get_element_by_id("a-5")
    assert not a5.xpath(".//*[contains(@class, 'scale-priority')]")
    assert a5.xpath(".//*[contains(@class, 'scale-difficulty')]")
    matrix = root.xpath("//p[contains(@class, 'matrix-unplaced')]")
    assert matrix and "a.5" in matrix[0].text_content()


def test_pdf_prints_the_same_labels_on_each_sheet(edited):
    pdf = PdfBook(edited["files"]["pdf"])

    def page_of(sheet_id: str) -> str:
        title = edited["rendered"].book.sheet(sheet_id).title
        pages = [text for text in pdf.pages if re.search(rf"^{re.escape(sheet_id)}\b", text, re.MULTILINE)
                 and " ".join(title.split()[:4]) in " ".join(text.split())]
        assert pages, sheet_id
        return " ".join(pages[-1].split()).replace("'", "’")

    labels = (PILOTS_ONE, PILOTS_MANY, INDICATORS_ONE, INDICATORS_MANY)
    assert [label for label in labels if label in page_of("a.1")] == [PILOTS_ONE]
    assert [label for label in labels if label in page_of("a.2")] == [INDICATORS_MANY]
    assert PILOTS_ONE in page_of("a.3") and INDICATORS_MANY in page_of("a.3")
    assert PILOTS_MANY in page_of("a.4") and INDICATORS_ONE in page_of("a.4")
    assert "Priorité" not in page_of("a.5") and "Difficulté de mise en œuvre" in page_of("a.5")


def test_epub_prints_the_same_labels(edited):
    with zipfile.ZipFile(edited["files"]["epub"]) as epub:
        def facts(sheet_id: str) -> dict[str, str]:
            name = next(n for n in epub.namelist() if n.endswith(f"sheet-{sheet_id.replace('.', '-')}.xhtml"))
            root = etree.fromstring(epub.read(name))
            return labels_of(root.xpath("//h:article", namespaces=XHTML)[0])
        assert not any("indicateur" in label for label in facts("a.1"))
        assert not any("pilote" in label.casefold() for label in facts("a.2"))
        assert PILOTS_ONE in facts("a.3") and INDICATORS_MANY in facts("a.3")
        assert PILOTS_MANY in facts("a.4") and INDICATORS_ONE in facts("a.4")
        assert "Priorité" not in facts("a.5")


def test_exports_give_an_empty_cell_and_an_empty_list(edited):
    rows = {row["Id"]: row for row in csv.DictReader(io.StringIO(
        csv_bytes(edited["rendered"]).decode("utf-8-sig"), newline=""))}
    assert rows["a.1"]["Exemples indicateurs"] == "" and rows["a.1"]["Exemples pilotes"]
    assert rows["a.2"]["Exemples pilotes"] == ""
    assert rows["a.5"]["Priorité"] == "" and rows["a.5"]["Difficulté"]
    practices = {p["id"]: p for theme in json_data(edited["rendered"])["thematiques"]
                 for p in theme["bonnesPratiques"]}
    assert practices["a.1"]["indicateurs"] == [] and practices["a.2"]["pilotes"] == []
    assert practices["a.5"]["priorite"] == ""
    json.dumps(practices)  # still plain data


def test_a_wrong_value_stays_an_error(tmp_path):
    source = tmp_path / "guide-v1"
    shutil.copytree(CORPUS, source)
    edit_front_matter(corpus_sheets(source)["a.1"], lambda m: m.update(priority="Urgente", indicators="oui"))
    diagnostics = Diagnostics()
    with pytest.raises(BuildFailed):
        prepare(BuildOptions(source=source, config=CORPUS_CONFIG), diagnostics)
    messages = [p.message for p in diagnostics.errors]
    assert "unknown priority 'Urgente'" in messages
    assert "'indicators' must be a list, not a single text" in messages
