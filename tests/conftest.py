"""Shared fixtures: real builds of the test book and of the project's content."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nrbook.context import BuildOptions
from nrbook.diagnostics import Diagnostics
from nrbook.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
MINI = ROOT / "tests" / "fixtures" / "mini"
CORPUS = ROOT.parent / "shared" / "corpus" / "guide-v1"
CORPUS_CONFIG = ROOT / "tests" / "corpus" / "guide-v1.toml"
IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip locally when a tool is not installed; in CI, where make test installs it, fail."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (with CI=true, make test installs it first)")
        pytest.skip(f"{reason}: run 'make check-epub', 'make check-html' or 'make check-pdf' to install it")


def run_nrbook(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line, as a user would."""
    return subprocess.run([sys.executable, "-m", "nrbook", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, env=env, timeout=600)


def copy_book(source: Path, destination: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A copy of a book with some files replaced, added or (value None) removed."""
    shutil.copytree(source, destination)
    for name, text in (files or {}).items():
        path = destination / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.unlink()
        elif isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return destination


def build_book(source: Path, out: Path, formats=("html", "pdf"), **options) -> tuple[list[Path], Diagnostics]:
    diagnostics = Diagnostics(strict=options.get("strict", False))
    options.setdefault("cache", None)  # every test measures for itself unless it tests the cache
    written = build(BuildOptions(source=source, out=out, formats=tuple(formats), **options), diagnostics)
    return written, diagnostics


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("mini-dist")
    written, diagnostics = build_book(MINI, out)
    assert not diagnostics.problems, [p.format() for p in diagnostics.problems]
    return {path.suffix.lstrip("."): path for path in written}


@pytest.fixture(scope="session")
def content_build(tmp_path_factory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("content-dist")
    # Every format in one build, as a release makes them: the EPUB with its page list.
    written, diagnostics = build_book(CONTENT, out, formats=("html", "pdf", "epub"))
    files = {path.suffix.lstrip("."): path for path in written}
    return {**files, "diagnostics": diagnostics}


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory) -> dict[str, object]:
    """The publishers' sources built in every format, once for every test that reads them."""
    from nrbook.writers import WRITERS

    if not CORPUS.is_dir():
        pytest.skip(f"the publishers' corpus is not at {CORPUS}")
    out = tmp_path_factory.mktemp("corpus-dist")
    formats = tuple(name for name in ("html", "pdf", "epub") if name in WRITERS)
    written, diagnostics = build_book(CORPUS, out, formats, config=CORPUS_CONFIG)
    files = {path.suffix.lstrip("."): path for path in written}
    return {**files, "diagnostics": diagnostics}


@pytest.fixture(scope="session")
def corpus_html(corpus_build) -> Path:
    """The publishers' guide as an HTML book, for the HTML tests (the validators, the browser)."""
    return corpus_build["html"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, driven by Playwright) for every browser test."""
    from axecheck import CHROMIUM, chromium

    require(CHROMIUM.exists(), f"Debian's Chromium ({CHROMIUM}) is missing")
    pytest.importorskip("playwright.sync_api")
    with chromium() as instance:
        yield instance
