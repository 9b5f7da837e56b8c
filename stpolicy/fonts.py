"""One CJK font for every renderer: Noto Sans CJK SC (OFL), shipped by the mplfonts wheel.

matplotlib, vl-convert, the browser (a woff2 subset embedded in the HTML) and WeasyPrint all
draw with the same file, so Chinese renders identically everywhere and nothing is fetched.
"""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path

import mplfonts

FAMILY = "Noto Sans CJK SC"
FONT_FILE = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
CSS_STACK = f"'{FAMILY}', 'Noto Sans', sans-serif"


@functools.cache
def register_in_matplotlib() -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(FONT_FILE))


def matplotlib_rc() -> dict:
    """rcParams that draw with the project font. Apply them in `matplotlib.rc_context`, never globally:
    a participant's kernel keeps its own settings."""
    register_in_matplotlib()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FAMILY, "DejaVu Sans"],
        "axes.unicode_minus": False,  # the CJK font lacks U+2212
        "svg.fonttype": "path",  # SVG text as outlines: no font needed to view it
    }


@functools.cache
def use_in_vl_convert() -> None:
    import vl_convert

    vl_convert.register_font_directory(str(FONT_FILE.parent))


def woff2_subset(text: str, layout_features: list[str] | None = None) -> bytes:
    """The font cut down to the characters of `text`, as WOFF2 (tens of KB instead of 16 MB).

    `layout_features=[]` drops OpenType layout (alternate forms): twice as fast and half the size.
    """
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"] if layout_features is None else layout_features
    font = subset.load_font(str(FONT_FILE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + "0123456789")
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def embedded_font_face(text: str) -> str:
    data = base64.b64encode(woff2_subset(text)).decode("ascii")
    return (
        f"@font-face {{ font-family: '{FAMILY}'; font-weight: 100 900; "
        f"src: url(data:font/woff2;base64,{data}) format('woff2'); }}"
    )


def file_font_face() -> str:
    return f"@font-face {{ font-family: '{FAMILY}'; src: url('{FONT_FILE.as_uri()}'); }}"
