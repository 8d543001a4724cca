import random, uuid
from collections import Counter
from pathlib import Path
from sqlalchemy import select
from fupin_desktop.services.package_decisions import list_issues
from fupin_desktop.store.models import ChangeEntry, SyncIssue, Site
from tests.test_three_sites import Net, _laptop, _station, decide_all, dump
from tests.test_exchange_orders import _step

def show(db, hid, label):
    with db.session_factory() as s:
        names = {x.id: x.name for x in s.scalars(select(Site))}
        for e in s.scalars(select(ChangeEntry).where((ChangeEntry.entity_id == hid) | ChangeEntry.after.contains(str(hid)) | ChangeEntry.before.contains(str(hid))).order_by(ChangeEntry.arrival)):
            print(label, e.arrival, names.get(e.site_id), e.seq, e.action, e.entity, str(e.entity_id)[:8], e.field, (e.before or "")[:60], (e.after or "")[:80])
        for i in s.scalars(select(SyncIssue)):
            if i.entity_id == hid or i.other_id == hid:
                print(label, "ISSUE", i.kind, i.entity, i.field, i.resolution)

import pytest
@pytest.mark.parametrize("seed", [14, 15, 16, 17, 18, 19])
def test_debug(tmp_path: Path, seed: int) -> None:
    station, north, _south = _station(tmp_path)
    a, b = _laptop(station, tmp_path, "甲"), _laptop(station, tmp_path, "乙")
    net = Net(tmp_path)
    for laptop in (a, b):
        net.send(laptop, station)
    sites = {"station": (station, "站长"), "a": (a, "甲录入"), "b": (b, "乙录入")}
    links = [(a, station), (b, station), (station, a), (station, b)]
    rng = random.Random(seed)
    made = Counter()
    for case in range(50):
        for _event in range(rng.randrange(3, 9)):
            roll = rng.random()
            if roll < 0.7:
                database, actor = sites[rng.choice(sorted(sites))]
                made[_step(database, actor, rng, north)] += 1
            elif roll < 0.95:
                sender, receiver = rng.choice(links)
                net.send(sender, receiver)
            else:
                made.update(decide_all(station, "站长"))
        for _round in range(4):
            order = rng.sample([a, b], 2)
            for laptop in order:
                net.send(laptop, station)
                made.update(decide_all(station, "站长"))
            for laptop in order:
                net.send(station, laptop)
            if not any(list_issues(database) for database in (station, a, b)) and dump(a) == dump(station) == dump(b):
                break
        ds, da, db_ = dump(station), dump(a), dump(b)
        if not (ds == da == db_):
            for t in ds:
                ids = {r["id"] for r in ds[t]} ^ {r["id"] for r in da[t]} | {r["id"] for r in ds[t]} ^ {r["id"] for r in db_[t]}
                for i in ids:
                    print("CASE", case, "DIFF", t, i)
                    for lbl, d in (("S", station), ("A", a), ("B", b)):
                        show(d, uuid.UUID(str(i)), lbl)
            for t in ds:
                for other, lbl in ((da, "A"), (db_, "B")):
                    right = {r["id"]: r for r in other[t]}
                    for r in ds[t]:
                        o = right.get(r["id"])
                        if o is not None and o != r:
                            diff = {k: (v, o[k]) for k, v in r.items() if o[k] != v}
                            print("CASE", case, "ROWDIFF", lbl, t, r.get("name"), diff)
                            show(station, uuid.UUID(str(r["id"])), "S")
                            show(a, uuid.UUID(str(r["id"])), "A")
                            show(b, uuid.UUID(str(r["id"])), "B")
            raise AssertionError
