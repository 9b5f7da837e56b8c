"""Workshop material and notebooks in JupyterLab: solutions pass, exercises run, errors read as sentences,
the working copy for `make lab`, and outputs meant for notebook readers stay out of the report."""

import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, few_notebooks, set_cell

from stpolicy import build, lab, notebook
from stpolicy.i18n import LANGUAGES

WORKSHOP = ROOT / "workshop"
NAMES = sorted(p.stem for p in (WORKSHOP / "exercises").glob("[0-9][0-9]_*.ipynb"))
SLOW = {"04_add_a_district"}  # builds the report


def run(kernel, path: Path, out: Path, cwd: Path, **parameters) -> None:
    """Execute a workshop notebook through papermill (its parameters injected) on the warm kernel, in `cwd`."""
    from stpolicy.tasks import Task

    kernel.execute(Task(path, "en", out, parameters), cwd=cwd)


def test_four_exercises_each_with_a_solution_of_the_same_name():
    assert len(NAMES) >= 4
    assert sorted(p.stem for p in (WORKSHOP / "solutions").glob("[0-9][0-9]_*.ipynb")) == NAMES
    guide = (WORKSHOP / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"{name}.ipynb" in guide, name


@pytest.mark.parametrize("name", NAMES)
def test_exercises_hold_no_solution_code_and_show_the_data(name):
    exercise = nbformat.read(WORKSHOP / "exercises" / f"{name}.ipynb", as_version=4)
    solution = nbformat.read(WORKSHOP / "solutions" / f"{name}.ipynb", as_version=4)
    tasks = [c for c in exercise.cells if "exercise" in c.metadata.get("tags", [])]
    answers = [c for c in solution.cells if "exercise" in c.metadata.get("tags", [])]
    assert tasks and len(tasks) == len(answers)
    everything = {x.strip() for c in exercise.cells for x in c.source.splitlines()}
    for task, answer in zip(tasks, answers, strict=True):
        assert "..." in task.source and "..." not in answer.source
        answer_lines = {x.strip() for x in answer.source.splitlines()} - {x.strip() for x in task.source.splitlines()}
        assert answer_lines and not [x for x in answer_lines if len(x) > 8 and x in everything], answer_lines
    assert not [c for c in exercise.cells if "check" in c.metadata.get("tags", [])]
    assert [c for c in solution.cells if "check" in c.metadata.get("tags", [])]
    assert all(not c.get("outputs") for c in exercise.cells + solution.cells if c.cell_type == "code")
    # Exercises show data: a cell before the first exercise ends with a DataFrame expression or prints it.
    setup = "\n".join(c.source for c in exercise.cells[: exercise.cells.index(tasks[0])] if c.cell_type == "code")
    assert "pd.read_csv" in setup or "load(" in setup


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in NAMES])
def test_solution_runs_and_its_checks_pass(tmp_path, name, cache_dir, notebook_kernel):
    out = tmp_path / f"{name}.ipynb"
    options = {}
    if name in SLOW:  # its build: the section its checks read (documents, where the new district shows)
        notebooks = few_notebooks(tmp_path / "notebooks", "01_")
        options["build_options"] = ["--notebooks", str(notebooks), "--cache-dir", str(cache_dir), "--jobs", "1"]
    scratch = str(tmp_path / "scratch")
    run(
        notebook_kernel,
        WORKSHOP / "solutions" / f"{name}.ipynb",
        out,
        WORKSHOP / "solutions",
        scratch_dir=scratch,
        **options,
    )
    assert_checks_ran(out)


def assert_checks_ran(executed: Path) -> None:
    """The executed solution has assertion cells ("check" tag), and every one of them ran."""
    checks = [c for c in nbformat.read(executed, as_version=4).cells if "check" in c.metadata.get("tags", [])]
    assert checks and all(c.execution_count for c in checks)


def test_the_first_solution_runs_on_a_fresh_kernel(tmp_path):
    """As a participant opens it in JupyterLab: a new kernel with nothing imported (the tests above share a
    warm kernel, which the notebooks' imports and settings could depend on without anyone noticing)."""
    import papermill

    out = tmp_path / "out.ipynb"
    solutions = WORKSHOP / "solutions"
    parameters = {"scratch_dir": str(tmp_path / "scratch")}
    papermill.execute_notebook(
        str(solutions / f"{NAMES[0]}.ipynb"), str(out), cwd=str(solutions), parameters=parameters, progress_bar=False
    )
    assert_checks_ran(out)


@pytest.mark.parametrize("name", NAMES)
def test_exercise_runs_up_to_its_first_exercise(tmp_path, name, notebook_kernel):
    nb = nbformat.read(WORKSHOP / "exercises" / f"{name}.ipynb", as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "exercise" in c.metadata.get("tags", []))
    nb.cells = nb.cells[:first]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    run(notebook_kernel, path, tmp_path / "out.ipynb", WORKSHOP / "exercises", scratch_dir=str(tmp_path / "scratch"))
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    shown = [o for c in executed.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert any("<table" in o.data["text/html"] for o in shown)  # a DataFrame is on screen


# --- parameters and data problems, as a notebook reader sees them ------------------------------------


@pytest.mark.parametrize(
    ("districts", "lang", "expected"),
    [
        ("zhenhai", "en", "districts must be a list of district ids such as ['zhenhai']"),
        (["zhenhai", "ningbo"], "en", "districts: unknown id(s) 'ningbo'; allowed ids"),
        ([], "cn", "lang must be one of"),
    ],
)
def test_parameters_are_checked_in_one_sentence(districts, lang, expected):
    with pytest.raises(notebook.ParameterError) as err:
        notebook.check_parameters(ROOT / "data", districts, lang, LANGUAGES)
    message = str(err.value)
    assert expected in message and len(message.splitlines()) == 1
    if "district" in expected:
        assert "zhenhai" in message and "dinghai" in message  # the allowed values are named
    else:
        assert all(repr(code) in message for code in LANGUAGES)


def test_data_problem_in_a_notebook_shows_the_check_lines_without_a_traceback(tmp_path, data_copy, notebook_kernel):
    from stpolicy.tasks import NotebookFailed

    line = set_cell(data_copy / "indicators.csv", "indicator_id", "dinghai-i001", "value", "2.4")
    out = tmp_path / "out.ipynb"
    parameters = {"data_dir": str(data_copy), "figures_dir": str(tmp_path / "fig")}
    with pytest.raises(NotebookFailed, match="DataProblems"):
        run(notebook_kernel, ROOT / "notebooks" / "09_method_notes.ipynb", out, ROOT / "notebooks", **parameters)
    errors = [
        o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", []) if o.output_type == "error"
    ]
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0].traceback))
    assert f"indicators.csv:{line}: value: 2.4 does not occur in the quote" in shown
    assert "Traceback" not in shown and "File " not in shown and len(shown.splitlines()) < 10


# --- make lab ------------------------------------------------------------------------------------------


def test_lab_working_copy_keeps_saved_work_and_brings_the_font(tmp_path):
    work = lab.prepare(tmp_path / "workspace")
    for name in ("notebooks/01_documents_at_a_glance.ipynb", "workshop/exercises/01_explore_tables.ipynb"):
        assert (work / name).is_file()
    assert (work / "data" / "indicators.csv").read_bytes() == (ROOT / "data" / "indicators.csv").read_bytes()
    saved = work / "notebooks" / "01_documents_at_a_glance.ipynb"
    saved.write_text("participant's work", encoding="utf-8")
    lab.prepare(work)
    assert saved.read_text(encoding="utf-8") == "participant's work"  # never overwritten
    css = (work / ".jupyter" / "custom" / "custom.css").read_text(encoding="utf-8")
    assert "Noto Sans CJK SC" in css and (work / ".jupyter" / "custom" / "NotoSansCJKsc-Regular.otf").is_file()
    page_config = json.loads((work / ".jupyter" / "labconfig" / "page_config.json").read_text(encoding="utf-8"))
    assert page_config["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"]
    command = lab.command(work, 8888, False, [])
    assert "--ServerApp.ip=127.0.0.1" in command and "--LabApp.extension_manager=readonly" in command
    assert "/workspace/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


# --- the report build ignores what is only for notebook readers --------------------------------------------


def test_build_drops_outputs_meant_only_for_notebook_readers(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("r.figure(...)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", {"image/png": "iVBO"}, metadata={notebook.NOTEBOOK_ONLY: True}),
        nbformat.v4.new_output("display_data", {"text/html": "<figure>kept</figure>"}),
    ]
    nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "01.ipynb")
    merged = build.merge([tmp_path / "01.ipynb"])
    assert [list(o.data) for c in merged.cells for o in c.outputs] == [["text/html"]]
