"""The curation assistant (`build_report.py suggest`) and the coverage lines of `--check`."""

import csv
import io
import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import DATA, ROOT, cli, read_rows, write_rows

from stpolicy.suggest import (
    QUALIFIER_AFTER,
    QUALIFIER_BEFORE,
    QUALIFIER_TRAILING,
    find_numbers,
    headings,
    statements,
    suggest_rows,
)
from stpolicy.tables import metadata

UNITS = pd.read_csv(DATA / "units.csv", dtype=str)["unit"].tolist()
COLUMNS = list(metadata(DATA, "indicators")["columns"])
CURATED = pd.read_csv(DATA / "indicators.csv", dtype=str, keep_default_na=False)
DOCS = {  # district: (plan year, plan only?, title)
    "zhenhai": (2024, False, "镇海区科学技术局2023年工作总结及2024年工作计划"),
    "dinghai": (2024, True, "舟山市定海区创新深化2024年工作计划"),
}

MADE_UP = """索引号: 001122334/2024-00012
成文日期: 2024-03-15
某区2024年科技工作要点(区科〔2024〕7号)
一、2023年工作回顾
2023年,全区新增高新技术企业35家,技术交易额达到12.5亿元,居全省第二。
1.平台建设。落实“人才金港”新十条,建成“315”创新中心,入选Top200榜单,实施网上技术市场3.0版,完成一期工程。
二、2024年工作目标
(一)主要指标。力争R&D经费占GDP比重达到3.1%,新增科技型中小企业百余家,培训近万人次,引进人才20名左右。
推动营收3亿元以上规上企业研发机构清零,建成全省首个创新中心。
"""


def rows_for(text, district="test", plan_year=2024, plan=True, title=""):
    return suggest_rows(text, district, COLUMNS, UNITS, CURATED.iloc[0:0], plan_year, plan, title)


def test_made_up_source_proposes_statements_only():
    rows = {(r["value"], r["unit"]): r for r in rows_for(MADE_UP)}
    assert set(rows) == {
        ("35", "家"),
        ("12.5", "亿元"),
        ("2", "位"),
        ("3.1", "%"),
        ("100", "家"),
        ("10000", "人次"),
        ("20", "名"),
        ("3", "亿元"),
    }
    # not proposed: the index and document numbers, dates, years, list numbers (一、 1.), the name “315”,
    # Top200, the version 3.0, the phase 一期
    assert rows[("35", "家")]["kind"] == "actual" and rows[("35", "家")]["period"] == "2023"
    assert rows[("2", "位")]["kind"] == "ranking" and rows[("2", "位")]["quote"] == "技术交易额达到12.5亿元,居全省第二"
    assert rows[("3.1", "%")]["kind"] == "target" and rows[("3.1", "%")]["period"] == "2024"
    assert rows[("3.1", "%")]["quote"] == "力争R&D经费占GDP比重达到3.1%"
    assert rows[("3.1", "%")]["section"] == "二、2024年工作目标 > (一)主要指标"
    assert [rows[k]["qualifier"] for k in [("100", "家"), ("10000", "人次"), ("20", "名"), ("35", "家")]] == [
        "over",
        "about",
        "about",
        "exact",
    ]
    assert rows[("3", "亿元")]["kind"] == "threshold"  # whom the goal covers, not a value to reach
    assert all(r["quote"] in MADE_UP for r in rows.values())


def test_excluded_numbers_say_why():
    reasons = {m.written: m.reason for m in find_numbers(MADE_UP, UNITS) if m.reason}
    assert reasons["315"] == "name" and reasons["200"] == "name" and reasons["十条"] == "name"
    assert reasons["2024年"] == "year" and reasons["3.0"] == "version"
    assert reasons["7"] == "document number" and reasons["001122334"] == "document number"
    assert reasons["首个"] == "first of its kind"


def test_made_up_source_without_headings_has_empty_section():
    rows = rows_for("全区创新指数达到85.6,新增孵化器2家以上。\n")
    assert [(r["value"], r["unit"], r["qualifier"], r["section"]) for r in rows] == [
        ("85.6", "", "exact", ""),
        ("2", "家", "at_least", ""),
    ]


def test_heading_numbering_that_restarts_nests():
    text = "二、2023年工作\n三、2024年工作计划\n一、推进平台建设\n(一)聚力推进。新增2家。\n二、推进人才\n"
    paths = [p for _, p in headings(text)]
    assert paths[-2] == ["三、2024年工作计划", "一、推进平台建设", "(一)聚力推进"]
    assert paths[-1] == ["三、2024年工作计划", "二、推进人才"]


@pytest.mark.parametrize("district", DOCS)
def test_recall_on_the_curated_documents(district):
    """Nearly every curated row is proposed with its value, and its quote inside the proposed one."""
    text = (DATA / "sources" / f"{district}.txt").read_text(encoding="utf-8")
    rows = rows_for(text, district, *DOCS[district])
    curated = CURATED[CURATED.district_id == district]
    found = [
        any(abs(float(s["value"]) - float(c.value)) < 1e-9 and c.quote in s["quote"] for s in rows)
        for c in curated.itertuples()
    ]
    assert sum(found) / len(found) >= 0.95
    assert len(rows) <= len(curated) + 5  # few proposals beyond the curated rows (restatements, names)
    assert all(r["quote"] in text and all(p in text for p in r["section"].split(" > ")) for r in rows)


def test_qualifier_rules_follow_the_data_readme():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    rule = re.search(r"\*\*Qualifiers\.\*\* (.*?)`exact`", readme, re.S).group(1)
    documented = {m: code for ms, code in re.findall(r"([^;`→\s]+) → `(\w+)`", rule) for m in ms.split("/")}
    assert documented == {**QUALIFIER_AFTER, **QUALIFIER_BEFORE, **QUALIFIER_TRAILING}


def run(*args):
    return cli(*args)  # in-process; one call below goes through a subprocess, as a user runs it


def run_as_user(*args):
    return subprocess.run(
        [sys.executable, "build_report.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True
    )


def test_cli_suggest_marks_or_leaves_out_curated_rows(tmp_path):
    source = DATA / "sources" / "dinghai.txt"
    everything = run_as_user("suggest", source, "--district", "dinghai")
    assert everything.returncode == 0, everything.stderr
    rows = list(csv.DictReader(io.StringIO(everything.stdout)))
    assert list(rows[0]) == COLUMNS
    assert {r["indicator_id"] for r in rows if r["note"] == "already in indicators.csv"} >= {
        "dinghai-i001",
        "dinghai-i028",
    }
    new = list(csv.DictReader(io.StringIO(run("suggest", source, "--district", "dinghai", "--new-only").stdout)))
    assert new and all(r["note"] == "" and int(r["indicator_id"][-3:]) > 28 for r in new)
    assert len(new) == len(rows) - sum(r["note"] != "" for r in rows)
    missing = run("suggest", tmp_path / "none.txt", "--district", "x")
    assert missing.returncode == 2 and "none.txt:0: -: source text not found" in missing.stderr


def test_check_reports_coverage_per_district(data_copy):
    rows = read_rows(data_copy / "indicators.csv")
    write_rows(data_copy / "indicators.csv", [r for r in rows if r["indicator_id"] != "dinghai-i012"])
    result = run("--check", "--data", data_copy, "--verbose")
    assert result.returncode == 0, result.stderr
    text = (DATA / "sources" / "dinghai.txt").read_text(encoding="utf-8")
    total = len(statements(text, UNITS))
    line = re.search(r"^dinghai: (\d+) of (\d+) numbers in sources/dinghai.txt are covered", result.stdout, re.M)
    assert line and int(line.group(2)) == total and int(line.group(1)) < total
    assert re.search(
        rf"^  {re.escape(str(data_copy))}/sources/dinghai.txt:\d+: 8%: 规上数字经济核心产业制造业增加值增速达到8%$",
        result.stdout,
        re.M,
    )
    assert re.search(r"^zhenhai: \d+ of \d+ numbers", result.stdout, re.M)


def test_cli_suggest_for_a_district_not_yet_in_the_data(tmp_path):
    source = tmp_path / "new.txt"
    source.write_bytes(b"\xef\xbb\xbf" + MADE_UP.replace("\n", "\r\n").encode("utf-8"))  # as Windows saves it
    result = run("suggest", source, "--district", "mouqu")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["indicator_id"] for r in rows[:2]] == ["mouqu-i001", "mouqu-i002"]
    target = next(r for r in rows if r["value"] == "3.1")
    assert (target["period"], target["kind"], target["aspirational"], target["name_zh"]) == (
        "2024",
        "target",
        "true",
        "R&D经费占GDP比重",
    )
    assert all("\r" not in r["quote"] and r["quote"] in MADE_UP for r in rows)
