"""Checking that a file is exactly the sheet that was sealed, and who sealed it.

The file carries its canonical content (a very hidden sheet in the xlsx, the document information
of the PDF). The content must still hash to its digest, and what the file shows must be what that
content draws: the spreadsheet's cells (named 第R行 列名) or the text of every PDF page. Then the
station's signature over the digest must check with the key it names, and that key must be one the
reader knows (a county's key folder, or the keys a station's database holds): anyone can compute a
digest, only the station holds its key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from fupin_desktop.domain.signing import SCHEMES, PublicKey, fingerprint, is_known, signed_message
from fupin_desktop.export.grid import Grid, build_grid
from fupin_desktop.export.sheet import Payload, SheetContent, decode_payload, display
from fupin_desktop.export.xlsx_read import SheetRead

MAX_REPORTED = 50
_TEXT_PAGES = 20  # changed PDF pages whose text is read to say which rows and columns differ
# Written while a seal is under way and renamed once it is committed: never a sealed sheet.
UNFINISHED_NAME = re.compile(r"^\.sealing-[0-9a-f]{32}-\d+\.(xlsx|pdf)$")


class Verdict(IntEnum):
    INTACT = 0
    ALTERED = 1
    NOT_SEALED = 2
    NOT_SIGNED_BY_KNOWN = 3


@dataclass
class VerifyResult:
    verdict: Verdict
    message: str
    differences: list[str] = field(default_factory=list)
    number: str | None = None
    digest: str | None = None
    row_count: int | None = None
    unit_name: str | None = None  # as the sheet states it
    fingerprint: str | None = None  # of the key that signed it, when the signature checks
    station: str | None = None  # the known key's unit, when the key is known

    def report(self) -> str:
        lines = [self.message]
        shown = self.differences[:MAX_REPORTED]
        lines += [f"  {d}" for d in shown]
        if len(self.differences) > len(shown):
            lines.append(f"  ……另有{len(self.differences) - len(shown)}处不同")
        return "\n".join(lines)


def verify_file(path: Path, known: Sequence[PublicKey] = ()) -> VerifyResult:
    """0 intact and signed by a key in ``known``; 1 altered; 2 not a sealed sheet; 3 intact, not so signed."""
    if not path.is_file():
        return VerifyResult(Verdict.NOT_SEALED, f"找不到文件“{path}”。")
    if UNFINISHED_NAME.match(path.name):
        return VerifyResult(
            Verdict.NOT_SEALED,
            f"“{path.name}”是封存中断时留下的临时文件，不是封存的上报表（下次启动程序时会被清理）。",
        )
    with path.open("rb") as handle:
        head = handle.read(5)
    if head.startswith(b"%PDF"):
        result = _verify_pdf(path)
    elif head.startswith(b"PK"):
        result = _verify_xlsx(path)
    else:
        return VerifyResult(Verdict.NOT_SEALED, f"“{path.name}”既不是xlsx也不是PDF文件，不是封存的上报表。")
    return result if isinstance(result, VerifyResult) else _signed_result(result, known)


def _signed_result(payload: Payload, known: Sequence[PublicKey]) -> VerifyResult:
    """The verdict on an intact file: whose signature it carries, and whether that key is known."""
    content = payload.content
    base: dict[str, Any] = dict(
        number=content.number,
        digest=payload.stated_digest,
        row_count=len(content.rows),
        unit_name=content.sign_off.unit_name,
    )
    what = f"{content.title} {content.number}，{len(content.rows)}行，校验码 {payload.stated_digest}"
    signature = payload.signature
    if signature is None or content.stamp is None:
        return VerifyResult(
            Verdict.NOT_SIGNED_BY_KNOWN,
            f"内容与校验码一致，但文件没有站点签名，无法确认是哪个站点封存的：{what}。",
            **base,
        )
    scheme = SCHEMES.get(signature.algorithm)
    signer = fingerprint(signature.algorithm, signature.public_key) if scheme is not None else None
    if scheme is None or signer != content.stamp.fingerprint:
        return VerifyResult(
            Verdict.NOT_SIGNED_BY_KNOWN,
            f"文件上印的站点密钥指纹（{content.stamp.fingerprint}）与签名所用的密钥不符：不是该站点封存的原件。",
            **base,
        )
    if not scheme.verify(signature.public_key, signed_message(payload.stated_digest), signature.value):
        return VerifyResult(
            Verdict.NOT_SIGNED_BY_KNOWN,
            "站点签名与内容不符（内容或校验码在签名之后被重新生成）：不是封存时的原件。",
            **base,
        )
    match = is_known(signature.algorithm, signature.public_key, known)
    if match is None:
        return VerifyResult(
            Verdict.NOT_SIGNED_BY_KNOWN,
            f"内容完整，但签名的站点密钥（指纹 {signer}，表上单位“{content.sign_off.unit_name}”）"
            f"不在已知的站点密钥中：{what}。请向该站点索取密钥文件核对。",
            fingerprint=signer,
            **base,
        )
    return VerifyResult(
        Verdict.INTACT,
        f"与封存时完全一致，由“{match.unit_name}”的站点密钥（指纹 {signer}）签名：{what}。",
        fingerprint=signer,
        station=match.unit_name,
        **base,
    )


def _sealed_result(payload: Payload, differences: list[str], what: str) -> VerifyResult | Payload:
    """ALTERED with where, or the payload itself when the file is exactly what it embeds."""
    content = payload.content
    base: dict[str, Any] = dict(number=content.number, digest=payload.stated_digest, row_count=len(content.rows))
    if not payload.intact:
        return VerifyResult(
            Verdict.ALTERED,
            f"{what}中内嵌的封存内容与校验码不符：文件已被改动，不是封存时的原件。",
            differences,
            **base,
        )
    if differences:
        return VerifyResult(
            Verdict.ALTERED,
            f"{what}与封存时的内容不一致（{content.number}，{len(content.rows)}行）：",
            differences,
            **base,
        )
    return payload


# --- xlsx ------------------------------------------------------------------------------------------


def _verify_xlsx(path: Path) -> VerifyResult | Payload:
    from fupin_desktop.export.xlsx import PAYLOAD_SHEET
    from fupin_desktop.export.xlsx_read import NotAWorkbook, read_workbook

    try:
        book = read_workbook(str(path), PAYLOAD_SHEET)
    except NotAWorkbook:
        return VerifyResult(Verdict.NOT_SEALED, f"“{path.name}”不是可读取的xlsx文件，不是封存的上报表。")
    if book.payload_text is None or len(book.sheet_names) < 2:
        return VerifyResult(Verdict.NOT_SEALED, f"“{path.name}”不是本程序封存的上报表（没有封存数据）。")
    try:
        payload = decode_payload(book.payload_text)
    except ValueError:
        return VerifyResult(Verdict.ALTERED, "内嵌的封存数据已损坏或被改动，无法核对。")
    content = payload.content
    grid = build_grid(content, payload.stated_digest)
    sheet = book.first
    differences = list(book.problems) + list(sheet.problems)
    differences += _compare_grid(grid, content, sheet.rows)
    differences += _rendering_changes(grid, content, sheet)
    footer = sheet.footer
    if content.number and (footer is None or content.number not in footer or payload.stated_digest not in footer):
        differences.append("页脚中的封存编号或校验码被改动或删除")
    elif content.stamp is not None and footer is not None and content.stamp.fingerprint not in footer:
        differences.append("页脚中的站点密钥指纹被改动或删除")
    return _sealed_result(payload, differences, "该Excel文件")


def _rendering_changes(grid: Grid, content: SheetContent, sheet: SheetRead) -> list[str]:
    """What hides or disguises cells of the table: formats, colours, hidden rows and columns, merges."""
    names = column_names(content)
    width, height = grid.width, len(grid.rows)

    def where(row: int, column: int) -> str:
        kind = grid.rows[row - 1].kind if row <= height else "other"
        if kind in ("data", "total", "header") and column <= width:
            return f"第{row}行 {names[column - 1]}"
        return f"第{row}行 第{column}列"

    changes = [f"{where(row, column)}：{what}" for row, column, what in sheet.cell_problems]
    for row in sheet.hidden_rows:
        if row <= height:
            changes.append(f"第{row}行 被隐藏或行高为0，读者看不到这一行（{_row_summary(grid, row)}）")
    for column in dict.fromkeys(sheet.hidden_columns):
        if column <= width:
            changes.append(f"第{column}列（{names[column - 1]}）被隐藏或列宽为0，读者看不到这一列")
    expected = set(grid.merges)
    for merge in sorted(sheet.merges - expected):
        changes.append(f"合并单元格 {_range_text(merge)} 是封存时没有的（合并会遮住其中的单元格）")
    for merge in sorted(expected - sheet.merges):
        changes.append(f"合并单元格 {_range_text(merge)} 被取消")
    return changes


def _row_summary(grid: Grid, row: int) -> str:
    return "，".join(display(v) for v in grid.rows[row - 1].cells if display(v))[:60]


def _range_text(merge: tuple[int, int, int, int]) -> str:
    from openpyxl.utils import get_column_letter

    r1, c1, r2, c2 = merge
    return f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"


def column_names(content: SheetContent) -> list[str]:
    """Column labels that tell repeated sub-headings apart (在校生情况·在校生数(人))."""
    names: list[str] = []
    column = 0
    for group in content.groups:
        for offset in range(group.span):
            label = content.columns[column + offset].label
            names.append(f"{group.label}·{label}" if group.label else label)
        column += group.span
    return names


def _compare_grid(grid: Grid, content: SheetContent, actual: list[list[str]]) -> list[str]:
    width = grid.width
    expected = [tuple(display(v) for v in row.cells) for row in grid.rows]
    got = [tuple(row[:width]) + (("",) * (width - len(row)) if len(row) < width else ()) for row in actual]
    extra_cells = [
        (r, c) for r, row in enumerate(actual, start=1) for c in range(width, len(row)) if row[c] not in ("", None)
    ]
    # Trailing empty rows are not content.
    while got and not any(got[-1]):
        got.pop()
    differences: list[str] = []
    names = column_names(content)
    if expected != got:
        matcher = difflib.SequenceMatcher(None, expected, got, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if tag == "replace" and i2 - i1 == j2 - j1:
                for offset in range(i2 - i1):
                    differences += _row_changes(
                        grid, names, i1 + offset, expected[i1 + offset], got[j1 + offset], j1 + offset
                    )
                continue
            for i in range(i1, i2):
                differences.append(f"第{i + 1}行 被删除，原为：{_row_label(grid, names, i, expected[i])}")
            for j in range(j1, j2):
                differences.append(f"第{j + 1}行 为新增的行：{'，'.join(v for v in got[j] if v)}")
    for r, c in extra_cells:
        differences.append(f"第{r}行 第{c + 1}列：原为空，现为“{actual[r - 1][c]}”")
    return differences


def _row_changes(
    grid: Grid, names: list[str], index: int, old: Sequence[str], new: Sequence[str], at: int
) -> list[str]:
    kind = grid.rows[index].kind
    changes = []
    for column, (before, after) in enumerate(zip(old, new, strict=True)):
        if before != after:
            where = names[column] if kind in ("data", "total", "header") else f"第{column + 1}列"
            changes.append(f"第{at + 1}行 {where}：原为“{before}”，现为“{after}”")
    return changes


def _row_label(grid: Grid, names: list[str], index: int, values: Sequence[str]) -> str:
    return "，".join(f"{names[c]} {v}" if grid.rows[index].kind == "data" else v for c, v in enumerate(values) if v)


# --- PDF -------------------------------------------------------------------------------------------


def _verify_pdf(path: Path) -> VerifyResult | Payload:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from fupin_desktop.export.pdf import PAYLOAD_KEY, PdfLayout, write_pdf
    from fupin_desktop.export.pdf_compare import compare_pdfs
    from fupin_desktop.export.typeset import TextOp

    try:
        reader = PdfReader(str(path))
        info = reader.trailer.get("/Info")
        info = info.get_object() if info is not None else {}
        parts = info.get(f"/{PAYLOAD_KEY}") if info else None
    except (PyPdfError, OSError, ValueError):
        return VerifyResult(Verdict.NOT_SEALED, f"“{path.name}”不是可读取的PDF文件，不是封存的上报表。")
    if parts is None:
        return _reprint_or_other(path, reader)
    try:
        payload = decode_payload("".join(str(p) for p in parts.get_object()))
    except (ValueError, TypeError, AttributeError):
        return VerifyResult(Verdict.ALTERED, "内嵌的封存数据已损坏或被改动，无法核对。")
    content = payload.content
    expected_file = io.BytesIO()
    write_pdf(content, expected_file, signature=payload.signature)
    expected_file.seek(0)
    try:
        found = compare_pdfs(reader, PdfReader(expected_file))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        return VerifyResult(Verdict.ALTERED, f"“{path.name}”的页面结构已损坏或被改动，无法核对。")
    differences = list(found.document)
    layout: PdfLayout | None = None
    names = column_names(content)
    compared = 0
    for number in sorted(set(found.pages) | set(found.changed_text_pages)):
        differences += [f"第{number + 1}页 {problem}" for problem in found.pages.get(number, [])]
        if number not in found.changed_text_pages:
            continue
        compared += 1
        if compared > _TEXT_PAGES:  # reading a page's text is slow: name the rest by page only
            differences.append(f"第{number + 1}页 页面内容与封存时不同")
            continue
        layout = layout or PdfLayout(content, payload.stated_digest)
        ops: list[TextOp] = layout.expected_text(number)
        text = reader.pages[number].extract_text()
        if _squash(text) != "".join(_squash(op.text) for op in ops):
            differences += _page_changes(number, ops, text, content, names)
        else:
            differences.append(f"第{number + 1}页 页面内容与封存时不同：文字未变，但图形、颜色、位置或遮盖被改动")
    return _sealed_result(payload, differences, "该PDF文件")


_REPRINT_DIGEST = re.compile(r"SHA-256\W{0,3}([0-9a-f]{64})")
_REPRINT_NUMBER = re.compile(r"〔\d{4}〕第\d+号")


def _reprint_or_other(path: Path, reader: Any) -> VerifyResult:
    """A PDF without the embedded data: a reprint of a sealed sheet (a PDF printer drops it), or any PDF.
    A reprint keeps the digest in its footer (digits survive even where the Chinese text loses its
    character map), so it is recognised and sent to the paper check."""
    try:
        first = reader.pages[0].extract_text() if len(reader.pages) else ""
    except Exception:  # pypdf raises many kinds on a page it cannot read
        first = ""
    squashed = re.sub(r"\s+", "", first)
    digest = _REPRINT_DIGEST.search(squashed)
    if digest is None:
        return VerifyResult(Verdict.NOT_SEALED, f"“{path.name}”不是本程序封存的上报表（没有封存数据）。")
    number = _REPRINT_NUMBER.search(squashed)
    which = f"编号 {number.group(0)}、" if number else "页脚所印编号与"
    return VerifyResult(
        Verdict.NOT_SEALED,
        f"“{path.name}”是封存上报表的重新打印件（例如经PDF打印机另存），内嵌的封存数据和签名已丢失，无法逐项核验。"
        f"纸质件和重印件请按{which}校验码 {digest.group(1)} 向封存单位核对（或扫描页脚的二维码），"
        "以封存单位的原件为准。",
        number=number.group(0) if number else None,
        digest=digest.group(1),
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _page_changes(number: int, ops: list[Any], actual_text: str, content: SheetContent, names: list[str]) -> list[str]:
    """Name the rows and columns whose text differs on one page (one extracted line per string drawn)."""
    expected = [_squash(op.text) for op in ops]
    actual = [line for line in (_squash(x) for x in actual_text.splitlines()) if line]
    wheres = [op.where for op in ops]
    page = f"第{number + 1}页"

    def describe(where: Any) -> str:
        if where[0] == "cell":
            row, column = where[1], where[2]
            if row < 0:
                return f"总计行 {names[column]}"
            return f"第{row + 1}行（序号{content.rows[row][0]}） {names[column]}"
        labels = {
            "header": "表头",
            "title": "标题",
            "meta": "填表单位/填表时间",
            "foot": "页脚的编号或校验码",
            "page": "页码",
            "signoff": "签字栏",
            "note": "注",
            "period": "统计期间",
        }
        return labels.get(where[0], "其他文字")

    changes: list[str] = []
    matcher = difflib.SequenceMatcher(None, expected, actual, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                changes.append(f"{page} {describe(wheres[i1 + k])}：原为“{expected[i1 + k]}”，现为“{actual[j1 + k]}”")
            continue
        removed_rows = sorted({w[1] for w in wheres[i1:i2] if w[0] == "cell" and w[1] >= 0})
        for row in removed_rows:
            cells = [display(v) for v in content.rows[row] if display(v)]
            changes.append(f"{page} 第{row + 1}行（序号{content.rows[row][0]}）缺失或被改动，原为：{'，'.join(cells)}")
        others = [k for k in range(i1, i2) if not (wheres[k][0] == "cell" and wheres[k][1] >= 0)]
        for k in others:
            changes.append(f"{page} {describe(wheres[k])}：缺少“{expected[k]}”")
        if j2 > j1:
            changes.append(f"{page} 多出的内容：{'，'.join(actual[j1:j2])}")
    return changes or [f"{page} 文字与封存内容不一致"]
