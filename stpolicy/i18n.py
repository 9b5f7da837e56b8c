"""Report text in English and Chinese: strings.yml lookups, list joining and number formatting."""

from __future__ import annotations

import functools
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


def value_text(value: float, unit: str, units: pd.DataFrame, lang: str, symbol: str = "") -> str:
    """`≥59家` / `≥ 59`: the value in its unit's display format, with the qualifier's symbol."""
    fmt = units.set_index("unit").at[unit, f"format_{lang}"] if unit in set(units["unit"]) else f"{{v}} {unit}".strip()
    shown = fmt.format(v=number(value))
    return f"{symbol}{shown}" if symbol and symbol != "=" else shown
