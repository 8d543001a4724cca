"""黑龙江 附件1: a person's county paired with schools gets those schools first (form and template)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

from openpyxl import load_workbook
from pytestqt.qtbot import QtBot

from fupin_desktop.cli import main
from fupin_desktop.domain.profiles import load_province_profile
from fupin_desktop.services.pairing import choices_for_county, school_choices
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.settings import load_station_profile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.intention_form import IntentionDialog
from tests import sheet_fixtures as fx


def _huanan(database: Database) -> uuid.UUID:
    with UnitOfWork(database, "测试员") as uow:
        county = create_region(uow, "桦南县", "county", None, "230822000000")
        township = create_region(uow, "桦南镇", "township", county, "230822100000")
        village = create_region(uow, "东风村", "village", township, "230822100001")
        save_station_profile(
            uow,
            replace(
                load_station_profile(uow.session), township="桦南镇", unit_name="桦南镇人社所", operator_name="王经办"
            ),
        )
        uow.commit()
    with UnitOfWork(database, "测试员") as uow:
        save_station_profile(uow, replace(load_station_profile(uow.session), province_profile="heilongjiang"))
        uow.commit()
    return village


def test_the_paired_schools_come_first() -> None:
    profile = load_province_profile("heilongjiang")
    assert choices_for_county(profile, "明水县").paired == ["黑龙江第二技师学院"]
    assert choices_for_county(profile, "桦南县").ordered[0] == "黑龙江技师学院"
    assert choices_for_county(profile, "海伦").paired == ["黑龙江第二技师学院"]
    unpaired = choices_for_county(profile, "道里区")
    assert unpaired.paired == [] and len(unpaired.ordered) == len(profile.schools)


def test_the_intention_dialog_offers_the_county_schools_first(qtbot: QtBot, database: Database) -> None:
    village = _huanan(database)
    person = fx.people(database, village, 1)[0]
    with database.session_factory() as session:
        assert school_choices(session, person_id=person).paired == ["黑龙江技师学院"]
    dialog = IntentionDialog(AppContext(database), person, "王小明")
    qtbot.addWidget(dialog)
    dialog.form.kind.setCurrentIndex(dialog.form.kind.findData("school"))
    assert dialog.form.school.itemText(0) == "黑龙江技师学院"
    assert "桦南县结对院校：黑龙江技师学院" in dialog.form.paired_label.text()


def test_the_village_template_lists_the_paired_schools_first(database: Database, tmp_path: Path) -> None:
    _huanan(database)
    out = tmp_path / "t.xlsx"
    assert main(["--db", str(database.path), "template", "--village", "230822100001", str(out)]) == 0
    book = load_workbook(out)
    codes = book["代码表"]
    column = next(c for c in codes[1] if c.value == "技工院校")
    names = [codes.cell(row=r, column=column.column).value for r in range(2, 10)]
    assert names[0] == "黑龙江技师学院" and len(set(names)) == 8
    prompts = [v.prompt or "" for v in book.worksheets[0].data_validations.dataValidation]
    assert any("桦南县结对院校" in p for p in prompts)
