"""An analyst adds a district with only the columns the data interface first defined (issue 2):
no measure_no, theme or lead_agency_source in measures, an index without a unit, a source
without headings. It validates, later columns get their derived defaults, and it builds, beside a third
district written with today's columns whose charts all draw."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from browser import open_offline
from conftest import DATA, build_or_fail, once, read_rows, write_rows

from stpolicy.validate import validate

# The columns issue 2 specified for the four tables an analyst fills for a new district.
ORIGINAL_COLUMNS = {
    "districts": [
        "district_id",
        "name_zh",
        "name_en",
        "city_zh",
        "city_en",
        "province_zh",
        "province_en",
        "doc_title_zh",
        "doc_title_en",
        "issuer_zh",
        "issuer_en",
        "doc_date",
        "doc_type",
        "plan_period",
        "source_file",
    ],
    "indicators": [
        "indicator_id",
        "district_id",
        "period",
        "kind",
        "theme",
        "name_zh",
        "name_en",
        "value",
        "unit",
        "qualifier",
        "quote",
        "section",
        "compare_key",
        "note",
    ],
    "measures": ["measure_id", "district_id", "section", "title_zh", "title_en", "lead_agency", "co_agencies", "quote"],
    "tool_codes": ["code_id", "measure_id", "district_id", "policy_tool", "sub_tool", "value_chain_stage", "quote"],
    "programmes": ["district_id", "name_zh", "name_en", "type", "quote"],
}

TITLE = "新区2024年科技创新工作要点"
SOURCE = (  # no headings at all, and the title is not in the text
    "2024年,新区区域创新指数达到85.6,新增高新技术企业20家以上。\n"
    "推进科技企业孵化器建设。由区科技局牵头,新建科技企业孵化器2家,完善孵化服务体系。\n"
    "加大企业研发投入后补助力度,引导企业加大研发投入。\n"
)


def original_interface(data: Path) -> None:
    """Rewrite the four tables with only their original columns, then add district xinqu."""
    rows = {
        name: [{c: r.get(c, "") for c in cols} for r in read_rows(data / f"{name}.csv")]
        for name, cols in ORIGINAL_COLUMNS.items()
    }
    (data / "sources" / "xinqu.txt").write_text(SOURCE, encoding="utf-8")
    rows["districts"].append(
        {
            **rows["districts"][1],
            "district_id": "xinqu",
            "name_zh": "新区",
            "name_en": "Xinqu District",
            "doc_title_zh": TITLE,
            "doc_title_en": "Xinqu District: 2024 S&T Innovation Priorities",
            "issuer_zh": "新区科学技术局",
            "issuer_en": "Xinqu District Science and Technology Bureau",
            "doc_date": "2024-03-01",
            "source_file": "sources/xinqu.txt",
        }
    )
    base = {"district_id": "xinqu", "period": "2024", "kind": "target", "compare_key": "", "note": ""}
    rows["indicators"] += [
        {
            **base,
            "indicator_id": "xinqu-i001",
            "theme": "other",
            "name_zh": "区域创新指数",
            "name_en": "Regional innovation index",
            "value": "85.6",
            "unit": "",  # dimensionless
            "qualifier": "exact",
            "quote": "新区区域创新指数达到85.6",
            "section": "",  # no headings
        },
        {
            **base,
            "indicator_id": "xinqu-i002",
            "theme": "enterprises",
            "name_zh": "新增高新技术企业",
            "name_en": "New high-tech enterprises",
            "value": "20",
            "unit": "家",
            "qualifier": "at_least",
            "quote": "新增高新技术企业20家以上",
            "section": TITLE,  # the document's title stands for its only section
            "compare_key": "new_hightech_enterprises",
        },
    ]
    measure = {"district_id": "xinqu", "section": "", "co_agencies": ""}
    rows["measures"] += [
        {
            **measure,
            "measure_id": "xinqu-m01",
            "title_zh": "推进科技企业孵化器建设",
            "title_en": "Build technology business incubators",
            "lead_agency": "区科技局",
            "quote": "推进科技企业孵化器建设",
        },
        {
            **measure,
            "measure_id": "xinqu-m02",
            "title_zh": "加大企业研发投入后补助力度",
            "title_en": "More post-R&D subsidies for enterprises",
            "lead_agency": "",
            "quote": "加大企业研发投入后补助力度",
        },
    ]
    code = {"district_id": "xinqu", "policy_tool": "supply"}
    rows["tool_codes"] += [
        {
            **code,
            "code_id": "xinqu-c001",
            "measure_id": "xinqu-m01",
            "sub_tool": "infrastructure",
            "value_chain_stage": "transfer",
            "quote": "新建科技企业孵化器2家",
        },
        {
            **code,
            "code_id": "xinqu-c002",
            "measure_id": "xinqu-m02",
            "sub_tool": "funding",
            "value_chain_stage": "applied_rd",
            "quote": "加大企业研发投入后补助力度",
        },
    ]
    rows["programmes"].append(
        {
            "district_id": "xinqu",
            "name_zh": "科技企业孵化器",
            "name_en": "Technology business incubators",
            "type": "platform",
            "quote": "新建科技企业孵化器2家",
        }
    )
    for name, cols in ORIGINAL_COLUMNS.items():
        write_rows(data / f"{name}.csv", rows[name], cols)


def test_original_interface_validates_with_derived_defaults(data_copy):
    original_interface(data_copy)
    tables, problems = validate(data_copy)
    assert [str(p) for p in problems] == []
    measures = tables["measures"].frame.set_index("measure_id")
    assert measures.loc["xinqu-m01", ["measure_no", "lead_agency_source"]].tolist() == ["1", "named"]
    assert measures.loc["xinqu-m02", ["measure_no", "lead_agency_source"]].tolist() == ["2", "not_named"]
    codes = tables["tool_codes"].frame.set_index("code_id")
    assert codes.loc["xinqu-c001", ["theme", "in_scope"]].tolist() == ["", "true"]  # the measure has no theme
    indicators = tables["indicators"].frame.set_index("indicator_id")
    assert indicators.loc[["xinqu-i001", "dinghai-i002"], "aspirational"].tolist() == ["false", "true"]
    programmes = tables["programmes"].frame
    assert programmes["programme_id"].is_unique and programmes["programme_id"].iloc[-1] == "xinqu-p01"


def test_derived_defaults_reproduce_the_curated_values(data_copy):
    """With measure_no and lead_agency_source left out, the defaults give what the curator wrote."""
    curated = pd.read_csv(DATA / "measures.csv", dtype=str, keep_default_na=False).set_index("measure_id")
    rows = read_rows(data_copy / "measures.csv")
    write_rows(
        data_copy / "measures.csv",
        [{k: v for k, v in r.items() if k not in ("measure_no", "lead_agency_source")} for r in rows],
    )
    tables, problems = validate(data_copy)
    assert problems == []
    derived = tables["measures"].frame.set_index("measure_id")
    for column in ("measure_no", "lead_agency_source"):
        assert derived[column].to_dict() == curated[column].to_dict(), column


def test_what_the_analyst_writes_wins_over_a_default(data_copy):
    _, problems = validate(data_copy)
    assert problems == []
    rows = read_rows(data_copy / "measures.csv")
    rows[0]["measure_no"] = "1a"
    write_rows(data_copy / "measures.csv", rows)
    tables, problems = validate(data_copy)
    assert problems == [] and tables["measures"].frame["measure_no"].iloc[0] == "1a"


THIRD_SOURCE = (
    "测试区2024年科技工作计划\n一、主要目标\n2024年,全区R&D经费占GDP比重达到2.8%,新增高新技术企业30家以上。\n"
)


def add_third_district(data: Path) -> None:
    (data / "sources" / "testqu.txt").write_text(THIRD_SOURCE, encoding="utf-8")
    rows = read_rows(data / "districts.csv")
    rows.append(
        {
            **rows[0],
            "district_id": "testqu",
            "name_zh": "测试区",
            "name_en": "Test District",
            "doc_title_zh": "测试区2024年科技工作计划",
            "doc_title_en": "Test District 2024 S&T Work Plan",
            "doc_date": "2024-06-01",
            "doc_type": "work_plan",
            "source_file": "sources/testqu.txt",
            "doc_index_no": "",
        }
    )
    write_rows(data / "districts.csv", rows)
    ind = read_rows(data / "indicators.csv")
    base = {k: "" for k in ind[0]}
    ind.append(
        {
            **base,
            "indicator_id": "testqu-i001",
            "district_id": "testqu",
            "period": "2024",
            "kind": "target",
            "theme": "rd_investment",
            "name_zh": "R&D经费占GDP比重",
            "name_en": "R&D expenditure as share of GDP",
            "value": "2.8",
            "unit": "%",
            "qualifier": "exact",
            "quote": "全区R&D经费占GDP比重达到2.8%",
            "section": "一、主要目标",
            "compare_key": "rd_expenditure_gdp_share",
        }
    )
    ind.append(
        {
            **base,
            "indicator_id": "testqu-i002",
            "district_id": "testqu",
            "period": "2024",
            "kind": "target",
            "theme": "enterprises",
            "name_zh": "新增高新技术企业",
            "name_en": "New high-tech enterprises",
            "value": "30",
            "unit": "家",
            "qualifier": "at_least",
            "quote": "新增高新技术企业30家以上",
            "section": "一、主要目标",
            "compare_key": "new_hightech_enterprises",
        }
    )
    write_rows(data / "indicators.csv", ind)


@pytest.fixture(scope="session")
def districts_built(tmp_path_factory, cache_dir) -> Path:
    """One English HTML build (every notebook) of data with two added districts: a third one written with
    today's columns (testqu) and one with only the original interface's columns (xinqu), after which the
    whole data is cut down to those columns. Both tests below read this one build (once per run)."""

    def make(folder: Path) -> None:
        data = folder / "data"
        shutil.copytree(DATA, data)
        add_third_district(data)
        original_interface(data)
        build_or_fail(
            "--data", data, "--out", folder / "out", "--figures", folder / "fig", "--lang", "en",
            "--format", "html", "--jobs", "1",  # one kernel: its warm-up costs more CPU than the wait it saves
            "--cache-dir", cache_dir,  # not the repository's .cache: a test leaves nothing behind
        )  # fmt: skip

    return once(tmp_path_factory, "districts", make) / "out" / "report.en.html"


@pytest.mark.slow
def test_original_interface_district_builds(districts_built):
    html = districts_built.read_text(encoding="utf-8")
    assert "Xinqu District" in html and "85.6" in html and "Regional innovation index" in html


@pytest.mark.slow
def test_build_with_a_third_district(districts_built):
    page = open_offline(districts_built)
    assert page["charts"] >= 6 and page["drawn"] == page["charts"] and page["errors"] == []
    assert "Test District" in page["text"] and "2.8%" in page["text"] and "≥30" in page["text"]
