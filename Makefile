# Self-documenting: `make help` lists the targets.
PY := .venv/bin/python

.PHONY: help install report check test test-fast bench lab clean
help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install:  ## install Debian packages and the Python environment (.venv)
	@bash scripts/install.sh

report: install  ## validate the data and build report/report.{en,zh}.{html,pdf}
	$(PY) build_report.py

check: install  ## validate the data only
	$(PY) build_report.py --check

test: install  ## run the whole test suite
	$(PY) -m pytest

test-fast: install  ## the inner loop: every test except those marked slow (full builds)
	$(PY) -m pytest -m "not slow"

bench: install  ## time cold, unchanged and edited builds against the naive route (medians, ratios)
	$(PY) scripts/benchmark.py

lab: install  ## JupyterLab (offline, 127.0.0.1) on a git-ignored working copy in workspace/
	$(PY) -m stpolicy.lab $(LAB_ARGS)

clean:  ## remove built outputs and the build cache (report/, figures/, .cache/)
	rm -rf report figures/en figures/zh .cache
