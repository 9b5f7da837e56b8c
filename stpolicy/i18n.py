"""Languages as data: report text from strings.yml, language rules from locales.yml.

- strings.yml holds every text, as `key: {en: ..., zh: ...}`; its `formats` group holds the patterns
  for numbers, units, labels, headings, quotes and names (percentage points, p-values, caption labels).
- locales.yml holds, per language, the rules that are not text: numerals of section numbers, the
  thousands separator, whether a label is lowercased inside a sentence, which data columns to show,
  the html lang code, the font stack.

Code asks this module for a formatter (`t`, `join`, `percent`, `signed`, `p_value`, `label`, ...)
and never tests which language it writes: adding a language means adding data, not code.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from .numerals import to_chinese
from .tables import load_yaml

HERE = Path(__file__).parent
SOURCE_LANGUAGE = "zh"  # the language the documents are written in: values "as stated" are shown in it
P_FLOOR = 0.001  # p-values below this are shown as below it


@functools.cache
def strings() -> dict:
    """strings.yml: nested groups of `{language: text}` leaves."""
    return load_yaml(HERE / "strings.yml")


@functools.cache
def locales() -> dict:
    """locales.yml: the rules of each language, keyed by language code, in the file's order."""
    return load_yaml(HERE / "locales.yml")


LANGUAGES: tuple[str, ...] = tuple(locales())


def locale(lang: str) -> dict:
    """The rules of `lang` (raises ValueError naming the known languages)."""
    rules = locales().get(lang)
    if rules is None:
        raise ValueError(f"lang must be one of {tuple(locales())}, not {lang!r}")
    return rules


def t(key: str, lang: str, **fields) -> str:
    """The string at a dotted key ("figures.targets.caption") in `lang`, formatted with fields."""
    node = strings()
    for part in key.split("."):
        node = node[part]
    return node[lang].format(**fields) if fields else node[lang]


def date_text(iso: str, lang: str) -> str:
    """An ISO date (2024-04-03) as the language writes it in prose (formats.date: 2024年4月3日)."""
    year, month, day = (int(x) for x in str(iso)[:10].split("-"))
    return t("formats.date", lang, year=year, month=month, day=day)


def join(items: list[str], lang: str) -> str:
    """'a, b and c' / 'a、b和c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return t("list_sep", lang).join(items[:-1]) + t("list_last", lang) + items[-1]


def sentences(items: list[str], lang: str) -> str:
    """Sentences run together as one paragraph (a space in English, nothing in Chinese)."""
    return t("sentence_sep", lang).join(items)


# --- numbers ----------------------------------------------------------------------------------


def number(value: float) -> str:
    """A number exactly as stated: no rounding, no trailing zeros (4847.8385, 110, 3.42)."""
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else format(float(value), ".12g")


def integer(n: int, lang: str) -> str:
    """A count we computed, with the language's thousands separator (8,976 / 8976)."""
    return f"{int(n):,}".replace(",", locale(lang)["thousands_separator"])


def percent(share: float, lang: str) -> str:
    """A computed share, to one decimal (it is our arithmetic, not a stated figure)."""
    return t("formats.percent", lang, value=f"{share * 100:.1f}")


def percent_stated(share: float, lang: str) -> str:
    """A share we state as a rule, exactly (ALPHA = 0.05 → 5%)."""
    return t("formats.percent", lang, value=number(round(share * 100, 10)))


def signed(text: str, value: float, lang: str) -> str:
    """A change shown with its sign: positive values get the language's plus sign."""
    return t("formats.signed", lang, value=text) if value > 0 else text


def change(value: float, unit: str, lang: str) -> str:
    """A difference of two stated values: +12, −0.3 pp for a change of a percentage."""
    text = number(round(value, 10))
    if unit == "%":
        text = t("formats.percentage_points", lang, value=text)
    return signed(text, value, lang)


def p_value(p: float, lang: str) -> str:
    """The p-value to three decimals, or as below P_FLOOR."""
    if p < P_FLOOR:
        return t("formats.p_value_below", lang, p=number(P_FLOOR))
    return t("formats.p_value", lang, p=f"{p:.3f}")


def significant(x: float, digits: int = 3) -> str:
    """A converted amount to three significant figures (6.708 → 6.71, 30.0 → 30)."""
    return format(float(format(x, f".{digits}g")), ",.12g")


def magnitude_fields(value: float, factor: float) -> dict[str, str]:
    """What a unit's display format may use: {v} the number as stated; {n} the amount in the base unit,
    exact, with thousands separators; {short} 6.71 bn / 48.5 m; {words} 2 million / 1.2 billion."""
    base = float(value) * float(factor)
    exact = format(round(base, 9), ",.12g")
    size, abbreviation, word = magnitude(base)
    if size == 1:
        return {"v": number(value), "n": exact, "short": exact, "words": exact}
    amount = significant(base / size)
    return {"v": number(value), "n": exact, "short": f"{amount} {abbreviation}", "words": f"{amount} {word}"}


MAGNITUDES = ((1e9, "bn", "billion"), (1e6, "m", "million"))


def magnitude(base: float) -> tuple[float, str, str]:
    """The largest magnitude an amount in its base unit reaches: (1e9, "bn", "billion"), ..., (1, "", "")."""
    return next((m for m in MAGNITUDES if abs(base) >= m[0]), (1, "", ""))


def axis_unit(unit: str, largest: float, units: pd.DataFrame, lang: str) -> tuple[float, str | None]:
    """How a chart axis shows amounts of `unit`: (multiplier of the stated values, unit label or None for
    the unit's own label). Where the language writes the unit in magnitudes of its base unit (`CNY {short}`:
    CNY 6.71 bn), the axis counts in the magnitude of the `largest` value (CNY bn), as its labels read."""
    row = unit_row(unit, units)
    form = "" if row is None else row[data_column("format", lang)]
    if not re.search(r"\{(short|words)\}", form):
        return 1.0, None
    size, abbreviation, word = magnitude(float(largest) * float(row["factor_to_base"]))
    label = " ".join(form.replace("{short}", abbreviation).replace("{words}", word).split())
    return float(row["factor_to_base"]) / size, label


def unit_row(unit: str, units: pd.DataFrame) -> pd.Series | None:
    """The units.csv row of a unit, or None."""
    rows = units[units["unit"] == unit]
    return rows.iloc[0] if len(rows) else None


def qualified(shown: str, symbol: str, lang: str) -> str:
    """A value with its qualifier: `≥59家`; a symbol may have its own wording (≲ → nearly 10,000)."""
    if not symbol or symbol == "=":
        return shown
    wording = strings().get("qualified_value", {}).get(symbol)
    return wording[lang].format(value=shown) if wording else f"{symbol}{shown}"


def in_source_language(lang: str) -> bool:
    """Whether `lang` shows the data in the documents' own language (locales.yml `data_language`): a value
    or a heading "as stated" is then the one already shown, and is not shown twice."""
    return locale(lang)["data_language"] == SOURCE_LANGUAGE


def stated_text(value: float, unit: str, units: pd.DataFrame, symbol: str = "") -> str:
    """The value exactly as the Chinese document states it (`67.08亿元`), for tooltips and notes."""
    return value_text(value, unit, units, SOURCE_LANGUAGE, symbol, with_stated=False)


def value_text(
    value: float, unit: str, units: pd.DataFrame, lang: str, symbol: str = "", with_stated: bool = True
) -> str:
    """`≥59家` / `≥ 59` / `CNY 6.71 bn (67.08亿元)`: the value in its unit's display format for the
    language, with the qualifier. A display that does not show the stated number (a converted, rounded
    amount) is followed by the stated form, unless with_stated is False (charts put it in the tooltip)."""
    row = unit_row(unit, units)
    if row is None:
        return qualified(f"{number(value)} {unit}".strip(), symbol, lang)
    # a language's singular form (units.csv format_one_<lang>, optional) where the value is exactly 1
    one = row.get(data_column("format_one", lang), "")
    form = one if isinstance(one, str) and one and float(value) == 1 else row[data_column("format", lang)]
    shown = qualified(form.format(**magnitude_fields(value, row["factor_to_base"])), symbol, lang)
    if with_stated and not re.search(rf"(?<![\d.]){re.escape(number(value))}(?![\d.])", shown.replace(",", "")):
        return f"{shown} ({stated_text(value, unit, units, symbol)})"
    return shown


# --- names, labels, headings ------------------------------------------------------------------


def data_column(stem: str, lang: str) -> str:
    """The data column to show in `lang`: name → name_en / name_zh."""
    return f"{stem}_{locale(lang)['data_language']}"


def second_column(stem: str, lang: str) -> str:
    """The data column shown beside a name for reference: name → name_zh in English."""
    return f"{stem}_{locale(lang)['second_language']}"


def lower_first(text: str, lang: str) -> str:
    """'New high-tech enterprises' → 'new high-tech enterprises' where the language lowercases
    inside a sentence; leaves acronyms ('R&D …') and scripts without case alone."""
    if not locale(lang)["lowercase_inside_sentence"] or len(text) < 2 or not text[1].islower():
        return text
    return text[0].lower() + text[1:]


def short_label(text: str, lang: str) -> str:
    """The short form of a label, by the language's pattern ('Supply-side' → 'Supply', 供给型 → 供给)."""
    match = re.match(locale(lang)["short_label"], text)
    return match.group(0) if match else text


def quote(text: str, lang: str) -> str:
    """Text in the language's quotation marks."""
    return t("formats.quote", lang, text=text)


def section_number(n: int, lang: str) -> str:
    """The n-th section's number in the language's numerals: 7 / 七."""
    return to_chinese(n) if locale(lang)["numerals"] == "chinese" else str(n)


def label(kind: str, n: int, lang: str) -> str:
    """A caption label: 'Figure 3.' / '图3' (kind: figure or table)."""
    return t("formats.label", lang, name=t(kind, lang), n=n)
