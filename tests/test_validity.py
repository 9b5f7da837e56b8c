"""Both editions are valid and accessible, fit a phone, and print well.

- HTML: the Nu HTML Checker (vnu-jar) finds no error; axe-core finds no serious or critical violation.
- Phone (420 px wide): no horizontal page scroll, every chart inside the viewport.
- PDF: no blank page, tagged (PDF/UA) with the document's language and title.
The checkers come from npm (scripts/install.sh puts them in node_modules/); Java from Debian.
"""

import json
import os
import re
import shutil
import subprocess

import pytest
from browser import offline_page, reader_page
from conftest import ROOT, kept_once, pdf_objects, pdf_text, pdf_tool

pytestmark = pytest.mark.slow
LANGS = ["en", "zh"]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def require(path, what: str):
    """In CI a missing checker is a failure; elsewhere the test is skipped."""
    if not path or not os.path.exists(path):
        message = f"{what} is missing (scripts/install.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def open_page(path, width: int, script=None, scheme: str = "light"):
    """Load a report offline at a viewport width (and colour scheme), wait for every chart, run `script`."""
    page, _, _ = offline_page(path, width, scheme)
    result = script(page)
    page.context.close()
    return result


def nu_messages(built) -> list[dict]:
    """The Nu HTML Checker's messages on both editions, from one run of its JVM per test run. The JVM's
    quick compiler only (TieredStopAtLevel=1): a run this short never pays back the optimising compiler's
    work (4 CPU-s instead of 8 for both files, same messages); its deeper stack frames need -Xss4m."""
    pages = [built / "report" / f"report.{lang}.html" for lang in LANGS]

    def check() -> str:
        jvm = ["java", "-Xss4m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU)]
        command = [*jvm, "--format", "json", "--errors-only", *map(str, pages)]
        run = subprocess.run(command, capture_output=True, text=True)  # exit 1 when it finds errors
        return run.stderr or run.stdout or '{"messages": []}'

    return json.loads(kept_once(pages[0], "vnu", check))["messages"]


@pytest.mark.parametrize("lang", LANGS)
def test_html_passes_the_nu_html_checker(built, lang):
    require(shutil.which("java"), "java (Debian default-jre-headless)")
    require(VNU, "vnu-jar (npm)")
    page = f"report.{lang}.html"
    messages = [m for m in nu_messages(built) if m.get("url", page).endswith(page)]  # no url: about the run
    errors = [f"{m.get('lastLine')}: {m['message']}" for m in messages if m["type"] in ("error", "non-document-error")]
    assert not errors, f"{len(errors)} errors, first: {errors[:10]}"


@pytest.mark.reader_page
@pytest.mark.parametrize("lang", LANGS)
def test_html_has_no_serious_accessibility_violations(built, lang):
    require(AXE, "axe-core (npm)")
    page, _, _ = reader_page(built / "report" / f"report.{lang}.html")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious


@pytest.mark.parametrize("lang", LANGS)
def test_phone_width_has_no_horizontal_scroll_and_charts_fit(built, lang):
    def measure(page):
        state = page.evaluate("""() => ({
            viewport: window.innerWidth,
            page: document.documentElement.scrollWidth,
            charts: Array.from(document.querySelectorAll('figure.report-figure')).map(f => {
                const shown = Array.from(f.querySelectorAll('.vega-chart svg.marks, .static-chart svg, .narrow-only'))
                    .filter(e => e.getBoundingClientRect().width > 0);
                const r = shown.length ? shown[0].getBoundingClientRect() : null;
                return {id: f.id, left: r ? r.left : null, right: r ? r.right : null};
            }),
        })""")
        # The contents: collapsed on phones, and kept in view at the top while reading.
        state["toc_open"] = page.evaluate("document.querySelector('nav.toc details').open")
        page.evaluate("document.getElementById('sec-instruments').scrollIntoView()")
        state["toc_top"] = page.evaluate("document.querySelector('nav.toc').getBoundingClientRect().top")
        return state

    state = open_page(built / "report" / f"report.{lang}.html", 420, measure)
    assert state["viewport"] == 420
    assert state["page"] <= state["viewport"], f"page is {state['page']} px wide at {state['viewport']} px"
    assert len(state["charts"]) >= 6
    outside = [c for c in state["charts"] if c["left"] is None or c["left"] < 0 or c["right"] > state["viewport"]]
    assert not outside, outside
    assert state["toc_open"] is False and state["toc_top"] == 0


@pytest.mark.reader_page
def test_dark_theme_draws_charts_as_wide_as_the_light_theme(built):
    """The dark theme darkens the page and puts each chart on a light card sized to the chart: charts still fit
    the column's width."""

    def widths(page):
        return page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll('figure .vega-chart'))
            .map(el => [el.closest('figure').id, el.querySelector('svg.marks').getBoundingClientRect().width]))""")

    def widths_and_colours(page):
        colours = page.evaluate("""() => [getComputedStyle(document.body).backgroundColor,
            getComputedStyle(document.querySelector('.vega-chart')).backgroundColor]""")
        return widths(page), colours

    path = built / "report" / "report.en.html"
    light = widths(reader_page(path)[0])
    dark, colours = open_page(path, 1280, widths_and_colours, scheme="dark")
    assert len(light) >= 6 and light.keys() == dark.keys()
    narrower = {ident: (light[ident], dark[ident]) for ident in light if dark[ident] < 0.9 * light[ident]}
    assert not narrower, narrower
    page_colour, chart_colour = (list(map(int, re.findall(r"\d+", c)[:3])) for c in colours)
    assert sum(page_colour) < 150 and sum(chart_colour) > 600  # a dark page, charts on light cards


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_is_tagged_with_language_and_title_and_has_no_blank_page(built, lang):
    pdf = built / "report" / f"report.{lang}.pdf"
    info = pdf_tool("pdfinfo", str(pdf))
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    html = (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert re.search(r"^Title:\s+(.+)$", info, re.M).group(1).strip() == title.replace("&amp;", "&")
    lang_code = re.search(r'<html lang="([^"]+)"', html).group(1)
    assert f"/Lang ({lang_code})".encode() in pdf_objects(pdf)
    pages = pdf_text(pdf).split("\f")[:-1]
    assert len(pages) >= 10
    # Running header (title, section) and the page number do not count as content.
    for number, text in enumerate(pages, 1):
        body = re.sub(r"\d+\s*/\s*\d+", "", text)
        body = body.replace(title, "")
        lines = [line for line in body.splitlines() if line.strip()]
        assert len(lines) > 2, f"page {number} of {len(pages)} is blank: {text!r}"
