"""Validate the data folder: pandera schemas built from the metadata sidecars, then the
cross-table and provenance checks (references, verbatim quotes, values in quotes).

All problems are collected and returned together; nothing here raises on bad data.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .cache import digest
from .defaults import fill_defaults, paragraph_of
from .numerals import states_value
from .tables import HEADER_LINE, Problem, RawTable, decode_utf8, primary_key, read_tables

PATH_SEPARATOR = " > "
_DTYPES = {"string": str, "date": str, "integer": "Int64", "number": float}
_COERCE_MESSAGES = {"integer": "is not a whole number", "number": "is not a number"}


def vocabulary_codes(vocab: pd.DataFrame, name: str) -> list[str]:
    """The codes of one vocabulary."""
    return vocab.loc[vocab["vocabulary"] == name, "code"].tolist()


def column_checks(spec: dict, vocab: pd.DataFrame) -> list[pa.Check]:
    """The pandera checks a column's sidecar spec declares (vocabulary, pattern, date, min, max)."""
    checks = []
    if "vocabulary" in spec:
        codes = vocabulary_codes(vocab, spec["vocabulary"])
        checks.append(
            pa.Check.isin(
                codes, error=f"is not a code of vocabulary '{spec['vocabulary']}' (one of: {', '.join(codes)})"
            )
        )
    if "pattern" in spec:
        checks.append(pa.Check.str_matches(spec["pattern"], error=f"does not match the pattern {spec['pattern']}"))
    if spec["type"] == "date":
        checks.append(
            pa.Check(
                lambda s: pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna(),
                error="is not an ISO date (YYYY-MM-DD)",
            )
        )
    if "min" in spec:
        checks.append(pa.Check.ge(spec["min"], error=f"is less than {spec['min']}"))
    if "max" in spec:
        checks.append(pa.Check.le(spec["max"], error=f"is more than {spec['max']}"))
    return checks


def pandera_schema(meta: dict, vocab: pd.DataFrame) -> pa.DataFrameSchema:
    """The table's schema: `required` columns must be in the header and (unless `allow_empty`) filled;
    the primary key is unique (one column: that column; several: their combination)."""
    key = primary_key(meta)
    return pa.DataFrameSchema(
        {
            name: pa.Column(
                _DTYPES[spec["type"]],
                column_checks(spec, vocab),
                coerce=True,
                nullable=not spec.get("required", False) or spec.get("allow_empty", False),
                unique=spec.get("unique", False) or key == [name],
                required=spec.get("required", False),
            )
            for name, spec in meta["columns"].items()
        },
        unique=key if len(key) > 1 else None,
        report_duplicates="all",
        strict=True,
    )


def new_code_hint(vocab_path: Path, vocab_meta: dict, vocab: pd.DataFrame, vocabulary: str, code: str) -> str:
    """How to add an unknown code: the exact row to append to vocabularies.csv, placeholders in capitals."""
    orders = pd.to_numeric(vocab.loc[vocab["vocabulary"] == vocabulary, "sort_order"], errors="coerce")
    known = {
        "vocabulary": vocabulary,
        "code": code,
        "sort_order": str(int(orders.max() + 1) if orders.notna().any() else 1),
    }
    cells = [
        known.get(name, name.upper() if spec.get("required") else "") for name, spec in vocab_meta["columns"].items()
    ]
    return f"; if it is a new code, add this row to {vocab_path}: {','.join(cells)}"


def describe_failure(case: pd.Series, meta: dict) -> tuple[str, str] | None:
    """(column, message) for one pandera failure case, or None for a duplicate report."""
    check, value, column = str(case["check"]), case["failure_case"], case["column"]
    if check == "column_in_dataframe":
        return str(value), "required column is missing from the header"
    if check.startswith("dtype("):
        return None  # repeats the coerce_dtype failure for the same cell
    if check.startswith("coerce_dtype"):
        return column, f"{value!r} {_COERCE_MESSAGES[meta['columns'][column]['type']]}"
    if check == "not_nullable":
        return column, "required value is empty"
    if check == "field_uniqueness":
        return column, f"{value!r} appears more than once (must be unique)"
    return column, f"{value!r} {check}"


def key_problems(table: RawTable, lines: set[int]) -> list[Problem]:
    """One problem per row whose compound primary key repeats another row's."""
    key = primary_key(table.meta)
    frame = table.frame
    problems = []
    for line in sorted(lines):
        values = tuple(frame.at[line, c] for c in key)
        others = [o for o in frame.index[(frame[key] == pd.Series(values, index=key)).all(axis=1)] if o != line]
        problems.append(
            Problem(
                str(table.path),
                line,
                ",".join(key),
                f"{values!r} appears more than once (primary key {', '.join(key)}; also on line "
                f"{', '.join(map(str, others))})",
            )
        )
    return problems


def schema_digest(table: RawTable, vocab_table: RawTable) -> str:
    """What a table's schema check depends on: its cells (as defaults filled them), its sidecar and the
    vocabularies."""

    def content(frame: pd.DataFrame) -> str:  # the cells joined: hashed far faster than by pandas' own hashing
        return "\x1f".join(map(str, [frame.shape, *frame.columns, *frame.index, *frame.to_numpy().ravel()]))

    return digest(content(table.frame), table.meta, content(vocab_table.frame))


_PASSED: set[str] = set()  # schema_digest()s of tables that passed: an unchanged table is not checked again


def schema_problems(table: RawTable, vocab_table: RawTable) -> list[Problem]:
    """Problems pandera finds against the sidecar's schema, one per cell (one per row for a compound key).
    A table that passed is remembered by its content (schema_digest): a folder validated again after an
    edit (a notebook's check after each added row, a copy of the data with one cell changed) checks only
    the tables that changed. pandera's checks are half of validate()'s time."""
    key = schema_digest(table, vocab_table)
    if key in _PASSED:
        return []
    frame = table.frame.replace("", pd.NA)
    vocab = vocab_table.frame
    try:
        pandera_schema(table.meta, vocab).validate(frame, lazy=True)
        _PASSED.add(key)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    problems, duplicate_lines = [], set()
    for _, case in cases.iterrows():
        line = HEADER_LINE if pd.isna(case["index"]) else int(case["index"])
        if case["check"] == "multiple_fields_uniqueness":
            duplicate_lines.add(line)
            continue
        described = describe_failure(case, table.meta)
        if described:
            column, message = described
            vocabulary = table.meta["columns"].get(column, {}).get("vocabulary")
            if vocabulary and "is not a code of vocabulary" in message:
                message += new_code_hint(vocab_table.path, vocab_table.meta, vocab, vocabulary, case["failure_case"])
            problems.append(Problem(str(table.path), line, column, message))
    return problems + key_problems(table, duplicate_lines)


# --- cross-table checks -------------------------------------------------------------------


def cells(table: RawTable, column: str):
    """(line, value) for every non-empty cell of a column."""
    if column not in table.frame:
        return
    for line, value in table.frame[column].items():
        if value != "":
            yield line, value


def reference_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """Values of `references` columns that the referenced table does not have."""
    problems = []
    for table in tables.values():
        for column, spec in table.meta["columns"].items():
            if "references" not in spec:
                continue
            target_name, target_column = spec["references"].split(".")
            known = set(tables[target_name].frame.get(target_column, pd.Series(dtype=str)))
            separator = spec.get("list_separator")
            for line, value in cells(table, column):
                for item in value.split(separator) if separator else [value]:
                    if item.strip() not in known:
                        problems.append(
                            Problem(
                                str(table.path),
                                line,
                                column,
                                f"{item.strip()!r} is not in {target_name}.csv ({target_column})",
                            )
                        )
    return problems


def load_sources(data_dir: Path, districts: RawTable) -> tuple[dict[str, str], list[Problem]]:
    """The districts' source texts, and problems with missing or undecodable files."""
    texts, problems = {}, []
    for line, row in districts.frame.iterrows():
        path = data_dir / row.get("source_file", "")
        if not row.get("source_file") or not path.is_file():
            problems.append(Problem(str(districts.path), line, "source_file", f"source text {str(path)!r} not found"))
            continue
        text, bad = decode_utf8(path, str(path))
        problems += bad
        if text is not None:
            texts[row["district_id"]] = text
    return texts, problems


def provenance_problems(tables: dict[str, RawTable], sources: dict[str, str]) -> list[Problem]:
    """Quotes occur verbatim in their district's source; section paths too (a part may also be the
    document's title, for a document without headings)."""
    districts = tables["districts"].frame
    titles = dict(zip(districts.get("district_id", []), districts.get("doc_title_zh", []), strict=True))
    problems = []
    for table in tables.values():
        if "district_id" not in table.frame or table.name == "districts":
            continue
        for column, spec in table.meta["columns"].items():
            if not (spec.get("verbatim") or spec.get("verbatim_path")):
                continue
            for line, value in cells(table, column):
                row_district = table.frame.at[line, "district_id"]
                source = sources.get(row_district)
                if source is None:
                    continue  # unknown district or unreadable source: reported elsewhere
                parts = value.split(PATH_SEPARATOR) if spec.get("verbatim_path") else [value]
                for part in parts:
                    if part not in source and not (spec.get("verbatim_path") and part == titles.get(row_district)):
                        problems.append(
                            Problem(
                                str(table.path),
                                line,
                                column,
                                f"{part!r} is not found verbatim in the district's source text",
                            )
                        )
    return problems


def digit_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """Stored prose must not state numbers: those are generated from the tables."""
    return [
        Problem(
            str(table.path),
            line,
            column,
            "states a number; write it without digits (the report adds numbers from the data)",
        )
        for table in tables.values()
        for column, spec in table.meta["columns"].items()
        if spec.get("no_digits")
        for line, value in cells(table, column)
        if re.search(r"\d", value)
    ]


def indicator_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """Values not stated in their quote; rows sharing a compare_key in different units."""
    table = tables["indicators"]
    problems = []
    for line, row in table.frame.iterrows():
        try:
            value = float(row["value"])
        except (KeyError, ValueError):
            continue  # reported by the schema
        if row.get("quote") and not states_value(row["quote"], value):
            problems.append(
                Problem(
                    str(table.path),
                    line,
                    "value",
                    f"{row['value']} does not occur in the quote (Arabic or Chinese numerals)",
                )
            )
    keyed = table.frame[table.frame.get("compare_key", pd.Series(dtype=str)).fillna("") != ""]
    for key, group in keyed.groupby("compare_key"):
        if group["unit"].nunique() > 1:
            for line in group.index:
                problems.append(
                    Problem(
                        str(table.path),
                        line,
                        "compare_key",
                        f"rows with compare_key {key!r} use different units "
                        f"({', '.join(sorted(group['unit'].unique()))}); they are not comparable",
                    )
                )
    return problems


def sub_tool_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """A sub-tool belongs to the policy tool beside it, in every table that codes both (first and second coding)."""
    vocab = tables["vocabularies"].frame
    sub_tools = vocab[vocab["vocabulary"] == "sub_tool"]
    parents = dict(zip(sub_tools["code"], sub_tools["parent"], strict=True))
    return [
        Problem(
            str(table.path),
            line,
            "sub_tool",
            f"{row['sub_tool']!r} belongs to policy_tool {parents[row['sub_tool']]!r}, not {row['policy_tool']!r}",
        )
        for table in tables.values()
        if {"policy_tool", "sub_tool"} <= set(table.frame.columns)
        for line, row in table.frame.iterrows()
        if parents.get(row["sub_tool"]) and parents[row["sub_tool"]] != row["policy_tool"]
    ]


def tool_code_problems(tables: dict[str, RawTable], sources: dict[str, str]) -> list[Problem]:
    """Sub-tools under the wrong tool; clauses of another district or outside their measure's paragraph."""
    codes, measures = tables["tool_codes"], tables["measures"].frame
    measure_rows = measures.set_index("measure_id") if "measure_id" in measures else pd.DataFrame()
    problems = []
    for line, row in codes.frame.iterrows():
        if row.get("measure_id") not in measure_rows.index:
            continue  # reported as a broken reference
        measure = measure_rows.loc[row["measure_id"]]
        if measure["district_id"] != row.get("district_id"):
            problems.append(
                Problem(
                    str(codes.path),
                    line,
                    "district_id",
                    f"{row.get('district_id')!r} differs from the district of {row['measure_id']} "
                    f"({measure['district_id']!r})",
                )
            )
        source = sources.get(measure["district_id"])
        if source and row.get("quote") and row["quote"] not in paragraph_of(source, measure["quote"]):
            problems.append(
                Problem(
                    str(codes.path), line, "quote", f"clause is not in the paragraph of measure {row['measure_id']}"
                )
            )
    return problems


def second_coding_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """A second coding row names the district of the clause it codes."""
    second, first = tables["second_coding"], tables["tool_codes"].frame
    district_of = dict(zip(first.get("code_id", []), first.get("district_id", []), strict=True))
    return [
        Problem(
            str(second.path),
            line,
            "district_id",
            f"{row['district_id']!r} differs from the district of {row['code_id']} ({district_of[row['code_id']]!r})",
        )
        for line, row in second.frame.iterrows()
        if row["code_id"] in district_of and row["district_id"] != district_of[row["code_id"]]
    ]


def measure_problems(tables: dict[str, RawTable], sources: dict[str, str]) -> list[Problem]:
    """Named agencies occur in the agency quote (or, without one, in the measure's paragraph)."""
    table = tables["measures"]
    problems = []
    for line, row in table.frame.iterrows():
        named = [a.strip() for a in [row.get("lead_agency", ""), *row.get("co_agencies", "").split(";")] if a.strip()]
        if row.get("lead_agency_source") == "named":
            quoted = row.get("agency_quote", "")
            where, text = ("agency_quote", quoted) if quoted else ("quote", None)
            if text is None:
                text = paragraph_of(sources.get(row.get("district_id"), ""), row.get("quote", ""))
            for agency in named:
                if agency not in text:
                    problems.append(
                        Problem(
                            str(table.path),
                            line,
                            where,
                            f"agency {agency!r} is not in the agency quote"
                            if quoted
                            else f"agency {agency!r} is not named in the measure's paragraph (give an agency_quote)",
                        )
                    )
        if row.get("lead_agency_source") == "not_named" and named:
            problems.append(
                Problem(str(table.path), line, "lead_agency", "agencies are given but lead_agency_source is not_named")
            )
    return problems


def programme_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """Programme names that do not occur in their quote."""
    table = tables["programmes"]
    return [
        Problem(str(table.path), line, "name_zh", f"{row['name_zh']!r} does not occur in the quote")
        for line, row in table.frame.iterrows()
        if row.get("name_zh") and row.get("quote") and row["name_zh"] not in row["quote"]
    ]


def registry_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """Columns declared `registry: section` hold section ids of stpolicy/registry.yml."""
    from .registry import registry

    ids = registry().ids
    return [
        Problem(
            str(table.path), line, column, f"{value!r} is not a section of stpolicy/registry.yml ({', '.join(ids)})"
        )
        for table in tables.values()
        for column, spec in table.meta["columns"].items()
        if spec.get("registry") == "section"
        for line, value in cells(table, column)
        if value not in ids
    ]


def vocabulary_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """Sub-tools whose parent is not a policy_tool code."""
    vocab = tables["vocabularies"]
    tools = set(vocabulary_codes(vocab.frame, "policy_tool"))
    return [
        Problem(str(vocab.path), line, "parent", f"sub_tool parent {row['parent']!r} is not a policy_tool code")
        for line, row in vocab.frame.iterrows()
        if row.get("vocabulary") == "sub_tool" and row.get("parent") not in tools
    ]


def validate(data_dir: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read and check everything; returns the raw tables and every problem found."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return {}, [Problem(str(data_dir), 0, "", "data folder not found")]
    tables = read_tables(data_dir)
    problems = [p for t in tables.values() for p in t.problems]
    sources, source_problems = load_sources(data_dir, tables["districts"])
    problems += source_problems
    fill_defaults(tables, sources)
    for table in tables.values():
        problems += schema_problems(table, tables["vocabularies"])
    problems += reference_problems(tables)
    problems += provenance_problems(tables, sources)
    problems += digit_problems(tables)
    problems += indicator_problems(tables)
    problems += sub_tool_problems(tables)
    problems += tool_code_problems(tables, sources)
    problems += second_coding_problems(tables)
    problems += measure_problems(tables, sources)
    problems += programme_problems(tables)
    problems += vocabulary_problems(tables)
    problems += registry_problems(tables)
    return tables, sorted(set(problems))
