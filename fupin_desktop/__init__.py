"""fupin-desktop: offline recording of poor households' training and technical-school intentions."""

from importlib.metadata import PackageNotFoundError, version

#: The program's technical name: data, log and settings folders, QSettings, the .desktop file.
APP_NAME = "fupin-desktop"

try:
    __version__ = version("fupin-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
