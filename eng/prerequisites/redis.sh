#!/usr/bin/env bash
# Installs Debian's redis-server and starts one instance on loopback for the result-cache tests
# (tests/InvoiceOcr.Sdk.Caching.Tests), at 127.0.0.1:${INVOICEOCR_REDIS_PORT:-56379}: a dedicated port, so it never
# meets a Redis the machine already runs. Idempotent and quiet when Redis already answers there. Tests that stop Redis
# start their own redis-server on a port of their own; they never stop this one. Needs root (CI runs it as root) or
# passwordless sudo for the install only.
set -euo pipefail

port=${INVOICEOCR_REDIS_PORT:-56379}
dir=${TMPDIR:-/tmp}/invoiceocr-redis-$port

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo -n)
  else
    echo "redis.sh: redis-server is missing and this user cannot install it (run as root: apt-get install redis-server)." >&2
    exit 1
  fi

  echo "== installing redis-server (Debian package) for the result-cache tests"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  # The package's own service (port 6379) is not needed: policy-rc.d keeps it from starting where there is no init.
  "${sudo[@]}" apt-get install -y -qq redis-server >/dev/null
  command -v redis-server >/dev/null 2>&1 || { echo "redis.sh: apt-get finished but redis-server is still missing." >&2; exit 1; }
fi

if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
  exit 0
fi

mkdir -p "$dir"
# No persistence (a test cache), loopback only, daemonized with its own pid and log file.
redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes --save '' --appendonly no \
  --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null

for _ in $(seq 1 50); do
  if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    echo "== redis-server listening on 127.0.0.1:$port"
    exit 0
  fi
  sleep 0.1
done
echo "redis.sh: redis-server did not answer on 127.0.0.1:$port; see $dir/redis.log." >&2
exit 1
