"""Run in a child process on an offscreen screen of a given size (tests/test_screen_fit.py): opens the
main window and each dialog a first day needs, prints one JSON line per window with what does not fit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from sqlalchemy import select


def problems(window: QWidget) -> list[str]:
    QApplication.processEvents()
    area = window.screen().availableGeometry()
    frame = window.frameGeometry()
    found = [] if area.contains(frame) else [f"frame {frame.getRect()} outside {area.getRect()}"]
    inside = QRect(window.mapToGlobal(window.rect().topLeft()), window.size())
    for button in window.findChildren(QAbstractButton):
        if not button.isVisibleTo(window) or button.window() is not window:
            continue
        rect = QRect(button.mapToGlobal(button.rect().topLeft()), button.size())
        if not (inside.contains(rect) and area.contains(rect)):
            found.append(f"button {button.text() or button.objectName()!r} at {rect.getRect()} cut off")
    return found


def main(db_path: str, pdf_path: str) -> int:
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.models import Household, Person
    from fupin_desktop.ui.app import create_main_window, make_application
    from fupin_desktop.ui.audit_dialog import AuditDialog
    from fupin_desktop.ui.household_form import HouseholdDialog
    from fupin_desktop.ui.person_form import PersonDialog
    from fupin_desktop.ui.profile_dialog import ProfileDialog
    from fupin_desktop.ui.region_dialog import CountyDialog
    from fupin_desktop.ui.submissions_page import PdfPreviewDialog, VerifyDialog
    from fupin_desktop.ui.visit_dialog import VisitDialog

    make_application()
    database = open_database(db_path)
    window = create_main_window(database, None)
    window.show()
    context = window.context  # type: ignore[attr-defined]
    with database.session_factory() as session:
        household = session.scalars(select(Household).order_by(Household.household_no)).first()
        assert household is not None
        person = session.scalars(select(Person).where(Person.household_id == household.id)).first()
        assert person is not None
        household_id, village_id, person_id = household.id, household.village_id, person.id
    dialogs: dict[str, QWidget] = {
        "新增农户": HouseholdDialog(context, village_id=village_id, parent=window),
        "修改户信息": HouseholdDialog(context, household_id=household_id, parent=window),
        "新增成员": PersonDialog(context, household_id=household_id, member_index=9, parent=window),
        "登记走访": VisitDialog(context, household_id, "户", window),
        "修改记录": AuditDialog(context, "person", [person_id], "修改记录", window),
        "本站信息": ProfileDialog(database, context.profile, parent=window),
        "所属县": CountyDialog(database, "测试员", parent=window),
        "核验": VerifyDialog(window),
        "打印预览": PdfPreviewDialog(Path(pdf_path), window),
    }
    print(json.dumps({"window": "主窗口", "problems": problems(window)}, ensure_ascii=False))
    for name, dialog in dialogs.items():
        dialog.show()
        print(json.dumps({"window": name, "problems": problems(dialog)}, ensure_ascii=False))
        dialog.hide()
    window.close()
    print(json.dumps({"remembered": remember(database, Path(db_path).with_suffix(".ini"))}, ensure_ascii=False))
    database.dispose()
    return 0


def remember(database: object, ini: Path) -> dict[str, object]:
    """Open, move, resize and split the window, close it, and report what a second window restores."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QSplitter

    from fupin_desktop.ui.main_window import MainWindow

    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    first = MainWindow(database, settings)  # type: ignore[arg-type]
    first.show()
    first.resize(1000, 700)
    first.move(40, 30)
    splitter = first.findChild(QSplitter, "roster_horizontal")
    assert isinstance(splitter, QSplitter)
    splitter.setSizes([320, 680])
    QApplication.processEvents()
    sizes = splitter.sizes()
    first.close()
    second = MainWindow(database, settings)  # type: ignore[arg-type]
    second.show()
    QApplication.processEvents()
    restored = second.findChild(QSplitter, "roster_horizontal")
    assert isinstance(restored, QSplitter)
    result: dict[str, object] = {
        "size": [second.width(), second.height()],
        "pos": [second.x(), second.y()],
        "splitter": restored.sizes() == sizes,
    }
    second.showMaximized()
    QApplication.processEvents()
    second.close()
    third = MainWindow(database, settings)  # type: ignore[arg-type]
    result["maximised"] = third.isMaximized() or bool(third.windowState() & third.windowState().WindowMaximized)
    third.close()
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
