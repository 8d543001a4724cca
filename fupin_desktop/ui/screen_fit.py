"""Windows that fit the laptop's screen (1366×768 is common in township stations): every top-level
window is kept inside the available screen area when it is shown, and the main window remembers
its size, position, maximised state and splitter positions between sessions (QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QSplitter, QWidget

# What the main window asks for when nothing is remembered; a smaller screen gets its whole area.
PREFERRED_WIDTH = 1280
PREFERRED_HEIGHT = 800


def available_area(widget: QWidget) -> QRect:
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_inside_screen(widget: QWidget) -> None:
    """Shrink the window (frame included) to the available area if it is larger, then move it inside."""
    area = available_area(widget)
    frame, inner = widget.frameGeometry(), widget.geometry()
    extra_width, extra_height = frame.width() - inner.width(), frame.height() - inner.height()
    width = min(inner.width(), area.width() - extra_width)
    height = min(inner.height(), area.height() - extra_height)
    if (width, height) != (inner.width(), inner.height()):
        widget.resize(max(width, widget.minimumWidth()), max(height, widget.minimumHeight()))
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.x()), area.x() + area.width() - frame.width())
    y = min(max(frame.y(), area.y()), area.y() + area.height() - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        widget.move(max(x, area.x()), max(y, area.y()))


class ScreenFitter(QObject):
    """Installed on the application: each dialog and main window is fitted when it is first shown."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(watched, QDialog | QMainWindow)
            and watched.isWindow()
            and not watched.isMaximized()
            and not watched.isFullScreen()
        ):
            fit_inside_screen(watched)
        return False


def install_screen_fitter(app: QApplication) -> ScreenFitter:
    fitter = ScreenFitter(app)
    app.installEventFilter(fitter)
    return fitter


def initial_geometry(window: QMainWindow) -> None:
    """The first size of the main window: 1280×800, or the whole available area of a smaller screen."""
    area = available_area(window)
    width = min(PREFERRED_WIDTH, area.width())
    height = min(PREFERRED_HEIGHT, area.height())
    window.resize(width, height)
    window.move(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2)


def _splitters(window: QMainWindow) -> list[QSplitter]:
    return [splitter for splitter in window.findChildren(QSplitter) if splitter.objectName()]


def restore_window(window: QMainWindow, settings: QSettings) -> None:
    """Size, position, maximised state and splitters as they were when the window was last closed."""
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray) and window.restoreGeometry(geometry):
        if settings.value("window/maximised", False, type=bool):
            window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    else:
        initial_geometry(window)
    for splitter in _splitters(window):
        state = settings.value(f"splitters/{splitter.objectName()}")
        if isinstance(state, QByteArray):
            splitter.restoreState(state)


def save_window(window: QMainWindow, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/maximised", window.isMaximized())
    for splitter in _splitters(window):
        settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
    settings.sync()
