#!/usr/bin/env bash
# Start a throwaway PostgreSQL (Debian's packages) on 127.0.0.1 and print its SQLAlchemy URL.
#
#   export OVERCLAIM_TEST_DB_URL=$(.ci/postgres.sh)
#   python -m pytest tests/test_review.py tests/test_review_e2e.py -q
#   .ci/postgres.sh stop
#
# Installs `postgresql` with apt-get when its binaries are missing. The cluster lives in
# $OVERCLAIM_PG_DIR (default /tmp/overclaim-pg), listens only on 127.0.0.1:$OVERCLAIM_PG_PORT
# (default 54329), and has a role `overclaim` with a random password and a database
# `overclaim_test`. Running it again reuses the running cluster. Only the URL goes to stdout.
set -euo pipefail
DIR=${OVERCLAIM_PG_DIR:-/tmp/overclaim-pg}
PORT=${OVERCLAIM_PG_PORT:-54329}
DB=overclaim_test
ROLE=overclaim
log() { echo "postgres.sh: $*" >&2; }

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

BIN=$(bindir || true)
if [ -z "$BIN" ]; then
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN=$(bindir)
fi

# PostgreSQL refuses to run as root: run the server as the `postgres` system user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = "stop" ]; then
  [ -d "$DIR/data" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >&2 || true
  exit 0
fi

mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  log "creating a cluster in $DIR/data"
  PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' )
  printf '%s\n' "$PW" > "$DIR/pw"
  chmod 600 "$DIR/pw"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR/pw"
  as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >&2
fi
PW=$(cat "$DIR/pw")
if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  log "starting on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >&2
fi
psql_() { as_pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_ -d postgres -c "select 1 from pg_roles where rolname='$ROLE'")" != 1 ]; then
  psql_ -d postgres -c "create role $ROLE login password '$PW'" >&2
fi
if [ "$(psql_ -d postgres -c "select 1 from pg_database where datname='$DB'")" != 1 ]; then
  psql_ -d postgres -c "create database $DB owner $ROLE" >&2
fi
echo "postgresql://$ROLE:$PW@127.0.0.1:$PORT/$DB"
