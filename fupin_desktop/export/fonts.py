"""The bundled Noto fonts in reportlab, registered once; no system font is ever used.

NotoSansSC-Regular covers every GBK character; the bold and serif faces cover GB2312 only, so
``face_for`` falls back to the regular sans for text with a rarer character (a name such as 䶮),
and a missing bold face is drawn with text render mode fill+stroke instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from fupin_desktop.assets import resource_path

SANS = "NotoSansSC"
SANS_BOLD = "NotoSansSC-Bold"
SERIF = "NotoSerifSC"
SERIF_BOLD = "NotoSerifSC-Bold"

_FILES = {
    SANS: "NotoSansSC-Regular.ttf",
    SANS_BOLD: "NotoSansSC-Bold.ttf",
    SERIF: "NotoSerifSC-Regular.ttf",
    SERIF_BOLD: "NotoSerifSC-Bold.ttf",
}
_lock = threading.Lock()
_registered: dict[str, TTFont] = {}


class FontMissing(RuntimeError):
    """The bundled regular face is not where the program expects it (a broken installation)."""


def register_fonts() -> None:
    """Register the bundled faces with reportlab (idempotent, thread-safe)."""
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            path = resource_path("fonts", filename)
            if not path.exists():
                if name == SANS:
                    raise FontMissing(f"缺少字体文件 {path}，请重新安装本程序。")
                continue
            font = TTFont(name, str(path))
            pdfmetrics.registerFont(font)
            _registered[name] = font


@dataclass(frozen=True)
class Face:
    """A font to draw one string with, and whether to embolden it by stroking."""

    name: str
    fake_bold: bool = False


def face_for(text: str, preferred: str) -> Face:
    """The preferred face when it has every character of ``text``, else the regular sans."""
    register_fonts()
    wants_bold = preferred in (SANS_BOLD, SERIF_BOLD)
    font = _registered.get(preferred)
    if font is None:
        fallback = SERIF if preferred == SERIF_BOLD and SERIF in _registered else SANS
        return face_for(text, fallback) if not wants_bold else Face(face_for(text, fallback).name, True)
    if preferred == SANS or covers(font, text):
        return Face(preferred)
    return Face(SANS, fake_bold=wants_bold)


def covers(font: TTFont, text: str) -> bool:
    glyphs = font.face.charToGlyph
    return all(ord(ch) in glyphs or ch in " \n\t" for ch in text)
