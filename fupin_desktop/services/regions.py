"""Regions (county → township → village) and the counts shown beside them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.permissions import Capability
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Region
from fupin_desktop.store.uow import UnitOfWork

LEVELS = ("province", "city", "county", "township", "village")
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}
# Digits of the 12-digit code that each level fills: 省2 市2 县2 乡镇3 村3.
_CODE_PREFIX = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


@dataclass(frozen=True)
class RegionNode:
    id: uuid.UUID
    code: str | None
    name: str
    level: str
    parent_id: uuid.UUID | None
    household_count: int


def region_nodes(session: Session, viewer: Who | None = None) -> list[RegionNode]:
    """Every region with the number of households under it (villages counted, parents summed); for a
    村级录入员 ``viewer`` only their village and the township and county above it, counting its households."""
    from fupin_desktop.services.scope import visible_regions

    shown = visible_regions(session, viewer)
    counts: dict[uuid.UUID, int] = {
        village_id: count
        for village_id, count in session.execute(
            select(Household.village_id, func.count()).group_by(Household.village_id)
        )
    }
    rows = session.execute(
        select(Region.id, Region.code, Region.name, Region.level, Region.parent_id).order_by(Region.code, Region.name)
    ).all()
    if shown is not None:
        rows = [row for row in rows if row[0] in shown]
        counts = {rid: count for rid, count in counts.items() if rid in shown}
    totals: dict[uuid.UUID, int] = {rid: counts.get(rid, 0) for rid, *_ in rows}
    parent_of = {rid: parent for rid, _c, _n, _l, parent in rows}
    for rid, *_ in rows:
        village_count = counts.get(rid, 0)
        parent = parent_of[rid]
        while parent is not None and village_count:
            totals[parent] += village_count
            parent = parent_of.get(parent)
    return [RegionNode(rid, code, name, level, parent, totals[rid]) for rid, code, name, level, parent in rows]


def validate_region_code(code: str, level: str, parent_code: str | None) -> str | None:
    """A Chinese message when the 12-digit 统计用区划代码 does not fit its level and parent, else None."""
    if not re.fullmatch(r"\d{12}", code):
        return f"区划代码“{code}”应为12位数字"
    used = _CODE_PREFIX[level]
    if code[used:] != "0" * (12 - used):
        return f"{LEVEL_NAMES[level]}级区划代码应只用前{used}位，其余为0：“{code}”"
    if parent_code is not None:
        parent_used = len(parent_code.rstrip("0")) if parent_code else 0
        if not code.startswith(parent_code[:parent_used]):
            return f"区划代码“{code}”不在上级区划“{parent_code}”之下"
    return None


def create_region(
    uow: UnitOfWork, name: str, level: str, parent_id: uuid.UUID | None, code: str | None = None
) -> uuid.UUID:
    name = name.strip()
    if not name:
        raise ServiceError("请填写区划名称。")
    if level not in LEVELS:
        raise ValueError(level)
    parent = uow.session.get(Region, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise ServiceError("上级区划已不存在，请刷新。")
    if code:
        message = validate_region_code(code, level, parent.code if parent else None)
        if message:
            raise ServiceError(message)
        if uow.session.scalar(select(Region.id).where(Region.code == code)) is not None:
            raise ServiceError(f"区划代码“{code}”已被使用。")
    region = Region(name=name, level=level, parent_id=parent_id, code=code or None, updated_by=uow.operator)
    uow.session.add(region)
    uow.session.flush()
    uow.audit("create", "region", region.id, new=f"{code or ''} {name}".strip())
    return region.id


def find_region_by_code(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code))


# --- setting up a station's own area (the first day) ----------------------------------------------


@dataclass(frozen=True)
class RegionResult:
    id: uuid.UUID
    code: str | None
    name: str
    level: str


@dataclass(frozen=True)
class RegionImportResult:
    county_code: str
    added: int
    renamed: int
    unchanged: int


@dataclass(frozen=True)
class MergeResult:
    target: RegionResult
    households_moved: int
    notices_moved: int


class RegionImportRefused(ServiceError):
    """Rows of a 统计用区划代码 table that cannot be taken; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(problems[:20]) + (f"\n……另有{len(problems) - 20}处" if len(problems) > 20 else "")
        super().__init__(f"区划代码表有{len(problems)}处错误，未导入任何区划：\n{shown}")


def _result(region: Region) -> RegionResult:
    return RegionResult(region.id, region.code, region.name, region.level)


def level_of_code(code: str) -> str:
    """The level a 12-digit 统计用区划代码 names by its trailing zeros (county, township or village)."""
    if code[6:] == "000000":
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def _clean_code(text: str) -> str:
    return "".join(text.split()).translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ServiceError("请填写区划名称。")
    if len(name) > 60:
        raise ServiceError(f"区划名称“{name[:20]}…”太长（最多60字）。")
    return name


def station_county(session: Session) -> Region | None:
    """The county this station's database serves (the first county-level region)."""
    return session.scalar(select(Region).where(Region.level == "county").order_by(Region.code).limit(1))


def _county_for(session: Session, code: str, uow: UnitOfWork | None = None) -> Region:
    """The county region for a 12-digit code, created from stdnum's table when the database has none."""
    from fupin_desktop.domain.area_codes import county_full_name

    county = station_county(session)
    if county is not None:
        if not county.code or code[:6] != county.code[:6]:
            raise ServiceError(f"区划代码“{code}”不在本县（{county.name}，{county.code or '无代码'}）之内。")
        return county
    if uow is None or county_full_name(code) is None:
        raise ServiceError(f"本站尚未设置所属县（区）：请先选择省、市、县，或核对区划代码“{code}”的前6位。")
    county_id = create_region(uow, _county_short_name(code), "county", None, code[:6] + "000000")
    county = session.get(Region, county_id)
    assert county is not None
    return county


def _county_short_name(code: str) -> str:
    from fupin_desktop.domain.area_codes import counties

    for area in counties(code[:4] + "00"):
        if area.code == code[:6]:
            return area.name
    raise ServiceError(f"“{code[:6]}”不是现行的县级区划代码。")


def set_up_county(database: Database, *, actor: Who, code: str) -> RegionResult:
    """本站所属县: the county-level region (GB/T 2260 code and its name today) at the top of the tree.

    Choosing the same county again changes nothing; a database serves one county only.
    """
    from fupin_desktop.domain.area_codes import county_full_name

    code = _clean_code(code)
    if not re.fullmatch(r"\d{6}(000000)?", code):
        raise ServiceError(f"县级区划代码“{code}”应为6位数字（或后6位为0的12位代码）。")
    if county_full_name(code) is None:
        raise ServiceError(f"“{code[:6]}”不是现行的县级区划代码。")
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.EDIT_REGIONS)
        existing = station_county(uow.session)
        if existing is not None:
            if existing.code and existing.code[:6] == code[:6]:
                return _result(existing)
            raise ServiceError(
                f"本数据库已设置为{existing.name}（{existing.code or '无代码'}），一个数据库只管一个县；"
                "另一个县请新建数据库。"
            )
        county = _county_for(uow.session, code + "000000" if len(code) == 6 else code, uow)
        result = _result(county)
        uow.commit()
    return result


def add_region(database: Database, *, actor: Who, code: str, name: str) -> RegionResult:
    """新增乡镇 / 新增村 by its 12-digit code; the level and the parent follow from the code."""
    code = _clean_code(code)
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.EDIT_REGIONS)
        region = _add(uow, code, _clean_name(name))
        result = _result(region)
        uow.commit()
    return result


def _add(uow: UnitOfWork, code: str, name: str) -> Region:
    session = uow.session
    if not re.fullmatch(r"\d{12}", code):
        raise ServiceError(f"区划代码“{code}”应为12位数字，现为{len(code)}位。")
    taken = find_region_by_code(session, code)
    if taken is not None:
        raise ServiceError(f"区划代码“{code}”已被使用（{taken.name}）。")
    level = level_of_code(code)
    county = _county_for(session, code, uow)
    if level == "county":
        return county
    if level == "township":
        parent = county
    else:
        township = find_region_by_code(session, code[:9] + "000")
        if township is None:
            raise ServiceError(f"村“{name}”所属的乡镇（代码{code[:9]}000）尚未建立：请先新增该乡镇。")
        parent = township
    region_id = create_region(uow, name, level, parent.id, code)
    region = session.get(Region, region_id)
    assert region is not None
    return region


def rename_region(database: Database, *, actor: Who, region_id: uuid.UUID, name: str) -> RegionResult:
    """改名: a township or village gets its new name; households and codes stay."""
    name = _clean_name(name)
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.EDIT_REGIONS)
        region = uow.session.get(Region, region_id)
        if region is None:
            raise ServiceError("该区划已不存在，请刷新。")
        if region.name != name:
            uow.audit("update", "region", region.id, "name", region.name, name)
            region.name = name
            region.updated_by = uow.operator
        result = _result(region)
        uow.commit()
    return result


def merge_villages(database: Database, *, actor: Who, source_id: uuid.UUID, target_id: uuid.UUID) -> MergeResult:
    """撤并: every household (and 公示 batch) of ``source`` moves to ``target``; ``source`` is removed.

    Refused when the two share a household number, or when a sealed sheet names ``source``
    (sealed sheets are never changed).
    """
    from fupin_desktop.store.models import PublicNotice, Submission

    if source_id == target_id:
        raise ServiceError("不能把一个村撤并到它自己。")
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.EDIT_REGIONS)
        session = uow.session
        source = session.get(Region, source_id)
        target = session.get(Region, target_id)
        if source is None or target is None:
            raise ServiceError("要撤并的村已不存在，请刷新。")
        for region in (source, target):
            if region.level != "village":
                raise ServiceError(f"“{region.name}”不是村：只能撤并村。")
        sealed = session.scalar(select(func.count()).select_from(Submission).where(Submission.region_id == source.id))
        if sealed:
            raise ServiceError(f"{source.name}有{sealed}张已封存的上报表，封存表不能改动，因此不能撤并。")
        target_numbers = set(session.scalars(select(Household.household_no).where(Household.village_id == target.id)))
        households = session.scalars(select(Household).where(Household.village_id == source.id)).all()
        clashes = sorted(h.household_no for h in households if h.household_no in target_numbers)
        if clashes:
            shown = "、".join(clashes[:5]) + ("等" if len(clashes) > 5 else "")
            raise ServiceError(
                f"{source.name}与{target.name}有{len(clashes)}个相同的户编号（{shown}），请先改正户编号再撤并。"
            )
        for household in households:
            household.village_id = target.id
            household.updated_by = uow.operator
        notices = session.scalars(select(PublicNotice).where(PublicNotice.region_id == source.id)).all()
        for notice in notices:
            notice.region_id = target.id
        uow.audit_many(("move", "household", h.id, "village", source.name, target.name) for h in households)
        uow.audit(
            "delete", "region", source.id, old=f"{source.code or ''} {source.name}".strip(), new=f"撤并入{target.name}"
        )
        session.flush()
        session.delete(source)
        result = MergeResult(_result(target), len(households), len(notices))
        uow.commit()
    return result


def list_regions(database: Database, *, code: str | None = None) -> list[RegionNode]:
    """Every region, or the one with ``code`` and everything under it, in code order."""
    with database.session_factory() as session:
        nodes = region_nodes(session)
    if not code:
        return nodes
    code = _clean_code(code)
    root = next((node for node in nodes if node.code == code), None)
    if root is None:
        raise ServiceError(f"没有代码为“{code}”的区划。")
    keep = {root.id}
    for node in nodes:  # in code order, so a parent comes before its children
        if node.parent_id in keep:
            keep.add(node.id)
    return [node for node in nodes if node.id in keep]


# --- importing the 统计用区划代码 table ------------------------------------------------------------

_HEADER_ROWS = 10


def read_region_rows(path: Path) -> list[tuple[int, str, str]]:
    """(row number as the user sees it, code, name) from an xlsx or csv with columns 代码 and 名称."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        rows = _read_csv(path)
    else:
        from fupin_desktop.domain.village_sheet import display_value
        from fupin_desktop.services.spreadsheet import best_grid

        def score(grid: object) -> tuple[int, int, int] | None:
            assert hasattr(grid, "rows")
            text = [[display_value(v).strip() for v in row] for row in grid.rows[:_HEADER_ROWS]]
            return _find_header(text)

        grid, _ = best_grid(path, score, lambda found: 1)
        rows = [[display_value(v).strip() for v in row] for row in grid.rows]
    header = _find_header(rows[:_HEADER_ROWS])
    if header is None:
        raise ServiceError(
            f"文件“{path.name}”中找不到“代码”和“名称”两列：请把表头写成“统计用区划代码”（或“代码”）和“名称”。"
        )
    header_row, code_column, name_column = header
    found: list[tuple[int, str, str]] = []
    for index in range(header_row + 1, len(rows)):
        row = rows[index]
        code = row[code_column] if code_column < len(row) else ""
        name = row[name_column] if name_column < len(row) else ""
        if code or name:
            found.append((index + 1, _clean_code(code), name.strip()))
    return found


def _read_csv(path: Path) -> list[list[str]]:
    import csv

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ServiceError(f"找不到文件“{path}”。") from None
    except OSError as error:
        raise ServiceError(f"无法读取文件“{path}”：{error.strerror}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceError(f"文件“{path.name}”的编码无法识别：请在Excel中另存为“CSV UTF-8”或.xlsx。")
    return [[cell.strip() for cell in row] for row in csv.reader(text.splitlines())]


def _find_header(rows: list[list[str]]) -> tuple[int, int, int] | None:
    for index, row in enumerate(rows):
        code_column = next(
            (c for c, text in enumerate(row) if text in ("代码", "区划代码") or text.endswith("区划代码")), None
        )
        name_column = next((c for c, text in enumerate(row) if "名称" in text), None)
        if code_column is not None and name_column is not None:
            return index, code_column, name_column
    return None


def import_regions(database: Database, *, actor: Who, path: Path) -> RegionImportResult:
    """The county's 统计用区划代码 rows: townships and villages added, changed names taken, the rest
    left alone, so that importing the same table twice changes nothing. The county is the station's
    (or, on a new database, the one the first row names). Any bad row refuses the whole table."""
    database.read(permit, actor, Capability.EDIT_REGIONS)  # first: a clerk is told they may not, not about the file
    rows = read_region_rows(path)
    if not rows:
        raise ServiceError(f"文件“{Path(path).name}”的“代码”列下没有任何行。")
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.EDIT_REGIONS)
        session = uow.session
        county = station_county(session)
        county_code = county.code[:6] if county is not None and county.code else None
        problems: list[str] = []
        good: list[tuple[int, str, str]] = []
        seen: dict[str, int] = {}
        for row, code, name in rows:
            if not re.fullmatch(r"\d{12}", code):
                problems.append(f"第{row}行：区划代码“{code}”应为12位数字")
                continue
            if county_code is None:
                county_code = code[:6]
            if code[:6] != county_code:
                problems.append(f"第{row}行：区划代码“{code}”不在本县（{county_code}）之内")
                continue
            if not name:
                problems.append(f"第{row}行：区划代码“{code}”没有名称")
                continue
            if len(name) > 60:
                problems.append(f"第{row}行：名称“{name[:20]}…”太长（最多60字）")
                continue
            if code in seen:
                problems.append(f"第{row}行：区划代码“{code}”与第{seen[code]}行重复")
                continue
            seen[code] = row
            good.append((row, code, name))
        townships = {code for _row, code, _name in good if level_of_code(code) == "township"}
        known = {code for code in session.scalars(select(Region.code).where(Region.code.is_not(None))) if code}
        parents = townships | known
        for row, code, name in good:
            if level_of_code(code) == "village" and code[:9] + "000" not in parents:
                problems.append(f"第{row}行：村“{name}”所属的乡镇（{code[:9]}000）不在表中，也未建立")
        if problems:
            raise RegionImportRefused(problems)
        assert county_code is not None
        try:
            county = _county_for(session, county_code + "000000", uow)
        except ServiceError as error:
            raise RegionImportRefused([f"第{rows[0][0]}行：{error}"]) from None
        added = renamed = unchanged = 0
        # townships before villages, so that every village finds its parent
        for _row, code, name in sorted(good, key=lambda item: (level_of_code(item[1]) != "township", item[1])):
            existing = find_region_by_code(session, code)
            if existing is not None:
                if existing.name == name or level_of_code(code) == "county":
                    unchanged += 1
                else:
                    uow.audit("update", "region", existing.id, "name", existing.name, name)
                    existing.name = name
                    existing.updated_by = uow.operator
                    renamed += 1
                continue
            _add(uow, code, name)
            added += 1
        uow.commit()
    return RegionImportResult(county_code, added, renamed, unchanged)
