"""Fonts for every renderer, per language, all shipped in Python wheels (nothing is fetched):

- CJK: Noto Sans CJK SC (SIL OFL), from the mplfonts wheel (Regular only).
- Latin: DejaVu Sans (Bitstream Vera licence: free to embed and redistribute), from matplotlib's
  wheel, Regular and Bold. English text is set in it with the CJK font as fallback, so Latin letters
  and punctuation (quotes, commas) are proportional rather than full-width.

Which families a language uses, in which order, is data (locales.yml `fonts`). matplotlib,
vl-convert, the browser (WOFF subsets embedded in the HTML) and WeasyPrint use the same files.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
from pathlib import Path

import matplotlib
import mplfonts

from .i18n import locale

# fontTools warns on every subset of DejaVu Sans that it drops the FFTM table (a FontForge timestamp no
# renderer reads); the build's user would see that line four times per build and wonder what broke.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

FAMILY = "Noto Sans CJK SC"  # the CJK family; charts name it, Report.figure swaps in the language's stack
LATIN = "DejaVu Sans"
CSS_STACK = f"'{FAMILY}', '{LATIN}', sans-serif"  # the Chinese stack, for pages that are not per language
FONT_FILE = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
LATIN_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
# family → [(weight, file)]
FILES = {
    FAMILY: [(400, FONT_FILE)],
    LATIN: [(400, LATIN_DIR / "DejaVuSans.ttf"), (700, LATIN_DIR / "DejaVuSans-Bold.ttf")],
}
# OpenType features kept in the page's subsets (None: all). Horizontal Chinese text uses none of the CJK
# font's (vertical forms, proportional punctuation, ...): without them its subset is made in half the
# time at half the size. Latin text keeps kerning and ligatures.
LAYOUT_FEATURES = {FAMILY: [], LATIN: None}
# The web font format of the embedded subsets. WOFF (zlib) rather than WOFF2 (brotli at its top quality,
# which fontTools does not let us lower): the CJK subset of a report page is 187 kB instead of 169 kB
# and is written in 0.04 s instead of 2.2 s, for every page whose set of characters is new.
WEB_FORMAT = "woff"  # fontTools' flavor, the MIME subtype (font/woff) and the CSS format() name alike


@functools.cache
def register_in_matplotlib() -> None:
    """Make the report's font files known to matplotlib (once per process)."""
    from matplotlib import font_manager

    for files in FILES.values():
        for _, path in files:
            font_manager.fontManager.addfont(str(path))


def matplotlib_rc(lang: str = "zh", text_as_text: bool = False) -> dict:
    """rcParams that draw with the language's fonts. Apply them in `matplotlib.rc_context`, never
    globally: a participant's kernel keeps its own settings. With text_as_text, SVG text stays text
    (searchable in the PDF; the report page embeds the same fonts to show it), else outlines."""
    register_in_matplotlib()
    return {
        # The families themselves before the generic "sans-serif": matplotlib falls back glyph by glyph along
        # font.family, but resolves a generic family to its first installed font only (English text would
        # then draw Chinese characters as empty boxes). The generic stays last for the SVG's browser.
        "font.family": [*families(lang), "sans-serif"],
        "font.sans-serif": families(lang),
        "axes.unicode_minus": False,  # the CJK font lacks U+2212
        "svg.fonttype": "none" if text_as_text else "path",
        "svg.hashsalt": "stpolicy",  # clip-path ids from the content, not at random: a rebuild gives the same bytes
    }


def families(lang: str) -> list[str]:
    """The language's font families, first choice first (locales.yml `fonts`)."""
    return list(locale(lang)["fonts"])


def css_stack(lang: str) -> str:
    """The language's CSS font-family list (the page's --font-stack)."""
    return ", ".join(f"'{f}'" for f in families(lang)) + ", sans-serif"


def vega_font(lang: str) -> str:
    """A CSS font-family list for vega: browsers and vl-convert fall back glyph by glyph."""
    return ", ".join(families(lang))


def vl_convert_font_folder() -> Path:
    """A folder of links to exactly the report's font files, shared by every process that uses the same
    files: each kernel, worker and test registers fonts, and a folder per process would pile up in /tmp."""
    import hashlib
    import shutil
    import tempfile

    targets = sorted(str(path) for files in FILES.values() for _, path in files)
    key = hashlib.sha256("\n".join(targets).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"stpolicy-vl-fonts-{key}"
    if folder.is_dir():
        return folder
    # Made under a private name, then renamed into place: a process that lost the race finds the folder
    # complete (renaming onto a non-empty folder fails) and drops its own copy.
    staging = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=folder.parent))
    for target in targets:
        (staging / Path(target).name).symlink_to(target)
    try:
        staging.rename(folder)
    except OSError:
        shutil.rmtree(staging)
    return folder


@functools.cache
def use_in_vl_convert() -> None:
    """Register exactly the report's font files: mplfonts' folder also holds serif CJK faces, which
    vl-convert would otherwise pick for Chinese characters in an English label."""
    import vl_convert

    vl_convert.register_font_directory(str(vl_convert_font_folder()))


def web_font_subset(text: str, layout_features: list[str] | None = None, path: Path = FONT_FILE) -> bytes:
    """A font (the CJK one unless `path`) cut down to the characters of `text`, as a web font (tens or
    hundreds of KB instead of 16 MB; WEB_FORMAT). `layout_features=[]` drops OpenType layout (alternate
    forms): twice as fast and half the size.
    """
    from fontTools import subset

    options = subset.Options()
    options.flavor = WEB_FORMAT
    options.layout_features = ["*"] if layout_features is None else layout_features
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + "0123456789")
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def embedded_font_face(text: str, lang: str = "zh", memo=None) -> str:
    """@font-face rules with the language's fonts embedded as subsets of the page's characters.
    `memo(kind, parts, compute)` (stpolicy.cache.Cache.memo) keeps subsets between builds."""
    chars = "".join(sorted(set(text)))  # the subset depends on the set of characters only
    rules = []
    for family in families(lang):
        for weight, path in FILES.get(family, []):
            features = LAYOUT_FEATURES[family]
            compute = functools.partial(web_font_subset, chars, features, path)
            parts = [path.name, path.stat().st_size, features, WEB_FORMAT, chars]
            subset = memo("font", parts, compute) if memo else compute()
            rules.append(font_face_rule(family, "100 900" if len(FILES[family]) == 1 else str(weight), subset))
    return "\n".join(rules)


def font_face_rule(family: str, weight: str, font: bytes) -> str:
    """An @font-face rule with the web font embedded as a data: URL (the page needs no font file)."""
    data = base64.b64encode(font).decode("ascii")
    return (
        f"@font-face {{ font-family: '{family}'; font-weight: {weight}; "
        f"src: url(data:font/{WEB_FORMAT};base64,{data}) format('{WEB_FORMAT}'); }}"
    )


def file_font_face(lang: str = "zh") -> str:
    """@font-face rules pointing at the font files (WeasyPrint subsets and embeds them itself)."""
    return "\n".join(
        f"@font-face {{ font-family: '{family}'; font-weight: {weight}; src: url('{path.as_uri()}'); }}"
        for family in families(lang)
        for weight, path in FILES.get(family, [])
    )


def localise(spec, lang: str):
    """A vega-lite spec with every font named FAMILY replaced by the language's font list."""
    if isinstance(spec, dict):
        return {
            k: (vega_font(lang) if v == FAMILY and "font" in k.lower() else localise(v, lang)) for k, v in spec.items()
        }
    if isinstance(spec, list):
        return [localise(v, lang) for v in spec]
    return spec
