"""fupin-desktop: offline recording of poor households' training and technical-school intentions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fupin-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
