"""The curation assistant: every number a source text states, with the clause around it, as
candidate rows for indicators.csv; and the coverage of a source by the curated quotes.

A number is a *statement* unless it is a date, a year, a list number or part of a name (inside
“…” or 《…》, next to Latin letters, a document number, a version, phase or edition). The rules
follow data/README.md's curation rules; what a rule cannot decide is left to the analyst, who
edits the rows and validates them with `build_report.py --check` as usual.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .defaults import ASPIRATION_WORDS
from .numerals import chinese_to_number

# Qualifier markers, as data/README.md's curation rules define them (a test keeps the two in step).
QUALIFIER_AFTER = {"以上": "at_least", "左右": "about", "以内": "up_to"}  # follow the number and its unit
# precede the number; 不超过 before 超过, which it contains
QUALIFIER_BEFORE = {
    "不超过": "up_to",
    "至多": "up_to",
    "超过": "over",
    "突破": "over",
    "超": "over",
    "近": "about",
    "约": "about",
}
QUALIFIER_TRAILING = {"余": "over"}  # between the number and its unit: 百余场, 30余家
ASPIRATION = ASPIRATION_WORDS  # a target the document strives for rather than sets
TARGET_WORDS = ("计划", "目标", "任务", "措施")  # heading words that make a section's numbers targets
ACTUAL_WORDS = ("完成情况", "进展", "总结", "成效", "回顾")

_CN_DIGITS = "零〇一二两三四五六七八九十"
_CN = f"[{_CN_DIGITS}百千万亿]+"
_MEASURE_WORDS = "家项个件条人名次场位年套台座所篇批户亩元"
_CLAUSE_END = ",，。；;:：!！?？\n"
_DEPENDENT = ("居", "位居", "列", "占", "均")  # a clause that leans on the one before: 居全省第二
_PAIRS = {"“": "”", "《": "》", "〔": "〕", "‘": "’", '"': '"', "「": "」"}
_HEADINGS = (  # (level, pattern); a heading runs to the first 。 of its line
    (1, re.compile(rf"^([{_CN_DIGITS}]+)、")),
    (2, re.compile(rf"^[(（][{_CN_DIGITS}]+[)）]")),
    (3, re.compile(r"^\d+[.、．](?!\d)")),
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d|2100)(?!\d)")
_NO_UNIT_OK = re.compile(r"(?:达到|达|为|指数|是|至)$")  # a bare number is a statement only after these


@dataclass
class Mention:
    """One number in a source text; `reason` says why it is not a statement (empty if it is)."""

    start: int  # span of the number as written (with its unit and qualifier marks)
    end: int
    value: float
    unit: str
    qualifier: str
    ranking: bool = False
    reason: str = ""
    written: str = field(default="")  # the mention as printed: 突破470家, 百余场
    number: str = ""  # the number as printed (4847.8385) or, for Chinese numerals, its value


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside “…”, 《…》, 〔…〕 and the like: numbers there are parts of names."""
    spans, i = [], 0
    while i < len(text):
        close = _PAIRS.get(text[i])
        if close:
            j = text.find(close, i + 1)
            if j > i and "\n" not in text[i:j]:
                spans.append((i, j + 1))
                i = j + 1
                continue
        i += 1
    return spans


def unit_pattern(units: list[str]) -> re.Pattern:
    """Units as written: the project's units (longest first), else a measure word after 万/亿/千."""
    known = sorted((u for u in units if u), key=len, reverse=True)
    return re.compile("|".join([*map(re.escape, known), rf"[万亿千百]{{0,2}}[{_MEASURE_WORDS}]"]))


def _qualifier(text: str, start: int, after: int) -> str:
    """The qualifier from the marks around a number (以上 after it, 突破 before it...)."""
    for marker, code in QUALIFIER_AFTER.items():
        if text.startswith(marker, after):
            return code
    for marker, code in QUALIFIER_BEFORE.items():
        if text[max(0, start - len(marker)) : start] == marker:
            return code
    return "exact"


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def find_numbers(text: str, units: list[str]) -> list[Mention]:
    """Every number in text, statements and non-statements (with the reason), in text order."""
    unit_re = unit_pattern(units)
    names = quoted_spans(text)
    found: list[Mention] = []
    taken: set[int] = set()

    def add(m: Mention) -> None:
        if not taken.intersection(range(m.start, m.end)):
            found.append(m)
            taken.update(range(m.start, m.end))

    # Rankings: 全省第二, 全市第1.
    for m in re.finditer(rf"(?<=全[省市国区球])(?:排名)?第(\d+|[{_CN_DIGITS}]+)", text):
        raw = m.group(1)
        value = float(raw) if raw.isdigit() else float(chinese_to_number(raw))
        reason = "name" if _in_spans(m.start(), names) else ""
        add(Mention(m.start(), m.end(), value, "位", "exact", True, reason, m.group(0), f"{value:g}"))
    for m in re.finditer(r"首[个家]", text):  # "the first of its kind": neither a rank nor a count (README)
        add(Mention(m.start(), m.end(), 1.0, "个", "exact", True, "first of its kind", m.group(0), "1"))

    for m in re.finditer(rf"\d+(?:\.\d+)?|{_CN}", text):
        raw, start, end = m.group(0), m.start(), m.end()
        if taken.intersection(range(start, end)):
            continue
        arabic = raw[0].isdigit()
        rest = end
        trailing = next((q for q in QUALIFIER_TRAILING if text.startswith(q, rest)), "")
        rest += len(trailing)
        unit_match = unit_re.match(text, rest)
        unit = unit_match.group(0) if unit_match else ""
        if not arabic and unit[:1] in "万亿千百" and unit not in units:
            unit = ""  # 万 after a Chinese numeral belongs to the numeral
        after = rest + len(unit)
        qualifier = QUALIFIER_TRAILING[trailing] if trailing else _qualifier(text, start, after)
        marker = next((q for q in QUALIFIER_AFTER if text.startswith(q, after)), "")
        value = float(raw) if arabic else float(chinese_to_number(raw))
        reason = exclusion(text, start, end, raw, unit, arabic, names, qualifier)
        if not arabic and reason == "" and not unit:
            continue  # a Chinese numeral without a unit is a word (一体化, 统一), not a number
        number = raw if arabic else f"{value:g}" if value < 1e6 else str(int(value))
        end_all = after + len(marker)
        add(Mention(start, end_all, value, unit, qualifier, False, reason, text[start:end_all], number))
    return sorted(found, key=lambda x: x.start)


def exclusion(text: str, start: int, end: int, raw: str, unit: str, arabic: bool, names, qualifier: str) -> str:
    """Why a number is not a statement: 'name', 'year', 'date', 'list number', 'document number',
    'version', 'phase or edition', 'no unit'; '' when it is one."""
    before, after = text[max(0, start - 1) : start], text[end : end + 1]
    line_start = text.rfind("\n", 0, start) + 1
    if _in_spans(start, names):
        return "name"
    if re.match(r"[A-Za-z]", before + " ") or re.match(r"[A-Za-z]", after + " "):
        return "name"  # Top200, 5G
    if not arabic and before == "新":
        return "name"  # 新十条, a policy package named by its number of articles
    if arabic and ("/" in (before, after) or (raw.startswith("0") and len(raw) > 1 and "." not in raw)):
        return "document number"  # 002958116/2024-201323
    if arabic and (
        (after and after in "-—–") or (before and before in "-—–" and text[start - 2 : start - 1].isdigit())
    ):
        return "date"  # 2024-04-03, (2023-2025)
    if unit and unit[0] in "号":
        return "document number"
    if text.startswith("号", end):
        return "document number"
    if arabic and _YEAR.fullmatch(raw) and (text.startswith("年", end) or after in "〕)）"):
        return "year"
    if text[end : end + 1] in ("月", "日") or (
        unit == "年" and text.startswith("年", end) and re.match(r"\d+月", text[end + 1 :])
    ):
        return "date"
    if start == line_start and re.match(r"[.、．](?!\d)", after):
        return "list number"
    if not arabic and after == "、":
        return "list number"
    if text.startswith(("版", ".0版"), end):
        return "version"
    if text[end : end + 1] in ("期", "届", "批") or text[start - 1 : start] == "第":
        return "ordinal, phase or edition"  # 一期, 第五届, 第一批
    if not unit and qualifier == "exact" and not text.startswith("%", end):
        clause_before = text[max(0, start - 4) : start]
        if not _NO_UNIT_OK.search(clause_before):
            return "no unit"
    return ""


# --- headings, clauses and context -----------------------------------------------------------


def headings(text: str) -> list[tuple[int, list[str]]]:
    """(offset, heading path) at every heading line, handling numbering that restarts at 一、
    inside a top-level part (Zhenhai's plan is section 三 with its own 一、…五、)."""
    out, path = [], []  # path holds (level, title)
    outer, expected = None, None  # the part a restarted numbering nests under, next nested number
    offset = 0
    for line in text.split("\n"):
        for level, pattern in _HEADINGS:
            m = pattern.match(line)
            if not m:
                continue
            title = line.split("。")[0].strip()
            if level == 1:
                number = chinese_to_number(m.group(1))
                current = next((t for lv, t in path if lv == 1), None)
                current_no = chinese_to_number(_HEADINGS[0][1].match(current).group(1)) if current else 0
                if expected is not None and number == expected:
                    level = 1.5
                elif current and number <= current_no:
                    outer, level = current, 1.5
                else:
                    outer = expected = None
                if level == 1.5:
                    expected = number + 1
                    path = [(1, outer)]
            path = [(lv, t) for lv, t in path if lv < level] + [(level, title)]
            out.append((offset, [t for _, t in path]))
            break
        offset += len(line) + 1
    return out


def heading_path_at(marks: list[tuple[int, list[str]]], pos: int) -> list[str]:
    """The heading path in force at offset pos (empty before the first heading)."""
    path: list[str] = []
    for offset, p in marks:
        if offset > pos:
            break
        path = p
    return path


def clause_at(text: str, start: int, end: int) -> str:
    """The clause containing text[start:end]: between clause punctuation, with the clause before
    it when it leans on that one (…25.23亿元,居全省第三; 申报市顶尖人才6人,入选5人)."""
    left = max(text.rfind(c, 0, start) for c in _CLAUSE_END) + 1
    right = min((i for i in (text.find(c, end) for c in _CLAUSE_END) if i >= 0), default=len(text))
    clause = text[left:right]
    leans = clause.startswith(_DEPENDENT) or len(text[left:start].strip()) <= 2  # 居全省第二; 入选5人
    if leans and left > 1 and text[left - 1] not in "。\n":
        prev = max(text.rfind(c, 0, left - 1) for c in _CLAUSE_END) + 1
        clause = text[prev:right]
    return clause.strip()


def sentence_at(text: str, pos: int) -> str:
    """The sentence (up to 。 or a line end) around offset pos."""
    left = max(text.rfind(c, 0, pos) for c in "。\n") + 1
    right = min((i for i in (text.find(c, pos) for c in "。\n") if i >= 0), default=len(text))
    return text[left:right]


def guess_period(text: str, pos: int, path: list[str], default: int | None) -> int | None:
    """The last year named before the number in its sentence, else in its heading path, else default."""
    sentence_start = max(text.rfind(c, 0, pos) for c in "。\n") + 1
    # 从2019年起 (since 2019) starts a span: it is not the year the value refers to
    years = [int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?=年(?!起))", text[sentence_start:pos])]
    if years:
        return years[-1]
    years = [int(y) for part in path for y in re.findall(r"(?<!\d)(20\d\d)(?=年)", part)]
    return years[-1] if years else default


def is_threshold(text: str, mention: Mention) -> bool:
    """A sum of money with 以上 that goes on to name whom it covers (营收3亿元以上规上工业企业) defines a
    group rather than a value to reach."""
    follows = text[mention.end : mention.end + 1]
    money = mention.unit.endswith("元") or mention.unit in ("千万", "万", "亿")
    return mention.qualifier == "at_least" and money and bool(follows) and follows not in _CLAUSE_END + "。）)"


def guess_kind(path: list[str], clause: str, ranking: bool, plan: bool) -> str:
    """ranking for 第N; target for 力争/争取/目标 or in plan and target sections; actual in summaries."""
    if ranking:
        return "ranking"
    if any(w in clause for w in (*ASPIRATION, "目标")):  # a goal quoted in a summary is still a target
        return "target"
    for part in reversed(path):
        if any(w in part for w in TARGET_WORDS):
            return "target"
        if any(w in part for w in ACTUAL_WORDS):
            return "actual"
    return "target" if plan else "actual"


def guess_name(clause: str, written: str) -> str:
    """The words before the number, without the verb that leads to it (a starting point)."""
    head = clause.split(written)[0] if written in clause else clause
    head = re.split(f"[{_CLAUSE_END}]", head)[-1]  # its own clause only, not the one it leans on
    head = re.sub(r"(?:力争|争取)?(?:达到|达|为|突破|超过|超|近|实现|增长|增加|各)+$", "", head)
    return re.sub(r"^(?:(?:19|20)\d\d年度?|力争|争取|全区|全年|其中|累计|共)+", "", head).strip("、 ")


# --- the two uses -----------------------------------------------------------------------------


def statements(text: str, units: list[str]) -> list[Mention]:
    """The numbers of text that are statements (not dates, years, list numbers or names)."""
    return [m for m in find_numbers(text, units) if not m.reason]


def covered(text: str, mention: Mention, quotes: list[str]) -> bool:
    """Whether some quote's occurrence in text contains the mention."""
    for quote in quotes:
        i = text.find(quote)
        while i >= 0:
            if i <= mention.start < i + len(quote):
                return True
            i = text.find(quote, i + 1)
    return False


def coverage(text: str, units: list[str], quotes: list[str]) -> tuple[list[Mention], list[Mention]]:
    """(covered, uncovered) statements of a source, given the curated quotes of its district."""
    found = statements(text, units)
    hits = [m for m in found if covered(text, m, quotes)]
    return hits, [m for m in found if m not in hits]


def existing_row(text: str, mention: Mention, rows: pd.DataFrame) -> str:
    """The id of a curated row that already records this number (its quote covers it, same value)."""
    for _, row in rows.iterrows():
        try:
            same = abs(float(row["value"]) - mention.value) < 1e-9
        except ValueError:
            continue
        if same and covered(text, mention, [row["quote"]]):
            return row["indicator_id"]
    return ""


def suggest_rows(
    text: str,
    district: str,
    columns: list[str],
    units: list[str],
    curated: pd.DataFrame,
    plan_year: int | None = None,
    plan: bool = True,
    title: str = "",
) -> list[dict]:
    """Candidate indicators.csv rows (dicts over `columns`) for every statement in text; rows the
    curated table already holds carry their id and the note 'already in indicators.csv'."""
    marks = headings(text)
    mine = curated[curated["district_id"] == district] if "district_id" in curated else curated
    numbers = [int(n) for n in mine["indicator_id"].str.extract(r"(\d+)$")[0].dropna()] if len(mine) else []
    next_no = max(numbers, default=0) + 1
    rows, previous = [], None
    for mention in statements(text, units):
        path = heading_path_at(marks, mention.start)
        section = path or ([title] if title and title in text else [])
        clause = clause_at(text, mention.start, mention.end)
        kind = "threshold" if is_threshold(text, mention) else guess_kind(path, clause, mention.ranking, plan)
        aspirational = any(w in clause for w in ASPIRATION)
        if (
            aspirational
            and kind == "target"
            and clause.startswith(ASPIRATION)
            and previous is not None
            and previous[0] == sentence_at(text, mention.start)
            and previous[1].unit == mention.unit
        ):
            kind = "stretch_target"  # 达到2.3%,力争达到2.5%
        context = guess_kind(path, clause, False, plan)  # a ranking's year is that of its context
        default_year = plan_year if context != "actual" or plan_year is None else plan_year - 1
        period = guess_period(text, mention.start, path, default_year)
        existing = existing_row(text, mention, mine)
        row = {c: "" for c in columns}
        row.update(
            {
                "indicator_id": existing or f"{district}-i{next_no:03d}",
                "district_id": district,
                "period": str(period or ""),
                "kind": kind,
                "name_zh": guess_name(clause, mention.written),
                "value": mention.number,
                "unit": mention.unit,
                "qualifier": mention.qualifier,
                "quote": clause,
                "section": " > ".join(section),
                "note": "already in indicators.csv" if existing else "",
            }
        )
        if "aspirational" in row:
            row["aspirational"] = "true" if aspirational else "false"
        if not existing:
            next_no += 1
        rows.append({c: row[c] for c in columns})
        previous = (sentence_at(text, mention.start), mention)
    return rows


def to_csv(rows: list[dict], columns: list[str]) -> str:
    """Rows as CSV text with a header, as indicators.csv writes them."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# --- command line: `build_report.py suggest` and the coverage lines of `--check` ---------------


def line_of(text: str, pos: int) -> int:
    """1-based line number of offset pos."""
    return text.count("\n", 0, pos) + 1


def coverage_lines(data_dir: Path, tables: dict, verbose: bool = False) -> list[str]:
    """One line per district: how many numbers its source states and how many an indicators.csv
    quote covers; with verbose, every number not covered as `path:line: value unit: clause`."""
    from .validate import load_sources  # validate imports this module's neighbours; import late

    sources, _ = load_sources(Path(data_dir), tables["districts"])
    units = tables["units"].frame["unit"].tolist()
    indicators = tables["indicators"].frame
    files = dict(zip(tables["districts"].frame["district_id"], tables["districts"].frame["source_file"], strict=True))
    out = []
    for district, text in sources.items():
        quotes = indicators.loc[indicators["district_id"] == district, "quote"].tolist()
        hits, missed = coverage(text, units, quotes)
        total = len(hits) + len(missed)
        out.append(
            f"{district}: {len(hits)} of {total} numbers in {files[district]} are covered by an indicators.csv quote"
            + (f"; {len(missed)} not covered (--verbose lists them)" if missed and not verbose else "")
        )
        if verbose:
            out += [
                f"  {Path(data_dir) / files[district]}:{line_of(text, m.start)}: {m.written}: "
                f"{clause_at(text, m.start, m.end)}"
                for m in missed
            ]
    return out


def parser() -> argparse.ArgumentParser:
    """Options of `build_report.py suggest`."""
    p = argparse.ArgumentParser(
        prog="build_report.py suggest",
        description="Print candidate rows for indicators.csv (CSV on stdout) for every number a source text "
        "states: value, unit and qualifier as written, a guess at kind and period, the clause as quote and "
        "the heading path. Dates, years, list numbers and numbers that are part of names are left out. "
        "Edit the rows, paste them into indicators.csv and run build_report.py --check.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("source", type=Path, help="UTF-8 source text (for example data/sources/NAME.txt)")
    p.add_argument("--district", required=True, help="district_id the rows are for")
    p.add_argument("--data", type=Path, default=Path("data"), help="data folder (indicators.csv, units, districts)")
    p.add_argument("--new-only", action="store_true", help="leave out numbers indicators.csv already records")
    return p


def main(argv: list[str]) -> int:
    """`build_report.py suggest`: exit 0, or 2 when the source cannot be read."""
    from .tables import decode_utf8, read_tables

    args = parser().parse_args(argv)
    if not args.source.is_file():
        print(f"{args.source}:0: -: source text not found", file=sys.stderr)
        return 2
    text, problems = decode_utf8(args.source, str(args.source))
    if text is None:
        print(*problems, sep="\n", file=sys.stderr)
        return 2
    tables = read_tables(args.data)
    districts = (
        tables["districts"].frame.set_index("district_id") if "district_id" in tables["districts"].frame else None
    )
    known = districts is not None and args.district in districts.index
    doc = districts.loc[args.district] if known else {}
    period = str(doc.get("plan_period", "")) if known else ""
    if not period:  # a district not in districts.csv yet: the first year the text names
        period = next(iter(re.findall(r"(?<!\d)(20\d\d)(?=年)", text)), "")
    year = int(period[:4]) if period[:4].isdigit() else None
    title = doc.get("doc_title_zh", "") if known else ""
    plan = doc.get("doc_type", "") == "work_plan" if known else "计划" in text[:200]
    columns = list(tables["indicators"].meta["columns"])
    if not columns:
        print(
            f"{args.data / 'indicators.meta.yml'}:0: -: metadata sidecar is missing (it names the columns)",
            file=sys.stderr,
        )
        return 2
    units = tables["units"].frame.get("unit", pd.Series(dtype=str)).tolist()
    curated = tables["indicators"].frame
    if not {"indicator_id", "district_id", "value", "quote"} <= set(curated):
        curated = pd.DataFrame(columns=["indicator_id", "district_id", "value", "quote"])  # unreadable: none known
    rows = suggest_rows(text, args.district, columns, units, curated, year, plan, title)
    shown = [r for r in rows if not (args.new_only and r.get("note") == "already in indicators.csv")]
    sys.stdout.write(to_csv(shown, columns))
    existing = sum(r.get("note") == "already in indicators.csv" for r in rows)
    print(
        f"{args.source}: {len(rows)} numbers stated; {existing} already in indicators.csv"
        f"{' (left out)' if args.new_only else ' (note says so)'}; {len(rows) - existing} new.",
        file=sys.stderr,
    )
    return 0
