"""What a notebook shows beyond the report: charts JupyterLab draws offline, the CJK font, short errors.

The report build reads each section's `text/html` outputs (see stpolicy.report). A notebook opened in
JupyterLab needs more: an interactive chart JupyterLab can draw without network (its built-in Vega 5
renderer, fed a Vega spec compiled by vl-convert), a PNG that reads anywhere (made with the project's
font), and the font itself for the HTML outputs. These extra outputs carry the metadata key
NOTEBOOK_ONLY, and the build drops them.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import struct
import tempfile
from pathlib import Path

from IPython.display import display

from . import fonts

NOTEBOOK_ONLY = "stpolicy_notebook_only"
FIGURE_KEY = "stpolicy_figure"
# JupyterLab 4 ships a renderer for Vega 5 (and Vega-Lite up to v5 only); altair 6 writes Vega-Lite v6,
# so the chart is compiled to Vega here and handed over under the Vega 5 mimetype.
VEGA_MIME = "application/vnd.vega.v5+json"
# The build sets this in its workers: the executed notebooks feed the report, which embeds its own font.
REPORT_BUILD_ENV = "STPOLICY_REPORT_BUILD"
CACHE = Path(tempfile.gettempdir()) / "stpolicy-fonts"

# The chart tooltip lives outside the output area (a child of <body>), hence its own selector.
# In JupyterLab the interactive chart output stands right above the report's figure, so the figure's
# static copy of the chart is hidden there (the report shows it where scripts do not run).
NOTEBOOK_CSS = """
.jp-OutputArea-output .report-figure > .vega-chart,
.jp-OutputArea-output .report-figure > .static-chart { display: none; }
.jp-OutputArea-output .report-figure figcaption { font-weight: 600; }
.jp-OutputArea-output .report-figure .source,
.jp-OutputArea-output .report-figure .hint { color: #666; font-size: 90%%; }
.jp-OutputArea-output, .jp-RenderedHTMLCommon,
body #vg-tooltip-element, body #vg-tooltip-element td { font-family: %(stack)s; }
"""


def for_report_build() -> bool:
    """Whether this kernel runs for the report build (which needs no notebook-only outputs)."""
    return os.environ.get(REPORT_BUILD_ENV) == "1"


def show(bundle: dict, metadata: dict | None = None) -> None:
    """Display an output meant for the notebook reader only (the report build drops it)."""
    display(bundle, raw=True, metadata={NOTEBOOK_ONLY: True, **(metadata or {})})


# --- charts ---------------------------------------------------------------------------------------


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    return struct.unpack(">II", png[16:24])


def chart_bundle(name: str, png: bytes, alt_text: str, vega_lite: dict | None = None, scale: int = 2) -> tuple:
    """The mime bundle and metadata of a chart: PNG always, an interactive Vega view for altair charts.

    JupyterLab prefers the Vega view (its renderer is marked safe, so it draws in untrusted notebooks
    too); anything else shows the PNG, drawn at 1/`scale` of its pixel size so it stays sharp.
    """
    width, height = png_size(png)
    bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"<{name}: {alt_text}>"}
    metadata = {FIGURE_KEY: name, "image/png": {"width": width // scale, "height": height // scale}}
    if vega_lite is not None:
        import vl_convert

        fonts.use_in_vl_convert()
        bundle[VEGA_MIME] = vl_convert.vegalite_to_vega(vega_lite)
        # SVG keeps chart text selectable and drawn with the page's fonts (the embedded CJK face).
        metadata[VEGA_MIME] = {"embed_options": {"renderer": "svg", "actions": False}}
    return bundle, metadata


def show_chart(name: str, png: bytes, alt_text: str, vega_lite: dict | None = None, scale: int = 2) -> None:
    """Display a chart for the notebook reader: a Vega view where JupyterLab draws one, else the PNG."""
    bundle, metadata = chart_bundle(name, png, alt_text, vega_lite, scale)
    show(bundle, metadata)


def offline_renderer(spec: dict, **_) -> tuple[dict, dict]:
    """An altair renderer: the chart as JupyterLab's own Vega view (no network) plus a PNG twin."""
    import vl_convert

    spec = {**spec, "config": {"font": fonts.FAMILY, **spec.get("config", {})}}  # Chinese labels read too
    fonts.use_in_vl_convert()
    png = vl_convert.vegalite_to_png(spec, scale=2)
    return chart_bundle("chart", png, spec.get("description", "chart"), vega_lite=spec)


def use_offline_charts() -> None:
    """Make altair draw charts offline in JupyterLab (a notebook calls this openly: it switches
    altair's renderer, which stays switched for this kernel). altair's own renderers need a CDN, or
    a Vega-Lite v6 renderer JupyterLab 4 lacks."""
    import altair as alt

    if "stpolicy_offline" not in alt.renderers.names():
        alt.renderers.register("stpolicy_offline", offline_renderer)
    alt.renderers.enable("stpolicy_offline")


# --- the CJK font ------------------------------------------------------------------------------------


def cached_subset(text: str) -> bytes:
    """The web font subset of the project font for `text`'s characters, cached on disk."""
    chars = "".join(sorted(set(text) | set("0123456789")))
    path = CACHE / f"{hashlib.sha256(chars.encode('utf-8')).hexdigest()[:20]}.{fonts.WEB_FORMAT}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = fonts.web_font_subset(chars, layout_features=[])
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # parallel kernels may race: each writes whole files
    return path.read_bytes()


def dataset_text(data_dir: Path) -> str:
    """Every character a section or a participant's DataFrame can show: the tables, sources and strings."""
    from .i18n import strings

    parts = [p.read_text(encoding="utf-8-sig", errors="replace") for p in sorted(Path(data_dir).rglob("*.csv"))]
    parts += [p.read_text(encoding="utf-8-sig", errors="replace") for p in sorted(Path(data_dir).rglob("*.txt"))]
    return "".join(parts) + "".join(str(v) for v in _string_values(strings()))


def _string_values(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _string_values(value)
    else:
        yield node


def show_font(data_dir: Path, lang: str) -> None:
    """One style output: the CJK font (a subset for this data) and the notebook styles of figures."""

    face = fonts.font_face_rule(fonts.FAMILY, "100 900", cached_subset(dataset_text(data_dir)))
    # The invisible sample makes the browser load the face before the first chart measures its labels.
    sample = f"<span style=\"font-family: '{fonts.FAMILY}'; position: absolute; visibility: hidden\">字A</span>"
    css = face + NOTEBOOK_CSS % {"stack": fonts.css_stack(lang)}
    show({"text/html": f"<style>{css}</style>{sample}", "text/plain": ""})


# --- parameters and data problems -----------------------------------------------------------------


class NotebookError(Exception):
    """An error a notebook reader should read as a sentence, not as a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of the traceback
        return [
            f"\x1b[31m{type(self).__name__}\x1b[0m: {line}" if i == 0 else line for i, line in enumerate(self.lines())
        ]

    def lines(self) -> list[str]:
        """The lines IPython shows instead of a traceback."""
        return str(self).splitlines()


class ParameterError(NotebookError, ValueError):
    """A notebook parameter has the wrong type or a value that is not allowed."""


class DataProblems(NotebookError):
    """The data has problems: listed as `path:line: column: message`, as `build_report.py --check` does."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s) in the data; fix them and run this cell again.")
        self.problems = list(problems)

    def lines(self) -> list[str]:
        """The lines IPython shows instead of a traceback."""
        return [str(self), *map(str, self.problems)]


def check_data(data_dir) -> list[str]:
    """Validate a data folder and print its problems as `build_report.py --check` does; return them."""
    from .validate import validate

    _, problems = validate(Path(data_dir))
    lines = [str(p) for p in problems]
    print("\n".join([*lines, f"{len(lines)} problem(s)"]))
    return lines


def known_districts(data_dir: Path) -> list[str]:
    """The district ids of districts.csv, or none if it cannot be read."""
    try:
        with open(Path(data_dir) / "districts.csv", encoding="utf-8-sig", newline="") as f:
            return [row["district_id"] for row in csv.DictReader(f)]
    except (OSError, KeyError, UnicodeDecodeError):
        return []


def check_parameters(data_dir, districts, lang, languages) -> None:
    """One sentence per wrong parameter, naming it and what is allowed."""
    if not Path(data_dir).is_dir():
        raise ParameterError(f"data_dir: the folder {str(data_dir)!r} does not exist (from {Path.cwd()}).")
    if lang not in languages:
        raise ParameterError(f"lang must be one of {', '.join(map(repr, languages))}, not {lang!r}.")
    known = known_districts(data_dir)
    if isinstance(districts, str) or not isinstance(districts, list | tuple):
        example = f"[{districts!r}]" if isinstance(districts, str) else '["zhenhai"]'
        raise ParameterError(
            f"districts must be a list of district ids such as {example} ([] for all), not {districts!r}; "
            f"allowed ids: {', '.join(known)}."
        )
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise ParameterError(
            f"districts: unknown id(s) {', '.join(map(repr, unknown))}; allowed ids (from districts.csv): "
            f"{', '.join(known)}."
        )
