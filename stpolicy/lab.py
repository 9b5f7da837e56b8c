"""`make lab`: JupyterLab on a private working copy of the notebooks, the workshop and the data.

Participants save, break and change things in WORKDIR (git-ignored), never in the repository: the
report's notebooks stay clean and `make test` / `make report` are unaffected. JupyterLab runs
offline (no news feed, no update check, no extension manager), listens on 127.0.0.1 only, and shows
Chinese with the project's own font (custom.css), so nothing has to be installed system-wide.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import fonts

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "workspace"
COPIED = ("notebooks", "workshop", "data")
# CJK ranges only: Latin text keeps JupyterLab's own fonts, Chinese falls through to this face first.
CJK_RANGES = "U+2E80-2FFF, U+3000-303F, U+3040-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF, U+20000-2FFFF"
CUSTOM_CSS = """/* Written by `make lab`: the project's CJK font for the whole JupyterLab page. */
@font-face {{
  font-family: '{family}';
  src: url('{font_file}') format('opentype');
  unicode-range: {ranges};
}}
body::after {{  /* load the face with the page, before the first chart measures its labels */
  content: '字'; font-family: '{family}'; position: absolute; visibility: hidden;
}}
/* chart tooltips */
body #vg-tooltip-element, body #vg-tooltip-element td {{ font-family: '{family}', system-ui, sans-serif; }}
:root:root {{  /* doubled: wins over the theme's own :root, which loads later */
  --jp-ui-font-family: '{family}', system-ui, -apple-system, 'Segoe UI', helvetica, arial, sans-serif;
  --jp-content-font-family: '{family}', system-ui, -apple-system, 'Segoe UI', helvetica, arial, sans-serif;
  --jp-code-font-family: '{family}', menlo, consolas, 'DejaVu Sans Mono', monospace;
}}
"""


def copy_missing(source: Path, target: Path) -> int:
    """Copy files that are not in `target` yet; a participant's saved work is never overwritten."""
    copied = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or ".ipynb_checkpoints" in relative.parts or "__pycache__" in relative.parts:
            continue
        destination = target / relative
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            copied += 1
    return copied


def prepare(workdir: Path, reset: bool = False) -> Path:
    """Fill `workdir` with copies of notebooks/, workshop/ and data/, and JupyterLab's config."""
    if reset and workdir.exists():
        shutil.rmtree(workdir)
    for name in COPIED:
        if (ROOT / name).is_dir():
            copy_missing(ROOT / name, workdir / name)
    custom = workdir / ".jupyter" / "custom"
    custom.mkdir(parents=True, exist_ok=True)
    if not (custom / fonts.FONT_FILE.name).exists():
        shutil.copy2(fonts.FONT_FILE, custom / fonts.FONT_FILE.name)
    # No announcements: neither the feed nor the "get notified about news?" question.
    (workdir / ".jupyter" / "jupyter_lab_config.json").write_text(
        json.dumps({"LabApp": {"news_url": None}}, indent=1), encoding="utf-8"
    )
    (workdir / ".jupyter" / "labconfig").mkdir(exist_ok=True)
    (workdir / ".jupyter" / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}, indent=1),
        encoding="utf-8",
    )
    (custom / "custom.css").write_text(
        CUSTOM_CSS.format(family=fonts.FAMILY, font_file=fonts.FONT_FILE.name, ranges=CJK_RANGES), encoding="utf-8"
    )
    return workdir


def command(workdir: Path, port: int, browser: bool, extra: list[str]) -> list[str]:
    """The JupyterLab command line for the working folder (offline, on 127.0.0.1)."""
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={workdir}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--ServerApp.open_browser={browser}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # no PyPI queries
        "--LabApp.custom_css=True",  # .jupyter/custom/custom.css: the CJK font
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),  # containers run as root
        *extra,
    ]


def environment(workdir: Path) -> dict:
    """Jupyter's config and settings live in the working copy; kernels import this checkout's stpolicy."""
    env = dict(os.environ)
    config = workdir / ".jupyter"
    env.update(
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTERLAB_SETTINGS_DIR=str(config / "lab" / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(config / "lab" / "workspaces"),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    return env


def main(argv: list[str] | None = None) -> int:
    """Run `make lab`; returns the exit code."""
    p = argparse.ArgumentParser(
        prog="make lab",
        description="Copy notebooks/, workshop/ and data/ into a git-ignored working folder and start JupyterLab "
        "there (offline, on 127.0.0.1). Existing files in the folder are kept; --reset starts afresh.",
    )
    p.add_argument("--dir", type=Path, default=WORKDIR, help="working folder (default: workspace/)")
    p.add_argument("--reset", action="store_true", help="delete the working folder first (your changes are lost)")
    p.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--prepare-only", action="store_true", help="only fill the working folder")
    args, extra = p.parse_known_args(argv)
    workdir = prepare(args.dir.resolve(), args.reset)
    print(f"working copy: {workdir} (saves go here; the repository's notebooks are untouched)", file=sys.stderr)
    if args.prepare_only:
        return 0
    try:
        return subprocess.call(command(workdir, args.port, not args.no_browser, extra), env=environment(workdir))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
