"""``fupin-desktop demo``: fill an empty database with a realistic synthetic county."""

from __future__ import annotations

import argparse
import sys
import time

from fupin_desktop.commands import guarded, opened
from fupin_desktop.domain.clock import today


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="生成演示数据（县、乡镇、村、农户、成员、走访、意愿）")
    parser.add_argument("--households", type=int, default=2000, help="农户数（默认2000，约一个乡镇）")
    parser.add_argument("--seed", type=int, default=1, help="随机种子：相同种子生成相同数据")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.demo import generate_demo
    from fupin_desktop.services.demo_workflow import generate_demo_workflow

    started = time.perf_counter()
    with opened(args.db) as database, database.engine.begin() as connection:
        try:
            summary = generate_demo(connection, args.households, args.seed, today=today())
            workflow = generate_demo_workflow(connection, args.seed, today())
        except ValueError as error:
            print(f"错误：{error}", file=sys.stderr)
            return 1
    elapsed = time.perf_counter() - started
    print(
        f"已生成演示数据：{summary.regions}个区划，{summary.households}户，{summary.people}人，"
        f"{summary.visits}次走访，{workflow.intentions}条意愿（{workflow.transitions}步流转记录、"
        f"{workflow.notices}批公示、{workflow.objections}条异议、{workflow.grants}笔补贴），"
        f"用时{elapsed:.1f}秒。数据库：{database.path}"
    )
    return 0
