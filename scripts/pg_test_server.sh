#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests (Debian's postgresql package,
# installed by scripts/install-deps.sh). ctest starts and stops it as the `pg` fixture
# (tests/CMakeLists.txt); by hand:
#
#   scripts/pg_test_server.sh start DIR PORT   # prints postgres://etl@127.0.0.1:PORT/postgres
#   scripts/pg_test_server.sh stop DIR         # stops it and removes DIR
#   scripts/pg_test_server.sh url DIR PORT     # prints the URL only
#
# DIR is the data directory (short, under /tmp: it is also the unix socket directory, whose
# path must stay under 107 bytes). As root the server runs as the `postgres` user (DIR is
# given to it); otherwise as the caller. It listens on 127.0.0.1 only, with fsync off and
# trust authentication for the superuser `etl` (a test server: nothing in it is kept).
# Both commands are idempotent: `start` on a running server prints the URL, `stop` on a
# stopped one does nothing.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR | url DIR PORT" >&2
  exit 2
}

[ $# -ge 2 ] || usage
command=$1
dir=$2
user=etl

find_bin() {
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    if [ -x "$bin/pg_ctl" ] && [ -x "$bin/initdb" ]; then
      echo "$bin"
      return 0
    fi
  done
  echo "pg_test_server: no PostgreSQL server found under /usr/lib/postgresql (run scripts/install-deps.sh," \
       "which installs Debian's postgresql package)" >&2
  exit 1
}

# Runs a command as the user owning the server.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() { echo "postgres://$user@127.0.0.1:$1/postgres"; }

case "$command" in
  url)
    [ $# -eq 3 ] || usage
    url "$3"
    ;;
  start)
    [ $# -eq 3 ] || usage
    port=$3
    case "$dir" in /*) ;; *) echo "pg_test_server: DIR must be an absolute path, not $dir" >&2; exit 2 ;; esac
    if [ ${#dir} -gt 80 ]; then
      echo "pg_test_server: DIR $dir is too long for a unix socket directory (keep it under 80 bytes)" >&2
      exit 2
    fi
    bin=$(find_bin)
    if [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      url "$port"
      exit 0
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "pg_test_server: port $port on 127.0.0.1 is already in use by another program; pick another" \
           "(cmake -DETL_TEST_PG_PORT=N for the ctest fixture)" >&2
      exit 1
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      rm -rf "$dir"
      mkdir -p "$dir"
      chmod 700 "$dir"
      if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
      if ! as_owner "$bin/initdb" -D "$dir" --no-sync -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 \
          >"$dir.initdb.log" 2>&1; then
        echo "pg_test_server: initdb failed in $dir:" >&2
        cat "$dir.initdb.log" >&2
        exit 1
      fi
      rm -f "$dir.initdb.log"
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null; then
      echo "pg_test_server: the server in $dir did not start on port $port; its log:" >&2
      cat "$dir/server.log" >&2 || true
      exit 1
    fi
    url "$port"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    if [ -f "$dir/PG_VERSION" ]; then
      bin=$(find_bin)
      if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$dir" -m fast -w -t 30 stop >/dev/null
      fi
    fi
    rm -rf "$dir"
    ;;
  *)
    usage
    ;;
esac
