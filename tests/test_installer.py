"""What the installers ship: the self-test from source, the start-up measurement, the .desktop file,
the .deb built from a small fake bundle, and the NSIS script."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop import assets

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"


def run_program(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run(
        [sys.executable, "-m", "fupin_desktop", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=tmp_path,
    )


def test_self_test_passes_from_source(tmp_path: Path) -> None:
    result = run_program(tmp_path, "--self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "自检全部通过" in result.stdout
    for step in ("打开临时数据库", "生成演示数据", "打开主窗口", "封存一张小表并校验"):
        assert step in result.stdout
    assert "失败" not in result.stdout
    assert list((tmp_path / "state").rglob("fupin-desktop.log")), "the self-test writes the log"


def test_measure_startup_prints_the_time_to_first_paint(tmp_path: Path) -> None:
    result = run_program(tmp_path, "--db", str(tmp_path / "fupin.db"), "--measure-startup")
    assert result.returncode == 0, result.stderr
    assert "从进程启动到主窗口首次绘制" in result.stdout


def test_frozen_resources_and_migrations_come_from_the_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert assets.migrations_path() == tmp_path / "fupin_desktop" / "store" / "migrations"
    assert assets.resource_path("codelists") == tmp_path / "fupin_desktop" / "resources" / "codelists"
    monkeypatch.delattr(sys, "_MEIPASS")
    assert (assets.migrations_path() / "env.py").is_file()
    assert assets.icon_path(48).is_file()


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    text = (INSTALLER / "linux" / "fupin-desktop.desktop").read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\n")
    parser.read_string(text)
    return parser["Desktop Entry"]


def test_desktop_entry_names_the_program_in_chinese_with_its_icon() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name[zh_CN]"] == "扶贫就业信息采集"
    assert entry["Exec"] == "fupin-desktop"
    assert entry["Icon"] == "fupin-desktop"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run(
            [validator, str(INSTALLER / "linux" / "fupin-desktop.desktop")], capture_output=True, text=True
        )
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb makes .deb files on Debian-like systems only")
def test_deb_from_a_fake_bundle_installs_program_launcher_entry_and_icons(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "fupin-desktop").write_text("#!/bin/sh\necho fake\n")
    (bundle / "fupin-desktop").chmod(0o755)
    (bundle / "_internal" / "data.txt").write_text("x")
    result = subprocess.run(
        [
            "bash",
            str(INSTALLER / "build-deb.sh"),
            "--bundle",
            str(bundle),
            "--version",
            "1.2.3",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    deb = next(tmp_path.glob("fupin-desktop_1.2.3_*.deb"))

    info = subprocess.run(["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line and not line.startswith(" "))
    assert fields["Package"] == "fupin-desktop"
    assert fields["Version"] == "1.2.3"
    assert int(fields["Installed-Size"]) > 0
    depends = {d.strip().split(" ")[0] for d in fields["Depends"].split(",")}
    assert {"libc6", "libfontconfig1", "libgl1", "libx11-6", "libxcb-cursor0", "libxkbcommon-x11-0"} <= depends

    contents = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True).stdout
    listed = {line.split()[-1] for line in contents.splitlines()}
    for path in (
        "./opt/fupin-desktop/fupin-desktop",
        "./opt/fupin-desktop/_internal/data.txt",
        "./usr/bin/fupin-desktop",
        "./usr/share/applications/fupin-desktop.desktop",
        "./usr/share/icons/hicolor/48x48/apps/fupin-desktop.png",
        "./usr/share/icons/hicolor/256x256/apps/fupin-desktop.png",
    ):
        assert path in listed
    assert "-rwxr-xr-x root/root" in next(
        line for line in contents.splitlines() if line.endswith("./usr/bin/fupin-desktop")
    )

    unpacked = tmp_path / "unpacked"
    subprocess.run(["dpkg-deb", "--extract", str(deb), str(unpacked)], check=True)
    launcher = (unpacked / "usr" / "bin" / "fupin-desktop").read_text()
    assert "exec /opt/fupin-desktop/fupin-desktop" in launcher


@pytest.mark.skipif(shutil.which("makensis") is None, reason="makensis (apt install nsis) builds the Windows installer")
def test_windows_installer_script_compiles_on_a_dummy_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "fupin-desktop.exe").write_bytes(b"MZ")
    (bundle / "_internal" / "python311.dll").write_bytes(b"MZ")
    setup = tmp_path / "fupin-desktop-1.2.3-installer.exe"
    result = subprocess.run(
        [
            "makensis",
            "-V2",
            "-DVERSION=1.2.3",
            f"-DBUNDLE_DIR={bundle}",
            f"-DOUT_FILE={setup}",
            str(INSTALLER / "windows" / "fupin-desktop.nsi"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stdout.lower()
    assert setup.read_bytes()[:2] == b"MZ"
