"""The build: execute the notebooks with papermill (in parallel), merge each language's
notebooks into one document, render HTML (and PDF) through the project template, and publish
atomically: outputs are written to OUT/.build/ and moved into place only when all succeeded."""

from __future__ import annotations

import concurrent.futures as futures
import copy
import datetime as dt
import multiprocessing
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import __version__, fonts
from .i18n import join, t
from .notebook import NOTEBOOK_ONLY, REPORT_BUILD_ENV
from .report import STATIC_KEY

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
KERNEL_START_ATTEMPTS = 3
STAGE = ".build"


@dataclass(frozen=True)
class Task:
    notebook: Path
    lang: str
    output: Path
    parameters: dict


class NotebookFailed(Exception):
    """Raised in a worker process; its args must survive pickling back to the parent."""

    def __init__(self, task: Task, cause: str):
        super().__init__(task, cause)
        self.task, self.cause = task, cause


def notebooks(folder: Path | None = None) -> list[Path]:
    return sorted((folder or NOTEBOOKS).resolve().glob("[0-9][0-9]_*.ipynb"))


def execute(task: Task) -> Path:
    """Run one notebook; retry when the kernel fails to start (parallel kernels can race for ports)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    # Kernel start-up chatter goes to a log beside the executed notebook, not the console.
    log = os.open(task.output.with_suffix(".log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 2)
    os.environ[REPORT_BUILD_ENV] = "1"  # the kernel inherits it: no font output for notebook readers
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            papermill.execute_notebook(
                str(task.notebook),
                str(task.output),
                parameters=task.parameters,
                kernel_name="python3",
                progress_bar=False,
                cwd=str(task.notebook.parent),
                log_output=False,
            )
            return task.output
        except PapermillExecutionError as err:
            raise NotebookFailed(task, f"{err.ename}: {err.evalue}".splitlines()[0]) from None
        except Exception as err:  # kernel start-up problems (e.g. ZMQError: Address already in use)
            if attempt == KERNEL_START_ATTEMPTS:
                raise NotebookFailed(task, f"{type(err).__name__}: {err}".splitlines()[0]) from None
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def run_all(tasks: list[Task], jobs: int) -> None:
    from tqdm import tqdm

    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        pending = {pool.submit(execute, task): task for task in tasks}
        with tqdm(total=len(tasks), desc="notebooks", unit="nb", file=sys.stderr, disable=None) as bar:
            for done in futures.as_completed(pending):
                bar.set_postfix_str(f"{pending[done].notebook.stem} [{pending[done].lang}]")
                bar.update()
                done.result()  # re-raises NotebookFailed


# --- merging and rendering ------------------------------------------------------------------

LABEL = re.compile(r'<span class="label" data-label="(figure|table)"></span>')
HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>')


def merge(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook of all sections in order, without stderr noise, outputs meant for notebook readers
    only (stpolicy.notebook) or empty code cells."""
    merged = nbformat.v4.new_notebook()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        merged.metadata = merged.metadata or nb.metadata
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [
                    o
                    for o in cell.outputs
                    if not (o.output_type == "stream" and o.name == "stderr")
                    and not o.get("metadata", {}).get(NOTEBOOK_ONLY)
                ]
                if not cell.outputs:
                    continue
            merged.cells.append(cell)
    return merged


def html_outputs(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                yield output


def fill_labels(html_text: str, counts: dict[str, int], lang: str) -> str:
    """Replace each empty caption label with the next 'Figure N.' / '表N', counting in `counts`."""

    def fill(match: re.Match) -> str:
        kind = match.group(1)
        counts[kind] += 1
        text = f"{t(kind, lang)}{counts[kind]}" if lang == "zh" else f"{t(kind, lang)} {counts[kind]}."
        return f'<span class="label" data-label="{kind}">{text}</span>'

    return LABEL.sub(fill, html_text)


def number_labels(nb: nbformat.NotebookNode, lang: str) -> dict[str, int]:
    """Number figures and tables in document order; a static twin gets its interactive twin's numbers."""
    counts = {"figure": 0, "table": 0}
    for output in html_outputs(nb):
        before = dict(counts)
        output.data["text/html"] = fill_labels(output.data["text/html"], counts, lang)
        static = output.get("metadata", {}).get(STATIC_KEY)
        if static:
            output.metadata[STATIC_KEY] = fill_labels(static, before, lang)
    return counts


def table_of_contents(nb: nbformat.NotebookNode) -> list[dict]:
    toc = []
    for output in html_outputs(nb):
        toc += [
            {"level": int(level), "id": ident, "text": re.sub(r"<[^>]+>", "", text)}
            for level, ident, text in HEADING.findall(output.data["text/html"])
        ]
    return toc


def static_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The same document with each interactive chart replaced by its static SVG twin (for print)."""
    nb = copy.deepcopy(nb)
    for output in html_outputs(nb):
        static = output.get("metadata", {}).get(STATIC_KEY)
        if static:
            output.data["text/html"] = static
    return nb


def report_resources(ds_meta: dict, lang: str, mode: str, toc: list[dict]) -> dict:
    css = (TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    if mode == "print":
        css += (TEMPLATES / "report" / "print.css").read_text(encoding="utf-8")
    css = css.replace("var(--font-stack)", fonts.css_stack(lang))
    return {
        "html_lang": "zh-Hans" if lang == "zh" else "en",
        "version": __version__,
        "mode": f"{mode} {lang}",
        "title": t("report_title", lang, districts=ds_meta["district_list"]),
        "kicker": ds_meta["kicker"],
        "subtitle": t("report_subtitle", lang, n_docs=ds_meta["n_docs"]),
        "documents": ds_meta["documents"],
        "built": t("built_on", lang, date=dt.date.today().isoformat()),
        "toc_title": t("toc", lang),
        "toc": toc,
        "css": css,
        "font_face": "/*FONT-FACE*/",
        "vega_bundle": None,
        "chart_loader": (TEMPLATES / "report" / "charts.js").read_text(encoding="utf-8"),
    }


def document_meta(data_dir: Path, lang: str, districts: list[str]) -> dict:
    from .data import load

    ds = load(data_dir, lang, districts)
    names = list(ds.district_names().values())
    docs = [
        t(
            "doc_cite",
            lang,
            district=ds.district_name(d.district_id),
            title_en=d.doc_title_en,
            title_zh=d.doc_title_zh,
            date=d.doc_date,
        )
        for _, d in ds.districts.iterrows()
    ]
    cities = sorted(set(ds.districts[f"province_{lang}"]))
    return {"district_list": join(names, lang), "n_docs": len(docs), "documents": docs, "kicker": join(cities, lang)}


def render_html(nb: nbformat.NotebookNode, resources: dict, vega_bundle: str | None) -> str:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"workshop-note"}), enabled=True)
    resources = dict(resources, vega_bundle=vega_bundle)
    body, _ = exporter.from_notebook_node(nb, resources={"report": resources})
    return body


def with_font(html_text: str, face: str) -> str:
    return html_text.replace("/*FONT-FACE*/", face, 1)


def render(nb: nbformat.NotebookNode, meta: dict, lang: str, formats: list[str], stage: Path) -> dict[str, Path]:
    import vl_convert

    counts = number_labels(nb, lang)
    toc = table_of_contents(nb)
    written = {}
    if "html" in formats:
        bundle = vl_convert.javascript_bundle()
        page = render_html(nb, report_resources(meta, lang, "screen", toc), bundle)
        bundle_free = page.replace(bundle, "")  # the font subset needs only the report's own characters
        path = stage / f"report.{lang}.html"
        path.write_text(with_font(page, fonts.embedded_font_face(bundle_free, lang)), encoding="utf-8")
        written["html"] = path
    if "pdf" in formats:
        from weasyprint import HTML

        page = with_font(
            render_html(static_version(nb), report_resources(meta, lang, "print", toc), None),
            fonts.file_font_face(lang),
        )
        path = stage / f"report.{lang}.pdf"
        HTML(string=page, base_url=str(stage)).write_pdf(path)
        written["pdf"] = path
    written["counts"] = counts
    return written


# --- publishing -------------------------------------------------------------------------------


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
    for path in sorted(stage.glob("report.*")):
        os.replace(path, out / path.name)
    for lang in langs:
        replace_dir(stage / "figures" / lang, figures / lang)
        replace_dir(stage / "notebooks" / lang, out / "notebooks" / lang)
    shutil.rmtree(stage, ignore_errors=True)


def build(args) -> int:
    data, out, figures = args.data.resolve(), args.out.resolve(), args.figures.resolve()
    stage = out / STAGE
    shutil.rmtree(stage, ignore_errors=True)
    started = time.perf_counter()
    if not notebooks(args.notebooks):
        print(f"error: no NN_name.ipynb notebooks in {args.notebooks or NOTEBOOKS}", file=sys.stderr)
        return 1
    tasks = []
    for lang in args.lang:
        (stage / "notebooks" / lang).mkdir(parents=True)
        (stage / "figures" / lang).mkdir(parents=True)
        tasks += [
            Task(
                nb,
                lang,
                stage / "notebooks" / lang / nb.name,
                {"data_dir": str(data), "districts": [], "lang": lang, "figures_dir": str(stage / "figures")},
            )
            for nb in notebooks(args.notebooks)
        ]
    print(
        f"executing {len(tasks)} notebooks ({len(args.lang)} language(s)) with {args.jobs} job(s)...", file=sys.stderr
    )
    try:
        run_all(tasks, args.jobs)
    except NotebookFailed as failed:
        print(f"error: {failed.task.notebook.name} [{failed.task.lang}] failed: {failed.cause}", file=sys.stderr)
        print(f"  executed notebook: {failed.task.output}", file=sys.stderr)
        print("  the previous report and figures were left unchanged.", file=sys.stderr)
        return 1
    results = {}
    try:
        for lang in args.lang:
            print(f"rendering {lang}: {', '.join(args.formats)}...", file=sys.stderr)
            merged = merge([stage / "notebooks" / lang / nb.name for nb in notebooks(args.notebooks)])
            results[lang] = render(merged, document_meta(data, lang, []), lang, args.formats, stage)
    except Exception as err:  # a rendering bug must not clobber the last good report either
        print(
            f"error: rendering the {lang} report failed: {type(err).__name__}: {err}".splitlines()[0], file=sys.stderr
        )
        print(f"  executed notebooks: {stage / 'notebooks' / lang}", file=sys.stderr)
        return 1
    publish(stage, out, figures, args.lang)
    elapsed = time.perf_counter() - started
    for lang, written in results.items():
        for fmt in args.formats:
            path = out / written[fmt].name
            print(
                f"{path}  {path.stat().st_size / 1e6:.2f} MB  ({written['counts']['figure']} figures, "
                f"{written['counts']['table']} tables)"
            )
    print(f"built in {elapsed:.1f} s")
    return 0
