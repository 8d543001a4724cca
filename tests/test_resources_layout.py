"""The shipped data lives in the top-level resources/ and is found through fupin_desktop.assets alike
from a source checkout, from an installed wheel and from the PyInstaller bundle."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fupin_desktop import assets

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
# What must ship, whatever else is added: the fonts with their licence, the icon, lists and profiles.
MUST_SHIP = (
    "fonts/NotoSansSC-Regular.ttf",
    "fonts/NotoSerifSC-Bold.ttf",
    "fonts/OFL.txt",
    "icons/fupin-desktop-256.png",
    "icons/fupin-desktop.ico",
    "codelists/ethnicity.json",
    "profiles/default.json",
    "profiles/heilongjiang.json",
)


def shipped_files() -> set[str]:
    return {p.relative_to(RESOURCES).as_posix() for p in RESOURCES.rglob("*") if p.is_file()}


def test_a_source_checkout_reads_the_top_level_resources() -> None:
    assert not (ROOT / "fupin_desktop" / "resources").exists(), "the shipped data moved to resources/"
    assert assets.resources_root() == RESOURCES
    for name in MUST_SHIP:
        assert assets.resource_path(*name.split("/")).is_file(), name
    assert assets.icon_path(48) == RESOURCES / "icons" / "fupin-desktop-48.png"


@pytest.mark.slow
def test_an_installed_wheel_carries_every_resource_and_finds_them_inside_itself(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "wheel"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp_path / "wheel").glob("fupin_desktop-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    packaged = {n.removeprefix("fupin_desktop/resources/") for n in names if n.startswith("fupin_desktop/resources/")}
    assert packaged == shipped_files()
    assert "fupin_desktop/store/migrations/versions/0001_initial.py" in names
    assert not any(n.startswith("resources/") for n in names), "no stray top-level resources package"

    # The installed copy, imported without the checkout (-S: no site-packages, so no editable install).
    probe = (
        "from fupin_desktop import assets; "
        "print(assets.resources_root()); print(assets.resource_path('fonts', 'OFL.txt').is_file())"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    root, licence = result.stdout.split()
    assert Path(root) == tmp_path / "site" / "fupin_desktop" / "resources"
    assert licence == "True"


def spec_datas() -> list[tuple[str, str]]:
    """The ``datas`` list of installer/fupin-desktop.spec, evaluated with the spec's own paths."""
    spec = (ROOT / "installer" / "fupin-desktop.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    names: dict[str, object] = {"str": str, "Path": Path, "ROOT": ROOT}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target in ("PACKAGE", "RESOURCES", "datas"):
                names[target] = eval(compile(ast.Expression(node.value), "spec", "eval"), names)
                if target == "datas":
                    break
    return names["datas"]  # type: ignore[return-value]


def test_the_bundle_lays_out_resources_where_the_frozen_program_looks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "_internal"
    for source, destination in spec_datas():
        source_path = Path(source)
        if source_path.is_dir():
            shutil.copytree(source_path, bundle / destination, dirs_exist_ok=True)
        else:
            (bundle / destination).mkdir(parents=True, exist_ok=True)
            shutil.copy2(source_path, bundle / destination)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert assets.resources_root() == bundle / "fupin_desktop" / "resources"
    for name in MUST_SHIP:
        assert assets.resource_path(*name.split("/")).is_file(), name
    assert (assets.migrations_path() / "env.py").is_file()
    spec = (ROOT / "installer" / "fupin-desktop.spec").read_text(encoding="utf-8")
    assert 'icon=str(RESOURCES / "icons" / "fupin-desktop.ico")' in spec
