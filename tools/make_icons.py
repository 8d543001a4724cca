"""Draw the application icon: a red seal (印章) with 扶 in white, as PNGs of every size and one .ico.

    .venv/bin/python tools/make_icons.py [--font FILE]

The glyph comes from the bundled Noto Serif SC (resources/fonts) when it is there,
else from the system's Noto Serif CJK (the same design, fonts-noto-cjk). The output is committed, so
this runs only when the icon changes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
SEAL_RED = (200, 32, 38, 255)
WHITE = (255, 255, 255, 255)
CANVAS = 1024  # drawn once large, then scaled down for each size
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
SYSTEM_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
)


def find_font(explicit: Path | None) -> ImageFont.FreeTypeFont:
    candidates = [explicit] if explicit else []
    bundled = sorted((ROOT / "resources" / "fonts").glob("*.ttf"))
    candidates += [p for p in bundled if "Serif" in p.name] + bundled + list(SYSTEM_FONTS)
    for path in candidates:
        if path is None or not path.exists():
            continue
        # A .ttc holds JP/KR/SC/TC faces: take the Simplified Chinese one.
        for index in range(8 if path.suffix == ".ttc" else 1):
            try:
                font = ImageFont.truetype(str(path), size=int(CANVAS * 0.56), index=index)
            except OSError:
                break
            if path.suffix != ".ttc" or " SC" in font.getname()[0]:
                print(f"字体：{path}（{font.getname()[0]}）")
                return font
    sys.exit("没有找到中文字体：用 --font 指定一个含“扶”字的 TrueType/OpenType 文件。")


def draw_seal(font: ImageFont.FreeTypeFont, *, ring: bool) -> Image.Image:
    if not ring:  # small sizes: no ring, so the glyph can fill more of the circle and stay legible
        font = font.font_variant(size=int(CANVAS * 0.64))
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = CANVAS * 0.03
    draw.ellipse((margin, margin, CANVAS - margin, CANVAS - margin), fill=SEAL_RED)
    if ring:  # the thin inner line of a seal; lost in noise below 32 px, so small sizes go without
        inset = CANVAS * 0.085
        draw.ellipse((inset, inset, CANVAS - inset, CANVAS - inset), outline=WHITE, width=int(CANVAS * 0.022))
    left, top, right, bottom = draw.textbbox((0, 0), "扶", font=font)
    x = (CANVAS - (right - left)) / 2 - left
    y = (CANVAS - (bottom - top)) / 2 - top
    draw.text((x, y), "扶", font=font, fill=WHITE)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", type=Path, help="含“扶”字的字体文件")
    args = parser.parse_args()
    font = find_font(args.font)
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    with_ring, plain = draw_seal(font, ring=True), draw_seal(font, ring=False)
    scaled = {}
    for size in PNG_SIZES:
        source = with_ring if size >= 32 else plain
        scaled[size] = source.resize((size, size), Image.Resampling.LANCZOS)
        scaled[size].save(ICON_DIR / f"fupin-desktop-{size}.png", optimize=True)
    ico_images = [scaled[s] for s in ICO_SIZES]
    ico_images[-1].save(ICON_DIR / "fupin-desktop.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=ico_images)
    print(f"已写入 {ICON_DIR}")


if __name__ == "__main__":
    main()
