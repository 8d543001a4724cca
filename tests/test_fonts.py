"""The bundled fonts: every Chinese text the program prints must have glyphs, with no system font."""

from __future__ import annotations

from reportlab.pdfbase.ttfonts import TTFont

from fupin_desktop.assets import resource_path
from fupin_desktop.domain.codelists import all_codelists


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
