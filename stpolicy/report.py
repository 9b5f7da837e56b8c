"""What the notebooks call: open the data, then emit headings, paragraphs, figures and tables.

Each element is displayed as one HTML output. A figure's output holds the interactive chart
(vega-lite spec, drawn by the report's single inlined vega bundle) and, in its metadata, a static
SVG version that the PDF build swaps in; the same chart is exported to FIGURES/{lang}/NAME.svg|png.
For the notebook reader, each figure is preceded by a chart JupyterLab draws offline (with a PNG
twin), and the section starts with the CJK font: see stpolicy.notebook (the build drops those).
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
from IPython.display import display

from . import charts, downloads, fonts, i18n, narrative, notebook
from .data import Dataset, load
from .i18n import data_column, t
from .registry import Item, RegistryError, registry
from .tables import DataError

STATIC_KEY = "stpolicy_static_html"  # output metadata: the static twin of a figure, for print
META_KEY = "stpolicy"  # output metadata: what the output is ({"kind": "heading" | "figure" | "table", ...})
SPEC_SCRIPT = '<script type="application/json" class="vega-spec">'  # a chart's vega-lite spec in the page
SVG_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}  # no RDF block in inline SVG
# Around a chart's static twin (the PDF's figure, the figures folder). vega's default is 5 px on each side;
# on the left more: WeasyPrint sets an end-anchored axis label that mixes Chinese characters into Latin
# text (English labels such as "入选 (selected for a programme)") up to a character wider than vl-convert
# measured it, and the longest such label lost its first character at the figure's left edge.
STATIC_PADDING = {"left": 24, "top": 5, "right": 5, "bottom": 5}


def script_safe_json(obj) -> str:
    """JSON that cannot close its <script> element: <, > and & become \\u escapes."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def escape(text) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def label_slot(kind: str) -> str:
    """The empty caption label of a figure or table; the build fills it with 'Figure 3.' / '表3'."""
    return f'<span class="label" data-label="{kind}"></span>'


def filled_label(kind: str, text: str) -> str:
    """The caption label once numbered."""
    return f'<span class="label" data-label="{kind}">{escape(text)}</span>'


def emit(html_text: str, static_html: str | None = None, meta: dict | None = None) -> None:
    """Display one HTML output; `meta` tells the build what it is (heading, figure, table)."""
    metadata = {STATIC_KEY: static_html} if static_html is not None else {}
    if meta:
        metadata[META_KEY] = meta
    display({"text/html": html_text}, raw=True, metadata=metadata)


class Report:
    """A report section being written in one language from one data folder."""

    def __init__(self, data_dir: str, districts: list[str], lang: str, figures_dir: str):
        notebook.check_parameters(data_dir, districts, lang, tuple(i18n.locales()))  # every language with locale data
        try:
            self.ds: Dataset = load(data_dir, lang, districts)
        except DataError as err:  # the same `path:line: column: message` lines as --check, no traceback
            raise notebook.DataProblems(err.problems) from None
        if not notebook.for_report_build():
            notebook.show_font(data_dir, lang)
        self.lang = lang
        self.section: str | None = None
        self.figures_dir = Path(figures_dir) / lang
        self.figures_dir.mkdir(parents=True, exist_ok=True)

    # --- text -------------------------------------------------------------------------------
    def heading(self, section: str) -> None:
        """The section's numbered heading, then the analysts' texts for it from narrative.csv."""
        title = registry().heading(section, self.lang)
        self.section = section
        ident = f"sec-{section}"
        emit(
            f'<h2 id="{ident}">{escape(title)}</h2>',
            meta={"kind": "heading", "level": 2, "id": ident, "text": title, "section": section},
        )
        self.paragraphs(narrative.interpretive(self.ds, section))

    def subheading(self, key: str) -> None:
        """A subsection heading (lettered in the appendix)."""
        owner = registry().subsection_section(key).id
        if self.section not in (None, owner):
            raise RegistryError(f"subsection {key!r} belongs to section {owner!r}, not {self.section!r}")
        title = registry().subheading(key, self.lang)
        ident = f"sub-{key}"
        emit(
            f'<h3 id="{ident}">{escape(title)}</h3>',
            meta={"kind": "heading", "level": 3, "id": ident, "text": title, "section": owner},
        )

    def paragraphs(self, texts: list[str], css_class: str = "") -> None:
        """Paragraphs of plain text (escaped)."""
        if texts:
            attr = f' class="{css_class}"' if css_class else ""
            emit("".join(f"<p{attr}>{escape(x)}</p>" for x in texts))

    def text(self, key: str, **fields) -> str:
        """A string of strings.yml in the report's language."""
        return t(key, self.lang, **fields)

    # --- figures and tables -------------------------------------------------------------------
    def item(self, kind: str, name: str, tables: tuple[str, ...] | None) -> Item:
        """The registered figure or table, checked against the current section."""
        item = registry().item(kind, name)
        if self.section not in (None, item.section):
            raise RegistryError(f"{kind} {name!r} belongs to section {item.section!r}, not {self.section!r}")
        if tables is not None and tuple(tables) != item.tables:
            raise RegistryError(
                f"{kind} {name!r}: tables={tuple(tables)} differs from registry.yml ({item.tables}); "
                "drop the argument, the registry is the one home of the source tables"
            )
        return item

    def source_line(self, tables: tuple[str, ...]) -> str:
        """'Source: the documents. Curated data: data/x.csv, y.csv.' With many districts the documents are
        counted, not cited: the documents table lists them, and fifty citations under every figure buried it."""
        if charts.many_districts(self.ds):
            docs = t("documents_cited", self.lang, n=len(self.ds.districts))
        else:
            docs = t("list_sep", self.lang).join(
                t("doc_cite", self.lang, title=d[data_column("doc_title", self.lang)], date=d.doc_date)
                for _, d in self.ds.districts.iterrows()
            )
        text = t(
            "source_line",
            self.lang,
            docs=docs,
            tables=t("list_sep", self.lang).join(f"{x}.csv" for x in tables),
        )
        line = t("formats.labelled", self.lang, label=t("source_label", self.lang), text=text)
        return f'<p class="source">{escape(line)}</p>'

    def caption(self, kind: str, text: str) -> str:
        """A caption with an empty label slot that the build numbers."""
        return f"<figcaption>{label_slot(kind)} {escape(text)}</figcaption>"

    def figure(self, name: str, chart, tables: tuple[str, ...] | None = None) -> None:
        """Export a chart (altair or matplotlib) and display it with its caption and source.
        The data tables of its source line come from registry.yml; nothing is shown for None."""
        item = self.item("figure", name, tables)
        if chart is None:
            return
        caption = self.caption("figure", t(f"figures.{name}.caption", self.lang))
        alt_text = escape(t(f"figures.{name}.alt", self.lang))
        source = self.source_line(item.tables)
        interactive_chart = isinstance(chart, alt.TopLevelMixin)
        note = charts.chart_note(chart)  # how a chart drawn for many districts reads
        note_html = f'<p class="source figure-note">{escape(note)}</p>' if note else ""
        if interactive_chart:
            spec = charts.without_unused_columns(fonts.localise(chart.to_dict(), self.lang))
            svg, png = self.export_altair(name, spec)
            notebook.show_chart(name, png, t(f"figures.{name}.alt", self.lang), vega_lite=spec)
            # The report's script draws the chart here. Without JavaScript the reader gets a note, not a
            # second copy of the chart as SVG: that copy made up a fifth of the page and grew with every
            # district. (JupyterLab shows notebook.show_chart's output; the PDF the static twin below.)
            fallback = f'<p class="chart-fallback">{escape(t("chart_fallback", self.lang))}</p>'
            interactive = (
                f'<div class="vega-chart" role="img" aria-label="{alt_text}" data-name="{name}">{fallback}</div>'
                f"{SPEC_SCRIPT}{script_safe_json(spec)}</script>"
            )
            static = f'<div class="static-chart" role="img" aria-label="{alt_text}">{svg}</div>'
        else:
            svg, png = self.export_matplotlib(name, chart)
            notebook.show_chart(name, png, t(f"figures.{name}.alt", self.lang))
            tables = getattr(chart, "stpolicy_tables", [])
            narrow = "".join(heatmap_table(title, frame) for title, frame in tables)
            static = f'<div class="static-chart" role="img" aria-label="{alt_text}">{svg}</div>'
            interactive = (
                f'<div class="static-chart has-narrow-table" role="img" aria-label="{alt_text}">{svg}</div>'
                f'<div class="narrow-only">{narrow}</div>'
                if narrow
                else static
            )
        # The caption closes the figure and holds the hint and source: HTML allows a figcaption only
        # as a figure's first or last child.
        caption = caption.replace("</figcaption>", "")
        wrap = '<figure class="report-figure" id="{id}">{body}{caption}{note}{hint}{source}</figcaption></figure>'
        hint = (
            f'<p class="hint screen-only">{escape(t("interactive_hint", self.lang))}</p>' if interactive_chart else ""
        )
        emit(
            wrap.format(id=item.html_id, body=interactive, caption=caption, note=note_html, hint=hint, source=source),
            wrap.format(id=item.html_id, body=static, caption=caption, note=note_html, hint="", source=source),
            meta={"kind": "figure", "id": item.html_id, "name": name, "section": item.section},
        )

    def table(
        self,
        name: str,
        frame: pd.DataFrame,
        tables: tuple[str, ...] | None = None,
        css_class: str = "",
        caption: str | None = None,
    ) -> None:
        """Display a table with its caption (`tables.NAME`, or `caption` when one string serves several
        tables) and source (its data tables come from registry.yml)."""
        item = self.item("table", name, tables)
        if frame.empty:
            return
        body = labelled_cells(
            frame.to_html(
                index=False,
                escape=True,
                border=0,
                na_rep="",
                classes=["report-table", css_class] if css_class else "report-table",
            ),
            [str(c) for c in frame.columns],
        )
        for shown, title in frame.attrs.get("cell_titles", {}).items():  # e.g. the Chinese of a translated path
            body = body.replace(f">{escape(shown)}</td>", f' title="{escape(title)}">{escape(shown)}</td>')
        figure_class = f"report-table-figure {css_class}-figure" if css_class else "report-table-figure"
        caption = self.caption("table", caption or t(f"tables.{item.key}", self.lang))
        download = downloads.table_link(name, frame, self.lang, t("reuse.download_table", self.lang))
        emit(
            f'<figure class="{figure_class}" id="{item.html_id}">{caption}'
            f"{body}{download}{self.source_line(item.tables)}</figure>",
            meta={"kind": "table", "id": item.html_id, "name": name, "section": item.section},
        )

    # --- front and back matter --------------------------------------------------------------------
    def key_findings(self, items: list, guide: list[str]) -> None:
        """The key findings section (registry id key-findings): numbered findings, each linking to its
        evidence, then the reading guide box. Links carry the figure's or table's id; the build writes
        its number ('Figure 3', '表2') into the link."""
        section = "key-findings"
        self.section = section
        title = registry().heading(section, self.lang)
        lis = "".join(
            f"<li><strong>{escape(t(f'findings.lead.{f.key}', self.lang))}</strong>"
            f"{t('sentence_sep', self.lang)}{escape(f.text)} "
            f'<span class="evidence">{escape(t("findings.evidence", self.lang))}'
            + t("list_sep", self.lang).join(
                f'<a class="xref" href="#{escape(ref)}">{escape(ref)}</a>' for ref in f.refs
            )
            + "</span></li>"
            for f in items
        )
        guide_html = "".join(f"<li>{escape(x)}</li>" for x in guide)
        emit(
            f'<section id="key-findings" class="key-findings"><h2 id="sec-key-findings">'
            f"{escape(title)}</h2><ol>{lis}</ol></section>"
            f'<aside id="how-to-read" class="how-to-read"><h3>{escape(t("findings.guide_title", self.lang))}</h3>'
            f"<ul>{guide_html}</ul></aside>",
            meta={"kind": "heading", "level": 2, "id": f"sec-{section}", "text": title, "section": section},
        )
        self.paragraphs(narrative.interpretive(self.ds, section))

    # --- export -----------------------------------------------------------------------------
    def export_altair(self, name: str, spec: dict) -> tuple[str, bytes]:
        """Write FIGURES/{lang}/NAME.svg and .png; return the SVG (for the page) and the PNG (for the notebook)."""
        import vl_convert as vlc

        fonts.use_in_vl_convert()
        svg = vlc.vegalite_to_svg({**spec, "padding": STATIC_PADDING})
        (self.figures_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
        # Rasterising the SVG gives the same PNG bytes as vegalite_to_png without compiling the spec again.
        png = vlc.svg_to_png(svg, scale=2)
        (self.figures_dir / f"{name}.png").write_bytes(png)
        return strip_xml_declaration(svg), png

    def export_matplotlib(self, name: str, fig) -> tuple[str, bytes]:
        """As export_altair, for a matplotlib Figure (made without pyplot: nothing to close)."""
        import matplotlib

        # Scoped, so the kernel's rcParams stay as the participant set them.
        with matplotlib.rc_context(fonts.matplotlib_rc(self.lang, text_as_text=True)):
            buffer = io.StringIO()
            # No RDF metadata block: it is not valid inside an HTML page's inline SVG.
            fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=SVG_METADATA)
            png = io.BytesIO()
            fig.savefig(png, format="png", dpi=200, bbox_inches="tight")
        (self.figures_dir / f"{name}.svg").write_text(buffer.getvalue(), encoding="utf-8")
        (self.figures_dir / f"{name}.png").write_bytes(png.getvalue())
        return unique_ids(strip_xml_declaration(buffer.getvalue()), name), png.getvalue()


def labelled_cells(table_html: str, columns: list[str]) -> str:
    """Each body cell labelled with its column (`data-label`), so a narrow screen can show a row as a card."""
    labels = [f'<td data-label="{escape(c)}"' for c in columns]

    def row(match: re.Match) -> str:
        cells = iter(labels)
        return re.sub(r"<td(?=[ >])", lambda _: next(cells, "<td"), match.group(0))

    return re.sub(r"<tr>.*?</tr>", row, table_html, flags=re.S)


def heatmap_table(title: str, frame: pd.DataFrame) -> str:
    """A heatmap's counts as a small HTML table (its labels unwrapped)."""
    head = "".join(f'<th scope="col">{escape(str(c).replace(chr(10), " "))}</th>' for c in frame.columns)
    rows = "".join(
        f'<tr><th scope="row">{escape(str(i).replace(chr(10), " "))}</th>'
        + "".join(f'<td class="count">{v}</td>' for v in r)
        + "</tr>"
        for i, r in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    return (
        f'<table class="heatmap-table"><caption>{escape(title)}</caption>'
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def unique_ids(svg: str, prefix: str) -> str:
    """matplotlib numbers its SVG ids from 1 in every figure: prefix them (and references to them) so
    that two inline figures in one page do not share an id."""
    return re.sub(r'(\bid="|href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def strip_xml_declaration(svg: str) -> str:
    """The SVG element without the XML declaration before it (it is inlined in HTML)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
