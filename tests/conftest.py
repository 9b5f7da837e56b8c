import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def build(*args, cwd=ROOT):
    """build_report.py in a subprocess (as a user runs it)."""
    return subprocess.run([sys.executable, "build_report.py", *map(str, args)], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One build cache for the whole session: later builds reuse notebooks that an earlier one executed."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def built(tmp_path_factory, cache_dir) -> Path:
    """The full report (both languages, HTML and PDF), built once per session into a temporary folder."""
    out = tmp_path_factory.mktemp("build")
    result = build("--out", out / "report", "--figures", out / "figures", "--cache-dir", cache_dir)
    assert result.returncode == 0, result.stderr
    return out


def few_notebooks(folder: Path, *names: str) -> Path:
    """A notebooks folder with only some of the report's notebooks (small builds for build tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(next((ROOT / "notebooks").glob(f"{name}*.ipynb")), folder)
    return folder


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict], fieldnames=None) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames or list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(path: Path, key: str, key_value: str, column: str, value: str) -> int:
    """Change one cell; returns the file line of the changed row (header is line 1)."""
    rows = read_rows(path)
    index = next(i for i, r in enumerate(rows) if r[key] == key_value)
    rows[index][column] = value
    write_rows(path, rows)
    return index + 2
