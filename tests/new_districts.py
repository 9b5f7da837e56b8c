"""Data with two districts added to the curated ones, as analysts add them: one written with only the columns
the data interface first defined (issue 2; no measure_no, theme or lead_agency_source in measures, an index
without a unit, a source without headings), one with today's columns. Used by test_new_district.py and by
the in-process report of those four districts (conftest's `districts_report`)."""

import shutil
from pathlib import Path

from conftest import DATA, read_rows, write_rows

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


def four_districts(data: Path) -> Path:
    """data/ with both districts added, written to `data` (a new folder)."""
    shutil.copytree(DATA, data)
    add_third_district(data)
    original_interface(data)
    return data
