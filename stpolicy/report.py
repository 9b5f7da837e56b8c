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
from pathlib import Path

import altair as alt
import pandas as pd
from IPython.display import display

from . import downloads, fonts, notebook
from .data import LANGUAGES, Dataset, load
from .i18n import join, t
from .tables import DataError

STATIC_KEY = "stpolicy_static_html"


def script_safe_json(obj) -> str:
    """JSON that cannot close its <script> element: <, > and & become \\u escapes."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def escape(text) -> str:
    return html.escape(str(text), quote=True)


def emit(html_text: str, static_html: str | None = None) -> None:
    metadata = {STATIC_KEY: static_html} if static_html is not None else {}
    display({"text/html": html_text}, raw=True, metadata=metadata)


class Report:
    """A report section being written in one language from one data folder."""

    def __init__(self, data_dir: str, districts: list[str], lang: str, figures_dir: str):
        notebook.check_parameters(data_dir, districts, lang, LANGUAGES)
        try:
            self.ds: Dataset = load(data_dir, lang, districts)
        except DataError as err:  # the same `path:line: column: message` lines as --check, no traceback
            raise notebook.DataProblems(err.problems) from None
        if not notebook.for_report_build():
            notebook.show_font(data_dir)
        self.lang = lang
        self.figures_dir = Path(figures_dir) / lang
        self.figures_dir.mkdir(parents=True, exist_ok=True)

    # --- text -------------------------------------------------------------------------------
    def heading(self, section: str) -> None:
        emit(f'<h2 id="sec-{section}">{escape(t(f"sections.{section}", self.lang))}</h2>')

    def subheading(self, key: str) -> None:
        emit(f'<h3 id="sub-{key}">{escape(t(f"subsections.{key}", self.lang))}</h3>')

    def paragraphs(self, texts: list[str], css_class: str = "") -> None:
        if texts:
            attr = f' class="{css_class}"' if css_class else ""
            emit("".join(f"<p{attr}>{escape(x)}</p>" for x in texts))

    # --- figures and tables -------------------------------------------------------------------
    def source_line(self, tables: tuple[str, ...]) -> str:
        docs = [
            t(
                "doc_cite",
                self.lang,
                district=self.ds.district_name(d.district_id),
                title_en=d.doc_title_en,
                title_zh=d.doc_title_zh,
                date=d.doc_date,
            )
            for _, d in self.ds.districts.iterrows()
        ]
        text = t(
            "source_line",
            self.lang,
            docs=t("list_sep", self.lang).join(docs),
            tables=", ".join(f"{x}.csv" for x in tables),
        )
        return f'<p class="source">{escape(t("source_label", self.lang))}: {escape(text)}</p>'

    def caption(self, kind: str, text: str) -> str:
        return f'<figcaption><span class="label" data-label="{kind}"></span> {escape(text)}</figcaption>'

    def figure(self, name: str, chart, tables: tuple[str, ...] = ("indicators",)) -> None:
        """Export a chart (altair or matplotlib) and display it with its caption and source."""
        if chart is None:
            return
        caption = self.caption("figure", t(f"figures.{name}.caption", self.lang))
        alt_text = escape(t(f"figures.{name}.alt", self.lang))
        source = self.source_line(tables)
        if isinstance(chart, alt.TopLevelMixin):
            spec = fonts.localise(chart.to_dict(), self.lang)
            svg, png = self.export_altair(name, spec)
            notebook.show_chart(name, png, t(f"figures.{name}.alt", self.lang), vega_lite=spec)
            # The static SVG inside the container shows wherever the report's script does not run
            # (JupyterLab, no JavaScript); the report replaces it with the interactive chart.
            interactive = (
                f'<div class="vega-chart" role="img" aria-label="{alt_text}" data-name="{name}">{svg}</div>'
                f'<script type="application/json" class="vega-spec">{script_safe_json(spec)}</script>'
            )
            static = f'<div class="static-chart" role="img" aria-label="{alt_text}">{svg}</div>'
        else:
            svg, png = self.export_matplotlib(name, chart)
            notebook.show_chart(name, png, t(f"figures.{name}.alt", self.lang))
            interactive = static = f'<div class="static-chart" role="img" aria-label="{alt_text}">{svg}</div>'
        wrap = '<figure class="report-figure" id="fig-{name}">{body}{caption}{hint}{source}</figure>'
        hint = (
            f'<p class="hint screen-only">{escape(t("interactive_hint", self.lang))}</p>'
            if isinstance(chart, alt.TopLevelMixin)
            else ""
        )
        emit(
            wrap.format(name=name, body=interactive, caption=caption, hint=hint, source=source),
            wrap.format(name=name, body=static, caption=caption, hint="", source=source),
        )

    def table(
        self,
        name: str,
        frame: pd.DataFrame,
        tables: tuple[str, ...] = ("indicators",),
        css_class: str = "",
        caption: str | None = None,
    ) -> None:
        """A table with its caption (`tables.NAME`, or `caption` when one string serves several tables)."""
        if frame.empty:
            return
        body = frame.to_html(
            index=False,
            escape=True,
            border=0,
            na_rep="",
            classes=["report-table", css_class] if css_class else "report-table",
        )
        caption = self.caption("table", caption or t(f"tables.{name}", self.lang))
        download = downloads.table_link(name, frame, self.lang, t("reuse.download_table", self.lang))
        emit(
            f'<figure class="report-table-figure" id="tab-{name}">{caption}'
            f"{body}{download}{self.source_line(tables)}</figure>"
        )

    # --- front and back matter --------------------------------------------------------------------
    def key_findings(self, items: list, guide: list[str]) -> None:
        """The numbered key findings, each linking to its evidence, then the reading guide box. Links carry
        the figure's or table's id; the build writes its number ('Figure 3', '表2') into the link."""
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
            f"{escape(t('findings.title', self.lang))}</h2><ol>{lis}</ol></section>"
            f'<aside id="how-to-read" class="how-to-read"><h3>{escape(t("findings.guide_title", self.lang))}</h3>'
            f"<ul>{guide_html}</ul></aside>"
        )

    # --- export -----------------------------------------------------------------------------
    def export_altair(self, name: str, spec: dict) -> tuple[str, bytes]:
        """Write NAME.svg and NAME.png; return the SVG (for the page) and the PNG (for the notebook)."""
        import vl_convert as vlc

        fonts.use_in_vl_convert()
        svg = vlc.vegalite_to_svg(spec)
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
            fig.savefig(buffer, format="svg", bbox_inches="tight")
            png = io.BytesIO()
            fig.savefig(png, format="png", dpi=200, bbox_inches="tight")
        (self.figures_dir / f"{name}.svg").write_text(buffer.getvalue(), encoding="utf-8")
        (self.figures_dir / f"{name}.png").write_bytes(png.getvalue())
        return strip_xml_declaration(buffer.getvalue()), png.getvalue()

    # --- convenience ------------------------------------------------------------------------
    def text(self, key: str) -> str:
        return t(key, self.lang)

    def col(self, key: str) -> str:
        return t(f"columns.{key}", self.lang)

    def join(self, items: list[str]) -> str:
        return join(items, self.lang)


def strip_xml_declaration(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
