"""EPUBCheck and DAISY Ace, run on an EPUB and counted: for the tests and ``make check-epub``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from nrbook.validators import EpubCheck, Findings

ROOT = Path(__file__).resolve().parents[1]
ACE = ROOT / ".tools" / "node_modules" / ".bin" / "ace-puppeteer"
CHROMIUM = Path(os.environ.get("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium"))
EPUBCHECK_SEVERITIES = EpubCheck.failing
ACE_IMPACTS = ("critical", "serious", "moderate", "minor")


def missing_epubcheck() -> str:
    """Why EPUBCheck cannot run here, or "" if it can."""
    return EpubCheck().missing()


def missing_ace() -> str:
    """Why Ace cannot run here, or "" if it can."""
    if not ACE.exists():
        return f"DAISY Ace is not installed in {ROOT / '.tools'} (make check-epub installs it)"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return ""


def run_epubcheck(epub: Path) -> Findings:
    return EpubCheck().check(epub)


def ace_report(epub: Path, tries: int = 2) -> dict:
    """Ace's JSON report. A crash without a report (Chromium's first, cold start on a loaded
    machine) is retried once; violations are in the report and are never retried away."""
    # Ace gives Chromium 5 s to start, which a busy two-core machine can exceed.
    environment = {
        "ACE_TIMEOUT_INITIAL": "60000",
        **os.environ,
        "PUPPETEER_EXECUTABLE_PATH": str(CHROMIUM),
    }
    for attempt in range(1, tries + 1):
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(
                [str(ACE), "-f", "-o", folder, str(epub)],
                env=environment,
                capture_output=True,
                text=True,
                timeout=600,
            )
            report = Path(folder) / "report.json"
            if report.is_file():
                return json.loads(report.read_text(encoding="utf-8"))
        if attempt == tries:
            raise RuntimeError(
                f"Ace wrote no report (exit {done.returncode}): "
                f"{done.stdout[-3000:]}{done.stderr[-2000:]}"
            )
    raise AssertionError("unreachable")


def run_ace(epub: Path) -> Findings:
    data = ace_report(epub)
    findings = Findings()
    for document in data["assertions"]:
        for assertion in document.get("assertions", []):
            impact = assertion["earl:test"]["earl:impact"]
            findings.counts[impact] += 1
            findings.messages.append(
                f"{impact} {assertion['earl:test']['dct:title']} in "
                f"{document['earl:testSubject']['url']}: "
                f"{assertion['earl:result'].get('dct:description', '')}"
            )
    return findings


def summary(name: str, findings: Findings, kinds: tuple[str, ...]) -> str:
    return f"{name}: " + ", ".join(f"{findings.counts[k]} {k.lower()}" for k in kinds)


def main(paths: list[str]) -> int:
    """Check each EPUB; fail on any EPUBCheck message above usage or any serious Ace violation."""
    failed = False
    for path in map(Path, paths):
        print(f"{path}")
        checks = [
            (
                "EPUBCheck",
                run_epubcheck,
                EPUBCHECK_SEVERITIES,
                EPUBCHECK_SEVERITIES,
                missing_epubcheck(),
            ),
            ("Ace", run_ace, ACE_IMPACTS, ("critical", "serious"), missing_ace()),
        ]
        for name, run, kinds, failing, missing in checks:
            if missing:
                print(f"  {name}: not run: {missing}")
                failed = True
                continue
            findings = run(path)
            print("  " + summary(name, findings, kinds))
            for message in findings.messages:
                print(f"    {message}")
            failed |= any(findings.counts[k] for k in failing)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
