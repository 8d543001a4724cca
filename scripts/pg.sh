#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the tests: socket only (no TCP port), in a temporary data folder.
#   source scripts/pg.sh && pg_test_start    exports FUPIN_TEST_PG_URL (a libpq URL for its socket)
#   pg_test_stop                             stops the server and deletes the folder (safe to call twice)
#   bash scripts/pg.sh start|stop            the same from a shell; start prints the export line
# As root the server runs as the `postgres` user (initdb refuses root); otherwise as the developer.
# To test against a server of one's own instead, export FUPIN_TEST_PG_URL=postgresql://user@host/db
# (a role allowed to CREATE DATABASE) and nothing is started.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_test_start() {
  if [ -n "${FUPIN_TEST_PG_URL:-}" ]; then
    echo "使用已有的PostgreSQL服务器进行测试：FUPIN_TEST_PG_URL 已设置"
    return 0
  fi
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "未找到PostgreSQL 15（$PG_BIN）：PostgreSQL部分的测试将被跳过"
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "没有 postgres 用户，无法以root身份启动PostgreSQL：PostgreSQL部分的测试将被跳过"
    return 0
  fi
  FUPIN_TEST_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fupin-pg.XXXXXX")
  export FUPIN_TEST_PG_DIR
  chmod 700 "$FUPIN_TEST_PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$FUPIN_TEST_PG_DIR"
  local user
  user=$(_pg_as_owner id -un)
  if ! _pg_as_owner "$PG_BIN/initdb" -D "$FUPIN_TEST_PG_DIR/data" -U "$user" --auth=trust \
       --encoding=UTF8 --locale=C.UTF-8 >"$FUPIN_TEST_PG_DIR/initdb.log" 2>&1; then
    echo "PostgreSQL初始化失败（见 $FUPIN_TEST_PG_DIR/initdb.log）：PostgreSQL部分的测试将被跳过"
    return 0
  fi
  # Tests need no durability: a crash only loses a throw-away server.
  if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$FUPIN_TEST_PG_DIR/data" -l "$FUPIN_TEST_PG_DIR/server.log" -w -t 30 \
       -o "-c listen_addresses='' -c unix_socket_directories='$FUPIN_TEST_PG_DIR' -c fsync=off \
           -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
    echo "PostgreSQL启动失败（见 $FUPIN_TEST_PG_DIR/server.log）：PostgreSQL部分的测试将被跳过"
    return 0
  fi
  export FUPIN_TEST_PG_URL="postgresql://$user@/postgres?host=$FUPIN_TEST_PG_DIR"
  echo "已启动测试用PostgreSQL 15（套接字在 $FUPIN_TEST_PG_DIR）"
}

pg_test_stop() {
  if [ -n "${FUPIN_TEST_PG_DIR:-}" ] && [ -d "$FUPIN_TEST_PG_DIR" ]; then
    if [ -f "$FUPIN_TEST_PG_DIR/data/postmaster.pid" ]; then
      _pg_as_owner "$PG_BIN/pg_ctl" -D "$FUPIN_TEST_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$FUPIN_TEST_PG_DIR"
  fi
  unset FUPIN_TEST_PG_DIR
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      pg_test_start >&2
      if [ -n "${FUPIN_TEST_PG_DIR:-}" ]; then
        echo "export FUPIN_TEST_PG_DIR='$FUPIN_TEST_PG_DIR' FUPIN_TEST_PG_URL='$FUPIN_TEST_PG_URL'"
      fi
      ;;
    stop)
      FUPIN_TEST_PG_DIR=${2:-${FUPIN_TEST_PG_DIR:-}}
      pg_test_stop
      ;;
    *)
      echo "用法：bash scripts/pg.sh start|stop [数据文件夹]" >&2
      exit 2
      ;;
  esac
fi
