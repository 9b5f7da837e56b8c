"""Open a report in Debian's headless Chromium with the network off, via Playwright."""

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


def open_offline(path: Path, wait_ms: int = 3000) -> dict:
    """Load a file:// page offline; return its text, console errors, outside requests and chart state."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
        page = context.new_page()
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.resolve().as_uri())
        # vega-embed marks its container once it has drawn the chart in place of the no-script note.
        page.wait_for_function(
            "document.querySelectorAll('.vega-chart').length === "
            "document.querySelectorAll('.vega-chart.vega-embed svg.marks, .vega-chart.vega-embed canvas').length",
            timeout=15000,
        )
        page.wait_for_timeout(300)
        state = page.evaluate("""() => ({
            charts: document.querySelectorAll('.vega-chart').length,
            drawn: Array.from(document.querySelectorAll('.vega-chart.vega-embed'))
                .filter(e => e.querySelectorAll('svg.marks, canvas').length === 1).length,
            marks: Array.from(document.querySelectorAll('.vega-chart svg.marks'))
                .map(s => s.querySelectorAll('path, rect, text, line').length),
            figures: document.querySelectorAll('figure.report-figure').length,
            text: document.body.innerText,
        })""")
        browser.close()
    state["errors"] = errors
    state["outside_requests"] = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
    return state
