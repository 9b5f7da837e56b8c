"""The build's execution, caching and publishing; rendering lives in build.py.

    lock OUT → clean up after killed builds → stage in OUT/.stage-XXXX/ → notebooks from the cache or
    executed on warm kernels (stpolicy.engine) → each language rendered as soon as its notebooks are
    done → verify everything is there and complete → publish → unlock

A second build into the same OUT waits for the lock. Ctrl-C (or SIGTERM) kills the kernels, removes
the stage and leaves the published report as it was; the CLI prints one line and exits 130.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from . import cache as cachelib
from .registry import NOTEBOOKS
from .tasks import NotebookFailed, Task

# Heavy modules (papermill, nbconvert, pandas, altair) are imported only where needed, so that an
# unchanged rebuild, served from the cache, starts and ends in a moment.

STAGE_PREFIX = ".stage-"
LOCK_NAME = ".lock"
PID_FILE = "kernels.pid"
WORKERS_PID_FILE = "workers.pid"  # the render workers'; clean_leftovers reads every *.pid of a stage
INTERRUPTED = "interrupted; the previous report is unchanged"
FIGURE_ID = re.compile(r'<figure class="report-figure" id="fig-([^"]+)"')


class Incomplete(Exception):
    """The staged report is missing something: it must not be published."""


# --- locking and cleaning up ------------------------------------------------------------------


@contextmanager
def locked(out: Path):
    """Hold OUT/.lock for the whole build; a second build waits, saying so in one line."""
    from filelock import FileLock, Timeout

    lock = FileLock(out / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"another build is writing to {out}; waiting for it to finish...", file=sys.stderr)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def clean_leftovers(out: Path) -> None:
    """Remove what killed builds left in OUT (call with the lock held: no live build owns them)."""
    import psutil

    for stage in [*out.glob(f"{STAGE_PREFIX}*"), out / ".build"]:
        for pid_file in stage.glob("*.pid"):
            for pid in pid_file.read_text(encoding="utf-8").split():
                try:
                    proc = psutil.Process(int(pid))
                    if any(mark in " ".join(proc.cmdline()) for mark in ("ipykernel", "multiprocessing")):
                        proc.kill()
                except (psutil.Error, ValueError):
                    pass
        shutil.rmtree(stage, ignore_errors=True)
    for old in out.parent.glob(f".{out.name}.old"):
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def sigterm_as_interrupt():
    """SIGTERM cleans up like Ctrl-C does."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- the build --------------------------------------------------------------------------------


def notebooks(folder: Path | None) -> list[Path]:
    """The section notebooks of a folder (default: the project's), in name order."""
    return sorted((folder or NOTEBOOKS).resolve().glob("[0-9][0-9]_*.ipynb"))


def build(args) -> int:
    """Execute (or restore from the cache) every notebook in every language, render, publish; returns the exit code."""
    data, out, figures = args.data.resolve(), args.out.resolve(), args.figures.resolve()
    if not notebooks(args.notebooks):
        print(f"error: no NN_name.ipynb notebooks in {args.notebooks or 'notebooks/'}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with sigterm_as_interrupt(), locked(out):
        clean_leftovers(out)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
        plan = None
        try:
            started = time.perf_counter()
            store = cachelib.Cache(None if args.no_cache else args.cache_dir.resolve())
            store.clean_partial()
            plan = Plan(args, data, stage)
            results = plan.run(store)
            if results is None:
                return 1
            verify(stage, plan)
            publish(stage, out, figures, args.lang)
        except Incomplete as err:
            print(f"error: the report is incomplete, nothing was published: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
            raise
        finally:
            if plan is not None:
                plan.renderer.stop()
                if plan.pool is not None:
                    plan.pool.kill()
            shutil.rmtree(stage, ignore_errors=True)
    report_written(out, results, args.formats, time.perf_counter() - started, plan)
    return 0


def report_written(out: Path, results: dict, formats: list[str], elapsed: float, plan) -> None:
    """Print each written report with its size and figure and table counts, and the elapsed time."""
    for lang, counts in results.items():
        for fmt in formats:
            path = out / f"report.{lang}.{fmt}"
            print(f"{path}  {path.stat().st_size / 1e6:.2f} MB  ({counts['figure']} figures, {counts['table']} tables)")
    print(f"built in {elapsed:.1f} s ({plan.executed} notebook(s) executed, {plan.reused} from the cache)")


class Plan:
    """What to execute and render for each language, and where each piece comes from."""

    def __init__(self, args, data: Path, stage: Path):
        self.args, self.data, self.stage = args, data, stage
        self.langs, self.formats = args.lang, args.formats
        self.notebooks = notebooks(args.notebooks)
        self.code = cachelib.code_digest()
        self.notebook_code = cachelib.code_digest(templates=False)
        self.data_digest = cachelib.tree_digest(data)
        self.pool = None  # stpolicy.engine.Pool while notebooks execute
        # One worker per report file: the last language's PDF (the longest render) then starts the moment its
        # notebooks are done instead of queueing behind the other language's renders; the OS shares the cores.
        self.renderer = Renderer(len(self.langs) * len(self.formats), stage / WORKERS_PID_FILE)
        self.executed = self.reused = 0
        self.tasks: dict[str, list[Task]] = {}
        for lang in self.langs:
            (stage / "notebooks" / lang).mkdir(parents=True)
            (stage / "figures" / lang).mkdir(parents=True)
            self.tasks[lang] = []
            for nb in self.notebooks:
                params = {
                    "data_dir": str(data),
                    "districts": [],
                    "lang": lang,
                    "figures_dir": str(stage / "fig" / lang / nb.stem),
                }
                key = cachelib.notebook_key(self.notebook_code, self.data_digest, nb, lang, params)
                self.tasks[lang].append(Task(nb, lang, stage / "notebooks" / lang / nb.name, params, key))

    def report_key(self, lang: str) -> str:
        """The cache key of this language's rendered report."""
        return cachelib.report_key(self.code, lang, ",".join(self.formats), [t.key for t in self.tasks[lang]])

    def run(self, store: cachelib.Cache):
        """Restore or execute every notebook, render each language; None when a notebook failed."""
        todo = []
        for lang in self.langs:
            for task in self.tasks[lang]:
                entry = store.get("notebook", task.key)
                if entry:
                    restore_notebook(entry, task, self.stage)
                    self.reused += 1
                else:
                    todo.append(task)
        pending = {lang: sum(t.lang == lang for t in todo) for lang in self.langs}
        for lang in self.langs:
            if not pending[lang]:
                self.render(lang, store)
        if todo:
            # papermill first: its import loads its engines' entry points, ours (stpolicy.engine) among
            # them; importing stpolicy.engine first would re-enter it half-initialised.
            import papermill  # noqa: F401

            from .engine import WARM_UP, Pool

            print(
                f"executing {len(todo)} notebook(s) on {min(self.args.jobs, len(todo))} warm kernel(s)"
                f" ({len(self.langs) * len(self.notebooks) - len(todo)} from the cache)...",
                file=sys.stderr,
            )
            self.pool = Pool(
                todo,
                self.args.jobs,
                WARM_UP.format(
                    langs=list(dict.fromkeys(t.lang for t in todo)),
                    data_dir=str(self.data),
                    cache_root=store.root and str(store.root),
                ),
                self.stage,
                self.stage / PID_FILE,
            )
            try:
                for task in self.pool.events():
                    collect_figures(task, self.stage)
                    store.put("notebook", task.key, notebook_files(task, self.stage))
                    self.executed += 1
                    pending[task.lang] -= 1
                    if not pending[task.lang]:  # render while the other language is still executing
                        self.render(task.lang, store)
            except NotebookFailed as failed:
                self.report_failure(failed)
                return None
        return {lang: self.rendered(lang, store) for lang in self.langs}

    def render(self, lang: str, store: cachelib.Cache) -> None:
        """Restore this language's report from the cache, or start rendering it (one worker per format)."""
        entry = store.get("report", self.report_key(lang))
        if entry:
            for name in [f"report.{lang}.{fmt}" for fmt in self.formats]:
                shutil.copy2(entry / name, self.stage / name)
            (self.stage / f"counts.{lang}.json").write_bytes((entry / "counts.json").read_bytes())
            return
        print(f"rendering {lang}: {', '.join(self.formats)}...", file=sys.stderr)
        outputs = [t.output for t in self.tasks[lang]]
        for fmt in self.formats:
            self.renderer.start((lang, fmt), outputs, self.data, lang, fmt, self.stage, store.root)

    def rendered(self, lang: str, store: cachelib.Cache) -> dict:
        """Wait for this language's report, cache it; returns its figure and table counts."""
        counts_file = self.stage / f"counts.{lang}.json"
        if not counts_file.exists():
            for fmt in self.formats:
                counts = self.renderer.result((lang, fmt))
            counts_file.write_text(json.dumps(counts), encoding="utf-8")
            names = [f"report.{lang}.{fmt}" for fmt in self.formats]
            store.put(
                "report", self.report_key(lang), {**{n: self.stage / n for n in names}, "counts.json": counts_file}
            )
        return json.loads(counts_file.read_text(encoding="utf-8"))

    def report_failure(self, failed: NotebookFailed) -> None:
        """Print which notebook failed and why, and where to look."""
        if failed.task is None:
            print(f"error: a kernel could not start: {failed.cause}", file=sys.stderr)
        else:
            print(f"error: {failed.task.notebook.name} [{failed.task.lang}] failed: {failed.cause}", file=sys.stderr)
            kept = Path(tempfile.mkdtemp(prefix="stpolicy-failed-"))
            if failed.task.output.exists():  # the stage goes; the failed notebook is kept for reading
                shutil.copy2(failed.task.output, kept / failed.task.output.name)
            print(f"  executed notebook: {kept / failed.task.output.name}", file=sys.stderr)
        print("  the previous report and figures were left unchanged.", file=sys.stderr)


class Renderer:
    """Worker processes that render reports (nbconvert, font subsets, WeasyPrint) off the main process.

    Rendering is CPU-bound Python: in the main process it held up the kernels' threads and ran one
    language and format after another. Workers ignore Ctrl-C (the build stops them, so no traceback)
    and list their ids beside the kernels' for the clean-up after a kill -9.

    A build with one report file to write (one language, one format) renders it in the main process
    instead (`inline`), when result() asks for it: by then every notebook has run, so there is nothing to
    hold up, and a worker would only re-import the libraries (2-4 CPU-s). Ctrl-C then reaches the render
    as it reaches the rest of the build.
    """

    def __init__(self, jobs: int, pid_file: Path, inline: bool | None = None):
        self.jobs, self.pid_file = max(1, jobs), pid_file
        self.inline = self.jobs == 1 if inline is None else inline
        self.pool = None
        self.pending: dict = {}

    def start(self, key, *args) -> None:
        """Queue build.render_notebooks(*args) under `key`."""
        if self.inline:
            self.pending[key] = args
            return
        if self.pool is None:
            import multiprocessing

            # spawn, not fork: the main process runs the kernels' threads and their event loops.
            self.pool = multiprocessing.get_context("spawn").Pool(self.jobs, initializer=ignore_interrupts)
            with open(self.pid_file, "a", encoding="utf-8") as f:
                f.write("".join(f"\n{p.pid}" for p in self.pool._pool))
        from .build import render_notebooks

        self.pending[key] = self.pool.apply_async(render_notebooks, args)

    def result(self, key) -> dict:
        """The counts a render returned; raises Incomplete if it failed."""
        job = self.pending.pop(key)
        try:
            if self.inline:
                from .build import render_notebooks

                return render_notebooks(*job)
            while not job.ready():
                job.wait(0.2)  # short waits keep Ctrl-C responsive
            return job.get()
        except Exception as err:  # a rendering bug must not clobber the last good report either
            lang, fmt = key
            message = f"rendering the {lang} {fmt} report failed: {type(err).__name__}: {err}"
            raise Incomplete(message.splitlines()[0]) from None

    def stop(self) -> None:
        """End the workers at once (after the build, on Ctrl-C, after a failure)."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None


def ignore_interrupts() -> None:
    """Pool initializer: the build, not the worker, answers Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- pieces of the stage ----------------------------------------------------------------------


def task_figures(task: Task) -> Path:
    """The folder a task's notebook exports its figures to."""
    return Path(task.parameters["figures_dir"]) / task.lang


def collect_figures(task: Task, stage: Path) -> None:
    """Move the figures a notebook wrote (its own folder) into the language's figures folder."""
    folder = task_figures(task)
    if folder.exists():
        for path in folder.iterdir():
            os.replace(path, stage / "figures" / task.lang / path.name)


def notebook_files(task: Task, stage: Path) -> dict[str, Path]:
    """The cache entry of an executed notebook: the notebook and the figures it displays."""
    files = {"notebook.ipynb": task.output}
    for name in figure_names(task.output):
        for ext in ("svg", "png"):
            path = stage / "figures" / task.lang / f"{name}.{ext}"
            if path.exists():
                files[f"figures/{path.name}"] = path
    return files


def restore_notebook(entry: Path, task: Task, stage: Path) -> None:
    """Copy a cached executed notebook and its figures into the stage."""
    shutil.copy2(entry / "notebook.ipynb", task.output)
    if (entry / "figures").exists():
        for path in (entry / "figures").iterdir():
            shutil.copy2(path, stage / "figures" / task.lang / path.name)


def figure_names(path: Path) -> list[str]:
    """The figure ids an executed notebook shows, in order."""
    text = path.read_text(encoding="utf-8")
    return list(dict.fromkeys(FIGURE_ID.findall(text.replace('\\"', '"'))))


def verify(stage: Path, plan: Plan) -> None:
    """Every notebook executed without error, every figure exported, every report written in full."""
    for lang in plan.langs:
        for task in plan.tasks[lang]:
            if not task.output.exists():
                raise Incomplete(f"{task.notebook.name} [{lang}] has no executed notebook")
            nb = json.loads(task.output.read_text(encoding="utf-8"))  # plain JSON: nbformat is slow to import
            if nb["metadata"].get("papermill", {}).get("exception"):
                raise Incomplete(f"{task.notebook.name} [{lang}] did not finish")
            if any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", [])):
                raise Incomplete(f"{task.notebook.name} [{lang}] has an error output")
            for name in figure_names(task.output):
                for ext in ("svg", "png"):
                    path = stage / "figures" / lang / f"{name}.{ext}"
                    if not path.exists() or path.stat().st_size == 0:
                        raise Incomplete(f"figure {name}.{ext} [{lang}] is missing")
        n_figures = sum(len(figure_names(t.output)) for t in plan.tasks[lang])
        for fmt in plan.formats:
            path = stage / f"report.{lang}.{fmt}"
            if not path.exists() or path.stat().st_size == 0:
                raise Incomplete(f"{path.name} was not written")
            if fmt == "html":
                text = path.read_text(encoding="utf-8")
                if not text.rstrip().endswith("</html>") or len(FIGURE_ID.findall(text)) != n_figures:
                    raise Incomplete(f"{path.name} is truncated or lacks figures")
            elif not path.read_bytes().rstrip().endswith(b"%%EOF"):
                raise Incomplete(f"{path.name} is truncated")


def replace_dir(new: Path, target: Path) -> None:
    """Swap a directory into place; the old one is removed only after the new one is there."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        os.replace(target, old)
    shutil.move(str(new), str(target))
    shutil.rmtree(old, ignore_errors=True)


def publish(stage: Path, out: Path, figures: Path, langs: list[str]) -> None:
    """Move the verified stage into place; Ctrl-C waits until this short step is over."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for path in sorted(stage.glob("report.*")):
            os.replace(path, out / path.name)
        for lang in langs:
            replace_dir(stage / "figures" / lang, figures / lang)
            replace_dir(stage / "notebooks" / lang, out / "notebooks" / lang)
    finally:
        signal.signal(signal.SIGINT, previous)


# --- validation, once per data content -------------------------------------------------------


def validate_once(data: Path, cache_dir: Path | None) -> list:
    """Problems in the data; skipped when this exact data passed with this exact code before."""
    store = cachelib.Cache(cache_dir.resolve() if cache_dir else None)
    key = cachelib.digest("valid", cachelib.code_digest(), cachelib.tree_digest(data))
    if store.get("valid", key):
        return []
    from .data import use_cache, validated

    use_cache(store.root)  # the kernels and render workers then load this validation's result
    _, problems = validated(data)
    if not problems:
        store.mark("valid", key)
    return problems
