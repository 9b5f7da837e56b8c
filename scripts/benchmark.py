#!/usr/bin/env python3
"""Time the build's stages and print medians (and ratios), so speed claims are measured.

    .venv/bin/python scripts/benchmark.py [--repeat 3] [--full]

Stages: data validation (in-process), one notebook through papermill (cold kernel), rendering one
language (merge + nbconvert + font subset; + WeasyPrint PDF), and with --full the whole build
with --jobs 1 and --jobs 2. Results go to stdout as a table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also time whole builds with 1 and 2 jobs")
    args = parser.parse_args()
    import papermill

    from stpolicy import build
    from stpolicy.validate import validate

    results: dict[str, list[float]] = {}
    results["validate data (in-process)"] = timed(lambda: validate(ROOT / "data"), args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = ROOT / "notebooks" / "02_targets_side_by_side.ipynb"
        results["one notebook via papermill"] = timed(
            lambda: papermill.execute_notebook(
                str(nb),
                str(tmp / nb.name),
                parameters={"figures_dir": str(tmp / "fig")},
                progress_bar=False,
                cwd=str(nb.parent),
                kernel_name="python3",
            ),
            args.repeat,
        )
        out = tmp / "out"
        assert (
            subprocess.run(
                [
                    sys.executable,
                    "build_report.py",
                    "--out",
                    out,
                    "--figures",
                    tmp / "fig",
                    "--lang",
                    "en",
                    "--format",
                    "html",
                ],
                cwd=ROOT,
                capture_output=True,
            ).returncode
            == 0
        )
        executed = sorted((out / "notebooks" / "en").glob("*.ipynb"))
        meta = build.document_meta(ROOT / "data", "en", [])
        for formats in (["html"], ["pdf"]):
            (tmp / "stage").mkdir(exist_ok=True)
            results[
                f"render en {formats[0]} (merge + template{' + font subset' if formats == ['html'] else ' + WeasyPrint'})"
            ] = timed(lambda: build.render(build.merge(executed), meta, "en", formats, tmp / "stage"), args.repeat)
        if args.full:
            for jobs in (1, 2):
                results[f"full build, both languages, html+pdf, --jobs {jobs}"] = timed(
                    lambda: subprocess.run(
                        [
                            sys.executable,
                            "build_report.py",
                            "--out",
                            tmp / f"full{jobs}",
                            "--figures",
                            tmp / "figfull",
                            "--jobs",
                            str(jobs),
                        ],
                        cwd=ROOT,
                        capture_output=True,
                        check=True,
                    ),
                    max(1, args.repeat - 1),
                )
    print(f"{'stage':<62} {'median s':>9} {'runs':>5}")
    for stage, times in results.items():
        print(f"{stage:<62} {statistics.median(times):>9.2f} {len(times):>5}")
    full = {
        j: statistics.median(results[f"full build, both languages, html+pdf, --jobs {j}"])
        for j in (1, 2)
        if f"full build, both languages, html+pdf, --jobs {j}" in results
    }
    if len(full) == 2:
        print(f"speed-up of --jobs 2 over --jobs 1: {full[1] / full[2]:.2f}x")


if __name__ == "__main__":
    main()
