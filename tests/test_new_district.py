"""An analyst adds a district with only the columns the data interface first defined (issue 2):
no measure_no, theme or lead_agency_source in measures, an index without a unit, a source
without headings (tests/new_districts.py). It validates, later columns get their derived defaults, and
every section of the report goes through, beside a third district written with today's columns, with
every chart drawn (the report of the four districts: conftest's districts_report; build_report.py on a
data folder with an added district: the workshop's 04_add_a_district solution, tests/test_workshop.py)."""

import pandas as pd
import pytest
from browser import open_offline
from conftest import DATA, read_rows, write_rows
from new_districts import original_interface

from stpolicy.validate import validate


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


@pytest.mark.slow
def test_original_interface_district_goes_through_every_section(districts_report):
    html = districts_report.page.read_text(encoding="utf-8")
    assert "Xinqu District" in html and "85.6" in html and "Regional innovation index" in html


@pytest.mark.slow
def test_every_chart_draws_with_four_districts(districts_report):
    page = open_offline(districts_report.page)
    assert page["charts"] >= 6 and page["drawn"] == page["charts"] and page["errors"] == []
    assert "Test District" in page["text"] and "2.8%" in page["text"] and "≥30" in page["text"]
