#!/usr/bin/env bash
# What two cores give here: one `gen --threads 1` run alone, then two of them
# at once (independent processes, nothing shared), on the same file. If two
# at once each take as long as one alone, two threads could at best double
# the speed; each slowdown here lowers that ceiling (to 2 / slowdown).
#
# Usage: bash Benchmarks/two-processes.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-5}
source Benchmarks/sales-files.sh  # (sets gen and work)

GEN="$gen" WORK="$work" RUNS="$runs" python3 - <<'PY'
import os, statistics, subprocess, time
gen, work, runs = os.environ["GEN"], os.environ["WORK"], int(os.environ["RUNS"])
tasks = [("JSON Lines count", ["count", f"{work}/sales.jsonl"]),
         ("stats --group-by country", ["stats", f"{work}/sales.csv", "--group-by", "country"]),
         ("JSON Lines stats", ["stats", f"{work}/sales.jsonl", "--group-by", "country"])]
def together(n, args):
    """Wall seconds until all of n one-thread runs, started at once, have ended."""
    start = time.perf_counter()
    children = [subprocess.Popen([gen] + args + ["--threads", "1"], stdout=subprocess.DEVNULL) for _ in range(n)]
    for child in children:
        if child.wait() != 0: raise RuntimeError(f"{args} failed")
    return time.perf_counter() - start
print(f"| task | one alone | two at once | slowdown | ceiling for two threads |\n|---|---:|---:|---:|---:|")
for title, args in tasks:
    together(1, args)  # (the input into the page cache)
    one = statistics.median(together(1, args) for _ in range(runs))
    two = statistics.median(together(2, args) for _ in range(runs))
    print(f"| {title} | {one:.2f} s | {two:.2f} s | {two / one:.2f}× | {2 * one / two:.2f}× |", flush=True)
PY
