#!/usr/bin/env bash
# What two cores give here, beside what `--threads 2` gets. For each task:
#   one:    one `gen --threads 1` run on the whole file;
#   halves: two `gen --threads 1` runs at once, each on its own half of the
#           rows (two files, header and all): independent processes, nothing
#           shared but the machine, the same bytes in all;
#   two:    one `gen --threads 2` run on the whole file.
# one / halves is the most two threads could give on this machine (its
# memory and page cache shared by the two cores, each half started as a
# whole process); one / two is what they give. Two runs on the *same* file
# at once are no ceiling: they read the same pages at the same time, which
# the cache shares, so they meet less contention than two threads reading
# different halves do.
#
# Also the plain reading of the file (dd, 256 KiB blocks): alone, two
# halves of the one file at once, and the two half files at once.
#
# Usage: bash Benchmarks/two-processes.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-11}
source Benchmarks/sales-files.sh  # (sets gen and work)

# The halves: the header, then the first or the second half of the rows.
# All three files written fresh, the same way (through cat): the same bytes
# read at different speeds depending on how they came into the page cache
# (here a file written a day before read in 46 ms, a fresh copy in 33).
half=$(( rows / 2 ))
cat "$work/sales.csv" | cat > "$work/whole.csv"
sed -n "1,$((half + 1))p" "$work/sales.csv" | cat > "$work/half1.csv"
sed -n "1p;$((half + 2)),\$p" "$work/sales.csv" | cat > "$work/half2.csv"
cat "$work/sales.jsonl" | cat > "$work/whole.jsonl"
sed -n "1,${half}p" "$work/sales.jsonl" | cat > "$work/half1.jsonl"
sed -n "$((half + 1)),\$p" "$work/sales.jsonl" | cat > "$work/half2.jsonl"

GEN="$gen" WORK="$work" RUNS="$runs" python3 - <<'PY'
import os, statistics, subprocess, time
gen, work, runs = os.environ["GEN"], os.environ["WORK"], int(os.environ["RUNS"])
def timed(commands):
    """Wall seconds until all `commands`, started at once, have ended."""
    start = time.perf_counter()
    children = [subprocess.Popen(command, stdout=subprocess.DEVNULL) for command in commands]
    for child in children:
        if child.wait() != 0: raise RuntimeError(f"{commands} failed")
    return time.perf_counter() - start
tasks = [("count", ["count"], "csv"), ("stats --group-by country", ["stats", "--group-by", "country"], "csv"),
         ("filter country!=US, qty>=10", ["filter", "--where", "country!=US", "--where", "qty>=10"], "csv"),
         ("filter qty * price > 1000 or lower(country) == 'de'",
          ["filter", "--where", "qty * price > 1000 or lower(country) == 'de'"], "csv"),
         ("JSON Lines count", ["count"], "jsonl"), ("JSON Lines stats", ["stats", "--group-by", "country"], "jsonl")]
print("| task | one | two halves at once | ceiling | --threads 2 | speed-up |\n|---|---:|---:|---:|---:|---:|")
for title, args, format in tasks:
    whole, halves = f"{work}/whole.{format}", [f"{work}/half1.{format}", f"{work}/half2.{format}"]
    def run(path, threads): return [gen, args[0], path] + args[1:] + ["--threads", str(threads)]
    timed([run(whole, 1)] + [run(path, 1) for path in halves])  # (the files into the page cache)
    one, both, two = [], [], []
    for _ in range(runs):  # (interleaved, so that a slow minute falls on all three)
        one.append(timed([run(whole, 1)]))
        both.append(timed([run(path, 1) for path in halves]))
        two.append(timed([run(whole, 2)]))
    one, both, two = (statistics.median(x) for x in (one, both, two))
    print(f"| {title} | {one:.3f} s | {both:.3f} s | {one / both:.2f}× | {two:.3f} s | {one / two:.2f}× |", flush=True)
size = os.path.getsize(f"{work}/whole.csv")
blocks = size // (256 << 10) // 2
dd = lambda path, extra=[]: ["dd", f"if={path}", "bs=256k", "of=/dev/null", "status=none"] + extra
alone, same, apart = [], [], []
for _ in range(runs):
    alone.append(timed([dd(f"{work}/whole.csv")]))
    same.append(timed([dd(f"{work}/whole.csv", [f"count={blocks}"]), dd(f"{work}/whole.csv", [f"skip={blocks}"])]))
    apart.append(timed([dd(f"{work}/half1.csv"), dd(f"{work}/half2.csv")]))
alone, same, apart = (statistics.median(x) for x in (alone, same, apart))
print(f"\nReading the CSV file (dd, 256 KiB blocks): alone {alone * 1000:.0f} ms; its two halves at once "
      f"{same * 1000:.0f} ms ({alone / same:.2f}×); the two half files at once {apart * 1000:.0f} ms ({alone / apart:.2f}×)")
PY
