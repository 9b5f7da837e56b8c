"""The curated data passes validation, and each kind of mistake is reported at the right place."""

import re
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import DATA, ROOT, read_rows, set_cell, write_rows

from stpolicy.datadocs import render
from stpolicy.defaults import DERIVATIONS
from stpolicy.numerals import chinese_to_number, numbers_in
from stpolicy.tables import metadata, primary_key
from stpolicy.validate import validate

QUOTED_TABLES = {
    "indicators": ["quote"],
    "measures": ["quote", "agency_quote"],
    "tool_codes": ["quote"],
    "programmes": ["quote"],
}


def messages(data_dir):
    _, problems = validate(data_dir)
    return [str(p) for p in problems]


def test_real_data_is_valid():
    assert messages(DATA) == []


def test_every_quote_is_verbatim_in_its_source():
    districts = pd.read_csv(DATA / "districts.csv", dtype=str)
    files = zip(districts.district_id, districts.source_file, strict=True)
    sources = {d: (DATA / f).read_text(encoding="utf-8") for d, f in files}
    checked = 0
    for table, columns in QUOTED_TABLES.items():
        frame = pd.read_csv(DATA / f"{table}.csv", dtype=str, keep_default_na=False)
        for _, row in frame.iterrows():
            for column in columns:
                if row[column]:
                    assert row[column] in sources[row["district_id"]], (table, row.iloc[0], column)
                    checked += 1
    assert checked > 300


def test_known_values_from_the_sources():
    ind = pd.read_csv(DATA / "indicators.csv", dtype={"value": float})

    def value(district, name_en, kind):
        rows = ind[(ind.district_id == district) & (ind.name_en == name_en) & (ind.kind == kind)]
        assert len(rows) == 1, (district, name_en, kind)
        return rows.iloc[0]

    assert value("zhenhai", "R&D expenditure as share of GDP", "actual").value == 3.4
    assert value("zhenhai", "R&D expenditure as share of GDP", "target").value == 3.42
    assert value("dinghai", "R&D expenditure as share of GDP", "target").value == 2.3
    # The kind says stretch target; the name does not repeat it (the report prints both side by side).
    assert value("dinghai", "R&D expenditure as share of GDP", "stretch_target").value == 2.5
    combined = value(
        "dinghai", "New certified high-tech enterprises and provincial technology-based SMEs, combined", "target"
    )
    assert (combined.value, combined.qualifier) == (59, "at_least")
    assert value("zhenhai", "Technology transaction value", "actual").value == 67.08
    assert len(ind) > 100


def test_measure_counts_match_the_documents():
    measures = pd.read_csv(DATA / "measures.csv", dtype=str)
    dinghai = measures[measures.district_id == "dinghai"]
    assert (dinghai.section.str.startswith("二、重点任务")).sum() == 17
    assert (dinghai.section == "三、保障措施").sum() == 3
    assert (measures.district_id == "zhenhai").sum() == 15


@pytest.mark.parametrize(
    "text, expected",
    [
        ("第一", 1),
        ("两家", 2),
        ("百余场", 100),
        ("近万人", 10000),
        ("二十", 20),
        ("十二", 12),
        ("三百零五", 305),
        ("一万二千", 12000),
    ],
)
def test_chinese_numerals(text, expected):
    assert float(expected) in numbers_in(text)


def test_chinese_to_number_units():
    assert chinese_to_number("两亿") == 200_000_000
    assert chinese_to_number("千") == 1000


# --- each mistake, reported at its line ---------------------------------------------------


def test_quote_not_in_source(data_copy):
    line = set_cell(
        data_copy / "indicators.csv", "indicator_id", "zhenhai-i004", "quote", "2022年度全区R&D经费占GDP比重达3.5%"
    )
    assert any(
        m.startswith(f"{data_copy}/indicators.csv:{line}: quote: ") and "not found verbatim" in m
        for m in messages(data_copy)
    )


def test_value_not_in_quote(data_copy):
    line = set_cell(data_copy / "indicators.csv", "indicator_id", "dinghai-i001", "value", "2.4")
    assert (
        f"{data_copy}/indicators.csv:{line}: value: 2.4 does not occur in the quote (Arabic or Chinese numerals)"
        in messages(data_copy)
    )


def test_value_not_a_number(data_copy):
    line = set_cell(data_copy / "indicators.csv", "indicator_id", "dinghai-i003", "value", "17.5亿")
    assert f"{data_copy}/indicators.csv:{line}: value: '17.5亿' is not a number" in messages(data_copy)


def test_unknown_vocabulary_code(data_copy):
    line = set_cell(data_copy / "indicators.csv", "indicator_id", "zhenhai-i010", "theme", "R&D")
    assert any(
        m.startswith(f"{data_copy}/indicators.csv:{line}: theme: 'R&D' is not a code of vocabulary 'theme'")
        for m in messages(data_copy)
    )


def test_unknown_district(data_copy):
    line = set_cell(data_copy / "programmes.csv", "programme_id", "dinghai-p03", "district_id", "dinghia")
    assert (
        f"{data_copy}/programmes.csv:{line}: district_id: 'dinghia' is not in districts.csv (district_id)"
        in messages(data_copy)
    )


def test_unknown_measure_in_tool_codes(data_copy):
    line = set_cell(data_copy / "tool_codes.csv", "code_id", "dinghai-c001", "measure_id", "dinghai-m99")
    assert (
        f"{data_copy}/tool_codes.csv:{line}: measure_id: 'dinghai-m99' is not in measures.csv (measure_id)"
        in messages(data_copy)
    )


def test_sub_tool_of_another_tool(data_copy):
    line = set_cell(data_copy / "tool_codes.csv", "code_id", "zhenhai-c002", "sub_tool", "tax_incentives")
    assert (
        f"{data_copy}/tool_codes.csv:{line}: sub_tool: 'tax_incentives' belongs to policy_tool 'environment', "
        "not 'supply'" in messages(data_copy)
    )


def test_clause_from_another_measure(data_copy):
    line = set_cell(data_copy / "tool_codes.csv", "code_id", "zhenhai-c001", "measure_id", "zhenhai-m02")
    assert (
        f"{data_copy}/tool_codes.csv:{line}: quote: clause is not in the paragraph of measure zhenhai-m02"
        in messages(data_copy)
    )


def test_duplicate_id(data_copy):
    line = set_cell(data_copy / "indicators.csv", "indicator_id", "zhenhai-i002", "indicator_id", "zhenhai-i001")
    found = messages(data_copy)
    assert (
        f"{data_copy}/indicators.csv:{line}: indicator_id: 'zhenhai-i001' appears more than once (must be unique)"
        in found
    )
    assert (
        f"{data_copy}/indicators.csv:2: indicator_id: 'zhenhai-i001' appears more than once (must be unique)" in found
    )


def test_section_not_in_source(data_copy):
    line = set_cell(
        data_copy / "indicators.csv", "indicator_id", "dinghai-i020", "section", "二、重点任务 > 3.关键技术"
    )
    assert (
        f"{data_copy}/indicators.csv:{line}: section: '3.关键技术' is not found verbatim in the district's source text"
        in messages(data_copy)
    )


def test_compare_key_with_different_units(data_copy):
    line = set_cell(
        data_copy / "indicators.csv", "indicator_id", "dinghai-i003", "compare_key", "tech_transaction_value"
    )
    assert (
        any(
            m.startswith(
                f"{data_copy}/indicators.csv:{line}: compare_key: rows with compare_key 'tech_transaction_value'"
            )
            for m in messages(data_copy)
        )
        is False
    )  # same unit (亿元): comparable
    line = set_cell(
        data_copy / "indicators.csv", "indicator_id", "dinghai-i004", "compare_key", "tech_transaction_value"
    )
    assert any(
        m.startswith(
            f"{data_copy}/indicators.csv:{line}: compare_key: "
            "rows with compare_key 'tech_transaction_value' use different units"
        )
        for m in messages(data_copy)
    )


def test_bad_date(data_copy):
    line = set_cell(data_copy / "districts.csv", "district_id", "dinghai", "doc_date", "2024/05/18")
    assert f"{data_copy}/districts.csv:{line}: doc_date: '2024/05/18' is not an ISO date (YYYY-MM-DD)" in messages(
        data_copy
    )


def test_missing_required_column(data_copy):
    rows = read_rows(data_copy / "programmes.csv")
    for r in rows:
        del r["type"]
    write_rows(data_copy / "programmes.csv", rows)
    assert f"{data_copy}/programmes.csv:1: type: required column is missing from the header" in messages(data_copy)


def test_unquoted_comma_breaks_a_row(data_copy):
    path = data_copy / "units.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("10 million (yuan)", "10 million, yuan")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n = len(lines[0].split(","))
    assert any(
        m.startswith(f"{path}:4: -: expected {n} fields as in the header, found {n + 1}") for m in messages(data_copy)
    )


def test_missing_source_file(data_copy):
    (data_copy / "sources" / "dinghai.txt").unlink()
    assert any(m.startswith(f"{data_copy}/districts.csv:3: source_file: source text ") for m in messages(data_copy))


def test_source_not_utf8(data_copy):
    path = data_copy / "sources" / "zhenhai.txt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    assert any(m.startswith(f"{path}:1: -: not valid UTF-8") for m in messages(data_copy))


def test_csv_not_utf8_points_at_the_line(data_copy):
    path = data_copy / "programmes.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))  # header is ASCII; row 1 is not
    assert any(m.startswith(f"{path}:2: -: not valid UTF-8") for m in messages(data_copy))


def test_bom_is_accepted(data_copy):
    path = data_copy / "indicators.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert messages(data_copy) == []


def test_partial_data_is_valid(data_copy):
    """A district with indicators but no measures (or codes, or programmes) is valid."""
    for table in ("measures", "tool_codes", "second_coding", "programmes"):
        path = data_copy / f"{table}.csv"
        rows = read_rows(path)
        write_rows(path, [r for r in rows if r["district_id"] != "dinghai"], list(rows[0]))
    assert messages(data_copy) == []


def test_all_problems_in_one_run(data_copy):
    set_cell(data_copy / "indicators.csv", "indicator_id", "zhenhai-i010", "kind", "goal")
    set_cell(data_copy / "measures.csv", "measure_id", "dinghai-m05", "lead_agency", "区科委")
    found = messages(data_copy)
    assert any("indicators.csv" in m and ": kind: 'goal'" in m for m in found)
    assert any("measures.csv" in m and ": lead_agency: '区科委' is not in agencies.csv" in m for m in found)


def test_cli_check_exit_codes(data_copy):
    ok = subprocess.run(
        [sys.executable, "build_report.py", "--check", "--data", str(data_copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    line = set_cell(data_copy / "indicators.csv", "indicator_id", "dinghai-i001", "value", "2.4")
    bad = subprocess.run(
        [sys.executable, "build_report.py", "--check", "--data", str(data_copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert re.search(rf"^{re.escape(str(data_copy))}/indicators.csv:{line}: value: ", bad.stderr, re.M)


# --- documentation cannot drift --------------------------------------------------------------

META_SCHEMA_KEYS = {"title", "description", "source", "primary_key", "columns"}
COLUMN_KEYS = {
    "type",
    "required",
    "description",
    "unique",
    "pattern",
    "vocabulary",
    "registry",
    "references",
    "min",
    "max",
    "verbatim",
    "verbatim_path",
    "list_separator",
    "no_digits",
    "definition",
    "allow_empty",
    "default",
}


@pytest.mark.parametrize("meta_path", sorted(DATA.glob("*.meta.yml")), ids=lambda p: p.name)
def test_metadata_sidecar_is_complete(meta_path):
    raw = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    assert set(raw) == META_SCHEMA_KEYS
    assert all(isinstance(raw[k], str) and raw[k] for k in ("title", "description", "source"))
    meta = metadata(DATA, meta_path.name.replace(".meta.yml", ""))
    for name, spec in meta["columns"].items():
        assert set(raw["columns"][name]) <= COLUMN_KEYS, (name, set(raw["columns"][name]) - COLUMN_KEYS)
        assert spec["type"] in {"string", "integer", "number", "date"} and spec["description"], name
        assert isinstance(spec.get("default"), dict) or spec.get("default") in (None, *DERIVATIONS), name
        assert not (spec.get("default") and spec.get("required")), f"{name}: a column with a default is optional"
    assert set(primary_key(meta)) <= set(meta["columns"])
    header = (
        (DATA / meta_path.name.replace(".meta.yml", ".csv")).read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    )
    assert header == list(meta["columns"]), "CSV header and metadata columns differ"


def test_data_dictionary_documents_every_column():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for meta_path in sorted(DATA.glob("*.meta.yml")):
        table = meta_path.name.replace(".meta.yml", "")
        section = re.search(rf"^### `{table}\.csv`\n(.*?)(?=^### |\Z)", readme, re.S | re.M)
        assert section, f"data/README.md has no section ### `{table}.csv`"
        documented = re.findall(r"^\| `([a-z_]+)` \|", section.group(1), re.M)
        assert documented == list(yaml.safe_load(meta_path.read_text(encoding="utf-8"))["columns"]), table


# --- issue 9 data model: clause themes, scope, aspiration, agencies --------------------------


def test_out_of_scope_clauses_are_exactly_the_out_of_scope_themes():
    codes = pd.read_csv(DATA / "tool_codes.csv", dtype=str)
    out = codes[codes.in_scope == "false"]
    assert set(out.theme) == {"party_admin", "culture_tourism"}
    assert not codes[(codes.in_scope == "true") & codes.theme.isin(["party_admin", "culture_tourism"])].size
    # Zhenhai's Party-building and integrity measures, Dinghai's culture measure: wholly out of scope
    for measure in ("zhenhai-m13", "zhenhai-m14", "zhenhai-m15", "dinghai-m14"):
        assert (codes[codes.measure_id == measure].in_scope == "false").all(), measure


def test_clause_themes_record_finance_in_zhenhai_and_enterprises_in_dinghai():
    codes = pd.read_csv(DATA / "tool_codes.csv", dtype=str)
    zh_fin = codes[(codes.district_id == "zhenhai") & (codes.theme == "finance")].quote
    assert any("成果贷" in q for q in zh_fin) and any("科技贷" in q for q in zh_fin)
    dh_ent = codes[(codes.district_id == "dinghai") & (codes.theme == "enterprises")].quote
    assert any("专精特新" in q for q in dh_ent)


def test_aspiration_follows_the_wording():
    ind = pd.read_csv(DATA / "indicators.csv", dtype=str, keep_default_na=False)
    assert set(ind.aspirational) == {"true", "false"}
    worded = ind.quote.str.contains("力争|争取")
    assert (ind[worded].aspirational == "true").all()  # every quote with 力争/争取 is flagged
    flagged_without_word = ind[(ind.aspirational == "true") & ~worded]
    assert flagged_without_word.indicator_id.tolist() == ["dinghai-i015"]  # the elliptical clause (README)
    assert (ind[ind.kind.isin(["actual", "ranking"])].aspirational == "false").all()


def test_comparable_pairs_are_like_for_like():
    ind = pd.read_csv(DATA / "indicators.csv", dtype=str).set_index("indicator_id")
    comp = pd.read_csv(DATA / "comparability.csv", dtype=str)
    for _, c in comp[comp.comparable == "yes"].iterrows():
        left, right = ind.loc[c.left_indicator_id], ind.loc[c.right_indicator_id]
        assert left.aspirational == right.aspirational, c.comparison_id
        assert left.period == right.period and left.compare_key == right.compare_key, c.comparison_id
    rd = comp.set_index("comparison_id").loc["rd_gdp_2024"]
    assert (ind.loc[rd.left_indicator_id, "value"], ind.loc[rd.right_indicator_id, "value"]) == ("3.42", "2.5")


def test_agency_aliases_share_one_id_and_one_chinese_name():
    ag = pd.read_csv(DATA / "agencies.csv", dtype=str, keep_default_na=False)
    assert ag.groupby("agency_id").name_zh.nunique().max() == 1
    ids = ag.set_index("name_as_written").agency_id
    assert ids["区经济和信息化局"] == ids["区经信局"]
    assert ids["区府办〔金融办〕"] == ids["区府办〔区金融办〕"]
    assert ag.set_index("name_as_written").loc[["各有关镇(街)", "产业平台"], "kind"].tolist() == ["place", "platform"]


def test_later_columns_are_derived_when_left_out(data_copy):
    from stpolicy.data import load

    for table, drop in {
        "tool_codes": ["theme", "in_scope"],
        "indicators": ["aspirational"],
        "agencies": ["name_zh", "kind"],
    }.items():
        rows = read_rows(data_copy / f"{table}.csv")
        write_rows(data_copy / f"{table}.csv", [{k: v for k, v in r.items() if k not in drop} for r in rows])
    assert messages(data_copy) == []
    ds = load(data_copy)
    measure_theme = ds.measures.set_index("measure_id").theme
    assert (ds.tool_codes.theme == ds.tool_codes.measure_id.map(measure_theme)).all()
    assert ds.tool_codes.in_scope.all()
    ind = ds.indicators.set_index("indicator_id")
    assert ind.at["zhenhai-i086", "aspirational"] and not ind.at["dinghai-i001", "aspirational"]
    assert (ds.agencies.name_zh == ds.agencies.name_as_written).all() and set(ds.agencies.kind) == {"agency"}


# --- sidecars that enforce what they declare; spreadsheet output tolerated ---------------------


def test_duplicate_compound_primary_key(data_copy):
    path = data_copy / "vocabularies.csv"
    rows = read_rows(path)
    index = next(i for i, r in enumerate(rows) if (r["vocabulary"], r["code"]) == ("kind", "target"))
    rows.append(dict(rows[index], label_en="Target again"))
    write_rows(path, rows)
    found = messages(data_copy)
    first, again = index + 2, len(rows) + 1
    assert (
        f"{path}:{again}: vocabulary,code: ('kind', 'target') appears more than once "
        f"(primary key vocabulary, code; also on line {first})" in found
    )
    assert any(m.startswith(f"{path}:{first}: vocabulary,code: ('kind', 'target') appears more") for m in found)


def test_same_code_in_two_vocabularies_is_fine():
    vocab = pd.read_csv(DATA / "vocabularies.csv", dtype=str)
    assert not vocab.duplicated(["vocabulary", "code"]).any()


def test_crlf_padding_and_bom_are_tolerated(data_copy):
    for name in ("indicators", "measures", "districts"):
        path = data_copy / f"{name}.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        header = ",".join(f"{h} " for h in lines[0].split(","))  # trailing spaces in the header
        body = [re.sub(r"^(zhenhai|dinghai)(-[imc]\d+)?,", r"\1\2 ,", line) for line in lines[1:]]  # and in ids
        path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([header, *body, ""]).encode("utf-8"))
    source = data_copy / "sources" / "dinghai.txt"
    source.write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
    assert messages(data_copy) == []


def test_unknown_doc_type_names_the_row_to_add(data_copy):
    line = set_cell(data_copy / "districts.csv", "district_id", "dinghai", "doc_type", "annual_report")
    found = [m for m in messages(data_copy) if ": doc_type: " in m]
    assert len(found) == 1 and found[0].startswith(
        f"{data_copy}/districts.csv:{line}: doc_type: 'annual_report' is not a code of vocabulary 'doc_type'"
    )
    assert found[0].endswith(
        f"add this row to {data_copy}/vocabularies.csv: doc_type,annual_report,LABEL_EN,LABEL_ZH,,,3,DESCRIPTION_EN,"
    )


def test_unknown_definition_is_reported(data_copy):
    path = data_copy / "glossary.meta.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  gloss_en: {", "  gloss_en: {definition: gloss, "))
    assert f"{path}:0: gloss_en: definition 'gloss' is not in definitions.yml" in messages(data_copy)


def test_shared_definitions_are_used():
    """district_id, quote and section are defined once and referenced by every table that has them."""
    shared = yaml.safe_load((DATA / "definitions.yml").read_text(encoding="utf-8"))
    for meta_path in sorted(DATA.glob("*.meta.yml")):
        columns = yaml.safe_load(meta_path.read_text(encoding="utf-8"))["columns"]
        for name in ("quote", "section", "district_id"):
            if name in columns and meta_path.name not in ("districts.meta.yml", "narrative.meta.yml"):
                assert columns[name].get("definition") == name, (meta_path.name, name)
                assert set(columns[name]) <= {"definition", "description"}, (meta_path.name, name)
    assert {"district_id", "quote", "section"} <= set(shared)


def test_data_readme_is_generated_from_sidecars_and_data():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert render(readme, DATA) == readme, "data/README.md is out of date: run `python scripts/data_docs.py`"


def test_data_readme_goes_stale_when_data_changes(data_copy):
    readme = (data_copy / "README.md").read_text(encoding="utf-8")
    rows = read_rows(data_copy / "glossary.csv")
    write_rows(data_copy / "glossary.csv", rows[:-1])
    updated = render(readme, data_copy)
    assert updated != readme and f"| `glossary` |  |  | {len(rows) - 1} |" in updated


def test_validation_is_kept_per_folder_until_the_folder_changes(data_copy, monkeypatch):
    """Going back and forth between data/ and a copy (as the workshop's notebooks do) validates each once;
    an edit to one of them validates it anew."""
    from stpolicy import data

    folders = []
    monkeypatch.setattr(data, "_validated", {})
    monkeypatch.setattr(data, "validate", lambda folder: folders.append(folder) or ({}, []))
    for folder in (DATA, data_copy, DATA, data_copy):
        data.validated(folder)
    assert len(folders) == 2
    set_cell(data_copy / "districts.csv", "district_id", "dinghai", "name_en", "Dinghai Edited District")
    data.validated(data_copy)
    data.validated(DATA)
    assert len(folders) == 3


def test_schema_checks_only_the_tables_that_changed_and_still_finds_a_new_mistake(data_copy, monkeypatch):
    """A table that passed its schema is not checked again while its content, sidecar and the vocabularies
    are unchanged: the second validation checks only the edited table, and finds its mistake."""
    from stpolicy import validate as module

    monkeypatch.setattr(module, "_PASSED", set())
    checked = []
    schema = module.pandera_schema
    monkeypatch.setattr(
        module, "pandera_schema", lambda meta, vocab: checked.append(meta["title"]) or schema(meta, vocab)
    )
    assert messages(data_copy) == [] and len(checked) == len(list(data_copy.glob("*.csv")))
    checked.clear()
    line = set_cell(data_copy / "districts.csv", "district_id", "dinghai", "doc_date", "2024/05/18")
    assert messages(data_copy) == [
        f"{data_copy}/districts.csv:{line}: doc_date: '2024/05/18' is not an ISO date (YYYY-MM-DD)"
    ]
    assert checked == [metadata(data_copy, "districts")["title"]]
