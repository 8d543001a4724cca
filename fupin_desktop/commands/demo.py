"""``fupin-desktop demo``: fill an empty database with a realistic synthetic county."""

from __future__ import annotations

import argparse
import time

from sqlalchemy import select

from fupin_desktop.commands import guarded, opened
from fupin_desktop.domain.clock import today
from fupin_desktop.store.db import Database
from fupin_desktop.store.uow import UnitOfWork


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="生成演示数据（县、乡镇、村、农户、成员、走访、意愿）")
    parser.add_argument("--households", type=int, default=2000, help="农户数（默认2000，约一个乡镇）")
    parser.add_argument("--seed", type=int, default=1, help="随机种子：相同种子生成相同数据")
    parser.add_argument("--password", default="demo", help="演示账号（每个角色一个）的密码，默认 demo")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="新文件不加密（测试和基准比较用；默认新文件是加密的，每个演示账号一个钥匙槽）",
    )
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.accounts import create_demo_accounts
    from fupin_desktop.services.demo import generate_demo
    from fupin_desktop.services.demo_workflow import generate_demo_workflow
    from fupin_desktop.services.encryption import new_encrypted_database
    from fupin_desktop.store.changes import log_unlogged
    from fupin_desktop.store.db import database_path, is_server_address

    started = time.perf_counter()
    path = None if is_server_address(args.db) else database_path(args.db)
    code = new_key = None
    if path is not None and not args.plain and (not path.exists() or path.stat().st_size == 0):
        path.parent.mkdir(parents=True, exist_ok=True)
        new_key, code = new_encrypted_database(path, accounts={})  # the accounts' slots come with the accounts
    with opened(args.db, writing=True, new_key=new_key) as database:
        with database.engine.begin() as connection:
            summary = generate_demo(connection, args.households, args.seed, today=today())
            workflow = generate_demo_workflow(connection, args.seed, today())
            log_unlogged(connection, "演示数据")  # the change log: a full package carries the demo
        fill_demo_station_profile(database)  # before the engine is disposed: no connection left behind
        accounts = create_demo_accounts(database, password=args.password)
    elapsed = time.perf_counter() - started
    print(
        f"已生成演示数据：{summary.regions}个区划，{summary.households}户，{summary.people}人，"
        f"{summary.visits}次走访，{workflow.intentions}条意愿（{workflow.transitions}步流转记录、"
        f"{workflow.notices}批公示、{workflow.objections}条异议、{workflow.grants}笔补贴），"
        f"用时{elapsed:.1f}秒。数据库：{database.location}"
    )
    print(f"演示账号（密码均为“{args.password}”）：")
    for account in accounts:
        where = f"，{account.region_name}" if account.region_name else ""
        print(f"  {account.name}  {account.role_label}（{account.display_name}{where}）")
    if code is not None:
        from fupin_desktop.commands.init import print_recovery_code

        print("数据库已加密：没有账号和密码打不开。")
        print_recovery_code(code, path)
    return 0


def fill_demo_station_profile(database: Database) -> None:
    """A demo opens ready to use: the first township's station, unless a profile was already set up."""
    from fupin_desktop.services.settings import StationProfile, load_station_profile, save_station_profile
    from fupin_desktop.store.models import Region

    with UnitOfWork(database, "演示数据") as uow:
        if load_station_profile(uow.session).is_complete:
            return
        township = uow.session.scalars(
            select(Region.name).where(Region.level == "township").order_by(Region.code)
        ).first()
        if township is None:
            return
        save_station_profile(
            uow,
            StationProfile(
                unit_name=f"{township}人力资源和社会保障所",
                township=township,
                operator_name="演示操作员",
                contact_phone="0351-5121234",
                reviewer_name="李审核",
                head_name="王所长",
            ),
        )
        uow.commit()
