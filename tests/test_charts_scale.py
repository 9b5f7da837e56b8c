"""Charts for many districts: above charts.MANY_DISTRICTS they switch to designs that scale (one row or one
mark per district, capped panels) and stay narrow and bounded; with the two curated districts they are the
designs the report has always drawn. Unit tests on chart specs and figures, no build."""

import importlib.util
import re

import pytest
import vl_convert as vlc
from conftest import DATA, ROOT

from stpolicy import analysis, charts, fonts, vocabulary
from stpolicy.data import load
from stpolicy.i18n import t

N_MANY = 20  # well above the threshold; 50 districts take longer and prove nothing more
MAX_WIDTH = 1000  # px, issue 13
MAX_HEIGHT = 2000  # px: an overview, not a panel per district
ALTAIR = ["indicator_themes", "targets", "tool_mix", "subtool_mix", "stage_mix", "responsibility", "distinctive_terms"]
MATPLOTLIB = ["coverage_heatmap", "subtool_stage_heatmap"]


def synthetic_module():
    spec = importlib.util.spec_from_file_location("synthetic_districts", ROOT / "scripts" / "synthetic_districts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def many_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many") / "data"
    synthetic_module().synthesise(DATA, folder, N_MANY)
    return folder


@pytest.fixture(scope="module", params=["en", "zh"])
def many(request, many_dir):
    return load(many_dir, request.param, [])


@pytest.fixture(scope="module", params=["en", "zh"])
def two(request):
    return load(DATA, request.param, [])


def chart(ds, name):
    build = getattr(charts, name)
    return build(ds, vocabulary.distinctive_terms(ds, top=10)) if name == "distinctive_terms" else build(ds)


def svg_size(spec: dict) -> tuple[float, float]:
    fonts.use_in_vl_convert()
    svg = vlc.vegalite_to_svg(spec)
    return float(re.search(r'width="([\d.]+)"', svg).group(1)), float(re.search(r'height="([\d.]+)"', svg).group(1))


@pytest.mark.parametrize("name", ALTAIR)
def test_many_district_charts_are_drawn_narrow_and_bounded(many, name):
    spec = charts.without_unused_columns(fonts.localise(chart(many, name).to_dict(), many.lang))
    width, height = svg_size(spec)
    assert width <= MAX_WIDTH, (name, width)
    assert height <= MAX_HEIGHT, (name, height)
    note = charts.chart_note(spec)  # the caption says how the scaled design reads
    assert note and re.search(rf"\b{N_MANY}\b|{N_MANY}个", note), note


@pytest.mark.parametrize("name", MATPLOTLIB)
def test_many_district_heatmaps_are_bounded(many, name):
    fig = chart(many, name)
    width, height = fig.get_size_inches()
    assert width <= 10 and height <= 15, (name, width, height)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) <= charts.PANELS_SHOWN
    assert str(N_MANY) in charts.chart_note(fig)


def test_capped_heatmap_ends_with_every_district_together(many):
    fig = charts.subtool_stage_heatmap(many)
    titles = [title for title, _ in fig.stpolicy_tables]
    assert titles[:-1] == [many.district_name(d) for d in many.district_ids[: charts.PANELS_SHOWN - 1]]
    assert titles[-1] == t("scaled.all_districts", many.lang, n=N_MANY)
    total = fig.stpolicy_tables[-1][1]
    assert total.values.sum() == analysis.subtool_stage_counts(many)["n"].sum()


def test_tool_mix_ranks_districts_by_the_first_tool(many):
    order = charts.tool_mix(many).to_dict()["encoding"]["y"]["sort"]
    shares = analysis.tool_shares(many)
    first = shares[shares["policy_tool"] == many.order("policy_tool")[0]].set_index("district_id")["share"]
    ids = {name: d for d, name in many.district_names().items()}
    ranked = [first.get(ids[name], 0) for name in order]
    assert ranked == sorted(ranked, reverse=True)
    assert sorted(order) == sorted(ids)


def test_responsibility_overview_counts_the_measures_of_each_agency(many):
    data = charts.responsibility_data(many)
    spec = charts.responsibility(many).to_dict()
    cells = next(iter(spec["datasets"].values()))
    assert {c["district"] for c in cells} == set(many.district_names().values())
    for cell in cells[:40]:
        rows = data[(data["district"] == cell["district"]) & (data["agency"] == cell["agency"])]
        assert cell["n"] == rows["measure_id"].nunique()
        assert cell["lead"] == rows.loc[(rows["role"] == "lead") & (rows["source"] != "issuer"), "measure_id"].nunique()


def test_two_districts_keep_their_designs(two):
    """The switch happens only above the threshold: panels per district, a row per district·year·kind."""
    assert len(two.district_ids) <= charts.MANY_DISTRICTS
    specs = {name: chart(two, name).to_dict() for name in ALTAIR}
    for name, spec in specs.items():
        assert not charts.chart_note(spec), name
    assert specs["indicator_themes"]["facet"]["field"] == "district"
    assert specs["responsibility"]["facet"]["row"]["field"] == "district"
    targets = specs["targets"]
    assert targets["facet"]["row"]["field"] == "indicator_title" and len(targets["spec"]["layer"]) == 3
    assert len(specs["tool_mix"]["layer"]) == 2  # bars and their share labels
    assert specs["stage_mix"]["encoding"]["yOffset"]["field"] == "district"
    heatmap = charts.subtool_stage_heatmap(two)
    assert [title for title, _ in heatmap.stpolicy_tables] == list(two.district_names().values())
    coverage = charts.coverage_heatmap(two)
    assert not charts.chart_note(coverage) and len(coverage.axes) == 2  # written counts, no colour bars
    assert any(text.get_text().isdigit() for text in coverage.axes[0].texts)


def test_unused_columns_leave_the_drawing_unchanged(two):
    spec = fonts.localise(charts.targets(two).to_dict(), two.lang)
    slim = charts.without_unused_columns(spec)
    (before,), (after,) = spec["datasets"].values(), slim["datasets"].values()
    assert set(after[0]) < set(before[0])  # something was dropped ...
    assert {"district", "value", "shown", "bounded", "aspirational", "indicator_title"} <= set(after[0])  # ... not this
    fonts.use_in_vl_convert()
    assert vlc.vegalite_to_svg(slim) == vlc.vegalite_to_svg(spec)
    # A click on a mark opens its source passage by the row's id or quote (reuse.js): those stay.
    responsibility = charts.without_unused_columns(charts.responsibility(two).to_dict())
    assert {"district_id", "measure_id", "agency_id"} <= set(next(iter(responsibility["datasets"].values()))[0])
    assert {"indicator_id", "quote"} <= set(after[0])


def test_scaled_notes_exist_in_every_language():
    for key in ["indicator_themes", "targets", "tool_mix", "shares", "responsibility", "coverage", "subtool_stage"]:
        for lang in ("en", "zh"):
            assert t(f"scaled.{key}", lang, n=50, shown=3, total=30, tool="x")
    assert "，" in t("scaled.tool_mix", "zh", n=50, tool="供给型") and "：" in t("scaled.targets", "zh", n=50)


def test_report_shows_the_note_and_counts_the_documents(many_dir, tmp_path, monkeypatch):
    from stpolicy import report

    emitted = []
    monkeypatch.setattr(report, "emit", lambda html_text, static=None, meta=None: emitted.append(html_text))
    r = report.Report(str(many_dir), [], "en", str(tmp_path / "fig"))
    figures = {"tool_mix": charts.tool_mix(r.ds), "coverage": charts.coverage_heatmap(r.ds)}
    for name, chart in figures.items():
        r.figure(name, chart)
    for page, chart in zip(emitted, figures.values(), strict=True):
        note = charts.chart_note(chart)
        assert note and f'<p class="source figure-note">{report.escape(note)}</p>' in page
        assert t("documents_cited", "en", n=N_MANY) in page and r.ds.districts["doc_date"].iloc[0] not in page


def test_one_districts_measure_overview_is_its_part_of_the_whole(two):
    """views.measures builds a table per district from that district's part only (at 50 districts the whole
    overview, rebuilt for each table, took most of a build)."""
    whole = analysis.measure_overview(two)
    for district in two.district_ids:
        part = analysis.measure_overview(two, district)
        expected = whole[whole["district_id"] == district].reset_index(drop=True)
        assert len(part) and part.reset_index(drop=True).equals(expected)


def test_many_district_coverage_names_every_theme_and_district(many):
    fig = charts.coverage_heatmap(many)
    left = next(ax for ax in fig.axes if ax.get_title())
    assert [x.get_text() for x in left.get_xticklabels()] == list(many.labels("theme").values())
    assert [y.get_text() for y in left.get_yticklabels()] == list(many.district_names().values())


def test_appendix_listings_show_the_first_districts_and_say_so(many):
    from stpolicy import narrative, views
    from stpolicy.data import LISTED_DISTRICTS

    shown = many.district_ids[:LISTED_DISTRICTS]
    for frame in (views.indicators(many), views.clauses(many), views.programmes(many)):
        districts = set(frame[many.col("district")])
        assert districts == {many.district_name(d) for d in shown}, districts
    roles = views.agency_roles(many)  # the Dinghai clones name no lead agencies
    assert set(roles[many.col("district")]) <= {many.district_name(d) for d in shown}
    assert 0 < len(roles) == len(analysis.agency_roles(many.listed())) < len(analysis.agency_roles(many))
    pairs = analysis.comparability_pairs(many.listed())
    assert len(views.comparability(many)) == len(pairs) < len(analysis.comparability_pairs(many))
    assert set(pairs["left_district_id"]) | set(pairs["right_district_id"]) <= set(shown)
    expected_rows = many.indicators["district_id"].isin(shown).sum()
    assert len(views.indicators(many)) == expected_rows < len(many.indicators)
    (note,) = narrative.listing_note(many)
    assert str(len(many.district_ids)) in note and str(LISTED_DISTRICTS) in note
    assert many.district_name(shown[-1]) in note and many.district_name(many.district_ids[-1]) not in note
    # Two districts: every row, no note (the curated data in the same language; not the `two` fixture, whose
    # own languages would run this test once per pair of languages).
    two = load(DATA, many.lang, [])
    assert narrative.listing_note(two) == [] and len(views.indicators(two)) == len(two.indicators)


def test_a_source_text_shared_by_districts_is_embedded_once(many):
    from stpolicy import reuse

    docs = reuse.source_documents(many, many.lang)
    texts = {d: many.sources[d] for d in many.district_ids}
    first = {}
    for doc in docs:
        owner = first.setdefault(texts[doc["id"]], doc["id"])
        if owner == doc["id"]:
            assert doc["text"] == texts[doc["id"]].replace("\r\n", "\n") and not doc["same_as"]
        else:  # the synthetic districts repeat the two curated texts: each later copy points at the first
            assert doc["text"] == "" and doc["same_as"] == owner
            assert many.district_name(owner) in doc["same_text"]
    assert sum(bool(d["text"]) for d in docs) == len(set(texts.values())) == 2
