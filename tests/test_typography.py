"""Chinese typography (GB/T 15834): the report's own Chinese text uses full-width punctuation.

Quotes, section paths and names copied from the sources are left exactly as the sources have them;
everything the project writes itself (strings.yml, narrative, labels, reasons) is checked here.
"""

import re

import pandas as pd
import pytest
import yaml
from conftest import DATA, ROOT

CJK = r"[\u3400-\u9fff]"
HALF_WIDTH = re.compile(rf"{CJK}[,:;?!()]|[,:;?!()]{CJK}")
# Columns the project writes (not copied from a source document).
AUTHORED = {
    "comparability": ["reason_zh"],
    "indicators": ["name_zh"],
    "narrative": ["text_zh"],
    "vocabularies": ["label_zh", "description_zh"],
}


def zh_strings(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "zh" and isinstance(value, str):
                yield path, value
            else:
                yield from zh_strings(value, f"{path}.{key}" if path else str(key))


def test_half_width_pattern_can_fail():
    assert HALF_WIDTH.search("数据是否可比?") and HALF_WIDTH.search("篇幅(字)")
    assert not HALF_WIDTH.search("数据是否可比？") and not HALF_WIDTH.search("R&D经费占GDP比重2.8%")


def test_report_strings_use_full_width_punctuation():
    strings = yaml.safe_load((ROOT / "stpolicy" / "strings.yml").read_text(encoding="utf-8"))
    found = [(key, text) for key, text in zh_strings(strings) if HALF_WIDTH.search(re.sub(r"\{[^}]*\}", "", text))]
    assert not found, found


@pytest.mark.parametrize("table", sorted(AUTHORED))
def test_authored_chinese_data_uses_full_width_punctuation(table):
    frame = pd.read_csv(DATA / f"{table}.csv", dtype=str, keep_default_na=False)
    for column in AUTHORED[table]:
        if column in frame:
            bad = frame[frame[column].str.contains(HALF_WIDTH)][column].tolist()
            assert not bad, (table, column, bad)


def test_english_converts_chinese_magnitudes_and_keeps_the_stated_value():
    from stpolicy.data import load
    from stpolicy.i18n import value_text

    units = load(DATA, "en", []).units
    indicators = pd.read_csv(DATA / "indicators.csv")
    money = indicators[(indicators.unit == "亿元") & (indicators.value == 67.08)]
    assert len(money) >= 1  # the document's 67.08亿元
    assert value_text(67.08, "亿元", units, "en") == "CNY 6.71 bn (67.08亿元)"  # rounded: stated value beside it
    assert value_text(67.08, "亿元", units, "en", with_stated=False) == "CNY 6.71 bn"
    assert value_text(4847.8385, "万元", units, "en") == "CNY 48.5 m (4847.8385万元)"
    assert value_text(200, "万亩次", units, "en", with_stated=False) == "2 million mu-times"
    assert value_text(1, "万人次", units, "en", with_stated=False) == "10,000 person-times"
    assert value_text(10000, "人", units, "en", "≲") == "nearly 10,000 people"  # 近万人
    assert value_text(59, "家", units, "zh", "≥") == "≥59家"
    assert value_text(67.08, "亿元", units, "zh") == "67.08亿元"


def test_a_money_axis_counts_in_the_magnitude_its_labels_use():
    """English labels the points CNY 1.2 bn and CNY 6.71 bn: the axis counts in CNY bn (1.2 and 6.708), not
    in 亿元 (12 and 67.08); Chinese counts in 亿元 as written."""
    from stpolicy import charts
    from stpolicy.data import load

    indicators = pd.read_csv(DATA / "indicators.csv", keep_default_na=False)
    stated = indicators[indicators.compare_key == "tech_transaction_value"]
    assert set(stated["unit"]) == {"亿元"} and stated["value"].max() >= 10  # above 1 bn: counted in bn
    for lang, title, factor in (("en", "(CNY bn)", 0.1), ("zh", "（亿元）", 1)):
        rows = next(iter(charts.targets(load(DATA, lang, [])).to_dict()["datasets"].values()))
        money = [r for r in rows if r["compare_key"] == "tech_transaction_value"]
        assert sorted(r["on_axis"] for r in money) == sorted(round(v * factor, 9) for v in stated["value"])
        assert all(r["indicator_title"].endswith(title) for r in money), money[0]["indicator_title"]


def test_every_heading_of_a_section_path_has_an_english_translation():
    headings = pd.read_csv(DATA / "headings.csv", dtype=str)
    known = set(headings["heading_zh"])
    for table in ("indicators", "measures", "tool_codes", "programmes"):
        frame = pd.read_csv(DATA / f"{table}.csv", dtype=str, keep_default_na=False)
        if "section" in frame:
            steps = {step for path in frame["section"] for step in path.split(" > ") if step}
            assert steps <= known, (table, sorted(steps - known))


def test_english_appendix_shows_section_paths_in_english_with_the_chinese_as_title():
    from stpolicy import views
    from stpolicy.data import load

    frame = views.indicators(load(DATA, "en", []))
    section = frame.columns[-1]
    assert not frame[section].str.contains(r"[\u4e00-\u9fff]").any()
    assert set(frame.attrs["cell_titles"].values()) <= set(pd.read_csv(DATA / "indicators.csv")["section"])
