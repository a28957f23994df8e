"""veraPDF run on PDFs and counted, failed rules and failed checks: for ``make check-pdf``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from nrbook.verapdf import CHECKS, FAILED, VeraPdf, flavours_of


def main(paths: list[str]) -> int:
    """Validate every file in one run; fail on any failed rule (or a file that is not there)."""
    validator = VeraPdf()
    if missing := validator.missing():
        print(f"veraPDF: not run: {missing}")
        return 1
    files = [Path(p) for p in paths]
    absent = [p for p in files if not p.is_file()]
    started = time.perf_counter()
    found = validator.check_all([p for p in files if p.is_file()])
    print(f"{validator.label}, in {time.perf_counter() - started:.1f} s:")
    for path, findings in found.items():
        print(f"  {path} ({' and '.join(flavours_of(path))}): {findings.counts[FAILED]} failed rules, "
              f"{findings.counts[CHECKS]} failed checks")
        for message in findings.messages:
            print(f"    {message}")
    for path in absent:
        print(f"  {path}: missing (it was not built)")
    return 1 if absent or any(validator.failed(f) for f in found.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
