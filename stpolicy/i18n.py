"""Report text in English and Chinese: strings.yml lookups, list joining and number formatting."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd
import yaml


@functools.cache
def strings() -> dict:
    return yaml.safe_load((Path(__file__).parent / "strings.yml").read_text(encoding="utf-8"))


def t(key: str, lang: str, **fields) -> str:
    """The string at a dotted key ("figures.targets.caption") in `lang`, formatted with fields."""
    node = strings()
    for part in key.split("."):
        node = node[part]
    return node[lang].format(**fields) if fields else node[lang]


def join(items: list[str], lang: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return t("list_sep", lang).join(items[:-1]) + t("list_last", lang) + items[-1]


def number(value: float) -> str:
    """A number exactly as stated: no rounding, no trailing zeros (4847.8385, 110, 3.42)."""
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else format(float(value), ".12g")


def percent(share: float, lang: str) -> str:
    """A computed share, to one decimal (it is our arithmetic, not a stated figure)."""
    return f"{share * 100:.1f}%"


def significant(x: float, digits: int = 3) -> str:
    """A converted amount to three significant figures (6.708 → 6.71, 30.0 → 30)."""
    return format(float(format(x, f".{digits}g")), ",.12g")


def magnitude_fields(value: float, factor: float) -> dict[str, str]:
    """What a unit's display format may use: {v} the number as stated; {n} the amount in the base unit,
    exact, with thousands separators; {short} 6.71 bn / 48.5 m; {words} 2 million / 1.2 billion."""
    base = float(value) * float(factor)
    exact = format(round(base, 9), ",.12g")
    short = words = exact
    for size, abbreviation, word in ((1e9, "bn", "billion"), (1e6, "m", "million")):
        if abs(base) >= size:
            short, words = f"{significant(base / size)} {abbreviation}", f"{significant(base / size)} {word}"
            break
    return {"v": number(value), "n": exact, "short": short, "words": words}


def unit_row(unit: str, units: pd.DataFrame) -> pd.Series | None:
    rows = units[units["unit"] == unit]
    return rows.iloc[0] if len(rows) else None


def qualified(shown: str, symbol: str, lang: str) -> str:
    """A value with its qualifier: `≥59家`; a symbol may have its own wording (≲ → nearly 10,000)."""
    if not symbol or symbol == "=":
        return shown
    wording = strings().get("qualified_value", {}).get(symbol)
    return wording[lang].format(value=shown) if wording else f"{symbol}{shown}"


def stated_text(value: float, unit: str, units: pd.DataFrame, symbol: str = "") -> str:
    """The value exactly as the Chinese document states it (`67.08亿元`), for tooltips and notes."""
    return value_text(value, unit, units, "zh", symbol, with_stated=False)


def value_text(
    value: float, unit: str, units: pd.DataFrame, lang: str, symbol: str = "", with_stated: bool = True
) -> str:
    """`≥59家` / `≥ 59` / `CNY 6.71 bn (67.08亿元)`: the value in its unit's display format for the
    language, with the qualifier. A display that does not show the stated number (a converted, rounded
    amount) is followed by the stated form, unless with_stated is False (charts put it in the tooltip)."""
    row = unit_row(unit, units)
    if row is None:
        return qualified(f"{number(value)} {unit}".strip(), symbol, lang)
    shown = qualified(row[f"format_{lang}"].format(**magnitude_fields(value, row["factor_to_base"])), symbol, lang)
    if with_stated and not re.search(rf"(?<![\d.]){re.escape(number(value))}(?![\d.])", shown.replace(",", "")):
        return f"{shown} ({stated_text(value, unit, units, symbol)})"
    return shown
