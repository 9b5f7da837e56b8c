"""The PDFs: A4, embedded CJK font, searchable Chinese, a working table of contents, same figures as the HTML."""

import re

import pandas as pd
import pytest
from conftest import DATA, pdf_objects, pdf_text, pdf_tool
from test_report import expected_values

pytestmark = pytest.mark.slow  # needs the full build (session fixture `built` in conftest.py)

LANGS = ["en", "zh"]


def fonts_of(pdf) -> dict[str, bool]:
    """Every font the PDF names (/BaseFont), and whether its descriptor embeds the font program: pdffonts's
    name and emb columns, without its page-by-page pass (seconds on the Chinese PDF)."""
    objects = pdf_objects(pdf)
    embedded = {}
    for descriptor in re.findall(rb"<</Type /FontDescriptor(.*?)>>", objects, re.S):
        name = re.search(rb"/FontName /([^\s/<>()\[\]]+)", descriptor).group(1).decode()
        embedded[name] = re.search(rb"/FontFile[23]? \d+ 0 R", descriptor) is not None
    names = {m.decode() for m in re.findall(rb"/BaseFont /([^\s/<>()\[\]]+)", objects)}
    return {name: embedded.get(name, False) for name in names}


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_is_a4_with_embedded_cjk_font(built, lang):
    pdf = built / "report" / f"report.{lang}.pdf"
    assert "(A4)" in pdf_tool("pdfinfo", str(pdf))
    fonts = fonts_of(pdf)
    assert any("CJK" in name for name in fonts), fonts
    assert all(fonts.values()), fonts  # every font embedded
    assert all(re.match(r"[A-Z]{6}\+", name) for name in fonts), fonts  # ... as a subset (ABCDEF+Name)
    # Only the report's two faces: the CJK one, and in English the Latin text face (DejaVu Sans).
    assert all("CJK" in name or "DejaVu" in name for name in fonts), fonts
    if lang == "en":
        assert any("DejaVu" in name for name in fonts), "English text is set in the Latin face"


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_text_is_searchable(built, lang):
    text = pdf_text(built / "report" / f"report.{lang}.pdf")
    flat = re.sub(r"\s+", "", text)
    for name in pd.read_csv(DATA / "districts.csv")[f"name_{lang}"]:
        assert re.sub(r"\s+", "", name) in flat
    for value in expected_values():
        assert value in text, value
    quotes = pd.read_csv(DATA / "indicators.csv")["quote"]
    short = sorted(set(quotes[quotes.str.len() <= 9]))  # short enough not to wrap inside a table cell
    assert len(short) >= 10 and all(q in flat for q in short)  # Chinese quotes are extractable in both languages


@pytest.mark.parametrize("lang", LANGS)
def test_toc_lists_every_section_with_its_page(built, lang):
    pdf = built / "report" / f"report.{lang}.pdf"
    html = (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")
    sections = re.findall(r'<li class="toc-\d"><a href="#([^"]+)">([^<]+)</a>', html)
    assert len(sections) >= 6
    toc_page = pdf_text(pdf).split("\f")[1]  # page 2
    dests = {
        name: int(page)
        for page, name in re.findall(r'^\s*(\d+) \[.*?\] "([^"]+)"', pdf_tool("pdfinfo", "-dests", str(pdf)), re.M)
    }
    for ident, title in sections:
        title = title.replace("&amp;", "&")
        match = re.search(rf"^\s*{re.escape(title)}\s*\.+\s*(\d+)\s*$", toc_page, re.M)
        assert match, f"{title!r} has no page number in the table of contents"
        assert dests[ident] == int(match.group(1)), (title, dests[ident], match.group(1))  # the link lands there


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_has_the_same_figures_as_the_html(built, lang):
    html = (built / "report" / f"report.{lang}.html").read_text(encoding="utf-8")
    text = pdf_text(built / "report" / f"report.{lang}.pdf")
    word = "Figure" if lang == "en" else "图"
    html_figures = re.findall(rf'data-label="figure">{word} ?(\d+)', html)
    pdf_figures = re.findall(rf"^\s*{word} ?(\d+)\.? ", text, re.M)
    assert html_figures and pdf_figures == html_figures


def test_long_tables_repeat_their_header_on_each_page(built):
    pdf = built / "report" / "report.en.pdf"
    pages = pdf_text(pdf).split("\f")
    appendix = [p for p in pages if "Quote (verbatim)" in p and "Section" in p]
    assert len(appendix) >= 5  # the appendix table runs over several pages, each with its header row


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_names_the_other_edition_and_links_nowhere_local(built, lang):
    """WeasyPrint turns a relative link into a file:// address inside the build's staging folder, dead once the
    report is published: the PDF names the other edition's file instead, and links only to the web."""
    pdf = built / "report" / f"report.{lang}.pdf"
    objects = pdf_objects(pdf)
    uris = re.findall(rb"/URI \(([^)]*)\)", objects)
    assert all(u.startswith(b"https://") for u in uris), uris
    assert b".stage-" not in objects and str(built).encode() not in objects
    other = next(code for code in LANGS if code != lang)
    assert f"report.{other}.pdf" in pdf_text(pdf)
