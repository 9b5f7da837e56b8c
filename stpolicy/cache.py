"""Content-addressed build cache: an executed notebook (with the figures it wrote) and a rendered report
are reused when everything they depend on is byte-for-byte the same.

A notebook's key hashes the notebook file, its parameters (minus the staging paths), the data
folder's content, the package's code and templates, and the versions of the libraries that shape
the output. A report's key hashes its notebooks' keys and the formats. Entries are written to a
temporary folder and renamed into place, so a killed build never leaves a half-written entry; the
whole cache folder is safe to delete at any time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
LIBRARIES = ("altair", "vl-convert-python", "pandas", "pandera", "nbconvert", "papermill", "weasyprint", "jieba")


def digest(*parts) -> str:
    """A SHA-256 hex digest of the parts (bytes as they are, anything else as sorted JSON)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


def tree_digest(folder: Path, skip=("__pycache__",)) -> str:
    """Hash of every file's relative path and bytes under folder."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part in skip for part in path.parts):
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@functools.cache  # the code does not change during a build
def code_digest(templates: bool = True) -> str:
    """The package's code, strings and (unless `templates` is False) the report templates, and the versions
    of the libraries that shape the output. Executed notebooks do not depend on the templates (CSS, the page
    scripts), so a change there re-renders the report without re-running a notebook."""
    versions = []
    for lib in LIBRARIES:
        try:
            versions.append(f"{lib}=={metadata.version(lib)}")
        except metadata.PackageNotFoundError:
            versions.append(lib)
    skip = ("__pycache__",) if templates else ("__pycache__", "templates")
    return digest(tree_digest(PACKAGE, skip), versions)


def notebook_key(code: str, data: str, notebook: Path, lang: str, parameters: dict) -> str:
    """The cache key of one executed notebook: package code, data, notebook, language, stable parameters."""
    stable = {k: v for k, v in parameters.items() if k not in ("data_dir", "figures_dir")}  # staging paths vary
    return digest("notebook", code, data, notebook.read_bytes(), lang, stable)


def report_key(code: str, lang: str, fmt: str, notebook_keys: list[str]) -> str:
    """The cache key of one rendered report: package code, language, format, its notebooks' keys."""
    return digest("report", code, lang, fmt, notebook_keys)


class Cache:
    """Entries are folders named by key under root/KIND/; `None` root disables the cache (--no-cache)."""

    def __init__(self, root: Path | None):
        self.root = root

    def get(self, kind: str, key: str) -> Path | None:
        """The complete cache entry of this kind and key, or None."""
        if self.root is None:
            return None
        entry = self.root / kind / key
        return entry if (entry / ".complete").exists() else None

    def put(self, kind: str, key: str, files: dict[str, Path]) -> None:
        """Store files (name in the entry → source path) as one entry, atomically."""
        if self.root is None:
            return
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
        try:
            for name, source in files.items():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, tmp / name)
            (tmp / ".complete").touch()
            os.replace(tmp, folder / key)
        except OSError:  # another build stored the same entry first: theirs is as good
            pass
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def memo(self, kind: str, parts: list, compute) -> bytes:
        """compute()'s bytes, stored under a key made of `parts` (with the package's code): rendering pieces
        such as font subsets, which many builds need unchanged. Without a cache root it just computes."""
        key = digest(kind, code_digest(), *parts)
        entry = self.get(kind, key)
        if entry:
            return (entry / "value").read_bytes()
        value = compute()
        if self.root is not None:
            self.root.mkdir(parents=True, exist_ok=True)  # a first build may store this before anything else
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".tmp-", delete=False) as f:
                f.write(value)
            try:
                self.put(kind, key, {"value": Path(f.name)})
            finally:
                os.unlink(f.name)
        return value

    def mark(self, kind: str, key: str) -> None:
        """An empty entry that records a fact (e.g. the data with this key passed validation)."""
        self.put(kind, key, {})

    def clean_partial(self, age: float = 3600) -> None:
        """Temporary folders left by a killed build (old ones only: another build may be writing one now)."""
        if self.root is not None and self.root.exists():
            for tmp in self.root.glob("*/.tmp-*"):
                if time.time() - tmp.stat().st_mtime > age:
                    shutil.rmtree(tmp, ignore_errors=True)
