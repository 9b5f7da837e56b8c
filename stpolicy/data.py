"""The validated dataset, typed and ready for analysis, with labels in the report language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .tables import DataError, decode_utf8
from .validate import validate

LANGUAGES = ("en", "zh")


@dataclass
class Dataset:
    data_dir: Path
    lang: str
    tables: dict[str, pd.DataFrame]
    sources: dict[str, str]

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.__dict__["tables"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def district_ids(self) -> list[str]:
        return self.tables["districts"]["district_id"].tolist()

    def district_name(self, district_id: str) -> str:
        row = self.districts.set_index("district_id").loc[district_id]
        return row[f"name_{self.lang}"]

    def district_names(self) -> dict[str, str]:
        return {d: self.district_name(d) for d in self.district_ids}

    def vocab(self, vocabulary: str) -> pd.DataFrame:
        """Codes of a vocabulary in display order (children grouped under their parent's order)."""
        v = self.vocabularies
        rows = v[v["vocabulary"] == vocabulary]
        parent_rank = v.drop_duplicates("code").set_index("code")["sort_order"]
        rank = rows["parent"].map(parent_rank).fillna(0)
        return rows.assign(_rank=rank).sort_values(["_rank", "sort_order"]).drop(columns="_rank").set_index("code")

    def label(self, vocabulary: str, code: str) -> str:
        return self.vocab(vocabulary).at[code, f"label_{self.lang}"]

    def labels(self, vocabulary: str) -> dict[str, str]:
        return self.vocab(vocabulary)[f"label_{self.lang}"].to_dict()

    def order(self, vocabulary: str) -> list[str]:
        return self.vocab(vocabulary).index.tolist()

    def text(self, row: pd.Series, stem: str) -> str:
        """row[stem_en] or row[stem_zh], by report language."""
        return row[f"{stem}_{self.lang}"]


def typed(frame: pd.DataFrame, meta: dict) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).copy()
    for column, spec in meta["columns"].items():
        if spec["type"] == "number":
            frame[column] = pd.to_numeric(frame[column])
        elif spec["type"] == "integer":
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    return frame


def derive_defaults(tables: dict[str, pd.DataFrame]) -> None:
    """Turn the true/false columns into booleans. (Validation has already filled the optional
    columns added after the original interface with their sidecar defaults: stpolicy.defaults.)"""
    for name in ("tool_codes", "second_coding"):
        tables[name]["in_scope"] = tables[name]["in_scope"] == "true"
    tables["indicators"]["aspirational"] = tables["indicators"]["aspirational"] == "true"


def stamp(data_dir: Path) -> tuple:
    """Name, size and modification time of every file under data_dir: changes when the data does."""
    return tuple(
        (str(p), s.st_size, s.st_mtime_ns) for p in sorted(data_dir.rglob("*")) if (s := p.stat()) and p.is_file()
    )


_validated: dict[tuple, tuple] = {}


def validated(data_dir: Path) -> tuple:
    """validate(data_dir), memoised while the files are unchanged: a warm kernel validates once per build."""
    key = (str(data_dir.resolve()), stamp(data_dir))
    if key not in _validated:
        _validated.clear()
        _validated[key] = validate(data_dir)
    return _validated[key]


def load(data_dir: str | Path, lang: str = "en", districts: list[str] | None = None) -> Dataset:
    """Validate and load the data; restrict to `districts` (all when empty). Raises DataError."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, not {lang!r}")
    raw, problems = validated(Path(data_dir))
    if problems:
        raise DataError(problems)
    tables = {name: typed(t.frame, t.meta) for name, t in raw.items()}
    derive_defaults(tables)
    known = tables["districts"]["district_id"].tolist()
    keep = list(districts) if districts else known
    unknown = [d for d in keep if d not in known]
    if unknown:
        raise ValueError(f"unknown district(s) {unknown}; districts.csv has {known}")
    for name, frame in tables.items():
        if "district_id" in frame:
            tables[name] = frame[frame["district_id"].isin(keep)].reset_index(drop=True)
    tables["districts"] = tables["districts"].set_index("district_id").loc[keep].reset_index()
    comp = tables["comparability"]
    ids = set(tables["indicators"]["indicator_id"])
    tables["comparability"] = comp[comp["left_indicator_id"].isin(ids) & comp["right_indicator_id"].isin(ids)]
    sources = {  # decoded as validation read them (no BOM, LF line ends)
        d: decode_utf8(Path(data_dir) / f, f)[0]
        for d, f in zip(tables["districts"]["district_id"], tables["districts"]["source_file"], strict=True)
    }
    return Dataset(Path(data_dir), lang, tables, sources)
