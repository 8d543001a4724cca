#!/usr/bin/env bash
# Set up everything on a fresh Debian machine with Python 3.11: Qt's system libraries and PostgreSQL 15 (for
# the tests) when missing, a virtual environment in .venv, and the package with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

qt_libs=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
         libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
         libxcb-render-util0 libxcb-image0 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2 libcups2)
missing=()
for lib in "${qt_libs[@]}"; do
  dpkg -s "$lib" >/dev/null 2>&1 || missing+=("$lib")
done
# The tests also run on a real PostgreSQL 15 server (scripts/pg.sh): Debian 12's `postgresql` package.
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] && [ -z "${FUPIN_TEST_PG_URL:-}" ]; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "安装所需的系统软件包：${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
