"""Notebook execution on warm kernels, still through papermill.

Starting a kernel and importing pandas, altair, pandera and the package costs seconds per notebook;
loading and validating the data costs more. Here each worker thread starts ONE kernel per build,
runs the imports and loads the data once (`WARM_UP`), and then executes its share of the notebooks
one after another on that kernel through `papermill.execute_notebook(..., engine_name=ENGINE)`.
Papermill still injects the parameters and writes the executed notebook; before each notebook the
kernel's namespace is reset (imported modules stay loaded), so no notebook sees another's variables.

Kernels are session leaders (jupyter_client starts them with start_new_session), so Ctrl-C in the
terminal does not reach them: `Pool.kill()` ends them, and ipykernel's parent poller ends them if
the build itself is killed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .tasks import NotebookFailed, Task

ENGINE = "stpolicy-warm"
KERNEL_START_ATTEMPTS = 3

# Run once per kernel: everything the notebooks import, the fonts, one chart conversion (vl-convert
# starts its JavaScript runtime on first use) and the data (load() memoises per data folder; with a build
# cache, the validation the build did is loaded from it rather than repeated).
WARM_UP = """
import stpolicy  # first: it keeps jsonschema's slow IRI grammars out (see stpolicy/__init__.py)
import logging, altair, pandas, matplotlib, vl_convert, jieba  # not seaborn (with scipy, 1.3 s): two sections use it
jieba.setLogLevel(logging.WARNING)
from stpolicy import analysis, charts, narrative, report, stats, views, vocabulary, fonts
from stpolicy.data import load, use_cache
fonts.use_in_vl_convert()
use_cache({cache_root!r})
_spec = {{"mark": "point", "data": {{"values": [{{"x": 1}}]}}, "encoding": {{"x": {{"field": "x"}}}}}}
vl_convert.vegalite_to_svg(_spec)
for _lang in {langs!r}:
    load({data_dir!r}, _lang, [])
"""

# Run (silently) before each notebook: a fresh namespace and history, the notebook's own folder.
RESET = "get_ipython().reset(new_session=True); __import__('os').chdir({cwd!r})"


@functools.cache
def engine_class() -> type:
    """Define and register the engine on first use.

    papermill loads the engines declared as entry points while it is itself being imported; a class
    defined at this module's top level would make `import stpolicy.engine` (which imports papermill)
    circular. Defined here, and reached through the module's __getattr__, it works in either order.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class FreshNamespaceClient(PapermillNotebookClient):
        """Papermill's client on a kernel it does not own: resets the namespace first, then runs the cells."""

        def __init__(self, nb_man, reset_code: str = "", **kwargs):
            super().__init__(nb_man, **kwargs)
            self.reset_code = reset_code

        def papermill_execute_cells(self):
            if self.reset_code:
                reply = self.wait_for_reply(self.kc.execute(self.reset_code, silent=True, store_history=False))
                if reply is None or reply["content"]["status"] != "ok":
                    raise RuntimeError("could not reset the kernel before the notebook")
            super().papermill_execute_cells()

    class WarmKernelEngine(NBClientEngine):
        """Papermill engine that executes on an already running kernel (`km=`), or cold without one."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, km=None, reset_code="", **kwargs):
            if km is None:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            client = FreshNamespaceClient(
                nb_man,
                km=km,
                reset_code=reset_code,
                kernel_name=kernel_name,
                timeout=kwargs.get("execution_timeout"),
                startup_timeout=kwargs.get("start_timeout", 60),
                log_output=kwargs.get("log_output", False),
            )
            try:
                return client.execute()
            finally:
                if client.kc is not None:  # the kernel stays up; its per-notebook client goes
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmKernelEngine)
    return WarmKernelEngine


def __getattr__(name: str):
    if name == "WarmKernelEngine":  # the papermill.engine entry point
        return engine_class()
    raise AttributeError(name)


@dataclass
class Kernel:
    """One warm kernel, owned by one worker thread (its asyncio loop lives in that thread)."""

    cwd: Path
    log: Path
    for_report: bool = True  # False: a notebook reader's kernel (tests), which shows the notebook-only outputs
    km: object = None
    pid: int | None = None

    def start(self, warm_up: str) -> None:
        """Start the kernel and run the warm-up code (imports, data) in it."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        from .notebook import REPORT_BUILD_ENV

        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            # Its connection file (ports, key) beside its log, in the build's stage: a kernel that is killed
            # does not remove it, and the stage goes with the build (or with the next one, after a kill -9).
            self.km = AsyncKernelManager(kernel_name="python3", connection_file=str(self.log.with_suffix(".json")))
            try:
                env = dict(os.environ)
                if self.for_report:  # it feeds the report: outputs for notebook readers (the font) are skipped
                    env[REPORT_BUILD_ENV] = "1"
                with open(self.log, "ab") as log:
                    run_sync(self.km.start_kernel)(cwd=str(self.cwd), stdout=log, stderr=log, env=env)
                self.pid = self.km.provisioner.process.pid
                run_sync(self._run)(warm_up)
                return
            except Exception:  # e.g. ZMQError: Address already in use when kernels race for ports
                self.stop()
                if attempt == KERNEL_START_ATTEMPTS:
                    raise
                time.sleep(0.5 * attempt)

    async def _run(self, code: str) -> None:
        kc = self.km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            reply = await kc.execute_interactive(code, store_history=False, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"kernel warm-up failed: {reply['content'].get('ename')}")
        finally:
            kc.stop_channels()

    def execute(self, task: Task, cwd: Path | None = None) -> None:
        """Run one task's notebook on this warm kernel with papermill, in `cwd` (default: the notebook's
        folder); raises NotebookFailed."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        engine_class()  # registered with papermill
        try:
            papermill.execute_notebook(
                str(task.notebook),
                str(task.output),
                parameters=task.parameters,
                engine_name=ENGINE,
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                km=self.km,
                reset_code=RESET.format(cwd=str(cwd or task.notebook.parent)),
            )
        except PapermillExecutionError as err:
            raise NotebookFailed(task, f"{err.ename}: {err.evalue}".splitlines()[0]) from None
        except Exception as err:
            raise NotebookFailed(task, f"{type(err).__name__}: {err}".splitlines()[0]) from None

    def stop(self) -> None:
        """Shut the kernel down politely; kill() is the fallback."""
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):  # already dead, or never started: kill() below makes sure
            run_sync(self.km.shutdown_kernel)(now=True)
        self.kill()
        self.km = None

    def kill(self) -> None:
        """End the kernel's whole session at once; safe from any thread and when it is already gone."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)


@dataclass
class Pool:
    """Worker threads, each with one warm kernel, executing tasks from a shared queue.

    `events()` yields ("done", task) as notebooks finish and raises NotebookFailed on the first
    failure; `kill()` ends every kernel at once (on Ctrl-C, or after a failure).
    """

    tasks: list[Task]
    workers: int
    warm_up: str
    log_dir: Path
    pid_file: Path | None = None
    kernels: list[Kernel] = field(default_factory=list)

    def __post_init__(self):
        self._todo: queue.Queue = queue.Queue()
        self._events: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        for task in self.tasks:
            self._todo.put(task)
        n = max(1, min(self.workers, len(self.tasks)))
        cwd = self.tasks[0].notebook.parent if self.tasks else Path.cwd()
        self.kernels = [Kernel(cwd, self.log_dir / f"kernel-{i}.log") for i in range(n)]
        self._threads = [
            threading.Thread(target=self._work, args=(k,), daemon=True, name=f"kernel-{i}")
            for i, k in enumerate(self.kernels)
        ]

    def _work(self, kernel: Kernel) -> None:
        try:
            kernel.start(self.warm_up)
            self._record_pids()
            while not self._stop.is_set():
                try:
                    task = self._todo.get_nowait()
                except queue.Empty:
                    break
                kernel.execute(task)
                self._events.put(("done", task))
        except NotebookFailed as failed:
            self._events.put(("failed", failed))
        except Exception as err:  # the kernel could not start or warm up
            self._events.put(("failed", NotebookFailed(None, f"{type(err).__name__}: {err}".splitlines()[0])))
        finally:
            if not self._stop.is_set():
                kernel.stop()
            self._events.put(("exit", kernel))

    def _record_pids(self) -> None:
        """Kernel ids on disk, so that a build killed with -9 can be cleaned up after by the next one."""
        if self.pid_file is not None:
            pids = [str(k.pid) for k in self.kernels if k.pid]
            self.pid_file.write_text("\n".join(pids), encoding="utf-8")

    def events(self):
        """Start the workers and yield each finished task (or failure) as it comes."""
        for thread in self._threads:
            thread.start()
        running = len(self._threads)
        while running:
            try:
                kind, item = self._events.get(timeout=0.2)  # short waits keep Ctrl-C responsive
            except queue.Empty:
                continue
            if kind == "exit":
                running -= 1
            elif kind == "failed":
                self.kill()
                raise item
            else:
                yield item

    def kill(self) -> None:
        """Stop the workers and kill every kernel at once."""
        self._stop.set()
        for kernel in self.kernels:
            kernel.kill()
        for thread in self._threads:
            thread.join(timeout=5)
