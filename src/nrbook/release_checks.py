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


class CheckRun:
    """The release's checks, started as its files are ready and run beside its build.

    Every validator is a process of its own (a JVM, or pdfua's), so the threads that wait
    for them let the build go on meanwhile. ``report`` waits for all of them.
    """

    def __init__(self, checks: list[ReleaseCheck] | None = None):
        self.checks = checks if checks is not None else release_checks()
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.submitted: list[tuple[ReleaseCheck, dict[Path, str], Future | None]] = []

    def __enter__(self) -> CheckRun:
        return self

    def __exit__(self, *exception: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)  # a failed build: drop what waits

    def targets(self, check: ReleaseCheck, files: dict[str, Path]) -> dict[Path, str]:
        return {path: name for name, path in files.items() if path.suffix in check.validator.suffixes}

    def plan(self, files: dict[str, Path]) -> list[CheckSummary]:
        """What the checks of these files will be, before they run: the download page lists it.

        A page is only published if every check that runs passes, so each says "passed".
        """
        return [CheckSummary(check.validator.label, NOT_RUN if check.missing() else PASSED,
                             0 if check.missing() else len(targets))
                for check in self.checks if (targets := self.targets(check, files))]

    def submit(self, files: dict[str, Path]) -> None:
        """Start every check that reads some of these files (named by their release names)."""
        for check in self.checks:
            targets = self.targets(check, files)
            if targets:
                future = None if check.missing() else self.pool.submit(check.validator.check_all,
                                                                       list(targets))
                self.submitted.append((check, targets, future))

    def report(self, progress: Callable[[str], None] | None = None) -> CheckReport:
        """Every verdict, in the order of the checks, then of the files."""
        report = CheckReport()
        for check in self.checks:
            runs = [(targets, future) for c, targets, future in self.submitted if c is check]
            if not runs:
                continue
            label = check.validator.label
            if any(future is None for _, future in runs):
                report.results.append(CheckResult(label, "", NOT_RUN, (check.missing(),),
                                                  required=check.required))
                continue
            if progress:
                progress(label)
            for targets, future in runs:
                report.results += self._verdicts(check, targets, future)  # type: ignore[arg-type]
        return report

    @staticmethod
    def _verdicts(check: ReleaseCheck, targets: dict[Path, str], future: Future) -> list[CheckResult]:
        label, validator = check.validator.label, check.validator
        try:
            found = future.result()
        except Exception as error:  # a validator that stops has passed nothing
            found = {path: _stopped(error, validator) for path in targets}
        results = []
        for path, name in targets.items():
            findings = found.get(path) or _stopped(RuntimeError("no report for this file"), validator)
            failing = [m for m in findings.messages if m.split(" ", 1)[0] in validator.failing]
            minor = [m for m in findings.messages if m not in failing]  # information, not a fault
            results.append(CheckResult(label, name, FAILED if validator.failed(findings) else PASSED,
                                       tuple(failing), tuple(minor + findings.notes), check.required))
        return results


def _stopped(error: Exception, validator: Validator) -> Findings:
    findings = Findings()
    findings.add(validator.failing[0], f"the validator stopped: {type(error).__name__}: {str(error)[:500]}")
    return findings
