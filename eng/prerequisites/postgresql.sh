#!/usr/bin/env bash
# Installs Debian's PostgreSQL and starts the project's own test cluster for the PostgreSQL store's tests
# (tests/InvoiceOcr.Sdk.PostgreSql.Tests, the PostgreSQL reconciliation run, the benchmark smoke). Idempotent and
# quiet: prints nothing when the server already answers.
#
# The cluster is the project's, apart from any system cluster (so nothing collides with a default 5432 server):
#   data directory  /var/lib/invoiceocr-pg (as root; otherwise ~/.local/state/invoiceocr-pg), owned by the server user
#   address         127.0.0.1:55432 only (listen_addresses = 127.0.0.1; its unix socket sits in the data directory)
#   role            invoiceocr / invoiceocr-test (CREATEDB: each test class creates and drops a database of its own)
# Tests read INVOICEOCR_POSTGRES_CONNECTIONSTRING and default to
#   Host=127.0.0.1;Port=55432;Username=invoiceocr;Password=invoiceocr-test;Database=postgres
# Overrides: INVOICEOCR_PG_PORT, INVOICEOCR_PG_DATA. Stop it with: pg_ctl -D <data directory> stop (as the server user).
# Needs root (CI runs it as root) or passwordless sudo only to install the package.
set -euo pipefail

port=${INVOICEOCR_PG_PORT:-55432}
role=invoiceocr
password=invoiceocr-test

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/pg_ctl ]] && echo "$dir"
}

bin=$(pg_bin || true)
if [[ -n $bin ]] && "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  sudo=()
fi

if [[ -z $bin ]]; then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    echo "postgresql.sh: PostgreSQL is missing and this user cannot install it (run as root: apt-get install postgresql)." >&2
    exit 1
  fi
  echo "== installing postgresql (Debian package) for the PostgreSQL store tests"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq postgresql >/dev/null
  bin=$(pg_bin || true)
  [[ -n $bin ]] || { echo "postgresql.sh: apt-get finished but no /usr/lib/postgresql/*/bin/pg_ctl was found." >&2; exit 1; }
fi

# The server refuses to run as root: as root it runs as the 'postgres' user the package creates; otherwise as the caller.
if [[ $(id -u) -eq 0 ]]; then
  data=${INVOICEOCR_PG_DATA:-/var/lib/invoiceocr-pg}
  as_server=(runuser -u postgres --)
else
  data=${INVOICEOCR_PG_DATA:-${XDG_STATE_HOME:-$HOME/.local/state}/invoiceocr-pg}
  as_server=()
fi

if [[ ! -s $data/PG_VERSION ]]; then
  echo "== creating the InvoiceOcr PostgreSQL test cluster in $data (127.0.0.1:$port)"
  mkdir -p "$data"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$data"; fi
  chmod 700 "$data"
  pwfile=$(mktemp)
  printf '%s\n' "$password" >"$pwfile"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$pwfile"; fi
  # The superuser is the invoiceocr role itself, with a password; local socket connections trust the server user only.
  "${as_server[@]}" "$bin/initdb" -D "$data" -U "$role" --pwfile="$pwfile" -A scram-sha-256 --auth-local=peer \
    -E UTF8 --locale=C.UTF-8 >/dev/null || { rm -f "$pwfile"; echo "postgresql.sh: initdb failed." >&2; exit 1; }
  rm -f "$pwfile"
  # Loopback only, and enough connections for 4 worker processes with their pools. fsync and synchronous_commit keep
  # their defaults (on), so the benchmark figures are those of a durable server.
  cat >>"$data/postgresql.conf" <<EOF

# InvoiceOcr test cluster (eng/prerequisites/postgresql.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 300
shared_buffers = 128MB
logging_collector = off
log_min_messages = warning
deadlock_timeout = 1s
EOF
fi

# 'start' waits until the server accepts connections; when another invocation started it meanwhile, pg_isready answers.
if ! "${as_server[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null 2>&1; then
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1; then
    echo "postgresql.sh: the server did not start; its log says:" >&2
    tail -n 20 "$data/server.log" >&2 || true
    exit 1
  fi
fi
