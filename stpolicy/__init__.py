"""Shared logic of the district S&T policy report: data loading and validation, analysis,
charts, narrative and the build. Notebooks and build_report.py only call into this package."""

import sys

# jupyterlab pulls in rfc3987-syntax; jsonschema (under nbformat, papermill, altair) then compiles its
# ~40 grammars on import: about 2.5 s of CPU in every process (build, kernels, render workers, test
# workers). Nothing here checks the IRI formats it serves, so a process that imports this package first
# goes without it (jsonschema skips the formats whose checker it cannot import).
sys.modules.setdefault("rfc3987_syntax", None)

__version__ = "0.1.0"
