"""Rendering: merge each language's executed notebooks into one document and render HTML (and PDF)
through the project template. Execution, caching and publishing live in stpolicy.pipeline."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
from pathlib import Path

import nbformat

from . import __version__, fonts, navigation, reuse
from .i18n import data_column, join, label, locale, t
from .notebook import NOTEBOOK_ONLY
from .report import META_KEY, STATIC_KEY, filled_label, label_slot

TEMPLATES = Path(__file__).resolve().parent / "templates"


# --- merging and rendering ------------------------------------------------------------------


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
    """Every HTML output of the notebook, in document order."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                yield output


def described(nb: nbformat.NotebookNode, kinds: tuple[str, ...]):
    """(output, its report metadata) for each output that report.py described as one of `kinds`."""
    for output in html_outputs(nb):
        meta = output.get("metadata", {}).get(META_KEY)
        if meta and meta["kind"] in kinds:
            yield output, meta


def number_labels(nb: nbformat.NotebookNode, lang: str) -> dict[str, int]:
    """Number figures and tables in document order ('Figure 3.' / '表3'), filling each caption's
    label slot; a static twin gets its interactive twin's number. The output metadata keeps the
    number and the reference text ('Figure 3' / '图3') for cross-references."""
    counts = {"figure": 0, "table": 0}
    for output, meta in described(nb, ("figure", "table")):
        kind = meta["kind"]
        counts[kind] += 1
        filled = filled_label(kind, label(kind, counts[kind], lang))
        output.data["text/html"] = output.data["text/html"].replace(label_slot(kind), filled, 1)
        static = output.metadata.get(STATIC_KEY)
        if static:
            output.metadata[STATIC_KEY] = static.replace(label_slot(kind), filled, 1)
        meta.update(number=counts[kind], reference=t("formats.reference", lang, name=t(kind, lang), n=counts[kind]))
    return counts


XREF = re.compile(r'<a class="xref" href="#([^"]+)">[^<]*</a>')


def fill_xrefs(nb: nbformat.NotebookNode) -> None:
    """Write each cross-reference's target number ('Figure 3', '表2') into its link, in both twins. The
    numbers come from the output metadata number_labels wrote (run it first), not from the HTML."""
    labels = {meta["id"]: meta["reference"] for _, meta in described(nb, ("figure", "table")) if "reference" in meta}

    def fill(match: re.Match) -> str:
        return f'<a class="xref" href="#{match.group(1)}">{labels.get(match.group(1), match.group(1))}</a>'

    for output in html_outputs(nb):
        output.data["text/html"] = XREF.sub(fill, output.data["text/html"])
        static = output.get("metadata", {}).get(STATIC_KEY)
        if static:
            output.metadata[STATIC_KEY] = XREF.sub(fill, static)


def table_of_contents(nb: nbformat.NotebookNode) -> list[dict]:
    """The headings report.py emitted, in document order: level, id, text."""
    return [{k: meta[k] for k in ("level", "id", "text")} for _, meta in described(nb, ("heading",))]


def static_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The same document with each interactive chart replaced by its static SVG twin (for print)."""
    nb = copy.deepcopy(nb)
    for output in html_outputs(nb):
        static = output.get("metadata", {}).get(STATIC_KEY)
        if static:
            output.data["text/html"] = static
    return nb


def report_resources(ds_meta: dict, lang: str, mode: str, toc: list[dict], marks: dict | None = None) -> dict:
    """What the template shows around the notebook's outputs (font_face is set per format); `marks`
    are the ids in the charts' data (reuse.chart_ids)."""
    css = (TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    css += (TEMPLATES / "report" / "reuse.css").read_text(encoding="utf-8")
    css += (TEMPLATES / "report" / "responsive.css").read_text(encoding="utf-8")
    if mode == "print":
        css += (TEMPLATES / "report" / "print.css").read_text(encoding="utf-8")
    title = t("report_title", lang, districts=ds_meta["district_list"])
    return {
        "html_lang": locale(lang)["html_lang"],
        "font_stack": fonts.css_stack(lang),  # the page's --font-stack custom property
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
        "font_face": "",
        "vega_bundle": None,
        "chart_loader": (TEMPLATES / "report" / "charts.js").read_text(encoding="utf-8"),
        "chart_error": t("chart_error", lang),
        "reuse": reuse.resources(ds_meta, lang, mode, title, marks),
        "reuse_script": (TEMPLATES / "report" / "reuse.js").read_text(encoding="utf-8"),
    }


def document_meta(data_dir: Path, lang: str, districts: list[str]) -> dict:
    """Title-block facts: the districts, the documents cited, the provinces."""
    from .data import load

    ds = load(data_dir, lang, districts)
    names = list(ds.district_names().values())
    docs = [t("doc_cite", lang, title=d[ds.field("doc_title")], date=d.doc_date) for _, d in ds.districts.iterrows()]
    cities = sorted(set(ds.districts[data_column("province", lang)]))
    return {
        "district_list": join(names, lang),
        "n_docs": len(docs),
        "documents": docs,
        "kicker": join(cities, lang),
        "data_dir": str(data_dir),
    }


@functools.cache
def print_exporter() -> type:
    """nbconvert's HTMLExporter without its last pass, for the page WeasyPrint reads.

    That pass re-parses the whole page with BeautifulSoup to give cells keyboard focus (tabindex) and
    images without alt text a placeholder: for the HTML's readers (whose page keeps it), nothing the PDF
    shows or tags (its charts are inline SVG, its images carry alt texts), and 1-2 s of each PDF render.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PrintExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)  # the filters HTMLExporter registers, then its parent's
            self.register_filter("highlight_code", Highlight2HTML(parent=self))
            data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("filter_data_type", data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PrintExporter


def render_html(nb: nbformat.NotebookNode, resources: dict, vega_bundle: str | None, for_print: bool = False) -> str:
    """The page: the project template around the notebook's outputs (`for_print`: the page for WeasyPrint)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = (print_exporter() if for_print else HTMLExporter)(
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


def page_text(nb: nbformat.NotebookNode, resources: dict) -> str:
    """Every character the page can show (outputs and template texts): what the font subset needs."""
    return "".join(o.data["text/html"] for o in html_outputs(nb)) + json.dumps(resources, ensure_ascii=False)


def render_notebooks(paths: list[Path], data_dir: Path, lang: str, fmt: str, stage: Path, cache_root=None) -> dict:
    """Merge a language's executed notebooks and write one format of its report into `stage`; returns
    the figure and table counts. Module-level and plain-argued: the build runs it in worker processes.
    Font subsets and the chart library are kept in the build cache at `cache_root` (None: none)."""
    from .cache import Cache
    from .data import use_cache

    use_cache(cache_root)  # the build's validation of the data, not a second one
    meta = document_meta(data_dir, lang, [])
    return render(merge(paths), meta, lang, [fmt], stage, Cache(cache_root).memo)["counts"]


def write_pdf(page: str, path: Path) -> Path:
    """The print page as a PDF/UA-1 file: tagged (headings, tables, figures), with the document's language
    and title. WeasyPrint copies each @font-face font into a temporary folder that it removes only when
    its font configuration is garbage-collected, which a render worker's exit skips: 17 MB were left in
    /tmp per PDF. The configuration is made here and cleaned up as soon as the file is written."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    try:
        HTML(string=page, base_url=str(path.parent)).write_pdf(path, pdf_variant="pdf/ua-1", font_config=font_config)
    finally:
        font_config.__del__()  # WeasyPrint's own clean-up (it removes the folder); running it twice is harmless
    return path


def render(
    nb: nbformat.NotebookNode, meta: dict, lang: str, formats: list[str], stage: Path, memo=None
) -> dict[str, Path]:
    """Write report.{lang}.html / .pdf into `stage`; returns their paths and the figure/table counts.
    `memo` (stpolicy.cache.Cache.memo) keeps font subsets and the chart library between builds."""
    from .cache import Cache

    memo = memo or Cache(None).memo
    import vl_convert

    counts = number_labels(nb, lang)
    navigation.add_cross_references(nb, lang)
    fill_xrefs(nb)
    toc = table_of_contents(nb)
    written = {}
    if "html" in formats:
        linked = reuse.with_source_links(nb, meta, lang)
        resources = report_resources(meta, lang, "screen", toc, reuse.chart_ids(nb))
        resources["font_face"] = fonts.embedded_font_face(page_text(linked, resources), lang, memo)
        bundle = memo("vega-bundle", [vl_convert.__version__], lambda: vl_convert.javascript_bundle().encode())
        page = render_html(linked, resources, bundle.decode())
        path = stage / f"report.{lang}.html"
        path.write_text(page, encoding="utf-8")
        written["html"] = path
    if "pdf" in formats:
        resources = dict(report_resources(meta, lang, "print", toc), font_face=fonts.file_font_face(lang))
        page = render_html(static_version(nb), resources, None, for_print=True)
        written["pdf"] = write_pdf(page, stage / f"report.{lang}.pdf")
    written["counts"] = counts
    return written
