"""Computations behind the report: every table, chart and sentence is built from these frames.

Functions take a Dataset and return tidy DataFrames keyed by codes (district_id, theme, ...);
labels are attached by the caller in the report language.
"""

from __future__ import annotations

import re

import pandas as pd

from .data import Dataset

_PART_HEADING = re.compile(r"^[一二三四五六七八九十]+、", re.M)
_ITEM_HEADING = re.compile(r"^(?:[((][一二三四五六七八九十]+[))]|\d+[.、])", re.M)


def document_overview(ds: Dataset) -> pd.DataFrame:
    """One row per district: document facts and how much was curated from it."""
    rows = []
    for _, d in ds.districts.iterrows():
        text = ds.sources[d.district_id]
        rows.append(
            {
                "district_id": d.district_id,
                "characters": len(re.sub(r"\s", "", text)),
                "parts": len(_PART_HEADING.findall(text)),
                "items": len(_ITEM_HEADING.findall(text)),
                "n_indicators": int((ds.indicators.district_id == d.district_id).sum()),
                "n_measures": int((ds.measures.district_id == d.district_id).sum()),
                "n_codes": int((ds.tool_codes.district_id == d.district_id).sum()),
                "n_programmes": int((ds.programmes.district_id == d.district_id).sum()),
            }
        )
    return ds.districts.merge(
        pd.DataFrame(
            rows,
            columns=[
                "district_id",
                "characters",
                "parts",
                "items",
                "n_indicators",
                "n_measures",
                "n_codes",
                "n_programmes",
            ],
        ),
        on="district_id",
    )


def count_by(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.groupby(columns, observed=True).size().reset_index(name="n")


def indicator_theme_counts(ds: Dataset) -> pd.DataFrame:
    return count_by(ds.indicators, ["district_id", "theme", "kind"])


def with_symbols(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    symbols = ds.vocab("qualifier")["symbol"]
    return frame.assign(symbol=frame["qualifier"].map(symbols), bounded=frame["qualifier"] != "exact")


def paired_indicators(ds: Dataset) -> pd.DataFrame:
    """Indicators whose compare_key is shared by at least two rows (any districts)."""
    keyed = ds.indicators[ds.indicators["compare_key"] != ""]
    shared = keyed.groupby("compare_key")["indicator_id"].transform("size") >= 2
    return (
        with_symbols(ds, keyed[shared])
        .sort_values(["compare_key", "district_id", "period", "kind"])
        .reset_index(drop=True)
    )


def implied_changes(ds: Dataset) -> pd.DataFrame:
    """Within a district, the latest actual and the (base) target sharing a compare_key."""
    paired = paired_indicators(ds)
    rows = []
    for (district, key), group in paired.groupby(["district_id", "compare_key"]):
        actuals, targets = group[group.kind == "actual"], group[group.kind == "target"]
        if actuals.empty or targets.empty:
            continue
        actual = actuals.sort_values("period").iloc[-1]
        target = targets.sort_values("period").iloc[-1]
        rows.append(
            {
                "district_id": district,
                "compare_key": key,
                "actual_id": actual.indicator_id,
                "target_id": target.indicator_id,
                "actual": actual.value,
                "actual_period": actual.period,
                "actual_qualifier": actual.qualifier,
                "actual_symbol": actual.symbol,
                "target": target.value,
                "target_period": target.period,
                "target_qualifier": target.qualifier,
                "target_symbol": target.symbol,
                "unit": target.unit,
                "change": target.value - actual.value,
                "change_pct": (target.value - actual.value) / actual.value if actual.value else float("nan"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "district_id",
            "compare_key",
            "actual_id",
            "target_id",
            "actual",
            "actual_period",
            "actual_qualifier",
            "actual_symbol",
            "target",
            "target_period",
            "target_qualifier",
            "target_symbol",
            "unit",
            "change",
            "change_pct",
        ],
    )


def comparability_pairs(ds: Dataset) -> pd.DataFrame:
    """comparability.csv joined with both indicators (columns prefixed left_ / right_)."""
    ind = with_symbols(ds, ds.indicators)
    out = ds.comparability
    for side in ("left", "right"):
        out = out.merge(ind.add_prefix(f"{side}_"), on=f"{side}_indicator_id")
    return out.reset_index(drop=True)


def coverage(ds: Dataset) -> pd.DataFrame:
    """Theme × district: numbers stated and measures planned (zeros included)."""
    themes, districts = ds.order("theme"), ds.district_ids
    grid = pd.MultiIndex.from_product([districts, themes], names=["district_id", "theme"])
    quantified = ds.indicators.groupby(["district_id", "theme"]).size().reindex(grid, fill_value=0)
    planned = ds.measures.groupby(["district_id", "theme"]).size().reindex(grid, fill_value=0)
    return pd.DataFrame({"quantified": quantified, "planned": planned}).reset_index()


def exclusive_themes(cov: pd.DataFrame, column: str) -> dict[str, list[str]]:
    """Themes that only one district covers in `column` (quantified or planned), by district."""
    present = cov[cov[column] > 0]
    holders = present.groupby("theme")["district_id"].agg(list)
    only = holders[holders.str.len() == 1]
    out: dict[str, list[str]] = {}
    for theme, (district,) in only.items():
        out.setdefault(district, []).append(theme)
    return out


def shared_themes(cov: pd.DataFrame, column: str) -> list[str]:
    n = cov["district_id"].nunique()
    present = cov[cov[column] > 0].groupby("theme")["district_id"].nunique()
    return present[present == n].index.tolist()


def tool_shares(ds: Dataset) -> pd.DataFrame:
    counts = count_by(ds.tool_codes, ["district_id", "policy_tool"])
    counts["share"] = counts["n"] / counts.groupby("district_id")["n"].transform("sum")
    return counts


def subtool_stage_counts(ds: Dataset) -> pd.DataFrame:
    return count_by(ds.tool_codes, ["district_id", "policy_tool", "sub_tool", "value_chain_stage"])


def responsibilities(ds: Dataset) -> pd.DataFrame:
    """One row per (measure, agency) with role lead/co, for agencies the documents name or imply."""
    rows = []
    for _, m in ds.measures.iterrows():
        if m.lead_agency:
            rows.append((m.district_id, m.measure_id, m.measure_no, m.lead_agency, "lead", m.lead_agency_source))
        rows += [
            (m.district_id, m.measure_id, m.measure_no, a, "co", m.lead_agency_source)
            for a in m.co_agencies.split(";")
            if a
        ]
    frame = pd.DataFrame(rows, columns=["district_id", "measure_id", "measure_no", "name_as_written", "role", "source"])
    return frame.merge(
        ds.agencies[["name_as_written", "agency_id", "name_en", "level"]], on="name_as_written", how="left"
    )


def agency_roles(ds: Dataset) -> pd.DataFrame:
    """Per district and agency the documents name: measures led and co-responsible, most leads first."""
    resp = responsibilities(ds)
    resp = resp[resp["source"] == "named"]
    if resp.empty:
        return pd.DataFrame(columns=["district_id", "agency_id", "name_zh", "name_en", "n_lead", "n_co"])
    names = resp.drop_duplicates("agency_id").set_index("agency_id")
    counts = resp.pivot_table(
        index=["district_id", "agency_id"], columns="role", values="measure_id", aggfunc="nunique", fill_value=0
    ).reindex(columns=["lead", "co"], fill_value=0)
    counts = counts.rename(columns={"lead": "n_lead", "co": "n_co"}).reset_index()
    counts["name_zh"] = counts["agency_id"].map(names["name_as_written"])
    counts["name_en"] = counts["agency_id"].map(names["name_en"])
    return counts.sort_values(["district_id", "n_lead", "n_co"], ascending=[True, False, False]).reset_index(drop=True)


def programme_counts(ds: Dataset) -> pd.DataFrame:
    return count_by(ds.programmes, ["district_id", "type"])


def stage_shares(ds: Dataset) -> pd.DataFrame:
    counts = count_by(ds.tool_codes, ["district_id", "value_chain_stage"])
    counts["share"] = counts["n"] / counts.groupby("district_id")["n"].transform("sum")
    return counts


def subtool_shares(ds: Dataset) -> pd.DataFrame:
    counts = count_by(ds.tool_codes, ["district_id", "policy_tool", "sub_tool"])
    counts["share"] = counts["n"] / counts.groupby("district_id")["n"].transform("sum")
    return counts


def mix_tests(ds: Dataset) -> pd.DataFrame:
    """Permutation chi-square tests of tools, sub-tools and stages across the selected districts."""
    from .stats import permutation_chi_square

    codes = ds.tool_codes
    if codes["district_id"].nunique() < 2:
        return pd.DataFrame(columns=["dimension", "statistic", "p_value", "permutations", "n_units", "n_categories"])
    rows = []
    for dimension in ("policy_tool", "sub_tool", "value_chain_stage"):
        result = permutation_chi_square(codes["district_id"], codes[dimension])
        rows.append(
            {
                "dimension": dimension,
                "statistic": result.statistic,
                "p_value": result.p_value,
                "permutations": result.permutations,
                "n_units": result.n_units,
                "n_categories": result.n_categories,
            }
        )
    return pd.DataFrame(rows)


def comparability_criteria(ds: Dataset) -> pd.DataFrame:
    """For each cross-district pair: same definition? same kind of figure? same year? (long form)."""
    pairs = comparability_pairs(ds)
    rows = []
    for _, p in pairs.iterrows():
        checks = {
            "same_definition": p.comparable != "no",
            "same_kind": p.left_kind == p.right_kind,
            "same_year": p.left_period == p.right_period,
        }
        rows += [
            {
                "comparison_id": p.comparison_id,
                "left_indicator_id": p.left_indicator_id,
                "criterion": c,
                "met": m,
                "comparable": p.comparable,
            }
            for c, m in checks.items()
        ]
    return pd.DataFrame(rows, columns=["comparison_id", "left_indicator_id", "criterion", "met", "comparable"])


CODED_FIELDS = ("policy_tool", "sub_tool", "value_chain_stage", "theme", "in_scope")


def coder_agreement(ds: Dataset) -> pd.DataFrame:
    """Per coded field: clauses coded twice (n), share coded alike, Cohen's kappa and its Landis & Koch
    band, comparing tool_codes.csv (first coder, defaults filled) with second_coding.csv (blind second coder)."""
    from .stats import cohen_kappa, landis_koch

    pairs = ds.tool_codes.merge(ds.second_coding, on="code_id", suffixes=("_first", "_second"))
    rows = []
    for field in CODED_FIELDS if len(pairs) else ():
        first, second = pairs[f"{field}_first"], pairs[f"{field}_second"]
        kappa = cohen_kappa(first, second)
        rows.append(
            {
                "field": field,
                "n": len(pairs),
                "agreement": float((first == second).mean()),
                "kappa": kappa,
                "band": landis_koch(kappa) if pd.notna(kappa) else "",
            }
        )
    return pd.DataFrame(rows, columns=["field", "n", "agreement", "kappa", "band"])


def coder_disagreements(ds: Dataset) -> pd.DataFrame:
    """Long rows (code_id, field, first, second) where the two coders differ: what the rules must settle."""
    pairs = ds.tool_codes.merge(ds.second_coding, on="code_id", suffixes=("_first", "_second"))
    rows = [
        {"code_id": r["code_id"], "field": f, "first": r[f"{f}_first"], "second": r[f"{f}_second"]}
        for _, r in pairs.iterrows()
        for f in CODED_FIELDS
        if r[f"{f}_first"] != r[f"{f}_second"]
    ]
    return pd.DataFrame(rows, columns=["code_id", "field", "first", "second"])
