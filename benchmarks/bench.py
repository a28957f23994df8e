"""nrbook's benchmark: builds against their floor and a peer, rebuilds, handouts, preview, memory, sizes.

Every figure is the median of several runs made in one go (with min–max), on the
publishers' sources (../shared/corpus/guide-v1, when present) and on content/. Machines
are shared and noisy: compare the ratios more than the seconds. The two sides of a ratio
are measured in the same rounds, one after the other, and a ratio is the median of its
rounds' ratios.
Results go to dist/bench.json. Run it with `make bench` (BENCH_RUNS=5 for more runs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "guide-v1"
INPUTS = {
    "publishers' guide v1": (CORPUS, ROOT / "tests" / "corpus" / "guide-v1.toml"),
    "project content": (ROOT / "content", ROOT / "content" / "book.toml"),
}
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
HANDOUT_IDS = "a.1,c.2,h.3"
#: Sheets edited for the print preview; the corpus's e.5 needs a fitting step.
PREVIEW_SHEETS = ("a.1", "c.2", "e.5", "h.3")
#: The trainers' commands, each timed from a warm cache (the book built before).
WORKSHOP = {
    "handouts_theme_a": ["sheets", "--theme", "a"],
    "kit_theme_a": ["sheets", "--theme", "a", "--kit", "--date", "2026-12-03"],
    "plan_all": ["plan", "--date", "2026-12-03"],
    "checklist_all": ["checklist", "--date", "2026-12-03"],
}
TARGETS: dict[str, float] = {
    "pdf_over_floor": 1.0, "pdf_over_pandoc": 1.3, "rebuild_over_cold": 0.5,
    "handouts_warm_over_cold": 0.15, "handouts_cold_over_cold": 0.4, "preview_s": 2.0,
    "peak_rss_mb": 800, "pdf_mb": 1.2, "epub_kb": 600, "html_kb": 500,
    **{f"warm_{name}_s": 5.0 for name in WORKSHOP},
}
FLOOR = """
import sys
import weasyprint
from weasyprint.urls import path2url
from pathlib import Path
from nrbook.sandbox import SandboxFetcher
from nrbook.pdfrender import PDF_OPTIONS
html, css, root, roots, out = sys.argv[1], sys.argv[2], Path(sys.argv[3]), [Path(p) for p in sys.argv[4].split(":")], sys.argv[5]
fetcher = SandboxFetcher(roots, lambda url, reason: None)
styles = weasyprint.CSS(filename=css, url_fetcher=fetcher)
document = weasyprint.HTML(filename=html, base_url=path2url(root), url_fetcher=fetcher)
document.render(stylesheets=[styles], **PDF_OPTIONS).write_pdf(out, **PDF_OPTIONS)
"""


# --- measuring ---------------------------------------------------------------------------

def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), read from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    family, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in family} - family
        grew = bool(more)
        family |= more
    return sum(rss.get(p, 0) for p in family) / 2**20


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time (s) of one command, and the peak memory of it and its workers together (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, error = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{error.decode()}")
    return elapsed, peak[0]


def nrbook(*args: str) -> list[str]:
    return [sys.executable, "-m", "nrbook", *args]


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def shown(values: dict[str, float], unit: str = "s") -> str:
    return f"{values['median']:7.2f} {unit} ({values['min']:.2f}–{values['max']:.2f})"


class Bench:
    """The figures of one book, measured in a work folder of its own."""

    def __init__(self, name: str, source: Path, config: Path, work: Path):
        self.name, self.source, self.config, self.work = name, source, config, work
        self.out = work / "dist"
        self.cache = work / ".nrbook-cache"  # nrbook's cache lives in the folder it runs in
        self.results: dict[str, object] = {"source": str(source), "runs": RUNS}
        self.peak = 0.0

    def say(self, label: str, values: dict[str, float], extra: str = "") -> None:
        print(f"{label:34} {shown(values)}{extra}", flush=True)

    def run(self, *args: str, cold: bool = False, source: Path | None = None) -> float:
        if cold:
            shutil.rmtree(self.cache, ignore_errors=True)
        command = nrbook(args[0], "--source", str(source or self.source), "--config", str(self.config),
                         "-q", *args[1:])
        seconds, peak = timed(command, cwd=self.work)
        self.peak = max(self.peak, peak)
        return seconds

    def repeat(self, measure: Callable[[], float]) -> dict[str, float]:
        return summary([measure() for _ in range(RUNS)])

    def ratio(self, key: str, numerator: dict[str, float], denominator: dict[str, float]) -> None:
        self.results[key] = round(numerator["median"] / denominator["median"], 3)

    # --- the figures ---

    def cold_builds(self) -> None:
        for formats in ("html", "epub", "html,pdf,epub"):
            key = f"cold_{formats.replace(',', '_')}_s"
            self.results[key] = self.repeat(lambda: self.run(
                "build", "--out", str(self.out), "--format", formats, cold=True))
            self.say(f"cold build {formats}", self.results[key])

    def paired_rounds(self, peer: bool) -> None:
        """The cold PDF and what it is compared with, measured side by side, round after round.

        Each round lays the book out cold, then the handouts from the cache it filled, the
        handouts from a cold cache, WeasyPrint alone on the final HTML and, for the
        publishers' guide, pandoc + WeasyPrint: a slower or faster moment of a shared
        machine weighs on both sides of a ratio. A ratio is the median of its rounds'.
        """
        floor = self.floor_command()
        pandoc = self.pandoc_command() if peer else None
        handouts = ("sheets", "--out", str(self.work / "handouts"), "--ids", HANDOUT_IDS)
        figures: dict[str, list[float]] = {}
        for _ in range(RUNS):
            measured = {"cold_pdf_s": self.run("build", "--out", str(self.out), "--format", "pdf",
                                               cold=True),
                        "handouts_warm_cache_s": self.run(*handouts),
                        "handouts_cold_cache_s": self.run(*handouts, cold=True),
                        "floor_s": timed(floor, cwd=self.work)[0]}
            if pandoc is not None:
                measured["pandoc_weasyprint_s"] = timed(*pandoc)[0]
            for key, seconds in measured.items():
                figures.setdefault(key, []).append(seconds)
        self.results.update({key: summary(values) for key, values in figures.items()})
        cold = figures["cold_pdf_s"]
        for key, other in (("pdf_over_floor", "floor_s"), ("pdf_over_pandoc", "pandoc_weasyprint_s")):
            if other in figures:
                self.results[key] = round(statistics.median(
                    c / o for c, o in zip(cold, figures[other])), 3)
        for key, handout in (("handouts_warm_over_cold", "handouts_warm_cache_s"),
                             ("handouts_cold_over_cold", "handouts_cold_cache_s")):
            self.results[key] = round(statistics.median(
                h / c for h, c in zip(figures[handout], cold)), 3)
        self.say("cold build pdf", self.results["cold_pdf_s"])
        self.say("floor: WeasyPrint alone, one doc", self.results["floor_s"],
                 f"   cold PDF / floor = {self.results['pdf_over_floor']:.2f}")
        if pandoc is not None:
            self.say("pandoc + WeasyPrint", self.results["pandoc_weasyprint_s"],
                     f"   nrbook cold PDF / pandoc + WeasyPrint = {self.results['pdf_over_pandoc']:.2f}")
        for label, key in (("warm", "handouts_warm"), ("cold", "handouts_cold")):
            self.say(f"handouts {HANDOUT_IDS}, {label} cache", self.results[f"{key}_cache_s"],
                     f"   / cold full build = {self.results[f'{key}_over_cold']:.2f}")

    def floor_command(self) -> list[str]:
        html, css, root, roots = self.final_print_html()
        script = self.work / "floor.py"
        script.write_text(FLOOR, encoding="utf-8")
        return [sys.executable, str(script), str(html), str(css), str(root),
                ":".join(map(str, roots)), str(self.work / "floor.pdf")]

    def final_print_html(self) -> tuple[Path, Path, Path, list[Path]]:
        """nrbook's whole book as one fitted document (settings from a warm cache)."""
        from nrbook.context import BuildContext, BuildOptions, build_date
        from nrbook.diagnostics import Diagnostics
        from nrbook.output import OutputStage
        from nrbook.parts import sheet_fitter
        from nrbook.pipeline import prepare
        from nrbook.writers.pdf import single_document_html

        self.run("build", "--out", str(self.out), "--format", "pdf", cold=True)
        options = BuildOptions(source=self.source, config=self.config, out=self.out, cache=self.cache)
        diagnostics = Diagnostics()
        settings, book, rendered = prepare(options, diagnostics)
        context = BuildContext(options, settings, book, rendered, diagnostics,
                               build_date(book.info.date), OutputStage(self.out))
        fitter = sheet_fitter(context, list(rendered.sheets))
        fitter.plan()
        path = self.work / "final-print.html"
        path.write_text(single_document_html(context, fitter.fits), encoding="utf-8")
        css = self.work / "final-print.css"
        css.write_text(context.stylesheet("print"), encoding="utf-8")
        roots = [book.root, options.layouts, options.styles, self.work] + (
            [book.asset_root] if book.asset_root else [])
        return path, css, book.root, roots

    def pandoc_command(self) -> tuple[list[str], Path, dict[str, str]] | None:
        """The peer: pandoc's standalone HTML with a table of contents, laid out by WeasyPrint."""
        try:
            import pypandoc
        except ImportError:
            print("pandoc: PyPI pypandoc-binary is missing (make bench installs it)", flush=True)
            return None
        pandoc = pypandoc.get_pandoc_path()
        book = self.work / "book.md"
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "corpus_markdown.py"),
                        str(self.source), str(self.config), str(book)], check=True)
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        command = [pandoc, str(book), "-s", "--toc", "--pdf-engine=weasyprint",
                   "-o", str(self.work / "pandoc.pdf")]
        return command, self.work, env

    def rebuild(self) -> None:
        """One sentence of one sheet changes: a warm rebuild, against a clean build of the same."""
        copy = self.work / "edited"
        shutil.copytree(self.source, copy)
        sheet = sheet_file(copy, "c.2") or next(p for p in sorted(copy.rglob("*.md"))
                                                 if p.name != "index.md" and p.parent != copy)
        warm, clean = self.work / "warm", self.work / "clean"
        self.run("build", "--out", str(warm), "--format", "pdf", source=copy, cold=True)
        rebuilds, colds, identical = [], [], True
        for number in range(RUNS):
            add_sentence(sheet, number)
            rebuilds.append(self.run("build", "--out", str(warm), "--format", "pdf", source=copy))
            colds.append(self.run("build", "--out", str(clean), "--format", "pdf", "--no-cache",
                                  source=copy))
            identical &= all((warm / p.name).read_bytes() == p.read_bytes() for p in clean.glob("*.pdf"))
        self.results["rebuild_one_sentence_s"] = summary(rebuilds)
        self.results["rebuild_cold_same_sources_s"] = summary(colds)
        self.ratio("rebuild_over_cold", self.results["rebuild_one_sentence_s"],
                   self.results["rebuild_cold_same_sources_s"])
        self.results["rebuild_byte_identical"] = identical
        self.say("rebuild after one sentence", self.results["rebuild_one_sentence_s"],
                 f"   / cold = {self.results['rebuild_over_cold']:.2f}, "
                 f"byte-identical to a clean build: {'yes' if identical else 'NO'}")

    def workshop(self) -> None:
        """Each workshop command, the book built before (the cache warm)."""
        out = str(self.work / "workshop")
        self.run("build", "--out", str(self.out), "--format", "pdf", cold=True)
        for name, command in WORKSHOP.items():
            key = f"warm_{name}_s"
            self.results[key] = self.repeat(lambda: self.run(command[0], "--out", out, *command[1:]))
            self.say(f"warm {' '.join(command[:4])}", self.results[key])

    def preview(self) -> None:
        """From saving a sheet to its printed page served by `nrbook serve`, for several sheets."""
        copy = self.work / "served"
        shutil.copytree(self.source, copy)
        server = subprocess.Popen(nrbook("serve", "--source", str(copy), "--config", str(self.config),
                                         "--port", "0"), cwd=self.work, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            url = serving_url(server)
            sheets = [s for s in PREVIEW_SHEETS if sheet_file(copy, s)]
            for sheet_id in sheets:  # looked at: each is laid out again at every save
                http(f"{url}sheet/{sheet_id}")
            wait_until(lambda: all(http(f"{url}sheet/{s}.png")[1].get("X-Nrbook-Print") == "book"
                                   for s in sheets), 600)
            times = []
            for number in range(RUNS):
                for sheet_id in sheets:
                    before = json.loads(http(f"{url}__build")[0])["build"]
                    started = time.perf_counter()
                    add_sentence(sheet_file(copy, sheet_id), number)
                    build = wait_until(lambda: (b := json.loads(http(f"{url}__build")[0])["build"])
                                       > before and b, 60)
                    headers = http(f"{url}sheet/{sheet_id}.png?build={build}&dpi=50")[1]
                    if int(headers.get("X-Nrbook-Build", 0)) >= build:
                        times.append(time.perf_counter() - started)
            self.results["preview_s"] = summary(times) if times else {"median": float("inf"),
                                                                       "min": 0, "max": 0}
            self.say(f"print preview after a save ({len(sheets)} sheets)", self.results["preview_s"])
        finally:
            server.terminate()
            server.wait(timeout=20)

    def sizes(self) -> None:
        self.run("build", "--out", str(self.out), cold=True)
        for suffix in ("pdf", "epub", "html"):
            files = list(self.out.glob(f"*.{suffix}"))
            self.results[f"{suffix}_bytes"] = max((f.stat().st_size for f in files), default=0)
        self.results["pdf_mb"] = round(self.results["pdf_bytes"] / 2**20, 3)
        self.results["epub_kb"] = round(self.results["epub_bytes"] / 1024, 1)
        self.results["html_kb"] = round(self.results["html_bytes"] / 1024, 1)
        self.results["peak_rss_mb"] = round(self.peak, 1)
        print(f"sizes: PDF {self.results['pdf_mb']:.2f} MB, EPUB {self.results['epub_kb']:.0f} KB, "
              f"HTML {self.results['html_kb']:.0f} KB; peak memory (all processes) "
              f"{self.results['peak_rss_mb']:.0f} MB", flush=True)

    def targets(self) -> dict[str, dict[str, object]]:
        found = {}
        for key, limit in TARGETS.items():
            value = self.results.get(key)
            if isinstance(value, dict):
                value = value["median"]
            if value is not None:
                found[key] = {"target": limit, "value": value, "holds": value <= limit}
        self.results["targets"] = found
        return found


# --- helpers -----------------------------------------------------------------------------

def sheet_file(source: Path, sheet_id: str) -> Path | None:
    pattern = re.compile(rf"^(id|idbp):\s*[\"']?{re.escape(sheet_id)}[\"']?\s*$", re.MULTILINE)
    return next((p for p in sorted(source.rglob("*.md")) if pattern.search(p.read_text("utf-8")[:3000])),
                None)


def add_sentence(path: Path | None, number: int) -> None:
    """One more sentence at the end of the sheet's first paragraph of text."""
    assert path is not None
    text = path.read_text(encoding="utf-8")
    end = text.index("---", 3) + 3
    body = text[end:]
    first = re.search(r"\n\n[^\n#<>{-][^\n]*[^\n]", body)
    at = end + (first.end() if first else len(body.rstrip()))
    path.write_text(text[:at] + f" Une phrase de plus, numéro {number}." + text[at:], encoding="utf-8")


def http(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (127.0.0.1 only)
        return response.read(), dict(response.headers)


def serving_url(server: subprocess.Popen[str]) -> str:
    assert server.stdout is not None
    for line in server.stdout:
        if match := re.search(r"Serving on (http://127\.0\.0\.1:\d+/)", line):
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            return match.group(1)
    raise SystemExit("nrbook serve did not start")


def wait_until(check: Callable[[], object], timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if value := check():
                return value
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("the preview did not answer in time")


#: The workshop commands, timed from a warm cache (each ≤ 5 s is the aim, not yet a target).
def main() -> int:
    report: dict[str, object] = {"runs": RUNS, "python": sys.version.split()[0], "cpus": os.cpu_count(),
                                 "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    for name, (source, config) in INPUTS.items():
        if not source.is_dir():
            print(f"\n== {name}: {source} is missing, skipped")
            continue
        print(f"\n== {name} ({source})", flush=True)
        with tempfile.TemporaryDirectory(prefix="nrbook-bench-") as work:
            bench = Bench(name, source, config, Path(work))
            bench.cold_builds()
            bench.paired_rounds(peer=source == CORPUS)
            bench.rebuild()
            if source == CORPUS:
                bench.preview()
            bench.workshop()
            bench.sizes()
            bench.targets()
            report[name] = bench.results
    print("\n== targets")
    for name, results in report.items():
        if isinstance(results, dict):
            for key, target in results["targets"].items():
                mark = "holds" if target["holds"] else "MISSED"
                print(f"{name:22} {key:24} {target['value']:>9} (target ≤ {target['target']}): {mark}")
    (ROOT / "dist").mkdir(exist_ok=True)
    (ROOT / "dist" / "bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    print(f"\nwrote {ROOT / 'dist' / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
