"""A notebook to execute, and its failure: shared by the engine and the pipeline (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Task:
    notebook: Path
    lang: str
    output: Path
    parameters: dict
    key: str = ""  # cache key (stpolicy.cache), carried along for the caller


class NotebookFailed(Exception):
    """A notebook raised (task set) or a kernel could not start (task None)."""

    def __init__(self, task: Task | None, cause: str):
        super().__init__(task, cause)
        self.task, self.cause = task, cause
