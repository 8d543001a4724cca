#!/usr/bin/env bash
# Build the onedir bundle dist/fupin-desktop/ with PyInstaller (from the worktree's .venv), then
# check it starts: `dist/fupin-desktop/fupin-desktop --self-test`. Pass --deb to also make the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! .venv/bin/python -c "import PyInstaller" 2>/dev/null; then
  .venv/bin/python -m pip install -q -e ".[test,build]"
fi

started=$SECONDS
.venv/bin/python -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller installer/fupin-desktop.spec
echo "程序包：dist/fupin-desktop（$(du -sh dist/fupin-desktop | cut -f1)，$(find dist/fupin-desktop -type f | wc -l) 个文件），用时 $((SECONDS - started)) 秒"

if [ "${1:-}" = "--deb" ]; then
  bash installer/build-deb.sh --bundle dist/fupin-desktop --out dist
fi
