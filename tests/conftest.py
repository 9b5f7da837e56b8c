import contextlib
import csv
import functools
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import warnings
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest

import stpolicy  # noqa: F401  (first: keeps jsonschema's slow IRI grammars out of every test worker)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def build(*args, cwd=ROOT):
    """build_report.py in a subprocess (as a user runs it)."""
    return subprocess.run([sys.executable, "build_report.py", *map(str, args)], cwd=cwd, capture_output=True, text=True)


def start(*args, temp: Path | None = None) -> subprocess.Popen:
    """build() without waiting for it: a build a test interrupts, or runs beside another. `temp`: the
    build's temporary folder (TMPDIR), for a test that checks what the build leaves there."""
    env = {**os.environ, "TMPDIR": str(temp)} if temp else None
    return subprocess.Popen(
        [sys.executable, "build_report.py", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


# Tests that start kernels or builds: by their module, or by the shared fixtures that build.
KERNEL_MODULES = ("test_build", "test_workshop")
BUILD_FIXTURES = ("cache_dir", "small_built", "districts_report", "notebook_kernel")


def run_order(item) -> tuple[int, bool]:
    """(phase, ungrouped). Phases: 0 a unit test; 1 starts kernels or builds; 2 reads the full build (last: it
    builds meanwhile). Within a phase the xdist groups go first: a group runs on one worker from start to end,
    and handed out last it would keep that worker busy while the others have nothing left to do."""
    ungrouped = item.get_closest_marker("xdist_group") is None
    if "built" in item.fixturenames:
        return 2, ungrouped
    if item.module.__name__ in KERNEL_MODULES or any(f in item.fixturenames for f in BUILD_FIXTURES):
        return 1, ungrouped
    return 0, ungrouped


def pytest_addoption(parser):
    parser.addoption(
        "--build-cache",
        default=str(ROOT / ".cache"),
        metavar="DIR",
        help="a build cache (default: the one `make report` fills) that the run's own cache starts from; "
        "it is only read. 'none': build everything, as CI does on a clean clone",
    )


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    """A test that reads the full build is slow (what the marker means, so `make test-fast` never builds it).
    Order: unit tests, then tests that build or start kernels, then the full build's tests. The full build
    starts in the background as soon as a worker knows it will need it (`full_build_in_background`), so
    the workers run the other tests while it builds instead of waiting for it."""
    for item in items:
        if "built" in item.fixturenames:
            item.add_marker(pytest.mark.slow)
        if "notebook_kernel" in item.fixturenames:  # on one worker: one kernel's start-up, not one per worker
            item.add_marker(pytest.mark.xdist_group("notebook_kernel"))
        if "districts_report" in item.fixturenames:  # on one worker: another would only wait for it to be made
            item.add_marker(pytest.mark.xdist_group("districts_report"))
        if item.get_closest_marker("reader_page"):  # on one worker: each report is loaded in Chromium once
            item.add_marker(pytest.mark.xdist_group("reader_page"))
    items.sort(key=run_order)  # stable: the order is otherwise kept


def pytest_collection_finish(session):
    """On an xdist worker, --dist loadgroup must have tagged each grouped test's id with its group (that is how
    the scheduler keeps a group on one worker). pytest 9.2 silently stopped that (pytest-dev/pytest-xdist#1386):
    every worker then starts its own kernel and loads its own pages. Say so (in the warnings summary) rather
    than run slowly without a word."""
    if not session.config.getoption("loadgroup", False):
        return
    ungrouped = [i.nodeid for i in session.items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if ungrouped:
        message = f"pytest-xdist did not group {ungrouped[0]} (pytest {pytest.__version__}; see requirements.txt)"
        warnings.warn(pytest.PytestWarning(message), stacklevel=1)


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: one worker per core, at most 4. (Two per core were somewhat faster on 2 cores, 235 s against
    262-275 s, but more kernels then start at once, and one fresh workshop kernel died at start-up and left
    its papermill client waiting forever on a ZeroMQ send.)"""
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
def cache_dir(request, tmp_path_factory) -> Path:
    """One build cache for the whole run (all workers): later builds reuse notebooks an earlier one executed.
    It starts with the entries of --build-cache, so a run after `make report` restores what that build made."""
    source = request.config.getoption("build_cache")
    return once(tmp_path_factory, "cache", lambda folder: None if source == "none" else seed(Path(source), folder))


def seed(source: Path, cache: Path) -> None:
    """Complete entries of another build cache, as hard links where the file system allows: an entry is
    written once and renamed into place, never changed (stpolicy.cache), so the source is only read."""

    def link_or_copy(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    for done in source.glob("*/*/.complete"):
        entry = done.parent
        if not entry.name.startswith("."):  # .tmp-*: an entry another build is writing now
            shutil.copytree(entry, cache / entry.parent.name / entry.name, copy_function=link_or_copy)


def full_build(cache_dir: Path):
    """The `make` of `built`: the full report into a folder, as `make report` builds it."""

    def make(out: Path) -> None:
        make.running = start("--out", out / "report", "--figures", out / "figures", "--cache-dir", cache_dir)
        _, stderr = make.running.communicate()
        assert make.running.returncode == 0, stderr

    make.running = None
    return make


@pytest.fixture(scope="session", autouse=True)
def full_build_in_background(request, tmp_path_factory):
    """Start the full build in a thread as soon as this worker's tests include one that reads it (they run
    last), so the other tests run while it builds; `built` then waits for it. Without such tests (`make
    test-fast`) nothing is built. A build still running when the tests end (-x) is interrupted."""
    if not any("built" in item.fixturenames for item in request.session.items):
        yield
        return
    make = full_build(request.getfixturevalue("cache_dir"))

    def run() -> None:
        with contextlib.suppress(BaseException):  # once() keeps a failure for `built` to report
            once(tmp_path_factory, "build", make)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    if make.running is not None and make.running.poll() is None:
        make.running.send_signal(signal.SIGINT)  # the build removes its stage and stops its kernels
    thread.join()


@pytest.fixture(scope="session")
def notebook_kernel(tmp_path_factory):
    """A kernel as a notebook reader's in JupyterLab (it shows the outputs the report build skips), with the
    build's imports done and the data loaded (stpolicy.engine): the tests run the report's and the workshop's
    notebooks on it, each notebook on a fresh namespace, instead of paying a kernel's start-up (about 5 CPU-s)
    for each one. A forgotten import still fails: the reset leaves no names behind."""
    import papermill  # noqa: F401  (before stpolicy.engine, which papermill loads as an entry point)

    from stpolicy.engine import WARM_UP, Kernel

    kernel = Kernel(ROOT, tmp_path_factory.mktemp("kernel") / "kernel.log", for_report=False)
    kernel.start(WARM_UP.format(langs=["en", "zh"], data_dir=str(DATA), cache_root=None))
    yield kernel
    kernel.stop()


def build_or_fail(*args) -> None:
    """build() that must succeed (a fixture's build)."""
    result = build(*args)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def built(tmp_path_factory, cache_dir) -> Path:
    """The full report (both languages, HTML and PDF), built once per run into a temporary folder."""
    return once(tmp_path_factory, "build", full_build(cache_dir))


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


@pytest.fixture(scope="session")
def districts_report(tmp_path_factory, cache_dir) -> SimpleNamespace:
    """The report of the curated districts and two added ones (tests/new_districts.py) in a stub third language
    (tests/in_process.py), made once per run in a test process: it serves the language's tests and the new
    districts' tests, which each ran every section again. (data, page, notebook, counts)"""
    import nbformat

    def make(folder: Path) -> None:
        from in_process import PSEUDO, pseudo_language, report_in_process
        from new_districts import four_districts

        from stpolicy.cache import Cache

        data = four_districts(folder / "data")
        with pseudo_language():
            nb, counts, _ = report_in_process(data, PSEUDO, folder, Cache(cache_dir).memo)
        nbformat.write(nb, folder / "report.ipynb")
        (folder / "counts.json").write_text(json.dumps(counts), encoding="utf-8")

    folder = once(tmp_path_factory, "districts", make)
    return SimpleNamespace(
        data=folder / "data",
        page=next(folder.glob("report.*.html")),
        nb=nbformat.read(folder / "report.ipynb", as_version=4),
        counts=json.loads((folder / "counts.json").read_text(encoding="utf-8")),
        figures=folder / "fig",
    )


def kept_once(built_file: Path, key: str, make) -> str:
    """make()'s text, made once per test run by whichever worker asks first and kept beside the build that
    `built_file` belongs to, under a lock: checkers that take seconds (pdftotext on the Chinese PDF, the Nu
    HTML Checker's JVM) run once, however many tests on however many workers read their output."""
    from filelock import FileLock

    kept = built_file.parent.parent / "kept" / f"{key}.txt"
    kept.parent.mkdir(exist_ok=True)
    with FileLock(f"{kept}.lock"):
        if not kept.exists():
            kept.write_bytes(make().encode())
    return kept.read_bytes().decode()


@functools.cache
def pdf_tool(*args: str) -> str:
    """A poppler-utils command's output (pdfinfo, pdftotext) on a PDF of the run's build, once per run."""
    from stpolicy.cache import digest

    if not shutil.which(args[0]):
        pytest.fail(f"{args[0]} is missing (poppler-utils; scripts/install.sh installs it)")
    pdf = Path(next(a for a in args if a.endswith(".pdf")))
    return kept_once(
        pdf, digest(*args), lambda: subprocess.run(args, capture_output=True, text=True, check=True).stdout
    )


PDF_TEXT_PAGES = 7  # pages per pdftotext process: 8 processes for the Chinese edition (56 pages)


def pdf_text(pdf: Path) -> str:
    """The PDF's text laid out as on its pages, pages split by form feeds: one extraction serves every
    test. pdftotext takes 3-5 CPU-s on an edition, on one core, while tests on another worker wait for
    the same text: processes extract runs of PDF_TEXT_PAGES pages side by side (the text is the same). The
    runs are short because the cost is uneven: the Chinese edition's pages 15-21 (charts) take half of it."""
    pages = int(re.search(r"^Pages:\s+(\d+)", pdf_tool("pdfinfo", str(pdf)), re.M).group(1))

    def in_runs() -> str:
        firsts = range(1, pages + 1, PDF_TEXT_PAGES)
        runs = [
            subprocess.Popen(
                ["pdftotext", "-layout", "-f", str(a), "-l", str(min(a + PDF_TEXT_PAGES - 1, pages)), str(pdf), "-"],
                stdout=subprocess.PIPE,
            )
            for a in firsts
        ]
        outputs = [run.communicate()[0] for run in runs]
        assert all(run.returncode == 0 for run in runs), [run.returncode for run in runs]
        return b"".join(outputs).decode()

    return kept_once(pdf, f"pdftotext-{pdf.name}", in_runs)


def pdf_objects(pdf) -> bytes:
    """The PDF's bytes with its compressed streams inflated (the catalog sits in an object stream). Each
    stream is inflated from its start to the end of its zlib data, whatever bytes the data ends with."""
    data = pdf.read_bytes()
    inflated = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        with contextlib.suppress(zlib.error):
            inflated.append(zlib.decompressobj().decompress(memoryview(data)[match.end() :]))
    return b"".join(inflated)


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
