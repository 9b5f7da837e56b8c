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
    """Rows per combination of `columns`, as column n."""
    return frame.groupby(columns, observed=True).size().reset_index(name="n")


def indicator_theme_counts(ds: Dataset) -> pd.DataFrame:
    """Numbers stated per district, theme and kind."""
    return count_by(ds.indicators, ["district_id", "theme", "kind"])


def with_symbols(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its qualifier's symbol (≥, ≈, ...) and whether the value is a bound."""
    symbols = ds.vocab("qualifier")["symbol"]
    words = [
        aspiration_word(q, ds.sources.get(d, "")) for q, d in zip(frame["quote"], frame["district_id"], strict=True)
    ]
    return frame.assign(
        symbol=frame["qualifier"].map(symbols), bounded=frame["qualifier"] != "exact", aspiration_word=words
    )


def aspiration_word(quote: str, source: str = "") -> str:
    """The aspiration word (力争, 争取: defaults.ASPIRATION_WORDS) that governs a quote: the first the quote
    uses, else the last one before it in its sentence of `source` (an elliptical clause: 力争突破70亿元,占…比重
    达到65%), else the first word."""
    from .defaults import ASPIRATION_WORDS

    quote = quote or ""
    found = [(quote.find(w), w) for w in ASPIRATION_WORDS if w in quote]
    if found:
        return min(found)[1]
    at = source.find(quote) if quote else -1
    if at > 0:
        sentence = source[max(source.rfind(x, 0, at) for x in "。\n") + 1 : at]
        before = [(sentence.rfind(w), w) for w in ASPIRATION_WORDS if w in sentence]
        if before:
            return max(before)[1]
    return ASPIRATION_WORDS[0]


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
    ind = indicators(ds)
    out = ds.comparability
    for side in ("left", "right"):
        out = out.merge(ind.add_prefix(f"{side}_"), on=f"{side}_indicator_id")
    return out.reset_index(drop=True)


def coverage(ds: Dataset) -> pd.DataFrame:
    """Theme × district: numbers stated, measures planned and coded clauses (zeros included).

    A measure plans on every theme one of its coded clauses has (a measure without coded clauses on its
    own theme), so a theme is planned by a district exactly when one of its clauses has that theme."""
    themes, districts = ds.order("theme"), ds.district_ids
    grid = pd.MultiIndex.from_product([districts, themes], names=["district_id", "theme"])
    quantified = ds.indicators.groupby(["district_id", "theme"]).size().reindex(grid, fill_value=0)
    codes = clauses(ds)
    uncoded = ds.measures[~ds.measures["measure_id"].isin(codes["measure_id"])]
    touched = pd.concat(
        [codes[["district_id", "theme", "measure_id"]], uncoded[["district_id", "theme", "measure_id"]]]
    )
    planned = touched.groupby(["district_id", "theme"])["measure_id"].nunique().reindex(grid, fill_value=0)
    n_clauses = codes.groupby(["district_id", "theme"]).size().reindex(grid, fill_value=0)
    in_scope = codes[codes["in_scope"]].groupby(["district_id", "theme"]).size().reindex(grid, fill_value=0)
    return pd.DataFrame(
        {"quantified": quantified, "planned": planned, "clauses": n_clauses, "in_scope_clauses": in_scope}
    ).reset_index()


def exclusive_themes(cov: pd.DataFrame, column: str) -> dict[str, list[str]]:
    """Themes that only one district covers in `column` (quantified, planned or clauses), by district."""
    present = cov[cov[column] > 0]
    holders = present.groupby("theme", sort=False)["district_id"].agg(list)
    only = holders[holders.str.len() == 1]
    out: dict[str, list[str]] = {}
    for theme, (district,) in only.items():
        out.setdefault(district, []).append(theme)
    return out


def shared_themes(cov: pd.DataFrame, column: str) -> list[str]:
    """Themes every district covers in `column`, in vocabulary order."""
    n = cov["district_id"].nunique()
    present = cov[cov[column] > 0].groupby("theme", sort=False)["district_id"].nunique()
    return present[present == n].index.tolist()


def coverage_claims(ds: Dataset) -> pd.DataFrame:
    """The coverage statements the report makes, one row each: `only` (one district, themes no other district
    has) or `all` (themes every district has), for numbers stated (`quantified`) and for plans (`clauses`:
    a district plans measures on a theme when one of its in-scope coded clauses has it). Themes outside
    innovation-policy scope (party building, culture and tourism: every clause of theirs is out of scope, a
    rule validation enforces) make no claim: they are not innovation policy, only what a plan also holds."""
    cov = coverage(ds)
    rows = []
    if len(ds.district_ids) > 1:
        for basis, column in (("quantified", "quantified"), ("clauses", "in_scope_clauses")):
            rows.append({"claim": "all", "basis": basis, "district_id": "", "themes": shared_themes(cov, column)})
            rows += [
                {"claim": "only", "basis": basis, "district_id": d, "themes": themes}
                for d, themes in exclusive_themes(cov, column).items()
            ]
    return pd.DataFrame(rows, columns=["claim", "basis", "district_id", "themes"])


def out_of_scope_themes(ds: Dataset) -> pd.Series:
    """Clauses per theme for the themes with coded clauses, none of them in scope (in vocabulary order):
    the charts show them, the coverage statements leave them out."""
    cov = coverage(ds).groupby("theme", sort=False)[["clauses", "in_scope_clauses"]].sum()
    return cov.loc[(cov["clauses"] > 0) & (cov["in_scope_clauses"] == 0), "clauses"]


def tool_shares(ds: Dataset, codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clauses per district and basic tool, with shares; in-scope clauses unless `codes` is given."""
    counts = count_by(in_scope_clauses(ds) if codes is None else codes, ["district_id", "policy_tool"])
    counts["share"] = counts["n"] / counts.groupby("district_id")["n"].transform("sum")
    return counts


def scope_shift(ds: Dataset) -> pd.DataFrame:
    """Per district with out-of-scope clauses: the basic tool whose share moves most if they were counted,
    its share among in-scope clauses and among all clauses, and the number of out-of-scope clauses."""
    codes = clauses(ds)
    both = (
        tool_shares(ds)
        .merge(tool_shares(ds, codes), on=["district_id", "policy_tool"], how="outer", suffixes=("_in", "_all"))
        .fillna(0)
    )
    both["move"] = (both["share_all"] - both["share_in"]).abs()
    n_out = codes[~codes["in_scope"]].groupby("district_id").size()
    both = both[both["district_id"].isin(n_out.index)]
    top = both.sort_values("move", ascending=False, kind="stable").drop_duplicates("district_id")
    out = codes[~codes["in_scope"]]
    top = top.assign(
        n_out=top["district_id"].map(n_out),
        n_all=top["district_id"].map(codes.groupby("district_id").size()),
        # out-of-scope clauses of the tool whose share moves: 'n more clauses' must not read as n of this tool
        n_tool_out=[
            int(((out["district_id"] == d) & (out["policy_tool"] == p)).sum())
            for d, p in zip(top["district_id"], top["policy_tool"], strict=True)
        ],
    ).set_index("district_id")
    order = [d for d in ds.district_ids if d in top.index]
    return top.loc[order, ["policy_tool", "share_in", "share_all", "n_out", "n_all", "n_tool_out"]].reset_index()


def subtool_stage_counts(ds: Dataset) -> pd.DataFrame:
    """Coded clauses per district, tool, sub-tool and value-chain stage."""
    return count_by(in_scope_clauses(ds), ["district_id", "policy_tool", "sub_tool", "value_chain_stage"])


def agency_names(ds: Dataset) -> pd.DataFrame:
    """agencies.csv with one name per body in each language (`display_zh`, `display_en`) and `is_agency`
    (False for places and platforms), so that aliases merge once in both languages."""
    a = ds.agencies.copy()
    a["display_zh"] = a.groupby("agency_id")["name_zh"].transform("first")
    a["display_en"] = a.groupby("agency_id")["name_en"].transform("first")
    a["is_agency"] = a["kind"] == "agency"
    return a


def responsibilities(ds: Dataset) -> pd.DataFrame:
    """One row per (measure, body) with role lead/co, for bodies the documents name or imply."""
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
    names = agency_names(ds)[
        ["name_as_written", "agency_id", "name_en", "level", "display_zh", "display_en", "is_agency"]
    ]
    return frame.merge(names, on="name_as_written", how="left")


def agency_roles(ds: Dataset) -> pd.DataFrame:
    """Per district and agency the documents name (places and platforms apart): measures led and
    co-responsible, most leads first; aliases of one body count once."""
    resp = responsibilities(ds)
    resp = resp[(resp["source"] == "named") & resp["is_agency"]]
    if resp.empty:
        return pd.DataFrame(columns=["district_id", "agency_id", "name_zh", "name_en", "n_lead", "n_co"])
    names = resp.drop_duplicates("agency_id").set_index("agency_id")
    counts = resp.pivot_table(
        index=["district_id", "agency_id"], columns="role", values="measure_id", aggfunc="nunique", fill_value=0
    ).reindex(columns=["lead", "co"], fill_value=0)
    counts = counts.rename(columns={"lead": "n_lead", "co": "n_co"}).reset_index()
    counts["name_zh"] = counts["agency_id"].map(names["display_zh"])
    counts["name_en"] = counts["agency_id"].map(names["display_en"])
    return counts.sort_values(["district_id", "n_lead", "n_co"], ascending=[True, False, False]).reset_index(drop=True)


def places_named(ds: Dataset) -> pd.DataFrame:
    """Places and platforms (not agencies) named as responsible: district, body and the measures naming it."""
    resp = responsibilities(ds)
    resp = resp[(resp["source"] == "named") & ~resp["is_agency"].astype(bool)]
    return (
        resp.groupby(["district_id", "agency_id", "display_zh", "display_en"])["measure_id"]
        .agg(list)
        .reset_index()
        .rename(columns={"measure_id": "measure_ids"})
    )


def stage_shares(ds: Dataset) -> pd.DataFrame:
    """Coded clauses per district and value-chain stage, with the district's share."""
    counts = count_by(in_scope_clauses(ds), ["district_id", "value_chain_stage"])
    counts["share"] = counts["n"] / counts.groupby("district_id")["n"].transform("sum")
    return counts


def subtool_shares(ds: Dataset) -> pd.DataFrame:
    """Coded clauses per district and sub-tool, with the district's share."""
    counts = count_by(in_scope_clauses(ds), ["district_id", "policy_tool", "sub_tool"])
    counts["share"] = counts["n"] / counts.groupby("district_id")["n"].transform("sum")
    return counts


def mix_tests(ds: Dataset, codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Permutation chi-square tests of tools, sub-tools and stages across the selected districts, on the
    in-scope clauses unless `codes` is given; `p_holm` adjusts the three p-values for being one family."""
    from .stats import holm, permutation_chi_square

    codes = in_scope_clauses(ds) if codes is None else codes
    if codes["district_id"].nunique() < 2:
        return pd.DataFrame(
            columns=["dimension", "statistic", "p_value", "permutations", "n_units", "n_categories", "p_holm"]
        )
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
    out = pd.DataFrame(rows)
    return out.assign(p_holm=holm(out["p_value"]))


def core_mix_tests(ds: Dataset) -> pd.DataFrame:
    """The mix tests again without the safeguard provisions (empty when no district has any: nothing differs)."""
    in_scope = in_scope_clauses(ds)
    if not in_scope["measure_id"].isin(safeguard_measures(ds)).any():
        return mix_tests(ds, in_scope.iloc[0:0])
    return mix_tests(ds, core_clauses(ds))


# Kinds of figure a plan commits to (as against actuals and rankings, which report results).
PLAN_KINDS = ("target", "stretch_target", "threshold")


def comparability_criteria(ds: Dataset) -> pd.DataFrame:
    """For each cross-district pair: same definition? same kind of figure? same year? same wording (both
    力争/争取 or both firm)? (long form)."""
    pairs = comparability_pairs(ds)
    rows = []
    for _, p in pairs.iterrows():
        plans = (p.left_kind in PLAN_KINDS, p.right_kind in PLAN_KINDS)
        checks = {
            "same_definition": p.comparable != "no",
            # a target beside a stretch target is plan beside plan; an actual beside a target is not
            "same_kind": plans[0] == plans[1] and (all(plans) or p.left_kind == p.right_kind),
            "same_year": p.left_period == p.right_period,
            # 力争 or firm is a question about plans only: n/a (None) when either figure is a result
            "same_wording": p.left_aspirational == p.right_aspirational if all(plans) else None,
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


def like_for_like(ds: Dataset) -> pd.DataFrame:
    """For each cross-district pair of plan figures whose wording differs (力争 against a firm figure), the
    figure of the same definition, year and district that has the other side's wording, where it is stated:
    `alt_left_id` matches the right figure's wording, `alt_right_id` the left figure's ('' if none)."""
    ind = indicators(ds)
    keyed = ind[ind["compare_key"] != ""]
    criteria = comparability_criteria(ds)
    wording = criteria[criteria["criterion"] == "same_wording"].set_index("comparison_id")["met"]
    rows = []
    for _, p in comparability_pairs(ds).iterrows():
        same = wording[p.comparison_id]
        if pd.isna(same) or same:  # same wording, or a result on either side: wording is not what differs
            continue
        alt = {}
        for side, other in (("left", "right"), ("right", "left")):
            match = keyed[
                (keyed["compare_key"] == p[f"{side}_compare_key"])
                & (keyed["district_id"] == p[f"{side}_district_id"])
                & (keyed["period"] == p[f"{side}_period"])
                & (keyed["kind"] != "actual")
                & (keyed["aspirational"] == p[f"{other}_aspirational"])
            ]
            alt[f"alt_{side}_id"] = match["indicator_id"].iloc[0] if p[f"{side}_compare_key"] and len(match) else ""
        rows.append({"comparison_id": p.comparison_id, **alt})
    return pd.DataFrame(rows, columns=["comparison_id", "alt_left_id", "alt_right_id"])


# --- clause-level themes and scope, aspiration (columns filled by data.derive_defaults) -------------


def indicators(ds: Dataset) -> pd.DataFrame:
    """indicators.csv with qualifier symbols; `aspirational` marks 力争/争取 wording."""
    return with_symbols(ds, ds.indicators)


def clauses(ds: Dataset) -> pd.DataFrame:
    """Every coded clause with its `theme`, `in_scope` flag and its measure's number."""
    codes = ds.tool_codes.copy()
    codes["measure_no"] = codes["measure_id"].map(ds.measures.set_index("measure_id")["measure_no"])
    return codes


def in_scope_clauses(ds: Dataset) -> pd.DataFrame:
    """The clauses the instrument analysis counts: those inside innovation-policy scope."""
    codes = clauses(ds)
    return codes[codes["in_scope"]].reset_index(drop=True)


# The heading of a plan's implementation-safeguards part (organisation, supervision, evaluation): boilerplate
# addressed to every department, a feature of the genre rather than a policy choice.
SAFEGUARD_HEADING = "保障措施"


def safeguard_measures(ds: Dataset) -> set[str]:
    """Measures in a safeguards part: the top heading of their `section` path is a 保障措施 heading."""
    top = ds.measures["section"].fillna("").str.split(">").str[0].str.strip()
    return set(ds.measures.loc[top.str.endswith(SAFEGUARD_HEADING), "measure_id"])


def safeguard_clauses(ds: Dataset) -> pd.DataFrame:
    """In-scope clauses inside the safeguard provisions: what the sensitivity checks leave out."""
    codes = in_scope_clauses(ds)
    return codes[codes["measure_id"].isin(safeguard_measures(ds))].reset_index(drop=True)


def core_clauses(ds: Dataset) -> pd.DataFrame:
    """In-scope clauses outside the safeguard provisions: the sensitivity check of the instrument mix."""
    codes = in_scope_clauses(ds)
    return codes[~codes["measure_id"].isin(safeguard_measures(ds))].reset_index(drop=True)


# --- measures side by side ----------------------------------------------------------------------


def measure_paragraph(ds: Dataset, measure: pd.Series) -> str:
    """The measure's paragraph: the line of its district's source holding its heading, from the heading on."""
    from .validate import paragraph_of

    line = paragraph_of(ds.sources.get(measure.district_id, ""), measure.quote)
    return line[line.find(measure.quote) :] if measure.quote in line else line


def district_measures(ds: Dataset, district: str | None) -> pd.DataFrame:
    """The measures of one district (all for None)."""
    return ds.measures if district is None else ds.measures[ds.measures["district_id"] == district]


def measure_commitments(ds: Dataset, district: str | None = None) -> pd.DataFrame:
    """(measure_id, indicator_id, restated_quote) for every quantified commitment a measure contains: the
    indicator's curated `measure_id` where given, else the measure whose paragraph contains the indicator's
    quote, or its restated_quote (then given: the figure restated in other words, '' otherwise). One district's
    measures only where given (a table per district then costs one district's work, not all of them)."""
    ind = ds.indicators
    rows = []
    for _, m in district_measures(ds, district).iterrows():
        paragraph = measure_paragraph(ds, m)
        mine = ind[ind["district_id"] == m.district_id]
        if "measure_id" in ind:
            keyed = mine["measure_id"].fillna("") != ""
            linked = mine[keyed & (mine["measure_id"] == m.measure_id)]
            mine = mine[~keyed]
        else:
            linked = mine.iloc[0:0]
        found = mine[[bool(paragraph) and q in paragraph for q in mine["quote"]]]
        rows += [(m.measure_id, i, "") for i in pd.concat([linked, found])["indicator_id"]]
        # a figure the measure states again in other words (indicators.csv restated_quote): listed, marked so
        again = ind[ind["district_id"] == m.district_id]
        if "restated_quote" in again:
            again = again[[bool(paragraph) and bool(q) and q in paragraph for q in again["restated_quote"]]]
            rows += [(m.measure_id, i, q) for i, q in zip(again["indicator_id"], again["restated_quote"], strict=True)]
    out = pd.DataFrame(rows, columns=["measure_id", "indicator_id", "restated_quote"])
    return out.drop_duplicates(["measure_id", "indicator_id"]).reset_index(drop=True)


def measure_overview(ds: Dataset, district: str | None = None) -> pd.DataFrame:
    """One row per measure (of one district where given): its themes (from its clauses, most clauses first),
    commitments (indicator ids), sub-tools with clause counts, and how many of its clauses are in scope."""
    codes = clauses(ds)
    links = measure_commitments(ds, district)
    measures = district_measures(ds, district)
    rows = []
    for _, m in measures.iterrows():
        mine = codes[codes["measure_id"] == m.measure_id]
        # themes are optional: a measure and its clauses may have none
        themes = [x for x in mine["theme"].value_counts(sort=True).index.tolist() or [m.theme] if x]
        subs = mine.groupby("sub_tool", sort=False).size()
        rows.append(
            {
                "measure_id": m.measure_id,
                "themes": themes,
                "indicator_ids": links.loc[links["measure_id"] == m.measure_id, "indicator_id"].tolist(),
                "restated": dict(
                    links.loc[
                        (links["measure_id"] == m.measure_id) & (links["restated_quote"] != ""),
                        ["indicator_id", "restated_quote"],
                    ].to_numpy()
                ),
                "sub_tools": subs.to_dict(),
                "n_clauses": len(mine),
                "n_in_scope": int(mine["in_scope"].sum()),
            }
        )
    columns = ["measure_id", "themes", "indicator_ids", "restated", "sub_tools", "n_clauses", "n_in_scope"]
    return measures.merge(pd.DataFrame(rows, columns=columns), on="measure_id")
