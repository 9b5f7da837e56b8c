#!/usr/bin/env python3
"""Time the build against the naive route, in one run, and print medians and ratios.

    .venv/bin/python scripts/benchmark.py [--repeat 1] [--districts 2,10,50] [--skip naive,scale]

- cold: build_report.py (both languages, HTML and PDF) with an empty cache;
- cold, HTML only: the same outputs as the naive route below (like for like);
- unchanged: the same build again (everything from the cache);
- one-row edit: one row of indicators.csv changed (its note), then rebuilt with the cache;
- naive: the same notebooks by hand, one after another: the papermill CLI, then
  `jupyter nbconvert --to html`, both languages, no PDF;
- districts: English HTML builds of N synthetic districts (scripts/synthetic_districts.py), cold,
  with the build time and the HTML size;
- suite (only with --suite): the whole test suite (`pytest`, as `make test` runs it), against the cold build,
  twice: from nothing (`--build-cache none`, as CI on a clean clone) and after a build (its cache, as
  after `make report`: the suite's full report then comes from that build's cache). Each suite run is
  preceded by one more cold build, and ratios use the median of all cold builds.

Then the profile of the cold build: where the time goes, from the executed notebooks' metadata
(papermill records each cell's duration). Everything runs in temporary folders; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))
COLD = "cold build (en+zh, html+pdf)"
HTML_ONLY = "cold build, html only (en+zh, like naive)"
SUITE = "test suite, no build cache (as CI)"
SUITE_AFTER = "test suite, after a build (as after make report)"


def run(cmd: list, **kw) -> float:
    start = time.perf_counter()
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def build(tmp: Path, name: str, *args) -> list:
    return [sys.executable, "build_report.py", "--out", tmp / name / "report", "--figures", tmp / name / "fig", *args]


def cold_beside_suite(tmp: Path, times: dict, name: str) -> None:
    """One more cold build right before a suite run: this machine's speed drifts by 10-25 % within minutes
    (CPU steal), so the suite's ratio is taken against the median of cold builds spread over the run."""
    times.setdefault(COLD, []).append(
        run(build(tmp, name, "--data", ROOT / "data", "--cache-dir", tmp / name / "cache"))
    )


def naive(tmp: Path) -> float:
    """papermill CLI + nbconvert CLI per notebook and language, sequential (what one would type)."""
    start = time.perf_counter()
    for lang in ("en", "zh"):
        out = tmp / "naive" / lang
        out.mkdir(parents=True, exist_ok=True)
        for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            run(
                [BIN / "papermill", nb, out / nb.name, "-p", "lang", lang, "-p", "data_dir", ROOT / "data",
                 "-p", "figures_dir", tmp / "naive" / "fig", "--cwd", ROOT / "notebooks", "--no-progress-bar"]
            )  # fmt: skip
            run([BIN / "jupyter", "nbconvert", "--to", "html", out / nb.name])
    return time.perf_counter() - start


def edit_one_row(data: Path, round_: int) -> None:
    path = data / "indicators.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    rows[0]["note"] = f"benchmark edit {round_}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def profile(notebooks: Path, top: int = 8) -> None:
    """Seconds per notebook and the slowest cells, from papermill's metadata."""
    cells = []
    print(f"\nprofile of the cold build (executed notebooks in {notebooks.parent.name}/):")
    for lang_dir in sorted(p for p in notebooks.iterdir() if p.is_dir()):
        total = 0.0
        for path in sorted(lang_dir.glob("*.ipynb")):
            nb = json.loads(path.read_text(encoding="utf-8"))
            seconds = nb["metadata"]["papermill"]["duration"] or 0
            total += seconds
            print(f"  {lang_dir.name} {path.stem:<32} {seconds:7.1f} s")
            for cell in nb["cells"]:
                if cell["cell_type"] == "code":
                    source = "".join(cell["source"]).strip().splitlines()
                    cells.append((cell["metadata"]["papermill"].get("duration") or 0, lang_dir.name, path.stem, source))
        print(f"  {lang_dir.name} all notebooks (on one kernel)    {total:7.1f} s")
    print("  slowest cells:")
    for seconds, lang, stem, source in sorted(cells, key=lambda c: c[0], reverse=True)[:top]:
        print(f"  {seconds:6.1f} s  {lang} {stem[:24]:<24} {(source[-1] if source else '')[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (medians are printed)")
    parser.add_argument("--districts", default="2,10,50", help="district counts for the scaling builds")
    parser.add_argument("--skip", default="", help="comma-separated: builds, edit, naive, scale")
    parser.add_argument("--suite", action="store_true", help="also time the whole test suite (several minutes)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    from synthetic_districts import synthesise

    times: dict[str, list[float]] = {}
    sizes: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="stpolicy-bench-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        shutil.copytree(ROOT / "data", data)
        for i in range(args.repeat if "builds" not in skip else 0):
            cache = ["--data", data, "--cache-dir", tmp / f"cache{i}"]
            times.setdefault(COLD, []).append(run(build(tmp, f"b{i}", *cache)))
            times.setdefault("unchanged rebuild", []).append(run(build(tmp, f"b{i}", *cache)))
            html_only = build(tmp, f"h{i}", "--data", data, "--format", "html", "--no-cache")
            times.setdefault(HTML_ONLY, []).append(run(html_only))
            if "edit" not in skip:
                edit_one_row(data, i)
                times.setdefault("rebuild after a one-row edit", []).append(run(build(tmp, f"b{i}", *cache)))
            if "naive" not in skip:
                times.setdefault("naive: papermill + nbconvert CLIs (en+zh, html)", []).append(naive(tmp))
        if args.suite:
            suite = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            cold_beside_suite(tmp, times, "s1")
            times.setdefault(SUITE, []).append(run([*suite, "--build-cache=none"]))
            cold_beside_suite(tmp, times, "s2")  # its cache is from the data before the edit, as data/ is
            # one token: a path standing alone would be read as the tests' folder
            times.setdefault(SUITE_AFTER, []).append(run([*suite, f"--build-cache={tmp / 's2' / 'cache'}"]))
        if "scale" not in skip:
            for n in map(int, args.districts.split(",")):
                folder = ROOT / "data" if n == 2 else tmp / f"data{n}"
                if n != 2:
                    synthesise(ROOT / "data", folder, n)
                for i in range(args.repeat):
                    name = f"d{n}-{i}"
                    cmd = build(tmp, name, "--data", folder, "--lang", "en", "--format", "html", "--no-cache")
                    times.setdefault(f"{n} districts (en, html, cold)", []).append(run(cmd))
                sizes[f"{n} districts (en, html, cold)"] = (tmp / name / "report" / "report.en.html").stat().st_size
        print(f"{'measurement':<52} {'median s':>9} {'runs':>5} {'HTML MB':>8}")
        med = {k: statistics.median(v) for k, v in times.items()}
        for k, v in times.items():
            size = f"{sizes[k] / 1e6:8.2f}" if k in sizes else ""
            print(f"{k:<52} {med[k]:>9.1f} {len(v):>5} {size}")
        print()
        naive_key = "naive: papermill + nbconvert CLIs (en+zh, html)"
        if naive_key in med:
            for k in (COLD, HTML_ONLY, "unchanged rebuild", "rebuild after a one-row edit"):
                if k in med:
                    print(f"{k} / naive: {med[k] / med[naive_key]:.3f}")
        for k in (SUITE, SUITE_AFTER):
            if k in med and COLD in med:
                print(f"{k} / cold build: {med[k] / med[COLD]:.2f}")
        counts = [k for k in med if k.endswith("districts (en, html, cold)")]
        if len(counts) > 1:
            for k in counts[1:]:
                print(f"{k.split(' (')[0]} / {counts[0].split(' (')[0]}: {med[k] / med[counts[0]]:.2f}")
        if (tmp / "b0").exists():
            profile(tmp / "b0" / "report" / "notebooks")


if __name__ == "__main__":
    main()
