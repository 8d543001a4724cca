"""The one thing pyproject.toml cannot say: the top-level ``resources/`` folder installs as the
``fupin_desktop.resources`` package data, so that fupin_desktop.assets finds it inside an installed
package exactly as the PyInstaller bundle has it. Everything else, the package data included, is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["fupin_desktop", "fupin_desktop.*"]), "fupin_desktop.resources"],
    package_dir={"fupin_desktop.resources": "resources"},
)
