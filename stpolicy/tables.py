"""Reading the data folder: CSV tables, their metadata sidecars and the source texts.

Every CSV is read as text with its rows indexed by their line number in the file, so that any
problem found later (by pandera or by a cross-table check) points at `path:line`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

# Referenced tables come first; a missing optional table is read as empty.
TABLES = (
    "districts",
    "vocabularies",
    "units",
    "agencies",
    "indicators",
    "comparability",
    "measures",
    "tool_codes",
    "second_coding",
    "programmes",
    "narrative",
    "stopwords",
    "glossary",
    "headings",
)
REQUIRED_TABLES = ("districts", "vocabularies", "units")
HEADER_LINE = 1
DEFINITIONS = "definitions.yml"  # field definitions shared by the sidecars
# What spreadsheets leave around cells: spaces, tabs, no-break spaces, stray BOMs and carriage returns.
_PADDING = " \t\r\n\xa0\ufeff"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, printed as `path:line: column: message`."""

    path: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.column or '-'}: {self.message}"


class DataError(Exception):
    """Raised with every problem found, so the caller can print them all."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the data")
        self.problems = sorted(problems)


@dataclass
class RawTable:
    name: str
    path: Path
    meta: dict
    frame: pd.DataFrame  # all cells as str ("" when empty), index = line number in the file
    problems: list[Problem] = field(default_factory=list)


def load_yaml(path: Path):
    """Parse a YAML file, with libyaml when available: ten times faster than the pure-Python parser, and
    every process reads strings.yml (45 kB: 0.18 CPU-s in pure Python) and the sidecars."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def definitions(data_dir: Path) -> dict:
    """Shared field definitions (data/definitions.yml), by name; empty when the file is absent."""
    path = Path(data_dir) / DEFINITIONS
    return (load_yaml(path) or {}) if path.exists() else {}


def resolve_columns(columns: dict, shared: dict) -> dict:
    """Column specs with each `definition: NAME` replaced by that definition, overridden by the column's own keys."""
    resolved = {}
    for name, spec in columns.items():
        base = shared.get(spec.get("definition"), {}) if "definition" in spec else {}
        resolved[name] = {**base, **{k: v for k, v in spec.items() if k != "definition"}}
    return resolved


def primary_key(meta: dict) -> list[str]:
    """The declared primary key as a list of column names."""
    key = meta.get("primary_key") or []
    return [key] if isinstance(key, str) else list(key)


def metadata(data_dir: Path, name: str, shared: dict | None = None) -> dict:
    """A table's sidecar with shared definitions resolved (`columns` holds complete specs);
    `declared` keeps the columns as written in the sidecar."""
    meta = load_yaml(Path(data_dir) / f"{name}.meta.yml")
    meta["declared"] = meta["columns"]
    meta["columns"] = resolve_columns(meta["columns"], definitions(data_dir) if shared is None else shared)
    return meta


def definition_problems(path: Path, meta: dict, shared: dict) -> list[Problem]:
    """A sidecar column that names a definition data/definitions.yml does not have."""
    return [
        Problem(str(path), 0, column, f"definition {spec['definition']!r} is not in {DEFINITIONS}")
        for column, spec in meta["declared"].items()
        if "definition" in spec and spec["definition"] not in shared
    ]


def decode_utf8(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """File text without a BOM (Excel writes one) and with LF line ends, or a problem naming the line of a bad byte."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig").replace("\r\n", "\n"), []
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return None, [
            Problem(display, line, "", f"not valid UTF-8 (byte 0x{raw[err.start]:02x}); save the file as UTF-8")
        ]


def read_table(data_dir: Path, name: str, shared: dict | None = None) -> RawTable:
    """One table with its resolved sidecar; cells are stripped of spreadsheet padding."""
    shared = definitions(data_dir) if shared is None else shared
    path = data_dir / f"{name}.csv"
    display = str(path)
    meta_path = data_dir / f"{name}.meta.yml"
    if not meta_path.exists():
        return RawTable(
            name,
            path,
            {"columns": {}},
            pd.DataFrame(dtype=str),
            [Problem(str(meta_path), 0, "", "metadata sidecar is missing")],
        )
    meta = metadata(data_dir, name, shared)
    columns = list(meta["columns"])
    problems = definition_problems(meta_path, meta, shared)
    if not path.exists():
        problems += [Problem(display, 0, "", "file is missing")] if name in REQUIRED_TABLES else []
        return RawTable(name, path, meta, pd.DataFrame(columns=columns, dtype=str), problems)
    text, bad = decode_utf8(path, display)
    problems += bad
    if text is None:
        return RawTable(name, path, meta, pd.DataFrame(columns=columns, dtype=str), problems)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip(_PADDING) for h in next(reader, [])]
    rows, lines, start = [], [], HEADER_LINE + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                Problem(
                    display,
                    line,
                    "",
                    f"expected {len(header)} fields as in the header, found {len(row)}"
                    " (a comma inside a cell needs the cell in double quotes)",
                )
            )
            continue
        rows.append([cell.strip(_PADDING) for cell in row])
        lines.append(line)
    for dup in sorted({h for h in header if header.count(h) > 1}):
        problems.append(Problem(display, HEADER_LINE, dup, "column appears more than once in the header"))
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"), dtype=str)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    for col in columns:  # optional columns may be left out of the file
        if col not in frame and not meta["columns"][col].get("required"):
            frame[col] = ""
    return RawTable(name, path, meta, frame, problems)


def read_tables(data_dir: Path) -> dict[str, RawTable]:
    """Every table of the data folder, in TABLES order."""
    shared = definitions(data_dir)
    return {name: read_table(data_dir, name, shared) for name in TABLES}
