#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and the benchmarks: initdb in a folder of its own, on a free
# loopback port, trusted on loopback only, stopped and removed by `stop`. Installs Debian's server first
# when this machine has none (as root, or through sudo).
#   scripts/pg-cluster.sh start DIR [--durable]   prints postgres://ekey@127.0.0.1:PORT/ekey
#   scripts/pg-cluster.sh stop DIR
# Without --durable the cluster does not fsync: its data is thrown away anyway, and the tests run faster.
set -euo pipefail
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [--durable]" >&2; exit 2; }

bindir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

# initdb and the server refuse to run as root: as root they run as the postgres user of Debian's package.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    bin="$(bindir || true)"
    if [ -z "$bin" ]; then
      sudo=""
      [ "$(id -u)" -eq 0 ] || sudo="sudo"
      echo "== apt-get install postgresql" >&2
      $sudo apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
      bin="$(bindir)"
    fi
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U ekey --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
    opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=128MB"
    [ "${3:-}" = "--durable" ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_owner "$bin/pg_ctl" -D "$dir/data" -o "$opts" -l "$dir/server.log" -w -t 60 start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U ekey ekey
    echo "postgres://ekey@127.0.0.1:$port/ekey"
    ;;
  stop)
    bin="$(bindir || true)"
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR [--durable]" >&2
    exit 2
    ;;
esac
