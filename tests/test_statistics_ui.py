"""The 统计 page driven as a station head would: open it, go up to the county, drill down by a row and
by a chart label, open the people behind a cell and behind a bar, open a household from the list,
and export the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from fupin_desktop.commands.demo import fill_demo_station_profile
from fupin_desktop.services.demo import generate_demo
from fupin_desktop.services.demo_workflow import generate_demo_workflow
from fupin_desktop.services.statistics import FIGURE_KEYS
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.household_form import HouseholdDialog
from fupin_desktop.ui.pages import PAGES
from fupin_desktop.ui.statistics_page import PeopleDialog, StatisticsPage
from tests.test_statistics import TODAY, _split_township


@pytest.fixture
def page(qtbot: QtBot, tmp_path: Path) -> Iterator[StatisticsPage]:
    database: Database = open_database(tmp_path / "demo.db")
    with database.engine.begin() as connection:
        generate_demo(connection, 240, 7, today=TODAY)
        generate_demo_workflow(connection, 7, TODAY)
    fill_demo_station_profile(database)
    _split_township(database)
    widget = StatisticsPage(AppContext(database))
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.stats is not None and not widget.loading, timeout=20000)
    yield widget
    for dialog in widget.findChildren(PeopleDialog):
        dialog.close()
        dialog.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    database.dispose()


def _wait_loaded(qtbot: QtBot, page: StatisticsPage, level: str) -> None:
    qtbot.waitUntil(
        lambda: (
            not page.loading
            and page.stats is not None
            and page.stats.area.region is not None
            and page.stats.area.region.level == level
        ),
        timeout=20000,
    )


def test_the_page_is_a_tab_of_the_main_window() -> None:
    assert ("统计", "statistics_page", "StatisticsPage") in [(p.title, p.module, p.factory) for p in PAGES]


def test_models_pass_the_model_tester(page: StatisticsPage, qtmodeltester: ModelTester) -> None:
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "意愿进度",
        "培训覆盖",
        "技工院校覆盖",
        "就业覆盖",
        "补贴发放",
    ]
    for pane in page.panes.values():
        qtmodeltester.check(pane.model)
        qtmodeltester.check(pane.sorted)


def test_a_tab_out_of_sight_is_drawn_when_it_comes_into_sight(qtbot: QtBot, page: StatisticsPage) -> None:
    assert page.stats is not None
    shown, hidden = page.panes["funnel"], page.panes["subsidies"]
    assert shown.table == page.stats.figure("funnel") and shown.model.rowCount() == len(page.stats.area.rows) + 1
    assert hidden.model.rowCount() == 0  # counted, but not drawn while out of sight
    page.tabs.setCurrentWidget(hidden)
    assert hidden.table == page.stats.figure("subsidies")
    assert hidden.model.rowCount() == len(page.stats.area.rows) + 1
    # Counted while the page was out of sight (another page of the window in front): drawn when shown.
    page.hide()
    page.up_button.click()
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert page.stats.area.region is not None and page.stats.area.region.level == "county"
    assert hidden.pending is not None  # counted, kept to be drawn
    page.show()
    assert hidden.table == page.stats.figure("subsidies")
    assert hidden.model.rowCount() == len(page.stats.area.rows) + 1


def test_sorting_by_a_column_keeps_the_total_on_top(page: StatisticsPage) -> None:
    pane = page.panes["employment"]
    page.tabs.setCurrentWidget(pane)
    assert page.stats is not None
    table = page.stats.figure("employment")
    column = 1 + len(table.columns)  # 就业覆盖率
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        pane.view.sortByColumn(column, order)
        view = pane.view.model()
        assert view.index(0, 0).data() == "合计"
        rates = [float(view.index(r, column).data().rstrip("%")) for r in range(1, view.rowCount())]
        assert rates == sorted(rates, reverse=order == Qt.SortOrder.DescendingOrder)


def test_up_to_the_county_then_down_by_a_row_and_by_a_chart_label(qtbot: QtBot, page: StatisticsPage) -> None:
    assert page.stats is not None and page.stats.area.region is not None
    assert page.stats.area.region.level == "township"  # the station's own area
    page.up_button.click()
    _wait_loaded(qtbot, page, "county")
    assert page.stats is not None
    townships = page.stats.area.rows
    assert len(townships) == 2
    pane = page.panes["employment"]
    page.tabs.setCurrentWidget(pane)
    view = pane.view.model()
    assert view.index(0, 0).data() == "合计"
    first = view.index(1, 0)
    assert first.data() == townships[0].name
    rect = pane.view.visualRect(first)
    QTest.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    _wait_loaded(qtbot, page, "township")
    assert page.stats is not None and page.stats.area.region == townships[0]
    village = page.stats.area.rows[0]
    pane.chart.grab()  # paints, which lays out the clickable areas
    label = pane.chart.label_rect(0).center().toPoint()
    QTest.mouseClick(pane.chart, Qt.MouseButton.LeftButton, pos=label)
    _wait_loaded(qtbot, page, "village")
    assert page.stats is not None and page.stats.area.rows == (village,)


def test_a_cell_and_a_bar_open_the_people_behind_them_and_a_household_opens(qtbot: QtBot, page: StatisticsPage) -> None:
    assert page.stats is not None
    pane = page.panes["training"]
    page.tabs.setCurrentWidget(pane)
    table = page.stats.figure("training")
    wish = table.index("wish")
    cell = pane.view.model().index(1, 1 + wish)  # the first village's 有培训意愿
    assert cell.data() == str(table.counts[0][wish])
    QTest.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=pane.view.visualRect(cell).center())
    qtbot.waitUntil(lambda: page.people_dialog is not None and page.people_dialog.isVisible(), timeout=20000)
    dialog = page.people_dialog
    assert dialog is not None
    assert dialog.total == table.counts[0][wish] == dialog.model.rowCount()
    assert "有培训意愿" in dialog.windowTitle()
    first = dialog.model.record(0)
    dialog.view.doubleClicked.emit(dialog.model.index(0, 0))
    household = dialog.household_dialog
    assert isinstance(household, HouseholdDialog) and household.household_id == first.household_id
    household.reject()
    dialog.close()

    pane.chart.grab()
    bar = pane.chart.bar_rect(0, 1).center().toPoint()  # the first village's 本年已参训 bar
    QTest.mouseClick(pane.chart, Qt.MouseButton.LeftButton, pos=bar)
    qtbot.waitUntil(lambda: page.people_dialog is not dialog and page.people_dialog is not None, timeout=20000)
    assert page.people_dialog is not None
    assert page.people_dialog.total == table.value(0, "trained")


def test_the_page_exports_pdf_and_xlsx(qtbot: QtBot, page: StatisticsPage, tmp_path: Path) -> None:
    page.export_to(tmp_path / "out")
    qtbot.waitUntil(lambda: "已导出" in page.status.text(), timeout=30000)
    files = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert files == [".pdf", ".xlsx"]


def test_print_shows_the_pdf_of_the_page(qtbot: QtBot, page: StatisticsPage, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[Path] = []
    monkeypatch.setattr("fupin_desktop.ui.statistics_page.show_pdf", lambda _parent, path: shown.append(path))
    page.print_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    assert shown[0].suffix == ".pdf" and shown[0].stat().st_size > 10_000


def test_figures_are_counted_one_at_a_time_the_tab_in_sight_first(
    qtbot: QtBot, page: StatisticsPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tab in sight is counted first; a tab brought into sight meanwhile is counted next."""
    import fupin_desktop.ui.statistics_page as module

    asked: list[tuple[str, ...]] = []
    real = module.compute_statistics

    def counting(database: Database, **options: object) -> object:
        asked.append(tuple(options["keys"]))  # type: ignore[arg-type]
        return real(database, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "compute_statistics", counting)
    page.tabs.setCurrentWidget(page.panes["school"])
    page.up_button.click()
    page.tabs.setCurrentWidget(page.panes["subsidies"])
    _wait_loaded(qtbot, page, "county")
    assert asked[:2] == [("school",), ("subsidies",)]
    assert sorted(keys for (keys,) in asked) == sorted(FIGURE_KEYS)
    assert page.stats is not None and page.panes["subsidies"].table == page.stats.figure("subsidies")
