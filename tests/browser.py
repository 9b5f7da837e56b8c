"""Open a report in Debian's headless Chromium with the network off, via Playwright."""

import atexit
import functools
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium():
    """In CI a missing browser is a failure; elsewhere the browser tests are skipped."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/install.sh installs it)")
        pytest.skip("chromium is not installed")


@functools.cache
def browser():
    """One headless Chromium per test process (launching one costs about a second of CPU); each page gets a
    context of its own (offline, its viewport and colour scheme), so tests share no state."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    atexit.register(playwright.stop)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def offline_page(path: Path, width: int, scheme: str = "light", timeout: int = 30000):
    """A new offline page of `path` at this width and scheme, once every chart is drawn; returns it with the
    lists its errors and the URLs it requested go to. Close it with page.context.close()."""
    page = browser().new_context(offline=True, viewport={"width": width, "height": 900}, color_scheme=scheme).new_page()
    errors, requests = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    # charts.js marks a chart `data-drawn` once it is drawn at its final width (a chart too wide for its
    # column is drawn again, narrower): no fixed wait, and no reading a chart between two drawings.
    page.wait_for_function(
        "document.querySelectorAll('.vega-chart:not([data-drawn])').length === 0",
        timeout=timeout,
    )
    return page, errors, requests


@functools.cache
def reader_page(path: Path, width: int = 1280, scheme: str = "light"):
    """A report loaded once per test process and kept open, for tests that only read it (loading a full report
    and drawing its charts costs Chromium about 2 CPU-s): (page, errors, outside requests). Tests that click,
    scroll or resize open their own page. Mark the readers `reader_page`: that keeps them on one xdist worker."""
    return offline_page(path, width, scheme)


def page_state(page, errors: list, requests: list) -> dict:
    """A loaded page's text, console errors, outside requests and chart state."""
    state = page.evaluate("""() => ({
        charts: document.querySelectorAll('.vega-chart').length,
        drawn: Array.from(document.querySelectorAll('.vega-chart.vega-embed'))
            .filter(e => e.querySelectorAll('svg.marks, canvas').length === 1).length,
        marks: Array.from(document.querySelectorAll('.vega-chart svg.marks'))
            .map(s => s.querySelectorAll('path, rect, text, line').length),
        figures: document.querySelectorAll('figure.report-figure').length,
        text: document.body.innerText,
    })""")
    state["errors"] = list(errors)
    state["outside_requests"] = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
    return state


def open_offline(path: Path) -> dict:
    """Load a file:// page offline in a page of its own; return page_state()."""
    page, errors, requests = offline_page(path, 1200, timeout=15000)
    state = page_state(page, errors, requests)
    page.context.close()
    return state
