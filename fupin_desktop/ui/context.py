"""What every page of the window shares: the open database, the signed-in operator, change signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.domain.permissions import Capability, allowed
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.settings import StationProfile, load_station_profile
from fupin_desktop.store.db import Database


class AppContext(QObject):
    """Passed to every page; pages talk to each other only through its signals."""

    # Emitted after a use case committed: the kind of record that changed ("household", "intention", …).
    data_changed = Signal(str)
    profile_changed = Signal()
    account_changed = Signal()

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.profile: StationProfile = database.read(load_station_profile)
        self.account: Actor | None = None  # signed in, once the database has a 管理员 account
        self._guarded: list[tuple[QAction | QWidget, Capability]] = []

    @property
    def operator(self) -> str:
        """The name the audit records: the signed-in account, else (no accounts yet) the profile's 填表人."""
        if self.account is not None:
            return self.account.name
        return self.profile.operator_name or "未登录"

    @property
    def actor(self) -> Who:
        """What the services check: the signed-in account, or the plain name when there is none."""
        return self.account if self.account is not None else self.operator

    def may(self, *roles: Role) -> bool:
        """Whether to offer a step to the signed-in account (the service checks it again, whatever this says);
        with no account signed in the service alone decides."""
        return self.account is None or self.account.role is None or self.account.role in roles

    def may_do(self, operation: Capability) -> bool:
        """Whether the permission table (domain/permissions.py) lets the signed-in account take ``operation``;
        with nobody signed in (no accounts yet) everything is offered, as the services then allow it."""
        return self.account is None or allowed(self.account.role, operation)

    def guard(self, item: QAction | QWidget, operation: Capability) -> None:
        """Show ``item`` (a menu entry or a button) only to accounts that may take ``operation``, now and
        after every change of account. Hidden rather than disabled: pages keep enabling their buttons by
        the selection, and what is not offered at all is not a puzzle."""
        self._guarded.append((item, operation))
        item.destroyed.connect(lambda *_args, gone=item: self._forget(gone))
        self._show_if_allowed(item, operation)

    def _forget(self, item: QAction | QWidget) -> None:
        self._guarded = [(kept, op) for kept, op in self._guarded if kept is not item]

    def _show_if_allowed(self, item: QAction | QWidget, operation: Capability) -> None:
        """Hide what the account may not do; show again only what this hid (never a widget that is not
        laid out yet, which would open as a window of its own)."""
        if not self.may_do(operation):
            item.setVisible(False)
            item.setProperty("hidden_by_role", True)
        elif item.property("hidden_by_role"):
            item.setProperty("hidden_by_role", False)
            item.setVisible(True)

    def set_account(self, account: Actor) -> None:
        self.account = account
        for item, operation in list(self._guarded):
            self._show_if_allowed(item, operation)
        self.account_changed.emit()
        self.data_changed.emit("region")  # what the account may see changes with it: lists and trees reload

    def set_profile(self, profile: StationProfile) -> None:
        self.profile = profile
        self.profile_changed.emit()
