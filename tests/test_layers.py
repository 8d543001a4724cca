"""Imports point one way: ui → services → domain ← store; export and domain never see Qt or the engine.

Read from the source (every module, function-level imports too), so a wrong import fails here even
when no test happens to run the module. Imports under ``if TYPE_CHECKING:`` are annotations only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fupin_desktop"

QT = ("PySide6", "shiboken6")
ENGINE = ("sqlalchemy", "alembic")
# What ui/ may take from store/: the error types, opening the file and its lock file, the handle type.
UI_STORE_ALLOWED = ("fupin_desktop.store.errors", "fupin_desktop.store.db", "fupin_desktop.store.lockfile")
UI_STORE_NAMES = {"Database", "open_database", "database_path", "default_database_path"}

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": (
        *QT,
        *ENGINE,
        "fupin_desktop.store",
        "fupin_desktop.services",
        "fupin_desktop.export",
        "fupin_desktop.ui",
        "fupin_desktop.commands",
    ),
    "export": (*QT, *ENGINE, "fupin_desktop.store", "fupin_desktop.services", "fupin_desktop.ui"),
    "services": (*QT, "fupin_desktop.ui", "fupin_desktop.commands"),
    "store": (*QT, "fupin_desktop.services", "fupin_desktop.ui", "fupin_desktop.commands", "fupin_desktop.export"),
    "ui": (*ENGINE, "fupin_desktop.commands"),
}


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for inner in node.body for child in ast.walk(inner))
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
    return found


def _beyond_allowed(module: str, names: list[str]) -> bool:
    if module not in UI_STORE_ALLOWED:
        return True
    return module == "fupin_desktop.store.db" and bool(set(names) - UI_STORE_NAMES)


def _violations(layer: str) -> list[str]:
    wrong: list[str] = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for line, module, names in _imports(path):
            where = f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
            if any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN[layer]):
                wrong.append(where)
            elif layer == "ui" and module.startswith("fupin_desktop.store") and _beyond_allowed(module, names):
                wrong.append(f"{where} {names}")
    return wrong


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_import_points_the_wrong_way(layer: str) -> None:
    assert _violations(layer) == []


def test_the_check_catches_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6.QtCore import QObject\n", encoding="utf-8")
    guarded = tmp_path / "typing_only.py"
    guarded.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import PySide6\n", encoding="utf-8")
    assert [module for _line, module, _names in _imports(bad)] == ["PySide6.QtCore"]
    assert [module for _line, module, _names in _imports(guarded)] == ["typing"]
