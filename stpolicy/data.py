"""The validated dataset, typed and ready for analysis, with labels in the report language."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .i18n import data_column, locale, t
from .tables import DataError, decode_utf8
from .validate import validate

MANY_DISTRICTS = 6  # above this many districts, charts switch to designs that scale (stpolicy.charts)
LISTED_DISTRICTS = MANY_DISTRICTS  # districts whose rows the appendix listings show when there are more


@dataclass
class Dataset:
    """The validated tables (typed), the source texts, and the report language."""

    data_dir: Path
    lang: str
    tables: dict[str, pd.DataFrame]
    sources: dict[str, str]
    # vocab() results per vocabulary, with the vocabularies table they came from (a copy of the Dataset
    # may share it: a result is used only while that table is still the Dataset's)
    vocab_memo: dict = field(default_factory=dict, repr=False, compare=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        """A table by name: ds.indicators, ds.measures, ..."""
        try:
            return self.__dict__["tables"][name]
        except KeyError:
            raise AttributeError(name) from None

    def listed(self) -> Dataset:
        """The dataset that row-by-row listings show: every district, or the first LISTED_DISTRICTS of many
        (a listing of fifty districts' rows is no longer read; the data downloads hold every row)."""
        ids = self.district_ids
        if len(ids) <= LISTED_DISTRICTS:
            return self
        keep = ids[:LISTED_DISTRICTS]
        return replace(self, tables=selected(self.tables, keep), sources={d: self.sources[d] for d in keep})

    @property
    def district_ids(self) -> list[str]:
        """The selected districts' ids, in districts.csv order."""
        return self.tables["districts"]["district_id"].tolist()

    def field(self, stem: str) -> str:
        """The data column to show in the report language: field("name") → "name_en" / "name_zh"."""
        return data_column(stem, self.lang)

    def col(self, key: str, **fields) -> str:
        """A column title in the report language (strings.yml `columns.<key>`)."""
        return t(f"columns.{key}", self.lang, **fields)

    def district_name(self, district_id: str) -> str:
        """The district's name in the report language."""
        return self.district_names()[district_id]

    def district_names(self) -> dict[str, str]:
        """district_id → name in the report language, in districts.csv order."""
        return dict(zip(self.districts["district_id"], self.districts[self.field("name")], strict=True))

    def map_districts(self, ids: pd.Series) -> pd.Series:
        """A column of district ids as district names."""
        return ids.map(self.district_names())

    def vocab(self, vocabulary: str) -> pd.DataFrame:
        """Codes of a vocabulary in display order (children grouped under their parent's order)."""
        v = self.vocabularies
        # Memoised per vocabularies table (17 ms a call, called for every label: seconds at 50 districts);
        # a copy, so that a caller's change cannot reach the next caller.
        table, codes = self.vocab_memo.get(vocabulary, (None, None))
        if table is not v:
            rows = v[v["vocabulary"] == vocabulary]
            parent_rank = v.drop_duplicates("code").set_index("code")["sort_order"]
            rank = rows["parent"].map(parent_rank).fillna(0)
            codes = rows.assign(_rank=rank).sort_values(["_rank", "sort_order"]).drop(columns="_rank").set_index("code")
            self.vocab_memo[vocabulary] = (v, codes)
        return codes.copy()

    def label(self, vocabulary: str, code: str) -> str:
        """The label of one code in the report language."""
        return self.vocab(vocabulary).at[code, self.field("label")]

    def labels(self, vocabulary: str) -> dict[str, str]:
        """code → label in the report language, in display order."""
        return self.vocab(vocabulary)[self.field("label")].to_dict()

    def order(self, vocabulary: str) -> list[str]:
        """The codes of a vocabulary in display order."""
        return self.vocab(vocabulary).index.tolist()

    def unit_label(self, unit: str) -> str:
        """A unit's label in the report language (units.csv label_<lang>), else the unit as written."""
        column = self.field("label")
        units = self.units.set_index("unit")
        return units.at[unit, column] if column in units else unit

    def section_path(self, path: str) -> str:
        """A section path ("一、… > (二)…") in the report language: each heading through headings.csv
        (heading_<lang>); a heading without a translation, or a language without a column, stays as written."""
        table = self.tables.get("headings")
        column = self.field("heading")
        if table is None or table.empty or column not in table or not isinstance(path, str):
            return path
        names = dict(zip(table["heading_zh"], table[column], strict=True))
        return " > ".join(names.get(step, step) for step in path.split(" > "))


def typed(frame: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """Number and integer columns (as the sidecar declares them) converted from text."""
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


_validated: dict[str, tuple] = {}  # data folder → (its stamp, validate()'s result), the latest folders last
KEPT_VALIDATIONS = 4  # folders remembered: a notebook or test that goes back and forth between data/ and copies
_store: dict[str, Path | None] = {"root": None}  # the build cache validated() keeps its results in


def use_cache(root: Path | str | None) -> None:
    """Keep validate()'s results in the build cache at `root` (None: do not): the build validates the data
    once, and its kernels and render workers load that result instead of validating again (about 1.2 s of
    CPU each). The entry's key is the data's content and the package's code, so an edit validates anew."""
    _store["root"] = Path(root) if root else None


def validated(data_dir: Path) -> tuple:
    """validate(data_dir), memoised while the files are unchanged (a warm kernel validates once per build)
    and, with use_cache(), between processes."""
    folder, now = str(data_dir.resolve()), stamp(data_dir)
    kept = _validated.pop(folder, None)
    if kept is None or kept[0] != now:
        kept = (now, stored_validation(data_dir))
    _validated[folder] = kept  # latest last
    while len(_validated) > KEPT_VALIDATIONS:
        del _validated[next(iter(_validated))]
    return kept[1]


def stored_validation(data_dir: Path) -> tuple:
    """validate(data_dir), from the build cache when the same data passed through the same code before."""
    if _store["root"] is None:
        return validate(data_dir)
    import pickle

    from .cache import Cache, tree_digest

    stored = Cache(_store["root"]).memo("validated", [tree_digest(data_dir)], lambda: pickle.dumps(validate(data_dir)))
    return pickle.loads(stored)  # written by this package's own build: the cache is as trusted as the code


def selected(tables: dict[str, pd.DataFrame], keep: list[str]) -> dict[str, pd.DataFrame]:
    """The tables restricted to the districts `keep` (in that order), comparability pairs within them."""
    tables = {
        name: frame[frame["district_id"].isin(keep)].reset_index(drop=True) if "district_id" in frame else frame
        for name, frame in tables.items()
    }
    tables["districts"] = tables["districts"].set_index("district_id").loc[keep].reset_index()
    comp = tables["comparability"]
    ids = set(tables["indicators"]["indicator_id"])
    tables["comparability"] = comp[comp["left_indicator_id"].isin(ids) & comp["right_indicator_id"].isin(ids)]
    return tables


def load(data_dir: str | Path, lang: str = "en", districts: list[str] | None = None) -> Dataset:
    """Validate and load the data; restrict to `districts` (all when empty). Raises DataError."""
    locale(lang)  # raises ValueError for a language without locale data
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
    tables = selected(tables, keep)
    sources = {  # decoded as validation read them (no BOM, LF line ends)
        d: decode_utf8(Path(data_dir) / f, f)[0]
        for d, f in zip(tables["districts"]["district_id"], tables["districts"]["source_file"], strict=True)
    }
    return Dataset(Path(data_dir), lang, tables, sources)
