"""Shared logic of the district S&T policy report: data loading and validation, analysis,
charts, narrative and the build. Notebooks and build_report.py only call into this package."""

__version__ = "0.1.0"
