"""What every page of the window shares: the open database, the signed-in operator, change signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from fupin_desktop.domain.accounts import Actor, Role
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

    def set_account(self, account: Actor) -> None:
        self.account = account
        self.account_changed.emit()
        self.data_changed.emit("region")  # what the account may see changes with it: lists and trees reload

    def set_profile(self, profile: StationProfile) -> None:
        self.profile = profile
        self.profile_changed.emit()
