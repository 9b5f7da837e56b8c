"""Text as data: segment the source documents with jieba (user dictionary from the curated data),
count terms per clause, and find the terms that distinguish each district (weighted log-odds)."""

from __future__ import annotations

import functools
import logging
import re

import pandas as pd

from . import stats
from .data import Dataset

Z_THRESHOLD = stats.Z_CRITICAL  # |z| above which a term counts as distinctive (descriptive, see the method notes)
MIN_CJK_PER_LINE = 20  # shorter lines are page furniture: index numbers, dates, "打印本页"
CLAUSE_SPLIT = re.compile(r"[。;;,,、!?!?::\n]")
SENTENCE_SPLIT = re.compile(r"(?<=[。;;!?])")
CJK = re.compile(r"[\u4e00-\u9fff]")
QUOTE_MARKS = re.compile(r"[“”\"《》()()〔〕]")


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" on stderr
    return jieba


def user_terms(ds: Dataset) -> list[str]:
    """Names from the curated data, so jieba keeps them whole (甬江实验室, 海纳计划…)."""
    names = list(ds.programmes["name_zh"]) + list(ds.agencies["name_as_written"]) + list(ds.glossary["term_zh"])
    parts = {p for n in names for p in QUOTE_MARKS.split(n)}
    return sorted(p for p in parts if len(CJK.findall(p)) >= 2)


def tokenizer(ds: Dataset):
    """The jieba tokenizer with the dataset's curated names (cached per set of names)."""
    return _tokenizer(tuple(user_terms(ds)))


@functools.lru_cache(maxsize=4)
def _tokenizer(terms: tuple[str, ...]):
    """A jieba tokenizer with the curated names added (built once per set of names: ~0.6 s)."""
    tk = _jieba().Tokenizer()
    for term in terms:
        tk.add_word(term, freq=2_000)
    return tk


def body(text: str) -> str:
    """The document without page furniture: only lines with at least MIN_CJK_PER_LINE Chinese characters."""
    return "\n".join(line for line in text.splitlines() if len(CJK.findall(line)) >= MIN_CJK_PER_LINE)


def clauses(text: str) -> list[str]:
    """The body split into clauses at Chinese punctuation and line ends."""
    return [c.strip() for c in CLAUSE_SPLIT.split(text) if c.strip()]


def furniture(ds: Dataset, district: str) -> list[str]:
    """Text that says who and where, not what: responsibility brackets, measure and section headings, and
    every agency name (longest first, so that 区委组织部〔区委人才办〕 goes before 区委组织部)."""
    measures = ds.measures[ds.measures["district_id"] == district]
    headings = {part for column in ("section",) for path in measures[column] for part in path.split(" > ")}
    headings |= {
        part
        for path in ds.indicators.loc[ds.indicators["district_id"] == district, "section"]
        for part in path.split(" > ")
    }
    pieces = [q for q in measures["agency_quote"] if q] + list(measures["quote"]) + sorted(headings)
    names = set(ds.agencies["name_as_written"]) | {n for n in ds.agencies.get("name_zh", []) if n}
    return pieces + sorted(names, key=len, reverse=True)


def content(ds: Dataset, district: str) -> str:
    """The document body with furniture() blanked out (a line break keeps clauses apart)."""
    text = body(ds.sources[district])
    for piece in furniture(ds, district):
        text = text.replace(piece, "\n")
    return text


def strip_furniture(text: str, pieces: list[str]) -> str:
    """`text` with every piece of furniture blanked out, as content() does for a whole document."""
    for piece in pieces:
        text = text.replace(piece, "\n")
    return text


def keep(token: str, stopwords: set[str]) -> bool:
    """Whether a token is counted: two or more characters, Chinese, not a stop word."""
    return len(token) >= 2 and CJK.search(token) is not None and token not in stopwords


def clause_counts(ds: Dataset) -> pd.DataFrame:
    """terms × districts: the number of clauses of each district's document containing the term."""
    tk, stop = tokenizer(ds), set(ds.stopwords["term"])
    columns = {}
    for district in ds.district_ids:
        seen = [set(t for t in tk.lcut(c) if keep(t, stop)) for c in clauses(content(ds, district))]
        columns[district] = pd.Series([t for s in seen for t in s]).value_counts()
    return pd.DataFrame(columns).fillna(0).astype(int)


def term_frequencies(ds: Dataset) -> pd.DataFrame:
    """Per district: term count per 10,000 Chinese characters of the document body."""
    tk, stop = tokenizer(ds), set(ds.stopwords["term"])
    rows = []
    for district in ds.district_ids:
        text = content(ds, district)
        tokens = pd.Series([t for t in tk.lcut(text) if keep(t, stop)]).value_counts()
        per_10k = tokens / len(CJK.findall(text)) * 10_000
        rows.append(
            pd.DataFrame(
                {"district_id": district, "term": tokens.index, "count": tokens.values, "per_10k_chars": per_10k.values}
            )
        )
    return pd.concat(rows, ignore_index=True)


def distinctive_terms(ds: Dataset, top: int = 12, min_clauses: int = 3) -> pd.DataFrame:
    """The `top` terms with the highest log-odds z-score for each district (vs the others)."""
    counts = clause_counts(ds)
    if counts.shape[1] < 2:
        return pd.DataFrame(columns=["term", "district_id", "count", "delta", "variance", "z", "passes", "gloss_en"])
    counts = counts[counts.sum(axis=1) >= min_clauses]
    scored = stats.log_odds_dirichlet(counts).rename(columns={"group": "district_id"})
    best = scored.sort_values("z", ascending=False).groupby("district_id", sort=False).head(top)
    best = best.assign(passes=best["z"] > Z_THRESHOLD)
    gloss = dict(zip(ds.glossary["term_zh"], ds.glossary["gloss_en"], strict=True))
    return best.assign(gloss_en=best["term"].map(gloss).fillna("")).reset_index(drop=True)


def keyword_in_context(ds: Dataset, terms: list[str]) -> pd.DataFrame:
    """Every sentence of every district's document that contains one of `terms` outside its furniture()
    (headings, responsibility lists, agency names), the text the counts leave out; shown as it stands."""
    rows = []
    pieces = {d: furniture(ds, d) for d in ds.district_ids}
    for term in terms:
        for district in ds.district_ids:
            for sentence in (s for line in body(ds.sources[district]).splitlines() for s in SENTENCE_SPLIT.split(line)):
                if term in sentence and term in strip_furniture(sentence, pieces[district]):
                    rows.append({"term": term, "district_id": district, "sentence": sentence.strip()})
    return pd.DataFrame(rows, columns=["term", "district_id", "sentence"])
