#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks: Debian's
# PostgreSQL (installed if missing), initdb into DIR, listening on a Unix
# socket in DIR and on a free loopback port, as the user nobody when run as
# root (the server refuses root), trust authentication, database and
# superuser "gen".
#
# DIR is made (its parents must be reachable by nobody: /tmp/NAME is fine).
#   .ci/postgres.sh start DIR [WATCH_PID]   start; print the PG* settings as
#                                           `export` lines; with WATCH_PID,
#                                           also stop when that process ends
#   .ci/postgres.sh stop DIR                stop and remove DIR
set -euo pipefail

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

command=${1:?usage: postgres.sh start|stop DIR [WATCH_PID]}
dir=${2:?usage: postgres.sh start|stop DIR [WATCH_PID]}

case "$command" in
start)
  bin=$(bin_dir)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres.sh: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >/dev/null
    bin=$(bin_dir)
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown nobody "$dir"
    runuser -u nobody -- test -w "$dir" || {
      echo "postgres.sh: the user nobody cannot reach $dir (a parent directory is private); use one under /tmp" >&2
      exit 1
    }
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U gen --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h "$dir" -p "$port" -U gen gen
  if [ -n "${3:-}" ]; then
    # Stops the server when the watched process ends, however it ends.
    (
      trap '' HUP INT
      while kill -0 "$3" 2>/dev/null; do sleep 1; done
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$dir"
    ) </dev/null >/dev/null 2>&1 &
  fi
  echo "export PGHOST=$dir PGPORT=$port PGUSER=gen PGDATABASE=gen PGTCPPORT=$port"
  ;;
stop)
  bin=$(bin_dir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres.sh start|stop DIR [WATCH_PID]" >&2
  exit 64
  ;;
esac
