"""Build resources/fonts/Noto{Sans,Serif}SC-{Regular,Bold}.ttf from Noto CJK (OFL-1.1).

reportlab cannot embed CFF outlines, so the Simplified Chinese face is taken out of the
Noto CJK .ttc/.otf files (Debian ``fonts-noto-cjk``), subset (no hinting), converted to
TrueType quadratic outlines with cu2qu (fontTools' otf2ttf snippet), and renamed to the
plain family "Noto Sans SC" / "Noto Serif SC" with embedding allowed (fsType 0).
Uses only fontTools.  Usage: python tools/build_fonts.py [SOURCE_FILE_OR_DIR ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.ttLib.tables import ttProgram

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "resources" / "fonts"
DEFAULT_SOURCES = [Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts")]
BUDGET_BYTES = 10 * 1024 * 1024  # per file; over it the face is rebuilt with the next CHARSETS entry

# output file -> (family, style, PostScript names of acceptable source faces, first charset tried)
# Only Sans Regular carries people's names and table cells, so only it covers all of GBK and Ext A;
# the bold and Serif faces set headings and the fixed wording of notices, for which GB2312 suffices
# (it keeps the repository and the installer ~20 MB smaller). Text with a rarer character falls back
# to Sans Regular.
FACES = {
    "NotoSansSC-Regular.ttf": ("Noto Sans SC", "Regular", ("NotoSansCJKsc-Regular", "NotoSansSC-Regular"), 0),
    "NotoSansSC-Bold.ttf": ("Noto Sans SC", "Bold", ("NotoSansCJKsc-Bold", "NotoSansSC-Bold"), 2),
    "NotoSerifSC-Regular.ttf": ("Noto Serif SC", "Regular", ("NotoSerifCJKsc-Regular", "NotoSerifSC-Regular"), 2),
    "NotoSerifSC-Bold.ttf": ("Noto Serif SC", "Bold", ("NotoSerifCJKsc-Bold", "NotoSerifSC-Bold"), 2),
}
CHARSETS = ("GBK + URO + Ext A", "GBK + URO", "GB2312")  # tried in order while a file is over budget

COMMON_RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1
    (0x0100, 0x017F),  # Latin Extended-A (pinyin ā ē ī ō ū)
    (0x01CD, 0x01DC),  # pinyin ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x2000, 0x206F),  # General Punctuation
    (0x2460, 0x24FF),  # Enclosed Alphanumerics ①…
    (0x2500, 0x257F),  # Box Drawing
    (0x3000, 0x303F),  # CJK Symbols and Punctuation (incl. 〇)
    (0x30FB, 0x30FB),  # katakana middle dot ・
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]
EXT_A = (0x3400, 0x4DBF)  # CJK Extension A (name characters such as 䶮)
URO = (0x4E00, 0x9FFF)  # CJK Unified Ideographs: all of GBK's 4E00–9FA5 and later additions


def _encodable(codec: str) -> set[int]:
    out = set()
    for cp in range(0x20, 0x10000):
        if 0x7F <= cp <= 0x9F or 0xD800 <= cp <= 0xF8FF:  # controls, surrogates, private use
            continue
        try:
            chr(cp).encode(codec)
        except UnicodeEncodeError:
            continue
        out.add(cp)
    return out


def charset(level: int) -> set[int]:
    """Code points of CHARSETS[level]; every level has the Latin, punctuation and symbol ranges."""
    cps = {cp for lo, hi in COMMON_RANGES for cp in range(lo, hi + 1)}
    cps |= {0x3007, 0x00B7}  # 〇 ·
    if level <= 1:
        cps |= set(range(URO[0], URO[1] + 1)) | _encodable("gbk")
    if level == 0:
        cps |= set(range(EXT_A[0], EXT_A[1] + 1))
    if level == 2:
        cps |= _encodable("gb2312")
    return cps


def find_face(ps_names: tuple[str, ...], sources: list[Path]) -> tuple[Path, int | None]:
    files: list[Path] = []
    for src in sources:
        if src.is_dir():
            files += sorted(p for p in src.rglob("*") if p.suffix.lower() in (".ttc", ".otc", ".otf", ".ttf"))
        elif src.is_file():
            files.append(src)
    for path in files:
        try:
            if path.suffix.lower() in (".ttc", ".otc"):
                fonts = list(enumerate(TTCollection(str(path), lazy=True).fonts))
            else:
                fonts = [(None, TTFont(str(path), lazy=True))]
        except Exception:  # not a font we can read
            continue
        for index, font in fonts:
            if font["name"].getDebugName(6) in ps_names and "CFF " in font:
                return path, index
    raise SystemExit(f"source face {ps_names[0]} not found in {', '.join(map(str, sources))}")


def subset_font(font: TTFont, unicodes: set[int]) -> None:
    opts = subset.Options()
    opts.hinting = False
    opts.desubroutinize = True
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    # No 'locl' (its JP/KR/TC variant forms would double the glyph count), no 'aalt' etc.
    opts.layout_features = ["ccmp", "kern", "liga", "mark", "mkmk", "vert", "vrt2", "vkrn", "palt", "vpal"]
    opts.drop_tables += ["BASE", "VORG", "hdmx", "VDMX", "LTSH", "DSIG", "meta"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)


def cff_to_glyf(font: TTFont, max_err: float = 1.0) -> None:
    """fontTools Snippets/otf2ttf.py: cubic CFF outlines -> quadratic glyf."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        tt_pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(tt_pen, max_err, reverse_direction=True))
        glyphs[name] = tt_pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: saves space, not needed by Qt or reportlab
    post.extraNames, post.mapping = [], {}
    font["head"].glyphDataFormat = 0
    # Unhinted: smooth at all sizes, and dropout control so Windows does not lose thin strokes.
    font["gasp"] = gasp = newTable("gasp")
    gasp.gaspRange = {0xFFFF: 0x000F}
    font["prep"] = prep = newTable("prep")
    prep.program = ttProgram.Program()
    prep.program.fromAssembly(["PUSHW[]", "511", "SCANCTRL[]", "PUSHB[]", "4", "SCANTYPE[]"])
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont, family: str, style: str) -> None:
    name = font["name"]
    version = name.getDebugName(5) or ""
    version = version.split(";")[0]  # "Version 2.004"
    ps = family.replace(" ", "") + "-" + style
    full = family if style == "Regular" else f"{family} {style}"
    name.names = [n for n in name.names if n.nameID not in (1, 2, 3, 4, 5, 6, 16, 17, 18, 21, 22)]
    name.names = [n for n in name.names if n.platformID == 3 and n.langID == 0x409]
    for name_id, value in {
        1: family,
        2: style,
        3: f"{version.replace('Version ', '')};{ps};fupin-desktop-ttf",
        4: full,
        5: f"{version}; TrueType conversion (cu2qu), subset, unhinted",
        6: ps,
        16: family,
        17: style,
    }.items():
        name.setName(value, name_id, 3, 1, 0x409)
    os2 = font["OS/2"]
    os2.fsType = 0  # installable embedding (OFL permits it)
    bold = style == "Bold"
    os2.usWeightClass = 700 if bold else 400
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (0b100000 if bold else 0b1000000)
    font["head"].macStyle = 1 if bold else 0


def build(out_name: str, sources: list[Path], out_dir: Path) -> None:
    family, style, ps_names, first = FACES[out_name]
    path, index = find_face(ps_names, sources)
    out = out_dir / out_name
    last = max(first, len(CHARSETS) - 1 if style == "Bold" else 1)
    for level in range(first, last + 1):
        t0 = time.time()
        font = TTFont(str(path), fontNumber=index if index is not None else -1, recalcTimestamp=False)
        subset_font(font, charset(level))
        cff_to_glyf(font)
        rename(font, family, style)
        font.save(str(out))
        size = out.stat().st_size
        cmap = font.getBestCmap()
        hanzi = sum(1 for cp in cmap if EXT_A[0] <= cp <= URO[1])
        print(
            f"{out_name}: {size / 1048576:.2f} MiB, {len(font.getGlyphOrder())} glyphs, "
            f"{len(cmap)} code points ({hanzi} hanzi), {CHARSETS[level]}, "
            f"{time.time() - t0:.0f} s  <- {path.name}[{index}]",
            flush=True,
        )
        if size <= BUDGET_BYTES:
            return
    print(f"warning: {out_name} is over the {BUDGET_BYTES >> 20} MiB budget", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, help="Noto CJK .ttc/.otf files or folders")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", action="append", choices=sorted(FACES), help="build just this file")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for out_name in args.only or FACES:
        build(out_name, args.sources or DEFAULT_SOURCES, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
