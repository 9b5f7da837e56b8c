"""Command line of build_report.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_BUILD_FAILED, EXIT_BAD_DATA = 0, 1, 2
LANGUAGES = ("en", "zh")
FORMATS = ("html", "pdf")


def csv_choice(allowed: tuple[str, ...]):
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)} (comma-separated), not {text!r}")
        return list(dict.fromkeys(items))

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build_report.py",
        description="Validate the curated data, execute the report notebooks with papermill and render "
        "the report. Exit codes: 0 success, 1 a notebook or the rendering failed, "
        "2 the data has problems (printed as path:line: column: message).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", type=Path, default=Path("data"), help="data folder (CSV tables, metadata, sources/)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("report"),
        help="output folder for report.{lang}.html/.pdf; executed notebooks go to OUT/notebooks/",
    )
    p.add_argument(
        "--figures", type=Path, default=Path("figures"), help="folder for exported charts, FIGURES/{lang}/*.svg|png"
    )
    p.add_argument(
        "--lang", type=csv_choice(LANGUAGES), default=list(LANGUAGES), help="languages, comma-separated: en,zh"
    )
    p.add_argument(
        "--format",
        dest="formats",
        type=csv_choice(FORMATS),
        default=list(FORMATS),
        help="output formats, comma-separated: html,pdf",
    )
    p.add_argument("--jobs", type=int, default=2, help="notebooks executed in parallel")
    p.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="folder of NN_name.ipynb section notebooks to execute, in name order (default: the project's notebooks/)",
    )
    p.add_argument("--check", action="store_true", help="only validate the data and exit (0 valid, 2 problems)")
    p.add_argument(
        "--verbose", action="store_true", help="with --check, list the numbers of each source no indicator quote covers"
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".cache"),
        help="cache of executed notebooks and rendered reports, keyed by content; safe to delete",
    )
    p.add_argument("--no-cache", action="store_true", help="execute and render everything, ignoring the cache")
    p.epilog = "Curation assistant: build_report.py suggest SOURCE_TXT --district ID [--new-only] (see suggest --help)."
    return p


def report_problems(problems) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s) found; nothing was built.", file=sys.stderr)
    return EXIT_BAD_DATA


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["suggest"]:  # the curation assistant, a subcommand of its own
        from .suggest import main as suggest

        return suggest(argv[1:])
    args = parser().parse_args(argv)
    if args.check:
        from .validate import validate

        tables, problems = validate(args.data)
        if problems:
            return report_problems(problems)
        print(f"{args.data}: data is valid.")
        from .suggest import coverage_lines

        print(*coverage_lines(args.data, tables, args.verbose), sep="\n")  # information, not an error
        return EXIT_OK
    from .pipeline import build, validate_once

    problems = validate_once(args.data, None if args.no_cache else args.cache_dir)
    if problems:
        return report_problems(problems)
    return build(args)
