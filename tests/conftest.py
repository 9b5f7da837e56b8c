import contextlib
import csv
import functools
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def build(*args, cwd=ROOT):
    """build_report.py in a subprocess (as a user runs it)."""
    return subprocess.run([sys.executable, "build_report.py", *map(str, args)], cwd=cwd, capture_output=True, text=True)


# Tests that start kernels or builds: by their module, or by the shared fixtures that build.
KERNEL_MODULES = ("test_build", "test_new_district", "test_workshop")
BUILD_FIXTURES = ("cache_dir", "small_built", "districts_built", "warm_kernel")


def run_order(item) -> int:
    """0: reads the full build; 1: a unit test; 2: starts kernels or builds."""
    if "built" in item.fixturenames:
        return 0
    if item.module.__name__ in KERNEL_MODULES or any(f in item.fixturenames for f in BUILD_FIXTURES):
        return 2
    return 1


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    """A test that reads the full build is slow (what the marker means, so `make test-fast` never builds it).
    Order: the full build's tests first, then unit tests, then tests that build or start kernels. With
    xdist the first worker starts the full build while the others run unit tests beside it; the later
    builds then restore the notebooks they share with it from the run's cache instead of executing them."""
    for item in items:
        if "built" in item.fixturenames:
            item.add_marker(pytest.mark.slow)
    items.sort(key=run_order)  # stable: the order is otherwise kept


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: one worker per core, at most 4 (more workers than that wait on the shared builds)."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def once(tmp_path_factory, name: str, make) -> Path:
    """`make(folder)` run once per test run, by whichever xdist worker asks first; the others wait for it
    and get the same folder (a failure is reported to every worker that asks)."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # a worker's base is in the run's
    folder, failed = shared / name, shared / f"{name}.failed"
    with FileLock(shared / f"{name}.lock"):
        if failed.exists():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not (folder / ".done").exists():
            folder.mkdir(exist_ok=True)
            try:
                make(folder)
            except BaseException as err:
                failed.write_text(f"{name} could not be made: {err}", encoding="utf-8")
                raise
            (folder / ".done").touch()
    return folder


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One build cache for the whole run (all workers): later builds reuse notebooks an earlier one executed."""
    return once(tmp_path_factory, "cache", lambda folder: None)


def build_or_fail(*args) -> None:
    """build() that must succeed (a fixture's build)."""
    result = build(*args)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def built(tmp_path_factory, cache_dir) -> Path:
    """The full report (both languages, HTML and PDF), built once per run into a temporary folder."""
    return once(
        tmp_path_factory,
        "build",
        lambda out: build_or_fail("--out", out / "report", "--figures", out / "figures", "--cache-dir", cache_dir),
    )


def cli(*args) -> subprocess.CompletedProcess:
    """build_report.py's main() in this process, run from the repository, with its output captured: for
    checks where the process boundary is not the point (it saves starting Python and importing the
    libraries). Builds, exit codes as a shell sees them and interrupts go through `build()` instead."""
    from stpolicy.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as usage:  # argparse's usage errors
            code = usage.code
    return subprocess.CompletedProcess(["build_report.py", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def small_built(tmp_path_factory, cache_dir) -> Path:
    """A one-notebook (01) English HTML build of the curated data into the session cache; returns its folder.
    A later build of that notebook on the same data (in any folder) restores it and its report from there."""

    def make(folder: Path) -> None:
        notebooks = few_notebooks(folder / "notebooks", "01_")
        build_or_fail(
            "--notebooks", notebooks, "--out", folder / "out", "--figures", folder / "fig", "--lang", "en",
            "--format", "html", "--cache-dir", cache_dir,
        )  # fmt: skip

    return once(tmp_path_factory, "small", make)


@functools.cache
def pdf_tool(*args: str) -> str:
    """A poppler-utils command's output (pdfinfo, pdffonts, pdftotext), remembered for the session: several
    tests read the same text of the same PDF (each build writes to a folder of its own)."""
    if not shutil.which(args[0]):
        pytest.fail(f"{args[0]} is missing (poppler-utils; scripts/install.sh installs it)")
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def few_notebooks(folder: Path, *names: str) -> Path:
    """A notebooks folder with only some of the report's notebooks (small builds for build tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(next((ROOT / "notebooks").glob(f"{name}*.ipynb")), folder)
    return folder


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict], fieldnames=None) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames or list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(path: Path, key: str, key_value: str, column: str, value: str) -> int:
    """Change one cell; returns the file line of the changed row (header is line 1)."""
    rows = read_rows(path)
    index = next(i for i, r in enumerate(rows) if r[key] == key_value)
    rows[index][column] = value
    write_rows(path, rows)
    return index + 2
