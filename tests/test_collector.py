"""The cycle collector is paused for a bulk import and always resumed as it was (store/collector.py)."""

from __future__ import annotations

import gc

import pytest

from fupin_desktop.store.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_resumed_after_the_outermost_block():
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner block must not resume it while the outer one runs"
    assert gc.isenabled()


def test_resumed_when_the_block_raises():
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a refused import")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_a_refused_sheet_leaves_the_collector_running(tmp_path):
    from fupin_desktop.services.spreadsheet import SpreadsheetError
    from fupin_desktop.services.village_read import read_village_file

    gc.enable()
    path = tmp_path / "村表.xlsx"
    path.write_text("不是表格", encoding="utf-8")
    with pytest.raises(SpreadsheetError):
        read_village_file(path)
    assert gc.isenabled()


def test_cycles_made_during_the_pause_are_still_collected_afterwards():
    import weakref

    class Node:
        pass

    gc.enable()
    with collector_paused():
        node = Node()
        node.me = node  # a cycle: reference counting alone never frees it
        gone = weakref.ref(node)
        del node
    assert gc.get_freeze_count() == 0, "nothing is left frozen"
    assert gone() is not None
    gc.collect()
    assert gone() is None
