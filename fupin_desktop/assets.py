"""One way to find shipped files (fonts, icons, code lists, profiles, the manual, migrations).

The shipped data lives in ``resources/`` at the top of the source tree, beside ``fupin_desktop/``.
An installed package carries it as ``fupin_desktop/resources`` (setup.py maps the folder
there), and so does the PyInstaller bundle (installer/fupin-desktop.spec); a source checkout, or an
editable install of it, reads the top-level folder itself.
"""

from __future__ import annotations

import sys
from pathlib import Path


def package_root() -> Path:
    """The ``fupin_desktop`` folder: inside the PyInstaller bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "fupin_desktop"
    return Path(__file__).resolve().parent


def resources_root() -> Path:
    """The folder of shipped data: ``fupin_desktop/resources`` when installed or frozen, else the
    checkout's top-level ``resources/``."""
    packaged = package_root() / "resources"
    # A folder left behind by an older checkout (empty, or only caches) is not an installed copy.
    if getattr(sys, "_MEIPASS", None) is not None or (packaged / "codelists").is_dir():
        return packaged
    return package_root().parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a shipped file, e.g. ``resource_path("codelists", "ethnicity.json")``."""
    return resources_root().joinpath(*parts)


def migrations_path() -> Path:
    """The Alembic script folder (env.py, versions/): plain files that Alembic reads, also when frozen."""
    return package_root() / "store" / "migrations"


def icon_path(size: int = 256) -> Path:
    """The application icon as PNG (16, 24, 32, 48, 64, 128, 256 or 512 pixels)."""
    return resource_path("icons", f"fupin-desktop-{size}.png")
