"""Typesetting shared by every PDF the program draws on the reportlab canvas (the sheets in pdf.py, the
公示 notice and the visit form in printouts.py): which face draws a string, how wide it is, where a
line breaks, and drawing one placed string.

A string is placed as a ``TextOp`` (position, face, size, alignment, and where it belongs, for naming a
difference when the verifier compares a file with its layout) and then drawn by ``draw_text`` or by a
writer that puts the same operators into the content stream itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from fupin_desktop.export.fonts import SANS, face_for

Align = Literal["left", "centre", "right"]
# Where a string sits, for naming a difference: ("cell", row index, column index), ("header",), …
Where = tuple[Any, ...]
# The width of a string in a font at a size, in points: ``pdfmetrics.stringWidth`` or a cache of it.
Measure = Callable[[str, str, float], float]


class TextOp(NamedTuple):
    x: float
    y: float
    text: str
    font: str
    fake_bold: bool
    size: float
    align: Align
    where: Where


def place(
    x: float, y: float, text: str, font: str, size: float, align: Align, where: Where = ("other",)
) -> TextOp:
    """``text`` at (x, y) in the preferred ``font``, or in the face that has all of its characters."""
    if font == SANS:  # the regular face has every character the program accepts
        return TextOp(x, y, text, SANS, False, size, align, where)
    face = face_for(text, font)
    return TextOp(x, y, text, face.name, face.fake_bold, size, align, where)


def draw_text(canvas: Canvas, op: TextOp) -> None:
    """Draw one placed string; a face without bold is emboldened by stroking (fill+stroke mode)."""
    canvas.setFont(op.font, op.size)
    mode = None
    if op.fake_bold:
        canvas.setLineWidth(op.size * 0.035)
        mode = 2
    if op.align == "left":
        canvas.drawString(op.x, op.y, op.text, mode=mode)
    elif op.align == "right":
        canvas.drawRightString(op.x, op.y, op.text, mode=mode)
    else:
        canvas.drawCentredString(op.x, op.y, op.text, mode=mode)
    if op.fake_bold:
        canvas.setLineWidth(0.5)


class Widths:
    """``pdfmetrics.stringWidth`` remembered per (text, font, size) for one document: a county list
    repeats its village names, 文化程度 and 工种 tens of thousands of times."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str, float], float] = {}

    def __call__(self, text: str, font: str, size: float) -> float:
        key = (text, font, size)
        width = self._known.get(key)
        if width is None:
            width = self._known[key] = pdfmetrics.stringWidth(text, font, size)
        return width


def em_width(text: str, font: str) -> float:
    """The width of ``text`` in ems, measured in the face that draws it in the preferred ``font``."""
    return float(pdfmetrics.stringWidth(text, face_for(text, font).name, 1.0))


# A short bracketed unit ("(人)", "(%)", "（工种）") is kept whole, so that a heading never breaks inside it.
_WORD = re.compile(r"[(（][^()（）\s]{1,6}[)）]|[A-Za-z0-9][A-Za-z0-9\-.@/:]*|.", re.S)
# Chinese typesetting keeps these off the start of a line: they hang at the end of the line before.
NO_LINE_START = set("，。、；：？！）》」』”’%·…,.;:?!)]")
_ascii_em: dict[str, float] = {}


def _widest_ascii(font: str) -> float:
    """The widest printable ASCII glyph of ``font``, in ems: ASCII text no longer than the line
    allows at that width fits without being measured (ID numbers, telephone numbers)."""
    em = _ascii_em.get(font)
    if em is None:
        em = max(pdfmetrics.stringWidth(chr(code), font, 1000) for code in range(32, 127)) / 1000
        _ascii_em[font] = em
    return em


def wrap(text: str, font: str, size: float, width: float, measure: Measure | None = None) -> list[str]:
    """Break text into lines that fit ``width``: CJK between any two characters, digits and Latin
    words kept whole where they fit, closing punctuation hanging rather than starting a line.
    ``measure`` is ``pdfmetrics.stringWidth`` or a cache of it (``Widths``)."""
    string_width = measure or pdfmetrics.stringWidth
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if len(paragraph) * size <= width:  # no glyph is wider than 1 em: no need to measure
            lines.append(paragraph)
            continue
        if paragraph.isascii() and len(paragraph) * size * _widest_ascii(font) <= width:
            lines.append(paragraph)
            continue
        line = ""
        used = 0.0
        for token in _WORD.findall(paragraph):
            w = string_width(token, font, size)
            if line and used + w > width and token not in NO_LINE_START:
                if w > width:  # a word longer than the line: break it anywhere
                    for ch in token:
                        cw = string_width(ch, font, size)
                        if line and used + cw > width:
                            lines.append(line)
                            line, used = "", 0.0
                        line += ch
                        used += cw
                    continue
                lines.append(line)
                line, used = "", 0.0
            line += token
            used += w
        lines.append(line)
    return lines or [""]
