"""The report's visual language, defined once: a colour per district, a shape and fill per kind of
figure, and palettes for categories (tools, roles, programme types, counts) that never reuse a
district colour. Charts (altair and matplotlib) and tables take their colours from here only.

District colours are keyed by the district's position in districts.csv, so a district keeps its
colour when others are filtered out and a new district gets the next colour.
"""

from __future__ import annotations

import colorsys
import functools
from pathlib import Path

import pandas as pd

# Okabe–Ito's colour-blind-safe hues first, then Paul Tol's; both are strong, saturated colours.
DISTRICT_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#332288",
    "#882255",
    "#117733",
    "#999933",
)
# Categories are drawn in muted greys and browns, so no category can be mistaken for a district.
TOOL_COLOURS = {"supply": "#5b5b5b", "environment": "#a08a6b", "demand": "#c9c0b0"}
ROLE_COLOURS = {"lead": "#3f3f3f", "co": "#bdbdbd", "implied": "#8a8a8a"}
YES_NO_COLOURS = {"yes": "#4a4a4a", "no": "#a3a3a3"}
CATEGORY_COLOURS = ("#4a4a4a", "#8c6d46", "#a8a8a8", "#c9b38f", "#6e6e6e", "#dcd3c3", "#5e4b33")
COUNT_CMAP = "Greys"  # heatmaps of counts: lightness only, no hue
INK = "#1d2430"

# Kinds of figure: shape for what it is, fill for how exact it is (hollow = a bound such as ≥ or ≈).
KIND_SHAPES = {
    "actual": "circle",
    "target": "triangle-up",
    "stretch_target": "diamond",
    "ranking": "square",
    "threshold": "triangle-down",
}
# Bars cannot change shape: a kind is a fill strength of the district's colour instead.
KIND_OPACITY = {"actual": 1.0, "target": 0.55, "stretch_target": 0.2, "ranking": 0.8, "threshold": 0.35}


def extra_colour(i: int) -> str:
    """Colours beyond the fixed list: hues spaced by the golden angle, dark enough for white text."""
    r, g, b = colorsys.hls_to_rgb((i * 0.618034) % 1.0, 0.42, 0.65)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def district_colour(position: int) -> str:
    """The colour of the district at this position in districts.csv."""
    n = len(DISTRICT_COLOURS)
    return DISTRICT_COLOURS[position] if position < n else extra_colour(position - n)


@functools.cache
def all_district_ids(data_dir: Path) -> tuple[str, ...]:
    """Every district id of districts.csv, in order (colours stay fixed when some are left out)."""
    return tuple(pd.read_csv(Path(data_dir) / "districts.csv", dtype=str)["district_id"])


def district_colours(ds) -> dict[str, str]:
    """district_id → colour, by the district's row in the data folder's districts.csv."""
    order = all_district_ids(ds.data_dir)
    return {d: district_colour(order.index(d) if d in order else len(order) + i) for i, d in enumerate(ds.district_ids)}


def category_colours(codes: list[str]) -> list[str]:
    """One colour per category code, cycling through the category palette."""
    return [CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i in range(len(codes))]
