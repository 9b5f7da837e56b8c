"""The section registry: notebooks, strings and narrative.csv are checked against it before any kernel runs."""

import shutil

import nbformat
from conftest import cli, read_rows, set_cell, write_rows

from stpolicy import narrative
from stpolicy.data import load
from stpolicy.registry import NOTEBOOKS, check, registry
from stpolicy.validate import validate


def check_cli(*args):
    return cli("--check", *args)  # in-process: the exit code paths run as subprocesses in test_data and test_report


def test_project_notebooks_and_strings_match_the_registry():
    assert check(NOTEBOOKS) == []
    assert [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))] == [s.notebook for s in registry().sections]


def test_a_misspelt_figure_name_is_a_clear_error_before_any_kernel(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    path = notebooks / "05_policy_instrument_mix.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(i for i, c in enumerate(nb.cells, start=1) if 'r.figure("tool_mix"' in c.source)
    nb.cells[cell - 1].source = nb.cells[cell - 1].source.replace('"tool_mix"', '"tool_mx"')
    nbformat.write(nb, path)
    result = check_cli("--notebooks", notebooks)
    assert result.returncode == 1
    assert f"{path}:{cell}: r.figure: 'tool_mx' is not a figure of section 'instruments'" in result.stderr
    assert "tool_mix" in result.stderr  # the message lists the names it knows


def test_a_notebook_outside_the_registry_is_named(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    shutil.copy(notebooks / "09_method_notes.ipynb", notebooks / "11_extra.ipynb")
    problems = [str(p) for p in check(notebooks)]
    assert problems == [
        f"{notebooks / '11_extra.ipynb'}:0: -: notebook is not in registry.yml; add a section entry for it"
    ]


def test_narrative_sections_are_registry_ids(data_copy):
    line = set_cell(data_copy / "narrative.csv", "narrative_id", "instruments_caveat", "section", "instrument")
    _, problems = validate(data_copy)
    assert [str(p) for p in problems] == [
        f"{data_copy}/narrative.csv:{line}: section: 'instrument' is not a section of stpolicy/registry.yml "
        f"({', '.join(registry().ids)})"
    ]


def test_interpretive_text_appears_under_every_section(data_copy, monkeypatch, tmp_path):
    from stpolicy import report

    rows = read_rows(data_copy / "narrative.csv")
    for section in registry().ids:
        rows.append(
            {
                **rows[0],
                "narrative_id": f"probe_{section.replace('-', '_')}",
                "section": section,
                "districts": "",
                "text_en": f"Probe {section}.",
            }
        )
    write_rows(data_copy / "narrative.csv", rows)
    shown = []
    monkeypatch.setattr(report, "display", lambda data, raw, metadata: shown.append(data["text/html"]))
    r = report.Report(str(data_copy), [], "en", str(tmp_path))
    for section in registry().ids:
        shown.clear()
        r.heading(section)
        assert shown[0].startswith(f'<h2 id="sec-{section}">')
        assert f"<p>Probe {section}.</p>" in shown[1]
    assert narrative.interpretive(load(data_copy, "en"), "coverage") == ["Probe coverage."]
