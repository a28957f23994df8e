"""The checks a release must pass: which validator reads which files, and the verdict on each."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .validators import EpubCheck, Findings, NuHtmlChecker, PdfUa, Validator

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"


@dataclass(frozen=True)
class ReleaseCheck:
    """A validator in the release's list; ``required``: a release cannot go out without it."""

    validator: Validator
    required: bool = True
    absent: str = ""  # why the validator is not part of this nrbook at all

    def missing(self) -> str:
        return self.absent or self.validator.missing()


class Absent(Validator):
    """A validator another part of nrbook provides, and this one does not have."""

    suffixes = ()
    failing = ()

    def __init__(self, name: str, suffixes: tuple[str, ...]):
        self.name = name  # type: ignore[misc]
        self.suffixes = suffixes  # type: ignore[misc]


def plugged(module: str, attribute: str, name: str, suffixes: tuple[str, ...],
            until: str) -> ReleaseCheck:
    """The check a module of nrbook provides once it is there, else an explicit absence.

    The module's ``attribute`` is a Validator class (name, suffixes, failing, missing(),
    check(path) -> Findings); while the module is missing, the release says the check
    was not run and why, on the terminal and on the download page.
    """
    try:
        validator = getattr(importlib.import_module(module), attribute)()
    except (ImportError, AttributeError):
        return ReleaseCheck(Absent(name, suffixes), required=False, absent=until)
    return ReleaseCheck(validator)


def release_checks() -> list[ReleaseCheck]:
    """Every check of a release, in the order they are reported."""
    return [
        ReleaseCheck(EpubCheck()),
        ReleaseCheck(PdfUa()),
        plugged("nrbook.verapdf", "VeraPdf", "veraPDF", (".pdf",),
                until="no veraPDF checker in this nrbook yet (issue #15 adds it, with make check-pdf)"),
        ReleaseCheck(NuHtmlChecker()),
    ]


@dataclass(frozen=True)
class CheckResult:
    """One validator's verdict on one file (or, not run, on every file it should have read)."""

    check: str  # the validator and its version: "EPUBCheck 5.3.0"
    file: str  # the release's file name; "" when the check could not run at all
    status: str  # passed, failed or not run
    messages: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class CheckSummary:
    name: str
    status: str
    files: int


@dataclass
class CheckReport:
    results: list[CheckResult] = field(default_factory=list)

    @property
    def refused(self) -> list[CheckResult]:
        """What stops the release: a failed file, or a required check that could not run."""
        return [r for r in self.results if r.status == FAILED or (r.status == NOT_RUN and r.required)]

    def by_check(self) -> list[CheckSummary]:
        """One verdict per validator, in the order they ran: what the download page lists."""
        return [CheckSummary(name, FAILED if any(r.status == FAILED for r in results)
                             else NOT_RUN if any(r.status == NOT_RUN for r in results) else PASSED,
                             sum(1 for r in results if r.file))
                for name, results in self._grouped().items()]

    def lines(self) -> list[str]:
        """The report for the terminal: one line per validator, then every problem found."""
        lines = []
        for name, results in self._grouped().items():
            skipped = [r for r in results if r.status == NOT_RUN]
            if skipped:
                optional = "" if skipped[0].required else " (the release goes out without it)"
                lines.append(f"{name}: not run: {'; '.join(skipped[0].messages)}{optional}")
                continue
            failed = [r for r in results if r.status == FAILED]
            passed = [r.file for r in results if r.status == PASSED]
            verdicts = ([f"FAILED on {', '.join(r.file for r in failed)}"] if failed else []) + (
                [f"passed on {', '.join(passed)}"] if passed else [])
            lines.append(f"{name}: {'; '.join(verdicts)}")
            for result in failed:
                lines += [f"  {result.file}: {message}" for message in result.messages[:20]]
                if len(result.messages) > 20:
                    lines.append(f"  {result.file}: ... and {len(result.messages) - 20} more")
            notes = dict.fromkeys(note for r in results for note in r.notes)
            lines += [f"  note ({sum(note in r.notes for r in results)} of {len(results)} files): "
                      f"{note}" for note in notes]
        return lines

    def _grouped(self) -> dict[str, list[CheckResult]]:
        grouped: dict[str, list[CheckResult]] = {}
        for result in self.results:
            grouped.setdefault(result.check, []).append(result)
        return grouped


def run_checks(files: dict[str, Path], checks: list[ReleaseCheck] | None = None,
               progress: Callable[[str], None] | None = None) -> CheckReport:
    """Run every check on the files it reads (named by their release names), in the list's order;
    the JVM validators run beside the in-process ones."""
    planned: list[tuple[ReleaseCheck, list[Path], Future | None]] = []
    names = {path: name for name, path in files.items()}
    # EPUBCheck and the Nu checker spend their time starting a JVM: run them while pdfua reads.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for check in checks if checks is not None else release_checks():
            targets = [path for name, path in files.items() if path.suffix in check.validator.suffixes]
            if targets:
                runs = None if check.missing() else pool.submit(check.validator.check_all, targets)
                planned.append((check, targets, runs))
        report = CheckReport()
        for check, targets, runs in planned:
            label = check.validator.label
            if runs is None:
                report.results.append(CheckResult(label, "", NOT_RUN, (check.missing(),),
                                                  required=check.required))
                continue
            if progress:
                progress(label)
            try:
                found_in = runs.result()
            except Exception as error:  # a validator that stops has passed nothing
                found_in = {path: _stopped(error, check.validator) for path in targets}
            for path, found in found_in.items():
                failing = [m for m in found.messages if m.split(" ", 1)[0] in check.validator.failing]
                minor = [m for m in found.messages if m not in failing]  # information, not a fault
                report.results.append(CheckResult(
                    label, names[path], FAILED if check.validator.failed(found) else PASSED,
                    tuple(failing), tuple(minor + found.notes), check.required))
    return report


def _stopped(error: Exception, validator: Validator) -> Findings:
    findings = Findings()
    findings.add(validator.failing[0], f"the validator stopped: {type(error).__name__}: {str(error)[:500]}")
    return findings
