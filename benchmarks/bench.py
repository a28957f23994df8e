"""nrbook's benchmark: build times, the WeasyPrint floor, rebuilds, memory and sizes.

Every figure is the median of several runs made in one go, on the publishers' sources
(../shared/corpus/guide-v1, when present) and on content/. Machines are shared and
noisy: compare the ratios, which are measured side by side, more than the seconds.
Results go to dist/bench.json. Run it with `make bench` (BENCH_RUNS=5 for more runs).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "guide-v1"
INPUTS = {
    "publishers' guide v1": (CORPUS, ROOT / "tests" / "corpus" / "guide-v1.toml"),
    "project content": (ROOT / "content", ROOT / "content" / "book.toml"),
}
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGETS = {
    "pdf_over_floor": 1.15, "rebuild_over_cold": 0.35, "peak_rss_mb": 800,
    "pdf_mb": 1.2, "epub_kb": 600, "html_kb": 500,
}
FLOOR = """
import sys, time
import weasyprint
from weasyprint.urls import path2url
from pathlib import Path
from nrbook.sandbox import SandboxFetcher
from nrbook.writers.pdf import PDF_OPTIONS
html, root, roots, out = sys.argv[1], Path(sys.argv[2]), [Path(p) for p in sys.argv[3].split(":")], sys.argv[4]
fetcher = SandboxFetcher(roots, lambda url, reason: None)
weasyprint.HTML(filename=html, base_url=path2url(root), url_fetcher=fetcher).render(**PDF_OPTIONS).write_pdf(out, **PDF_OPTIONS)
"""


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def nrbook(*args: str) -> list[str]:
    return [sys.executable, "-m", "nrbook", *args]


def median_of(measure) -> float:
    return statistics.median(measure() for _ in range(RUNS))


def final_print_html(source: Path, config: Path, out: Path, cache: Path) -> tuple[Path, Path, list[Path]]:
    """The HTML nrbook gives WeasyPrint for the book, fitted (from a warm cache)."""
    from nrbook.context import BuildContext, BuildOptions, build_date
    from nrbook.diagnostics import Diagnostics
    from nrbook.output import OutputStage
    from nrbook.pipeline import prepare
    from nrbook.writers.pdf import PdfWriter

    options = BuildOptions(source=source, config=config, out=out, cache=cache)
    diagnostics = Diagnostics()
    cfg, book, rendered = prepare(options, diagnostics)
    context = BuildContext(options, cfg, book, rendered, diagnostics, build_date(book.info.date),
                           OutputStage(out))
    PdfWriter(context).layout()
    fits = context.facts["fit"]
    path = out / "final-print.html"
    path.write_text(context.html("book.html.j2", target="print",
                                 fit={i: f.css_class for i, f in fits.items()}), encoding="utf-8")
    roots = [book.root, options.layouts, options.styles] + ([book.asset_root] if book.asset_root else [])
    return path, book.root, roots


def bench_input(name: str, source: Path, config: Path, work: Path) -> dict[str, object]:
    print(f"\n== {name} ({source})", flush=True)
    # nrbook keeps its cache in .nrbook-cache/ of the folder it runs in: the bench runs it in `work`.
    out, cache = work / "dist", work / ".nrbook-cache"
    base = ["build", "--source", str(source), "--config", str(config), "--out", str(out), "-q"]
    results: dict[str, object] = {"source": str(source), "runs": RUNS}

    def cold(formats: str) -> tuple[float, float]:
        shutil.rmtree(cache, ignore_errors=True)
        return timed(nrbook(*base, "--format", formats), cwd=work)

    for formats in ("html", "pdf", "epub", "html,pdf,epub"):
        runs = [cold(formats) for _ in range(RUNS)]
        results[f"cold_{formats.replace(',', '_')}_s"] = round(statistics.median(r[0] for r in runs), 2)
        if formats == "html,pdf,epub":
            results["peak_rss_mb"] = round(max(r[1] for r in runs), 1)
        print(f"cold build {formats:14} {results[f'cold_{formats.replace(chr(44), chr(95))}_s']:6.2f} s", flush=True)

    # The floor: WeasyPrint alone on nrbook's final, fitted HTML, in one process.
    html, root, roots = final_print_html(source, config, out, work / "cache-floor")
    floor_script = work / "floor.py"
    floor_script.write_text(FLOOR, encoding="utf-8")
    results["floor_s"] = round(median_of(lambda: timed(
        [sys.executable, str(floor_script), str(html), str(root), ":".join(map(str, roots)),
         str(work / "floor.pdf")], cwd=work)[0]), 2)
    results["pdf_over_floor"] = round(results["cold_pdf_s"] / results["floor_s"], 3)
    print(f"floor (WeasyPrint alone)  {results['floor_s']:6.2f} s   cold PDF / floor = "
          f"{results['pdf_over_floor']:.2f}", flush=True)

    # One sentence of one sheet changes; the cache is warm.
    copy = work / "source"
    shutil.copytree(source, copy)
    sheet = next(p for p in sorted(copy.rglob("*.md")) if p.name != "index.md" and p.parent != copy)
    shutil.rmtree(cache, ignore_errors=True)
    copy_args = ["build", "--source", str(copy), "--config", str(config), "--out", str(out), "-q",
                 "--format", "pdf"]
    timed(nrbook(*copy_args), cwd=work)  # warms the cache
    cold_copy = []
    rebuilds = []
    for run in range(RUNS):
        text = sheet.read_text(encoding="utf-8")
        sheet.write_text(text.rstrip("\n") + f"\n\nUne phrase de plus, numéro {run}.\n", encoding="utf-8")
        rebuilds.append(timed(nrbook(*copy_args), cwd=work)[0])
        shutil.rmtree(cache, ignore_errors=True)
        cold_copy.append(timed(nrbook(*copy_args), cwd=work)[0])
    results["rebuild_one_sheet_s"] = round(statistics.median(rebuilds), 2)
    results["rebuild_over_cold"] = round(statistics.median(rebuilds) / statistics.median(cold_copy), 3)
    print(f"rebuild after one sentence {results['rebuild_one_sheet_s']:6.2f} s   rebuild / cold = "
          f"{results['rebuild_over_cold']:.2f}", flush=True)

    for suffix in ("pdf", "epub", "html"):
        files = list(out.glob(f"*.{suffix}"))
        results[f"{suffix}_bytes"] = max((f.stat().st_size for f in files), default=0)
    results["pdf_mb"] = round(results["pdf_bytes"] / 2**20, 3)
    results["epub_kb"] = round(results["epub_bytes"] / 1024, 1)
    results["html_kb"] = round(results["html_bytes"] / 1024, 1)
    print(f"sizes: PDF {results['pdf_mb']:.2f} MB, EPUB {results['epub_kb']:.0f} KB, "
          f"HTML {results['html_kb']:.0f} KB; peak RSS {results['peak_rss_mb']:.0f} MB", flush=True)
    results["targets"] = {key: {"target": limit, "value": results[key], "holds": results[key] <= limit}
                          for key, limit in TARGETS.items()}
    return results


def main() -> int:
    report: dict[str, object] = {"runs": RUNS, "python": sys.version.split()[0],
                                 "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    for name, (source, config) in INPUTS.items():
        if not source.is_dir():
            print(f"\n== {name}: {source} is missing, skipped")
            continue
        with tempfile.TemporaryDirectory(prefix="nrbook-bench-") as work:
            report[name] = bench_input(name, source, config, Path(work))
    print("\n== targets")
    for name, results in report.items():
        if isinstance(results, dict):
            for key, target in results["targets"].items():
                mark = "holds" if target["holds"] else "MISSED"
                print(f"{name:22} {key:18} {target['value']:>9} (target ≤ {target['target']}): {mark}")
    (ROOT / "dist").mkdir(exist_ok=True)
    (ROOT / "dist" / "bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    print(f"\nwrote {ROOT / 'dist' / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
