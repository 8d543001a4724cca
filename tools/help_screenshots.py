"""Take the screenshots of the manual (resources/help/*.png) from the real windows,
offscreen at 1366×768: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tools/help_screenshots.py``."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "help"
WIDTH = 1000  # pixels of a picture in the manual


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="fupin-help-"))
    screen = {"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768}]}
    (work / "screen.json").write_text(json.dumps(screen))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={work / 'screen.json'}"
    os.environ["XDG_CONFIG_HOME"] = str(work)
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QWidget

    from fupin_desktop.services.regions import import_regions
    from fupin_desktop.services.settings import StationProfile, save_station_profile
    from fupin_desktop.services.station import start_station
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.uow import UnitOfWork
    from fupin_desktop.ui.app import create_main_window, make_application
    from fupin_desktop.ui.household_form import HouseholdDialog
    from fupin_desktop.ui.profile_dialog import ProfileDialog
    from fupin_desktop.ui.region_dialog import CountyDialog
    from fupin_desktop.ui.roster_models import RECORD_ROLE

    make_application()

    def shot(widget: QWidget, name: str) -> None:
        QApplication.processEvents()
        image = widget.grab().toImage()
        if image.width() > WIDTH:
            image = image.scaledToWidth(WIDTH, Qt.TransformationMode.SmoothTransformation)
        image.save(str(OUT / f"{name}.png"))

    # The first day, on an empty database.
    database = open_database(work / "station.db")
    start_station(database, admin="王敏")
    profile = ProfileDialog(database, StationProfile(operator_name="王敏"), first_start=True)
    profile.show()
    shot(profile, "01-profile")
    with UnitOfWork(database, "王敏") as uow:
        save_station_profile(uow, StationProfile("界湖街道人力资源和社会保障所", "界湖街道", "王敏", "0539-3221234"))
        uow.commit()
    county = CountyDialog(database, "王敏", first_start=True)
    county.choose("371321")
    county.show()
    shot(county, "02-county")
    county.save()
    codes = work / "codes.csv"
    codes.write_text(
        "统计用区划代码,城乡分类代码,名称\n371321001000,,界湖街道\n371321001001,111,北村\n"
        "371321001002,111,南村\n371321001003,121,东村\n",
        encoding="utf-8",
    )
    import_regions(database, actor="王敏", path=codes)
    window = create_main_window(database, None)
    window.resize(1366, 740)
    window.show()
    page = window.tabs.widget(0)
    villages = page.region_model.item(0).child(0)  # type: ignore[attr-defined]
    page.tree.setCurrentIndex(villages.child(0).index())  # type: ignore[attr-defined]
    shot(window, "03-regions")
    form = HouseholdDialog(window.context, village_id=villages.child(0).data(RECORD_ROLE), parent=window)  # type: ignore[attr-defined]
    form.show()
    shot(form, "04-household")
    form.close()
    window.close()
    database.dispose()

    # The workflow, on a demo area.
    import subprocess

    demo = work / "demo.db"
    subprocess.run(
        [sys.executable, "-m", "fupin_desktop", "--db", str(demo), "demo", "--households", "300"], check=True
    )
    database = open_database(demo)
    window = create_main_window(database, None)
    window.resize(1366, 740)
    window.show()
    for index, name in ((4, "05-import"), (1, "06-intentions"), (2, "07-notices"), (3, "08-submissions")):
        window.tabs.setCurrentIndex(index)
        shot(window, name)
    window.close()
    database.dispose()
    print(f"已更新使用说明的截图：{OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
