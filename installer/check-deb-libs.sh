#!/usr/bin/env bash
# Where the chroot test (test-deb-chroot.sh) cannot run — no root, no debootstrap, no mirror — check the
# .deb statically on this Debian machine: every system library that a file of the bundle links against
# belongs to a package in the closure of the .deb's Depends (apt-cache depends --recurse, the local
# package lists only), and no file needs a newer glibc than the Depends line says.
#
#   bash installer/check-deb-libs.sh [dist/fupin-desktop_X_amd64.deb]
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(ls -t dist/fupin-desktop_*.deb 2>/dev/null | head -n1 || true)}
[ -n "$deb" ] && [ -f "$deb" ] || { echo "没有找到 .deb：先运行 bash installer/build-deb.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --extract "$deb" "$work/root"
bundle=$work/root/opt/fupin-desktop

# The libraries found outside the bundle, and the packages that own them (/lib is /usr/lib on Debian 12).
find "$bundle" -name "*.so*" -type f -print0 \
  | xargs -0 env LD_LIBRARY_PATH="$bundle/_internal:$bundle/_internal/PySide6/Qt/lib" ldd 2>/dev/null \
  | awk -v inside="$bundle" '/=>/ && index($3, inside) != 1 {print $3}' | sort -u >"$work/libraries"
if grep -q "not" "$work/libraries"; then
  echo "这台机器上也缺少程序包需要的库：" >&2 && grep "not" "$work/libraries" >&2
  exit 1
fi
: >"$work/owners"
while read -r library; do
  real=$(readlink -f "$library")
  owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || true)
  [ -n "$owner" ] || { echo "“$library”不属于任何软件包" >&2; exit 1; }
  echo "${owner%%:*}" >>"$work/owners"
done <"$work/libraries"
sort -u -o "$work/owners" "$work/owners"

depends=$(dpkg-deb --field "$deb" Depends | tr ',' '\n' | awk '{print $1}')
# shellcheck disable=SC2086  # one package name per word
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances $depends 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u >"$work/closure"
missing=$(comm -23 "$work/owners" "$work/closure")
if [ -n "$missing" ]; then
  echo "程序包用到、但 Depends 没有带来的软件包：" >&2 && echo "$missing" >&2
  exit 1
fi

declared=$(dpkg-deb --field "$deb" Depends | sed -n 's/.*libc6 (>= \([0-9.]*\)).*/\1/p')
needed=$(find "$bundle" -type f -print0 | xargs -0 grep -aho 'GLIBC_2\.[0-9]*' 2>/dev/null | sort -uV | tail -n1)
if [ -n "$needed" ] && [ -n "$declared" ] && [ "$(printf '%s\n%s\n' "${needed#GLIBC_}" "$declared" | sort -V | tail -n1)" != "$declared" ]; then
  echo "程序包需要 $needed，Depends 只写了 libc6 (>= $declared)" >&2
  exit 1
fi
echo "通过：$(wc -l <"$work/libraries") 个系统库来自 $(wc -l <"$work/owners") 个软件包，都在 Depends 的依赖闭包（$(wc -l <"$work/closure") 个软件包）中；glibc 需要 ${needed#GLIBC_}，声明 >= $declared"
