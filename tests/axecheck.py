"""axe-core's WCAG 2.1 A and AA rules run in Chromium on HTML pages: the tests', make check-html's.

    python tests/axecheck.py dist/book.html [more.html | http://127.0.0.1:8000/ ...]

prints the violations of every page at a phone's and a desktop's width, and exits 1 if there
is any. axe-core is npm's (``make check-html`` installs it under .tools/), Chromium Debian's,
driven by Playwright: nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium"))
#: The rules of WCAG 2.0 and 2.1, levels A and AA: what the book claims.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: A phone and a desktop screen (CSS pixels): the book's one column and its two columns.
WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def missing() -> str:
    """Why axe cannot run here, or "" if it can."""
    if not AXE_JS.exists():
        return f"axe-core is not installed in {ROOT / '.tools'} (make check-html installs it)"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python's playwright is not installed (make setup-test installs it)"
    return ""


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium for every page (starting one takes a second or two)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    nodes: tuple[str, ...]  # each node's CSS selector and the reason axe gives

    def format(self) -> str:
        shown = "\n".join(f"    {node}" for node in self.nodes[:5])
        more = f"\n    … and {len(self.nodes) - 5} more" if len(self.nodes) > 5 else ""
        head = f"  {self.rule} ({self.impact}, {len(self.nodes)} elements): {self.help}"
        return f"{head}\n{shown}{more}"


def axe_page(page: Any) -> list[Violation]:
    """The WCAG A/AA violations axe finds in the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})""", list(WCAG_TAGS))
    def node(found: dict) -> str:
        why = " ".join((found.get("failureSummary") or "").split())
        return f"{' '.join(map(str, found['target']))}: {why}"

    return [Violation(v["id"], v.get("impact") or "", v["help"], tuple(map(node, v["nodes"])))
            for v in results["violations"]]


def axe_url(browser: Any, url: str, width: str) -> list[Violation]:
    """Open ``url`` at one of WIDTHS, let it settle, run axe."""
    viewport_width, height = WIDTHS[width]
    from playwright.sync_api import Error as PlaywrightError

    page = browser.new_page(viewport={"width": viewport_width, "height": height})
    try:
        page.goto(url, wait_until="load")
        for attempt in range(3):
            try:
                return axe_page(page)
            except PlaywrightError as error:
                # The preview's pages reload themselves when a newer build or print is ready:
                # axe then runs again on the new page, never on half of each.
                if "context was destroyed" not in str(error) or attempt == 2:
                    raise
                page.wait_for_load_state("load")
        raise AssertionError("unreachable")
    finally:
        page.close()


def address(target: str) -> str:
    if target.startswith(("http://", "https://", "file:")):
        return target
    return Path(target).resolve().as_uri()


def check(targets: Iterable[str]) -> dict[tuple[str, str], list[Violation]]:
    """Every target (file or address) at every width: their violations."""
    found: dict[tuple[str, str], list[Violation]] = {}
    with chromium() as browser:
        for target in targets:
            for width in WIDTHS:
                found[target, width] = axe_url(browser, address(target), width)
    return found


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if why := missing():
        print(f"axecheck: {why}", file=sys.stderr)
        return 2
    found = check(argv)
    for (target, width), violations in found.items():
        elements = sum(len(v.nodes) for v in violations)
        print(f"{target} [{width} {WIDTHS[width][0]} px]: {len(violations)} violations "
              f"of WCAG 2.1 A/AA ({elements} elements)")
        for violation in violations:
            print(violation.format())
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
