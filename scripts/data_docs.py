"""Regenerate the generated blocks of data/README.md (row counts, column dictionary) from the
sidecars and the data. A maintainer runs it after changing a sidecar or adding rows; the build
never writes to data/. `--check` exits 1 if the README is out of date (what the test checks).

    python scripts/data_docs.py [--data data] [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stpolicy.datadocs import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "data")
    parser.add_argument("--check", action="store_true", help="only report whether data/README.md is up to date")
    args = parser.parse_args(argv)
    path = args.data / "README.md"
    old = path.read_text(encoding="utf-8")
    new = render(old, args.data)
    if args.check:
        print(f"{path}: {'up to date' if new == old else 'out of date; run python scripts/data_docs.py'}")
        return 0 if new == old else 1
    path.write_text(new, encoding="utf-8")
    print(f"{path}: {'unchanged' if new == old else 'updated'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
