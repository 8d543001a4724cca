#!/usr/bin/env bash
# Package the PyInstaller bundle as a .deb for Debian 12, 统信UOS and 麒麟: the bundle under
# /opt/fupin-desktop, the launcher /usr/bin/fupin-desktop, the desktop entry and the icons.
#
#   bash installer/build-deb.sh [--bundle dist/fupin-desktop] [--version V] [--out dist]
#
# Depends (installer/linux/control.in) lists the system libraries Qt loads; the glibc version is
# the newest one that any file of the bundle asks for.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bundle=$root/dist/fupin-desktop
out=$root/dist
version=""
while [ $# -gt 0 ]; do
  case $1 in
    --bundle) bundle=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "未知参数：$1" >&2; exit 2 ;;
  esac
done
[ -x "$bundle/fupin-desktop" ] || { echo "“$bundle”不是程序包：先运行 bash installer/build.sh" >&2; exit 1; }
python=$root/.venv/bin/python
[ -x "$python" ] || python=python3
if [ -z "$version" ]; then
  version=$("$python" -c 'from importlib.metadata import version; print(version("fupin-desktop"))')
fi
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT
install -d -m 0755 "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications"
cp -a "$bundle" "$stage/opt/fupin-desktop"
chmod -R u=rwX,go=rX "$stage/opt/fupin-desktop"
install -m 0755 "$here/linux/fupin-desktop.sh" "$stage/usr/bin/fupin-desktop"
install -m 0644 "$here/linux/fupin-desktop.desktop" "$stage/usr/share/applications/fupin-desktop.desktop"
for png in "$root"/resources/icons/fupin-desktop-*.png; do
  size=$(basename "$png" .png); size=${size##*-}
  install -D -m 0644 "$png" "$stage/usr/share/icons/hicolor/${size}x${size}/apps/fupin-desktop.png"
done

# The newest GLIBC_x.y symbol version any ELF file in the bundle needs.
glibc=$("$python" - "$stage/opt/fupin-desktop" <<'PY'
import re, sys
from pathlib import Path
best = (0, 0)
for path in Path(sys.argv[1]).rglob("*"):
    if path.is_file() and not path.is_symlink():
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                continue
            data = handle.read()
        for major, minor in re.findall(rb"GLIBC_(\d+)\.(\d+)", data):
            best = max(best, (int(major), int(minor)))
print(f"{best[0]}.{best[1]}" if best != (0, 0) else "")
PY
)
libc="libc6"
[ -n "$glibc" ] && libc="libc6 (>= $glibc)"
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@LIBC@/$libc/" \
  "$here/linux/control.in" >"$stage/DEBIAN/control"

mkdir -p "$out"
deb=$out/fupin-desktop_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz -z6 --build "$stage" "$deb" >/dev/null
echo "安装包：$deb（$(du -h "$deb" | cut -f1)；安装后 $((installed_size / 1024)) MB；依赖 $libc 等）"
