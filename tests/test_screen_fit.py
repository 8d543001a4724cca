"""Every window a first day opens fits a 1366×768 laptop screen with its buttons visible, and the main
window comes back where the user left it: size, position, splitters, maximised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from tests.test_cli import run_cli

ROOT = Path(__file__).resolve().parents[1]


def test_every_window_fits_a_1366_by_768_screen(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run_cli("--db", str(db), "demo", "--plain", "--households", "40").returncode == 0
    pdf = tmp_path / "sheet.pdf"
    canvas = Canvas(str(pdf), pagesize=landscape(A4))
    canvas.drawString(72, 500, "sheet")
    canvas.showPage()
    canvas.save()
    config = tmp_path / "screen.json"
    screen = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96}
    config.write_text(json.dumps({"screens": [screen]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "tests.fit_screen_check", str(db), str(pdf)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    reports = [line for line in lines if "window" in line]
    assert len(reports) == 10
    misfits = {report["window"]: report["problems"] for report in reports if report["problems"]}
    assert misfits == {}

    remembered = next(line["remembered"] for line in lines if "remembered" in line)
    assert remembered == {"size": [1000, 700], "pos": [40, 30], "splitter": True, "maximised": True}
