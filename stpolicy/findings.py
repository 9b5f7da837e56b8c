"""Key findings, the reading guide and the conclusion: the report's answer, drawn together from the
analysis. Every number, ranking and "only"/"both" here is computed; the framing words come from
strings.yml. Each finding names the figures and tables that support it (ids `fig-NAME` / `tab-NAME`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import analysis, narrative
from .data import Dataset
from .i18n import join, lower_first, p_value, percent, percent_stated, strings, t
from .narrative import value_phrase
from .stats import ALPHA


@dataclass
class Finding:
    """One numbered finding: its key (for the lead-in word), its sentence and the evidence it links to."""

    key: str
    text: str
    refs: list[str] = field(default_factory=list)


def sentences(ds: Dataset, parts: list[str]) -> str:
    """The non-empty parts run together as one paragraph."""
    return t("sentence_sep", ds.lang).join(p for p in parts if p)


def clauses(ds: Dataset, parts: list[str], capitalise: bool = True) -> str:
    """Clauses about different districts, one after the other ('…; …'), the first capitalised unless it
    follows other words (a no-op in Chinese, which has no case)."""
    text = t("clause_sep", ds.lang).join(parts)
    return text[:1].upper() + text[1:] if capitalise else text


def theme_list(ds: Dataset, themes: list[str]) -> str:
    """Theme labels, lowercased inside a sentence where the language does, joined as a list."""
    labels = ds.labels("theme")
    return join([lower_first(labels[x], ds.lang) for x in themes], ds.lang)


def kind_word(ds: Dataset, kind: str, n: int) -> str:
    """'actuals' / 'actual' (strings.yml), or the kind's label where no counted form is written."""
    forms = strings()["findings"]["kind_singular" if n == 1 else "kind_plural"]
    return forms[kind][ds.lang] if kind in forms else lower_first(ds.label("kind", kind), ds.lang)


def kind_counts(ds: Dataset, district: str) -> str:
    """'40 actuals, 12 targets and 9 rankings' / 'no actuals'. Kinds a district lacks are said to be absent
    only for actuals and targets, the two a reader compares."""
    mine = ds.indicators[ds.indicators["district_id"] == district]["kind"].value_counts()
    # stretch targets are counted among the targets (one denominator with the ambition finding), then named
    stretch = int(mine.get("stretch_target", 0))
    parts = []
    for k in ds.order("kind"):
        n = int(mine.get(k, 0)) + (stretch if k == "target" else 0)
        if k == "stretch_target" or not (n or k in ("actual", "target")):
            continue
        part = t("findings.kind_count", ds.lang, n=n, label=kind_word(ds, k, n))
        if k == "target" and stretch:
            part += t("findings.kind_count_stretch", ds.lang, n=stretch, label=kind_word(ds, "stretch_target", stretch))
        parts.append(part)
    return join(parts, ds.lang)


# --- the findings ---------------------------------------------------------------------------------


def genre(ds: Dataset) -> Finding:
    """The finding on the kinds of document compared (summary and plan against plan)."""
    parts = [
        t(
            "findings.genre_part",
            ds.lang,
            district=ds.district_name(d.district_id),
            doc_type=lower_first(ds.label("doc_type", d.doc_type), ds.lang),
            counts=kind_counts(ds, d.district_id),
        )
        for _, d in ds.districts.iterrows()
    ]
    return Finding("genre", t("findings.genre", ds.lang, parts=clauses(ds, parts)), ["tab-documents"])


def top_themes(
    ds: Dataset, district: str, n: int = 2, codes: pd.DataFrame | None = None
) -> tuple[list[str], pd.Series]:
    """The district's themes with the most in-scope clauses (or of `codes`): the top `n` counts, ties included."""
    codes = analysis.in_scope_clauses(ds) if codes is None else codes
    # a clause whose measure has no theme either (optional columns) is left out of theme counts
    counts = codes[(codes["district_id"] == district) & (codes["theme"] != "")]["theme"].value_counts()
    if counts.empty:
        return [], counts
    cut = counts.iloc[min(n, len(counts)) - 1]
    return counts[counts >= cut].index.tolist(), counts


def safeguard_theme_counts(ds: Dataset, district: str) -> pd.Series:
    """In-scope clauses per theme that lie in the district's safeguard provisions."""
    codes = analysis.safeguard_clauses(ds)
    return codes.loc[codes["district_id"] == district, "theme"].value_counts()


def tool_parts(ds: Dataset, shares: pd.DataFrame) -> list[str]:
    """Per district: the basic tools with the largest share of its clauses, that share and the number of clauses,
    and the tools that come next with theirs (how far ahead the first are: 47.6% against 43.9% is no clear lead)."""
    parts = []
    for district in ds.district_ids:
        group = shares[shares["district_id"] == district]
        if group.empty:
            continue
        ranked = group.sort_values("share", ascending=False, kind="stable")
        first = ranked["share"].iloc[0]
        leaders, rest = ranked[ranked["share"] == first], ranked[ranked["share"] < first]
        runners_up = rest[rest["share"] == rest["share"].max()]  # none when every tool ties
        fields = dict(
            district=ds.district_name(district),
            tools=tool_names(ds, leaders),
            share=percent(first, ds.lang),
            n=int(group["n"].sum()),
        )
        if len(runners_up):
            fields.update(next=tool_names(ds, runners_up), next_share=percent(runners_up["share"].iloc[0], ds.lang))
        parts.append(t("findings.tool_part_next" if len(runners_up) else "findings.tool_part", ds.lang, **fields))
    return parts


def tool_names(ds: Dataset, rows: pd.DataFrame) -> str:
    """The basic tools of these share rows, joined as a list in running text."""
    return join([lower_first(ds.label("policy_tool", x), ds.lang) for x in rows["policy_tool"]], ds.lang)


def test_sentence(ds: Dataset, tests: pd.DataFrame) -> str:
    """Whether the permutation test tells the basic-tool mix from chance, with its p value, and whether that
    holds once Holm-adjusted for the mix tests run together; '' without a test."""
    if tests.empty:
        return ""
    p, holm = tests.set_index("dimension").loc["policy_tool", ["p_value", "p_holm"]]
    if p >= ALPHA:
        key = "findings.test_not_significant"
    else:
        key = "findings.test_significant" if holm < ALPHA else "findings.test_significant_unadjusted"
    return t(
        key,
        ds.lang,
        p=p_value(p, ds.lang),
        p_holm=p_value(holm, ds.lang),
        n=len(tests),
        alpha=percent_stated(ALPHA, ds.lang),
    )


def without_safeguards(ds: Dataset) -> str:
    """The mix and test again without the safeguard provisions, or '' when no district has any."""
    left_out = narrative.safeguard_left_out(ds)
    if not left_out:
        return ""
    # Only the districts that lose clauses: the others' mix is the one just given, and the sentence says so.
    safeguarded = set(analysis.safeguard_clauses(ds)["district_id"])
    shares = analysis.tool_shares(ds, analysis.core_clauses(ds))
    unchanged = [ds.district_name(d) for d in ds.district_ids if d in set(shares["district_id"]) - safeguarded]
    if unchanged:
        none = t("findings.safeguards_none", ds.lang, districts=join(unchanged, ds.lang))
        left_out = t("clause_sep", ds.lang).join([left_out, none])
    return t(
        "findings.without_safeguards",
        ds.lang,
        left_out=left_out,
        parts=clauses(ds, tool_parts(ds, shares[shares["district_id"].isin(safeguarded)]), capitalise=False),
        test=test_sentence(ds, analysis.core_mix_tests(ds)),
    )


def leading_part(ds: Dataset, district: str, themes: list[str], counts: pd.Series, safe=None) -> str:
    """'{district}'s plan gives the most to {themes}', each theme with its clause count (and, given `safe`,
    how many of those clauses lie in the safeguard provisions)."""
    safe = {} if safe is None else safe
    listed = [
        t(
            "findings.theme_count_safeguard" if safe.get(x) else "findings.theme_count",
            ds.lang,
            theme=theme_list(ds, [x]),
            n=counts[x],
            total=int(counts.sum()),
            n_safe=int(safe.get(x, 0)),
        )
        for x in themes
    ]
    return t("findings.priorities_part", ds.lang, district=ds.district_name(district), themes=join(listed, ds.lang))


def priorities(ds: Dataset) -> Finding | None:
    """The finding on each district's most addressed themes, or None."""
    parts = []
    for district in ds.district_ids:
        themes, counts = top_themes(ds, district)
        if themes:
            parts.append(leading_part(ds, district, themes, counts, safeguard_theme_counts(ds, district)))
    if not parts:
        return None
    text = sentences(ds, [t("findings.priorities", ds.lang, parts=clauses(ds, parts)), priorities_core(ds)])
    tables = [f"tab-measures_{d}" for d in ds.district_ids if (ds.measures["district_id"] == d).any()]
    return Finding("priorities", text, ["fig-coverage", *tables, "tab-clauses"])  # the last: the clauses counted


def priorities_core(ds: Dataset) -> str:
    """The most addressed themes again without the safeguard provisions, for each district whose leading
    themes then change ('' when none does): they are a feature of the kind of plan, not a policy choice."""
    core = analysis.core_clauses(ds)
    parts = []
    for district in ds.district_ids:
        themes, counts = top_themes(ds, district, codes=core)
        if themes and themes != top_themes(ds, district)[0]:
            parts.append(leading_part(ds, district, themes, counts))
    if not parts:
        return ""
    return t("findings.priorities_core", ds.lang, left_out=narrative.safeguard_left_out(ds), parts=clauses(ds, parts))


def distinct_themes(ds: Dataset) -> Finding | None:
    """The finding on themes only one district plans for, or None."""
    claims = analysis.coverage_claims(ds)
    planned = claims[claims["basis"] == "clauses"]
    only = [
        t("findings.only_part", ds.lang, district=ds.district_name(c.district_id), themes=theme_list(ds, c.themes))
        for c in planned[planned["claim"] == "only"].itertuples()
    ]
    shared = planned[planned["claim"] == "all"]
    if not only:
        return None
    both = shared["themes"].iloc[0] if len(shared) else []
    text = sentences(
        ds,
        [
            t("findings.only", ds.lang, parts=clauses(ds, only, capitalise=False)),  # after "Counting …,"
            t("findings.shared", ds.lang, n=len(both), themes=theme_list(ds, both)) if both else "",
        ],
    )
    return Finding("distinct", text, ["fig-coverage", "tab-clauses"])


def like_pairs(ds: Dataset) -> list[tuple[pd.Series, pd.Series]]:
    """(left, right) indicator rows of every pair judged comparable, like for like: the pair itself where the
    wording matches, else the same-definition figure with matching wording that the document states."""
    ind = analysis.indicators(ds).set_index("indicator_id", drop=False)
    alternatives = analysis.like_for_like(ds).set_index("comparison_id")
    out = []
    for _, p in analysis.comparability_pairs(ds).iterrows():
        if p.comparable != "yes":
            continue
        left, right = ind.loc[p.left_indicator_id], ind.loc[p.right_indicator_id]
        if left.aspirational != right.aspirational:
            if p.comparison_id not in alternatives.index:
                continue
            alt = alternatives.loc[p.comparison_id]
            if alt.alt_right_id:
                right = ind.loc[alt.alt_right_id]
            elif alt.alt_left_id:
                left = ind.loc[alt.alt_left_id]
            else:
                continue
        out.append((left, right))
    return out


def other_wording(ds: Dataset, row: pd.Series) -> list[pd.Series]:
    """Targets of the same definition, district and year as `row` with the other wording (力争 vs firm)."""
    ind = analysis.indicators(ds)
    same = ind[
        (ind["compare_key"] == row.compare_key)
        & (ind["district_id"] == row.district_id)
        & (ind["period"] == row.period)
        & (ind["kind"] != "actual")
        & (ind["aspirational"] != row.aspirational)
    ]
    return [r for _, r in same.iterrows()] if row.compare_key else []


def ambition(ds: Dataset) -> Finding | None:
    """The finding on like-for-like targets set side by side, or None."""
    like = []
    for left, right in like_pairs(ds):
        context = [
            t(
                "findings.other_wording",
                ds.lang,
                value=value_phrase(ds, analysis.with_symbols(ds, o.to_frame().T).iloc[0]),
            )
            for o in other_wording(ds, left) + other_wording(ds, right)
        ]
        pair = t("findings.like_pair", ds.lang, left=value_phrase(ds, left), right=value_phrase(ds, right))
        like.append(pair + "".join(context))
    ind = analysis.indicators(ds)
    targets = ind[ind["kind"].isin(["target", "stretch_target"])]
    # a city-wide target quoted in a district's plan (indicators.csv level) is counted, and said to be the city's
    city = targets["level"].eq("city") if "level" in targets else pd.Series(False, index=targets.index)
    worded = [
        t(
            "findings.aspiration_part_city" if city[g.index].any() else "findings.aspiration_part",
            ds.lang,
            district=ds.district_name(d),
            n=int(g["aspirational"].sum()),
            total=len(g),
            n_city=int(city[g.index].sum()),
        )
        for d, g in targets.groupby("district_id", sort=False)
    ]
    if not like and not worded:
        return None
    # levels are compared; how far a target goes beyond a starting point needs the district's own actuals
    no_baseline = [
        t("findings.no_baseline", ds.lang, district=ds.district_name(d))
        for d in targets["district_id"].unique()
        if not ((ind["district_id"] == d) & (ind["kind"] == "actual")).any()
    ]
    text = sentences(
        ds,
        [
            t("findings.ambition", ds.lang, pairs=clauses(ds, like)) if like else t("findings.no_like", ds.lang),
            t("findings.aspiration", ds.lang, parts=clauses(ds, worded)) if worded else "",
            *no_baseline,
        ],
    )
    return Finding("ambition", text, ["tab-comparability", "fig-targets"])


def instruments(ds: Dataset, tests: pd.DataFrame) -> Finding | None:
    """The finding on each district's instrument mix and the permutation test, or None."""
    shares = analysis.tool_shares(ds)
    if shares.empty:
        return None
    parts = tool_parts(ds, shares)
    return Finding(
        "instruments",
        sentences(
            ds,
            [
                t("findings.tools", ds.lang, parts=clauses(ds, parts, capitalise=False)),
                test_sentence(ds, tests),
                without_safeguards(ds),
            ],
        ),
        ["fig-tool_mix", "tab-mix_tests"],
    )


def responsibility(ds: Dataset) -> Finding | None:
    """The finding on who leads the measures, or None."""
    counts = narrative.responsibility_counts(ds)
    parts = []
    for district, c in counts.items():
        name = ds.district_name(district)
        if c["top"] is not None:
            parts.append(
                t(
                    "findings.named_part",
                    ds.lang,
                    district=name,
                    n_agencies=c["n_agencies"],
                    total=c["named"],
                    agency=c["top"][ds.field("name")],
                    n=c["top"].n_lead,
                )
            )
        elif c["issuer"]:
            parts.append(t("findings.issuer_part", ds.lang, district=name, n=c["issuer"]))
    if not parts:
        return None
    return Finding(
        "responsibility", t("findings.responsibility", ds.lang, parts=clauses(ds, parts)), ["fig-responsibility"]
    )


def comparability(ds: Dataset) -> Finding | None:
    """The finding on how many cross-district figures can be compared, or None."""
    pairs = analysis.comparability_pairs(ds)
    if pairs.empty:
        return None
    verdicts = pairs["comparable"].value_counts()
    parts = [
        t("findings.verdict_part", ds.lang, n=verdicts[k], label=lower_first(ds.label("comparable", k), ds.lang))
        for k in ds.order("comparable")
        if k in verdicts
    ]
    not_alike = len(pairs) - verdicts.get("yes", 0)
    return Finding(
        "comparability",
        sentences(
            ds,
            [
                t("findings.comparability", ds.lang, total=len(pairs), parts=join(parts, ds.lang)),
                t("findings.comparability_most", ds.lang) if 2 * not_alike > len(pairs) else "",
            ],
        ),
        ["tab-comparability", "tab-changes"],
    )


def key_findings(ds: Dataset, tests: pd.DataFrame) -> list[Finding]:
    """The report's answer, in reading order; findings without data (e.g. one district) are left out."""
    if len(ds.district_ids) < 2:
        return [genre(ds)]
    found = [
        genre(ds),
        priorities(ds),
        distinct_themes(ds),
        ambition(ds),
        instruments(ds, tests),
        responsibility(ds),
        comparability(ds),
    ]
    return [f for f in found if f is not None]


# --- reading guide and conclusion -----------------------------------------------------------------


def reading_guide(ds: Dataset) -> list[str]:
    """'How to read this comparison': genres, actual vs target, 力争 figures, what clause counts mean."""
    docs = [
        t(
            "findings.guide_doc",
            ds.lang,
            district=ds.district_name(d.district_id),
            doc_type=lower_first(ds.label("doc_type", d.doc_type), ds.lang),
            issuer=d[ds.field("issuer")],
        )
        for _, d in ds.districts.iterrows()
    ]
    ind = analysis.indicators(ds)
    codes = analysis.clauses(ds)
    return [
        t("findings.guide_genre", ds.lang, docs=clauses(ds, docs)),
        t("findings.guide_actual", ds.lang),
        t("findings.guide_aspiration", ds.lang, n=int(ind["aspirational"].sum()), total=len(ind)),
        t("findings.guide_clauses", ds.lang, n=len(codes), n_in=int(codes["in_scope"].sum())),
    ]


def conclusion(ds: Dataset, tests: pd.DataFrame) -> list[str]:
    """Two paragraphs: differences that are policy, differences that are document genre."""
    if len(ds.district_ids) < 2:
        return [t("findings.conclusion_single", ds.lang)]
    # the instrument mix depends on counting the safeguard boilerplate (see without_safeguards): genre, not policy
    policy = [f.text for f in (distinct_themes(ds), ambition(ds)) if f is not None]
    codes = analysis.clauses(ds)
    out_of_scope = codes[~codes["in_scope"]].groupby("district_id").size()
    genre_parts = [genre(ds).text]
    mix = instruments(ds, tests)
    if mix is not None:
        genre_parts.append(mix.text)
    resp = responsibility(ds)
    if resp is not None:
        genre_parts.append(resp.text)
    if len(out_of_scope):
        genre_parts.append(
            t(
                "findings.out_of_scope",
                ds.lang,
                parts=join(
                    [
                        t("findings.out_part", ds.lang, district=ds.district_name(d), n=int(out_of_scope[d]))
                        for d in ds.district_ids
                        if d in out_of_scope
                    ],
                    ds.lang,
                ),
            )
        )
    return [
        t("findings.conclusion_policy", ds.lang, text=sentences(ds, policy)),
        t("findings.conclusion_genre", ds.lang, text=sentences(ds, genre_parts)),
    ]
