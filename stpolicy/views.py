"""Display tables: analysis frames with human columns and labels in the report language."""

from __future__ import annotations

import pandas as pd

from . import analysis
from .data import Dataset
from .defaults import ASPIRATION_WORDS
from .i18n import change, percent, second_column, sentences, t, value_text


def with_original(ds: Dataset, texts: pd.Series, originals: pd.Series) -> list[str]:
    """Names in the report language followed, where the language's format says so, by the Chinese original."""
    return [t("formats.with_original", ds.lang, text=a, original=b) for a, b in zip(texts, originals, strict=True)]


def shown_value(ds: Dataset, row: pd.Series, prefix: str = "") -> str:
    """A row of analysis.with_symbols (optionally prefixed) as `≥59家` / `≥59`."""
    return value_text(row[f"{prefix}value"], row[f"{prefix}unit"], ds.units, ds.lang, row[f"{prefix}symbol"])


def documents(ds: Dataset) -> pd.DataFrame:
    """One column per district, one row per fact: reads well for any number of districts."""
    o = analysis.document_overview(ds)
    wide = pd.DataFrame(
        {
            ds.col("doc_title"): with_original(ds, o[ds.field("doc_title")], o["doc_title_zh"]),
            ds.col("city"): o[ds.field("city")],
            ds.col("issuer"): o[ds.field("issuer")],
            ds.col("doc_date"): o["doc_date"],
            ds.col("doc_type"): o["doc_type"].map(ds.labels("doc_type")),
            ds.col("plan_period"): o["plan_period"],
            ds.col("characters"): o["characters"],
            ds.col("structure"): [
                t("structure_text", ds.lang, sections=p, items=i) for p, i in zip(o["parts"], o["items"], strict=True)
            ],
            ds.col("n_indicators"): o["n_indicators"],
            ds.col("n_measures"): o["n_measures"],
            ds.col("n_codes"): o["n_codes"],
            ds.col("n_programmes"): o["n_programmes"],
        }
    )
    wide.index = ds.map_districts(o["district_id"])
    table = wide.T.astype(str)
    table.insert(0, ds.col("fact"), table.index)  # a named header: an empty one is an accessibility error
    table.columns.name = None
    return table


def wording(ds: Dataset, aspirational: bool, word: str = "") -> str:
    """'strive for (力争)' / '争取' for aspirational figures, with the word the document uses
    (analysis.aspiration_word); '' for firm ones."""
    return t("aspirational_mark", ds.lang, word=word or analysis.aspiration_word("")) if aspirational else ""


def indicator_label(ds: Dataset, row: pd.Series, prefix: str) -> str:
    """One side of a comparability pair: district, name, year, kind and value."""
    kind = ds.label("kind", row[f"{prefix}kind"])
    mark = wording(ds, row[f"{prefix}aspirational"], row.get(f"{prefix}aspiration_word", ""))
    return t(
        "indicator_label",
        ds.lang,
        district=ds.district_name(row[f"{prefix}district_id"]),
        name=row[prefix + ds.field("name")],
        period=row[f"{prefix}period"],
        kind=kind + (t("list_sep", ds.lang) + mark if mark else ""),
        value=shown_value(ds, row, prefix),
    )


def comparability(ds: Dataset) -> pd.DataFrame:
    """One row per cross-district pair: both figures, which conditions they meet (definition, kind, year,
    wording), the verdict and why; where the wording differs, the like-for-like figure the document states.
    A listing: the pairs within the first districts of many (Dataset.listed)."""
    ds = ds.listed()
    pairs = analysis.comparability_pairs(ds)
    if pairs.empty:  # one district: nothing to compare (the table is then left out)
        return pd.DataFrame()
    criteria = analysis.comparability_criteria(ds).pivot(index="comparison_id", columns="criterion", values="met")
    alternatives = analysis.like_for_like(ds).set_index("comparison_id")
    ind = analysis.indicators(ds).set_index("indicator_id")
    yes_no = {True: ds.col("yes"), False: ds.col("no")}

    def like(p: pd.Series) -> str:
        if p.comparison_id not in alternatives.index:
            return ""
        alt = alternatives.loc[p.comparison_id]
        left = (
            ind.loc[alt.alt_left_id]
            if alt.alt_left_id
            else p[[c for c in p.index if c.startswith("left_")]].rename(lambda c: c[5:])
        )
        right = (
            ind.loc[alt.alt_right_id]
            if alt.alt_right_id
            else p[[c for c in p.index if c.startswith("right_")]].rename(lambda c: c[6:])
        )
        if not (alt.alt_left_id or alt.alt_right_id):
            return t("narrative.no_like_for_like", ds.lang)
        return t(
            "narrative.like_for_like",
            ds.lang,
            left=t("district_value", ds.lang, district=ds.district_name(left.district_id), value=shown_value(ds, left)),
            right=t(
                "district_value", ds.lang, district=ds.district_name(right.district_id), value=shown_value(ds, right)
            ),
        )

    return pd.DataFrame(
        {
            ds.col("left"): [indicator_label(ds, r, "left_") for _, r in pairs.iterrows()],
            ds.col("right"): [indicator_label(ds, r, "right_") for _, r in pairs.iterrows()],
            **{
                ds.col(c): [yes_no.get(m, ds.col("not_applicable")) for m in pairs["comparison_id"].map(criteria[c])]
                for c in ("same_definition", "same_kind", "same_year", "same_wording")
            },
            ds.col("comparable"): pairs["comparable"].map(ds.labels("comparable")),
            ds.col("reason"): [
                sentences([x for x in (r[ds.field("reason")], like(r)) if x], ds.lang) for _, r in pairs.iterrows()
            ],
        }
    )


# How a bound on either value bounds the difference target − actual: a lower bound on the actual (≥ 120) makes
# the difference at most the computed one, a lower bound on the target at least; "about" makes it approximate.
DIFFERENCE_BOUND = {
    ("actual", "at_least"): "≤",
    ("actual", "over"): "≤",
    ("actual", "up_to"): "≥",
    ("target", "at_least"): "≥",
    ("target", "over"): "≥",
    ("target", "up_to"): "≤",
}


def difference_text(ds: Dataset, row: pd.Series) -> str:
    """Target − actual as written: percentage points for percentages, and a bound (≤, ≥, ≈) where either value
    is one; an exact figure only when both values are exact."""
    qualifiers = {end: row[f"{end}_qualifier"] for end in ("actual", "target")}
    if "about" in qualifiers.values():
        bounds = {"≈"}
    else:
        bounds = {DIFFERENCE_BOUND[(end, q)] for end, q in qualifiers.items() if (end, q) in DIFFERENCE_BOUND}
    if len(bounds) > 1:  # bounded from both sides in opposite directions: nothing can be said
        return t("narrative.change_undetermined", ds.lang)
    value = change(round(row["change"], 10), row["unit"], ds.lang)
    return (bounds.pop() + " " if bounds else "") + value


def changes(ds: Dataset) -> pd.DataFrame:
    """Per district and indicator: latest actual, next target and the difference between them (not a planned
    change: a year's result next to a later year's target)."""
    ch = analysis.implied_changes(ds)
    ind = analysis.indicators(ds).set_index("indicator_id")
    names = ind[ds.field("name")]
    table = pd.DataFrame(
        {
            ds.col("district"): ds.map_districts(ch["district_id"]),
            ds.col("indicator"): ch["target_id"].map(names),
            **{
                ds.col(end): [
                    t("narrative.value_period", ds.lang, value=value_text(v, u, ds.units, ds.lang, s), period=p)
                    for v, u, s, p in zip(ch[end], ch["unit"], ch[f"{end}_symbol"], ch[f"{end}_period"], strict=True)
                ]
                for end in ("actual", "target")
            },
            ds.col("difference"): [difference_text(ds, r) for _, r in ch.iterrows()],
        }
    )
    # the target's wording (力争/争取 or firm), as in the comparability table: a 力争 target is not a plan
    marks = [wording(ds, ind.at[i, "aspirational"], ind.at[i, "aspiration_word"]) for i in ch["target_id"]]
    table.insert(4, ds.col("target_wording"), marks)
    return table


def agency_roles(ds: Dataset) -> pd.DataFrame:
    """Agencies by measures led and co-responsible, per district (a listing: Dataset.listed)."""
    ds = ds.listed()
    roles = analysis.agency_roles(ds)
    return pd.DataFrame(
        {
            ds.col("district"): ds.map_districts(roles["district_id"]),
            ds.col("agency"): with_original(ds, roles[ds.field("name")], roles["name_zh"]),
            ds.col("n_lead"): roles["n_lead"],
            ds.col("n_co"): roles["n_co"],
        }
    )


def with_cell_titles(frame: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    """Cells shown with a tooltip (Report.table): a translated section path shows the path as written."""
    frame.attrs["cell_titles"] = titles
    return frame


def indicators(ds: Dataset) -> pd.DataFrame:
    """Every quantitative statement with its value, kind, year, theme, quote and section."""
    ds = ds.listed()
    ind = analysis.indicators(ds)
    return pd.DataFrame(
        {
            ds.col("district"): ds.map_districts(ind["district_id"]),
            ds.col("indicator"): ind[ds.field("name")],
            ds.col("value"): [shown_value(ds, r) for _, r in ind.iterrows()],
            ds.col("kind"): ind["kind"].map(ds.labels("kind")),
            ds.col("wording"): [
                wording(ds, a, w) for a, w in zip(ind["aspirational"], ind["aspiration_word"], strict=True)
            ],
            ds.col("period"): ind["period"].astype(str),
            ds.col("theme"): ind["theme"].map(ds.labels("theme")),
            ds.col("quote"): ind["quote"],
            ds.col("section"): ind["section"].map(ds.section_path),
        }
    ).pipe(with_cell_titles, {ds.section_path(s): s for s in ind["section"] if ds.section_path(s) != s})


def coding_scheme(ds: Dataset) -> pd.DataFrame:
    """The coding scheme: tools, sub-tools (under their tool) and stages, with definitions."""
    v = ds.vocabularies
    rows = v[v["vocabulary"].isin(["policy_tool", "sub_tool", "value_chain_stage"])]
    order = {"policy_tool": 0, "sub_tool": 1, "value_chain_stage": 2}
    tools = ds.labels("policy_tool")
    rows = rows.assign(o=rows["vocabulary"].map(order)).sort_values(["o", "parent", "sort_order"])
    kind = {"policy_tool": ds.col("policy_tool"), "value_chain_stage": ds.col("stage")}
    return pd.DataFrame(
        {
            ds.col("type"): [
                kind.get(r.vocabulary)
                or t("formats.qualified", ds.lang, text=ds.col("sub_tool"), detail=tools[r.parent])
                for r in rows.itertuples()
            ],
            ds.col("name"): [
                t("formats.with_second", ds.lang, text=a, second=b)
                for a, b in zip(rows[ds.field("label")], rows[second_column("label", ds.lang)], strict=True)
            ],
            ds.col("description"): rows[ds.field("description")].where(
                rows[ds.field("description")] != "", rows["description_en"]
            ),
        }
    )


def programmes(ds: Dataset) -> pd.DataFrame:
    """Named programmes, platforms and institutions, each with its quote."""
    ds = ds.listed()
    p = ds.programmes
    return pd.DataFrame(
        {
            ds.col("district"): ds.map_districts(p["district_id"]),
            ds.col("name"): [
                t("formats.original_first", ds.lang, original=zh, text=name)
                for zh, name in zip(p["name_zh"], p[ds.field("name")], strict=True)
            ],
            ds.col("type"): p["type"].map(ds.labels("programme_type")),
            ds.col("quote"): p["quote"],
        }
    )


def mix_tests(ds: Dataset, tests: pd.DataFrame) -> pd.DataFrame:
    """The permutation tests: dimension, categories, clauses, chi-square and p, raw and Holm-adjusted; then
    the same p-values without the safeguard provisions, where a district has any."""
    labels = {
        "policy_tool": ds.col("policy_tool"),
        "sub_tool": ds.col("sub_tool"),
        "value_chain_stage": ds.col("stage"),
    }
    table = pd.DataFrame(
        {
            ds.col("dimension"): tests["dimension"].map(labels),
            ds.col("categories"): tests["n_categories"],
            ds.col("units"): tests["n_units"],
            ds.col("statistic"): [f"{x:.2f}" for x in tests["statistic"]],
            ds.col("p_value"): [f"{x:.3f}" for x in tests["p_value"]],
            ds.col("p_holm"): [f"{x:.3f}" for x in tests["p_holm"]],
        }
    )
    core = analysis.core_mix_tests(ds)
    if core.empty or tests.empty:
        return table
    core = core.set_index("dimension").loc[tests["dimension"]]
    return table.assign(
        **{
            ds.col("units_core"): core["n_units"].to_numpy(),
            ds.col("p_core"): [f"{x:.3f}" for x in core["p_value"]],
            ds.col("p_core_holm"): [f"{x:.3f}" for x in core["p_holm"]],
        }
    )


def keyword_sentences(ds: Dataset, kwic: pd.DataFrame) -> pd.DataFrame:
    """The sentences containing each keyword, per district (of the listed districts: Dataset.listed)."""
    kwic = kwic[kwic["district_id"].isin(ds.listed().district_ids)]
    return pd.DataFrame(
        {
            ds.col("term"): kwic["term"],
            ds.col("district"): ds.map_districts(kwic["district_id"]),
            ds.col("sentence"): kwic["sentence"],
        }
    )


def agreement(ds: Dataset) -> pd.DataFrame:
    """analysis.coder_agreement with the field names, shares, kappas and bands in the report language."""
    from .narrative import kappa_text

    a = analysis.coder_agreement(ds)

    def head(key: str) -> str:
        return t(f"agreement.columns.{key}", ds.lang)

    return pd.DataFrame(
        {
            head("field"): [t(f"agreement.fields.{f}", ds.lang) for f in a["field"]],
            head("n"): a["n"],
            head("agreement"): [percent(x, ds.lang) for x in a["agreement"]],
            head("kappa"): [kappa_text(k, ds.lang) for k in a["kappa"]],
            head("band"): [t(f"agreement.bands.{b}", ds.lang) if b else "" for b in a["band"]],
        }
    )


def measures(ds: Dataset, district: str) -> pd.DataFrame:
    """Every measure of one district's plan: number, title, themes, lead agency, the quantified commitments its
    paragraph contains and its instruments (sub-tools, with clause counts where more than one)."""
    overview = analysis.measure_overview(ds, district)
    ind = analysis.indicators(ds).set_index("indicator_id")
    names = analysis.agency_names(ds).set_index("name_as_written")[ds.field("display")]
    themes, subs = ds.labels("theme"), ds.labels("sub_tool")

    def lead(m: pd.Series) -> str:
        if not m.lead_agency:
            return ds.label("lead_agency_source", m.lead_agency_source)
        name = names.get(m.lead_agency, m.lead_agency)
        if m.lead_agency_source == "named":
            return name
        return name + t("parenthesis", ds.lang, text=ds.label("lead_agency_source", m.lead_agency_source))

    def commitment(i: str, restated: dict) -> str:
        r = ind.loc[i]
        if i in restated:  # stated again in other words: the restatement's own wording, marked as restated
            words = [w for w in ASPIRATION_WORDS if w in restated[i]]
            marks = [wording(ds, True, analysis.aspiration_word(restated[i]))] if words else []
            marks.append(t("restated_mark", ds.lang))
        else:
            marks = [m for m in [wording(ds, r.aspirational, r.aspiration_word)] if m]
        return t("commitment", ds.lang, name=r[ds.field("name")], value=shown_value(ds, r)) + (
            t("parenthesis", ds.lang, text=t("list_sep", ds.lang).join(marks)) if marks else ""
        )

    def tools(counts: dict) -> str:
        return t("list_sep", ds.lang).join(
            subs[k] + (f" ×{n}" if n > 1 else "") for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
        )

    return pd.DataFrame(
        {
            ds.col("measure_no"): overview["measure_no"],
            ds.col("measure"): overview[ds.field("title")],
            ds.col("themes"): [t("list_sep", ds.lang).join(themes[x] for x in th) for th in overview["themes"]],
            ds.col("lead_agency"): [lead(m) for _, m in overview.iterrows()],
            ds.col("commitments"): [
                t("clause_sep", ds.lang).join(commitment(i, again) for i in ids)
                for ids, again in zip(overview["indicator_ids"], overview["restated"], strict=True)
            ],
            ds.col("instruments"): [tools(c) for c in overview["sub_tools"]],
        }
    )


def clauses(ds: Dataset) -> pd.DataFrame:
    """Every coded clause: district, measure, verbatim quote, tool, sub-tool, stage, theme and scope."""
    ds = ds.listed()
    codes = analysis.clauses(ds)
    measures = ds.measures.set_index("measure_id")
    return pd.DataFrame(
        {
            ds.col("code_id"): codes["code_id"],
            ds.col("district"): ds.map_districts(codes["district_id"]),
            ds.col("measure"): codes["measure_id"].map(measures["measure_no"] + " " + measures[ds.field("title")]),
            ds.col("quote"): codes["quote"],
            ds.col("policy_tool"): codes["policy_tool"].map(ds.labels("policy_tool")),
            ds.col("sub_tool"): codes["sub_tool"].map(ds.labels("sub_tool")),
            ds.col("stage"): codes["value_chain_stage"].map(ds.labels("value_chain_stage")),
            ds.col("theme"): codes["theme"].map(ds.labels("theme")),
            ds.col("scope"): codes["in_scope"].map({True: ds.col("in_scope"), False: ds.col("out_of_scope")}),
        }
    )
