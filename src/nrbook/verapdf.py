"""veraPDF, the PDF Association's reference validator, on nrbook's PDFs: PDF/UA-1 and PDF/A-2."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

from .validators import JVM_OPTIONS, TOOLS_DIR, Findings, Validator, _java_missing

#: Where `make check-pdf` copies veraPDF's jars from Maven Central (tools/verapdf/pom.xml).
VERAPDF_LIB = TOOLS_DIR / "verapdf" / "lib"
MAIN_CLASS = "org.verapdf.apps.GreenfieldCliWrapper"
#: A failed rule is a fault; its failed checks are counted under this key, with no message.
FAILED, CHECKS = "FAILED", "failed checks"


def flavours_of(path: Path) -> tuple[str, ...]:
    """The veraPDF flavours a file of nrbook claims: UA-1 always, PDF/A-2 for the archive edition."""
    return ("2a", "ua1") if path.stem.endswith("-archive") else ("ua1",)


class VeraPdf(Validator):
    """veraPDF (greenfield) against the standards each file claims: a failed rule fails it."""

    name = "veraPDF"
    suffixes = (".pdf",)
    failing = (FAILED,)

    def missing(self) -> str:
        if java := _java_missing("veraPDF"):
            return java
        if not self._jars():
            return f"veraPDF is not installed in {VERAPDF_LIB} (make check-pdf installs it)"
        return ""

    def version(self) -> str:
        for jar in self._jars():
            if found := re.fullmatch(r"greenfield-apps-([\d.]+)\.jar", jar.name):
                return found.group(1)
        return ""

    def check(self, path: Path) -> Findings:
        return self.check_all([path])[path]

    def check_all(self, paths: list[Path]) -> dict[Path, Findings]:
        """Every file against each of its flavours, in one JVM per flavour (its start is the cost)."""
        found = {path: Findings() for path in paths}
        by_flavour: dict[str, list[Path]] = {}
        for path in paths:
            for flavour in flavours_of(path):
                by_flavour.setdefault(flavour, []).append(path)
        for flavour, group in sorted(by_flavour.items()):
            for path, findings in self._run(flavour, group).items():
                found[path].counts.update(findings.counts)
                found[path].messages += findings.messages
        return found

    def _run(self, flavour: str, paths: list[Path]) -> dict[Path, Findings]:
        done = subprocess.run(
            ["java", *JVM_OPTIONS, "-cp", f"{VERAPDF_LIB}/*", MAIN_CLASS, "--flavour", flavour,
             "--format", "mrr", "--maxfailuresdisplayed", "2", *map(str, paths)],
            capture_output=True, text=True, timeout=1200)
        try:
            report = ElementTree.fromstring(done.stdout)
        except ElementTree.ParseError:
            raise RuntimeError(f"veraPDF wrote no report (exit {done.returncode}): "
                               f"{done.stderr[-2000:]}") from None
        return read_report(report, paths)

    @staticmethod
    def _jars() -> list[Path]:
        return sorted(VERAPDF_LIB.glob("*.jar")) if VERAPDF_LIB.is_dir() else []


def read_report(report: ElementTree.Element, paths: list[Path]) -> dict[Path, Findings]:
    """Each file's failed rules (one message each, "7.1-3" for clause 7.1, test 3) and checks."""
    by_name = {str(path): path for path in paths} | {str(path.resolve()): path for path in paths}
    found = {path: Findings() for path in paths}
    for job in report.iter("job"):
        name = job.findtext("item/name", "")
        path = by_name.get(name) or by_name.get(str(Path(name).resolve()))
        if path is None:
            continue
        findings = found[path]
        validations = list(job.iter("validationReport"))
        if not validations:
            problem = job.findtext("taskException/exceptionMessage") or "no validation report"
            findings.add(FAILED, f"veraPDF could not validate it: {problem.strip()[:500]}")
        for validation in validations:
            profile = validation.get("profileName", "").replace(" validation profile", "")
            for rule in validation.iter("rule"):
                if rule.get("status") != "failed":
                    continue
                checks = int(rule.get("failedChecks", "0"))
                findings.counts[CHECKS] += checks
                where = rule.findtext("check/context", "").strip()
                findings.add(FAILED, f"{profile} {rule.get('clause')}-{rule.get('testNumber')} "
                             f"({checks} checks): {' '.join(rule.findtext('description', '').split())}"
                             + (f" [{where[:160]}]" if where else ""))
    return found


def rule_ids(findings: Findings) -> list[str]:
    """The failed rules of a file as "PDF/UA-1 7.1-3": what a test or the terminal lists."""
    return [" ".join(m.split(" ")[1:3]) for m in findings.messages if m.startswith(FAILED)]
