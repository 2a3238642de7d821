#!/usr/bin/env bash
# Starts (or stops) a throw-away PostgreSQL server on loopback for the tests: a temporary data
# directory owned by the postgres user (the server refuses to run as root), trust authentication on
# 127.0.0.1 only, a free port, TLS offered with a self-signed certificate. `start` prints the URL to use; `stop DIR` stops it and removes DIR.
#
#   url=$(bash .ci/postgres.sh start)      # postgres://postgres@127.0.0.1:PORT/postgres
#   bash .ci/postgres.sh stop              # stops the server started last
#   bash .ci/postgres.sh halt | resume     # stops it keeping its data / starts it again (restart tests)
# POKEDEX_TEST_POSTGRES_STATE chooses the state folder, so a test can have a server of its own.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
state=${POKEDEX_TEST_POSTGRES_STATE:-/tmp/pokedex-test-postgres}
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case ${1:-start} in
start)
  [[ -n $bin ]] || { echo "postgres.sh: PostgreSQL is not installed" >&2; exit 1; }
  if [[ -f $state/port ]] && as_postgres "$bin/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
    echo "postgres://postgres@127.0.0.1:$(cat "$state/port")/postgres"; exit 0
  fi
  rm -rf "$state"; mkdir -p "$state"
  [[ $(id -u) -eq 0 ]] && chown postgres "$state"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_postgres "$bin/initdb" -D "$state/data" -U postgres --auth=trust -E UTF8 >/dev/null
  # TLS on, with a self-signed certificate for localhost and 127.0.0.1 (as Debian's own PostgreSQL
  # ships with one): clients choose with sslmode; data/server.crt is also its own CA.
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$state/data/server.key" -out "$state/data/server.crt" 2>/dev/null
  chmod 600 "$state/data/server.key"
  [[ $(id -u) -eq 0 ]] && chown postgres "$state/data/server.key" "$state/data/server.crt"
  echo "$port" >"$state/port"
  bash "$0" resume >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  ;;
resume)
  port=$(cat "$state/port")
  as_postgres "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$state -c max_connections=300 -c fsync=on -c ssl=on" start >/dev/null
  ;;
halt)
  as_postgres "$bin/pg_ctl" -D "$state/data" -m fast -w stop >/dev/null
  ;;
stop)
  if [[ -d $state/data ]]; then as_postgres "$bin/pg_ctl" -D "$state/data" -m fast stop >/dev/null 2>&1 || true; fi
  rm -rf "$state"
  ;;
*)
  echo "usage: postgres.sh start|stop|halt|resume" >&2; exit 2
  ;;
esac
