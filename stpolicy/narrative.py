"""Sentences generated from the data, one function per report section. Each returns a list of
paragraph strings in the dataset's language; nothing here hard-codes a district or a number."""

from __future__ import annotations

import pandas as pd

from . import analysis
from .data import Dataset
from .i18n import date_text, integer, join, lower_first, p_value, percent, percent_stated, quote, t, value_text
from .stats import ALPHA, PERMUTATIONS, Z_CRITICAL


def interpretive(ds: Dataset, section: str) -> list[str]:
    """Analysts' text from narrative.csv for a section, in file order, keeping only texts whose
    districts are all in the report (general texts, with no districts, always)."""
    rows = ds.narrative[ds.narrative["section"] == section]
    selected = set(ds.district_ids)
    keep = [set(filter(None, d.split(";"))) <= selected for d in rows["districts"]]
    return rows.loc[keep, ds.field("text")].tolist()


def glance(ds: Dataset) -> list[str]:
    """Per district: its document, its numbers by kind, its most quantified theme, its measures."""
    lang, out = ds.lang, []
    overview = analysis.document_overview(ds)
    counts = analysis.indicator_theme_counts(ds)
    for _, d in overview.iterrows():
        fields = dict(
            district=ds.district_name(d.district_id),
            title=d[ds.field("doc_title")],
            issuer=d[ds.field("issuer")],
            date=date_text(d.doc_date, lang),
            characters=integer(d.characters, lang),
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
                    theme=join([ds.label("theme", x) for x in leaders(by_theme)], lang),
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
    return out  # the analysts' texts come after the heading (Report.heading)


def leaders(counts: pd.Series) -> list:
    """Every label that has the highest count: a "most" statement names all of them when they tie."""
    return counts[counts == counts.max()].index.tolist() if len(counts) else []


def value_phrase(ds: Dataset, row: pd.Series, prefix: str = "") -> str:
    """One indicator row (optionally with prefixed columns) as a phrase: district, name, kind, year, value."""
    r = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)} if prefix else row
    return t(
        "narrative.value_phrase",
        ds.lang,
        district=ds.district_name(r["district_id"]),
        name=lower_first(r[ds.field("name")], ds.lang),
        kind=lower_first(ds.label("kind", r["kind"]), ds.lang)
        + (
            t("list_sep", ds.lang)
            + t("aspirational_mark", ds.lang, word=r.get("aspiration_word", "") or analysis.aspiration_word(""))
            if r.get("aspirational", False) and r["kind"] != "stretch_target"  # the kind already says 力争
            else ""
        ),
        period=r["period"],
        value=value_text(r["value"], r["unit"], ds.units, ds.lang, r["symbol"]),
    )


def changes_summary(ds: Dataset) -> list[str]:
    """Which districts state both an actual and a target for the same indicator (the table lists them)."""
    ch = analysis.implied_changes(ds)
    if ch.empty:
        return [t("narrative.no_changes", ds.lang)]
    counts = ch.groupby("district_id", sort=False).size()
    parts = [t("narrative.changes_part", ds.lang, district=ds.district_name(d), n=n) for d, n in counts.items()]
    return [t("narrative.changes_summary", ds.lang, parts=join(parts, ds.lang))]


def measures(ds: Dataset) -> list[str]:
    """How many measures each plan has and how many of them carry quantified commitments."""
    overview = analysis.measure_overview(ds)
    safe = analysis.safeguard_measures(ds)
    parts = [
        t(
            "narrative.measures_part_safeguards" if g["measure_id"].isin(safe).any() else "narrative.measures_part",
            ds.lang,
            district=ds.district_name(d),
            n=len(g),
            n_safe=int(g["measure_id"].isin(safe).sum()),
            n_tasks=int((~g["measure_id"].isin(safe)).sum()),
            n_quantified=int((g["indicator_ids"].str.len() > 0).sum()),
            n_commitments=int(g["indicator_ids"].str.len().sum()),
        )
        for d, g in overview.groupby("district_id", sort=False)
    ]
    return [t("narrative.measures_intro", ds.lang), *parts]


def coverage(ds: Dataset) -> list[str]:
    """Which themes every district covers and which only one does, in numbers and in planned clauses."""
    if len(ds.district_ids) < 2:
        return [t("narrative.coverage_single", ds.lang)]
    labels = ds.labels("theme")
    # with two districts "all"/"another" read as machine text: the strings say "both"/"the other" (…_two)
    two = "_two" if len(ds.district_ids) == 2 else ""
    out = []
    for _, c in analysis.coverage_claims(ds).iterrows():
        themes = join([lower_first(labels[x], ds.lang) for x in c.themes], ds.lang)
        if c.claim == "all":
            out.append(t(f"narrative.coverage_all_{c.basis}{two}", ds.lang, themes=themes or t("none", ds.lang)))
        else:
            out.append(
                t(
                    f"narrative.coverage_only_{c.basis}{two if c.basis == 'clauses' else ''}",
                    ds.lang,
                    district=ds.district_name(c.district_id),
                    themes=themes,
                )
            )
    outside = analysis.out_of_scope_themes(ds)
    if len(outside):  # quoted: theme names such as "culture and tourism" would run together in a plain list
        quoted = [t("formats.quote", ds.lang, text=lower_first(labels[x], ds.lang)) for x in outside.index]
        out.append(t("narrative.coverage_out_of_scope", ds.lang, themes=join(quoted, ds.lang), n=int(outside.sum())))
    return out


def instruments(ds: Dataset) -> list[str]:
    """Per district: the share of each basic tool, the most used sub-tool, the most addressed stage."""
    shares = analysis.tool_shares(ds)
    subs = analysis.subtool_stage_counts(ds).groupby(["district_id", "sub_tool"])["n"].sum().reset_index()
    stages = analysis.stage_shares(ds)
    out = []
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
        top_subs = leaders(subs[subs.district_id == district].set_index("sub_tool")["n"])
        mine_stages = stages[stages.district_id == district].set_index("value_chain_stage")
        top_stages = leaders(mine_stages["n"])
        top_n = int(subs[(subs.district_id == district) & (subs.sub_tool == top_subs[0])]["n"].iloc[0])
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
                    t(
                        "narrative.tool_top_sub",
                        ds.lang,
                        label=join([ds.label("sub_tool", x) for x in top_subs], ds.lang),
                        n=top_n,
                    ),
                    t(
                        "narrative.tool_top_stage",
                        ds.lang,
                        label=join([ds.label("value_chain_stage", x) for x in top_stages], ds.lang),
                        share=percent(mine_stages.at[top_stages[0], "share"], ds.lang),
                    ),
                ]
            )
        )
    return out + scope_sensitivity(ds)


def scope_sensitivity(ds: Dataset) -> list[str]:
    """One line: how many clauses are out of scope, and how each district's largest tool share would move if
    they were counted."""
    codes = analysis.clauses(ds)
    out_of_scope = codes[~codes["in_scope"]]
    if out_of_scope.empty:
        return [t("narrative.scope_none", ds.lang, n=len(codes))]
    shift = analysis.scope_shift(ds)
    parts = [
        t(
            "narrative.scope_part",
            ds.lang,
            district=ds.district_name(r.district_id),
            n=r.n_out,
            tool=lower_first(ds.label("policy_tool", r.policy_tool), ds.lang),
            before=percent(r.share_in, ds.lang),
            after=percent(r.share_all, ds.lang),
            n_all=r.n_all,
            n_tool=r.n_tool_out,
        )
        for r in shift.itertuples()
    ]
    return [
        t(
            "narrative.scope_sensitivity",
            ds.lang,
            n=len(out_of_scope),
            total=len(codes),
            parts=t("clause_sep", ds.lang).join(parts),
        )
    ]


def responsibility_counts(ds: Dataset) -> dict[str, dict]:
    """Per district with measures: the numbers the responsibility text states (and the chart must show)."""
    roles = analysis.agency_roles(ds)
    places = analysis.places_named(ds)
    out = {}
    for district in ds.district_ids:
        measures = ds.measures[ds.measures.district_id == district]
        if measures.empty:
            continue
        mine = roles[roles.district_id == district]
        out[district] = {
            "total": len(measures),
            "named": int((measures.lead_agency_source == "named").sum()),
            "issuer": int((measures.lead_agency_source == "issuer").sum()),
            "unnamed": int((measures.lead_agency_source == "not_named").sum()),
            "n_agencies": int(mine.agency_id.nunique()),
            "top": mine.iloc[0] if len(mine) else None,
            "places": places[places.district_id == district],
        }
    return out


def absent_leads(ds: Dataset, district: str, resp: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """(agency name, other district) for each agency that leads measures elsewhere (named or implied) but that
    none of `district`'s responsibility lists names: the statement "X's lists never name Y" is true exactly
    for these. `resp`: analysis.responsibilities(ds), when the caller has it (once per district it was most of
    a 50-district build's responsibility section)."""
    resp = analysis.responsibilities(ds) if resp is None else resp
    here = resp[resp["district_id"] == district]
    if not (here["source"] == "named").any():
        return []
    leads = resp[(resp["district_id"] != district) & (resp["role"] == "lead") & resp["is_agency"].astype(bool)]
    leads = leads[~leads["agency_id"].isin(here["agency_id"])].drop_duplicates("agency_id")
    return [(r[ds.field("display")], r.district_id) for _, r in leads.iterrows()]


def responsibility(ds: Dataset) -> list[str]:
    """Per district: who leads most measures, or that the issuer leads them all; places named."""
    out = []
    resp = analysis.responsibilities(ds)
    for district, c in responsibility_counts(ds).items():
        name = ds.district_name(district)
        if c["issuer"]:
            lead = ds.measures.loc[
                (ds.measures.district_id == district) & (ds.measures.lead_agency_source == "issuer"), "lead_agency"
            ].iloc[0]
            issuer = analysis.agency_names(ds).set_index("name_as_written").loc[lead, ds.field("display")]
            out.append(
                t("narrative.lead_issuer", ds.lang, district=name, total=c["total"], n=c["issuer"], issuer=issuer)
            )
        if c["top"] is not None:
            top = c["top"]
            out.append(
                t(
                    "narrative.lead_top",
                    ds.lang,
                    district=name,
                    agency=top[ds.field("name")],
                    n=top.n_lead,
                    total=c["named"],
                    n_agencies=c["n_agencies"],
                )
            )
        if len(c["places"]):
            out.append(
                t(
                    "narrative.lead_places",
                    ds.lang,
                    district=name,
                    places=join([lower_first(x, ds.lang) for x in c["places"][ds.field("display")]], ds.lang),
                )
            )
        for agency, other in absent_leads(ds, district, resp):
            # absent_leads is empty unless the district names agencies, so a top lead exists here
            top = c["top"][ds.field("name")]
            out.append(
                t(
                    "narrative.lead_absent",
                    ds.lang,
                    district=name,
                    agency=agency,
                    other=ds.district_name(other),
                    top=top,
                )
            )
        if c["unnamed"]:
            # safeguard provisions address every department, so "names no agency" would mislead for them
            unnamed = ds.measures[
                (ds.measures.district_id == district) & (ds.measures.lead_agency_source == "not_named")
            ]
            n_safe = int(unnamed["measure_id"].isin(analysis.safeguard_measures(ds)).sum())
            if n_safe:
                out.append(t("narrative.lead_unnamed_safeguards", ds.lang, district=name, n=n_safe))
            if c["unnamed"] - n_safe:
                out.append(t("narrative.lead_unnamed", ds.lang, district=name, n=c["unnamed"] - n_safe))
    return out


def targets(ds: Dataset) -> list[str]:
    """That nothing can be set side by side, when no indicators share a definition."""
    if analysis.paired_indicators(ds).empty:
        return [t("narrative.no_pairs", ds.lang)]
    return []


def safeguard_left_out(ds: Dataset) -> str:
    """'12 of Dinghai District's clauses': the in-scope clauses in safeguard provisions, per district ('' if none)."""
    dropped = analysis.safeguard_clauses(ds).groupby("district_id").size()
    return join(
        [t("findings.safeguard_part", ds.lang, district=ds.district_name(d), n=int(dropped[d])) for d in dropped.index],
        ds.lang,
    )


def mix_level(ds: Dataset, p: pd.Series) -> str:
    """'the sub-tool mix differs at the 5% level' / 'no mix differs at the 5% level', for p by dimension."""
    dims = [mix_dimension(ds, d, "columns") for d in p.index if p[d] < ALPHA]
    alpha = percent_stated(ALPHA, ds.lang)
    if not dims:
        return t("narrative.mix_level_none", ds.lang, alpha=alpha)
    key = "narrative.mix_level_one" if len(dims) == 1 else "narrative.mix_level_many"
    return t(key, ds.lang, dims=join(dims, ds.lang), alpha=alpha)


def mix_dimension(ds: Dataset, dimension: str, labels: str = "narrative.mix_dims") -> str:
    """A test dimension's name inside a sentence: its column label ('sub-tool') or its plural ('sub-tools')."""
    if labels == "columns":
        key = "stage" if dimension == "value_chain_stage" else dimension
        return lower_first(t(f"columns.{key}", ds.lang), ds.lang)
    return t(f"{labels}.{dimension}", ds.lang)


def mix_p_list(ds: Dataset, p: pd.Series) -> str:
    """'p = 0.074 for the basic tools, p = 0.104 for the sub-tools and …'."""
    return join(
        [t("narrative.mix_p_part", ds.lang, p=p_value(p[d], ds.lang), dim=mix_dimension(ds, d)) for d in p.index],
        ds.lang,
    )


def mix_test(ds: Dataset, tests: pd.DataFrame) -> list[str]:
    """Sentences on analysis.mix_tests(ds) (passed in: the permutations take a second or two): the p-values,
    at which level each mix differs with and without the safeguard provisions, and the same after Holm's
    adjustment for testing three dimensions of one set of clauses."""
    if tests.empty:
        return [t("narrative.mix_test_single", ds.lang)]
    p = tests.set_index("dimension")["p_value"]
    holm = tests.set_index("dimension")["p_holm"]
    out = [
        t(
            "narrative.mix_test",
            ds.lang,
            n=int(tests["n_units"].iloc[0]),
            permutations=integer(tests["permutations"].iloc[0], ds.lang),
            p_tool=p_value(p["policy_tool"], ds.lang),
            p_sub=p_value(p["sub_tool"], ds.lang),
            p_stage=p_value(p["value_chain_stage"], ds.lang),
        )
    ]
    core = analysis.core_mix_tests(ds)
    if core.empty:
        out.append(t("narrative.mix_test_level", ds.lang, level=mix_level(ds, p)))
        out.append(
            t("narrative.mix_test_holm", ds.lang, n=len(p), level=mix_level(ds, holm), p=p_value(holm.min(), ds.lang))
        )
    else:
        core_p = core.set_index("dimension")["p_value"]
        core_holm = core.set_index("dimension")["p_holm"]
        out.append(
            t(
                "narrative.mix_test_safeguards",
                ds.lang,
                with_level=mix_level(ds, p),
                without_level=mix_level(ds, core_p),
                left_out=safeguard_left_out(ds),
                ps=mix_p_list(ds, core_p),
            )
        )
        out.append(
            t(
                "narrative.mix_test_holm_safeguards",
                ds.lang,
                n=len(p),
                with_level=mix_level(ds, holm),
                without_level=mix_level(ds, core_holm),
                p_with=p_value(holm.min(), ds.lang),
                p_without=p_value(core_holm.min(), ds.lang),
            )
        )
    out.append(t("narrative.mix_test_caveat", ds.lang))
    return out


def vocabulary(ds: Dataset, terms: pd.DataFrame, n_user_terms: int) -> list[str]:
    """How terms were counted, then per district which of its top terms pass the z threshold, said plainly
    when few or none do."""
    out = [t("narrative.vocab_intro", ds.lang, n_terms=n_user_terms, n_stop=len(ds.stopwords))]
    if terms.empty:
        return [*out, t("narrative.vocab_single", ds.lang)]
    few = False
    for district in ds.district_ids:
        mine = terms[terms.district_id == district]
        passing = mine[mine["passes"]]
        shown = passing if len(passing) else mine.head(3)
        listed = [
            t(
                "narrative.vocab_term",
                ds.lang,
                term=t("formats.term_gloss_inline", ds.lang, term=r.term, gloss=r.gloss_en) if r.gloss_en else r.term,
                z=f"{r.z:.2f}",
            )
            for r in shown.itertuples()
        ]
        n = len(passing)  # vocab_one: a single term takes the verb in the singular
        key = "vocab_none" if n == 0 else "vocab_one" if n == 1 else "vocab_few" if 2 * n < len(mine) else "vocab_pass"
        few = few or key != "vocab_pass"
        out.append(
            t(
                f"narrative.{key}",
                ds.lang,
                district=ds.district_name(district),
                n=len(passing),
                top=len(mine),
                terms=join(listed, ds.lang),
                z=Z_CRITICAL,
            )
        )
    return out + ([t("narrative.vocab_weak", ds.lang)] if few else [])


def kwic(ds: Dataset, terms: list[str]) -> list[str]:
    """The sentence introducing the keywords-in-context table."""
    quoted = [quote(x, ds.lang) for x in terms]
    return [t("narrative.kwic_intro", ds.lang, terms=join(quoted, ds.lang))] if terms else []


def methods(ds: Dataset) -> list[str]:
    """The method notes, with the constants the analysis uses, and the inter-coder agreement."""
    from .registry import registry

    fields = {
        "permutations": integer(PERMUTATIONS, ds.lang),
        "coding_rules": registry().letter("coding_rules"),
        "z": Z_CRITICAL,
    }
    texts = [t(f"methods.{key}", ds.lang, **fields) for key in ("curation", "coding", "test", "logodds", "limits")]
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


def listing_note(ds: Dataset) -> list[str]:
    """For many districts, which districts the appendix listings show (Dataset.listed); none otherwise."""
    shown = ds.listed()
    if shown.district_ids == ds.district_ids:
        return []
    names = join(list(shown.district_names().values()), ds.lang)
    return [t("scaled.listing", ds.lang, n=len(ds.district_ids), shown=len(shown.district_ids), names=names)]
