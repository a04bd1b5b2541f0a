#!/usr/bin/env bash
# stats --group-by with very many groups: peak memory (/usr/bin/time %M) and
# wall time of `gen stats FILE --group-by name` on `gen demo`'s data, where
# nearly every name is its own group, at the default --memory-limit (1 GiB)
# and at a small one; each table is compared byte for byte with the first.
# BEFORE=path/to/an/older/gen adds its row (one that keeps every group in memory).
#
# Usage: bash Benchmarks/stats-spill.sh [ROWS] [SMALL_LIMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-5000000}
small=${2:-64MiB}

swift build -c release --product gen >/dev/null
gen=$PWD/.build/release/gen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" demo --rows "$rows" --keep "$work/s.csv" >/dev/null

echo "| gen | options | seconds | peak | spill |"
echo "|---|---|---:|---:|---|"
run() {  # label binary options…
  local label=$1 binary=$2
  shift 2
  /usr/bin/time -o "$work/time" -f "%e %M" "$binary" stats "$work/s.csv" --group-by name --to csv "$@" \
    >"$work/out.csv" 2>"$work/err"
  read -r seconds kib <"$work/time"
  if [ -f "$work/first.csv" ]; then
    cmp -s "$work/first.csv" "$work/out.csv" || { echo "$label $*: a different table" >&2; exit 1; }
  else
    mv "$work/out.csv" "$work/first.csv"
  fi
  local note
  note=$(grep -o 'in [0-9,]* sorted runs\?' "$work/err" || true)
  echo "| $label | ${*:-(default)} | $seconds | $((kib / 1024)) MiB | ${note:-none} |"
}
if [ -n "${BEFORE:-}" ]; then run before "$BEFORE"; fi
run this "$gen"
run this "$gen" --threads 1
run this "$gen" --memory-limit "$small"
