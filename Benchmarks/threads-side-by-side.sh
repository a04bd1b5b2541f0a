#!/usr/bin/env bash
# An older gen beside this one, one and two threads each, on the tutorial's
# sales file: every binary's runs interleaved (so a slow minute falls on
# all of them), medians, and what two threads give over one.
#
# Usage: BEFORE=<older gen binary> bash Benchmarks/threads-side-by-side.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-15}
: "${BEFORE:?set BEFORE to an older gen binary, e.g. one built from an earlier commit}"
source Benchmarks/sales-files.sh  # (sets gen and work)

BEFORE="$BEFORE" GEN="$gen" WORK="$work" RUNS="$runs" python3 - <<'PY'
import hashlib, os, statistics, subprocess, time
binaries = [("before", os.environ["BEFORE"]), ("this", os.environ["GEN"])]
work, runs = os.environ["WORK"], int(os.environ["RUNS"])
tasks = [("count", ["count", f"{work}/sales.csv"]),
         ("stats --group-by country", ["stats", f"{work}/sales.csv", "--group-by", "country"]),
         ("filter country!=US, qty>=10", ["filter", f"{work}/sales.csv", "--where", "country!=US", "--where", "qty>=10"]),
         ("filter qty * price > 1000 or lower(country) == 'de'",
          ["filter", f"{work}/sales.csv", "--where", "qty * price > 1000 or lower(country) == 'de'"])]
print("| task | gen | one thread | two threads | two over one |\n|---|---|---:|---:|---:|")
for title, args in tasks:
    # First the answers, which must agree (and the input into the page cache).
    outputs = set()
    for name, binary in binaries:
        for threads in (1, 2):
            with open(f"{work}/out", "wb") as out:
                subprocess.run([binary] + args + ["--threads", str(threads)], stdout=out, check=True)
            with open(f"{work}/out", "rb") as out:
                outputs.add(hashlib.sha256(out.read()).hexdigest())
    if len(outputs) != 1: raise RuntimeError(f"{title}: the outputs differ")
    times = {(name, threads): [] for name, _ in binaries for threads in (1, 2)}
    for _ in range(runs):
        for name, binary in binaries:
            for threads in (1, 2):
                start = time.perf_counter()
                subprocess.run([binary] + args + ["--threads", str(threads)], stdout=subprocess.DEVNULL, check=True)
                times[(name, threads)].append(time.perf_counter() - start)
    for name, _ in binaries:
        one, two = statistics.median(times[(name, 1)]), statistics.median(times[(name, 2)])
        print(f"| {title} | {name} | {one:.3f} s | {two:.3f} s | {one / two:.2f}× |", flush=True)
PY
