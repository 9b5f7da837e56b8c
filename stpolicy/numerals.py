"""Find the numbers a Chinese sentence states, in Arabic or Chinese numerals.

Used to check that an indicator's value really occurs in its quote: 第一 → 1, 两家 → 2,
百余场 → 100, 近万人 → 10000, 4847.8385万元 → 4847.8385.
"""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_FIRST = re.compile(r"首[个批次家位]")  # 首个 "the first one" states the rank 1
_CHINESE = re.compile(f"[{''.join(_DIGITS) + ''.join(_SMALL_UNITS) + ''.join(_BIG_UNITS)}]+")


def chinese_to_number(text: str) -> int:
    """Value of a run of Chinese numerals: 十二 → 12, 两百 → 200, 百 → 100, 万 → 10000."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        else:  # 万 or 亿 closes a section
            section += digit or 0
            total += (section or 1) * _BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def numbers_in(text: str) -> set[float]:
    """Every number stated in text, as floats."""
    found = {float(m) for m in _ARABIC.findall(text)}
    found |= {float(chinese_to_number(m)) for m in _CHINESE.findall(text)}
    if _FIRST.search(text):
        found.add(1.0)
    return found


def states_value(text: str, value: float) -> bool:
    """Does `text` state `value` (in Arabic or Chinese numerals)?"""
    return any(abs(n - value) <= 1e-9 * max(1.0, abs(value)) for n in numbers_in(text))


def to_chinese(n: int) -> str:
    """A small positive whole number in Chinese numerals, as in section headings: 7 → 七, 12 → 十二, 20 → 二十."""
    if not 0 < n < 100:
        raise ValueError(f"{n} is outside 1..99")
    tens, ones = divmod(n, 10)
    digits = "零一二三四五六七八九"
    return ("" if tens == 0 else "十" if tens == 1 else digits[tens] + "十") + (digits[ones] if ones else "")
