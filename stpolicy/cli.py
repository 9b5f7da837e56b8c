"""Command line of build_report.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .i18n import LANGUAGES

EXIT_OK, EXIT_BUILD_FAILED, EXIT_BAD_DATA = 0, 1, 2
FORMATS = ("html", "pdf")


def csv_choice(allowed: tuple[str, ...]):
    """An argparse type: a comma-separated subset of `allowed`, in the order given, without repeats."""

    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)} (comma-separated), not {text!r}")
        return list(dict.fromkeys(items))

    return parse


def parser() -> argparse.ArgumentParser:
    """The command line of build_report.py."""
    p = argparse.ArgumentParser(
        prog="build_report.py",
        description="Validate the curated data, execute the report notebooks with papermill and render "
        "the report. Exit codes: 0 success, 1 a notebook or the rendering failed (or a notebook names a "
        "section, figure or table that stpolicy/registry.yml lacks), "
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
        "--lang",
        type=csv_choice(LANGUAGES),
        default=list(LANGUAGES),
        help=f"languages, comma-separated: {','.join(LANGUAGES)}",
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
    p.add_argument(
        "--check",
        action="store_true",
        help="only validate the data and the notebooks' section, figure and table names, and exit "
        "(0 valid, 2 data problems, 1 notebook problems)",
    )
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


def report_problems(problems, code: int = EXIT_BAD_DATA) -> int:
    """Print every problem, one per line, and return `code`."""
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s) found; nothing was built.", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run build_report.py; returns the exit code."""
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
        code = registry_problems(args)
        if code:
            return code
        print(f"{args.data}: data is valid.")
        from .suggest import coverage_lines

        print(*coverage_lines(args.data, tables, args.verbose), sep="\n")  # information, not an error
        return EXIT_OK
    from .pipeline import build, validate_once

    problems = validate_once(args.data, None if args.no_cache else args.cache_dir)
    if problems:
        return report_problems(problems)
    return registry_problems(args) or build(args)


def registry_problems(args) -> int:
    """Check the notebooks' section, figure and table names against stpolicy/registry.yml before any
    kernel starts (a misspelt name would otherwise fail inside one); returns the exit code, 0 if fine."""
    from .registry import NOTEBOOKS, check

    problems = check(args.notebooks or NOTEBOOKS)
    return report_problems(problems, EXIT_BUILD_FAILED) if problems else EXIT_OK
