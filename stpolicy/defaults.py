"""Derived defaults for optional columns added after the original data interface.

A sidecar column with `default: NAME` is optional: where the column is missing or a cell is empty,
validation fills it with DERIVATIONS[NAME](table, tables, sources) before checking, so the rest of
the package always sees a complete column. What the analyst wrote always wins over a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from .tables import RawTable

# A heading number as printed at the start of a measure's heading: (一), （二）, 1., 17、, 一、
_LEADING_NUMBER = re.compile(
    r"^\s*([(（][一二三四五六七八九十百]+[)）]|\d+|[一二三四五六七八九十百]+)(?=[.、．\s]|$|\D)"
)


def leading_number(quote: str) -> str:
    """The number a heading starts with, as printed ('(一)', '17'), or '' if it starts with none."""
    match = _LEADING_NUMBER.match(quote or "")
    return match.group(1) if match else ""


def measure_number(table: RawTable, tables: dict[str, RawTable], sources: dict[str, str]) -> pd.Series:
    """measure_no: the quote's leading number, else the measure's place in its document (1, 2, ...)."""
    frame = table.frame
    position = pd.Series(
        [
            sources.get(d, "").find(q) if q and q in sources.get(d, "") else len(sources.get(d, "")) + i
            for i, (d, q) in enumerate(zip(frame["district_id"], frame["quote"], strict=True))
        ],
        index=frame.index,
        dtype="int64",
    )
    order = position.groupby(frame["district_id"]).rank(method="first").astype(int).astype(str)
    return pd.Series(
        [leading_number(q) or o for q, o in zip(frame["quote"], order, strict=True)], index=frame.index, dtype=str
    )


def paragraph_of(source: str, heading: str) -> str:
    """The line of the source text that contains a measure's heading."""
    return next((line for line in source.splitlines() if heading and heading in line), "")


def agency_source(table: RawTable, tables: dict[str, RawTable], sources: dict[str, str]) -> pd.Series:
    """lead_agency_source: `not_named` without a lead agency; `named` where the document names it
    (an agency quote is given, or the lead agency occurs in the measure's paragraph); `issuer`
    where the curator supplied the issuer although the measure names no agency."""

    def derive(row: pd.Series) -> str:
        lead = row.get("lead_agency", "")
        if not lead:
            return "named" if row.get("co_agencies") else "not_named"
        if row.get("agency_quote") or lead in paragraph_of(sources.get(row["district_id"], ""), row.get("quote", "")):
            return "named"
        return "issuer"

    return table.frame.apply(derive, axis=1).astype(str) if len(table.frame) else pd.Series(dtype=str)


DERIVATIONS: dict[str, Callable[[RawTable, dict[str, RawTable], dict[str, str]], pd.Series]] = {
    "measure_number": measure_number,
    "agency_source": agency_source,
}

# How the data README describes each default.
DESCRIPTIONS = {
    "measure_number": "the quote's leading number, else the order in the document",
    "agency_source": "named if the document names the lead agency, issuer if not, not_named without one",
}


def fill_defaults(tables: dict[str, RawTable], sources: dict[str, str]) -> None:
    """Fill empty cells of columns that declare a default, in place."""
    for table in tables.values():
        for column, spec in table.meta["columns"].items():
            derive = DERIVATIONS.get(spec.get("default", ""))
            if derive is None or column not in table.frame or table.frame.empty:
                continue
            if not {"district_id", "quote"} <= set(table.frame.columns):
                continue  # the missing required columns are reported by the schema
            empty = table.frame[column] == ""
            if empty.any():
                table.frame.loc[empty, column] = derive(table, tables, sources)[empty]
