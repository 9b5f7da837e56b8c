"""Sentences generated from the data, one function per report section. Each returns a list of
paragraph strings in the dataset's language; nothing here hard-codes a district or a number."""

from __future__ import annotations

import pandas as pd

from . import analysis
from .data import Dataset
from .i18n import join, number, percent, t, value_text


def interpretive(ds: Dataset, section: str) -> list[str]:
    """Analysts' text from narrative.csv for a section, in file order, keeping only texts whose
    districts are all in the report (general texts, with no districts, always)."""
    rows = ds.narrative[ds.narrative["section"] == section]
    selected = set(ds.district_ids)
    keep = [set(filter(None, d.split(";"))) <= selected for d in rows["districts"]]
    return rows.loc[keep, f"text_{ds.lang}"].tolist()


def glance(ds: Dataset) -> list[str]:
    lang, out = ds.lang, []
    overview = analysis.document_overview(ds)
    counts = analysis.indicator_theme_counts(ds)
    for _, d in overview.iterrows():
        fields = dict(
            district=ds.district_name(d.district_id),
            title=d.doc_title_zh if lang == "zh" else d.doc_title_en,
            issuer=d[f"issuer_{lang}"],
            date=d.doc_date,
            characters=f"{d.characters:,}" if lang == "en" else d.characters,
        )
        mine = counts[counts.district_id == d.district_id]
        if mine.empty:
            sentences = [t("narrative.glance_doc_no_numbers", lang, **fields)]
        else:
            by_kind = mine.groupby("kind")["n"].sum()
            kinds = join(
                [
                    t("narrative.kind_count", lang, n=by_kind[k], label=lower_first(ds.label("kind", k), lang))
                    for k in ds.order("kind")
                    if k in by_kind
                ],
                lang,
            )
            sentences = [t("narrative.glance_doc", lang, n_indicators=d.n_indicators, kinds=kinds, **fields)]
            by_theme = mine.groupby("theme")["n"].sum().sort_values(ascending=False, kind="stable")
            sentences.append(
                t(
                    "narrative.glance_top_theme",
                    lang,
                    theme=ds.label("theme", by_theme.index[0]),
                    n=by_theme.iloc[0],
                    total=d.n_indicators,
                )
            )
        sentences.append(
            t("narrative.glance_measures", lang, n_measures=d.n_measures, n_codes=d.n_codes)
            if d.n_measures
            else t("narrative.glance_no_measures", lang)
        )
        out.append(t("sentence_sep", lang).join(sentences))
    return interpretive(ds, "glance") + out


def lower_first(text: str, lang: str) -> str:
    """'New high-tech enterprises' → 'new high-tech enterprises'; leaves 'R&D …' and Chinese alone."""
    if lang != "en" or len(text) < 2 or not text[1].islower():
        return text
    return text[0].lower() + text[1:]


def value_phrase(ds: Dataset, row: pd.Series, prefix: str = "") -> str:
    r = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)} if prefix else row
    return t(
        "narrative.value_phrase",
        ds.lang,
        district=ds.district_name(r["district_id"]),
        name=lower_first(r[f"name_{ds.lang}"], ds.lang),
        kind=lower_first(ds.label("kind", r["kind"]), ds.lang),
        period=r["period"],
        value=value_text(r["value"], r["unit"], ds.units, ds.lang, r["symbol"]),
    )


def comparability(ds: Dataset) -> list[str]:
    pairs = analysis.comparability_pairs(ds)
    return [
        t(
            "narrative.pair_values",
            ds.lang,
            left=value_phrase(ds, p, "left_"),
            right=value_phrase(ds, p, "right_"),
            verdict=lower_first(ds.label("comparable", p.comparable), ds.lang),
            reason=p[f"reason_{ds.lang}"],
        )
        for _, p in pairs.iterrows()
    ]


def signed(value: float) -> str:
    return ("+" if value > 0 else "") + number(round(value, 10))


def changes(ds: Dataset) -> list[str]:
    ch = analysis.implied_changes(ds)
    if ch.empty:
        return [t("narrative.no_changes", ds.lang)]
    names = ds.indicators.set_index("indicator_id")[f"name_{ds.lang}"]
    out = []
    for _, c in ch.iterrows():
        bounded = c.actual_qualifier != "exact" or c.target_qualifier != "exact"
        out.append(
            t(
                "narrative.change",
                ds.lang,
                district=ds.district_name(c.district_id),
                name=lower_first(names[c.target_id], ds.lang),
                actual=value_text(c.actual, c.unit, ds.units, ds.lang, c.actual_symbol),
                target=value_text(c.target, c.unit, ds.units, ds.lang, c.target_symbol),
                actual_period=c.actual_period,
                target_period=c.target_period,
                change=signed(c.change) + ("" if c.unit != "%" else " pp" if ds.lang == "en" else "个百分点"),
                change_pct=("+" if c.change_pct > 0 else "") + percent(c.change_pct, ds.lang),
            )
            + (t("sentence_sep", ds.lang) + t("narrative.change_bounded", ds.lang) if bounded else "")
        )
    return out


def coverage(ds: Dataset) -> list[str]:
    if len(ds.district_ids) < 2:
        return [t("narrative.coverage_single", ds.lang)]
    cov = analysis.coverage(ds)
    labels = ds.labels("theme")
    out = [
        t(
            "narrative.coverage_shared",
            ds.lang,
            themes=join([labels[x] for x in analysis.shared_themes(cov, "quantified")], ds.lang) or t("none", ds.lang),
        )
    ]
    for column, key in (("quantified", "coverage_only"), ("planned", "coverage_plans_only")):
        for district, themes in analysis.exclusive_themes(cov, column).items():
            out.append(
                t(
                    f"narrative.{key}",
                    ds.lang,
                    district=ds.district_name(district),
                    themes=join([labels[x] for x in themes], ds.lang),
                )
            )
    return out


def instruments(ds: Dataset) -> list[str]:
    shares = analysis.tool_shares(ds)
    subs = analysis.subtool_stage_counts(ds).groupby(["district_id", "sub_tool"])["n"].sum().reset_index()
    stages = analysis.stage_shares(ds)
    out = interpretive(ds, "instruments")
    for district in ds.district_ids:
        mine = shares[shares.district_id == district].set_index("policy_tool")
        if mine.empty:
            out.append(t("narrative.tool_none", ds.lang, district=ds.district_name(district)))
            continue
        parts = [
            t(
                "narrative.tool_part",
                ds.lang,
                label=ds.label("policy_tool", k),
                share=percent(mine.at[k, "share"], ds.lang),
            )
            for k in ds.order("policy_tool")
            if k in mine.index
        ]
        top = subs[subs.district_id == district].sort_values("n", ascending=False, kind="stable").iloc[0]
        stage = stages[stages.district_id == district].sort_values("n", ascending=False, kind="stable").iloc[0]
        out.append(
            t("sentence_sep", ds.lang).join(
                [
                    t(
                        "narrative.tool_mix",
                        ds.lang,
                        district=ds.district_name(district),
                        n=int(mine["n"].sum()),
                        parts=join(parts, ds.lang),
                    ),
                    t("narrative.tool_top_sub", ds.lang, label=ds.label("sub_tool", top.sub_tool), n=top.n),
                    t(
                        "narrative.tool_top_stage",
                        ds.lang,
                        label=ds.label("value_chain_stage", stage.value_chain_stage),
                        share=percent(stage.share, ds.lang),
                    ),
                ]
            )
        )
    return out


def responsibility(ds: Dataset) -> list[str]:
    roles = analysis.agency_roles(ds)
    out = []
    for district in ds.district_ids:
        measures = ds.measures[ds.measures.district_id == district]
        if measures.empty:
            continue
        named = measures[measures.lead_agency_source == "named"]
        name = ds.district_name(district)
        if named.empty and (measures.lead_agency_source == "issuer").any():
            out.append(t("narrative.lead_issuer", ds.lang, district=name, total=len(measures)))
        elif not named.empty:
            mine = roles[roles.district_id == district]
            top = mine.iloc[0]
            out.append(
                t(
                    "narrative.lead_top",
                    ds.lang,
                    district=name,
                    agency=top.name_zh if ds.lang == "zh" else top.name_en,
                    n=top.n_lead,
                    total=len(measures),
                    n_agencies=mine.agency_id.nunique(),
                )
            )
        unnamed = (measures.lead_agency_source == "not_named").sum()
        if unnamed:
            out.append(t("narrative.lead_unnamed", ds.lang, district=name, n=unnamed))
    return out + interpretive(ds, "responsibility")


def programmes(ds: Dataset) -> list[str]:
    counts = analysis.programme_counts(ds)
    out = []
    for district in ds.district_ids:
        mine = counts[counts.district_id == district].set_index("type")["n"]
        if mine.empty:
            continue
        parts = join(
            [
                t(
                    "narrative.programme_part",
                    ds.lang,
                    n=mine[k],
                    label=lower_first(ds.label("programme_type", k), ds.lang),
                )
                for k in ds.order("programme_type")
                if k in mine.index
            ],
            ds.lang,
        )
        out.append(
            t("narrative.programmes", ds.lang, district=ds.district_name(district), n=int(mine.sum()), parts=parts)
        )
    return out


def targets(ds: Dataset) -> list[str]:
    if analysis.paired_indicators(ds).empty:
        return [t("narrative.no_pairs", ds.lang)]
    return interpretive(ds, "targets")


def p_text(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else "< 0.001"


def mix_test(ds: Dataset, tests: pd.DataFrame) -> list[str]:
    """Sentences on analysis.mix_tests(ds) (passed in: the permutations take a second or two)."""
    if tests.empty:
        return [t("narrative.mix_test_single", ds.lang)]
    p = tests.set_index("dimension")["p_value"]
    out = [
        t(
            "narrative.mix_test",
            ds.lang,
            n=int(tests["n_units"].iloc[0]),
            permutations=f"{int(tests['permutations'].iloc[0]):,}",
            p_tool=p_text(p["policy_tool"]),
            p_sub=p_text(p["sub_tool"]),
            p_stage=p_text(p["value_chain_stage"]),
        )
    ]
    significant = [
        lower_first(t(f"columns.{'stage' if d == 'value_chain_stage' else d}", ds.lang), ds.lang)
        for d in p.index
        if p[d] < 0.05
    ]
    out.append(
        t("narrative.mix_test_significant", ds.lang, dims=join(significant, ds.lang))
        if significant
        else t("narrative.mix_test_not_significant", ds.lang)
    )
    out.append(t("narrative.mix_test_caveat", ds.lang))
    return out


def vocabulary(ds: Dataset, terms: pd.DataFrame, n_user_terms: int) -> list[str]:
    out = [t("narrative.vocab_intro", ds.lang, n_terms=n_user_terms, n_stop=len(ds.stopwords))]
    if terms.empty:
        return out + [t("narrative.vocab_single", ds.lang)]
    for district in ds.district_ids:
        mine = terms[terms.district_id == district].head(5)
        listed = [
            t(
                "narrative.vocab_term",
                ds.lang,
                term=r.term + (f" ‘{r.gloss_en}’" if ds.lang == "en" and r.gloss_en else ""),
                z=f"{r.z:.2f}",
            )
            for r in mine.itertuples()
        ]
        out.append(t("narrative.vocab_top", ds.lang, district=ds.district_name(district), terms=join(listed, ds.lang)))
    return out


def kwic(ds: Dataset, terms: list[str]) -> list[str]:
    quoted = [f"“{x}”" for x in terms]
    return [t("narrative.kwic_intro", ds.lang, terms=join(quoted, ds.lang))] if terms else []


def methods(ds: Dataset) -> list[str]:
    from .stats import PERMUTATIONS

    texts = [
        t(f"methods.{key}", ds.lang, permutations=f"{PERMUTATIONS:,}")
        for key in ("curation", "coding", "test", "logodds", "limits")
    ]
    return [*texts[:2], agreement(ds), *texts[2:]]


def kappa_text(kappa: float, lang: str) -> str:
    """A kappa to two decimals (our arithmetic), or 'not defined'."""
    return t("agreement.undefined", lang) if pd.isna(kappa) else f"{kappa:.2f}"


def landis_koch_convention(lang: str) -> str:
    """The Landis and Koch bands from stats.LANDIS_KOCH, as 'slight 0.00–0.20, fair 0.21–0.40, ...'."""
    from .stats import LANDIS_KOCH

    bounds = [bound for bound, _ in LANDIS_KOCH]
    return t("list_sep", lang).join(
        t("agreement.band_range", lang, band=t(f"agreement.bands.{name}", lang), low=f"{low:.2f}", high=f"{high:.2f}")
        for low, (high, name) in zip([b + 0.01 if b else b for b in bounds[:-1]], LANDIS_KOCH[1:], strict=True)
    )


def agreement(ds: Dataset) -> str:
    """The method notes' paragraph on inter-coder agreement, from analysis.coder_agreement."""
    from .stats import KAPPA_RULE_THRESHOLD

    a = analysis.coder_agreement(ds)
    if a.empty:
        return t("agreement.no_sample", ds.lang)
    lang = ds.lang
    field = {f: lower_first(t(f"agreement.fields.{f}", lang), lang) for f in a["field"]}
    lowest = a.loc[a["kappa"].fillna(1).idxmin()]
    bands = [b for b in a.sort_values("kappa")["band"].unique() if b]
    sentences = [
        t(
            "agreement.sample",
            lang,
            n=int(a["n"].iloc[0]),
            agree_min=percent(a["agreement"].min(), lang),
            agree_max=percent(a["agreement"].max(), lang),
            kappa_min=kappa_text(lowest["kappa"], lang),
            field_min=field[lowest["field"]],
            kappa_max=kappa_text(a["kappa"].max(), lang),
        )
    ]
    convention = landis_koch_convention(lang)
    band = {b: t(f"agreement.bands.{b}", lang) for b in bands}
    if len(bands) == 1:
        sentences.append(t("agreement.strength_one", lang, convention=convention, band=band[bands[0]]))
    elif bands:
        sentences.append(
            t(
                "agreement.strength_range",
                lang,
                convention=convention,
                band_min=band[bands[0]],
                band_max=band[bands[-1]],
            )
        )
    low = a[a["kappa"] < KAPPA_RULE_THRESHOLD]
    if len(low):
        sentences.append(
            t(
                "agreement.low",
                lang,
                threshold=f"{KAPPA_RULE_THRESHOLD:.2f}",
                fields=join([field[f] for f in low["field"]], lang),
            )
        )
    else:
        differ = analysis.coder_disagreements(ds)["code_id"].unique()
        notes = ds.second_coding.set_index("code_id")["note"].fillna("")
        sentences.append(
            t(
                "agreement.none_low",
                lang,
                threshold=f"{KAPPA_RULE_THRESHOLD:.2f}",
                n_clauses=len(differ),
                n_noted=int((notes.reindex(differ) != "").sum()),
            )
        )
    return t("sentence_sep", lang).join(sentences)
