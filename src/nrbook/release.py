"""`nrbook release`: every download of an edition, checked, with its page, checksums and changes."""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .config import BookConfig, load_config
from .context import BuildOptions, build_date
from .diagnostics import BuildFailed, Diagnostics
from .diff import Changes, compare
from .editions import EDITION_FILE, Edition, read_edition, read_json_edition
from .output import OutputStage
from .pipeline import build
from .progress import Progress
from .release_checks import CheckReport, CheckRun
from .release_page import download_page, sha256sums
from .writers import EpubWriter, HtmlWriter, PdfWriter
from .writers.export import ExportWriter
from .writers.release import EditionWriter, ThemeHandoutsWriter

RELEASE_ROOT = Path("dist/release")
SUMS_FILE = "SHA256SUMS"
PAGE_FILE = "index.html"
CHANGES_JSON, CHANGES_TEXT = "changes.json", "changes.md"
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: The order in which the page and the report list the downloads.
KINDS = ("pdf", "pdf-eco", "epub", "html", "handout", "csv", "json")


@dataclass(frozen=True)
class Download:
    """A file of the release that its page offers."""

    name: str
    kind: str  # one of KINDS: the page says what each is for
    size: int
    sha256: str
    theme_id: str = ""  # for a handout
    theme_title: str = ""


@dataclass(frozen=True)
class Release:
    version: str
    folder: Path
    downloads: tuple[Download, ...]
    written: tuple[Path, ...]
    checks: CheckReport
    changes: Changes | None
    previous: str  # what it was compared with, in words, for the report ("" if nothing)


class ReleaseRefused(Exception):
    """A check failed, or a required one could not run: nothing was written."""

    def __init__(self, checks: CheckReport):
        super().__init__(f"{len(checks.refused)} check(s) failed or could not run")
        self.checks = checks


def release(options: BuildOptions, out: Path = RELEASE_ROOT, previous: Path | None = None,
            diagnostics: Diagnostics | None = None, progress: Progress | None = None) -> Release:
    """Build, check and write the folder ``out/<version>/``, or write nothing at all.

    The sources must pass --strict. ``previous`` (a JSON export, a release folder or a source
    folder) overrides the earlier release found in ``out`` and the book's ``[release] previous``.
    """
    diagnostics = diagnostics or Diagnostics(strict=True)
    diagnostics.strict = True  # a release is what --strict accepts, nothing less
    options = replace(options, strict=True, formats=())
    progress = progress or Progress()
    config = release_config(options, diagnostics)
    info = config.info
    base = f"{info.name}-v{info.version}"
    # The earlier edition's own warnings are not this release's problems: read with their own.
    old, compared_with = previous_edition(config, out, info.version, previous, Diagnostics())
    # Built and checked aside: nothing reaches ``out`` before every check has passed.
    with progress.running(), CheckRun() as checks, \
            tempfile.TemporaryDirectory(prefix="nrbook-release-") as work_dir:
        work = Path(work_dir)
        built = build(replace(options, out=work / "book"), diagnostics, progress=progress, writers=[
            HtmlWriter, PdfWriter, EpubWriter, partial(ExportWriter, format_name="csv"),
            partial(ExportWriter, format_name="json"),
            partial(ThemeHandoutsWriter, prefix=f"{base}-fiches"), EditionWriter])
        edition = read_json_edition(work / "book" / EDITION_FILE, diagnostics)
        files = release_files(built, info.name, base, edition)
        checks.submit({n: p for n, p in files.items() if p.suffix != ".html"})  # while eco lays out
        progress.step("laying out the eco profile")
        eco = build(replace(options, out=work / "eco", profile="eco"), diagnostics,
                    writers=[PdfWriter], progress=progress)
        files = release_files(built + eco, info.name, base, edition)

        changes = compare(old, edition) if old is not None else None
        contents = {name: path.read_bytes() for name, path in files.items()}
        downloads = describe(contents, files, edition)
        if changes is not None:
            contents[CHANGES_JSON] = changes.json_bytes()
            contents[CHANGES_TEXT] = changes.markdown(options.layouts).encode("utf-8")
        page_path = work / PAGE_FILE
        planned = checks.plan({**files, PAGE_FILE: page_path})
        contents[PAGE_FILE] = download_page(options, info, build_date(info.date), downloads, changes,
                                            planned)
        page_path.write_bytes(contents[PAGE_FILE])
        checks.submit({n: p for n, p in files.items() if p.suffix == ".html" or n.endswith("-eco.pdf")}
                      | {PAGE_FILE: page_path})
        progress.step("checking every file")
        report = checks.report(progress=lambda name: progress.step(f"checking the files: {name}"))
        if report.refused:
            raise ReleaseRefused(report)
        contents[SUMS_FILE] = sha256sums(contents)
        written = commit(out / info.version, contents)
    return Release(info.version, out / info.version, downloads, tuple(written), report, changes,
                   compared_with)


def release_config(options: BuildOptions, diagnostics: Diagnostics) -> BookConfig:
    """The book's configuration, with the version a release is named after."""
    path = options.config_path
    config = load_config(path, diagnostics) if options.source.is_dir() else None
    if config is None:
        if not diagnostics.errors:
            diagnostics.error(options.source, 1, "source folder does not exist",
                              "give an existing folder with --source")
        raise BuildFailed(diagnostics)
    version = config.info.version
    if not version or not VERSION_PATTERN.match(version):
        line = _line_of(path, "version")
        diagnostics.error(path, line, f"a release needs a version without spaces or slashes, not "
                          f"{version!r}" if version else "a release needs [book] version",
                          'write it as version = "1.1": it names the release folder and its files')
        raise BuildFailed(diagnostics)
    return config


def _line_of(path: Path, key: str) -> int:
    text = path.read_text(encoding="utf-8-sig")
    match = re.search(rf"^\s*{key}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def release_files(built: list[Path], name: str, base: str, edition: Edition) -> dict[str, Path]:
    """The built files a release offers, under their release names, in the page's order."""
    names = {f"{name}.pdf": f"{base}.pdf", f"{name}-eco.pdf": f"{base}-eco.pdf",
             f"{name}.epub": f"{base}.epub", f"{name}.html": f"{base}.html",
             f"{name}.csv": f"{base}.csv", f"{name}.json": f"{base}.json", EDITION_FILE: EDITION_FILE}
    names |= {f"{base}-fiches-{t.id}.pdf": f"{base}-fiches-{t.id}.pdf" for t in edition.themes}
    files = {names[path.name]: path for path in built if path.name in names}  # not fit-report.json
    rank = {release_name: number for number, release_name in enumerate(
        [names[f"{name}{suffix}"] for suffix in (".pdf", "-eco.pdf", ".epub", ".html")]
        + [f"{base}-fiches-{t.id}.pdf" for t in edition.themes]
        + [names[f"{name}.csv"], names[f"{name}.json"], EDITION_FILE])}
    return dict(sorted(files.items(), key=lambda item: rank[item[0]]))


def describe(contents: dict[str, bytes], files: dict[str, Path], edition: Edition) -> tuple[Download, ...]:
    """Each download with its kind, size and checksum (edition.json is kept, not offered)."""
    themes = {t.id: t.title for t in edition.themes}
    downloads = []
    for name in files:
        if name == EDITION_FILE:
            continue
        handout = re.search(r"-fiches-([a-z])\.pdf$", name)
        letter = handout.group(1) if handout else ""
        kind = "handout" if handout else "pdf-eco" if name.endswith("-eco.pdf") else name.rsplit(".", 1)[1]
        data = contents[name]
        downloads.append(Download(name, kind, len(data), hashlib.sha256(data).hexdigest(), letter,
                                  themes.get(letter, "")))
    return tuple(downloads)


def version_key(version: str) -> tuple:
    """Order versions as people mean them: 1.2 < 1.10 < 2.0."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"[.\-_]", version))


def previous_edition(config: BookConfig, out: Path, version: str, previous: Path | None,
                     diagnostics: Diagnostics) -> tuple[Edition | None, str]:
    """The edition to compare with: --previous, else the latest earlier release in ``out``,
    else ``[release] previous`` of book.toml, else none (a first release)."""
    if previous is not None:
        return read_edition(previous, None, diagnostics), str(previous)
    folders = out.iterdir() if out.is_dir() else ()
    earlier = sorted((folder for folder in folders if folder.is_dir()
                      and not folder.name.startswith(".") and (folder / EDITION_FILE).is_file()
                      and (folder / f"{config.info.name}-v{folder.name}.json").is_file()  # this book's
                      and version_key(folder.name) < version_key(version)),
                     key=lambda folder: version_key(folder.name))
    if earlier:
        return read_json_edition(earlier[-1] / EDITION_FILE, diagnostics), str(earlier[-1])
    if config.previous_edition is not None:
        if not config.previous_edition.exists():
            diagnostics.error(config.path, _line_of(config.path, "previous"),
                              f"[release] previous: {config.previous_edition} does not exist",
                              "give a JSON export or a release folder, relative to book.toml")
            raise BuildFailed(diagnostics)
        return read_edition(config.previous_edition, None, diagnostics), str(config.previous_edition)
    return None, ""


def commit(folder: Path, contents: dict[str, bytes]) -> list[Path]:
    """Write the release folder atomically; files of an earlier run of the same version that
    this release no longer has are removed after the new ones are in place."""
    before = {p.resolve() for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    with OutputStage(folder) as stage:
        for name in sorted(contents):
            stage.write_bytes(name, contents[name])
        written = stage.commit()
    for stale in before - set(written):
        if not stale.name.startswith("."):
            stale.unlink(missing_ok=True)
    return written
