"""The bundled fonts: every Chinese text the program prints must have glyphs, with no system font."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFont

from fupin_desktop.assets import resource_path
from fupin_desktop.domain.codelists import all_codelists
from fupin_desktop.export.fonts import SANS, SANS_BOLD, SERIF_BOLD, register_fonts
from fupin_desktop.export.pdf import PdfLayout
from fupin_desktop.export.printouts import NoticeLine, NoticePrintout, write_notice_pdf
from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent, SignOff
from fupin_desktop.export.typeset import TextOp, place


def _covered(font_file: str) -> set[int]:
    font = TTFont("probe", str(resource_path("fonts", font_file)))
    return set(font.face.charToGlyph)


def test_the_sans_face_covers_every_code_list_and_rare_name_characters() -> None:
    covered = _covered("NotoSansSC-Regular.ttf")
    text = "".join(item.name for codes in all_codelists().values() for item in codes.items)
    text += "䶮喆龑堃昇玥珺（盖章）〔〕①②№"
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in covered}
    assert missing == set()


def test_the_heading_faces_cover_the_forms_wording() -> None:
    wording = (
        "精准扶贫对象登记汇总表拟参加培训人员名单技工院校技能脱贫攻坚进展情况表公示填表单位（盖章）审核人负责人联系电话"
    )
    for face in ("NotoSansSC-Bold.ttf", "NotoSerifSC-Regular.ttf", "NotoSerifSC-Bold.ttf"):
        covered = _covered(face)
        assert {ch for ch in wording if ord(ch) not in covered} == set(), face


def test_the_licence_ships_beside_the_fonts() -> None:
    licence = resource_path("fonts", "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence.upper()

def test_a_bold_heading_with_a_rare_character_is_drawn_emboldened_in_the_sans_face(tmp_path: Path) -> None:
    """The bold faces cover GB2312 only: a heading with 䶮 falls back to the regular sans, stroked to look
    bold, in the sheets (the layout the verifier checks) and in the printed notice alike."""
    register_fonts()
    assert place(0, 0, "王五", SANS_BOLD, 10, "left") == TextOp(0, 0, "王五", SANS_BOLD, False, 10, "left", ("other",))
    assert place(0, 0, "王䶮", SERIF_BOLD, 10, "left")[3:5] == (SANS, True)
    assert place(0, 0, "王䶮", SANS, 10, "left")[3:5] == (SANS, False)

    content = SheetContent(
        sheet="roster",
        title="欧阳䶮等人员名单",
        columns=[Column("name", "姓名", 8)],
        groups=[HeaderGroup(None, 1)],
        rows=[["欧阳䶮"]],
        totals=None,
        sign_off=SignOff("界湖街道人社所", "2026年11月22日", "王经办", "0539-1234567", "李审核", "赵所长"),
        landscape=False,
    )
    title = next(op for op in PdfLayout(content, None).page_ops(0).texts if op.where == ("title",))
    assert (title.font, title.fake_bold) == (SANS, True)

    notice = NoticePrintout(
        "欧阳䶮等培训对象公示", "北村", "2026年11月16日", "2026年11月21日", "北村村务公开栏", "0539-3221234",
        "界湖街道人力资源和社会保障所", "2026年11月16日", [NoticeLine("一组", "欧阳䶮", "男", "培训：电工", "村委会")],
    )
    write_notice_pdf(notice, tmp_path / "n.pdf")
    page = PdfReader(tmp_path / "n.pdf").pages[0]
    assert b"2 Tr" in page.get_contents().get_data()  # fill + stroke: the emboldened title
    assert "欧阳䶮等培训对象公示" in page.extract_text().replace("\n", "")
