"""Display tables: analysis frames with human columns and labels in the report language."""

from __future__ import annotations

import pandas as pd

from . import analysis
from .data import Dataset
from .i18n import number, percent, t, value_text


def col(ds: Dataset, key: str) -> str:
    return t(f"columns.{key}", ds.lang)


def shown_value(ds: Dataset, row: pd.Series, prefix: str = "") -> str:
    """A row of analysis.with_symbols (optionally prefixed) as `≥59家` / `≥59`."""
    return value_text(row[f"{prefix}value"], row[f"{prefix}unit"], ds.units, ds.lang, row[f"{prefix}symbol"])


def documents(ds: Dataset) -> pd.DataFrame:
    """One column per district, one row per fact: reads well for any number of districts."""
    o = analysis.document_overview(ds)
    wide = pd.DataFrame(
        {
            col(ds, "doc_title"): o["doc_title_zh"]
            if ds.lang == "zh"
            else o["doc_title_en"] + " (" + o["doc_title_zh"] + ")",
            col(ds, "city"): o[f"city_{ds.lang}"],
            col(ds, "issuer"): o[f"issuer_{ds.lang}"],
            col(ds, "doc_date"): o["doc_date"],
            col(ds, "doc_type"): o["doc_type"].map(ds.labels("doc_type")),
            col(ds, "plan_period"): o["plan_period"],
            col(ds, "characters"): o["characters"],
            col(ds, "structure"): [
                t("structure_text", ds.lang, sections=p, items=i) for p, i in zip(o["parts"], o["items"])
            ],
            col(ds, "n_indicators"): o["n_indicators"],
            col(ds, "n_measures"): o["n_measures"],
            col(ds, "n_codes"): o["n_codes"],
            col(ds, "n_programmes"): o["n_programmes"],
        }
    )
    wide.index = o["district_id"].map(ds.district_names())
    table = wide.T.astype(str)
    table.insert(0, "", table.index)
    table.columns.name = None
    return table


def wording(ds: Dataset, aspirational: bool) -> str:
    """'strive for (力争)' / '力争' for 力争/争取 figures, '' for firm ones."""
    return t("aspirational_mark", ds.lang) if aspirational else ""


def indicator_label(ds: Dataset, row: pd.Series, prefix: str) -> str:
    kind = ds.label("kind", row[f"{prefix}kind"])
    mark = wording(ds, row[f"{prefix}aspirational"])
    return t(
        "indicator_label",
        ds.lang,
        district=ds.district_name(row[f"{prefix}district_id"]),
        name=row[f"{prefix}name_{ds.lang}"],
        period=row[f"{prefix}period"],
        kind=kind + (t("list_sep", ds.lang) + mark if mark else ""),
        value=shown_value(ds, row, prefix),
    )


def comparability(ds: Dataset) -> pd.DataFrame:
    """One row per cross-district pair: both figures, which conditions they meet (definition, kind, year,
    wording), the verdict and why; where the wording differs, the like-for-like figure the document states."""
    pairs = analysis.comparability_pairs(ds)
    if pairs.empty:  # one district: nothing to compare (the table is then left out)
        return pd.DataFrame()
    criteria = analysis.comparability_criteria(ds).pivot(index="comparison_id", columns="criterion", values="met")
    alternatives = analysis.like_for_like(ds).set_index("comparison_id")
    ind = analysis.indicators(ds).set_index("indicator_id")
    yes_no = {True: col(ds, "yes"), False: col(ds, "no")}

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
            col(ds, "left"): [indicator_label(ds, r, "left_") for _, r in pairs.iterrows()],
            col(ds, "right"): [indicator_label(ds, r, "right_") for _, r in pairs.iterrows()],
            **{
                col(ds, c): pairs["comparison_id"].map(criteria[c]).map(yes_no)
                for c in ("same_definition", "same_kind", "same_year", "same_wording")
            },
            col(ds, "comparable"): pairs["comparable"].map(ds.labels("comparable")),
            col(ds, "reason"): [
                " ".join(x for x in (r[f"reason_{ds.lang}"], like(r)) if x) for _, r in pairs.iterrows()
            ],
        }
    )


def changes(ds: Dataset) -> pd.DataFrame:
    ch = analysis.implied_changes(ds)
    names = ds.indicators.set_index("indicator_id")[f"name_{ds.lang}"]
    return pd.DataFrame(
        {
            col(ds, "district"): ch["district_id"].map(ds.district_names()),
            col(ds, "indicator"): ch["target_id"].map(names),
            **{
                col(ds, end): [
                    f"{value_text(v, u, ds.units, ds.lang, s)} ({p})"
                    for v, u, s, p in zip(ch[end], ch["unit"], ch[f"{end}_symbol"], ch[f"{end}_period"])
                ]
                for end in ("actual", "target")
            },
            col(ds, "change"): [("+" if c > 0 else "") + number(round(c, 10)) for c in ch["change"]],
            col(ds, "change_pct"): [("+" if c > 0 else "") + percent(c, ds.lang) for c in ch["change_pct"]],
        }
    )


def agency_roles(ds: Dataset) -> pd.DataFrame:
    roles = analysis.agency_roles(ds)
    return pd.DataFrame(
        {
            col(ds, "district"): roles["district_id"].map(ds.district_names()),
            col(ds, "agency"): roles["name_zh"]
            if ds.lang == "zh"
            else roles["name_en"] + " (" + roles["name_zh"] + ")",
            col(ds, "n_lead"): roles["n_lead"],
            col(ds, "n_co"): roles["n_co"],
        }
    )


def indicators(ds: Dataset) -> pd.DataFrame:
    ind = analysis.indicators(ds)
    return pd.DataFrame(
        {
            col(ds, "district"): ind["district_id"].map(ds.district_names()),
            col(ds, "indicator"): ind[f"name_{ds.lang}"],
            col(ds, "value"): [shown_value(ds, r) for _, r in ind.iterrows()],
            col(ds, "kind"): ind["kind"].map(ds.labels("kind")),
            col(ds, "wording"): [wording(ds, a) for a in ind["aspirational"]],
            col(ds, "period"): ind["period"].astype(str),
            col(ds, "theme"): ind["theme"].map(ds.labels("theme")),
            col(ds, "quote"): ind["quote"],
            col(ds, "section"): ind["section"],
        }
    )


def coding_scheme(ds: Dataset) -> pd.DataFrame:
    v = ds.vocabularies
    rows = v[v["vocabulary"].isin(["policy_tool", "sub_tool", "value_chain_stage"])]
    order = {"policy_tool": 0, "sub_tool": 1, "value_chain_stage": 2}
    tools = ds.labels("policy_tool")
    rows = rows.assign(o=rows["vocabulary"].map(order)).sort_values(["o", "parent", "sort_order"])
    kind = {"policy_tool": col(ds, "policy_tool"), "value_chain_stage": col(ds, "stage")}
    return pd.DataFrame(
        {
            col(ds, "type"): [
                kind.get(r.vocabulary) or f"{col(ds, 'sub_tool')} ({tools[r.parent]})" for r in rows.itertuples()
            ],
            col(ds, "name"): rows[f"label_{ds.lang}"]
            + (" / " + rows["label_zh"] if ds.lang == "en" else " / " + rows["label_en"]),
            col(ds, "description"): rows[f"description_{ds.lang}"].where(
                rows[f"description_{ds.lang}"] != "", rows["description_en"]
            ),
        }
    )


def programmes(ds: Dataset) -> pd.DataFrame:
    p = ds.programmes
    return pd.DataFrame(
        {
            col(ds, "district"): p["district_id"].map(ds.district_names()),
            col(ds, "name"): p["name_zh"] + (" — " + p["name_en"] if ds.lang == "en" else ""),
            col(ds, "type"): p["type"].map(ds.labels("programme_type")),
            col(ds, "quote"): p["quote"],
        }
    )


def mix_tests(ds: Dataset, tests: pd.DataFrame) -> pd.DataFrame:
    labels = {
        "policy_tool": col(ds, "policy_tool"),
        "sub_tool": col(ds, "sub_tool"),
        "value_chain_stage": col(ds, "stage"),
    }
    return pd.DataFrame(
        {
            col(ds, "dimension"): tests["dimension"].map(labels),
            col(ds, "categories"): tests["n_categories"],
            col(ds, "units"): tests["n_units"],
            col(ds, "statistic"): [f"{x:.2f}" for x in tests["statistic"]],
            col(ds, "p_value"): [f"{x:.3f}" for x in tests["p_value"]],
        }
    )


def keyword_sentences(ds: Dataset, kwic: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            col(ds, "term"): kwic["term"],
            col(ds, "district"): kwic["district_id"].map(ds.district_names()),
            col(ds, "sentence"): kwic["sentence"],
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
    overview = analysis.measure_overview(ds)
    overview = overview[overview["district_id"] == district]
    ind = analysis.indicators(ds).set_index("indicator_id")
    names = analysis.agency_names(ds).set_index("name_as_written")[f"display_{ds.lang}"]
    themes, subs = ds.labels("theme"), ds.labels("sub_tool")

    def lead(m: pd.Series) -> str:
        if not m.lead_agency:
            return ds.label("lead_agency_source", m.lead_agency_source)
        name = names.get(m.lead_agency, m.lead_agency)
        if m.lead_agency_source == "named":
            return name
        return name + t("parenthesis", ds.lang, text=ds.label("lead_agency_source", m.lead_agency_source))

    def commitment(i: str) -> str:
        r = ind.loc[i]
        mark = wording(ds, r.aspirational)
        return t("commitment", ds.lang, name=r[f"name_{ds.lang}"], value=shown_value(ds, r)) + (
            t("parenthesis", ds.lang, text=mark) if mark else ""
        )

    def tools(counts: dict) -> str:
        return t("list_sep", ds.lang).join(
            subs[k] + (f" ×{n}" if n > 1 else "") for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
        )

    return pd.DataFrame(
        {
            col(ds, "measure_no"): overview["measure_no"],
            col(ds, "measure"): overview[f"title_{ds.lang}"],
            col(ds, "themes"): [t("list_sep", ds.lang).join(themes[x] for x in th) for th in overview["themes"]],
            col(ds, "lead_agency"): [lead(m) for _, m in overview.iterrows()],
            col(ds, "commitments"): [
                t("clause_sep", ds.lang).join(commitment(i) for i in ids) for ids in overview["indicator_ids"]
            ],
            col(ds, "instruments"): [tools(c) for c in overview["sub_tools"]],
        }
    )


def clauses(ds: Dataset) -> pd.DataFrame:
    """Every coded clause: district, measure, verbatim quote, tool, sub-tool, stage, theme and scope."""
    codes = analysis.clauses(ds)
    measures = ds.measures.set_index("measure_id")
    return pd.DataFrame(
        {
            col(ds, "code_id"): codes["code_id"],
            col(ds, "district"): codes["district_id"].map(ds.district_names()),
            col(ds, "measure"): codes["measure_id"].map(measures["measure_no"] + " " + measures[f"title_{ds.lang}"]),
            col(ds, "quote"): codes["quote"],
            col(ds, "policy_tool"): codes["policy_tool"].map(ds.labels("policy_tool")),
            col(ds, "sub_tool"): codes["sub_tool"].map(ds.labels("sub_tool")),
            col(ds, "stage"): codes["value_chain_stage"].map(ds.labels("value_chain_stage")),
            col(ds, "theme"): codes["theme"].map(ds.labels("theme")),
            col(ds, "scope"): codes["in_scope"].map({True: col(ds, "in_scope"), False: col(ds, "out_of_scope")}),
        }
    )
