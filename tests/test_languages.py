"""Languages as data: every string in every language, and a stub third language that runs through
the whole report (data, narrative, views, charts, every notebook, merge and HTML) without code changes."""

import html
import json
import re
import string

import pandas as pd
import pytest
from conftest import DATA, ROOT
from in_process import CLOSE, OPEN, PSEUDO, leaves

from stpolicy import i18n, narrative
from stpolicy.data import load
from stpolicy.registry import registry


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_string_exists_in_every_language_with_the_same_placeholders():
    found = list(leaves(i18n.strings()))
    assert len(found) > 150
    for key, texts in found:
        assert set(texts) == set(i18n.LANGUAGES), key
        fields = [placeholders(str(texts[lang])) for lang in i18n.LANGUAGES]
        if key.startswith("formats."):  # a pattern may leave out a part (Chinese shows no gloss), never add one
            assert fields[0] == set.union(*fields), key
        else:
            assert all(f == fields[0] for f in fields), key


def test_every_language_has_every_rule():
    rules = i18n.locales()
    assert tuple(rules) == i18n.LANGUAGES == ("en", "zh")
    keys = set(rules["en"])
    assert all(set(r) == keys for r in rules.values())


def test_one_languages_constant():
    from stpolicy import cli

    assert cli.LANGUAGES is i18n.LANGUAGES
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "stpolicy").glob("*.py"))
    assert len(re.findall(r"^LANGUAGES\b[^=\n]*=", sources, re.M)) == 1


def test_no_code_branches_on_the_language():
    code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "stpolicy").glob("*.py"))
    code += (ROOT / "stpolicy" / "templates" / "report" / "charts.js").read_text(encoding="utf-8")
    code += (ROOT / "stpolicy" / "templates" / "report" / "index.html.j2").read_text(encoding="utf-8")
    for pattern in (
        r"""lang\s*[!=]=\s*["']""",
        r"[!=]=\s*[\"'](?:en|zh)[\"']",
        r"\"English\"",
        r" pp\"",
        "个百分点",
        "< 0.001",
    ):
        assert not re.search(pattern, code), pattern
    assert "could not be drawn" not in code and "两份文件" not in code and "both documents" not in code


def test_headings_are_numbered_from_the_registry():
    sections = registry().sections
    numbered = [s for s in sections if s.number is not None]
    assert [s.number for s in numbered] == list(range(1, len(numbered) + 1))
    methods = registry().section("methods")
    assert registry().heading("methods", "en") == f"{methods.number}. Method notes"
    assert registry().heading("methods", "zh") == f"{'一二三四五六七八九十'[methods.number - 1]}、方法说明"
    assert registry().heading("appendix", "en") == "Appendix"
    assert registry().subheading("coding_rules", "en") == "B. Policy-instrument coding scheme"
    assert "following the rules in appendix B and" in " ".join(narrative.methods(load(DATA, "en")))
    # no hand-typed numbers left in the titles
    for key, texts in leaves(i18n.strings()["sections"]):
        assert not re.match(r"^\s*(\d+\.|[一二三四五六七八九十]+、|[A-Z]\. )", texts["en"] + texts["zh"]), key


@pytest.mark.parametrize(
    "n, expected", [(1, "一"), (7, "七"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (99, "九十九")]
)
def test_chinese_section_numerals(n, expected):
    assert i18n.section_number(n, "zh") == expected and i18n.section_number(n, "en") == str(n)


@pytest.mark.parametrize(
    "lang, expected",
    [("en", ["+3", "+0.5 pp", "-2", "p = 0.023", "p < 0.001", "12.5%", "8,976", "Figure 3.", "5%"]),
     ("zh", ["+3", "+0.5个百分点", "-2", "p = 0.023", "p < 0.001", "12.5%", "8976", "图3", "5%"])],
)  # fmt: skip
def test_formatters_follow_the_locale(lang, expected):
    got = [
        i18n.change(3, "家", lang),
        i18n.change(0.5, "%", lang),
        i18n.change(-2, "家", lang),
        i18n.p_value(0.0234, lang),
        i18n.p_value(0.0004, lang),
        i18n.percent(0.125, lang),
        i18n.integer(8976, lang),
        i18n.label("figure", 3, lang),
        i18n.percent_stated(0.05, lang),
    ]
    assert got == expected


def test_chart_tooltips_add_the_documents_wording_only_beside_a_translation():
    """A chart's tooltip names a value and its section as the report shows them; in English also as the
    Chinese document writes them. In Chinese those are the very same texts: a second line would repeat them."""
    from stpolicy import analysis, charts

    for lang in ("en", "zh"):
        ds = load(DATA, lang, [])
        spec = json.dumps(charts.targets(ds).to_dict(), ensure_ascii=False)
        rows = charts.with_display_values(ds, analysis.paired_indicators(ds))
        as_written = [i18n.t(f"columns.{key}", lang) for key in ("stated", "section_as_written")]
        if lang == "zh":
            assert rows["shown"].equals(rows["stated"]) and rows["section_shown"].equals(rows["section"])
            assert not [title for title in as_written if title in spec]
        else:
            assert (rows["shown"] != rows["stated"]).any() and (rows["section_shown"] != rows["section"]).all()
            assert all(f'"title": "{title}"' in spec for title in as_written), as_written


def test_chart_panels_stand_in_one_order_in_every_language():
    """Figure 2's panels follow the indicators, not their translated titles (which sort differently)."""
    from stpolicy import charts

    orders = {}
    for lang in ("en", "zh"):
        spec = charts.targets(load(DATA, lang, [])).to_dict()
        rows = next(iter(spec["datasets"].values()))
        key_of = {r["indicator_title"]: r["compare_key"] for r in rows}
        orders[lang] = [key_of[title] for title in spec["facet"]["row"]["sort"]]
    assert orders["en"] == orders["zh"] == sorted(orders["en"]) and len(orders["en"]) >= 2


# --- a pseudo-locale: a third language made from data alone ------------------------------------------


def test_a_third_language_needs_only_data(districts_report):
    """The whole report in language PSEUDO (tests/in_process.py: its strings and locale rules added as data,
    no code changed), here made for the curated districts and two added ones (conftest's districts_report)."""
    from stpolicy import build

    counts, toc = districts_report.counts, build.table_of_contents(districts_report.nb)
    assert counts["figure"] >= 5 and counts["table"] >= 8
    assert [e["id"] for e in toc if e["level"] == 2] == [f"sec-{s}" for s in registry().ids]
    assert all(e["text"].startswith(OPEN) for e in toc)
    page = districts_report.page.read_text(encoding="utf-8")
    assert districts_report.page.name == f"report.{PSEUDO}.html" and '<html lang="x-pseudo">' in page
    assert f'data-label="figure">{OPEN}{OPEN}Figure{CLOSE} 1.{CLOSE}<' in page
    assert f"<title>{OPEN}Science and technology" in page
    # Every paragraph the package writes is pseudo text; analysts' narrative.csv texts are data, and what the
    # build adds to them (a cross-reference: "See Figure 2.") is pseudo text again.
    narrative_texts = set(pd.read_csv(districts_report.data / "narrative.csv")["text_en"])
    main = page[page.index("<main") : page.index("</main>")]
    paragraphs = re.findall(r"<p(?: class=\"[^\"]*\")?>(.*?)</p>", main, re.S)
    assert len(paragraphs) > 30
    for p in paragraphs:
        text = html.unescape(re.sub(r"<[^>]+>", "", p)).strip()
        written = next((n for n in narrative_texts if text.startswith(n)), "")
        added = text[len(written) :].strip()
        assert added == "" or added.startswith(OPEN), text[:120]
    svgs = sorted((districts_report.figures / PSEUDO).glob("*.svg"))
    assert len(svgs) == counts["figure"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_static_charts_draw_every_character_in_both_languages(lang):
    """English static charts fall back to the CJK font for Chinese words (a term, a quote), Chinese ones to the
    Latin font for what the CJK font lacks: matplotlib warns about each glyph it cannot draw."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    from stpolicy import fonts

    with matplotlib.rc_context(fonts.matplotlib_rc(lang)), warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" fails the test
        fig, ax = plt.subplots()
        ax.set_title("入选 (selected) 【R&D】 – 3.42%")
        fig.canvas.draw()
        plt.close(fig)
