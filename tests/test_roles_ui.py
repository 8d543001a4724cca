"""The window offers what the table lets the signed-in account do, and a 村级录入员 sees their village only.

Signed in through the real sign-in dialog, on the role matrix's scene (北村 and 南村, one account per role).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, Qt, QTimer
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fupin_desktop.domain.workflow import State
from fupin_desktop.store.db import Database
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.sign_in_dialog import SignInDialog
from tests.test_roles import PASSWORD, Scene, build_scene, copy_scene


@pytest.fixture(scope="module")
def scene_template(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    return build_scene(tmp_path_factory.mktemp("roles_ui"))


@pytest.fixture
def opened(scene_template: Scene, tmp_path: Path) -> Iterator[Database]:
    _scene, database = copy_scene(scene_template, tmp_path)
    yield database
    database.dispose()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def signed_in_window(qtbot: QtBot, database: Database, name: str) -> MainWindow:
    window = MainWindow(database)
    qtbot.addWidget(window)
    window.show()

    def sign_in_when_shown() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        dialog.name_edit.setText(name)
        dialog.password_edit.setText(PASSWORD)
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, sign_in_when_shown)
    assert window.switch_user()
    return window


def tree_names(model: QStandardItemModel) -> list[str]:
    names: list[str] = []

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            names.append(str(index.data()).split("（")[0].split(" ")[0])
            walk(index)

    walk(QModelIndex())
    return names


def test_a_village_clerk_is_offered_neither_seal_nor_approval_nor_accounts(
    qtbot: QtBot, opened: Database, tmp_path: Path
) -> None:
    window = signed_in_window(qtbot, opened, "village")
    assert window.operator_label.text() == "当前账号：北村录入员（村级录入员）"
    assert not window.accounts_action.isVisible()
    assert not window.profile_action.isVisible()
    assert window.counts_label.text().startswith("6户 · 12人")  # 北村's, not the 8 households of both villages
    roster = window.build_page(0)
    assert not roster.region_menu_button.isVisibleTo(window) and not roster.add_village_button.isVisibleTo(window)
    assert roster.add_button.isVisibleTo(window)  # households of their own village: offered
    assert [name for name in tree_names(roster.region_model) if "村" in name] == ["北村"]
    assert roster.households.total == 6
    assert {roster.households.index(row, 4).data() for row in range(roster.households.rowCount())} == {"北村"}

    intentions = window.build_page(1)
    intentions.table.selectAll()
    approve = intentions.step_buttons[State.APPROVED]
    assert not approve.isEnabled() and approve.toolTip() == "需要审核人（站长）权限才能审核通过"
    assert {row.village for row in intentions.model.rows} == {"北村"}
    submissions = window.build_page(3)
    assert not submissions.seal_button.isEnabled()
    assert not submissions.unlock_button.isEnabled()
    notices = window.build_page(2)
    assert not notices.new_button.isVisibleTo(window) and not notices.close_button.isVisibleTo(window)


def test_the_administrator_gets_account_management_and_the_clerk_does_not(qtbot: QtBot, opened: Database) -> None:
    window = signed_in_window(qtbot, opened, "admin")
    assert window.accounts_action.isVisible() and window.profile_action.isVisible()
    roster = window.build_page(0)
    assert not roster.add_button.isVisibleTo(window)  # the 管理员 enters no households
    assert roster.region_menu_button.isVisibleTo(window)
    dialog = window.open_accounts()
    qtbot.addWidget(dialog)
    assert [row.name for row in dialog.model.rows()] == ["admin", "reviewer", "clerk", "village"]

    def switch_to_clerk() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        dialog.name_edit.setText("clerk")
        dialog.password_edit.setText(PASSWORD)
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    dialog.close()
    QTimer.singleShot(0, switch_to_clerk)
    assert window.switch_user()
    assert not window.accounts_action.isVisible()
    assert roster.add_button.isVisibleTo(window) and not roster.region_menu_button.isVisibleTo(window)
    assert len([name for name in tree_names(roster.region_model) if "村" in name]) == 2


def test_the_administrator_makes_a_village_clerk_in_the_dialog(qtbot: QtBot, opened: Database) -> None:
    from fupin_desktop.domain.accounts import Role
    from fupin_desktop.services.accounts import list_accounts
    from fupin_desktop.ui.accounts_dialog import NewAccountDialog

    window = signed_in_window(qtbot, opened, "admin")
    dialog = NewAccountDialog(window.context, window)
    qtbot.addWidget(dialog)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.VILLAGE_CLERK.value))
    assert dialog.village.isEnabled()
    dialog.village.setCurrentIndex(dialog.village.findData("371321001002"))
    dialog.name.setText("南村录入")
    dialog.password.setText("nan-1234")
    dialog.again.setText("nan-1234")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    made = next(row for row in list_accounts(opened) if row.name == "南村录入")
    assert made.role is Role.VILLAGE_CLERK and made.region_name == "南村"
