"""Reuse of the report: downloads (CSV, XLSX, zip with datapackage.json) without formula injection,
the source viewer's links, cross-references, citation and navigation."""

import base64
import csv
import datetime as dt
import html
import io
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from browser import offline_page
from conftest import DATA, read_rows, set_cell

from stpolicy import downloads, navigation
from stpolicy.data import load
from stpolicy.sources import LinkRules, Sources, link_quotes

LANGS = ["en", "zh"]
ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
DATA_URI = re.compile(r"data:([^;,]+)[^,]*;base64,(.+)")
PAYLOADS = {'=HYPERLINK("http://example.com","x")', "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3"}


def html_of(built: Path, lang: str) -> str:
    return (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")


def elements(page: str, tag: str, **wanted: str) -> list[tuple[dict, str]]:
    """(attributes, inner HTML) of each `tag` element whose attributes include `wanted`, in any order
    (the HTML exporter sorts attributes); `class` matches one of the element's classes."""
    found = []
    for attrs, inner in re.findall(rf"<{tag}\b([^>]*)>(.*?)</{tag}>", page, re.S):
        a = {k: html.unescape(v) for k, v in ATTR.findall(attrs)}
        if all(v in a.get(k, "").split() if k == "class" else a.get(k) == v for k, v in wanted.items()):
            found.append((a, inner))
    return found


def decoded_downloads(page: str) -> dict[str, tuple[str, bytes]]:
    files = {}
    for a, _ in elements(page, "a"):
        if "download" in a:
            mime, payload = DATA_URI.fullmatch(a["href"]).groups()
            files[a["download"]] = (mime, base64.b64decode(payload))
    return files


def csv_rows(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


# --- formula injection (package functions on a copied data folder: the build's code path) --------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("-3", "-3"),  # plain numbers are data, not formulas
        ("+110", "+110"),
        ("-12.5%", "-12.5%"),
        ("1e-3", "1e-3"),
        ("R&D 3.42%", "R&D 3.42%"),
        ("", ""),
    ],
)
def test_neutralise(cell, expected):
    assert downloads.neutralise(cell) == expected


def test_formula_payloads_in_copied_data_come_out_neutralised(data_copy):
    from openpyxl import load_workbook

    set_cell(
        data_copy / "indicators.csv", "indicator_id", "zhenhai-i001", "note", '=HYPERLINK("http://example.com","x")'
    )
    set_cell(data_copy / "indicators.csv", "indicator_id", "zhenhai-i002", "name_en", "@SUM(A1:A9)")
    set_cell(data_copy / "programmes.csv", "programme_id", "zhenhai-p01", "name_en", "+cmd|' /C calc'!A0")
    set_cell(data_copy / "glossary.csv", "term_zh", "海洋", "gloss_en", "-2+3")
    set_cell(data_copy / "indicators.csv", "indicator_id", "zhenhai-i003", "value", "-3")  # a negative number
    files = downloads.bundle(data_copy, "title", {"name": "MIT"}, dt.date(2026, 1, 2))
    archive = zipfile.ZipFile(io.BytesIO(files[f"{downloads.PACKAGE_NAME}.zip"]))
    cells = {
        c for name in archive.namelist() if name.endswith(".csv") for row in csv_rows(archive.read(name)) for c in row
    }
    workbook = load_workbook(io.BytesIO(files[f"{downloads.PACKAGE_NAME}.xlsx"]))
    xlsx = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    for payload in PAYLOADS:
        assert payload not in cells and "'" + payload in cells, payload
        assert any(c.value == "'" + payload for c in xlsx), payload
    assert not [c.coordinate for c in xlsx if c.data_type == "f"]  # no formula cell at all
    indicators = csv_rows(archive.read("indicators.csv"))
    value = indicators[0].index("value")
    assert [r[value] for r in indicators if r[0] == "zhenhai-i003"] == ["-3"]
    sheet = workbook["indicators"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "zhenhai-i003")
    assert row[header.index("value")] == -3


def test_table_csv_keeps_numbers_and_neutralises_text():
    frame = pd.DataFrame({"change": ["+110", "-0.5", "=1+1"], "count": [-1, 2, 3]})
    rows = csv_rows(downloads.display_csv(frame))
    assert rows == [["change", "count"], ["+110", "-1"], ["-0.5", "2"], ["'=1+1", "3"]]


def test_datapackage_describes_every_table_from_its_sidecar():
    files = downloads.bundle(DATA, "title", {"name": "MIT"}, dt.date(2026, 1, 2))
    archive = zipfile.ZipFile(io.BytesIO(files[f"{downloads.PACKAGE_NAME}.zip"]))
    package = json.loads(archive.read("datapackage.json"))
    names = {r["name"] for r in package["resources"]}
    assert names == {p.stem for p in DATA.glob("*.csv")}
    for resource in package["resources"]:
        header = csv_rows(archive.read(resource["path"]))[0]
        assert [f["name"] for f in resource["schema"]["fields"]] == header
        assert all(
            f["type"] in {"string", "number", "integer", "date", "boolean"} for f in resource["schema"]["fields"]
        )
        for key in resource["schema"].get("foreignKeys", []):
            assert key["reference"]["resource"] in names
    indicators = next(r for r in package["resources"] if r["name"] == "indicators")
    fields = {f["name"]: f for f in indicators["schema"]["fields"]}
    assert indicators["schema"]["primaryKey"] == "indicator_id"
    assert fields["value"]["type"] == "number" and fields["period"]["type"] == "integer"
    assert set(fields["kind"]["constraints"]["enum"]) >= {"actual", "target"}


def test_curated_data_is_licensed_cc_by_in_the_data_package_and_the_citation():
    from stpolicy import reuse
    from stpolicy.i18n import t

    files = downloads.bundle(DATA, "title", reuse.LICENCE, dt.date(2026, 1, 2))
    package = json.loads(zipfile.ZipFile(io.BytesIO(files[f"{downloads.PACKAGE_NAME}.zip"])).read("datapackage.json"))
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0 International",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        }
    ]
    note = re.search(r"note = \{(.*)\}", reuse.bibtex("A & B", "2026-01-02", "zh")).group(1)
    assert "CC BY 4.0" in note and "MIT" in note and "政府信息公开" in note
    for lang in LANGS:
        line = t("reuse.licence", lang)
        assert "CC BY 4.0" in line and "MIT" in line and "政府信息公开" in line, line
    assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", t("reuse.licence", "zh"))


# --- source offsets and cross-references (package functions) ------------------------------------


def test_offsets_count_utf16_units_like_javascript():
    sources = Sources({"a": "\ufeff𠀀第一句。\r\n第二句：创新。"}, {})
    passage = sources.locate("创新")
    text = sources.texts["a"]
    assert text.startswith("𠀀") and "\r" not in text
    assert (passage.start, passage.end) == (11, 13)  # 𠀀 is two UTF-16 units
    assert utf16_slice(text, passage.start, passage.end) == "创新"


def test_every_curated_quote_is_located_at_its_text():
    districts = read_rows(DATA / "districts.csv")
    texts = {d["district_id"]: (DATA / d["source_file"]).read_text(encoding="utf-8-sig") for d in districts}
    sources = Sources(texts, {})
    checked = 0
    for table in ("indicators", "programmes", "tool_codes", "measures"):
        for row in read_rows(DATA / f"{table}.csv"):
            passage = sources.locate(row["quote"], row["district_id"])
            assert passage.district_id == row["district_id"]
            assert utf16_slice(sources.texts[passage.district_id], passage.start, passage.end) == row["quote"]
            checked += 1
    assert checked > 300


def test_table_cells_link_quote_and_value_of_their_district():
    texts = {"x": "甲乙丙丁。增长20%。", "y": "增长20%。其他。"}
    sources = Sources(texts, {"X": "x", "Y": "y"})
    frame = pd.DataFrame({"District": ["Y", "X"], "Value": ["20%", "1"], "Quote (verbatim)": ["增长20%", "甲乙"]})
    table = frame.to_html(index=False)
    linked = link_quotes(table, sources, LinkRules({"增长20%"}, {"Quote (verbatim)"}, {"Value"}))
    links = re.findall(r'data-source="(\w)" data-start="(\d+)" data-end="(\d+)">([^<]*)</a>', linked)
    assert links == [("y", "0", "5", "20%"), ("y", "0", "5", "增长20%"), ("x", "0", "2", "1"), ("x", "0", "2", "甲乙")]


def test_measure_titles_link_to_their_heading():
    sources = Sources({"x": "一、总体。（一）聚力推进平台。正文。"}, {})
    heading = sources.locate("（一）聚力推进平台", "x")
    frame = pd.DataFrame({"No.": ["（一）", "（二）"], "Measure": ["Platforms", "Other"], "Note": ["Platforms", ""]})
    linked = link_quotes(
        frame.to_html(index=False), sources, LinkRules(set(), set(), set(), {"Platforms": heading}, {"Measure"})
    )
    links = re.findall(r'data-start="(\d+)" data-end="(\d+)">([^<]*)</a>', linked)
    assert links == [("5", "14", "Platforms")]  # only under the measure column, only a known title


def figure_output(ident: str, label: str) -> dict:
    caption = f'<figcaption><span class="label">{label}</span> x</figcaption>'
    text = f'<figure class="report-figure" id="{ident}">{caption}</figure>'
    return nbformat.v4.new_output("display_data", data={"text/html": text})


def paragraph_output(text: str) -> dict:
    return nbformat.v4.new_output("display_data", data={"text/html": f"<p>{text}</p><p>Last.</p>"})


@pytest.mark.parametrize(
    ("lang", "labels", "sentence"),
    [
        ("en", ["Figure 3.", "Table 2."], "Last. See Figure 3 and Table 2."),
        ("zh", ["图3", "表2"], "Last.见图3和表2。"),
    ],
)
def test_cross_references_name_the_assigned_labels(lang, labels, sentence):
    cell = nbformat.v4.new_code_cell()
    cell.outputs = [
        paragraph_output("Intro."),
        figure_output("fig-a", labels[0]),
        figure_output("tab-b", labels[1]),
        nbformat.v4.new_output("display_data", data={"text/html": '<h3 id="sub-x">X</h3>'}),
        figure_output("fig-c", "Figure 4."),  # after a heading, no paragraph introduces it
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert navigation.add_cross_references(nb, lang) == 2
    text = nb.cells[0].outputs[0]["data"]["text/html"]
    assert re.sub(r"<[^>]+>", "", text).endswith(sentence)
    assert '<a class="xref-link" href="#fig-a">' in text and "#fig-c" not in text


# --- the built report -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_download_links_decode_to_the_curated_data(built, lang):
    files = decoded_downloads(html_of(built, lang))
    indicators = read_rows(DATA / "indicators.csv")
    # Every report table has its CSV: the appendix holds every indicator with its quote.
    table = csv_rows(files[f"indicators.{lang}.csv"][1])
    assert len(table) - 1 == len(indicators)
    quotes = {c for row in table for c in row}
    for row in indicators[:: max(1, len(indicators) // 8)]:
        assert row["quote"] in quotes
    assert len(csv_rows(files[f"programmes.{lang}.csv"][1])) - 1 == len(read_rows(DATA / "programmes.csv"))
    assert all(mime == "text/csv" for name, (mime, _) in files.items() if name.endswith(".csv"))
    # Download all: the zip holds every curated table (same rows, same quotes) and datapackage.json.
    mime, payload = files[f"{downloads.PACKAGE_NAME}.zip"]
    assert mime == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(payload))
    for path in sorted(DATA.glob("*.csv")):
        original, copied = read_rows(path), list(csv.DictReader(io.StringIO(archive.read(path.name).decode("utf-8"))))
        assert len(copied) == len(original), path.name
        if "quote" in original[0]:
            assert [r["quote"] for r in copied] == [r["quote"] for r in original]
    package = json.loads(archive.read("datapackage.json"))
    assert {r["path"] for r in package["resources"]} == {p.name for p in DATA.glob("*.csv")}
    assert [licence["name"] for licence in package["licenses"]] == ["CC-BY-4.0"]
    # ... and the XLSX workbook one sheet per table with the same rows.
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(files[f"{downloads.PACKAGE_NAME}.xlsx"][1]), read_only=True)
    for path in sorted(DATA.glob("*.csv")):
        assert workbook[path.stem].max_row - 1 == len(read_rows(path)), path.name
    quote_col = [c.value for c in next(workbook["indicators"].iter_rows(max_row=1))].index("quote")
    sheet_quotes = [r[quote_col] for r in workbook["indicators"].iter_rows(min_row=2, values_only=True)]
    assert sheet_quotes == [r["quote"] for r in indicators]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_quote_link_points_at_its_text_in_the_embedded_source(built, lang):
    page = html_of(built, lang)
    texts = {
        a["id"].removeprefix("source-text-"): html.unescape(t)
        for a, t in elements(page, "div", **{"class": "source-text"})
    }
    districts = read_rows(DATA / "districts.csv")
    for d in districts:  # the full texts are embedded, unchanged
        assert texts[d["district_id"]] == (DATA / d["source_file"]).read_text(encoding="utf-8-sig")
    quotes = {
        r["quote"]
        for table in ("indicators", "programmes", "tool_codes", "measures")
        for r in read_rows(DATA / f"{table}.csv")
    }
    targets = set()
    links = elements(page, "a", **{"class": "src-link"})
    assert len(links) > len(read_rows(DATA / "indicators.csv"))
    for a, text in links:
        district = a["data-source"]
        passage = utf16_slice(texts[district], int(a["data-start"]), int(a["data-end"]))
        shown = html.unescape(text)
        # A quote (or a keyword-in-context sentence) links to itself; a value links to its row's quote.
        assert passage == shown or (passage in quotes and shown not in quotes), (shown, passage)
        targets.add((district, passage))
    for row in read_rows(DATA / "indicators.csv"):  # every stated number leads to its sentence
        assert (row["district_id"], row["quote"]) in targets, row["indicator_id"]
    for row in read_rows(DATA / "measures.csv"):  # every measure leads to its heading (measures tables)
        assert (row["district_id"], row["quote"]) in targets, row["measure_id"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_cross_references_match_the_figure_and_table_labels(built, lang):
    page = html_of(built, lang)
    labels = {
        a["id"]: navigation.label_text(re.search(r'<span\b[^>]*class="label"[^>]*>(.*?)</span>', inner, re.S).group(1))
        for a, inner in elements(page, "figure")
        if "id" in a
    }
    refs = [(a["href"].removeprefix("#"), html.unescape(t)) for a, t in elements(page, "a", **{"class": "xref-link"})]
    assert len(refs) >= 10
    for ident, text in refs:
        assert labels[ident] == text, (ident, text)
    assert {ident for ident, _ in refs} >= {"fig-targets", "tab-indicators"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_citation_sources_and_other_edition(built, lang):
    page = html_of(built, lang)
    other = "zh" if lang == "en" else "en"
    assert elements(page, "a", href=f"report.{other}.html")
    assert re.search(rf'<link\b(?=[^>]*rel="alternate")(?=[^>]*href="report.{other}.html")', page)
    bibtex = html.unescape(re.search(r"<code>(@misc.*?)</code>", page, re.S).group(1))
    from stpolicy import __version__

    assert bibtex.startswith("@misc{") and f"version = {{{__version__}}}" in bibtex
    # The licence: curated data CC BY 4.0, code MIT, sources public government information.
    note = re.search(r"note = \{(.*)\}", bibtex).group(1)
    licence = html.unescape(re.search(r'<p class="licence">(.*?)</p>', page, re.S).group(1))
    for text in (note, licence):
        assert "CC BY 4.0" in text and "MIT" in text and "政府信息公开" in text, text
    for d in read_rows(DATA / "districts.csv"):
        assert d["doc_index_no"] in page and d[f"issuer_{lang}"] in html.unescape(page) and d["doc_date"] in page
    assert 'id="sec-data"' in page and 'href="#sec-data"' in page


# --- in the browser ------------------------------------------------------------------------------


@pytest.mark.slow
def test_source_viewer_filter_and_navigation_in_the_browser(built):
    path = built / "report" / "report.en.html"
    quote = read_rows(DATA / "indicators.csv")[0]["quote"]
    page, errors, _ = offline_page(path, 1440)
    try:
        link = page.locator("a.src-link", has_text=quote).first
        link.scroll_into_view_if_needed()
        link.click()
        assert page.evaluate("document.getElementById('source-viewer').open")
        assert page.evaluate("document.getElementById('sv-passage').textContent") == quote
        assert page.evaluate("document.activeElement.id") == "sv-text"
        page.keyboard.press("Escape")
        assert not page.evaluate("document.getElementById('source-viewer').open")
        assert page.evaluate("document.activeElement.classList.contains('src-link')")  # focus returns
        # A chart mark that carries a quote opens its passage too.
        page.locator("#fig-targets").scroll_into_view_if_needed()
        box = page.locator("#fig-targets svg.marks g.mark-symbol.role-mark path").first.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        passage = page.evaluate(
            "document.getElementById('source-viewer').open && document.getElementById('sv-passage').textContent"
        )
        assert passage and passage in {r["quote"] for r in read_rows(DATA / "indicators.csv")}
        page.keyboard.press("Escape")
        # The filter box over the appendix tables.
        box = page.locator(".table-filter input").first
        box.fill("R&D")
        shown = page.evaluate(
            "Array.from(document.querySelector('#tab-indicators tbody').rows).filter(r => !r.hidden).length"
        )
        expected = sum("r&d" in " ".join(r.values()).lower() for r in read_rows(DATA / "indicators.csv"))
        assert 0 < shown <= expected + 5 and shown < len(read_rows(DATA / "indicators.csv"))
        # The table of contents stays in view while reading, back-to-top appears.
        page.evaluate("document.getElementById('sec-vocabulary').scrollIntoView()")
        top = page.evaluate("document.querySelector('nav.toc').getBoundingClientRect().top")
        assert 0 <= top < 50
        assert page.locator(".back-to-top").is_visible()
        # The contents mark the section being read, also after a jump straight to a figure in it.
        page.evaluate("document.getElementById('fig-distinctive_terms').scrollIntoView()")
        page.wait_for_timeout(200)
        marked = page.evaluate("document.querySelector('nav.toc a[aria-current]').getAttribute('href')")
        assert marked == "#sec-vocabulary"
        assert errors == []
    finally:
        page.context.close()
    # On phones and in the dark theme: test_validity.py, on the pages it opens at those settings.


def test_the_passage_index_keeps_only_the_rows_chart_marks_carry():
    from stpolicy import reuse
    from stpolicy.report import SPEC_SCRIPT, script_safe_json
    from stpolicy.sources import passages_by_id

    spec = {"datasets": {"d1": [{"indicator_id": "zhenhai-i001", "district_id": "zhenhai", "value": 1}]}}
    nb = nbformat.v4.new_notebook()
    output = nbformat.v4.new_output(
        "display_data", {"text/html": f"<div></div>{SPEC_SCRIPT}{script_safe_json(spec)}</script>"}
    )
    nb.cells.append(nbformat.v4.new_code_cell(outputs=[output]))
    ids = reuse.chart_ids(nb)
    assert ids == {"indicator_id": {"zhenhai-i001"}, "district_id": {"zhenhai"}}
    ds = load(DATA, "en")
    index = passages_by_id(DATA, reuse.sources_of(ds))
    assert len(index["indicator_id"]) == len(read_rows(DATA / "indicators.csv")) and len(index) > 1
    assert passages_by_id(DATA, reuse.sources_of(ds), ids) == {
        "indicator_id": {"zhenhai-i001": index["indicator_id"]["zhenhai-i001"]}
    }
    assert passages_by_id(DATA, reuse.sources_of(ds), None) == index  # without charts' ids: everything


def test_the_workbook_keeps_each_text_once():
    """XlsxWriter's shared strings: a quote repeated in many rows is stored once (openpyxl 3.1 inlined each)."""
    tables = downloads.curated_tables(DATA)
    archive = zipfile.ZipFile(io.BytesIO(downloads.workbook_bytes(tables, dt.date(2026, 1, 2))))
    sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert "xl/sharedStrings.xml" in archive.namelist() and not any(b"inlineStr" in s for s in sheets)
