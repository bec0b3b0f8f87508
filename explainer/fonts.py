"""A font that can write Korean into the figures the app renders on the server (the MP4/GIF animations).

The browser draws the app's words in the reader's font; an animation is drawn by matplotlib on the server, whose
default DejaVu Sans has no Hangul (it draws boxes). This finds an installed font that has it (Noto Sans CJK from
Debian's fonts-noto-cjk, which packages.txt asks Hugging Face Spaces to install; Nanum or Noto Sans KR elsewhere)
and hands matplotlib the family list "DejaVu Sans, that font", so each glyph falls back to it. Without one, a
Korean request is drawn in English (figure_language): a readable English title, never boxes.

    hangul_family()          the family name of an installed font with Hangul, or None
    figure_language(lang)    lang, or "en" when lang is "ko" and no such font is installed
    font_family(lang)        the matplotlib family list for text in lang
Nothing here imports gradio.
"""
from __future__ import annotations

import functools

CANDIDATES = ("NotoSansCJK-Regular", "NotoSansCJKkr-Regular", "NotoSansKR", "NanumGothic", "NanumBarunGothic",
              "UnDotum", "baekmuk")  # file-name stems, best first
HANGUL_PROBE = "가한글"


@functools.lru_cache(maxsize=1)
def hangul_family() -> str | None:
    """The family of the first installed candidate font whose character map has Hangul (registered with
    matplotlib), or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    files = font_manager.findSystemFonts()
    for stem in CANDIDATES:
        for path in sorted(f for f in files if stem.lower() in f.lower().rsplit("/", 1)[-1]):
            try:
                charmap = FT2Font(path).get_charmap()
                if not all(ord(ch) in charmap for ch in HANGUL_PROBE):
                    continue
                font_manager.fontManager.addfont(path)
                bold = path.replace("Regular", "Bold")  # the titles' bold weight, where the family has one
                if bold != path and bold in files:
                    font_manager.fontManager.addfont(bold)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):  # unreadable font file: try the next
                continue
    return None


def figure_language(lang: str) -> str:
    """The language a server-drawn figure can be written in: Korean only when a font can draw it."""
    return "ko" if lang == "ko" and hangul_family() is not None else "en"


def font_family(lang: str) -> list[str]:
    """matplotlib's family list for text in lang: DejaVu Sans first (its Latin and maths), then the Hangul font."""
    family = hangul_family() if lang == "ko" else None
    return ["DejaVu Sans", family] if family else ["DejaVu Sans"]
