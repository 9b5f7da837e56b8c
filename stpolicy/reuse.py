"""What the report's "Data, sources and citation" section and its navigation need: download links,
how to cite (with BibTeX), the source documents (list and full texts), links from quotes to the
source viewer, and the link to the other language's edition. The build passes the result to the
template (templates/report/reuse.html.j2)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat

from . import __version__, downloads
from .i18n import LANGUAGES, data_column, locale, t
from .navigation import html_outputs
from .report import SPEC_SCRIPT, script_safe_json
from .sources import LinkRules, Sources, link_quotes, normalise, passages_by_id, verbatim_quotes

SECTION_ID = "sec-data"
# The licence of the curated tables (the data package's content); the code is MIT (README, "Licence").
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")
CHART_SPEC = re.compile(re.escape(SPEC_SCRIPT) + "(.*?)</script>", re.S)


def toc_entry(lang: str) -> list[dict]:
    """The TOC entry of the data, sources and citation section."""
    return [{"level": 2, "id": SECTION_ID, "text": t("reuse.title", lang)}]


def editions(lang: str, screen: bool = True) -> list[dict]:
    """The same report in the other languages: links on screen (report.en.html ↔ report.zh.html); in the
    PDF the other PDF's file name as text, since WeasyPrint would turn a relative link into a file://
    address inside the build's staging folder, dead once the report is published."""
    entries = []
    for other in (code for code in LANGUAGES if code != lang):
        if screen:
            href, text = f"report.{other}.html", t("nav.other_edition", lang)
        else:
            href, text = None, t("nav.other_edition_file", lang, file=f"report.{other}.pdf")
        entries.append({"href": href, "lang": locale(other)["html_lang"], "text": text})
    return entries


def bibtex(title: str, date: str, lang: str) -> str:
    """A BibTeX @misc entry for this edition (special characters escaped)."""

    def esc(text: str) -> str:
        return BIBTEX_SPECIAL.sub(r"\\\1", text)

    fields = {
        "title": "{" + esc(title) + "}",
        "year": date[:4],
        "version": __version__,
        "date": date,
        "language": locale(lang)["bibtex_language"],
        "howpublished": esc(f"report.{lang}.html (self-contained HTML) and report.{lang}.pdf"),
        "note": esc(t("reuse.licence", "en")),
    }
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@misc{{stpolicy_{date[:4]}_{lang},\n{body}\n}}"


def source_documents(ds, lang: str) -> list[dict]:
    """Publisher, title, date, index number, address (when the data has one) and full text of each source.
    A text identical to an earlier district's (one city-wide plan cited for several districts) is
    embedded once: the later document names the first in `same_as` and carries no text of its own."""
    docs = []
    first_with = {}  # text -> the first district whose source it is
    for _, d in ds.districts.iterrows():
        text = normalise(ds.sources[d.district_id])
        same_as = first_with.setdefault(text, d.district_id)
        docs.append(
            {
                "id": d.district_id,
                "district": ds.district_name(d.district_id),
                "publisher": d[data_column("issuer", lang)],
                "title": t(
                    "formats.with_original", lang, text=d[data_column("doc_title", lang)], original=d.doc_title_zh
                ),
                "date": d.doc_date,
                "index_no": d.get("doc_index_no", "") or "",
                "address": d.get("source_url", "") or "",
                "file": d.source_file,
                "label": t("doc_cite", lang, title=d[data_column("doc_title", lang)], date=d.doc_date),
                "text": "" if same_as != d.district_id else text,
                "same_as": "" if same_as == d.district_id else same_as,
                "same_text": t("reuse.same_text", lang, district=ds.district_name(same_as)),
            }
        )
    return docs


def chart_ids(nb: nbformat.NotebookNode) -> dict[str, set[str]]:
    """Every `*_id` value in the data of the report's charts, by column: the rows a chart mark can
    open in the source viewer (reuse.js looks a clicked mark's ids up in the passage index)."""
    ids: dict[str, set[str]] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("_id") and isinstance(value, str):
                    ids.setdefault(key, set()).add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for output in html_outputs(nb):
        for spec in CHART_SPEC.findall(output.data["text/html"]):
            walk(json.loads(spec))
    return ids


def resources(meta: dict, lang: str, mode: str, title: str, marks: dict[str, set[str]] | None = None) -> dict:
    """Template context under `resources.report.reuse`; the PDF ("print") gets the citation and the
    list of sources, not the download links nor the full texts (the viewer is interactive).
    `marks`: the ids in the charts' data (chart_ids); the viewer's passage index keeps only those."""
    from .data import load

    data_dir = Path(meta["data_dir"])
    ds = load(data_dir, lang)
    date = downloads.build_date().isoformat()
    screen = mode == "screen"
    context = {
        "screen": screen,
        "section_id": SECTION_ID,
        "title": t("reuse.title", lang),
        "editions": editions(lang, screen),
        "cite_title": t("reuse.cite_title", lang),
        "cite_text": t("reuse.cite_text", lang, title=title, version=__version__, date=date),
        "licence": t("reuse.licence", lang),
        "bibtex_label": t("reuse.bibtex_label", lang),
        "bibtex": bibtex(title, date, lang),
        "sources_title": t("reuse.sources_title", lang),
        "sources": source_documents(ds, lang),
        "labels": {k: t(f"reuse.{k}", lang) for k in ("publisher", "doc_title", "doc_date", "index_no", "address")},
        "nav": {k: t(f"nav.{k}", lang) for k in ("skip", "back_to_top", "filter_label", "filter_placeholder")},
        "filter_count": t("nav.filter_count", lang, shown="{shown}", total="{total}"),
    }
    if screen:
        files = downloads.bundle(data_dir, title, LICENCE, downloads.build_date())
        context |= {
            "downloads_title": t("reuse.downloads_title", lang),
            "downloads_intro": t("reuse.downloads_intro", lang),
            "downloads": [
                downloads.link(
                    name,
                    payload,
                    t(f"reuse.download_{name.rsplit('.', 1)[1]}", lang, size=f"{len(payload) / 1e3:.0f} kB"),
                )
                for name, payload in files.items()
            ],
            "full_text": t("reuse.full_text", lang),
            "full_text_note": t("reuse.full_text_note", lang),
            "viewer": {k: t(f"reuse.viewer_{k}", lang) for k in ("title", "close", "passage")},
            "ui_json": script_safe_json(
                {
                    "districts": {name: ident for ident, name in ds.district_names().items()},
                    "passages": passages_by_id(data_dir, sources_of(ds), marks),
                    "strings": context["nav"] | {"filter_count": context["filter_count"]},
                }
            ),
        }
    return context


def measure_titles(ds, sources: Sources) -> dict:
    """A measure's title in the report language -> the passage of its heading, for titles that name one
    measure only (a table of measures links each title to its place in the plan)."""
    m, column = ds.measures, ds.field("title")  # the column the report language shows (locales.yml)
    unique = m[~m[column].duplicated(keep=False)]
    passages = {
        title: sources.locate(quote, district)
        for title, quote, district in zip(unique[column], unique["quote"], unique["district_id"], strict=True)
    }
    return {title: p for title, p in passages.items() if p}


def sources_of(ds) -> Sources:
    """The dataset's source texts, with district names for linking quotes."""
    return Sources(ds.sources, {name: ident for ident, name in ds.district_names().items()})


def with_source_links(nb: nbformat.NotebookNode, meta: dict, lang: str) -> nbformat.NotebookNode:
    """A copy of the merged notebook whose tables link each quote (and its row's value) to the viewer."""
    data_dir = Path(meta["data_dir"])
    from .data import load

    ds = load(data_dir, lang)
    sources = sources_of(ds)
    rules = LinkRules(
        quotes=verbatim_quotes(data_dir),
        quote_headers={t("columns.quote", lang), t("columns.sentence", lang)},
        value_headers={t("columns.value", lang)},
        named=measure_titles(ds, sources),
        named_headers={t("columns.measure", lang)},
    )
    nb = copy.deepcopy(nb)
    for output in html_outputs(nb):
        text = output.data["text/html"]
        if "<table" in text:
            output.data["text/html"] = link_quotes(text, sources, rules)
    return nb
