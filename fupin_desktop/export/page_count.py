"""A reportlab canvas that knows, when it is saved, how many pages it has, so that each page's foot can
say "第 n 页 共 N 页" (a printed form of several pages, one page lost, is then noticed).

Each finished page is kept until ``save`` instead of being written at once, then the footer is drawn on
it with its number and the total — reportlab's own recipe for "page n of N" (a canvas keeps a page's
drawing in its state until ``showPage`` writes it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.pdfgen.canvas import Canvas

Footer = Callable[[Canvas, int, int], None]


class CountedPages(Canvas):  # type: ignore[misc]  # reportlab has no types
    """``footer(canvas, number, total)`` is drawn on every page when the document is saved."""

    def __init__(self, *args: Any, footer: Footer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._kept: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._kept.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._kept)
        for number, state in enumerate(self._kept, start=1):
            self.__dict__.update(state)
            self._footer(self, number, total)
            super().showPage()
        super().save()


def counted(footer: Footer) -> Callable[..., CountedPages]:
    """A canvas maker for reportlab's document templates (``build(…, canvasmaker=counted(footer))``)."""

    def make(*args: Any, **kwargs: Any) -> CountedPages:
        return CountedPages(*args, footer=footer, **kwargs)

    return make
