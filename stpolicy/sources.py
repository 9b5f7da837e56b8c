"""The source viewer: the full text of each source document embedded in the HTML report, and
links from the report's quotes (and the values quoted in them) to their place in that text.

Offsets are computed at build time. They count UTF-16 code units, as JavaScript strings do, in the
source text as embedded (BOM removed, line ends normalised to LF, which is also what an HTML parser
makes of the text), so the browser can cut the passage out with `text.slice(start, end)`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from .tables import TABLES, primary_key, read_table

TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
BODY = re.compile(r"<tbody\b[^>]*>(.*?)</tbody>", re.S)
ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r"(<td\b[^>]*>)(.*?)(</td>)", re.S)
TAG = re.compile(r"<[^>]+>")


def normalise(text: str) -> str:
    """The text as the browser will hold it: no BOM, LF line ends."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def utf16_length(text: str) -> int:
    """The length of text in UTF-16 code units (JavaScript string offsets)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Passage:
    district_id: str
    start: int  # UTF-16 code units
    end: int

    def anchor(self) -> str:
        """The HTML id of this passage's source text."""
        return f"source-{self.district_id}"


class Sources:
    """The districts' source texts, and where a verbatim quote sits in them."""

    def __init__(self, texts: dict[str, str], names: dict[str, str]):
        self.texts = {d: normalise(t) for d, t in texts.items()}
        self.names = names  # district name in the report language -> district_id

    def locate(self, quote: str, district_id: str | None = None) -> Passage | None:
        """The first occurrence of `quote` in its district's text (or in the only text holding it)."""
        quote = normalise(quote).strip()
        if not quote:
            return None
        holders = [d for d, t in self.texts.items() if quote in t]
        if district_id in holders:
            holders = [district_id]
        if not holders:
            return None
        text = self.texts[holders[0]]
        i = text.index(quote)
        start = utf16_length(text[:i])
        return Passage(holders[0], start, start + utf16_length(quote))


def verbatim_quotes(data_dir: Path) -> set[str]:
    """Every value of a column the sidecars mark `verbatim: true` (quotes checked against the sources)."""
    quotes = set()
    for name in TABLES:
        if not (Path(data_dir) / f"{name}.csv").exists():
            continue
        raw = read_table(Path(data_dir), name)
        for column, spec in raw.meta["columns"].items():
            if spec.get("verbatim") and column in raw.frame:
                quotes |= {q for q in raw.frame[column] if q}
    return quotes


def passages_by_id(data_dir: Path, sources: Sources, ids: dict[str, set[str]] | None = None) -> dict[str, dict]:
    """`{"indicator_id": {"zhenhai-i001": [district, start, end], ...}, ...}` for every row of a table
    that has a verbatim quote, under its primary key's name: a chart mark whose data carry the id opens
    its passage. (Nested rather than "indicator_id:zhenhai-i001" keys: a third smaller page at 50 districts.)
    `ids` (by key column, as reuse.chart_ids gives them): only those rows, the ones chart marks carry; the
    rest are neither located nor sent to the page (most of the index at 50 districts)."""
    index = {}
    for name in TABLES:
        if not (Path(data_dir) / f"{name}.csv").exists():
            continue
        raw = read_table(Path(data_dir), name)
        keys = primary_key(raw.meta)
        verbatim = [c for c, spec in raw.meta["columns"].items() if spec.get("verbatim") and c in raw.frame]
        if len(keys) != 1 or not verbatim or "district_id" not in raw.frame:
            continue
        key = keys[0]
        column = "quote" if "quote" in verbatim else verbatim[0]
        for ident, district, quote in zip(raw.frame[key], raw.frame["district_id"], raw.frame[column], strict=True):
            if ids is not None and ident not in ids.get(key, ()):
                continue
            p = sources.locate(quote, district)
            if p and p.district_id == district:
                index.setdefault(key, {})[ident] = [p.district_id, p.start, p.end]
    return index


def link_attrs(p: Passage) -> str:
    """The attributes of a link that opens this passage in the source viewer."""
    return (
        f'class="src-link" href="#{p.anchor()}" data-source="{p.district_id}" data-start="{p.start}" data-end="{p.end}"'
    )


def cell_text(cell_html: str) -> str:
    """A table cell's text without tags or entities."""
    return html.unescape(TAG.sub("", cell_html)).strip()


@dataclass(frozen=True)
class LinkRules:
    """Which table cells link to the source viewer: curated quotes, the headers of quote and value
    columns, and measure titles (`named`) under the `named_headers` columns."""

    quotes: set[str]
    quote_headers: set[str]
    value_headers: set[str]
    named: dict[str, Passage] = field(default_factory=dict)
    named_headers: set[str] = frozenset()


def link_table(table: str, sources: Sources, rules: LinkRules):
    """Wrap each quote cell (and the value cells of its row) in a link to the quote's passage, and
    each cell under a `named_headers` column whose text is a key of `named` (a measure's title) in a
    link to that passage.

    A cell is a quote when its text is a curated verbatim quote, or when it stands in a column
    headed like a quote column and occurs verbatim in a source (keyword-in-context sentences)."""
    headers = [cell_text(h) for h in HEADER_CELL.findall(table.split("</thead>")[0])]
    body = BODY.search(table)
    if not body or not headers:
        return table

    def link_row(row: re.Match) -> str:
        cells = CELL.findall(row.group(1))
        if len(cells) != len(headers):
            return row.group(0)
        texts = [cell_text(c[1]) for c in cells]
        district = next((sources.names[x] for x in texts if x in sources.names), None)
        own = [
            sources.locate(text, district) if text in rules.quotes or header in rules.quote_headers else None
            for header, text in zip(headers, texts, strict=True)
        ]
        first = next((p for p in own if p), None)
        targets = [
            p
            or (rules.named.get(text) if header in rules.named_headers else None)
            or (first if header in rules.value_headers else None)
            for p, header, text in zip(own, headers, texts, strict=True)
        ]
        if not any(targets):
            return row.group(0)
        linked = iter(
            f"{open_}<a {link_attrs(p)}>{inner}</a>{close}" if p and "<a " not in inner else f"{open_}{inner}{close}"
            for (open_, inner, close), p in zip(cells, targets, strict=True)
        )
        return row.group(0).replace(row.group(1), CELL.sub(lambda _: next(linked), row.group(1)), 1)

    return table.replace(body.group(1), ROW.sub(link_row, body.group(1)), 1)


def link_quotes(html_text: str, sources: Sources, rules: LinkRules):
    """Every report table in `html_text` with its quotes (and named rows) linked to the source viewer."""
    return TABLE.sub(
        lambda m: link_table(m.group(0), sources, rules),
        html_text,
    )
