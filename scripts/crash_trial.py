"""Crash trial of sealing: seals in pairs of processes at once, each killed (kill -9) at a random
moment or left to finish; then a program start tidies up, and every file is verified.

Passes (exit 0) when afterwards: every file that verifies 0 has its number and digest in the
database, no two such files of one kind share a number, no temporary file is left, the audit chain
checks, and no number was issued twice. Run: ``.venv/bin/python scripts/crash_trial.py --seals 20``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHEET = "progress_school"


def _seal_command(db: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "fupin_desktop", "--db", str(db), "seal", SHEET, "--out", str(out)]


def run_trial(work: Path, seals: int, seed: int) -> list[str]:
    """Returns the problems found (empty: the trial passed)."""
    from fupin_desktop.export.verify import Verdict, verify_file
    from fupin_desktop.services.encryption import open_encrypted
    from fupin_desktop.services.integrity import check_database
    from fupin_desktop.services.station_keys import known_keys_of
    from fupin_desktop.services.submissions import tidy_after_crash
    from fupin_desktop.store.models import Submission

    rng = random.Random(seed)
    db, out = work / "station.db", work / "sheets"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "fupin_desktop", "--db", str(db), "demo", "--households", "200", "--seed", str(seed)],
        check=True,
        env=env,
        capture_output=True,
    )
    started = time.perf_counter()
    subprocess.run(_seal_command(db, out), check=True, env=env, capture_output=True)
    duration = time.perf_counter() - started
    killed = finished = 0
    for _round in range((seals + 1) // 2):
        pair = [subprocess.Popen(_seal_command(db, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        pair.append(
            subprocess.Popen(_seal_command(db, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        for process in pair:
            if rng.random() < 0.75:  # most are killed, somewhere between start and a little after the usual end
                time.sleep(rng.uniform(0.2, 1.3) * duration / 2)
                if process.poll() is None:
                    os.kill(process.pid, signal.SIGKILL)
                    killed += 1
        for process in pair:
            process.wait()
            finished += process.returncode == 0
    # The demo file is encrypted: opened as the demo's 审核人, as the seal commands were.
    database = open_encrypted(db, name="reviewer", password="demo")
    try:
        tidied = tidy_after_crash(database, extra=[out])  # what the next start does
        keys = known_keys_of(database)
        with database.session_factory() as session:
            recorded = {(s.year, s.number): s.digest for s in session.query(Submission)}
            digests = {s.digest: f"〔{s.year}〕第{s.number}号" for s in session.query(Submission)}
        problems: list[str] = []
        if len(recorded) != len(digests):
            problems.append("两次封存的校验码相同")
        seen: dict[tuple[str, str], Path] = {}
        for path in sorted(out.iterdir()):
            if path.name.startswith(".sealing-"):
                problems.append(f"留下了临时文件 {path.name}")
                continue
            result = verify_file(path, keys)
            if result.verdict != Verdict.INTACT:
                problems.append(f"{path.name}：核验结果 {int(result.verdict)}")
                continue
            if digests.get(result.digest or "") != result.number:
                problems.append(f"{path.name}：{result.number} 与其内容不在数据库中")
            key = (result.number or "", path.suffix)
            if key in seen:
                problems.append(f"{path.name} 与 {seen[key].name} 编号相同")
            seen[key] = path
        report = check_database(database)
        problems += report.problems
    finally:
        database.dispose()
    print(
        f"{seals}次封存（两两同时）：{killed}次被kill -9，{finished}次完成；数据库中{len(recorded)}张；"
        f"启动时完成改名{len(tidied.completed)}个、删除临时文件{len(tidied.removed)}个；"
        f"文件{len(seen)}个全部核验为0；{'通过' if not problems else '未通过'}"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seals", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        problems = run_trial(args.work, args.seals, args.seed)
    else:
        with tempfile.TemporaryDirectory() as work:
            problems = run_trial(Path(work), args.seals, args.seed)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
