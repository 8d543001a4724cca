"""One way to find shipped files (fonts, icons, code lists, profiles, migrations), from source or frozen."""

from __future__ import annotations

import sys
from pathlib import Path


def package_root() -> Path:
    """The ``fupin_desktop`` folder: inside the PyInstaller bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "fupin_desktop"
    return Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """Path of a file under ``fupin_desktop/resources``."""
    return package_root().joinpath("resources", *parts)


def migrations_path() -> Path:
    """The Alembic script folder (env.py, versions/): plain files that Alembic reads, also when frozen."""
    return package_root() / "store" / "migrations"


def icon_path(size: int = 256) -> Path:
    """The application icon as PNG (16, 24, 32, 48, 64, 128, 256 or 512 pixels)."""
    return resource_path("icons", f"fupin-desktop-{size}.png")
