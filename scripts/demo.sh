#!/usr/bin/env bash
# Open the program on a demo township (sets everything up and makes the demo data the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
db=${FUPIN_DEMO_DB:-$HOME/.local/share/fupin-desktop/demo.db}
mkdir -p "$(dirname "$db")"
if [ ! -f "$db" ]; then
  .venv/bin/fupin-desktop --db "$db" demo --households 2000 --seed 1
fi
exec .venv/bin/fupin-desktop --db "$db" "$@"
