"""Charts: altair for the interactive ones (tooltips carry the verbatim quote), seaborn for
statistical heatmaps. Every builder takes a Dataset and returns a chart or a matplotlib Figure
with labels in the dataset's language; stpolicy.report exports and embeds them.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from . import analysis, fonts, palette
from .data import MANY_DISTRICTS, Dataset
from .i18n import axis_unit, in_source_language, locale, short_label, stated_text, t, value_text
from .stats import Z_CRITICAL

if TYPE_CHECKING:  # matplotlib and seaborn load only in notebooks that draw heatmaps
    import matplotlib.pyplot as plt

WIDTH = 620
# Counts get integer ticks only: vega ignores tickMinStep, so fractional ticks are hidden instead.
_FRACTION_HIDDEN = {"condition": {"test": "datum.value % 1", "value": 0}, "value": 1}
COUNT_AXIS = {
    "labelExpr": "datum.value % 1 ? '' : format(datum.value, ',d')",
    "tickOpacity": _FRACTION_HIDDEN,
    "gridOpacity": _FRACTION_HIDDEN,
}


def theme(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Fonts and axes that work in both languages (Chinese labels upright, one CJK font)."""
    return (
        chart.configure(font=fonts.FAMILY)
        # Labels carry "\n" where wrap_label broke them: vega draws an array as lines.
        .configure_axis(
            labelFont=fonts.FAMILY,
            titleFont=fonts.FAMILY,
            labelLimit=0,
            labelFontSize=11,
            labelExpr="split(datum.label, '\\n')",
        )
        .configure_axisX(labelAngle=0)
        .configure_header(
            labelFont=fonts.FAMILY,
            titleFont=fonts.FAMILY,
            labelFontSize=12,
            labelExpr="split(datum.label, '\\n')",
        )
        .configure_legend(
            labelFont=fonts.FAMILY,
            titleFont=fonts.FAMILY,
            orient="bottom",
            labelLimit=300,
            symbolStrokeColor=palette.INK,
            symbolStrokeWidth=1.5,
        )
        .configure_view(stroke="#ddd")
    )


def wrap_label(text: str, lang: str, width: int | None = None) -> str:
    """A long axis label broken into lines ("\\n") instead of truncated; the width is per language."""
    width = int(width or locale(lang)["label_wrap"])
    if not isinstance(text, str) or len(text) <= width:
        return text
    if not re.search(r"[\u3400-\u9fff]", text):  # Latin: break between words, never inside one
        return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=True))
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def header_label(text: str, lang: str) -> str:
    """A panel title, broken into lines like axis labels but wider (it spans the panel)."""
    return wrap_label(text, lang, locale(lang)["header_wrap"])


def labelled(ds: Dataset, frame: pd.DataFrame, **vocabularies: str) -> pd.DataFrame:
    """Add `<column>_label` for each coded column (column=vocabulary) and the district name."""
    out = frame.copy()
    if "district_id" in out:
        out["district"] = ds.map_districts(out["district_id"])
    for column, vocabulary in vocabularies.items():
        out[f"{column}_label"] = out[column].map(ds.labels(vocabulary)).map(lambda x: wrap_label(x, ds.lang))
    return out


def ordered_labels(ds: Dataset, vocabulary: str) -> list[str]:
    """A vocabulary's labels (wrapped) in display order."""
    return [wrap_label(ds.labels(vocabulary)[c], ds.lang) for c in ds.order(vocabulary)]


def district_order(ds: Dataset) -> list[str]:
    """District names in districts.csv order (the sort of every district axis and legend)."""
    return list(ds.district_names().values())


def district_scale(ds: Dataset) -> alt.Scale:
    """Each district in its own colour, the same in every chart and table."""
    colours = palette.district_colours(ds)
    return alt.Scale(domain=district_order(ds), range=[colours[d] for d in ds.district_ids])


LEGEND_COLUMNS = 4
FACET_COLUMNS = 3  # district panels per row: the row stays under 1000 px however many districts


def facet_columns(ds: Dataset, most: int = FACET_COLUMNS) -> int:
    """Panels per row of a chart faceted by district: one per district, at most `most`."""
    return min(most, max(1, len(ds.district_ids)))


# Above this many districts the charts switch to designs that scale (one row or one mark per district,
# capped panels): at 50 districts a panel per district made pages of 26,000 px and figures of many GB.
PANELS_SHOWN = 4  # heatmap panels drawn when there are many districts: the first ones and a total
TERM_PANELS = 6  # districts whose distinctive terms are drawn when there are many
AGENCIES_SHOWN = 25  # agency columns of the responsibility overview (those named for most measures)


def many_districts(ds: Dataset) -> bool:
    """Whether the report has so many districts that charts use their scaled designs."""
    return len(ds.district_ids) > MANY_DISTRICTS


def with_note(chart, text: str):
    """A chart that carries a note for its caption (how a scaled design reads); stpolicy.report shows it."""
    if isinstance(chart, alt.TopLevelMixin):
        return chart.properties(usermeta={"note": text})
    chart.stpolicy_note = text  # a matplotlib Figure
    return chart


def chart_note(chart) -> str:
    """The caption note a chart carries ('' for none)."""
    if isinstance(chart, dict):  # a vega-lite spec
        meta = chart.get("usermeta")
    elif isinstance(chart, alt.TopLevelMixin):
        meta = chart.usermeta  # Undefined unless with_note set it
    else:
        return getattr(chart, "stpolicy_note", "")  # a matplotlib Figure
    return meta.get("note", "") if isinstance(meta, dict) else ""


KEPT_COLUMNS = {"quote"}  # with every *_id column: the page's script opens a clicked mark's source passage by them


def without_unused_columns(spec: dict) -> dict:
    """The spec with its inline datasets cut to the columns the spec names somewhere (fields, expressions,
    tooltips) and the ids and quotes a click on a mark needs: altair writes each chart's whole data frame into
    the page. Conservative: a column whose name appears anywhere outside the data stays."""
    datasets = spec.get("datasets")
    if not datasets:
        return spec
    rest = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, ensure_ascii=False)
    slim = {}
    for name, rows in datasets.items():
        columns = dict.fromkeys(c for row in rows for c in row)
        used = {
            c
            for c in columns
            if c in KEPT_COLUMNS or c.endswith("_id") or re.search(rf"(?<!\w){re.escape(c)}(?!\w)", rest)
        }
        slim[name] = [{c: v for c, v in row.items() if c in used} for row in rows]
    return {**spec, "datasets": slim}


def district_color(ds: Dataset, legend: bool = True) -> alt.Color:
    """The colour encoding of districts: one colour per district across the report."""
    return alt.Color(
        "district:N",
        title=ds.col("district"),
        sort=district_order(ds),
        scale=district_scale(ds),
        # A bottom legend grows sideways with each district: wrap it after a few (many districts stay < 1000 px).
        legend=alt.Legend(columns=min(len(ds.district_ids), LEGEND_COLUMNS)) if legend else None,
    )


def kind_shape(ds: Dataset, kinds: list[str], legend: bool = True) -> alt.Shape:
    """Kinds by shape; the legend draws the shapes filled in ink."""
    return alt.Shape(
        "kind_label:N",
        title=ds.col("kind"),
        sort=[ds.label("kind", k) for k in kinds],
        scale=alt.Scale(
            domain=[ds.label("kind", k) for k in kinds], range=[palette.KIND_SHAPES.get(k, "cross") for k in kinds]
        ),
        legend=alt.Legend(symbolFillColor=palette.INK, symbolStrokeColor=palette.INK, symbolSize=90)
        if legend
        else None,
    )


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on a fill colour."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#1d2430" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55 else "#ffffff"


def indicator_themes(ds: Dataset) -> alt.TopLevelMixin:
    """Bars of numbers stated per theme, coloured by kind, one panel per district (many districts: one
    bar per district, see indicator_totals)."""
    if many_districts(ds):
        return indicator_totals(ds)
    data = labelled(ds, analysis.indicator_theme_counts(ds), theme="theme", kind="kind")
    kinds = [k for k in ds.order("kind") if k in set(data["kind"])]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("theme_label:N", title=None, sort=ordered_labels(ds, "theme")),
            x=alt.X("sum(n):Q", title=ds.col("n_indicators"), axis=alt.Axis(**COUNT_AXIS)),
            color=district_color(ds, legend=False),
            stroke=alt.Stroke("district:N", scale=district_scale(ds), legend=None),
            opacity=kind_opacity(ds, kinds),
            order=alt.Order("kind_order:Q"),
            tooltip=[
                alt.Tooltip("district:N", title=ds.col("district")),
                alt.Tooltip("theme_label:N", title=ds.col("theme")),
                alt.Tooltip("kind_label:N", title=ds.col("kind")),
                alt.Tooltip("n:Q", title=ds.col("count")),
            ],
        )
        .transform_calculate(kind_order=f"indexof({kinds!r}, datum.kind)")
        .properties(width=max(160, WIDTH // facet_columns(ds) - 60), height=alt.Step(26))
    )
    return facet_by_district(ds, chart)


def kind_opacity(ds: Dataset, kinds: list[str]) -> alt.Opacity:
    """Kinds of figure on bars: a fill strength of the district's colour, with an ink legend."""
    return alt.Opacity(
        "kind_label:O",  # vega-lite draws no legend for fillOpacity, nor for a nominal opacity
        title=ds.col("kind"),
        legend=alt.Legend(symbolType="square", symbolFillColor=palette.INK, symbolSize=120),
        sort=[ds.label("kind", k) for k in kinds],
        scale=alt.Scale(
            type="ordinal",  # one opacity per kind (a point scale would interpolate)
            domain=[ds.label("kind", k) for k in kinds],
            range=[palette.KIND_OPACITY.get(k, 0.5) for k in kinds],
        ),
    )


def indicator_totals(ds: Dataset) -> alt.TopLevelMixin:
    """Many districts: numbers stated per district by kind, one bar per district, longest first (the
    numbers by theme are in the coverage heatmap)."""
    counts = analysis.indicator_theme_counts(ds).groupby(["district_id", "kind"], as_index=False)["n"].sum()
    data = labelled(ds, counts, kind="kind")
    kinds = [k for k in ds.order("kind") if k in set(data["kind"])]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("district:N", title=None, sort="-x"),
            x=alt.X("sum(n):Q", title=ds.col("n_indicators"), axis=alt.Axis(**COUNT_AXIS)),
            color=district_color(ds, legend=False),
            opacity=kind_opacity(ds, kinds),
            order=alt.Order("kind_order:Q"),
            tooltip=[
                alt.Tooltip("district:N", title=ds.col("district")),
                alt.Tooltip("kind_label:N", title=ds.col("kind")),
                alt.Tooltip("n:Q", title=ds.col("count")),
            ],
        )
        .transform_calculate(kind_order=f"indexof({kinds!r}, datum.kind)")
        .properties(width=WIDTH - 200, height=alt.Step(14))
    )
    return with_note(theme(chart), t("scaled.indicator_themes", ds.lang, n=len(ds.district_ids)))


def indicator_tooltips(ds: Dataset) -> list[alt.Tooltip]:
    """Tooltips of an indicator mark: district, name, value, year, kind, verbatim quote, section; in a
    language other than the documents', also the value and the section as the document writes them."""
    fields = [
        ("district", "district"),
        ("name", "indicator"),
        ("shown", "value"),
        ("stated", "stated"),
        ("period", "period"),
        ("kind_label", "kind"),
        ("wording_label", "wording"),
        ("quote", "quote"),
        ("section_shown", "section"),
        ("section", "section_as_written"),
    ]
    as_written = {"stated", "section"}  # the document's own wording: the same texts in its own language
    shown = [f for f in fields if f[0] not in as_written] if in_source_language(ds.lang) else fields
    return [alt.Tooltip(f"{field}:N", title=ds.col(title)) for field, title in shown]


def indicator_axis(ds: Dataset) -> alt.X:
    """The x channel of an indicator panel: the value in the unit the panel's title names (`on_axis`). The
    axis shows no title; the channel's title is what a screen reader hears for the mark."""
    return alt.X(
        "on_axis:Q", title=ds.col("axis_value"), scale=alt.Scale(zero=True), axis=alt.Axis(title=None, **COUNT_AXIS)
    )


def with_display_values(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """Indicator rows with the fields their marks and tooltips show (name, shown value, kind label)."""
    out = labelled(ds, frame, kind="kind")
    out["name"] = out[ds.field("name")]
    out["shown"] = [
        value_text(v, u, ds.units, ds.lang, s, with_stated=False)
        for v, u, s in zip(out["value"], out["unit"], out["symbol"], strict=True)
    ]
    out["stated"] = [
        stated_text(v, u, ds.units, s) for v, u, s in zip(out["value"], out["unit"], out["symbol"], strict=True)
    ]
    out["period"] = out["period"].astype(str)
    wording = {a: ds.label("aspirational", "true" if a else "false") for a in (True, False)}  # a lookup per row
    out["wording_label"] = out["aspirational"].map(lambda a: wording[bool(a)])  # took 6 s at 50 districts
    out["section_shown"] = out["section"].map(ds.section_path)
    return out


def key_titles(ds: Dataset, paired: pd.DataFrame, axis_labels: dict[str, str | None]) -> dict[str, str]:
    """A title per compare_key: the name of its first non-stretch row, with the unit its axis counts in."""
    base = paired[paired["kind"] != "stretch_target"].drop_duplicates("compare_key").set_index("compare_key")
    return {k: f"{r[ds.field('name')]}{unit_suffix(ds, r['unit'], axis_labels[k])}" for k, r in base.iterrows()}


def unit_suffix(ds: Dataset, unit: str, label: str | None = None) -> str:
    """' (CNY bn)' / '（亿元）' / ' (percent)': the unit (or `label`, the axis's own); counts need no unit
    in English, Chinese keeps 家/个/项."""
    if not unit:  # a dimensionless value (an index)
        return ""
    row = ds.units.set_index("unit").loc[unit]
    if locale(ds.lang)["unit_in_titles"] == "non_count" and row["dimension"] == "count":
        return ""
    return t("unit_suffix", ds.lang, unit=label or ds.unit_label(unit))


def on_axis_units(ds: Dataset, data: pd.DataFrame) -> tuple[pd.Series, dict[str, str | None]]:
    """Each row's value in the unit its indicator's axis counts in (i18n.axis_unit: English money in CNY bn
    or m, as the labels beside the points), and each compare_key's axis unit label."""
    scales = {
        key: axis_unit(group["unit"].iloc[0], group["value"].astype(float).abs().max(), ds.units, ds.lang)
        for key, group in data.groupby("compare_key")
    }
    factors = data["compare_key"].map({key: factor for key, (factor, _) in scales.items()})
    return (data["value"].astype(float) * factors).round(9), {key: label for key, (_, label) in scales.items()}


def bounded_points(ds: Dataset, base: alt.Chart, kinds: list[str], legend: bool = True, **encodings) -> alt.LayerChart:
    """District-coloured points shaped by kind: filled where the value is exact, hollow (a second layer
    on top) where it is a bound (≥, >, ≈, ≲). Colour and fill share one scale, so one district legend
    (none where colour cannot tell the many districts apart)."""
    scale = district_scale(ds)
    points = base.mark_point(size=115, strokeWidth=2.5, opacity=1, filled=False).encode(
        color=district_color(ds, legend=legend),
        fill=alt.Fill(
            "district:N",
            scale=scale,
            title=ds.col("district"),
            sort=district_order(ds),
            legend=alt.Undefined if legend else None,
        ),
        shape=kind_shape(ds, kinds),
        **encodings,
    )
    hollow = (
        # aria=False: an overlay of the points layer; empty in most panels, it needs no description.
        base.mark_point(size=115, strokeWidth=2.5, opacity=1, fill="white", aria=False)
        .encode(
            color=alt.Color("district:N", scale=scale, legend=None),
            shape=kind_shape(ds, kinds, legend=False),
            **encodings,
        )
        .transform_filter("datum.bounded")
    )
    return alt.layer(points, hollow)


def facet_by_district(ds: Dataset, chart: alt.TopLevelMixin, most: int = FACET_COLUMNS) -> alt.TopLevelMixin:
    """One panel per district, wrapping after `most` so that many districts stay readable and narrow."""
    return theme(
        chart.facet(
            facet=alt.Facet("district:N", title=None, sort=district_order(ds)),
            columns=facet_columns(ds, most),
        )
    )


def facet_by_indicator(chart: alt.LayerChart, data: pd.DataFrame) -> alt.TopLevelMixin:
    """One row per indicator, each with its own x scale: the indicators have different units. The rows
    follow the indicators' compare_key, not their titles, so every language stacks them in one order."""
    header = alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top")
    order = list(dict.fromkeys(data.sort_values("compare_key", kind="stable")["indicator_title"]))
    return theme(
        chart.facet(row=alt.Row("indicator_title:N", title=None, header=header, sort=order)).resolve_scale(
            x="independent", y="independent"
        )
    )


def targets(ds: Dataset) -> alt.TopLevelMixin | None:
    """Indicators that share a definition, side by side; hollow marks are bounds."""
    paired = analysis.paired_indicators(ds)
    if ds.districts["district_id"].nunique() > 1:  # across districts; actual→target within one is the changes table
        paired = paired[paired.groupby("compare_key")["district_id"].transform("nunique") > 1]
    if paired.empty:
        return None
    data = with_display_values(ds, paired)
    data["on_axis"], axis_labels = on_axis_units(ds, data)
    titles = key_titles(ds, paired, axis_labels)
    data["indicator_title"] = data["compare_key"].map(titles).map(lambda x: header_label(x, ds.lang))
    if many_districts(ds):
        return target_strips(ds, data)
    data["row"] = data["district"] + " · " + data["period"] + " · " + data["kind_label"]
    kinds = [k for k in ds.order("kind") if k in set(data["kind"])]
    plot_width = WIDTH - 300
    base = alt.Chart(data).encode(
        x=indicator_axis(ds),
        y=alt.Y("row:N", title=None),
        tooltip=indicator_tooltips(ds),
    )
    points = bounded_points(ds, base, kinds)
    ring = aspiration_ring(ds, base)
    # The values stand in a column right of the plot, so a label never runs past the axis.
    labels = base.mark_text(align="left", dx=12, fontSize=11, font=fonts.FAMILY, color=palette.INK).encode(
        text="shown:N", x=alt.value("width")
    )
    chart = alt.layer(points, ring, labels).properties(width=plot_width, height=alt.Step(19))
    return facet_by_indicator(chart, data)


def aspiration_ring(ds: Dataset, base: alt.Chart) -> alt.Chart:
    """力争/争取 figures get a dashed ring, with its own legend entry, so aspiration reads apart from kind."""
    strive = ds.label("aspirational", "true")
    return (
        base.mark_point(size=360, filled=False, strokeWidth=1.2, color=palette.INK, shape="circle", aria=False)
        .encode(
            strokeDash=alt.StrokeDash(
                "wording_label:N", title=ds.col("wording"), scale=alt.Scale(domain=[strive], range=[[3, 2]])
            )
        )
        .transform_filter("datum.aspirational")
    )


def target_strips(ds: Dataset, data: pd.DataFrame) -> alt.TopLevelMixin:
    """Many districts: per indicator, one row per period and kind with a point per district, so the rows
    no longer multiply with the districts (the values are in the tooltips and the indicators table)."""
    data = data.assign(row=data["period"] + " · " + data["kind_label"])
    kinds = [k for k in ds.order("kind") if k in set(data["kind"])]
    base = alt.Chart(data).encode(
        x=indicator_axis(ds),
        y=alt.Y("row:N", title=None),
        tooltip=indicator_tooltips(ds),
    )
    chart = alt.layer(bounded_points(ds, base, kinds, legend=False), aspiration_ring(ds, base))
    chart = chart.properties(width=WIDTH - 200, height=alt.Step(22))
    return with_note(facet_by_indicator(chart, data), t("scaled.targets", ds.lang, n=len(ds.district_ids)))


CLAUSES_SHOWN = 3  # clauses quoted in a bar's tooltip; the appendix lists them all


def with_clauses(ds: Dataset, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add `clauses`: the first few in-scope clauses behind each row of a count frame, and a pointer to the
    appendix for the rest, so that a bar's tooltip shows what it counts."""
    codes = analysis.in_scope_clauses(ds)
    digest = {
        key if isinstance(key, tuple) else (key,): group["quote"].tolist()
        for key, group in codes.groupby(keys, sort=False)
    }

    def text(row: pd.Series) -> str:
        quotes = digest.get(tuple(row[k] for k in keys), [])
        shown = t("clause_sep", ds.lang).join(f"“{q}”" for q in quotes[:CLAUSES_SHOWN])
        more = len(quotes) - CLAUSES_SHOWN
        return shown + (t("more_clauses", ds.lang, n=more) if more > 0 else "")

    return frame.assign(clauses=[text(r) for _, r in frame.iterrows()])


def clause_tooltip(ds: Dataset) -> alt.Tooltip:
    """The tooltip showing a clause's verbatim text."""
    return alt.Tooltip("clauses:N", title=ds.col("clauses_behind"))


def tool_mix(ds: Dataset) -> alt.TopLevelMixin | None:
    """Stacked shares of supply, environment and demand tools per district."""
    shares = analysis.tool_shares(ds)
    if shares.empty:
        return None
    data = with_clauses(ds, labelled(ds, shares, policy_tool="policy_tool"), ["district_id", "policy_tool"])
    tools = ds.order("policy_tool")
    data["ink"] = data["policy_tool"].map(lambda k: text_colour(palette.TOOL_COLOURS[k]))
    many = many_districts(ds)
    # Many districts: ranked by the first tool's share, thinner bars, the shares in the tooltips only.
    rows = tool_ranking(data, tools[0]) if many else district_order(ds)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("district:N", title=None, sort=rows),
            x=alt.X("share:Q", title=ds.col("share"), axis=alt.Axis(format="%"), stack="normalize"),
            color=alt.Color(
                "policy_tool_label:N",
                title=ds.col("policy_tool"),
                scale=alt.Scale(
                    domain=ordered_labels(ds, "policy_tool"), range=[palette.TOOL_COLOURS[k] for k in tools]
                ),
            ),
            order=alt.Order("policy_tool_order:Q"),
            tooltip=[
                alt.Tooltip("district:N", title=ds.col("district")),
                alt.Tooltip("policy_tool_label:N", title=ds.col("policy_tool")),
                alt.Tooltip("n:Q", title=ds.col("count")),
                alt.Tooltip("share:Q", title=ds.col("share"), format=".1%"),
                clause_tooltip(ds),
            ],
        )
        .transform_calculate(policy_tool_order=f"indexof({tools!r}, datum.policy_tool)")
        .properties(width=WIDTH - 120, height=alt.Step(16 if many else 40))
    )
    if many:
        note = t("scaled.tool_mix", ds.lang, n=len(ds.district_ids), tool=ds.label("policy_tool", tools[0]))
        return with_note(theme(chart), note)
    text = (
        alt.Chart(data)
        .mark_text(fontSize=11)
        .encode(
            y=alt.Y("district:N", sort=district_order(ds)),
            x=alt.X("mid:Q"),
            text=alt.Text("share:Q", format=".0%"),
            color=alt.Color("ink:N", scale=None),
        )
        .transform_calculate(policy_tool_order=f"indexof({tools!r}, datum.policy_tool)")
        .transform_window(cum="sum(share)", sort=[alt.SortField("policy_tool_order")], groupby=["district"])
        .transform_calculate(mid="datum.cum - datum.share / 2")
    )
    return theme(alt.layer(chart, text))


def tool_ranking(data: pd.DataFrame, tool: str) -> list[str]:
    """District names by their share of `tool`, largest first (0 where a district has none)."""
    first = data[data["policy_tool"] == tool].set_index("district")["share"]
    shares = first.reindex(data["district"].unique(), fill_value=0)
    return list(shares.sort_values(ascending=False, kind="stable").index)


def ds_field(ds: Dataset, stem: str) -> str:
    """The column of `stem` in the report language (display_zh / display_en)."""
    return ds.field(stem)


def measure_label(ds: Dataset, measures: pd.DataFrame) -> pd.Series:
    """'4 Integrate industrial and innovation chains' / '(一) 壮大科技型企业群体': number and short title."""
    return measures["measure_no"] + " " + measures[ds.field("title")]


def responsibility_data(ds: Dataset) -> pd.DataFrame:
    """The cells of the responsibility chart: one per (measure, agency) named, or implied where the plan is the
    issuer's own; places and platforms are not agencies and are left out (the text names them)."""
    resp = analysis.responsibilities(ds)
    resp = resp[resp["source"].isin(["named", "issuer"]) & resp["is_agency"].astype(bool)]
    data = labelled(ds, resp)
    data["agency"] = data[ds_field(ds, "display")]  # one line: the column labels stand upright
    data["role_label"] = [
        ds.col("implied" if s == "issuer" else r) for s, r in zip(data["source"], data["role"], strict=True)
    ]
    measures = ds.measures.set_index("measure_id")
    data["measure_label"] = data["measure_id"].map(measure_label(ds, ds.measures.set_index("measure_id")))
    data["measure_order"] = data["measure_id"].map({m: i for i, m in enumerate(measures.index)})
    return data


def responsibility(ds: Dataset) -> alt.TopLevelMixin | None:
    """Agencies × measures, coloured lead, co-responsible or implied, one panel per district."""
    data = responsibility_data(ds)
    if data.empty:
        return None
    if many_districts(ds):
        return responsibility_overview(ds, data)
    lead_order = analysis.agency_roles(ds)
    agency_sort = list(dict.fromkeys(list(lead_order[ds_field(ds, "name")]) + list(data["agency"])))
    roles = [ds.col("lead"), ds.col("co"), ds.col("implied")]
    chart = (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            y=alt.Y("measure_label:N", title=None, sort=alt.SortField("measure_order"), axis=alt.Axis(labelLimit=440)),
            x=alt.X(
                "agency:N",
                title=None,
                sort=agency_sort,
                # Upright labels, one per 18-pixel column: angled multi-line names would overlap. Never cut
                # short (labelLimit 0): an upright name only makes the chart taller.
                axis=alt.Axis(labelAngle=-90, labelLimit=0, orient="top", labelAlign="left", labelBaseline="middle"),
            ),
            color=alt.Color(
                "role_label:N",
                title=ds.col("role"),
                scale=alt.Scale(
                    domain=roles,
                    range=[palette.ROLE_COLOURS["lead"], palette.ROLE_COLOURS["co"], palette.ROLE_COLOURS["implied"]],
                ),
            ),
            tooltip=[
                alt.Tooltip("district:N", title=ds.col("district")),
                alt.Tooltip("measure_label:N", title=ds.col("measure")),
                alt.Tooltip("agency:N", title=ds.col("agency")),
                alt.Tooltip("role_label:N", title=ds.col("role")),
            ],
        )
        .properties(width=alt.Step(18), height=alt.Step(16))
    )
    return theme(
        chart.facet(row=alt.Row("district:N", title=None, sort=district_order(ds))).resolve_scale(
            x="independent", y="independent"
        )
    )


def responsibility_overview(ds: Dataset, data: pd.DataFrame) -> alt.TopLevelMixin:
    """Many districts: one row per district, one column per agency (those named for most measures), shaded by
    the number of measures the agency is named for; the tooltip splits it into lead, co-responsible and
    implied. A panel per district grew to 26,000 px at 50 districts."""
    roles = data.assign(role_key=[s if s == "issuer" else r for s, r in zip(data["source"], data["role"], strict=True)])
    keys = ["district", "agency"]
    split = (
        roles.groupby([*keys, "role_key"])["measure_id"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(columns=["lead", "co", "issuer"], fill_value=0)
    )
    cells = split.assign(n=roles.groupby(keys)["measure_id"].nunique()).reset_index()
    ranked = cells.groupby("agency")["n"].sum().sort_values(ascending=False, kind="stable")
    shown = list(ranked.index[:AGENCIES_SHOWN])
    cells = cells[cells["agency"].isin(shown)]
    chart = (
        alt.Chart(cells)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            y=alt.Y("district:N", title=None, sort=district_order(ds)),
            x=alt.X(
                "agency:N",
                title=None,
                sort=shown,
                axis=alt.Axis(labelAngle=-90, labelLimit=0, orient="top", labelAlign="left", labelBaseline="middle"),
            ),
            color=alt.Color("n:Q", title=ds.col("n_measures"), scale=alt.Scale(scheme="greys", zero=True)),
            tooltip=[
                alt.Tooltip("district:N", title=ds.col("district")),
                alt.Tooltip("agency:N", title=ds.col("agency")),
                alt.Tooltip("n:Q", title=ds.col("n_measures")),
                alt.Tooltip("lead:Q", title=ds.col("n_lead")),
                alt.Tooltip("co:Q", title=ds.col("n_co")),
                alt.Tooltip("issuer:Q", title=ds.col("implied")),
            ],
        )
        .properties(width=alt.Step(18), height=alt.Step(14))
    )
    key = "scaled.responsibility_capped" if len(shown) < len(ranked) else "scaled.responsibility"
    note = t(key, ds.lang, n=len(ds.district_ids), shown=len(shown), total=len(ranked))
    return with_note(theme(chart), note)


# --- seaborn heatmaps ----------------------------------------------------------------------


def seaborn_style(build):
    """Draw inside seaborn's white style and the project font, restored afterwards (no global change)."""

    @functools.wraps(build)
    def styled(*args, **kwargs):
        import matplotlib
        import seaborn as sns

        lang = getattr(args[0], "lang", "zh") if args else "zh"  # the Dataset's language
        rc = {**sns.axes_style("white"), **sns.plotting_context("notebook"), **fonts.matplotlib_rc(lang)}
        with matplotlib.rc_context(rc):
            return build(*args, **kwargs)

    return styled


PANELS_PER_ROW = 4


def heatmap_panels(n: int, height: float, per_row: int = PANELS_PER_ROW) -> tuple[plt.Figure, list[plt.Axes]]:
    """Rows of heatmap panels for n districts (a bare matplotlib Figure, no pyplot)."""
    # A bare Figure, not pyplot: no backend switch and no inline display; report.figure shows it.
    from matplotlib.figure import Figure

    cols = min(n, per_row)  # many districts wrap onto more rows instead of widening the figure
    rows = -(-n // cols)
    fig = Figure(figsize=(3.6 * cols + 2.6, height * rows), layout="constrained")
    panels = list(fig.subplots(rows, cols, squeeze=False).flat)
    for ax in panels[n:]:
        ax.remove()
    return fig, panels[:n]


def draw_heatmap(
    ax: plt.Axes, table: pd.DataFrame, title: str, cmap: str, vmax: float, show_y: bool, annot: bool = True
) -> None:
    """One heatmap of counts, annotated or (too many cells to write) with a colour bar; the y labels only
    where `show_y`."""
    import seaborn as sns

    sns.heatmap(
        table,
        ax=ax,
        annot=annot,
        fmt="d",
        cmap=cmap,
        vmin=0,
        vmax=max(vmax, 1),
        cbar=not annot,
        cbar_kws={"shrink": 0.4, "aspect": 30} if not annot else None,
        # seaborn's "auto" labels every other row or column of a large table: name each one
        xticklabels=True if not annot else "auto",
        yticklabels=True if not annot else "auto",
        linewidths=0.5,
        linecolor="white",
        annot_kws={"fontsize": 9},
    )
    ax.set_title(title, fontsize=11)
    # The counts travel with the figure: narrow screens show them as a table instead of the picture.
    ax.figure.stpolicy_tables = [*getattr(ax.figure, "stpolicy_tables", []), (title, table)]
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", rotation=0, labelsize=9, left=False, labelleft=show_y)
    ax.tick_params(axis="x", rotation=0, labelsize=9, bottom=False)


@seaborn_style
def coverage_heatmap(ds: Dataset) -> plt.Figure:
    """Theme × district heatmaps: numbers stated and measures planned."""
    cov = analysis.coverage(ds)
    themes = ds.labels("theme")
    names = ds.district_names()
    # Many districts: one row each, themes along the bottom, shades with a colour bar instead of written counts
    # (thousands of numbers took half a minute to lay out and read as noise).
    many = many_districts(ds)
    fig, axes = heatmap_panels(2, (0.22 * len(ds.district_ids) + 2.8) if many else (0.33 * len(themes) + 1.2))
    for ax, column, show_y in zip(axes, ("quantified", "planned"), (True, False), strict=True):
        table = cov.pivot(index="theme", columns="district_id", values=column).reindex(
            index=list(themes), columns=ds.district_ids
        )
        table.index, table.columns = [themes[c] for c in table.index], [names[c] for c in table.columns]
        shown = table.T if many else table
        draw_heatmap(
            ax, shown.astype(int), ds.col(column), palette.COUNT_CMAP, table.values.max(), show_y, annot=not many
        )
        if many:
            ax.tick_params(axis="x", rotation=90)
    return with_note(fig, t("scaled.coverage", ds.lang, n=len(ds.district_ids))) if many else fig


@seaborn_style
def subtool_stage_heatmap(ds: Dataset) -> plt.Figure | None:
    """Sub-tool × value-chain stage heatmaps of coded clauses, one per district; many districts: the first
    few and one panel of all districts together (a panel each grew the kernel past 14 GB at 50)."""
    counts = analysis.subtool_stage_counts(ds)
    if counts.empty:
        return None
    districts = [d for d in ds.district_ids if d in set(counts["district_id"])]
    subs, stages = ds.labels("sub_tool"), ds.labels("value_chain_stage")
    tools = ds.vocab("sub_tool")["parent"]
    rows = [s for s in ds.order("sub_tool")]
    many = many_districts(ds)
    panels = [(ds.district_name(d), counts[counts.district_id == d]) for d in districts]
    if many:
        total = t("scaled.all_districts", ds.lang, n=len(districts))
        panels = [*panels[: PANELS_SHOWN - 1], (total, counts)]
    # Many districts: two panels a row, as wide as the two-district figure.
    per_row = 2 if many else PANELS_PER_ROW
    fig, axes = heatmap_panels(len(panels), 0.3 * len(rows) + 1.6, per_row)
    vmax = counts["n"].max()
    for i, (ax, (title, subset)) in enumerate(zip(axes, panels, strict=True)):
        table = subset.pivot_table(
            index="sub_tool", columns="value_chain_stage", values="n", aggfunc="sum", fill_value=0
        ).reindex(index=rows, columns=ds.order("value_chain_stage"), fill_value=0)
        table.index = [f"{short_label(ds.label('policy_tool', tools[s]), ds.lang)} · {subs[s]}" for s in table.index]
        table.columns = [wrap_label(stages[c], ds.lang, locale(ds.lang)["stage_wrap"]) for c in table.columns]
        top = table.values.max() if subset is counts else vmax  # the total has its own shade scale
        draw_heatmap(ax, table.astype(int), title, palette.COUNT_CMAP, top, i % per_row == 0)
    if many:
        note = t("scaled.subtool_stage", ds.lang, n=len(districts), shown=PANELS_SHOWN - 1)
        return with_note(fig, note)
    return fig


# --- analytical depth ----------------------------------------------------------------------------


def share_bars(ds: Dataset, data: pd.DataFrame, code: str, vocabulary: str, title_key: str) -> alt.TopLevelMixin:
    """Grouped horizontal bars: share of coded clauses per category, one colour per district."""
    data = with_clauses(ds, labelled(ds, data, **{code: vocabulary}), ["district_id", code])
    many = many_districts(ds)
    encodings = dict(
        y=alt.Y(f"{code}_label:N", title=None, sort=ordered_labels(ds, vocabulary)),
        x=alt.X("share:Q", title=ds.col("share"), axis=alt.Axis(format="%")),
        color=district_color(ds, legend=not many),
        tooltip=[
            alt.Tooltip("district:N", title=ds.col("district")),
            alt.Tooltip(f"{code}_label:N", title=ds.col(title_key)),
            alt.Tooltip("n:Q", title=ds.col("count")),
            alt.Tooltip("share:Q", title=ds.col("share"), format=".1%"),
            clause_tooltip(ds),
        ],
    )
    if many:  # one row per category with a tick per district (named in the tooltip): rows no longer multiply
        chart = alt.Chart(data).mark_tick(thickness=2, size=16, opacity=0.8).encode(**encodings)
        chart = chart.properties(width=WIDTH - 220, height=alt.Step(24))
        return with_note(theme(chart), t("scaled.shares", ds.lang, n=len(ds.district_ids)))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(yOffset=alt.YOffset("district:N", sort=district_order(ds)), **encodings)
        .properties(width=WIDTH - 220, height=alt.Step(9))
    )
    return theme(chart)


def stage_mix(ds: Dataset) -> alt.TopLevelMixin | None:
    """Shares of coded clauses by value-chain stage, per district."""
    shares = analysis.stage_shares(ds)
    return None if shares.empty else share_bars(ds, shares, "value_chain_stage", "value_chain_stage", "stage")


def subtool_mix(ds: Dataset) -> alt.TopLevelMixin | None:
    """Shares of coded clauses by sub-tool, per district."""
    shares = analysis.subtool_shares(ds)
    return None if shares.empty else share_bars(ds, shares, "sub_tool", "sub_tool", "sub_tool")


def term_label(ds: Dataset, term: str, gloss: str) -> str:
    """A Chinese term with its gloss where the language shows glosses ('试点 (pilot)')."""
    return wrap_label(t("formats.term_gloss", ds.lang, term=term, gloss=gloss) if gloss else term, ds.lang)


def distinctive_terms(ds: Dataset, terms: pd.DataFrame) -> alt.TopLevelMixin | None:
    """The most distinctive terms of each district by log-odds z-score, with the Z_CRITICAL line."""
    if terms.empty:
        return None
    note = ""
    if many_districts(ds):  # the first few districts' panels; a panel each would run to thousands of pixels
        shown = [d for d in ds.district_ids if d in set(terms["district_id"])][:TERM_PANELS]
        n = terms["district_id"].nunique()
        terms = terms[terms["district_id"].isin(shown)]
        note = t("scaled.distinctive_terms", ds.lang, n=n, shown=len(shown)) if n > len(shown) else ""
    data = labelled(ds, terms)
    data["label"] = [term_label(ds, t_, g) for t_, g in zip(data["term"], data["gloss_en"], strict=True)]
    data["passes_label"] = data["passes"].map({True: ds.col("yes"), False: ds.col("no")})
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x"),
            x=alt.X("z:Q", title=ds.col("z_score", z=Z_CRITICAL)),
            color=district_color(ds, legend=False),
            opacity=alt.Opacity(
                "passes_label:N",
                title=ds.col("passes", z=Z_CRITICAL),
                scale=alt.Scale(domain=[ds.col("yes"), ds.col("no")], range=[1.0, 0.3]),
            ),
            tooltip=[
                alt.Tooltip("district:N", title=ds.col("district")),
                alt.Tooltip("term:N", title=ds.col("term")),
                alt.Tooltip("passes_label:N", title=ds.col("passes", z=Z_CRITICAL)),
                alt.Tooltip("gloss_en:N", title=ds.col("gloss")),
                alt.Tooltip("count:Q", title=ds.col("clauses")),
                alt.Tooltip("delta:Q", title="δ", format=".3f"),
                alt.Tooltip("z:Q", title="z", format=".2f"),
            ],
        )
    )
    # aria=False: the axis title names the dashed line and its value; as a bare line it has nothing to say.
    rule = alt.Chart(data).mark_rule(strokeDash=[4, 3], color="#666", aria=False).encode(x=alt.datum(Z_CRITICAL))
    # Two panels per row: the term labels (with English glosses) take much of each panel's width.
    chart = alt.layer(bars, rule).properties(width=(WIDTH - 260) // facet_columns(ds, 2) + 40, height=alt.Step(16))
    chart = facet_by_district(ds, chart, most=2).resolve_scale(y="independent")
    return with_note(chart, note) if note else chart
