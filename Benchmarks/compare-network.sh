#!/usr/bin/env bash
# NDJSON over loopback HTTP, side by side in one run: gen (gen-net, on
# AsyncHTTPClient) against Python httpx iter_lines + json.loads and aiohttp,
# and against gen reading the same file from disk. One server for all:
# Python's ThreadingHTTPServer serving the file (the same bytes for every client).
#
#   bash Benchmarks/compare-network.sh [ROWS]      (default 5,000,000 rows, ~390 MB)
#
# Needs release builds of gen and gen-net (built here if missing) and
# httpx/aiohttp from PyPI (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-5000000}
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

[ -x .build/release/gen-net ] || swift build -c release --product gen-net
[ -x .build/release/gen ] || swift build -c release --product gen
python3 -c 'import httpx, aiohttp' 2>/dev/null || python3 -m pip install -q httpx aiohttp
gen=.build/release/gen

$gen demo --rows "$rows" --keep "$work/sales.csv" >/dev/null
$gen convert "$work/sales.csv" --to jsonl > "$work/events.ndjson"
rm "$work/sales.csv"
bytes=$(stat -c %s "$work/events.ndjson")
echo "NDJSON: $rows records, $((bytes / 1000000)) MB"

mkfifo "$work/stdin"
python3 Tests/StreamNetworkingTests/python_peers.py "$work" < "$work/stdin" > "$work/port" &
server_pid=$!
exec 3> "$work/stdin"   # the server runs until this closes
while [ ! -s "$work/port" ]; do sleep 0.1; done
url="http://127.0.0.1:$(head -n 1 "$work/port")/events.ndjson"

cat > "$work/httpx_lines.py" <<'PY'
import json, sys, httpx
n = 0
with httpx.stream("GET", sys.argv[1], timeout=None) as response:
    for line in response.iter_lines():
        if line:
            json.loads(line)
            n += 1
print(n)
PY
cat > "$work/httpx_count.py" <<'PY'
import sys, httpx
n = 0
with httpx.stream("GET", sys.argv[1], timeout=None) as response:
    for line in response.iter_lines():
        if line:
            n += 1
print(n)
PY
cat > "$work/aiohttp_lines.py" <<'PY'
import asyncio, json, sys, aiohttp
async def main():
    n = 0
    async with aiohttp.ClientSession() as session:
        async with session.get(sys.argv[1], timeout=aiohttp.ClientTimeout(total=None)) as response:
            async for line in response.content:
                if line.strip():
                    json.loads(line)
                    n += 1
    print(n)
asyncio.run(main())
PY

# Each run: seconds and peak memory from /usr/bin/time, the record count it printed.
measure() {
  local label=$1; shift
  local start end count
  start=$(date +%s.%N)
  count=$( { /usr/bin/time -f "%M" -o "$work/rss" "$@"; } | tail -n 1)
  end=$(date +%s.%N)
  python3 - "$label" "$start" "$end" "$count" "$(cat "$work/rss")" "$bytes" <<'PY'
import sys
label, start, end, count, rss, size = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
seconds = end - start
print(f"{label:<42} {seconds:7.2f} s {count / seconds / 1e6:7.2f} M records/s {size / seconds / 1e6:8.1f} MB/s {rss / 1024:7.1f} MiB peak   ({count} records)")
PY
}

echo
measure "gen count, file on disk"              $gen count "$work/events.ndjson"
measure "gen count, loopback HTTP (gen-net)"   $gen count "$url"
measure "Python httpx iter_lines + json.loads" python3 "$work/httpx_lines.py" "$url"
measure "Python aiohttp lines + json.loads"    python3 "$work/aiohttp_lines.py" "$url"
measure "Python httpx iter_lines, no parsing"  python3 "$work/httpx_count.py" "$url"
exec 3>&-
