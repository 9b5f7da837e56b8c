#!/usr/bin/env python3
"""Write a data folder with N made-up districts cloned from the curated ones (for scaling tests).

    .venv/bin/python scripts/synthetic_districts.py 50 /tmp/data50

District k is a copy of curated district k mod 2 (Zhenhai, Dinghai, Zhenhai, ...) with its own id
(`syn07`), names (模拟07区 / Synthetic District 07) and row ids; quotes, values and the source text
stay the same, so the copy passes validation like the original. Rows of every table that carries a
`district_id` are cloned; ids that start with the district's id are renamed; comparability pairs are
cloned within each Zhenhai/Dinghai couple; narrative texts about named districts are dropped (they
are about the real ones). The real data folder is only read.
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def renamed(value: str, base: str, new: str) -> str:
    return new + value[len(base) :] if value == base or value.startswith(f"{base}-") else value


def synthesise(source: Path, target: Path, n: int) -> list[str]:
    """Copy source to target with n cloned districts; returns the new district ids."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    _, districts = read(source / "districts.csv")
    bases = [d["district_id"] for d in districts]
    clones = [(f"syn{k + 1:02d}", bases[k % len(bases)]) for k in range(n)]
    for path in sorted(source.glob("*.csv")):
        fields, rows = read(path)
        if "district_id" in fields:
            out = []
            for new, base in clones:
                for row in rows:
                    if row["district_id"] == base:
                        out.append({f: renamed(v, base, new) for f, v in row.items()})
            if path.name == "districts.csv":
                for new, _ in clones:
                    row = next(r for r in out if r["district_id"] == new)
                    number = new[3:]
                    row["name_zh"], row["name_en"] = f"模拟{number}区", f"Synthetic District {number}"
            write(target / path.name, fields, out)
        elif path.name == "comparability.csv":
            write(target / path.name, fields, comparability_rows(rows, clones))
        elif path.name == "narrative.csv":
            write(target / path.name, fields, [r for r in rows if not r.get("districts")])
    return [new for new, _ in clones]


def comparability_rows(rows: list[dict], clones: list[tuple[str, str]]) -> list[dict]:
    """Each judged pair (left district, right district) again for every couple of clones of those districts."""
    out = []
    for i in range(0, len(clones) - 1, 2):
        couple = dict((base, new) for new, base in clones[i : i + 2])
        for row in rows:
            left, right = row["left_indicator_id"].split("-")[0], row["right_indicator_id"].split("-")[0]
            if left in couple and right in couple:
                out.append(
                    {
                        **row,
                        "comparison_id": f"{row['comparison_id']}_{couple[left]}",
                        "left_indicator_id": renamed(row["left_indicator_id"], left, couple[left]),
                        "right_indicator_id": renamed(row["right_indicator_id"], right, couple[right]),
                    }
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of districts")
    parser.add_argument("target", type=Path, help="new data folder (created)")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="curated data folder to clone")
    args = parser.parse_args()
    ids = synthesise(args.data, args.target, args.n)
    print(f"{args.target}: {len(ids)} districts ({ids[0]} … {ids[-1]})")


if __name__ == "__main__":
    main()
