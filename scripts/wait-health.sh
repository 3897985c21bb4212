#!/usr/bin/env bash
# Waits until the daemon answers GET /api/health with 200, at most $1 seconds (default 120).
# Pure bash (/dev/tcp): no curl needed on the box. Exit 0 healthy, 1 timed out.
set -uo pipefail
limit="${1:-120}"
host="${LEUKODIFF_HEALTH_HOST:-127.0.0.1}"
port="${LEUKODIFF_PORT:-8080}"

check() {
  local status
  exec 3<>"/dev/tcp/$host/$port" || return 1
  printf 'GET /api/health HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
  IFS= read -r -t 5 status <&3 || status=''
  exec 3<&- 3>&-
  [[ "$status" == HTTP/1.?" 200"* ]]
}

deadline=$((SECONDS + limit))
until check 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    echo "leukodiff daemon not healthy on $host:$port after ${limit}s" >&2
    exit 1
  fi
  sleep 1
done
