"""Offline downloads: each report table as CSV, every curated table as an XLSX workbook and as a
zip of CSVs with a Frictionless `datapackage.json`, all as `<a download href="data:...">` links.

Formula injection: a spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and some runs
one that begins with a tab or carriage return) as a formula. Such text cells are prefixed with an
apostrophe, the OWASP advice, in CSV and XLSX alike. A cell that is a plain number (`-3`, `+110`,
`-12.5%`, `1e-3`) is left alone: a spreadsheet reads it as a number and runs nothing, and changing
it would corrupt legitimate negative values. Columns typed `number`/`integer` in the sidecars hold
validated numbers, so they are written as numbers (in XLSX as numeric cells).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__
from .tables import TABLES, primary_key, read_table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")
NUMERIC = {"number", "integer"}
FRICTIONLESS_TYPES = {
    "string": "string",
    "number": "number",
    "integer": "integer",
    "date": "date",
    "boolean": "boolean",
}
PACKAGE_NAME = "district-st-policy"
MIME = {
    "csv": "text/csv;charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def neutralise(value) -> object:
    """A text cell a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def build_date() -> dt.date:
    """Today, or the date in SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()


# --- curated tables ------------------------------------------------------------------------------


@dataclass
class Curated:
    """One curated table as written in data/: its sidecar and its cells as text."""

    name: str
    meta: dict
    frame: pd.DataFrame  # every cell a str, "" when empty

    def numeric_columns(self) -> set[str]:
        """The columns the sidecar declares as numbers or integers."""
        return {c for c, spec in self.meta["columns"].items() if spec.get("type") in NUMERIC}


def curated_tables(data_dir: Path) -> list[Curated]:
    """Every curated table that exists in the data folder, in the project's table order."""
    out = []
    for name in TABLES:
        if (Path(data_dir) / f"{name}.csv").exists():
            raw = read_table(Path(data_dir), name)
            out.append(Curated(name, raw.meta, raw.frame.reset_index(drop=True)))
    return out


def csv_bytes(frame: pd.DataFrame, numeric: set[str] = frozenset(), bom: bool = False) -> bytes:
    """The frame as CSV (UTF-8, LF), text cells neutralised; `bom` for spreadsheet users."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow(
            [
                "" if pd.isna(v) else (str(v) if c in numeric else neutralise(str(v)))
                for c, v in zip(frame.columns, row, strict=True)
            ]
        )
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def display_csv(frame: pd.DataFrame) -> bytes:
    """A report table as shown (labels in the report language); numeric dtypes stay numbers."""
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    return csv_bytes(frame, numeric, bom=True)


def excel_value(value: str, numeric: bool):
    """A cell for the workbook: numbers as numbers, text neutralised against formulas, empty as None."""
    if numeric and value != "":
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return neutralise(value) if value != "" else None


def workbook_bytes(tables: list[Curated], created: dt.date) -> bytes:
    """One sheet per curated table, plus a first sheet describing them.

    XlsxWriter keeps each distinct text once (Excel's shared strings); openpyxl 3.1 writes every
    cell's text inline, which made the workbook twice as large for tables that repeat quotes and
    labels. Strings are never read as formulas, numbers or links: only typed columns become numbers."""
    import xlsxwriter

    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(buffer, options) as wb:
        wb.set_properties({"title": PACKAGE_NAME, "created": dt.datetime.combine(created, dt.time())})
        bold = wb.add_format({"bold": True})
        about = [[t.name, t.meta.get("title", ""), t.meta.get("description", ""), len(t.frame)] for t in tables]
        write_sheet(wb.add_worksheet("about"), ["table", "title", "description", "rows"], about, bold)
        for table in tables:
            numeric = table.numeric_columns()
            rows = (
                [excel_value(v, c in numeric) for c, v in zip(table.frame.columns, row, strict=True)]
                for row in table.frame.itertuples(index=False)
            )
            write_sheet(wb.add_worksheet(table.name[:31]), list(table.frame.columns), rows, bold)
    return buffer.getvalue()


def write_sheet(sheet, header: list[str], rows, bold) -> None:
    """A bold, frozen header row, then the rows (None leaves a cell empty)."""
    sheet.write_row(0, 0, header, bold)
    sheet.freeze_panes(1, 0)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)


# --- Frictionless data package -------------------------------------------------------------------


def field_schema(name: str, spec: dict, vocabularies: dict[str, list[str]]) -> dict:
    """A Table Schema field from a sidecar column spec."""
    field = {"name": name, "type": FRICTIONLESS_TYPES.get(spec.get("type", "string"), "any")}
    if spec.get("description"):
        field["description"] = spec["description"]
    constraints = {}
    if spec.get("required") and not spec.get("allow_empty"):
        constraints["required"] = True
    if spec.get("unique"):
        constraints["unique"] = True
    if spec.get("pattern"):
        constraints["pattern"] = spec["pattern"]
    if "min" in spec:
        constraints["minimum"] = spec["min"]
    if "max" in spec:
        constraints["maximum"] = spec["max"]
    if spec.get("vocabulary") in vocabularies:
        constraints["enum"] = vocabularies[spec["vocabulary"]]
    if constraints:
        field["constraints"] = constraints
    return field


def foreign_keys(meta: dict) -> list[dict]:
    """Frictionless foreignKeys for the sidecar's `references` columns."""
    keys = []
    for name, spec in meta["columns"].items():
        ref = spec.get("references")
        if ref and "." in ref:
            resource, column = ref.split(".", 1)
            keys.append({"fields": name, "reference": {"resource": resource, "fields": column}})
    return keys


def datapackage(tables: list[Curated], title: str, licence: dict, created: dt.date) -> dict:
    """datapackage.json (Frictionless Data Package v1) describing the CSVs of the zip."""
    vocab = next((t.frame for t in tables if t.name == "vocabularies"), pd.DataFrame())
    vocabularies = {v: list(g["code"]) for v, g in vocab.groupby("vocabulary", sort=False)} if not vocab.empty else {}
    resources = []
    for table in tables:
        present = [c for c in table.frame.columns if c in table.meta["columns"]]
        schema = {"fields": [field_schema(c, table.meta["columns"][c], vocabularies) for c in present]}
        key = primary_key(table.meta)
        if key:
            schema["primaryKey"] = key[0] if len(key) == 1 else key
        if foreign_keys(table.meta):
            schema["foreignKeys"] = foreign_keys(table.meta)
        resources.append(
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "title": table.meta.get("title", table.name),
                "description": table.meta.get("description", ""),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": schema,
                **({"sources": [{"title": table.meta["source"]}]} if table.meta.get("source") else {}),
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": title,
        "version": __version__,
        "created": f"{created.isoformat()}T00:00:00Z",
        "licenses": [licence],
        "resources": resources,
    }


def zip_bytes(tables: list[Curated], package: dict, created: dt.date) -> bytes:
    """The CSVs (neutralised, no BOM) and datapackage.json, with fixed timestamps."""
    stamp = (created.year, created.month, created.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for table in tables:
            payload = csv_bytes(table.frame, table.numeric_columns())
            zf.writestr(zipfile.ZipInfo(f"{table.name}.csv", stamp), payload, zipfile.ZIP_DEFLATED)
        text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
        zf.writestr(zipfile.ZipInfo("datapackage.json", stamp), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# --- links ---------------------------------------------------------------------------------------


def data_uri(kind: str, payload: bytes) -> str:
    """The payload as a base64 data: URL of its kind's MIME type."""
    return f"data:{MIME[kind]};base64,{base64.b64encode(payload).decode('ascii')}"


def link(filename: str, payload: bytes, text: str, css_class: str = "download") -> str:
    """`<a download="NAME.ext" href="data:...">text</a>`: works offline, without a server."""
    kind = filename.rsplit(".", 1)[-1]
    return (
        f'<a class="{css_class}" download="{html.escape(filename)}" href="{data_uri(kind, payload)}" '
        f'type="{MIME[kind].split(";")[0]}">{html.escape(text)}</a>'
    )


def table_link(name: str, frame: pd.DataFrame, lang: str, text: str) -> str:
    """The download line under a report table: the table as shown, as CSV."""
    return f'<p class="download-line screen-only">{link(f"{name}.{lang}.csv", display_csv(frame), text)}</p>'


def bundle(data_dir: Path, title: str, licence: dict, created: dt.date) -> dict[str, bytes]:
    """Every curated table as `NAME.xlsx` and `NAME.zip` (CSVs + datapackage.json)."""
    tables = curated_tables(data_dir)
    package = datapackage(tables, title, licence, created)
    return {
        f"{PACKAGE_NAME}.xlsx": workbook_bytes(tables, created),
        f"{PACKAGE_NAME}.zip": zip_bytes(tables, package, created),
    }
