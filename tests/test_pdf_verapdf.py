"""veraPDF finds no failed rule: in the corpus's book, and in an archive edition (PDF/A-2a and PDF/UA-1)."""

from __future__ import annotations

from xml.etree import ElementTree

import pikepdf
import pytest
from conftest import CORPUS, MINI, build_book, require, run_nrbook

from nrbook.verapdf import CHECKS, FAILED, VeraPdf, flavours_of, read_report, rule_ids


def require_verapdf() -> VeraPdf:
    """Skip here when veraPDF is not installed (make check-pdf installs it); in CI, fail."""
    validator = VeraPdf()
    require(not validator.missing(), validator.missing())
    return validator


@pytest.fixture(scope="module")
def editions(tmp_path_factory, request) -> dict[str, object]:
    """The PDFs this module validates: the corpus's book (the session's build) and an archive.

    The content's book, its eco edition and its handouts are validated by veraPDF in the
    release's checks (test_release.py builds them): a release refuses a failed rule.
    """
    out = tmp_path_factory.mktemp("verapdf")
    written, diagnostics = build_book(MINI, out, formats=("pdf",), profile="archive")
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    found = {"archive": next(p for p in written if p.suffix == ".pdf")}
    if CORPUS.is_dir():
        found["corpus"] = request.getfixturevalue("corpus_build")["pdf"]
    return found


@pytest.fixture(scope="module")
def verdicts(editions) -> dict[str, object]:
    validator = require_verapdf()
    found = validator.check_all(list(editions.values()))  # one JVM per standard for all
    return {name: found[path] for name, path in editions.items()}


@pytest.mark.parametrize("edition", [pytest.param("corpus", marks=pytest.mark.corpus), "archive"])
def test_verapdf_finds_no_failed_rule(verdicts, edition):
    if edition not in verdicts:
        pytest.skip(f"the publishers' corpus is not at {CORPUS}")
    findings = verdicts[edition]
    assert not findings.counts[FAILED], (rule_ids(findings), findings.messages)


def test_the_archive_edition_is_validated_as_pdf_a_2a_and_pdf_ua_1(editions):
    assert flavours_of(editions["archive"]) == ("2a", "ua1")
    assert flavours_of(editions["archive"].with_name("mini.pdf")) == ("ua1",)


def test_the_archive_edition_declares_pdf_a_2a_and_pdf_ua_1(editions):
    with pikepdf.open(editions["archive"]) as pdf:
        metadata = pdf.open_metadata()
        assert (metadata.get("pdfaid:part"), metadata.get("pdfaid:conformance")) == ("2", "A")
        assert metadata.get("pdfuaid:part") == "1"
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and "sRGB" in str(intent.OutputConditionIdentifier)
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp", "an ICC profile"
        assert editions["archive"].name.endswith("-archive.pdf")
        profiles = {o.objgen for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/N") == 3}
        assert len(profiles) == 1, "the parts share the output intent's sRGB profile"


def test_the_archive_profile_makes_the_pdf_only():
    done = run_nrbook("build", "--source", str(MINI), "--profile", "archive", "--format", "html,pdf")
    assert done.returncode == 2 and "--profile archive makes the PDF only" in done.stderr


def test_report_reading_counts_rules_and_checks(tmp_path):
    """The reading of veraPDF's report, on a report of the shape veraPDF 1.28 writes."""
    path = tmp_path / "book.pdf"
    report = ElementTree.fromstring(f"""<report><jobs><job><item><name>{path}</name></item>
      <validationReport profileName="PDF/UA-1 validation profile" isCompliant="false">
        <details failedRules="2" failedChecks="5">
          <rule specification="ISO 14289-1:2014" clause="7.1" testNumber="3" status="failed"
                failedChecks="4"><description>Content shall be marked as Artifact or tagged</description>
            <check status="failed"><context>root/document[0]/pages[0]</context></check></rule>
          <rule clause="7.18.5" testNumber="1" status="failed" failedChecks="1"><description>x</description></rule>
          <rule clause="5" testNumber="1" status="passed" failedChecks="0"/>
        </details></validationReport></job></jobs></report>""")
    findings = read_report(report, [path])[path]
    assert findings.counts[FAILED] == 2 and findings.counts[CHECKS] == 5
    assert rule_ids(findings) == ["PDF/UA-1 7.1-3", "PDF/UA-1 7.18.5-1"]
    assert "pages[0]" in findings.messages[0]
    empty = read_report(ElementTree.fromstring(
        f"<report><jobs><job><item><name>{path}</name></item><taskException>"
        "<exceptionMessage>broken</exceptionMessage></taskException></job></jobs></report>"), [path])[path]
    assert empty.counts[FAILED] == 1 and "broken" in empty.messages[0]
