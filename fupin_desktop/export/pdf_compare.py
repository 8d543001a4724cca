"""What a sealed PDF draws, compared with what its embedded content draws when written again.

The writer is deterministic: the same content gives the same pages, fonts and QR form. So the
verifier writes the sheet again in memory and compares the two files object by object from the
catalog down — every page's content streams (decoded), resources, boxes and annotations. Whatever
changes what a viewer shows or a printer prints (an annotation or form field over a number, optional
content, an extra content stream or image, a changed font or crop box) is a difference; re-saving
(pypdf, qpdf) renumbers objects and recompresses streams, which is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, IndirectObject, NumberObject, StreamObject

# Catalog entries a re-saving program may add that change nothing on the page.
_HARMLESS_CATALOG = {"/Metadata", "/Lang", "/MarkInfo", "/ViewerPreferences", "/PageLayout", "/Version"}
_CATALOG_NAMES = {
    "/AcroForm": "文件加了表单域（AcroForm），可在表上显示或打印另外的内容",
    "/OCProperties": "文件加了可选内容（图层），可隐藏或改变显示、打印的内容",
    "/OpenAction": "文件加了打开时执行的动作",
    "/AA": "文件加了自动执行的动作",
    "/Names": "文件加了附件、脚本或命名内容",
}
_PAGE_NAMES = {
    "/Annots": "加了批注或表单域，显示和打印时会盖在表上",
    "/CropBox": "加了裁切框，显示或打印时会裁去部分内容",
    "/Contents": "页面内容与封存时不同",
    "/Resources": "引用的字体、图形或图像与封存时不同",
    "/MediaBox": "页面尺寸被改动",
    "/Rotate": "页面方向被改动",
}
_STREAM_FORMAT_KEYS = {"/Length", "/Filter", "/DecodeParms", "/DL"}


@dataclass
class PdfDifferences:
    document: list[str] = field(default_factory=list)
    pages: dict[int, list[str]] = field(default_factory=dict)  # 0-based page → what differs
    changed_text_pages: list[int] = field(default_factory=list)  # content streams differ: compare the text

    @property
    def any(self) -> bool:
        return bool(self.document or self.pages or self.changed_text_pages)


class _Comparer:
    def __init__(self) -> None:
        self.same: set[tuple[int, int]] = set()

    def equal(self, a: Any, b: Any, depth: int = 0) -> bool:
        if depth > 60:
            return False
        if isinstance(a, IndirectObject) and isinstance(b, IndirectObject):
            key = (a.idnum, b.idnum)
            if key in self.same:
                return True
            self.same.add(key)  # assumed while comparing (cycles through /Parent are skipped anyway)
            if self.equal(a.get_object(), b.get_object(), depth + 1):
                return True
            self.same.discard(key)
            return False
        if isinstance(a, IndirectObject):
            a = a.get_object()
        if isinstance(b, IndirectObject):
            b = b.get_object()
        if isinstance(a, StreamObject) or isinstance(b, StreamObject):
            if not (isinstance(a, StreamObject) and isinstance(b, StreamObject)):
                return False
            if not self._dicts(a, b, depth, _STREAM_FORMAT_KEYS):
                return False
            return bool(a.get_data() == b.get_data())
        if isinstance(a, DictionaryObject) and isinstance(b, DictionaryObject):
            return self._dicts(a, b, depth, set())
        if isinstance(a, ArrayObject) and isinstance(b, ArrayObject):
            return len(a) == len(b) and all(self.equal(x, y, depth + 1) for x, y in zip(a, b, strict=True))
        if isinstance(a, FloatObject | NumberObject) and isinstance(b, FloatObject | NumberObject):
            return abs(float(a) - float(b)) < 1e-4
        return bool(type(a) is type(b) and a == b)

    def _dicts(self, a: DictionaryObject, b: DictionaryObject, depth: int, ignored: set[str]) -> bool:
        keys_a = {k for k in a if k not in ignored and k != "/Parent"}
        keys_b = {k for k in b if k not in ignored and k != "/Parent"}
        return keys_a == keys_b and all(self.equal(a.raw_get(k), b.raw_get(k), depth + 1) for k in keys_a)


def _catalog(reader: PdfReader) -> DictionaryObject:
    root = reader.trailer["/Root"].get_object()
    assert isinstance(root, DictionaryObject)
    return root


def _page_contents(page: DictionaryObject) -> Iterator[bytes]:
    contents = page.get("/Contents")
    if contents is None:
        return
    contents = contents.get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    for stream in streams:
        yield stream.get_object().get_data()


def compare_pdfs(actual: PdfReader, expected: PdfReader) -> PdfDifferences:
    found = PdfDifferences()
    actual_catalog, expected_catalog = _catalog(actual), _catalog(expected)
    for key in sorted(set(actual_catalog) - set(expected_catalog) - _HARMLESS_CATALOG):
        found.document.append(_CATALOG_NAMES.get(key, f"文件加了封存时没有的“{key}”"))
    if len(actual.pages) != len(expected.pages):
        found.document.append(f"页数不符：封存时{len(expected.pages)}页，现为{len(actual.pages)}页")
    comparer = _Comparer()
    for number, (page, wanted) in enumerate(zip(actual.pages, expected.pages, strict=False)):
        problems: list[str] = []
        keys = {k for k in page if k != "/Parent"} | {k for k in wanted if k != "/Parent"}
        for key in sorted(keys):
            if key == "/Contents":
                if b"".join(_page_contents(page)) != b"".join(_page_contents(wanted)):
                    found.changed_text_pages.append(number)
                continue
            if key not in page or key not in wanted:
                problems.append(_PAGE_NAMES.get(key, f"“{key}”被加上或删除"))
            elif not comparer.equal(page.raw_get(key), wanted.raw_get(key)):
                problems.append(_PAGE_NAMES.get(key, f"“{key}”被改动"))
        if problems:
            found.pages[number] = problems
    return found
