"""Rendering: merge each language's executed notebooks into one document and render HTML (and PDF)
through the project template. Execution, caching and publishing live in stpolicy.pipeline."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import nbformat

from . import __version__, fonts, navigation, reuse
from .i18n import join, t
from .notebook import NOTEBOOK_ONLY
from .report import STATIC_KEY

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def notebooks(folder: Path | None = None) -> list[Path]:
    return sorted((folder or NOTEBOOKS).resolve().glob("[0-9][0-9]_*.ipynb"))


# --- merging and rendering ------------------------------------------------------------------

LABEL = re.compile(r'<span class="label" data-label="(figure|table)"></span>')
HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>')


def merge(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook of all sections in order, without stderr noise, outputs meant for notebook readers
    only (stpolicy.notebook) or empty code cells."""
    merged = nbformat.v4.new_notebook()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        merged.metadata = merged.metadata or nb.metadata
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [
                    o
                    for o in cell.outputs
                    if not (o.output_type == "stream" and o.name == "stderr")
                    and not o.get("metadata", {}).get(NOTEBOOK_ONLY)
                ]
                if not cell.outputs:
                    continue
            merged.cells.append(cell)
    return merged


def html_outputs(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                yield output


def fill_labels(html_text: str, counts: dict[str, int], lang: str) -> str:
    """Replace each empty caption label with the next 'Figure N.' / '表N', counting in `counts`."""

    def fill(match: re.Match) -> str:
        kind = match.group(1)
        counts[kind] += 1
        text = f"{t(kind, lang)}{counts[kind]}" if lang == "zh" else f"{t(kind, lang)} {counts[kind]}."
        return f'<span class="label" data-label="{kind}">{text}</span>'

    return LABEL.sub(fill, html_text)


def number_labels(nb: nbformat.NotebookNode, lang: str) -> dict[str, int]:
    """Number figures and tables in document order; a static twin gets its interactive twin's numbers."""
    counts = {"figure": 0, "table": 0}
    for output in html_outputs(nb):
        before = dict(counts)
        output.data["text/html"] = fill_labels(output.data["text/html"], counts, lang)
        static = output.get("metadata", {}).get(STATIC_KEY)
        if static:
            output.metadata[STATIC_KEY] = fill_labels(static, before, lang)
    return counts


XREF = re.compile(r'<a class="xref" href="#([^"]+)">[^<]*</a>')
NUMBERED = re.compile(
    r'<figure class="report-(?:figure|table-figure)" id="([^"]+)">.*?<span class="label" data-label="(?:figure|table)">'
    r"([^<]*)</span>",
    re.S,
)


def fill_xrefs(nb: nbformat.NotebookNode) -> None:
    """Write each cross-reference's target number ('Figure 3', '表2') into its link, in both twins."""
    labels = {}
    for output in html_outputs(nb):
        labels.update({ident: label.rstrip(". ") for ident, label in NUMBERED.findall(output.data["text/html"])})

    def fill(match: re.Match) -> str:
        return f'<a class="xref" href="#{match.group(1)}">{labels.get(match.group(1), match.group(1))}</a>'

    for output in html_outputs(nb):
        output.data["text/html"] = XREF.sub(fill, output.data["text/html"])
        static = output.get("metadata", {}).get(STATIC_KEY)
        if static:
            output.metadata[STATIC_KEY] = XREF.sub(fill, static)


def table_of_contents(nb: nbformat.NotebookNode) -> list[dict]:
    toc = []
    for output in html_outputs(nb):
        toc += [
            {"level": int(level), "id": ident, "text": re.sub(r"<[^>]+>", "", text)}
            for level, ident, text in HEADING.findall(output.data["text/html"])
        ]
    return toc


def static_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The same document with each interactive chart replaced by its static SVG twin (for print)."""
    nb = copy.deepcopy(nb)
    for output in html_outputs(nb):
        static = output.get("metadata", {}).get(STATIC_KEY)
        if static:
            output.data["text/html"] = static
    return nb


def report_resources(ds_meta: dict, lang: str, mode: str, toc: list[dict]) -> dict:
    css = (TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    css += (TEMPLATES / "report" / "reuse.css").read_text(encoding="utf-8")
    if mode == "print":
        css += (TEMPLATES / "report" / "print.css").read_text(encoding="utf-8")
    css = css.replace("var(--font-stack)", fonts.css_stack(lang))
    title = t("report_title", lang, districts=ds_meta["district_list"])
    return {
        "html_lang": "zh-Hans" if lang == "zh" else "en",
        "version": __version__,
        "mode": f"{mode} {lang}",
        "title": title,
        "kicker": ds_meta["kicker"],
        "subtitle": t("report_subtitle", lang, n_docs=ds_meta["n_docs"]),
        "documents": ds_meta["documents"],
        "built": t("built_on", lang, date=dt.date.today().isoformat()),
        "toc_title": t("toc", lang),
        "toc": toc + reuse.toc_entry(lang),
        "css": css,
        "font_face": "/*FONT-FACE*/",
        "vega_bundle": None,
        "chart_loader": (TEMPLATES / "report" / "charts.js").read_text(encoding="utf-8"),
        "reuse": reuse.resources(ds_meta, lang, mode, title),
        "reuse_script": (TEMPLATES / "report" / "reuse.js").read_text(encoding="utf-8"),
    }


def document_meta(data_dir: Path, lang: str, districts: list[str]) -> dict:
    from .data import load

    ds = load(data_dir, lang, districts)
    names = list(ds.district_names().values())
    docs = [
        t(
            "doc_cite",
            lang,
            district=ds.district_name(d.district_id),
            title_en=d.doc_title_en,
            title_zh=d.doc_title_zh,
            date=d.doc_date,
        )
        for _, d in ds.districts.iterrows()
    ]
    cities = sorted(set(ds.districts[f"province_{lang}"]))
    return {
        "district_list": join(names, lang),
        "n_docs": len(docs),
        "documents": docs,
        "kicker": join(cities, lang),
        "data_dir": str(data_dir),
    }


def render_html(nb: nbformat.NotebookNode, resources: dict, vega_bundle: str | None) -> str:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"workshop-note"}), enabled=True)
    resources = dict(resources, vega_bundle=vega_bundle)
    body, _ = exporter.from_notebook_node(nb, resources={"report": resources})
    return body


def with_font(html_text: str, face: str) -> str:
    return html_text.replace("/*FONT-FACE*/", face, 1)


def render(nb: nbformat.NotebookNode, meta: dict, lang: str, formats: list[str], stage: Path) -> dict[str, Path]:
    import vl_convert

    counts = number_labels(nb, lang)
    navigation.add_cross_references(nb, lang)
    fill_xrefs(nb)
    toc = table_of_contents(nb)
    written = {}
    if "html" in formats:
        bundle = vl_convert.javascript_bundle()
        linked = reuse.with_source_links(nb, meta, lang)
        page = render_html(linked, report_resources(meta, lang, "screen", toc), bundle)
        bundle_free = page.replace(bundle, "")  # the font subset needs only the report's own characters
        path = stage / f"report.{lang}.html"
        path.write_text(with_font(page, fonts.embedded_font_face(bundle_free, lang)), encoding="utf-8")
        written["html"] = path
    if "pdf" in formats:
        from weasyprint import HTML

        page = with_font(
            render_html(static_version(nb), report_resources(meta, lang, "print", toc), None),
            fonts.file_font_face(lang),
        )
        path = stage / f"report.{lang}.pdf"
        HTML(string=page, base_url=str(stage)).write_pdf(path)
        written["pdf"] = path
    written["counts"] = counts
    return written
