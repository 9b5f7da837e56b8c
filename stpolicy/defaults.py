"""Derived defaults for optional columns added after the original data interface.

A sidecar column with `default: NAME` is optional: where the column is missing or a cell is empty,
validation fills it with DERIVATIONS[NAME](table, tables, sources) before checking, so the rest of
the package always sees a complete column; `default: {value: TEXT}` fills in a constant. What the
analyst wrote always wins over a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from .tables import RawTable, primary_key

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


ASPIRATION_WORDS = ("力争", "争取")


def measure_theme(table: RawTable, tables: dict[str, RawTable], sources: dict[str, str]) -> pd.Series:
    """A clause's theme: the theme of its measure."""
    measures = tables["measures"].frame
    themes = measures.set_index("measure_id")["theme"] if {"measure_id", "theme"} <= set(measures) else {}
    return table.frame["measure_id"].map(themes).fillna("").astype(str)


def aspiration(table: RawTable, tables: dict[str, RawTable], sources: dict[str, str]) -> pd.Series:
    """true where the quote strives for the number (力争, 争取), else false."""
    worded = table.frame["quote"].str.contains("|".join(ASPIRATION_WORDS), regex=True)
    return worded.map({True: "true", False: "false"})


def name_as_written(table: RawTable, tables: dict[str, RawTable], sources: dict[str, str]) -> pd.Series:
    """An agency's Chinese label: its name as written."""
    return table.frame["name_as_written"]


def running_id(table: RawTable, tables: dict[str, RawTable], sources: dict[str, str]) -> pd.Series:
    """A row id like the table's others (district, "-p" and a running number), numbered on from
    the district's highest; the prefix letter is taken from the table's existing ids."""
    frame, column = table.frame, primary_key(table.meta)[0]
    taken = frame[column].str.extract(r"^(?P<district>.+)-(?P<letter>[a-z])(?P<no>\d+)$")
    letter = taken["letter"].dropna().mode().iat[0] if taken["letter"].notna().any() else table.name[0]
    width = int(taken["no"].dropna().str.len().max()) if taken["no"].notna().any() else 2
    highest = pd.to_numeric(taken["no"], errors="coerce").groupby(frame["district_id"]).max().dropna().to_dict()
    ids = []
    for district, current in zip(frame["district_id"], frame[column], strict=True):
        if current:
            ids.append(current)
            continue
        highest[district] = int(highest.get(district, 0)) + 1
        ids.append(f"{district}-{letter}{highest[district]:0{width}d}")
    return pd.Series(ids, index=frame.index, dtype=str)


DERIVATIONS: dict[str, Callable[[RawTable, dict[str, RawTable], dict[str, str]], pd.Series]] = {
    "measure_number": measure_number,
    "agency_source": agency_source,
    "measure_theme": measure_theme,
    "aspiration": aspiration,
    "name_as_written": name_as_written,
    "running_id": running_id,
}

# How the data README describes each default.
DESCRIPTIONS = {
    "measure_number": "the quote's leading number, else the order in the document",
    "agency_source": "named if the document names the lead agency, issuer if not, not_named without one",
    "measure_theme": "the theme of its measure",
    "aspiration": "true if the quote contains 力争 or 争取, else false",
    "name_as_written": "name_as_written",
    "running_id": "district, a letter and a running number after the district's highest",
}


def describe(default) -> str:
    """The README's wording of a sidecar default."""
    return f"`{default['value']}`" if isinstance(default, dict) else DESCRIPTIONS[default]


def derivation(default):
    """The function that computes a sidecar default (a constant for `{value: ...}`)."""
    if isinstance(default, dict):
        return lambda table, tables, sources: pd.Series(str(default["value"]), index=table.frame.index)
    return DERIVATIONS.get(default or "")


def fill_defaults(tables: dict[str, RawTable], sources: dict[str, str]) -> None:
    """Fill empty cells of columns that declare a default, in place."""
    for table in tables.values():
        for column, spec in table.meta["columns"].items():
            derive = derivation(spec.get("default"))
            if derive is None or column not in table.frame or table.frame.empty:
                continue
            empty = table.frame[column] == ""
            if not empty.any():
                continue
            try:
                table.frame.loc[empty, column] = derive(table, tables, sources)[empty]
            except KeyError:
                continue  # a column the default needs is missing: the schema reports it
