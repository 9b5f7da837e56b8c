"""The build is safe when run twice, interrupted or killed, and its cache reflects every data edit.

Small builds (one notebook, English HTML) prove these points; the full report is tested elsewhere."""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest
from conftest import ROOT, build, few_notebooks, pdf_objects, set_cell, start

from stpolicy import cache, pipeline
from stpolicy.tasks import Task


def small(tmp_path: Path, *extra) -> list:
    """Arguments of a one-notebook English HTML build into tmp_path/out."""
    notebooks = few_notebooks(tmp_path / "notebooks", "01_")
    return [
        "--notebooks", notebooks, "--out", tmp_path / "out", "--figures", tmp_path / "fig",
        "--lang", "en", "--format", "html", *extra,
    ]  # fmt: skip


def held_build(tmp_path: Path, *extra, temp: Path | None = None) -> tuple[subprocess.Popen, Path]:
    """A small build whose notebook stops in its first cell after the parameters until killed; returns it
    and the file that notebook writes once it is there. Interrupting then is deterministic: the build is
    mid-notebook."""
    args = small(tmp_path, "--no-cache", *extra)
    notebook = next((tmp_path / "notebooks").glob("01_*.ipynb"))
    marker = tmp_path / "notebook-is-running"
    nb = nbformat.read(notebook, as_version=4)
    after = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    hold = f"open({str(marker)!r}, 'w').close()\nimport time\ntime.sleep(3600)"
    nb.cells.insert(after, nbformat.v4.new_code_cell(hold))
    nbformat.write(nb, notebook)
    proc = start(*args, temp=temp)
    deadline = time.monotonic() + 600  # generous: the machine may be loaded
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    return proc, marker


def snapshot(*folders: Path) -> dict:
    return {p: p.read_bytes() for f in folders for p in f.rglob("*") if p.is_file() and p.name != ".lock"}


def previous_report(tmp_path: Path) -> None:
    (tmp_path / "out" / "notebooks" / "en").mkdir(parents=True)
    (tmp_path / "out" / "report.en.html").write_text("<html>previous</html>", encoding="utf-8")
    (tmp_path / "out" / "notebooks" / "en" / "01_old.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "fig" / "en").mkdir(parents=True)
    (tmp_path / "fig" / "en" / "old.svg").write_text("<svg/>", encoding="utf-8")


def kernel_pids(out: Path, proc: subprocess.Popen, timeout: float = 600) -> list[int]:
    """Wait until the build has its kernels up (it records their ids in its stage)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid_file in out.glob(f"{pipeline.STAGE_PREFIX}*/{pipeline.PID_FILE}"):
            pids = [int(p) for p in pid_file.read_text().split()]
            if pids:
                return pids
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError("no kernel started")


def gone(pid: int, wait: float = 60) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.2)
    return False


def figures_in(notebooks: Path) -> int:
    return sum(len(pipeline.figure_names(p)) for p in notebooks.glob("*.ipynb"))


def test_second_concurrent_build_waits_and_the_report_is_complete(tmp_path, cache_dir, small_built):
    # A notebook of this test's own (one more cell), so no cache holds it: the first build executes it; the
    # second, let in after the first, publishes from what the first executed. (small_built: the session
    # cache already has the chart library and fonts that rendering needs.)
    args = small(tmp_path, "--cache-dir", cache_dir)
    notebook = next((tmp_path / "notebooks").glob("01_*.ipynb"))
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"# {tmp_path}"))
    nbformat.write(nb, notebook)
    first = start(*args)
    time.sleep(1)
    second = start(*args)
    results = [(*p.communicate(), p.returncode) for p in (first, second)]
    assert [r[2] for r in results] == [0, 0], results
    assert any("another build is writing to" in r[1] for r in results)
    assert sorted(re.search(r"\((\d) notebook\(s\) executed", r[0]).group(1) for r in results) == ["0", "1"]
    out = tmp_path / "out"
    html = (out / "report.en.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>")
    assert html.count('<figure class="report-figure"') == figures_in(out / "notebooks" / "en") > 0
    assert len(list((tmp_path / "fig" / "en").glob("*.svg"))) == figures_in(out / "notebooks" / "en")
    assert not list(out.glob(".stage-*"))


def test_incomplete_stage_is_never_published(tmp_path):
    """verify() refuses a stage whose notebook displays a figure that was not exported."""
    notebook = tmp_path / "notebooks" / "en" / "01_x.ipynb"
    notebook.parent.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": '<figure class="report-figure" id="fig-a">'})]
    nb.cells.append(cell)
    nbformat.write(nb, notebook)
    (tmp_path / "figures" / "en").mkdir(parents=True)
    (tmp_path / "report.en.html").write_text('<figure class="report-figure" id="fig-a"></html>', encoding="utf-8")
    plan = SimpleNamespace(langs=["en"], formats=["html"], tasks={"en": [Task(notebook, "en", notebook, {})]})
    with pytest.raises(pipeline.Incomplete, match=r"figure a\.svg \[en\] is missing"):
        pipeline.verify(tmp_path, plan)
    for ext in ("svg", "png"):
        (tmp_path / "figures" / "en" / f"a.{ext}").write_text("x", encoding="utf-8")
    pipeline.verify(tmp_path, plan)
    (tmp_path / "report.en.html").write_text('<figure class="report-figure" id="fig-a">', encoding="utf-8")
    with pytest.raises(pipeline.Incomplete, match="truncated"):
        pipeline.verify(tmp_path, plan)


def test_ctrl_c_leaves_the_previous_report_and_no_process(tmp_path):
    previous_report(tmp_path)
    before = snapshot(tmp_path / "out", tmp_path / "fig")
    proc, _ = held_build(tmp_path)
    kernels = kernel_pids(tmp_path / "out", proc)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted; the previous report is unchanged"
    assert "Traceback" not in stderr
    assert snapshot(tmp_path / "out", tmp_path / "fig") == before
    assert not list((tmp_path / "out").glob(".stage-*"))
    assert kernels and all(gone(pid) for pid in kernels)
    assert all(gone(child.pid) for child in children)


def test_after_kill_9_the_next_build_cleans_up_and_succeeds(tmp_path, cache_dir, small_built):
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc, _ = held_build(tmp_path, temp=temp)
    kernels = kernel_pids(tmp_path / "out", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert list((tmp_path / "out").glob(".stage-*"))  # the killed build left its stage behind ...
    # ... with its kernel's connection file (ports, key) in it, not in the system's temp folder
    assert list((tmp_path / "out").glob(".stage-*/*.json")) and not list(temp.glob("*.json"))
    result = build(*small(tmp_path, "--cache-dir", cache_dir))  # small_built has this one in the cache
    assert result.returncode == 0, result.stderr
    assert not list((tmp_path / "out").glob(".stage-*"))
    assert all(gone(pid) for pid in kernels)
    assert (tmp_path / "out" / "report.en.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_cached_rebuild_reflects_a_data_edit(tmp_path, data_copy, cache_dir, small_built):
    args = small(tmp_path, "--data", data_copy, "--cache-dir", cache_dir)
    # small_built ran this notebook on the same data (in data/, not this copy): nothing runs again.
    again = build(*args)
    assert again.returncode == 0 and "(0 notebook(s) executed, 1 from the cache)" in again.stdout, again.stderr
    page = (tmp_path / "out" / "report.en.html").read_bytes()
    assert page == (small_built / "out" / "report.en.html").read_bytes()
    set_cell(data_copy / "districts.csv", "district_id", "dinghai", "name_en", "Dinghai Edited District")
    edited = build(*args)
    assert edited.returncode == 0 and "(1 notebook(s) executed, 0 from the cache)" in edited.stdout, edited.stderr
    html = (tmp_path / "out" / "report.en.html").read_text(encoding="utf-8")
    assert "Dinghai Edited District" in html and "Dinghai Edited District" not in page.decode()
    assert list(cache_dir.glob("notebook/*")) and not list(data_copy.glob("**/*cache*"))  # the cache stays out of data/


def test_cache_key_follows_notebook_data_parameters_and_code(tmp_path):
    nb = tmp_path / "01_a.ipynb"
    nb.write_text("{}", encoding="utf-8")
    key = cache.notebook_key("code", "data", nb, "en", {"districts": [], "figures_dir": "/stage/1"})
    assert key == cache.notebook_key("code", "data", nb, "en", {"districts": [], "figures_dir": "/stage/2"})
    assert key != cache.notebook_key("code2", "data", nb, "en", {"districts": []})
    assert key != cache.notebook_key("code", "data2", nb, "en", {"districts": []})
    assert key != cache.notebook_key("code", "data", nb, "zh", {"districts": []})
    assert key != cache.notebook_key("code", "data", nb, "en", {"districts": ["zhenhai"]})
    nb.write_text('{"cells": []}', encoding="utf-8")
    assert key != cache.notebook_key("code", "data", nb, "en", {"districts": []})
    assert re.fullmatch(r"[0-9a-f]{64}", key)


@pytest.mark.parametrize("inline", [False, True], ids=["worker", "inline"])
def test_a_rendering_error_is_one_clear_line(tmp_path, inline):
    """A render's failure comes back as Incomplete (nothing is published), not as a traceback, whether a
    worker process rendered or the build itself (one report file to write)."""
    pid_file = tmp_path / pipeline.WORKERS_PID_FILE
    renderer = pipeline.Renderer(1, pid_file, inline=inline)
    try:
        renderer.start(("en", "html"), [tmp_path / "missing.ipynb"], ROOT / "data", "en", "html", tmp_path)
        with pytest.raises(pipeline.Incomplete, match=r"^rendering the en html report failed: FileNotFoundError"):
            renderer.result(("en", "html"))
        workers = [] if inline else [int(p) for p in pid_file.read_text().split()]
    finally:
        renderer.stop()
    assert bool(workers) != inline and all(gone(pid) for pid in workers)
    assert pipeline.Renderer(1, pid_file).inline and not pipeline.Renderer(2, pid_file).inline


def test_a_template_change_re_renders_without_re_running_notebooks(tmp_path, monkeypatch):
    package = tmp_path / "stpolicy"
    shutil.copytree(cache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", package)

    def digests():
        cache.code_digest.cache_clear()
        return cache.code_digest(templates=False), cache.code_digest()

    notebooks, report = digests()
    css = package / "templates" / "report" / "report.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    assert digests() == (notebooks, digests()[1]) and digests()[1] != report
    (package / "charts.py").write_text("# edited\n", encoding="utf-8")
    assert digests()[0] != notebooks
    cache.code_digest.cache_clear()


def test_kernels_load_the_builds_validation_and_an_edit_validates_anew(tmp_path, data_copy, monkeypatch):
    from stpolicy import data

    monkeypatch.setattr(data, "_validated", {})
    data.use_cache(tmp_path / "cache")
    try:
        tables, problems = data.validated(data_copy)  # the build's own validation, stored
        assert problems == [] and list((tmp_path / "cache" / "validated").glob("*/value"))
        data._validated.clear()  # another process: a kernel or a render worker

        def validate_again(folder):
            raise AssertionError("validated twice")

        monkeypatch.setattr(data, "validate", validate_again)
        again, _ = data.validated(data_copy)
        assert again["indicators"].frame.equals(tables["indicators"].frame)
        set_cell(data_copy / "districts.csv", "district_id", "dinghai", "name_en", "Dinghai Edited District")
        with pytest.raises(AssertionError, match="validated twice"):
            data.validated(data_copy)
    finally:
        data.use_cache(None)


def test_every_process_shares_one_font_folder_in_the_temp_dir(tmp_path, monkeypatch):
    """Each kernel, worker and test registers the report's fonts with vl-convert; a folder per process
    would pile up in /tmp (thousands after a day of builds)."""
    from stpolicy import fonts

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    first, second = fonts.vl_convert_font_folder(), fonts.vl_convert_font_folder()
    assert first == second and list(tmp_path.iterdir()) == [first]
    expected = {path for files in fonts.FILES.values() for _, path in files}
    assert {link.resolve() for link in first.iterdir()} == {p.resolve() for p in expected}


def test_a_pdf_leaves_no_font_copies_in_the_temp_dir(tmp_path, monkeypatch):
    """WeasyPrint copies the @font-face fonts (17 MB for the CJK one) into the temp folder; render workers
    exit without the garbage collection that would remove them, so write_pdf removes them itself."""
    from stpolicy import build, fonts

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    style = f"{fonts.file_font_face('zh')} body {{ font-family: '{fonts.FAMILY}' }}"
    page = f"<html lang='zh'><style>{style}</style>科技</html>"
    pdf = build.write_pdf(page, tmp_path / "a.pdf")
    assert b"Noto-Sans-CJK-SC" in pdf_objects(pdf)  # the @font-face font was used (so it was copied)
    assert list(temp.iterdir()) == []
