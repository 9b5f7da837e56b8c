"""The report made in the test process: every section notebook's code run here (no kernel, no papermill), its
outputs collected and rendered to a page by the build's own renderer. For a stub third language (only data
added: the strings and locale rules) and for new districts, where what matters is that every section and
every chart goes through, and a build's kernels and cache would prove nothing more."""

import contextlib
import copy
from pathlib import Path

import nbformat
from conftest import ROOT

from stpolicy import i18n

PSEUDO = "xx"
OPEN, CLOSE = "【", "】"  # in the CJK font, so charts draw them


def leaves(node, path=()):
    """(dotted key, {lang: text}) for every string of strings.yml."""
    if isinstance(node, dict) and node and not any(isinstance(v, dict) for v in node.values()):
        yield ".".join(path), node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from leaves(child, (*path, str(key)))


def pseudo_text(text: str) -> str:
    """English text marked as the pseudo-language, placeholders kept."""
    return f"{OPEN}{text}{CLOSE}"


@contextlib.contextmanager
def pseudo_language():
    """Add language PSEUDO (English strings, marked) to the string and locale data, nowhere else, for the
    duration. The cached dicts are changed in place, so every module sees them however it imported them."""
    strings, locales = i18n.strings(), i18n.locales()
    backup = copy.deepcopy(strings)
    for _, texts in leaves(strings):
        texts[PSEUDO] = pseudo_text(texts["en"]) if isinstance(texts["en"], str) else texts["en"]
    locales[PSEUDO] = dict(locales["en"], html_lang="x-pseudo", name="Pseudo")
    try:
        yield PSEUDO
    finally:
        strings.clear()
        strings.update(backup)
        del locales[PSEUDO]


def run_notebook_in_process(path, parameters: dict) -> None:
    """Execute a notebook's code cells here, its parameters cell replaced."""
    nb = nbformat.read(path, as_version=4)
    namespace = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exec(cell.source, namespace)
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(parameters)


def report_in_process(data_dir: Path, lang: str, folder: Path, memo) -> tuple[nbformat.NotebookNode, dict, Path]:
    """Every section of the report on `data_dir` in `lang`, run here and rendered as the build renders it:
    (the merged notebook, its figure and table counts, the HTML page in `folder`). Figures go to
    folder/fig/LANG as in a build (their PNG twins empty: rasterising proves nothing here); `memo`
    (stpolicy.cache.Cache.memo) keeps the font subset and the chart library."""
    import pytest
    import vl_convert

    from stpolicy import build, notebook, report
    from stpolicy.registry import registry

    outputs = []

    def collect(data, raw=False, metadata=None):
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "display", collect)
        patch.setattr(vl_convert, "svg_to_png", lambda svg, scale=1: b"")
        patch.setattr(notebook, "show_chart", lambda *args, **kwargs: None)  # outputs for notebook readers only
        patch.setattr(notebook, "show_font", lambda *args, **kwargs: None)
        params = {"data_dir": str(data_dir), "districts": [], "lang": lang, "figures_dir": str(folder / "fig")}
        for section in registry().sections:
            run_notebook_in_process(ROOT / "notebooks" / section.notebook, params)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(outputs=outputs))
    written = build.render(nb, build.document_meta(data_dir, lang, []), lang, ["html"], folder, memo)
    return nb, written["counts"], written["html"]
