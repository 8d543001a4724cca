"""What every page of the window shares: the open database, the signed-in operator, change signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from fupin_desktop.services.settings import StationProfile, load_station_profile
from fupin_desktop.store.db import Database


class AppContext(QObject):
    """Passed to every page; pages talk to each other only through its signals."""

    # Emitted after a use case committed: the kind of record that changed ("household", "intention", …).
    data_changed = Signal(str)
    profile_changed = Signal()

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.profile: StationProfile = database.read(load_station_profile)

    @property
    def operator(self) -> str:
        return self.profile.operator_name or "未登录"

    def set_profile(self, profile: StationProfile) -> None:
        self.profile = profile
        self.profile_changed.emit()
