"""The ``release`` and ``diff`` commands: their options and what they print."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .cli import EXIT_CONTENT, EXIT_OK, _size, report
from .diagnostics import Diagnostics, shown


def add_parsers(commands: argparse._SubParsersAction) -> None:
    release = commands.add_parser(
        "release", help="every download of this version, checked, with checksums",
        description="Build the PDF, the eco PDF, the EPUB, the HTML book, the CSV and JSON exports "
                    "and one handout PDF per theme, from one layout of the book, into OUT/<version>/ "
                    "with SHA256SUMS, a download page (index.html), and what changed since the "
                    "previous edition (changes.md, changes.json). The sources must pass --strict, "
                    "EPUBCheck must find nothing and the PDF and HTML checks must pass; otherwise "
                    "the report names what failed and nothing is written.",
        epilog="examples:\n  nrbook release\n  make release\n"
               "  nrbook release --previous ../guide-v1-export.json\n\n"
               "The previous edition is --previous if given, else the latest earlier version in OUT, "
               "else [release] previous in book.toml, else none (a first release).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    release.add_argument("--source", type=Path, default=Path("content"), metavar="DIR",
                         help="folder of the Markdown sources (default: content/)")
    release.add_argument("--config", type=Path, default=None, metavar="FILE",
                         help="book configuration (default: DIR/book.toml)")
    release.add_argument("--out", type=Path, default=Path("dist/release"), metavar="DIR",
                         help="folder of the releases; this one goes into DIR/<version>/ "
                              "(default: dist/release/)")
    release.add_argument("--previous", type=Path, default=None, metavar="PATH",
                         help="the edition to compare with: a JSON export, a release folder or a "
                              "source folder with its book.toml")
    release.add_argument("--no-cache", action="store_true",
                         help="measure every sheet again, ignoring and not filling .nrbook-cache/")
    release.add_argument("-q", "--quiet", action="store_true", help="print problems only")

    diff = commands.add_parser(
        "diff", help="what changed between two editions, theme by theme",
        description="Compare two editions: the practices added, removed, renumbered (nearly the "
                    "same title under another id), retitled, and changed (priority, difficulty, "
                    "pilots, indicators, words of the text). Each edition is a source folder (with "
                    "its book.toml or --old-config/--new-config), a release folder, or a JSON "
                    "export (which has no text: the words are then not compared). Prints the "
                    "change log text (Markdown, in French) and writes OUT/changes.md and "
                    "OUT/changes.json.",
        epilog="examples:\n"
               "  nrbook diff dist/release/1.0 content\n"
               "  nrbook diff ../shared/corpus/guide-v1 content --old-config tests/corpus/guide-v1.toml\n"
               "  nrbook diff guide-v1.json dist/release/1.1 --out notes/",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("old", type=Path, metavar="OLD", help="the earlier edition")
    diff.add_argument("new", type=Path, metavar="NEW", help="the later edition")
    diff.add_argument("--old-config", type=Path, default=None, metavar="FILE",
                      help="configuration of OLD when it is a source folder (default: OLD/book.toml)")
    diff.add_argument("--new-config", type=Path, default=None, metavar="FILE",
                      help="configuration of NEW when it is a source folder (default: NEW/book.toml)")
    diff.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR",
                      help="folder for changes.md and changes.json (default: dist/)")
    diff.add_argument("-q", "--quiet", action="store_true",
                      help="print problems only (the files are still written)")


def run(arguments: argparse.Namespace) -> int:
    return _release(arguments) if arguments.command == "release" else _diff(arguments)


def _release(arguments: argparse.Namespace) -> int:
    from .context import BuildOptions
    from .progress import progress_for
    from .release import ReleaseRefused, release

    started = time.perf_counter()
    diagnostics = Diagnostics(strict=True)
    options = BuildOptions(source=arguments.source, config=arguments.config,
                           cache=None if arguments.no_cache else BuildOptions.cache)
    try:
        done = release(options, arguments.out, arguments.previous, diagnostics,
                       progress_for(arguments.quiet))
    except ReleaseRefused as refusal:
        report(diagnostics)
        for line in refusal.checks.lines():
            print(line, file=sys.stderr)
        refused = refusal.checks.refused
        print(f"nrbook release: refused: {len(refused)} check{'s' if len(refused) != 1 else ''} "
              f"failed or could not run ({', '.join(sorted({r.check for r in refused}))}); "
              "nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    report(diagnostics)
    if arguments.quiet:
        return EXIT_OK
    for line in done.checks.lines():
        print(line, file=sys.stderr)
    for download in done.downloads:
        print(f"  {download.name} ({_size(download.size)})", file=sys.stderr)
    total = sum(path.stat().st_size for path in done.written)
    print(f"wrote {shown(done.folder)}/: {len(done.written)} files ({_size(total)}), with "
          "index.html and SHA256SUMS", file=sys.stderr)
    if done.changes is not None:
        summary = done.changes.summary
        print(f"changes since {shown(Path(done.previous))}: "
              + ", ".join(f"{count} {kind}" for kind, count in summary.items()), file=sys.stderr)
    else:
        print("no previous edition to compare with: a first release", file=sys.stderr)
    print(f"nrbook: released version {done.version} in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return EXIT_OK


def _diff(arguments: argparse.Namespace) -> int:
    from .context import LAYOUTS_DIR
    from .diff import compare
    from .editions import read_edition
    from .output import OutputStage

    diagnostics = Diagnostics()
    old = read_edition(arguments.old, arguments.old_config, diagnostics)
    new = read_edition(arguments.new, arguments.new_config, diagnostics)
    report(diagnostics)
    changes = compare(old, new)
    text = changes.markdown(LAYOUTS_DIR)
    with OutputStage(arguments.out) as stage:
        stage.write_text("changes.md", text)
        stage.write_bytes("changes.json", changes.json_bytes())
        written = stage.commit()
    if not arguments.quiet:
        sys.stdout.write(text)
        sys.stdout.flush()
        for path in written:
            print(f"wrote {shown(path)} ({_size(path.stat().st_size)})", file=sys.stderr)
    return EXIT_OK
