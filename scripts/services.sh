# Private, throw-away PostgreSQL and Redis servers for tests and benchmarks; source it.
#   start_redis      exports KEFU_TEST_REDIS_URL
#   start_postgres   exports KEFU_TEST_DATABASE_URL (postgres://kefu@127.0.0.1:PORT/kefu, a superuser)
#   stop_services    stops both and removes their directories and any added to KEFU_CLEANUP_DIRS
#                    (call it from an EXIT trap)
# Each server lives in its own directory under /tmp, listens on 127.0.0.1 only, and keeps
# nothing: fsync off for PostgreSQL, no snapshots or AOF for Redis.
# shellcheck shell=bash

KEFU_CLEANUP_DIRS=()

pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
  echo "$dir"
}

start_postgres() {
  local bin dir port as_pg=()
  bin="$(pg_bindir)"
  dir="$(mktemp -d /tmp/kefu-pg.XXXXXX)"
  KEFU_CLEANUP_DIRS+=("$dir")
  port="$(free_port 55432)"
  # PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres system user.
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    as_pg=(runuser -u postgres --)
  fi
  say "starting PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
  "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { cat "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qX -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE kefu LOGIN SUPERUSER" -c "CREATE DATABASE kefu OWNER kefu" >/dev/null </dev/null
  export KEFU_TEST_DATABASE_URL="postgres://kefu@127.0.0.1:$port/kefu"
}

start_redis() {
  local dir port i
  command -v redis-server >/dev/null || die "redis-server not found"
  dir="$(mktemp -d /tmp/kefu-redis.XXXXXX)"
  KEFU_CLEANUP_DIRS+=("$dir")
  port="$(free_port 56379)"
  say "starting Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port ($dir)"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" </dev/null >/dev/null
  for i in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
    [ "$i" = 50 ] && { cat "$dir/redis.log" >&2; die "Redis did not start"; }
    sleep 0.1
  done
  export KEFU_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
}

stop_services() {
  local dir pid as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  for dir in "${KEFU_CLEANUP_DIRS[@]}"; do
    if [ -f "$dir/data/postmaster.pid" ]; then
      "${as_pg[@]}" "$(pg_bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -f "$dir/redis.pid" ]; then
      pid="$(cat "$dir/redis.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
  done
  KEFU_CLEANUP_DIRS=()
}
