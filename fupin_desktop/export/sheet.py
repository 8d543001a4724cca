"""The content of one summary sheet, independent of the file format, and its canonical form.

A ``SheetContent`` is what both writers draw and what a seal freezes: title, columns with their
header tree, rows, totals and the sign-off block. Its canonical JSON (sorted keys, no spaces,
UTF-8) is hashed with SHA-256 to give the digest printed on every page, and is embedded in the
files themselves so that a sheet can be verified on a machine that never saw the database.
No Qt and no database here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

Value = str | int | None
ColumnKind = Literal["text", "int", "id", "percent"]

# The marker that tells a sealed file from any other spreadsheet or PDF.
PAYLOAD_FORMAT = "fupin-desktop/sealed-sheet/1"
DRAFT_MARK = "草稿（未封存，不得上报）"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: float  # in characters of the body font; scaled to fit the page
    kind: ColumnKind = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "percent")


@dataclass(frozen=True)
class HeaderGroup:
    """A top header cell spanning ``span`` consecutive columns; ``label=None`` means the columns'
    own labels fill both header rows (a leaf merged vertically)."""

    label: str | None
    span: int


@dataclass(frozen=True)
class SignOff:
    """填表单位（盖章）, 填表时间 and the signature block."""

    unit_name: str
    filled_on: str  # "2026年11月22日"
    operator: str  # 填表人
    phone: str  # 联系电话
    reviewer: str  # 审核人
    head: str  # 负责人


@dataclass(frozen=True)
class SealStamp:
    """Who sealed it and when, covered by the digest: the sealing time (UTC, microseconds), the
    fingerprint of the station key that signs it, and the audit chain head at that moment."""

    sealed_at: str  # "2026-11-22T03:04:05.123456Z"
    fingerprint: str  # "3F2A-91C0-5B7E-0D44"
    chain_head: str  # the first 16 hex digits of the newest audit entry's hash
    replaces_reason: str | None = None  # why the sheet it corrects was unlocked


@dataclass
class SheetContent:
    sheet: str  # the form's code, e.g. "register_summary"
    title: str
    columns: list[Column]
    groups: list[HeaderGroup]
    rows: list[list[Value]]
    totals: list[Value] | None
    sign_off: SignOff
    landscape: bool = True
    period: str | None = None  # "2026年1月1日至2026年6月30日"
    notes: list[str] = field(default_factory=list)
    number: str | None = None  # "〔2026〕第3号" once sealed
    replaces: str | None = None  # the number this sheet corrects
    params: dict[str, str] = field(default_factory=dict)  # what it was built from (region, dates)
    stamp: SealStamp | None = None  # set when sealed by a station with a key

    @property
    def header_depth(self) -> int:
        return 2 if any(g.label is not None for g in self.groups) else 1

    @property
    def sealed(self) -> bool:
        return self.number is not None

    def canonical(self) -> dict[str, Any]:
        data = self._canonical()
        if self.stamp is not None:  # absent from sheets sealed before stations had keys
            data["stamp"] = {
                "sealed_at": self.stamp.sealed_at,
                "fingerprint": self.stamp.fingerprint,
                "chain_head": self.stamp.chain_head,
                "replaces_reason": self.stamp.replaces_reason,
            }
        return data

    def _canonical(self) -> dict[str, Any]:
        return {
            "format": PAYLOAD_FORMAT,
            "sheet": self.sheet,
            "title": self.title,
            "columns": [[c.key, c.label, c.width, c.kind] for c in self.columns],
            "groups": [[g.label, g.span] for g in self.groups],
            "rows": self.rows,
            "totals": self.totals,
            "sign_off": {
                "unit_name": self.sign_off.unit_name,
                "filled_on": self.sign_off.filled_on,
                "operator": self.sign_off.operator,
                "phone": self.sign_off.phone,
                "reviewer": self.sign_off.reviewer,
                "head": self.sign_off.head,
            },
            "landscape": self.landscape,
            "period": self.period,
            "notes": self.notes,
            "number": self.number,
            "replaces": self.replaces,
            "params": self.params,
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.canonical())

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    @classmethod
    def from_canonical(cls, data: dict[str, Any]) -> SheetContent:
        if data.get("format") != PAYLOAD_FORMAT:
            raise ValueError("not a sealed-sheet payload")
        sign = data["sign_off"]
        return cls(
            sheet=data["sheet"],
            title=data["title"],
            columns=[Column(k, lbl, w, kind) for k, lbl, w, kind in data["columns"]],
            groups=[HeaderGroup(lbl, span) for lbl, span in data["groups"]],
            rows=[list(r) for r in data["rows"]],
            totals=data["totals"],
            sign_off=SignOff(**sign),
            landscape=data["landscape"],
            period=data["period"],
            notes=list(data["notes"]),
            number=data["number"],
            replaces=data["replaces"],
            params=dict(data["params"]),
            stamp=SealStamp(**data["stamp"]) if data.get("stamp") is not None else None,
        )


def canonical_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def display(value: Value) -> str:
    """How a cell value is shown and compared: numbers as plain digits, nothing as empty."""
    if value is None:
        return ""
    return str(value)


def seal_line(content: SheetContent, digest: str | None) -> str:
    """The line under the title: the number and the digest, or the draft mark."""
    if not content.sealed:
        return DRAFT_MARK
    replaces = f"（更正{content.replaces}）" if content.replaces else ""
    line = f"编号：{content.number}{replaces}　校验码（SHA-256）：{digest}"
    if content.stamp is not None:
        line += f"　站点密钥：{content.stamp.fingerprint}　审计链：{content.stamp.chain_head}"
    return line


def correction_note(content: SheetContent) -> str | None:
    """The line a correction prints: which sheet it replaces and why that one was unlocked."""
    if not content.replaces:
        return None
    reason = content.stamp.replaces_reason if content.stamp is not None else None
    return f"更正说明：本表更正{content.replaces}" + (f"，更正原因：{reason}" if reason else "") + "。"


@dataclass(frozen=True)
class Signature:
    """The station's signature over the digest, with the public key that checks it."""

    algorithm: str
    public_key: bytes
    value: bytes

    def as_json(self) -> dict[str, str]:
        return {
            "algorithm": self.algorithm,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "value": base64.b64encode(self.value).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signature:
        return cls(
            str(data["algorithm"]),
            base64.b64decode(data["public_key"], validate=True),
            base64.b64decode(data["value"], validate=True),
        )


def encode_payload(content: SheetContent, signature: Signature | None = None) -> str:
    """The canonical content plus its digest (and signature), compressed, as ASCII for embedding."""
    data: dict[str, Any] = {"digest": content.digest(), "content": content.canonical()}
    if signature is not None:
        data["signature"] = signature.as_json()
    body = canonical_json(data)
    return base64.b64encode(zlib.compress(body, 6)).decode("ascii")


@dataclass(frozen=True)
class Payload:
    content: SheetContent
    stated_digest: str  # what the file says the digest is
    signature: Signature | None = None

    @property
    def intact(self) -> bool:
        """The embedded content still hashes to the digest it was sealed with."""
        return self.content.digest() == self.stated_digest


def decode_payload(text: str) -> Payload:
    """Raises ValueError when the text is not a payload this program wrote."""
    try:
        data = json.loads(zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True)))
        signature = Signature.from_json(data["signature"]) if data.get("signature") is not None else None
        return Payload(SheetContent.from_canonical(data["content"]), str(data["digest"]), signature)
    except (ValueError, KeyError, TypeError, AttributeError, zlib.error) as error:
        raise ValueError("not a sealed-sheet payload") from error


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
