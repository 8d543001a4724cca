#!/usr/bin/env bash
# Prove the .deb on a bare Debian 12: debootstrap --variant=minbase bookworm, install the .deb with apt
# (its declared Depends and nothing else), then run `fupin-desktop --self-test` offscreen inside.
#
#   sudo bash installer/test-deb-chroot.sh [dist/fupin-desktop_X_amd64.deb]
#
# The bare system is cached as a tarball (FUPIN_CHROOT_CACHE, default /var/tmp) so that a second run
# skips debootstrap; delete the tarball to start from nothing. Needs root (debootstrap, chroot, mount).
set -euo pipefail
cd "$(dirname "$0")/.."

deb=${1:-$(ls -t dist/fupin-desktop_*.deb 2>/dev/null | head -n1 || true)}
[ -n "$deb" ] && [ -f "$deb" ] || { echo "没有找到 .deb：先运行 bash installer/build-deb.sh" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "需要 root 权限（debootstrap/chroot）。" >&2; exit 1; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

# The Debian mirror this machine's apt already uses (deb822 .sources first, then sources.list).
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
fi
if [ -z "$mirror" ]; then
  mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

cache=${FUPIN_CHROOT_CACHE:-/var/tmp/fupin-bookworm-minbase.tar.gz}
root=$(mktemp -d /var/tmp/fupin-chroot.XXXXXX)
cleanup() {
  for mount_point in "$root/dev/pts" "$root/dev" "$root/proc"; do
    mountpoint -q "$mount_point" && umount -l "$mount_point"
  done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

started=$SECONDS
if [ -f "$cache" ]; then
  echo "== 使用缓存的 Debian 12 最小系统：$cache"
  tar -xzf "$cache" -C "$root"
else
  echo "== debootstrap --variant=minbase bookworm（源：$mirror）"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
    || { tail -n 30 "$root.debootstrap.log" >&2; exit 1; }
  rm -f "$root.debootstrap.log"
  tar -czf "$cache" -C "$root" .
  echo "   用时 $((SECONDS - started)) 秒，已缓存到 $cache"
fi

chmod 0755 "$root"  # the root of a system: other users (_apt, the test user) must get in
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/fupin-desktop.deb"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

echo "== apt 安装 $(basename "$deb")（只装它声明的依赖）"
step=$SECONDS
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/fupin-desktop.deb \
  >"$root/tmp/apt.log" 2>&1 || { tail -n 30 "$root/tmp/apt.log" >&2; exit 1; }
echo "   用时 $((SECONDS - step)) 秒；系统中共 $(in_root dpkg-query -f '.\n' -W | wc -l) 个软件包"

echo "== 检查安装结果"
test -x "$root/usr/bin/fupin-desktop"
test -f "$root/usr/share/applications/fupin-desktop.desktop"
# Every library of the bundle (Qt's xcb platform plugin included, which --self-test offscreen does not
# load) must find what it links against: in the bundle, or in the packages the .deb depends on.
bundle_path=/opt/fupin-desktop/_internal:/opt/fupin-desktop/_internal/PySide6/Qt/lib
missing=$(in_root env LD_LIBRARY_PATH=$bundle_path sh -c \
  'find /opt/fupin-desktop -name "*.so*" -type f | xargs ldd 2>/dev/null | grep "not found" | sort -u' || true)
if [ -n "$missing" ]; then
  echo "缺少系统库（Depends 不全）：" >&2 && echo "$missing" >&2
  exit 1
fi
echo "   程序包中 $(in_root find /opt/fupin-desktop -name '*.so*' -type f | wc -l) 个库的依赖都已满足"

echo "== fupin-desktop --self-test（offscreen，普通用户）"
in_root useradd -m clerk 2>/dev/null || true
in_root su clerk -s /bin/sh -c 'cd ~ && QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 fupin-desktop --self-test'
echo "== 通过：.deb 在全新的 Debian 12 上安装并自检成功（共 $((SECONDS - started)) 秒）"
