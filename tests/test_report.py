"""The built report: offline HTML with every chart drawn, in both languages; robust builds."""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from browser import page_state, reader_page
from conftest import DATA, ROOT, build, few_notebooks, read_rows, set_cell, write_rows

from stpolicy import fonts
from stpolicy.registry import registry

SECTIONS = registry().ids


def indicator(indicator_id: str) -> pd.Series:
    return pd.read_csv(DATA / "indicators.csv").set_index("indicator_id").loc[indicator_id]


def expected_values() -> list[str]:
    """Values the report must show, read from the CSV (not from the code under test)."""
    paired = pd.read_csv(DATA / "indicators.csv", keep_default_na=False)
    paired = paired[paired.compare_key != ""]
    return [f"{v:g}" for v in paired["value"].unique()]


@pytest.mark.reader_page
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_renders_every_chart_offline(built, lang):
    page = page_state(*reader_page(built / "report" / f"report.{lang}.html"))
    assert page["charts"] >= 6 and page["drawn"] == page["charts"], page
    assert all(n > 5 for n in page["marks"]), page["marks"]
    assert page["errors"] == []
    assert page["outside_requests"] == []
    districts = pd.read_csv(DATA / "districts.csv")
    for name in districts[f"name_{lang}"]:
        assert name in page["text"]
    for value in expected_values():
        assert value in page["text"], value
    quote = indicator("dinghai-i005")["quote"]  # verbatim quotes appear in the appendix
    assert quote in page["text"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_is_self_contained(built, lang):
    html = (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "<script src" not in html
    assert html.count("window.vegaEmbed=") == 1  # the bundle is inlined once, not per chart
    assert "@font-face" in html and f"font/{fonts.WEB_FORMAT};base64," in html
    assert "from stpolicy" not in html and "r.heading(" not in html  # no code cells shown
    # Interactive charts carry their spec, not a second copy of themselves as SVG (the PDF has that).
    containers = re.findall(r'<div [^>]*class="vega-chart"[^>]*>(.*?)</div>', html, re.S)
    assert containers and all(c.startswith('<p class="chart-fallback">') and "<svg" not in c for c in containers)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_exported(built, lang):
    folder = built / "figures" / lang
    svgs, pngs = sorted(folder.glob("*.svg")), sorted(folder.glob("*.png"))
    assert len(svgs) >= 8 and [p.stem for p in svgs] == [p.stem for p in pngs]
    html = (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")
    assert html.count('<figure class="report-figure"') == len(svgs)


@pytest.mark.slow
def test_report_has_sections_toc_and_numbered_captions(built):
    html = (built / "report" / "report.en.html").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'id="sec-{section}"' in html and f'href="#sec-{section}"' in html
    figures = re.findall(r'data-label="figure">Figure (\d+)\.', html)
    assert figures == [str(i) for i in range(1, len(figures) + 1)]
    zh = (built / "report" / "report.zh.html").read_text(encoding="utf-8")
    assert re.search(r'data-label="figure">图1<', zh) and re.search(r'data-label="table">表1<', zh)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_key_findings_open_the_report_and_link_to_figures_and_tables(built, lang):
    html = (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")
    block = re.search(r'<section[^>]*id="key-findings"[^>]*>.*?</section>', html, re.S)  # attributes in any order
    assert block and block.start() < html.index('id="sec-glance"')  # before section 1
    items = re.findall(r"<li>(.*?)</li>", block.group(0), re.S)
    assert 5 <= len(items) <= 8
    targets = set(re.findall(r'<figure[^>]*\sid="((?:fig|tab)-[^"]+)"', html))
    for item in items:
        links = re.findall(r'<a[^>]*href="#([^"]+)"[^>]*>([^<]+)</a>', item)
        assert links, item
        for target, text in links:
            assert target in targets, target  # every link lands on a figure or table of the report
            assert re.fullmatch(r"(Figure|Table) \d+|[图表]\d+", text), text  # numbered by the build
    assert 'id="how-to-read"' in html and html.index('id="how-to-read"') < html.index('id="sec-glance"')


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_measures_and_clauses_are_in_both_editions(built, lang):
    html = (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")
    measures = pd.read_csv(DATA / "measures.csv", keep_default_na=False)
    for title in measures[f"title_{lang}"]:
        assert shown(title, html), title
    for district in measures["district_id"].unique():
        assert f'id="tab-measures_{district}"' in html
    codes = pd.read_csv(DATA / "tool_codes.csv", keep_default_na=False)
    clause_table = re.search(r'<figure[^>]*id="tab-clauses"[^>]*>.*?</figure>', html, re.S).group(0)
    assert all(shown(q, clause_table) for q in codes["quote"])


def shown(text: str, page: str) -> bool:
    """Is `text` in the HTML, escaped as pandas (no quotes) or as the report's paragraphs (with quotes) do?"""
    import html

    return html.escape(text, quote=False) in page or html.escape(text, quote=True) in page


@pytest.mark.slow
def test_executed_notebooks_kept(built):
    kept = sorted((built / "report" / "notebooks" / "zh").glob("*.ipynb"))
    assert [p.name for p in kept] == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


# --- notebooks ----------------------------------------------------------------------------------


def test_notebooks_are_stored_clean_and_parameterised():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and tagged[0] is code[0], path.name
        for name in ("data_dir", "districts", "lang", "figures_dir"):
            assert re.search(rf"^{name}: \w", tagged[0].source, re.M), (path.name, name)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
def test_notebook_runs_alone_with_one_district_in_chinese(tmp_path, notebook, notebook_kernel):
    from stpolicy.tasks import Task

    out = tmp_path / notebook
    # data_dir given: the checked copy runs from tmp_path, where the default "../data" does not exist
    params = {"data_dir": str(DATA), "districts": ["zhenhai"], "lang": "zh", "figures_dir": str(tmp_path / "fig")}
    checked = with_kernel_state_check(ROOT / "notebooks" / notebook, tmp_path / f"checked_{notebook}")
    notebook_kernel.execute(Task(checked, "zh", out, params))  # through papermill, as a reader's kernel
    html = "".join(
        o.data.get("text/html", "")
        for c in nbformat.read(out, as_version=4).cells
        for o in c.get("outputs", [])
        if "data" in o
    )
    assert "<h2" in html and "Traceback" not in html
    assert "定海区" not in html.replace("《舟山市定海区", "")  # only the chosen district is reported
    if "figures_dir" in html or "<figure" in html:
        assert "镇海区" in html
    # Every figure has a chart output for notebook readers with a PNG twin (it reads anywhere).
    outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    charts = {o.metadata.get("stpolicy_figure"): o for o in outputs if o.get("metadata", {}).get("stpolicy_figure")}
    for name in re.findall(r'<figure class="report-figure" id="fig-([^"]+)"', html):
        assert "image/png" in charts[name].data, name
        assert charts[name].metadata["stpolicy_notebook_only"] is True


def with_kernel_state_check(notebook: Path, copy: Path) -> Path:
    """A copy of the notebook that fails unless its run leaves matplotlib's backend and rcParams as found."""
    nb = nbformat.read(notebook, as_version=4)
    before = "import matplotlib as _mpl\n_before = (_mpl.get_backend(), dict(_mpl.rcParams))"
    after = (
        "_after = (_mpl.get_backend(), dict(_mpl.rcParams))\n"
        "assert _after[0] == _before[0], f'backend changed: {_before[0]} -> {_after[0]}'\n"
        "assert _after[1] == _before[1], {k for k in _before[1] if _before[1][k] != _after[1].get(k)}"
    )
    nb.cells.insert(0, nbformat.v4.new_code_cell(before))
    nb.cells.append(nbformat.v4.new_code_cell(after))
    nbformat.write(nb, copy)
    return copy


# --- builds with other data (a third district: tests/test_new_district.py) ------------------------------------


@pytest.mark.slow
def test_broken_data_leaves_previous_report_untouched(built, tmp_path, data_copy):
    out, fig = tmp_path / "report", tmp_path / "figures"
    shutil.copytree(built / "report", out)
    shutil.copytree(built / "figures", fig)
    before = {p: p.read_bytes() for p in list(out.rglob("*")) + list(fig.rglob("*")) if p.is_file()}
    line = set_cell(data_copy / "indicators.csv", "indicator_id", "dinghai-i001", "value", "2.4")
    result = build("--data", data_copy, "--out", out, "--figures", fig, "--cache-dir", tmp_path / "cache")
    assert result.returncode == 2
    assert f"indicators.csv:{line}: value: 2.4 does not occur in the quote" in result.stderr
    assert "Traceback" not in result.stderr
    after = {p: p.read_bytes() for p in list(out.rglob("*")) + list(fig.rglob("*")) if p.is_file()}
    assert after == before


def test_failing_cell_exits_1_and_names_the_notebook(tmp_path, cache_dir):
    notebooks = few_notebooks(tmp_path / "notebooks", "01_", "09_")
    nb = nbformat.read(notebooks / "09_method_notes.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('raise ValueError("boom in a cell")'))
    nbformat.write(nb, notebooks / "09_method_notes.ipynb")
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.en.html").write_text("<html>the previous report</html>", encoding="utf-8")
    result = build(
        "--notebooks", notebooks, "--out", out, "--figures", tmp_path / "fig", "--lang", "en", "--format", "html",
        "--cache-dir", cache_dir, "--jobs", "1",  # one kernel: a second one's warm-up costs more than it saves
    )  # fmt: skip
    assert result.returncode == 1
    assert "error: 09_method_notes.ipynb [en] failed: ValueError: boom in a cell" in result.stderr
    failed = Path(re.search(r"executed notebook: (\S+)", result.stderr).group(1))
    assert "boom in a cell" in failed.read_text(encoding="utf-8")
    shutil.rmtree(failed.parent)  # kept for the user in the system's temp folder; a test leaves nothing behind
    assert (out / "report.en.html").read_text(encoding="utf-8") == "<html>the previous report</html>"
    assert not list(out.glob(".stage-*")) and not (tmp_path / "fig").exists()


def test_text_from_csv_cannot_break_out_of_script(tmp_path, data_copy, monkeypatch):
    """Evil text in the CSVs reaches the page only escaped: in HTML text and inside a chart's JSON <script>."""
    from stpolicy import charts, narrative, report

    evil = "Evil </script><script>window.__pwned = 1</script> & <b>bold</b>"
    set_cell(data_copy / "indicators.csv", "indicator_id", "zhenhai-i086", "name_en", evil)
    rows = read_rows(data_copy / "narrative.csv")
    rows[0]["text_en"] = "Narrative </script><img src=x onerror=alert()>"
    write_rows(data_copy / "narrative.csv", rows)
    emitted = []
    monkeypatch.setattr(report, "emit", lambda html_text, static=None, meta=None: emitted.append(html_text))
    r = report.Report(str(data_copy), [], "en", str(tmp_path / "fig"))
    r.figure("targets", charts.targets(r.ds))
    r.table("comparability", r.ds.indicators[["indicator_id", "name_en"]])
    r.paragraphs([rows[0]["text_en"], *narrative.targets(r.ds)])
    page = "".join(emitted)
    assert "</script><script>window.__pwned" not in page and "<img src=x" not in page
    assert "Evil &lt;/script&gt;" in page  # shown as text in the table
    specs = re.findall(r'<script type="application/json" class="vega-spec">(.*?)</script>', page, re.S)
    assert specs and evil in json.dumps(json.loads(specs[0]), ensure_ascii=False)  # intact inside the chart data
