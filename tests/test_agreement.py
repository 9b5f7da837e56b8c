"""Inter-coder agreement: Cohen's kappa against hand-computed answers, and the method notes' numbers
against the two coding tables read straight from the CSVs."""

import math
import re

import pandas as pd
import pytest
from conftest import DATA, set_cell

from stpolicy import narrative, views
from stpolicy.data import load
from stpolicy.stats import KAPPA_RULE_THRESHOLD, cohen_kappa, landis_koch
from stpolicy.validate import validate

FIELDS = ["policy_tool", "sub_tool", "value_chain_stage", "theme", "in_scope"]


def labels(counts: dict[tuple[str, str], int]) -> tuple[pd.Series, pd.Series]:
    """Two coders' labels from the cells of their agreement table."""
    pairs = [pair for pair, n in counts.items() for _ in range(n)]
    return pd.Series([a for a, _ in pairs]), pd.Series([b for _, b in pairs])


def test_kappa_of_a_hand_computed_two_by_two_table():
    # 50 units: yes/yes 20, yes/no 5, no/yes 10, no/no 15. p_o = 35/50 = 0.7;
    # coder 1 says yes 25/50, coder 2 30/50, so p_e = 0.5·0.6 + 0.5·0.4 = 0.5; kappa = (0.7 − 0.5)/(1 − 0.5) = 0.4.
    first, second = labels({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    assert cohen_kappa(first, second) == pytest.approx(0.4)


def test_kappa_of_a_hand_computed_three_category_table():
    # a/a 4, b/b 3, c/c 1, a/b 1, c/a 1 (10 units): p_o = 0.8; coder 1 a .5 b .3 c .2, coder 2 a .5 b .4 c .1;
    # p_e = .25 + .12 + .02 = .39; kappa = (.8 − .39)/(.61) = 0.6721…
    first, second = labels({("a", "a"): 4, ("b", "b"): 3, ("c", "c"): 1, ("a", "b"): 1, ("c", "a"): 1})
    assert cohen_kappa(first, second) == pytest.approx(0.41 / 0.61)


def test_kappa_limits():
    same = pd.Series(["x", "y", "y", "z"])
    assert cohen_kappa(same, same) == 1
    assert cohen_kappa(pd.Series(["x", "y"] * 5), pd.Series(["y", "x"] * 5)) == pytest.approx(-1)
    assert math.isnan(cohen_kappa(pd.Series(["x"] * 3), pd.Series(["x"] * 3)))  # one label only: undefined
    with pytest.raises(ValueError):
        cohen_kappa(pd.Series(["x"]), pd.Series(["x", "y"]))


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.1, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.35, "fair"),
        (0.6, "moderate"),
        (0.61, "substantial"),
        (0.8, "substantial"),
        (0.81, "almost_perfect"),
        (1.0, "almost_perfect"),
    ],
)
def test_landis_koch_bands(kappa, band):
    assert landis_koch(kappa) == band


def expected_agreement() -> pd.DataFrame:
    """Agreement per field computed here from the raw CSVs (the first coder's empty theme is the
    measure's theme, an empty in_scope is true), with the kappa formula written out again."""
    first = pd.read_csv(DATA / "tool_codes.csv", dtype=str, keep_default_na=False)
    measure_theme = pd.read_csv(DATA / "measures.csv", dtype=str).set_index("measure_id")["theme"]
    first["theme"] = first["theme"].where(first["theme"] != "", first["measure_id"].map(measure_theme))
    first["in_scope"] = first["in_scope"].replace("", "true")
    second = pd.read_csv(DATA / "second_coding.csv", dtype=str, keep_default_na=False)
    both = first.merge(second, on="code_id", suffixes=("_1", "_2"))
    assert len(both) == len(second)  # every second-coded clause is in tool_codes.csv
    rows = []
    for f in FIELDS:
        table = pd.crosstab(both[f"{f}_1"], both[f"{f}_2"])
        table = table.reindex(index=table.index.union(table.columns), columns=table.index.union(table.columns))
        table = table.fillna(0).to_numpy() / len(both)
        p_o = table.trace()
        p_e = (table.sum(axis=1) * table.sum(axis=0)).sum()
        rows.append({"field": f, "n": len(both), "agreement": p_o, "kappa": (p_o - p_e) / (1 - p_e)})
    return pd.DataFrame(rows).set_index("field")


def test_sample_is_large_enough():
    assert expected_agreement()["n"].min() >= 30


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_method_notes_table_equals_the_csvs(lang):
    expected = expected_agreement()
    shown = views.agreement(load(DATA, lang=lang))
    assert len(shown) == len(FIELDS)
    n, agree, kappa = shown.iloc[:, 1], shown.iloc[:, 2], shown.iloc[:, 3]
    assert list(n) == list(expected["n"])
    assert list(agree) == [f"{x * 100:.1f}%" for x in expected["agreement"]]
    assert list(kappa) == [f"{k:.2f}" for k in expected["kappa"]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_method_notes_sentence_states_the_csv_numbers(lang):
    expected = expected_agreement()
    ds = load(DATA, lang=lang)
    text = narrative.agreement(ds)
    assert text in narrative.methods(ds)
    assert f"{expected['n'].iloc[0]}" in text
    for value in (
        f"{expected['agreement'].min() * 100:.1f}%",
        f"{expected['agreement'].max() * 100:.1f}%",
        f"{expected['kappa'].min():.2f}",
        f"{expected['kappa'].max():.2f}",
        f"{KAPPA_RULE_THRESHOLD:.2f}",
    ):
        assert value in text, value
    low = expected[expected["kappa"] < KAPPA_RULE_THRESHOLD]
    assert ("(data/README.md)" in text or "（见data/README.md）" in text) == (len(low) > 0)
    if lang == "zh":
        assert not re.search(r"[,:;()]", text.replace("data/second_coding.csv", "").replace("data/README.md", ""))
        assert "，" in text and "（" in text and "：" in text


def test_method_notes_sentence_when_a_field_falls_below_the_threshold(data_copy):
    """Recode the second coder's in_scope so that the field drops below 0.6: the sentence names it."""
    for code_id in pd.read_csv(data_copy / "second_coding.csv", dtype=str)["code_id"][:20]:
        set_cell(data_copy / "second_coding.csv", "code_id", code_id, "in_scope", "false")
    text = narrative.agreement(load(data_copy, lang="en"))
    assert "Below κ = 0.60 (scope (in or out))" in text


def test_no_second_coding_for_the_selected_district(data_copy):
    rows = pd.read_csv(data_copy / "second_coding.csv", dtype=str, keep_default_na=False)
    rows[rows["district_id"] != "dinghai"].to_csv(data_copy / "second_coding.csv", index=False)
    ds = load(data_copy, lang="zh", districts=["dinghai"])
    assert views.agreement(ds).empty
    assert narrative.agreement(ds) == "编码者间一致性：所选地区没有条款进行二次编码。"


def test_second_coding_is_validated(data_copy):
    path = data_copy / "second_coding.csv"
    line = set_cell(path, "code_id", "zhenhai-c029", "sub_tool", "tax_incentives")
    set_cell(path, "code_id", "dinghai-c014", "code_id", "dinghai-c999")
    set_cell(path, "code_id", "zhenhai-c026", "district_id", "dinghai")
    messages = [str(p) for p in validate(data_copy)[1]]
    assert f"{path}:{line}: sub_tool: 'tax_incentives' belongs to policy_tool 'environment', not 'supply'" in messages
    assert any(m.endswith("code_id: 'dinghai-c999' is not in tool_codes.csv (code_id)") for m in messages)
    assert any("district_id: 'dinghai' differs from the district of zhenhai-c026 ('zhenhai')" in m for m in messages)
