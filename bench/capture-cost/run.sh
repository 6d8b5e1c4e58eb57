#!/usr/bin/env bash
# What cr-sqlite's metadata layout costs on its own, measured with the stock sqlite3 shell (no .NET involved):
# 50,000 todos rows inserted (1) plainly, (2) plus the pks/clock rows written in bulk, (3) plus the same rows
# written by capture triggers shaped like ours (constants instead of our functions). Prints the best of N runs.
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-5}
for script in 1-raw.sql 2-metadata-bulk.sql 3-metadata-triggers.sql; do
  best=
  for _ in $(seq "$runs"); do
    db=$(mktemp -u /tmp/capture-cost-XXXXXX.db)
    t=$(sqlite3 "$db" < "$script" | awk '/^Run Time/ { s += $4 } END { print s }')
    rm -f "$db" "$db-wal" "$db-shm"
    if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
  done
  printf '%-28s %ss\n' "$script" "$best"
done
