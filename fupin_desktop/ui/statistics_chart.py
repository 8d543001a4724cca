"""A horizontal bar chart drawn with QPainter: one block of bars per category, clickable.

Horizontal bars leave room on the left for Chinese region names of any length and stay readable
when a township has twenty villages (the chart grows downwards and scrolls). Clicking a bar emits
``bar_clicked(category, series)``; clicking a category's name emits ``label_clicked(category)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

# Colour-blind-safe pairs (Okabe–Ito): the denominator pale, the numerator strong.
PALETTE = ("#9ecae1", "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9")
NOTE_COLOUR = "#a04000"
MUTED = "#c9c9c9"
LABEL_MAX = 150
BAR = 14
GAP = 9
TOP = 34
RIGHT = 130


@dataclass(frozen=True)
class ChartData:
    categories: tuple[str, ...]
    series: tuple[str, ...]
    values: tuple[tuple[int, ...], ...]  # values[category][series]
    notes: tuple[str, ...] = ()  # a short note after each category's last bar (its rate), or none
    drillable: tuple[bool, ...] = ()  # whether a category's name opens the region below it
    notes_label: str = ""  # what the notes are, shown in the legend
    muted: tuple[bool, ...] = ()  # categories drawn in grey (the funnel's side exits)


def nice_maximum(value: int) -> int:
    """The axis end: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


class BarChart(QWidget):
    bar_clicked = Signal(int, int)
    label_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ChartData((), (), ())
        self.empty_text = "正在统计……"
        self._bars: list[tuple[QRectF, int, int]] = []
        self._labels: list[tuple[QRectF, int]] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(360)

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.empty_text = "本区划没有下级区划" if not data.categories and data.series else "正在统计……"
        self.setFixedHeight(self._height())
        self.update()

    def _block(self) -> int:
        return BAR * max(1, len(self.data.series)) + GAP

    def _height(self) -> int:
        return TOP + self._block() * max(1, len(self.data.categories)) + 8

    def sizeHint(self) -> QSize:
        return QSize(520, self._height())

    def _small_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1))
        return small

    def _label_width(self) -> int:
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(c) for c in self.data.categories), default=40)
        return min(LABEL_MAX, widest + 14)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        data = self.data
        self._bars, self._labels = [], []
        metrics = self.fontMetrics()
        if not data.categories:
            painter.setPen(QColor("#666"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        # legend
        x = 8.0
        for s, name in enumerate(data.series):
            painter.fillRect(QRectF(x, 10, 12, 12), QColor(self._colour(s)))
            painter.setPen(QColor("#222"))
            painter.drawText(QPointF(x + 16, 10 + metrics.ascent() - 1), name)
            x += 16 + metrics.horizontalAdvance(name) + 18
        if any(data.muted):
            painter.fillRect(QRectF(x, 10, 12, 12), QColor(MUTED))
            painter.setPen(QColor("#222"))
            painter.drawText(QPointF(x + 16, 10 + metrics.ascent() - 1), "退出办理")
        if data.notes_label:
            painter.setPen(QColor(NOTE_COLOUR))
            painter.drawText(QPointF(x, 10 + metrics.ascent() - 1), f"百分数：{data.notes_label}")
        label_width = self._label_width()
        left = label_width + 6
        span = max(40, self.width() - left - RIGHT)
        top_value = nice_maximum(max((v for row in data.values for v in row), default=0))
        block = self._block()
        small = self._small_font()
        for c, name in enumerate(data.categories):
            y = TOP + c * block
            drillable = bool(data.drillable) and data.drillable[c]
            label_rect = QRectF(2, y, label_width - 4, block - GAP)
            painter.setPen(QColor("#0b5cad") if drillable else QColor("#222"))
            painter.setFont(self.font())
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(label_rect.width()))
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
            self._labels.append((label_rect, c))
            for s, value in enumerate(data.values[c]):
                bar_y = y + s * BAR
                width = span * value / top_value
                rect = QRectF(left, bar_y + 1, max(width, 1.0 if value else 0.0), BAR - 2)
                muted = bool(data.muted) and data.muted[c]
                painter.fillRect(rect, QColor(MUTED if muted else self._colour(s)))
                self._bars.append((QRectF(left, bar_y, max(width, 24.0), BAR), c, s))
                painter.setPen(QColor("#222"))
                number = f"{value:,}"
                painter.drawText(
                    QRectF(left + width + 4, bar_y, RIGHT + span - width, BAR),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    number,
                )
                if data.notes and data.notes[c] and s == len(data.values[c]) - 1:
                    painter.setFont(small)
                    painter.setPen(QColor(NOTE_COLOUR))
                    painter.drawText(
                        QRectF(left + width + 10 + metrics.horizontalAdvance(number), bar_y, RIGHT + span, BAR),
                        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                        data.notes[c],
                    )
                    painter.setFont(self.font())
        painter.setPen(QPen(QColor("#bbb"), 1))
        painter.drawLine(QPointF(left, TOP - 4), QPointF(left, TOP + block * len(data.categories) - GAP + 2))

    def _colour(self, series: int) -> str:
        """A single series in the strong colour; pairs pale (the whole) then strong (the part)."""
        return PALETTE[1] if len(self.data.series) == 1 else PALETTE[series % len(PALETTE)]

    def hit(self, x: float, y: float) -> tuple[str, int, int] | None:
        """What lies under a point: ("bar", category, series) or ("label", category, -1)."""
        for rect, c, s in self._bars:
            if rect.contains(x, y):
                return ("bar", c, s)
        for rect, c in self._labels:
            if rect.contains(x, y):
                return ("label", c, -1)
        return None

    def bar_rect(self, category: int, series: int) -> QRectF:
        return next(rect for rect, c, s in self._bars if (c, s) == (category, series))

    def label_rect(self, category: int) -> QRectF:
        return next(rect for rect, c in self._labels if c == category)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        found = self.hit(event.position().x(), event.position().y())
        clickable = found is not None and (found[0] == "bar" or self._drillable(found[1]))
        self.setCursor(Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor)

    def _drillable(self, category: int) -> bool:
        return bool(self.data.drillable) and self.data.drillable[category]

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        found = self.hit(event.position().x(), event.position().y())
        if found is None:
            return
        kind, category, series = found
        if kind == "bar":
            self.bar_clicked.emit(category, series)
        elif self._drillable(category):
            self.label_clicked.emit(category)
